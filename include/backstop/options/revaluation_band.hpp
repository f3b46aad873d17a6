// The revaluation band of one account's book on one underlying (docs/options.md, "Revaluation
// band"): a range of the underlying's mark [low, high], a relative band around each option's
// volatility and a time until which the account's margin excess (margin_excess.hpp) provably stays
// >= 0. While the marks stay inside it the engine need not revalue the account's grid, which keeps
// a mark tick O(log n + k) for accounts holding options, as perpetual triggers do (docs/design.md
// §4). The band is conservative: it never lets a crossing go unseen (a revaluation comes no later
// than the true crossing), only possibly early.
//
// Between revaluations every price of the book (each option's forward, each future's mark) moves
// with the underlying one for one: at mark S it is its price at the revaluation + (S - S0).
//
// The bound: the excess is the minimum of a few smooth functions of S ("terms": the standard
// margin's one; portfolio margin's E - contingency and, per scenario, E - that scenario's loss -
// contingency). For each term h and each side of S0, at distance x,
//   h(S0 + x) >= A + B x - G x^2 / 2 - slack
// with A the term's value at S0 with every volatility and time at its worst corner of the band
// (values grow with sigma sqrt(T), so the corner is known per position), B its derivative there,
// G an upper bound of its concavity -h'' over [S0, S0 + x] (option_curve_bounds.hpp), and slack
// the rounding of every money conversion plus a relative margin for the doubles. The band reaches
// the largest x at which every term's bound is still >= 0; because G depends on x, x is found by a
// bisection that keeps only distances whose own G certifies them.
//
// Pure, noexcept, allocation-free: the caller owns the scratch (revaluation_band_term_count()
// terms, and portfolio_margin()'s scenario buffer). Callable from any thread. Cost:
// O(positions x scenarios): one exact revaluation, one to three passes of Black-76 prices with
// greeks per (position, scenario), and per side of the band about log2(S0) passes (a few in
// practice) of a concavity bound (two logs and an exp) per (position, scenario).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>

#include "backstop/money.hpp"
#include "backstop/options/margin_excess.hpp"
#include "backstop/options/option_curve_bounds.hpp"
#include "backstop/options/option_status.hpp"
#include "backstop/options/portfolio_margin.hpp"
#include "backstop/options/portfolio_margin_config.hpp"

