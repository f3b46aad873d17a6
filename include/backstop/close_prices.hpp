// The prices at which an account's position in one instrument crosses a line, everything else
// fixed (docs/design.md §3, §5): the bankruptcy price of closing all or k lots of it (equity zero
// after the close, the closing fee at that price included), the liquidation price (the mark at
// which equity reaches maintenance, by the engine's own margin rules), and dYdX v4's fillable price
// (the order limit OrderLimit::kFillable). Each is exact to the tick: a binary search over the
// instrument's price band [min_price, max_price] of a function that is monotone in the price,
// evaluated with the engine's own arithmetic (apply_trade, evaluate_position), so no closed form
// can disagree with what a close or a mark at the returned price would really do.
//
// Rounding, in the venue's favour: a long's price (a sell limit; the mark below which the long is
// liquidatable) is the LOWEST tick at which the line is not crossed, i.e. the exact crossing
// rounded UP to the tick; a short's (a buy limit) the HIGHEST such tick, the crossing rounded DOWN.
// A crossing beyond the band is returned as the band's edge (no mark or fill can lie beyond it);
// std::nullopt when no price in the band is on the right side of the line (e.g. an inverse long
// whose equity stays negative whatever the close price).
//
// Cold: never on the event path of a mark or a fill (position_trigger() is the hot, conservative
// form); an order-mode liquidation and the embedder's queries call these. Owned by the risk engine
// thread. Cost: O(P + log(band) x brackets) per call, P the account's positions (~40 steps).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>

#include "backstop/ledger.hpp"
#include "backstop/margin.hpp"
#include "backstop/money.hpp"

