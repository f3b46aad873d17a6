// A dated future's settlement (docs/futures.md): at a Settlement event, at or after the
// instrument's expiry and once, every open position of the instrument is closed at the settlement
// price as a trade without a counterparty (apply_trade's close, the engine's own rounding), its
// realized PnL and accrued funding go into the balance, the rounding dust to the insurance fund,
// and the instrument is marked settled. Each holder is then re-evaluated: one left flat with a
// negative balance is bankrupt and the waterfall covers it in the same event, as any flat bankrupt
// account. Owned by the risk engine thread; no allocation. Cost: O(h log h + f + h·P log n), h the
// holders, f the flagged accounts, P an account's positions; a rare event, like funding.
#pragma once

#include <cstdint>

#include "backstop/waterfall_context.hpp"

namespace backstop {

// Settles `instrument` at `price` and writes its audit records: a kSettlement record always, and
// with config.audit_balances each holder's kSettlementPnl and kFundingSettled legs (in ascending
// account id) and the kSettlementDust. Preconditions: a dated future, not settled, `price` within
// its band (RiskEngine::on_settlement checks them).
void settle_dated_future(WaterfallContext& ctx, std::uint16_t instrument,
                         std::int64_t price) noexcept;

}  // namespace backstop
