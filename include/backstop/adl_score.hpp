// Auto-deleveraging scores (docs/design.md §5, tier 6): the ranking scores venues publish
// (BitMEX, Binance, Hyperliquid) computed exactly from a position and its account at one mark, and
// bounds of a score over a mark interval, which let AdlRanking (adl_ranking.hpp) skip accounts that
// cannot rank near the top. Pure functions; any thread. Cost: a few 128-bit subtractions and
// double divisions per call.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

#include "backstop/instrument.hpp"
#include "backstop/margin.hpp"
#include "backstop/money.hpp"
#include "backstop/waterfall_config.hpp"

namespace backstop {

// What a score needs of one position and its account, exact, at one mark.
struct AdlInputs {
  Int128 value;        // q*w(mark) (signed)
  Int128 cost;         // the cost basis C (signed)
  Int128 balance;      // the account's wallet balance
  Int128 equity;       // the account's equity
  Int128 maintenance;  // the position's MM
  bool linear;
};

inline constexpr double kAdlInfinity = std::numeric_limits<double>::infinity();

namespace adl_detail {
// The same double as the 128-bit conversion (both round to nearest), without the library call
// when the value fits 64 bits, as nearly every one does.
inline double to_d(Int128 v) noexcept {
  const auto narrow = static_cast<std::int64_t>(v);
  return narrow == v ? static_cast<double>(narrow) : static_cast<double>(v);
}
inline double abs_d(Int128 v) noexcept {
  return v < 0 ? -to_d(v) : to_d(v);
}
inline double pnl_ratio(const AdlInputs& in) noexcept {
  const double c = abs_d(in.cost);
  return c > 0 ? to_d(in.value - in.cost) / c : 0.0;
}
// mark / entry: linear value/cost = q*m*M / (q*e*M); inverse cost/value = (-qM/e) / (-qM/m).
inline double mark_over_entry(const AdlInputs& in) noexcept {
  if (in.cost == 0 || in.value == 0) return 1.0;
  return in.linear ? to_d(in.value) / to_d(in.cost) : to_d(in.cost) / to_d(in.value);
}
inline double floor1(Int128 v) noexcept {
  return v < 1 ? 1.0 : to_d(v);
}
}  // namespace adl_detail

// The ranking score of one position (higher: deleveraged first). Equity and wallet enter through
// max(1, x) so that an account at or below zero ranks as maximally leveraged, and every score is
// monotone in each input (which the bound relies on).
inline double adl_score(AdlScore score, const AdlInputs& in) noexcept {
  using namespace adl_detail;
  switch (score) {
    case AdlScore::kBitmex: {
      const double pnl = pnl_ratio(in);
      const double lev = abs_d(in.value) / floor1(in.equity);
      if (lev == 0) return 0;
      return pnl > 0 ? pnl * lev : pnl / lev;
    }
    case AdlScore::kBinance: {
      const Int128 upnl = in.value - in.cost;
      const double u = upnl > 0 ? to_d(upnl) : 0.0;
      return u / floor1(in.balance) * (to_d(in.maintenance) / floor1(in.equity));
    }
    case AdlScore::kHyperliquid:
      return mark_over_entry(in) * (abs_d(in.value) / floor1(in.equity));
  }
  return 0;
}

enum class AdlBound : std::uint8_t {
  kLower = 0,
  kUpper = 1,
};

// A bound of adl_score over every mark between the two ends `a` and `b` (inputs of the same
// single-position account at the two interval ends; balance and cost the same in both): every
// score is monotone in each factor and each factor is monotone in the mark, so each factor is
// taken at the interval end that is worst for the bound (largest value, PnL and margin with the
// smallest equity for an upper bound; the mirror for a lower one). Floating-point division and
// multiplication of positives are monotone; the slack covers a double-rounding difference between
// the two evaluation orders.
inline double adl_score_bound(AdlScore score, const AdlInputs& a, const AdlInputs& b,
                              AdlBound bound) noexcept {
  using namespace adl_detail;
  const bool upper = bound == AdlBound::kUpper;
  const auto extreme = [upper](double x, double y) {
    return upper ? std::max(x, y) : std::min(x, y);
  };
  const double v = extreme(abs_d(a.value), abs_d(b.value));
  // The equity divides: an upper bound takes the smaller one.
  const double d = upper ? std::min(floor1(a.equity), floor1(b.equity))
                         : std::max(floor1(a.equity), floor1(b.equity));
  double s = 0;
  switch (score) {
    case AdlScore::kBitmex: {
      const double pnl = extreme(pnl_ratio(a), pnl_ratio(b));
      if (v == 0) {
        if (upper) return 0;                 // no leverage at all: the score is 0
        if (pnl <= 0) return -kAdlInfinity;  // pnl / 0 leverage: unbounded below
      }
      s = pnl > 0 ? pnl * (v / d) : pnl / (v / d);
      break;
    }
    case AdlScore::kBinance: {
      const Int128 ua = a.value - a.cost;
      const Int128 ub = b.value - b.cost;
      const Int128 u = upper ? std::max(ua, ub) : std::min(ua, ub);
      const double mm = extreme(to_d(a.maintenance), to_d(b.maintenance));
      s = (u > 0 ? to_d(u) : 0.0) / floor1(a.balance) * (mm / d);
      break;
    }
    case AdlScore::kHyperliquid:
      s = extreme(mark_over_entry(a), mark_over_entry(b)) * (v / d);
      break;
  }
  const double widen = (s >= 0) == upper ? 1 + 1e-12 : 1 - 1e-12;
  return s * widen + (upper ? 1e-300 : -1e-300);
}

// What the score of a single-position account needs, frozen while the account is untouched: its
// equity at any mark m is offset + value(m), so the exact score is a function of the mark alone.
struct AdlParams {
  Int128 offset;  // balance - cost - accrued funding
  std::int64_t qty;
  std::int64_t cost;
  std::int64_t balance;
  std::uint64_t id;
};

// The score inputs of `p` at `mark`: the same integers Ledger::margin and AdlSchedule::inputs
// compute, so adl_score gives the same double bit for bit. MM only for the score that reads it.
inline AdlInputs adl_inputs_at(const InstrumentRisk& r, AdlScore score, const AdlParams& p,
                               std::int64_t mark) noexcept {
  const Int128 value = value_down(r, p.qty, mark);
  const Int128 mm =
      score == AdlScore::kBinance ? maintenance_margin(r, p.qty, p.cost, mark) : Int128{0};
  return AdlInputs{
      value, p.cost, p.balance, p.offset + value, mm, r.kind == ContractKind::kLinearPerpetual};
}

// Side index of the ranking: 0 = long positions, 1 = short positions.
inline constexpr std::uint32_t adl_side_of(std::int64_t qty) noexcept {
  return qty > 0 ? 0 : 1;
}
// The trigger heap holding a ranking side's positions (while their accounts are healthy).
inline constexpr HeapSide heap_side_of(std::uint32_t adl_side) noexcept {
  return adl_side == 0 ? HeapSide::kLong : HeapSide::kShort;
}

}  // namespace backstop