namespace backstop {

namespace close_price_detail {

// The lowest tick p in [lo, hi] with ok(p), for ok non-decreasing in p (false, false, ..., true);
// nullopt when !ok(hi).
template <class Ok>
std::optional<std::int64_t> lowest_ok(std::int64_t lo, std::int64_t hi, Ok ok) noexcept {
  if (lo > hi || !ok(hi)) return std::nullopt;
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    if (ok(mid)) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

// The highest tick p in [lo, hi] with ok(p), for ok non-increasing in p; nullopt when !ok(lo).
template <class Ok>
std::optional<std::int64_t> highest_ok(std::int64_t lo, std::int64_t hi, Ok ok) noexcept {
  if (lo > hi || !ok(lo)) return std::nullopt;
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo + 1) / 2;
    if (ok(mid)) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

inline std::optional<Price> as_price(std::optional<std::int64_t> p) noexcept {
  return p ? std::optional<Price>{Price{*p}} : std::nullopt;
}

// floor(a x b / c) for 0 <= a, 0 <= b <= c, c > 0, a < 2^100: a = hi x c + lo, so the product
// a x b / c = hi x b + lo x b / c with lo x b < c x c < 2^126.
inline Int128 mul_div_down(Int128 a, Int128 b, Int128 c) noexcept {
  const Int128 hi = a / c;
  const Int128 lo = a % c;
  return hi * b + lo * b / c;
}

}  // namespace close_price_detail

// The account's equity after closing `lots` (signed like the position, |lots| <= |q|) of its
// position `pos` at `price`, everything else at the marks: the trade's realized PnL and settled
// funding as apply_trade() books them, the rest of the position valued at the mark.
inline Int128 equity_after_close(const Ledger& ledger, const AccountMargin& m, std::uint32_t pos,
                                 std::int64_t lots, std::int64_t price) noexcept {
  Position p = ledger.position(pos);
  const InstrumentRisk& r = ledger.risk(p.instrument);
  const InstrumentState& s = ledger.state(p.instrument);
  const Int128 before = evaluate_position(r, s, p).contribution;
  const TradeOutcome t = apply_trade(r, s, p, -lots, price);
  const Int128 rest = p.qty == 0 ? 0 : evaluate_position(r, s, p).contribution;
  return m.equity - before + t.realized - t.funding_settled + rest;
}

// The fee to close `lots` at `price` that the bankruptcy price includes (closing_fee_rate of the
// instrument's conventions; rounded up).
inline Int128 closing_fee(const InstrumentRisk& r, std::int64_t lots, std::int64_t price) noexcept {
  if (r.conventions.closing_fee_rate == 0) return 0;
  const Int128 v = value_down(r, lots, price);
  return div_round_up((v < 0 ? -v : v) * r.conventions.closing_fee_rate, kRateScale);
}

// The bankruptcy price of closing `lots` (signed like the position; 0 < |lots| <= |q|) of the
// account's position in `instrument`: the price p at which
//   equity_after_close(p) - closing_fee(lots, p) = 0,
// the rest of the account at the marks. For a long (a sell) the lowest tick at which that is >= 0,
// for a short (a buy) the highest; the band's edge when every price in the band is; nullopt when no
// price is, or without a position, or for lots not in 1..|q| on the position's side. For an
// account already under water it lies on the far side of the mark. Monotone in p: a long's
// proceeds grow by lots x the value of a tick while the fee grows by closing_fee_rate of that
// (validate_config keeps the rate below 10 %).
inline std::optional<Price> bankruptcy_price(const Ledger& ledger, std::uint32_t slot,
                                             std::uint16_t instrument, std::int64_t lots) noexcept {
  const std::uint32_t pos = ledger.find_position(slot, instrument);
  if (pos == kNoSlot) return std::nullopt;
  const std::int64_t q = ledger.position(pos).qty;
  if (lots == 0 || (lots > 0) != (q > 0) || (lots > 0 ? lots > q : lots < q)) return std::nullopt;
  const AccountMargin m = ledger.margin(slot);
  const InstrumentRisk& r = ledger.risk(instrument);
  const auto solvent = [&](std::int64_t p) {
    return equity_after_close(ledger, m, pos, lots, p) - closing_fee(r, lots, p) >= 0;
  };
  using namespace close_price_detail;
  return as_price(lots > 0 ? lowest_ok(r.min_price, r.max_price, solvent)
                           : highest_ok(r.min_price, r.max_price, solvent));
}

// The bankruptcy price of closing the whole position (above, with lots = q).
inline std::optional<Price> bankruptcy_price(const Ledger& ledger, std::uint32_t slot,
                                             std::uint16_t instrument) noexcept {
  return bankruptcy_price(ledger, slot, instrument, ledger.position_qty(slot, instrument));
}

// The liquidation price of the account's position in `instrument`: the mark at which equity
// reaches the maintenance requirement (evaluate_position at that mark: the engine's own margin
// conventions), everything else fixed. A long is liquidatable at marks below the returned tick
// (the lowest at which equity >= maintenance), a short at marks above it (the highest); the band's
// edge when no mark in the band liquidates it; nullopt when every mark in the band does, or without
// a position. For an account already below maintenance it is the crossing on the far side of the
// mark, where it would recover. Monotone in the mark under every convention validate_config
// allows: whole-position tiers, whose margin jumps at a tier's edge, are measured on the entry
// value, which the mark does not move.
inline std::optional<Price> liquidation_price(const Ledger& ledger, std::uint32_t slot,
                                              std::uint16_t instrument) noexcept {
  const std::uint32_t pos = ledger.find_position(slot, instrument);
  if (pos == kNoSlot) return std::nullopt;
  const Position& p = ledger.position(pos);
  const InstrumentRisk& r = ledger.risk(instrument);
  const AccountMargin m = ledger.margin(slot);
  const PositionRisk now = evaluate_position(r, ledger.state(instrument), p);
  const Int128 others = m.equity - now.contribution - (m.maintenance - now.maintenance);
  const auto healthy = [&](std::int64_t mark) {
    InstrumentState s = ledger.state(instrument);
    s.mark = mark;
    const PositionRisk at = evaluate_position(r, s, p);
    return others + at.contribution - at.maintenance >= 0;
  };
  using namespace close_price_detail;
  return as_price(p.qty > 0 ? lowest_ok(r.min_price, r.max_price, healthy)
                            : highest_ok(r.min_price, r.max_price, healthy));
}

// dYdX v4's fillable price of the account's whole position in `instrument` (OrderLimit::kFillable,
// docs/waterfall.md): with TNC the account's equity, TMMR its maintenance, PNNV and PMMR the
// position's value and maintenance at the mark, SMMR = fillable_spread_ratio and the bankruptcy
// adjustment 1,
//   ABR = clamp(1 - TNC / TMMR, 0, 1),  X = ABR x SMMR x PMMR,
// the price p at which the position is worth PNNV - X (for a linear contract p = mark - X / (q x
// mult), dYdX's (PNNV - ABR x SMMR x PMMR) / PS). Rounded as dYdX rounds its subticks: a long's
// (a sell) up to the tick, a short's (a buy) down; clamped to the band. Exact: the position's value
// q x w(p) and PNNV are whole money units, so q x w(p) >= PNNV - X holds exactly when it holds with
// X rounded down. nullopt without a position.
inline std::optional<Price> fillable_price(const Ledger& ledger, std::uint32_t slot,
                                           std::uint16_t instrument) noexcept {
  const std::uint32_t pos = ledger.find_position(slot, instrument);
  if (pos == kNoSlot) return std::nullopt;
  const Position& p = ledger.position(pos);
  const InstrumentRisk& r = ledger.risk(instrument);
  const InstrumentState& s = ledger.state(instrument);
  const AccountMargin m = ledger.margin(slot);
  const PositionRisk pr = evaluate_position(r, s, p);
  Int128 x = 0;  // floor(X)
  if (m.maintenance > 0) {
    const Int128 under = std::clamp<Int128>(m.maintenance - m.equity, 0, m.maintenance);
    x = close_price_detail::mul_div_down(pr.maintenance * r.conventions.fillable_spread_ratio,
                                         under, m.maintenance) /
        kRateScale;
  }
  const Int128 target = value_down(r, p.qty, s.mark) - x;
  const auto ok = [&](std::int64_t price) { return value_down(r, p.qty, price) >= target; };
  using namespace close_price_detail;
  const std::optional<std::int64_t> found = p.qty > 0 ? lowest_ok(r.min_price, r.max_price, ok)
                                                      : highest_ok(r.min_price, r.max_price, ok);
  // A long's value is at least the target at the mark (x >= 0), a short's likewise: found.
  return as_price(found ? found : std::optional<std::int64_t>{s.mark});
}

}  // namespace backstop
