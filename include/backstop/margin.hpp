// Margin arithmetic of one position: value, unrealized PnL, maintenance and initial margin with
// brackets, fill accounting (open / add / reduce / close / flip), and the trigger price of the
// cushion budget (docs/design.md §3-§4). This is the ONE seam per position: evaluate_position() and
// position_trigger() switch on the contract kind; a dated future or an option under scenario margin
// adds a case here. Owned by the risk engine thread. Cost: O(brackets) per call, a handful of
// 128-bit multiplies and at most a few divisions (64-bit when the operands fit).
//
// Rounding, always in the venue's favour: values credited to an account (PnL, the cost basis's
// share of it) are rounded down, requirements (margin) up. Every bound below accounts for that
// rounding.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

#include "backstop/account.hpp"
#include "backstop/instrument.hpp"
#include "backstop/money.hpp"

namespace backstop {

// Long triggers fire when mark <= trigger; 0 never fires (marks are >= 1).
inline constexpr std::int64_t kLongNever = 0;
// Short triggers fire when mark >= trigger.
inline constexpr std::int64_t kShortNever = std::numeric_limits<std::int64_t>::max();

// q*w(m) rounded down (credited to the account as value).
inline Int128 value_down(const InstrumentRisk& r, std::int64_t q, std::int64_t m) noexcept {
  if (r.kind == ContractKind::kLinearPerpetual) return Int128{q} * m * r.multiplier;
  return div_round_down(-Int128{q} * r.multiplier, m);
}

// q*w(m) rounded up (charged to the account as cost).
inline Int128 value_up(const InstrumentRisk& r, std::int64_t q, std::int64_t m) noexcept {
  if (r.kind == ContractKind::kLinearPerpetual) return Int128{q} * m * r.multiplier;
  return div_round_up(-Int128{q} * r.multiplier, m);
}

// The bracket holding the notional of |q| = abs_q lots at mark m (notional <= cap, last unbounded).
inline std::uint32_t bracket_at(const InstrumentRisk& r, std::int64_t abs_q,
                                std::int64_t m) noexcept {
  const Int128 qm = Int128{abs_q} * r.multiplier;
  const std::uint32_t last = r.bracket_count - 1u;
  for (std::uint32_t b = 0; b < last; ++b) {
    // linear: N = qm*m; inverse: N = qm/m, compared without dividing: qm <= cap*m.
    const bool within = r.kind == ContractKind::kLinearPerpetual
                            ? qm * m <= r.brackets[b].notional_cap
                            : qm <= Int128{r.brackets[b].notional_cap} * m;
    if (within) return b;
  }
  return last;
}

// The bracket holding a notional of `n` Money (an entry value: the position's |cost|).
inline std::uint32_t bracket_of_notional(const InstrumentRisk& r, std::int64_t n) noexcept {
  const std::uint32_t last = r.bracket_count - 1u;
  for (std::uint32_t b = 0; b < last; ++b) {
    if (n <= r.brackets[b].notional_cap) return b;
  }
  return last;
}

// Whether the margins are measured on the entry value (MarginBasis::kEntryValue).
inline bool margin_on_entry(const InstrumentRisk& r) noexcept {
  return r.conventions.maintenance_basis == MarginBasis::kEntryValue;
}

// A position's margin at one bracket rate (docs/conventions.md), rounded up once:
//   (N x rate - cum + M x closing_fee_rate) / kRateScale
// N the notional the conventions measure it on (at the mark: |q| x w(m); at entry: |cost|), cum
// the bracket's continuity amount (0 with whole-position tiers), M the notional at the mark (the
// fee to close, when the venue includes it). Linear: N = qm*m Money; inverse: N = qm/m, so the
// whole numerator is taken over the denominator m.
inline Int128 bracket_margin(const InstrumentRisk& r, std::int64_t abs_q, std::int64_t abs_cost,
                             std::int64_t m, std::int64_t rate, Int128 cum) noexcept {
  const Int128 qm = Int128{abs_q} * r.multiplier;
  const std::int64_t fee = r.conventions.closing_fee_rate;
  const bool on_entry = margin_on_entry(r);
  if (r.kind == ContractKind::kLinearPerpetual) {
    const Int128 num =
        on_entry ? Int128{abs_cost} * rate - cum + qm * m * fee : qm * m * (rate + fee) - cum;
    return div_round_up(num, kRateScale);
  }
  const Int128 num =
      on_entry ? (Int128{abs_cost} * rate - cum) * m + qm * fee : qm * (rate + fee) - cum * m;
  return div_round_up(num, Int128{m} * kRateScale);
}

// The bracket a position's margins are read from: by its notional at the mark, or at entry.
inline const BracketParams& margin_bracket(const InstrumentRisk& r, std::int64_t abs_q,
                                           std::int64_t abs_cost, std::int64_t m) noexcept {
  return r
      .brackets[margin_on_entry(r) ? bracket_of_notional(r, abs_cost) : bracket_at(r, abs_q, m)];
}

// Maintenance (or initial) margin of a position of `qty` lots (signed) with cost basis `cost` at
// mark m, under the instrument's conventions.
inline Int128 position_margin(const InstrumentRisk& r, std::int64_t qty, std::int64_t cost,
                              std::int64_t m, bool maintenance) noexcept {
  if (qty == 0) return 0;
  const std::int64_t abs_q = qty < 0 ? -qty : qty;
  const std::int64_t abs_cost = cost < 0 ? -cost : cost;
  const BracketParams& b = margin_bracket(r, abs_q, abs_cost, m);
  return maintenance ? bracket_margin(r, abs_q, abs_cost, m, b.maintenance_rate, b.cum_maintenance)
                     : bracket_margin(r, abs_q, abs_cost, m, b.initial_rate, b.cum_initial);
}
inline Int128 maintenance_margin(const InstrumentRisk& r, std::int64_t qty, std::int64_t cost,
                                 std::int64_t m) noexcept {
  return position_margin(r, qty, cost, m, true);
}
inline Int128 initial_margin(const InstrumentRisk& r, std::int64_t qty, std::int64_t cost,
                             std::int64_t m) noexcept {
  return position_margin(r, qty, cost, m, false);
}

// The cost basis left after `k` of a position's |qty| lots are closed: the closed share rounded
// down leaves the position, as apply_trade takes it.
inline std::int64_t cost_after_closing(std::int64_t qty, std::int64_t cost,
                                       std::int64_t k) noexcept {
  const std::int64_t abs_q = qty < 0 ? -qty : qty;
  if (k >= abs_q) return 0;
  return static_cast<std::int64_t>(cost - div_round_down(Int128{cost} * k, abs_q));
}

struct PositionRisk {
  Int128 contribution;  // to equity: unrealized PnL minus accrued, unsettled funding
  Int128 maintenance;
  Int128 initial;
};

// THE per-position seam (see the header comment). Precondition: pos.qty != 0.
inline PositionRisk evaluate_position(const InstrumentRisk& r, const InstrumentState& s,
                                      const Position& pos) noexcept {
  const std::int64_t q = pos.qty;
  const std::int64_t abs_q = q < 0 ? -q : q;
  const Int128 accrued = Int128{q} * (funding_index_for(s, q) - pos.funding_snapshot);
  const Int128 contribution = value_down(r, q, s.mark) - pos.cost - accrued;
  if (abs_q == 0) return PositionRisk{contribution, 0, 0};  // as maintenance_margin() has it
  // One bracket look-up for both margins (maintenance_margin and initial_margin each find it).
  const std::int64_t abs_cost = pos.cost < 0 ? -pos.cost : pos.cost;
  const BracketParams& b = margin_bracket(r, abs_q, abs_cost, s.mark);
  return PositionRisk{
      contribution,
      bracket_margin(r, abs_q, abs_cost, s.mark, b.maintenance_rate, b.cum_maintenance),
      bracket_margin(r, abs_q, abs_cost, s.mark, b.initial_rate, b.cum_initial)};
}

// The trigger price of a position of q lots at mark m0 given a budget: the first mark at which its
// contribution to (equity - MM) may have fallen by more than `budget` (with_margin), or its
// contribution to equity alone (!with_margin: the bankruptcy solve). Conservative: the true
// crossing is never beyond the returned trigger. Long: fires when mark <= result (kLongNever:
// never); short: fires when mark >= result (kShortNever). The result is strictly beyond m0, so a
// re-inserted trigger never fires again on the tick that popped it.
//
// Bounds used (r = the bracket rate that is worst over the distance; slack = the rounding of the
// floors/ceils involved, 1 unit each):
//   linear long    loss(m) < q*mult*(m0-m)*(1-r) + 1     -> m0 - m <= (b-1)/(q*mult*(1-r))
//   linear short   loss(m) < |q|*mult*(m-m0)*(1+r) + 1
//   inverse long   loss(m) < q*mult*(1/m-1/m0)*(1+r) + 2 -> m >= A*m0/(B*m0+A), A=q*mult*(1+r),
//   B=b-2 inverse short  loss(m) < |q|*mult*(1/m0-1/m)*(1-r) + 2 -> m <= A*m0/(A-B*m0)
// r is re-chosen from the bracket at the far end of the range until it is no better than the worst
// rate on it: MM is convex in the notional, so its slope over a range lies between the rates of the
// brackets at the two ends. At most kMaxBrackets iterations, usually one.
inline std::int64_t position_trigger(const InstrumentRisk& r, std::int64_t q, std::int64_t m0,
                                     Int128 budget, bool with_margin) noexcept {
  const bool is_long = q > 0;
  const std::int64_t abs_q = is_long ? q : -q;
  const Int128 qm = Int128{abs_q} * r.multiplier;
  const bool linear = r.kind == ContractKind::kLinearPerpetual;
  const Int128 slack = with_margin ? (linear ? 1 : 2) : (linear ? 0 : 1);
  // Budgets beyond 2^62 only move a trigger past any representable price; capping keeps the
  // products below within 128 bits.
  constexpr Int128 kBudgetCap = Int128{1} << 62;
  Int128 b = budget - slack;
  if (b > kBudgetCap) b = kBudgetCap;
  // The slope of the maintenance requirement in the position's notional at the mark: the bracket
  // rate (0 on the entry value, which the mark does not move) plus the closing fee.
  const bool on_entry = margin_on_entry(r);
  auto rate_at = [&](std::int64_t m) -> std::int64_t {
    if (!with_margin) return 0;
    return (on_entry ? 0 : r.brackets[bracket_at(r, abs_q, m)].maintenance_rate) +
           r.conventions.closing_fee_rate;
  };
  std::int64_t rate = rate_at(m0);

  if (linear) {
    if (is_long) {
      for (;;) {
        Int128 d = b < 0 ? 0 : div_round_down(b * kRateScale, qm * (kRateScale - rate));
        if (d > m0 - 1) d = m0 - 1;  // the whole range down to price 1 is safe
        const auto lowest = static_cast<std::int64_t>(m0 - d);
        const std::int64_t worst = rate_at(lowest);
        if (worst < rate) {
          rate = worst;
          continue;
        }
        return lowest - 1;  // 0 when even price 1 is safe: kLongNever
      }
    }
    for (;;) {
      Int128 d = b < 0 ? 0 : div_round_down(b * kRateScale, qm * (kRateScale + rate));
      const Int128 room = Int128{kShortNever} - 1 - m0;
      if (d >= room) return kShortNever;
      const auto highest = static_cast<std::int64_t>(m0 + d);
      const std::int64_t worst = rate_at(highest);
      if (worst > rate) {
        rate = worst;
        continue;
      }
      return highest + 1;
    }
  }

  if (is_long) {
    for (;;) {
      std::int64_t lowest = m0;  // the lowest mark that is still safe
      if (b > 0) {
        const Int128 a = qm * (kRateScale + rate);
        lowest = static_cast<std::int64_t>(div_round_up(a * m0, b * kRateScale * m0 + a));
      }
      const std::int64_t worst = rate_at(lowest);
      if (worst > rate) {
        rate = worst;
        continue;
      }
      return lowest - 1;
    }
  }
  for (;;) {
    std::int64_t highest = m0;  // the highest mark that is still safe
    if (b > 0) {
      const Int128 a = qm * (kRateScale - rate);
      const Int128 den = a - b * kRateScale * m0;
      if (den <= 0) return kShortNever;  // even an infinite price stays within the budget
      const Int128 h = div_round_down(a * m0, den);
      if (h >= kShortNever - 1) return kShortNever;
      highest = static_cast<std::int64_t>(h);
    }
    const std::int64_t worst = rate_at(highest);
    if (worst < rate) {
      rate = worst;
      continue;
    }
    return highest + 1;
  }
}

struct TradeOutcome {
  Int128 realized;  // credited to the balance (rounded down)
  Int128
      funding_settled;  // charged to the balance: accrued funding settled before the size changed
  Int128 cost_delta;    // change of the cost basis
};

// Applies a signed trade of `delta` lots at `price` to `pos` (qty 0 for a fresh slot): settles the
// position's accrued funding, then opens / adds / reduces / closes / flips. Exact up to one unit
// per rounding, always against the account: (realized - cost_delta) <= -delta*w(price), so the two
// sides of a fill together never create money; the engine sends the difference (the dust) to the
// insurance fund.
inline TradeOutcome apply_trade(const InstrumentRisk& r, const InstrumentState& s, Position& pos,
                                std::int64_t delta, std::int64_t price) noexcept {
  TradeOutcome out{0, 0, 0};
  if (pos.qty != 0) {
    const std::int64_t index = funding_index_for(s, pos.qty);
    out.funding_settled = Int128{pos.qty} * (index - pos.funding_snapshot);
    pos.funding_snapshot = index;
  }
  const std::int64_t q = pos.qty;
  if (q == 0 || (q > 0) == (delta > 0)) {
    // Opening or adding: cost rounded up so that upnl is never overstated.
    const Int128 c = value_up(r, delta, price);
    if (q == 0) pos.funding_snapshot = funding_index_for(s, delta);
    pos.cost = static_cast<std::int64_t>(pos.cost + c);
    pos.qty = q + delta;
    out.cost_delta = c;
    return out;
  }
  const std::int64_t abs_q = q < 0 ? -q : q;
  const std::int64_t abs_d = delta < 0 ? -delta : delta;
  const std::int64_t closed_abs = std::min(abs_q, abs_d);
  const std::int64_t closed = q > 0 ? closed_abs : -closed_abs;  // signed like q
  // The closed part's share of the cost, cost*|c|/|q|: the part leaving the position is rounded
  // down (the rest stays, rounded up) and the part charged against the realized PnL rounded up.
  const Int128 share_num = Int128{pos.cost} * closed_abs;
  const Int128 share_down = div_round_down(share_num, abs_q);
  const Int128 share_up = div_round_up(share_num, abs_q);
  out.realized = value_down(r, closed, price) - share_up;
  out.cost_delta = -share_down;
  pos.cost = static_cast<std::int64_t>(pos.cost - share_down);
  pos.qty = q - closed;
  if (abs_d > abs_q) {
    // Flip: the position is flat (cost exactly 0), the rest opens on the other side.
    const std::int64_t rest = delta + closed;
    const Int128 c = value_up(r, rest, price);
    pos.funding_snapshot = funding_index_for(s, rest);
    pos.cost = static_cast<std::int64_t>(pos.cost + c);
    pos.qty = rest;
    out.cost_delta += c;
  }
  return out;
}

}  // namespace backstop
