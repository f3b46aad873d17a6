// A dated future's settlement (settlement.hpp, docs/futures.md). Cold: one event per expiry.
#include "backstop/settlement.hpp"

#include <span>

namespace backstop {

void settle_dated_future(WaterfallContext& ctx, std::uint16_t instrument,
                         std::int64_t price) noexcept {
  Ledger& ledger = ctx.ledger;
  const std::uint8_t asset = ledger.risk(instrument).settlement_asset;
  const std::int64_t open_interest = ledger.state(instrument).open_interest;
  const std::span<const std::uint32_t> holders = ledger.holders(instrument);
  ctx.record(WaterfallKind::kSettlement, 0, WaterfallReason::kSettlement, asset, instrument, 0,
             open_interest, price, static_cast<std::int64_t>(holders.size()));
  // Σ value_down(q_i, price) over the closed positions: the exact values cancel (Σ q_i = 0), so
  // what is left is the rounding of each value down, at most 0 (0 for a linear contract, where
  // the values are exact).
  Int128 effect = 0;
  for (const std::uint32_t slot : holders) {
    TradeSide side{};
    effect += ledger.settle_position(slot, instrument, price, side);
    if (!ctx.config.audit_balances) continue;
    const TradeSettlement t{side, TradeSide{}, 0, instrument, asset};
    const Account& a = ledger.account(slot);
    std::int64_t balance = a.balance - side.realized + side.funding;
    ctx.leg(WaterfallKind::kSettlementPnl, 0, t, a.id, Party::kPositions, Party::kAccount,
            side.realized, balance);
    ctx.leg(WaterfallKind::kFundingSettled, 0, t, a.id, Party::kAccount, Party::kPositions,
            side.funding, balance);
  }
  ledger.mark_settled(instrument, price);
  // The dust is under one unit per position (each value rounded down once), in the venue's favour.
  const auto dust = static_cast<std::int64_t>(-effect);
  if (dust != 0) {
    if (ctx.config.audit_balances) {
      const std::int64_t fund = ledger.insurance(asset);
      ctx.transfer(WaterfallKind::kSettlementDust, 0, WaterfallReason::kRounding, asset, instrument,
                   0, Party::kPositions, Party::kInsurance, dust, Shown::kTo, fund, fund + dust);
    }
    ledger.add_insurance(asset, Money{dust});
  }
  // Statuses after every position is closed: an account that was liquidatable may recover, one
  // left flat with a negative balance is flagged bankrupt for the waterfall.
  for (const std::uint32_t slot : holders)
    ctx.refresh(slot);
}

}  // namespace backstop