namespace backstop {

struct RevaluationBandRequest {
  // The relative band asked for around each option's volatility: sigma0 (1 +- this), in [0, 1).
  std::int64_t volatility_band_ppm = 50'000;
  // How long the band should hold; granted at most half the shortest time to expiry.
  std::int64_t horizon_ns = 60LL * 1'000'000'000LL;
};

struct RevaluationBand {
  OptionStatus status;
  Int128 excess;                     // exact, at the revaluation
  std::int64_t low_ticks;            // the underlying's band, inclusive at both ends; empty
  std::int64_t high_ticks;           //   (low > high) when the account is liquidatable now
  std::int64_t volatility_band_ppm;  // granted: each option's volatility within sigma0 (1 +- this)
  std::int64_t valid_until_ns;       // inclusive
  bool ok() const noexcept { return status == OptionStatus::kOk; }
  bool empty() const noexcept { return low_ticks > high_ticks; }
};

// Scratch, one per term, all in Money (per tick, per tick^2).
struct RevaluationBandTerm {
  double level;      // A: the term at S0 at the band's worst volatilities and times
  double slope;      // B: its derivative in S at S0
  double curvature;  // G: a bound of its concavity over the interval last examined
  double slack;      // rounding and floating-point margin over that interval
};

inline std::uint32_t revaluation_band_term_count(const BookMarginInputs& in) noexcept {
  return in.model == OptionMarginModel::kPortfolio ? scenario_count(in.portfolio) + 1 : 1;
}

// Whether an option's volatility is inside a band granted around its volatility at the
// revaluation: sigma0 (1 - band) <= sigma <= sigma0 (1 + band), exactly.
inline bool volatility_inside_band(std::int64_t volatility0_ppm, std::int64_t volatility_ppm,
                                   std::int64_t band_ppm) noexcept {
  const Int128 v = Int128{volatility_ppm} * kRateScale;
  return v >= Int128{volatility0_ppm} * (kRateScale - band_ppm) &&
         v <= Int128{volatility0_ppm} * (kRateScale + band_ppm);
}

namespace detail {

// A relative margin for the doubles: Black-76 and the sums over positions are accurate to a few
// ulps (1e-15) of the magnitudes involved; 1e-9 of them is far above that and far below a budget.
inline constexpr double kRelativeSlack = 1e-9;
// Integer rounding: at most 3 floor/ceil per position and term (its value, its scenario value or
// margin, and the scenario's shifted price), and 4 for the term (extended fraction, contingency).
inline constexpr double kRoundingPerPosition = 3.0;
inline constexpr double kRoundingPerTerm = 4.0;

struct BandSetup {
  const BookMarginInputs* in;
  std::uint32_t term_count;
  std::uint32_t scenarios;       // 0 under standard margin
  std::uint32_t first_extended;  // the first extended scenario
  double extended_weight;        // f: an extended scenario counts f of its loss
  double contingency;            // portfolio margin's contingency at S0
  double contingency_slope;      // a bound of its change per tick (0 for inverse)
  double volatility_band;        // relative
  std::int64_t horizon_ns;
};

inline bool portfolio_model(const BandSetup& b) noexcept {
  return b.in->model == OptionMarginModel::kPortfolio;
}
inline bool linear_book(const BandSetup& b) noexcept {
  return b.in->book.settlement == OptionSettlement::kLinear;
}
inline double scenario_growth(const PortfolioMarginConfig& c, std::uint32_t j) noexcept {
  return 1.0 +
         static_cast<double>(portfolio_scenario(c, j).move_ppm) / static_cast<double>(kRateScale);
}

// The total volatility an option is valued at in the bound: its worst corner of the band (lowest
// for a long, highest for a short). `shocked` picks the scenario's shock.
inline double worst_spread(const BandSetup& b, const PortfolioOption& o, bool shocked,
                           VolatilityShock shock) noexcept {
  const double sigma = static_cast<double>(o.volatility_ppm) / static_cast<double>(kRateScale);
  const std::int64_t t = o.expiry_ns - b.in->book.now_ns;
  const SpreadRange r =
      spread_range(b.in->portfolio, shocked, shock, sigma * (1.0 - b.volatility_band),
                   sigma * (1.0 + b.volatility_band), t - b.horizon_ns, t);
  return o.qty > 0 ? r.low : r.high;
}

// worst_spread under each scenario shock (up, unchanged, down), indexed by VolatilityShock.
inline std::array<double, 3> worst_shocked_spreads(const BandSetup& b,
                                                   const PortfolioOption& o) noexcept {
  std::array<double, 3> spreads{};
  for (int s = 0; s < 3; ++s)
    spreads[s] = worst_spread(b, o, true, static_cast<VolatilityShock>(s));
  return spreads;
}

// The maintenance coefficient of a short option under standard margin: its charge is this x S
// (linear) or this (inverse, coin per coin).
inline double standard_option_charge(const BandSetup& b, const PortfolioOption& o) noexcept {
  return static_cast<double>(b.in->standard.options.maintenance_rate) /
         static_cast<double>(kRateScale) * static_cast<double>(-o.qty) *
         static_cast<double>(o.multiplier);
}
inline double standard_future_charge(const BandSetup& b, const PortfolioFuture& f) noexcept {
  return static_cast<double>(b.in->standard.future_maintenance_rate_ppm) /
         static_cast<double>(kRateScale) * std::fabs(static_cast<double>(f.qty)) *
         static_cast<double>(f.multiplier);
}

inline void add_level(RevaluationBandTerm& t, double weight, double value, double slope) noexcept {
  t.level += weight * value;
  t.slope += weight * slope;
}
inline void add_curvature(RevaluationBandTerm& t, double weight, double curvature,
                          double slack) noexcept {
  t.curvature += weight * curvature;
  t.slack += slack;
}

// Fills every term's level A and slope B. False when a price cannot be computed.
inline bool band_levels(const BandSetup& b, std::span<RevaluationBandTerm> terms) noexcept {
  const BookMarginInputs& in = *b.in;
  const PortfolioMarginConfig& c = in.portfolio;
  const bool portfolio = portfolio_model(b);
  const bool linear = linear_book(b);
  const double f = b.extended_weight;
  const double start = static_cast<double>(in.other_equity) - b.contingency;
  for (std::uint32_t k = 0; k < b.term_count; ++k)
    terms[k] = RevaluationBandTerm{start, 0.0, 0.0, 0.0};
  for (const PortfolioOption& o : in.book.options) {
    if (o.qty == 0) continue;
    const double coefficient = static_cast<double>(o.qty) * static_cast<double>(o.multiplier);
    const double strike = static_cast<double>(o.strike_ticks);
    const double forward = static_cast<double>(o.forward_ticks);
    const OptionCurve own =
        option_curve(in.book.settlement, o.right, strike,
                     worst_spread(b, o, false, VolatilityShock::kUnchanged), forward);
    if (!own.ok) return false;
    const double value = coefficient * own.value;
    const double slope = coefficient * own.slope;
    if (!portfolio) {
      // A short's premium is in its equity and again in its maintenance margin.
      add_level(terms[0], o.qty < 0 ? 2.0 : 1.0, value, slope);
      if (o.qty < 0) {
        const double charge = standard_option_charge(b, o);
        add_level(terms[0], 1.0,
                  linear ? -charge * static_cast<double>(in.underlying_ticks) : -charge,
                  linear ? -charge : 0.0);
      }
      continue;
    }
    add_level(terms[0], 1.0, value, slope);
    const std::array<double, 3> spreads = worst_shocked_spreads(b, o);
    for (std::uint32_t j = 0; j < b.scenarios; ++j) {
      const PortfolioScenario scenario = portfolio_scenario(c, j);
      const double growth = scenario_growth(c, j);
      const OptionCurve shocked =
          option_curve(in.book.settlement, o.right, strike,
                       spreads[static_cast<int>(scenario.shock)], forward * growth);
      if (!shocked.ok) return false;
      RevaluationBandTerm& t = terms[1 + j];
      if (scenario.extended) add_level(t, 1.0 - f, value, slope);
      add_level(t, scenario.extended ? f : 1.0, coefficient * shocked.value,
                coefficient * shocked.slope * growth);
    }
  }
  for (const PortfolioFuture& fu : in.book.futures) {
    const double coefficient = static_cast<double>(fu.qty) * static_cast<double>(fu.multiplier);
    const double mark = static_cast<double>(fu.mark_ticks);
    // linear q*mult*m; inverse -q*mult/m, slope q*mult/m^2.
    const double value = linear ? coefficient * mark : -coefficient / mark;
    const double slope = linear ? coefficient : coefficient / (mark * mark);
    if (!portfolio) {
      const double charge = standard_future_charge(b, fu);
      add_level(terms[0], 1.0, value, slope);
      add_level(terms[0], 1.0, linear ? -charge * mark : -charge / mark,
                linear ? -charge : charge / (mark * mark));
      continue;
    }
    add_level(terms[0], 1.0, value, slope);
    for (std::uint32_t j = 0; j < b.scenarios; ++j) {
      const bool extended = j >= b.first_extended;
      const double growth = scenario_growth(c, j);
      const double x = mark * growth;
      RevaluationBandTerm& t = terms[1 + j];
      if (extended) add_level(t, 1.0 - f, value, slope);
      add_level(t, extended ? f : 1.0, linear ? coefficient * x : -coefficient / x,
                linear ? coefficient * growth : coefficient / (x * x) * growth);
    }
  }
  for (std::uint32_t k = 0; k < b.term_count; ++k) {
    if (!std::isfinite(terms[k].level) || !std::isfinite(terms[k].slope)) return false;
  }
  return true;
}

// Fills every term's curvature G and slack over the mark interval [S0, S0 + x] (side > 0) or
// [S0 - x, S0] (side < 0).
inline void band_curvatures(const BandSetup& b, int side, std::int64_t x,
                            std::span<RevaluationBandTerm> terms) noexcept {
  const BookMarginInputs& in = *b.in;
  const PortfolioMarginConfig& c = in.portfolio;
  const bool portfolio = portfolio_model(b);
  const bool linear = linear_book(b);
  const OptionSettlement settlement = in.book.settlement;
  const double f = b.extended_weight;
  const double lowest = side > 0 ? 0.0 : -static_cast<double>(x);
  const double highest = side > 0 ? static_cast<double>(x) : 0.0;
  const double term_slack =
      kRoundingPerTerm + kRelativeSlack * (std::fabs(static_cast<double>(in.other_equity)) +
                                           b.contingency + b.contingency_slope * highest);
  for (std::uint32_t k = 0; k < b.term_count; ++k) {
    terms[k].curvature = 0.0;
    terms[k].slack = term_slack;
  }
  for (const PortfolioOption& o : in.book.options) {
    if (o.qty == 0) continue;
    const double coefficient = static_cast<double>(o.qty) * static_cast<double>(o.multiplier);
    const double size = std::fabs(coefficient);
    const double strike = static_cast<double>(o.strike_ticks);
    const double fa = static_cast<double>(o.forward_ticks) + lowest;
    const double fb = static_cast<double>(o.forward_ticks) + highest;
    // |value| <= size x (F + K) in the quote, size x (1 + K/F) in coin.
    const auto magnitude = [&](double xa, double xb) {
      return kRelativeSlack * size * (linear ? xb + strike : 1.0 + strike / xa);
    };
    const double own_curvature =
        option_concavity_bound(settlement, o.right, coefficient, strike,
                               worst_spread(b, o, false, VolatilityShock::kUnchanged), fa, fb);
    const double own_slack = kRoundingPerPosition + magnitude(fa, fb);
    if (!portfolio) {
      add_curvature(terms[0], o.qty < 0 ? 2.0 : 1.0, own_curvature, 2.0 * own_slack);
      if (o.qty < 0) {
        const double charge = standard_option_charge(b, o);
        terms[0].slack += kRelativeSlack * charge *
                          (linear ? static_cast<double>(in.underlying_ticks) + highest : 1.0);
      }
      continue;
    }
    add_curvature(terms[0], 1.0, own_curvature, own_slack);
    const std::array<double, 3> spreads = worst_shocked_spreads(b, o);
    for (std::uint32_t j = 0; j < b.scenarios; ++j) {
      const PortfolioScenario scenario = portfolio_scenario(c, j);
      const double growth = scenario_growth(c, j);
      const double xa = fa * growth;
      const double xb = fb * growth;
      const double curvature =
          option_concavity_bound(settlement, o.right, coefficient, strike,
                                 spreads[static_cast<int>(scenario.shock)], xa, xb) *
          growth * growth;
      // The scenario's forward is floor(F (1 + move)): up to one tick below the smooth x.
      const double shifted =
          scenario.move_ppm == 0 ? 0.0 : size * option_slope_bound(settlement, strike, xa - 1.0);
      RevaluationBandTerm& t = terms[1 + j];
      if (scenario.extended) add_curvature(t, 1.0 - f, own_curvature, own_slack);
      add_curvature(t, scenario.extended ? f : 1.0, curvature,
                    kRoundingPerPosition + shifted + magnitude(xa, xb));
    }
  }
  for (const PortfolioFuture& fu : in.book.futures) {
    const double coefficient = static_cast<double>(fu.qty) * static_cast<double>(fu.multiplier);
    const double size = std::fabs(coefficient);
    const double ma = static_cast<double>(fu.mark_ticks) + lowest;
    const double mb = static_cast<double>(fu.mark_ticks) + highest;
    // Inverse value -q*mult/m bends down for a long: -(value)'' = 2 q mult / m^3.
    const auto bend = [&](double xa) {
      return linear || coefficient < 0.0 ? 0.0 : 2.0 * coefficient / (xa * xa * xa);
    };
    const auto magnitude = [&](double xa, double xb) {
      return kRelativeSlack * size * (linear ? xb : 1.0 / xa);
    };
    const double own_slack = kRoundingPerPosition + magnitude(ma, mb);
    if (!portfolio) {
      // The charge rate x |q| mult / m (inverse) bends down too: 2 charge / m^3.
      const double charge = standard_future_charge(b, fu);
      const double charge_bend = linear ? 0.0 : 2.0 * charge / (ma * ma * ma);
      add_curvature(terms[0], 1.0, bend(ma) + charge_bend,
                    own_slack + 1.0 + kRelativeSlack * charge * (linear ? mb : 1.0 / ma));
      continue;
    }
    add_curvature(terms[0], 1.0, bend(ma), own_slack);
    for (std::uint32_t j = 0; j < b.scenarios; ++j) {
      const bool extended = j >= b.first_extended;
      const double growth = scenario_growth(c, j);
      const double xa = ma * growth;
      const double xb = mb * growth;
      const bool moved = portfolio_scenario(c, j).move_ppm != 0;
      const double shifted = !moved ? 0.0 : size * (linear ? 1.0 : 1.0 / ((xa - 1.0) * (xa - 1.0)));
      RevaluationBandTerm& t = terms[1 + j];
      if (extended) add_curvature(t, 1.0 - f, bend(ma), own_slack);
      add_curvature(t, extended ? f : 1.0, bend(xa) * growth * growth,
                    kRoundingPerPosition + shifted + magnitude(xa, xb));
    }
  }
}

// The largest integer t in [0, cap] with a + b t - g t^2 / 2 >= 0, for a >= 0 and g >= 0 (0 when
// a < 0 or g is infinite).
inline std::int64_t quadratic_reach(double a, double b, double g, std::int64_t cap) noexcept {
  if (!(a >= 0.0) || !(g < std::numeric_limits<double>::infinity()) || std::isnan(b)) return 0;
  double root = 0.0;
  if (g <= 0.0) {
    if (b >= 0.0) return cap;
    root = a / -b;
  } else {
    const double disc = std::sqrt(b * b + 2.0 * g * a);
    // The form without cancellation for each sign of b.
    root = b >= 0.0 ? (b + disc) / g : 2.0 * a / (disc - b);
  }
  root *= 1.0 - kRelativeSlack;
  if (!(root < static_cast<double>(cap))) return cap;
  return root > 0.0 ? static_cast<std::int64_t>(std::floor(root)) : 0;
}

// How far the bound computed over [0, x] on `side` certifies every term: nonincreasing in x.
inline std::int64_t certified_reach(const BandSetup& b, int side, std::int64_t x, std::int64_t cap,
                                    std::span<RevaluationBandTerm> terms) noexcept {
  band_curvatures(b, side, x, terms);
  std::int64_t reach = cap;
  for (std::uint32_t k = 0; k < b.term_count; ++k) {
    const RevaluationBandTerm& t = terms[k];
    const double slope = (side > 0 ? t.slope : -t.slope) - b.contingency_slope;
    reach = std::min(reach, quadratic_reach(t.level - t.slack, slope,
                                            t.curvature * (1.0 + kRelativeSlack), cap));
  }
  return reach;
}

// The band's extent on one side: the largest x <= cap with certified_reach(x) >= x. Since
// certified_reach (g) does not increase with x, g(z) <= z certifies g(z) (its bound was computed
// over the larger interval [0, z]), and a certified z bounds the answer by g(z). `low` only ever
// holds certified distances and `high` bounds the answer; each step probes `high` (g(high) is
// certified when high is beyond the answer) and, when that makes no progress, the midpoint.
inline std::int64_t band_extent(const BandSetup& b, int side, std::int64_t cap,
                                std::span<RevaluationBandTerm> terms) noexcept {
  if (cap <= 0) return 0;
  std::int64_t reach = certified_reach(b, side, cap, cap, terms);
  if (reach >= cap) return cap;
  std::int64_t low = reach;
  std::int64_t high = std::min(cap - 1, certified_reach(b, side, low, cap, terms));
  for (int step = 0; step < 64 && low < high; ++step) {
    reach = certified_reach(b, side, high, cap, terms);
    if (reach >= high) return high;
    const bool progress = reach > low;
    low = std::max(low, reach);
    if (progress) {
      high = std::min(high - 1, certified_reach(b, side, low, cap, terms));
      continue;
    }
    const std::int64_t mid = low + (high - low + 1) / 2;
    reach = certified_reach(b, side, mid, cap, terms);
    if (reach >= mid) {
      low = mid;
      high = std::min(high, reach);
    } else {
      high = mid - 1;
      low = std::max(low, reach);
    }
  }
  return low;
}

inline RevaluationBand band_error(OptionStatus s) noexcept {
  return RevaluationBand{s, 0, 1, 0, 0, 0};
}

// The lowest price the band may take a book's price to: the scenarios' lowest move must leave
// every shifted price >= 2, so that no scenario price is clamped to 1 tick and x - 1 > 0.
inline std::int64_t lowest_band_price(const BookMarginInputs& in) noexcept {
  if (in.model != OptionMarginModel::kPortfolio) return 2;
  const PortfolioMarginConfig& c = in.portfolio;
  std::int64_t lowest_move = 0;
  for (std::uint32_t j = 0; j < scenario_count(c); ++j)
    lowest_move = std::min(lowest_move, portfolio_scenario(c, j).move_ppm);
  return static_cast<std::int64_t>(div_round_up(Int128{2} * kRateScale, kRateScale + lowest_move)) +
         1;
}

}  // namespace detail

// The band of `in` (see the header comment). `scenario_losses`: portfolio_margin()'s buffer
// (scenario_count() entries; may be empty under standard margin); `terms`:
// revaluation_band_term_count(in) entries. On success the band always holds S0 when the excess is
// >= 0 (at worst [S0, S0] with no volatility band and no horizon: revalue on any change), and is
// empty when it is < 0. Refuses what margin_excess() refuses, a volatility band outside [0, 1), a
// negative horizon, an underlying <= 0 and scratch too small.
inline RevaluationBand revaluation_band(const BookMarginInputs& in,
                                        const RevaluationBandRequest& request,
                                        std::span<Int128> scenario_losses,
                                        std::span<RevaluationBandTerm> terms) noexcept {
  if (request.volatility_band_ppm < 0 || request.volatility_band_ppm >= kRateScale ||
      request.horizon_ns < 0) {
    return detail::band_error(OptionStatus::kInvalidConfig);
  }
  const std::int64_t s0 = in.underlying_ticks;
  if (s0 <= 0) return detail::band_error(OptionStatus::kForwardNotPositive);
  const std::uint32_t term_count = revaluation_band_term_count(in);
  if (terms.size() < term_count) return detail::band_error(OptionStatus::kScratchTooSmall);
  const MarginExcess exact = margin_excess(in, scenario_losses);
  if (!exact.ok()) return detail::band_error(exact.status);
  const std::int64_t now = in.book.now_ns;
  if (exact.excess < 0) return RevaluationBand{OptionStatus::kOk, exact.excess, s0, s0 - 1, 0, now};
  const RevaluationBand point{OptionStatus::kOk, exact.excess, s0, s0, 0, now};

  const bool portfolio = in.model == OptionMarginModel::kPortfolio;
  const bool linear = in.book.settlement == OptionSettlement::kLinear;
  detail::BandSetup b{&in, term_count, 0, 0, 0.0, 0.0, 0.0, 0.0, 0};
  std::int64_t horizon = request.horizon_ns;
  std::int64_t lowest_price = s0;
  for (const PortfolioOption& o : in.book.options) {
    horizon = std::min(horizon, (o.expiry_ns - now) / 2);
    lowest_price = std::min(lowest_price, o.forward_ticks);
  }
  for (const PortfolioFuture& f : in.book.futures)
    lowest_price = std::min(lowest_price, f.mark_ticks);
  if (portfolio) {
    const PortfolioMarginConfig& c = in.portfolio;
    b.scenarios = scenario_count(c);
    b.first_extended = grid_move_count(c) * 3;
    b.extended_weight =
        static_cast<double>(c.extended_fraction_ppm) / static_cast<double>(kRateScale);
    b.contingency = static_cast<double>(detail::option_contingency(in.book, c));
    if (linear) {
      // The contingency moves with each forward at most |q| x mult x rate per tick.
      double size = 0.0;
      for (const PortfolioOption& o : in.book.options)
        size += std::fabs(static_cast<double>(o.qty)) * static_cast<double>(o.multiplier);
      b.contingency_slope =
          size * static_cast<double>(c.option_contingency_ppm) / static_cast<double>(kRateScale);
    }
  }
  const std::int64_t down_cap =
      std::max<std::int64_t>(0, lowest_price - detail::lowest_band_price(in));
  const std::int64_t up_cap = s0;

  // The volatility band and horizon asked for, a quarter of them, none: the first whose worst
  // corner leaves at least half the excess to the price band.
  const double excess = static_cast<double>(exact.excess);
  const std::int64_t attempts[3][2] = {{request.volatility_band_ppm, horizon},
                                       {request.volatility_band_ppm / 4, horizon / 4},
                                       {0, 0}};
  for (int a = 0; a < 3; ++a) {
    b.volatility_band = static_cast<double>(attempts[a][0]) / static_cast<double>(kRateScale);
    b.horizon_ns = attempts[a][1];
    if (!detail::band_levels(b, terms)) return detail::band_error(OptionStatus::kNotFinite);
    detail::band_curvatures(b, 1, 0, terms);
    double room = std::numeric_limits<double>::infinity();
    for (std::uint32_t k = 0; k < term_count; ++k)
      room = std::min(room, terms[k].level - terms[k].slack);
    if (!(room >= 0.0)) {
      if (a == 2) return point;
      continue;
    }
    if (a < 2 && room < 0.5 * excess) continue;
    const std::int64_t up = detail::band_extent(b, 1, up_cap, terms);
    const std::int64_t down = detail::band_extent(b, -1, down_cap, terms);
    return RevaluationBand{OptionStatus::kOk, exact.excess,   s0 - down,
                           s0 + up,           attempts[a][0], now + attempts[a][1]};
  }
  return point;
}

}  // namespace backstop
