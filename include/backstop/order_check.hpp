// Pre-trade check (exchange-core's risk hold is the model): could an account afford buying or
// selling `size` lots of an instrument at `price`? Evaluated at the current marks, as if filled;
// an order that only reduces the position is always affordable; none is for a settled dated future
// (it reads no time: the matching engine stops a future's book at its expiry, docs/futures.md).
// Changes nothing. The risk engine
// thread's (it reads the ledger). Cost: O(the account's positions).
#pragma once

#include <cstdint>

#include "backstop/events.hpp"
#include "backstop/ledger.hpp"
#include "backstop/margin.hpp"
#include "backstop/money.hpp"
#include "backstop/reject_code.hpp"

namespace backstop {

struct OrderCheck {
  RejectCode code;    // kOk: the account can afford the order
  Int128 free_after;  // equity - initial margin after the hypothetical fill, at the current mark
};

inline OrderCheck check_order(const Ledger& ledger, std::uint64_t account, std::uint16_t instrument,
                              Side side, Qty size, Price price) noexcept {
  const std::uint32_t slot = ledger.find_slot(account);
  if (slot == kNoSlot) return {RejectCode::kUnknownAccount, 0};
  if (instrument >= ledger.instrument_count()) return {RejectCode::kUnknownInstrument, 0};
  if (is_settled(ledger.state(instrument))) return {RejectCode::kInstrumentSettled, 0};
  if (side != Side::kBuy && side != Side::kSell) return {RejectCode::kInvalidSide, 0};
  if (size.raw() <= 0) return {RejectCode::kNonPositiveQty, 0};
  if (price.raw() <= 0) return {RejectCode::kNonPositivePrice, 0};
  const InstrumentRisk& r = ledger.risk(instrument);
  if (price.raw() < r.min_price || price.raw() > r.max_price) {
    return {RejectCode::kPriceOutOfBand, 0};
  }
  if (ledger.account(slot).asset != r.settlement_asset) return {RejectCode::kAssetMismatch, 0};
  if (size.raw() > r.max_position) return {RejectCode::kPositionLimit, 0};
  const std::uint32_t existing = ledger.find_position(slot, instrument);
  if (existing == kNoSlot &&
      ledger.account(slot).position_count == ledger.positions_per_account()) {
    return {RejectCode::kPositionCapacity, 0};
  }
  Position pos = existing == kNoSlot ? Position{0, 0, 0, 0, kNoSlot, instrument, HeapSide::kNone, 0}
                                     : ledger.position(existing);
  const std::int64_t old_q = pos.qty;
  const std::int64_t delta = side == Side::kBuy ? size.raw() : -size.raw();
  const std::int64_t new_q = old_q + delta;
  if (!ledger.within_position_limit(instrument, new_q)) return {RejectCode::kPositionLimit, 0};
  const AccountMargin before = ledger.margin(slot);
  Int128 equity = before.equity;
  Int128 initial = before.initial;
  const InstrumentState& s = ledger.state(instrument);
  if (old_q != 0) {
    const PositionRisk old_risk = evaluate_position(r, s, pos);
    equity -= old_risk.contribution;
    initial -= old_risk.initial;
  }
  const TradeOutcome t = apply_trade(r, s, pos, delta, price.raw());
  equity += t.realized - t.funding_settled;
  if (pos.qty != 0) {
    const PositionRisk new_risk = evaluate_position(r, s, pos);
    equity += new_risk.contribution;
    initial += new_risk.initial;
  }
  const Int128 free_after = equity - initial;
  const bool reduces_only =
      (old_q > 0 && new_q >= 0 && new_q < old_q) || (old_q < 0 && new_q <= 0 && new_q > old_q);
  if (free_after < 0 && !reduces_only) return {RejectCode::kInsufficientMargin, free_after};
  return {RejectCode::kOk, free_after};
}

}  // namespace backstop
