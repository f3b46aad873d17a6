// Portfolio margin, Deribit style, of one underlying's book in one settlement asset: the book is
// revalued on every scenario of the grid (portfolio_margin_config.hpp) and the maintenance margin
// is the worst scenario's loss plus a contingency per net short option; the initial margin a
// configured multiple of it (docs/options.md). A pure function that allocates nothing: the caller
// owns the scenario buffer (scenario_count() entries) and reads each scenario's loss from it, to
// bound how far the margin can move before the next revaluation. Callable from any thread.
// Cost: O(options x scenarios) Black-76 prices + O(futures x scenarios) integer revaluations, and
// O(options^2) comparisons to net the options per strike.
//
// Money is exact and in the venue's favour: each position's loss in a scenario is its value now
// rounded up minus its value in the scenario rounded down (option_money.hpp; futures exactly as
// margin.hpp values them), so a scenario's loss is never understated; an extended scenario's share,
// the contingency and the initial multiple are each rounded up once.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <span>

#include "backstop/money.hpp"
#include "backstop/options/black76.hpp"
#include "backstop/options/option_money.hpp"
#include "backstop/options/option_status.hpp"
#include "backstop/options/portfolio_margin_config.hpp"

namespace backstop {

// A European option position.
struct PortfolioOption {
  OptionRight right = OptionRight::kCall;
  std::int64_t strike_ticks = 0;
  std::int64_t expiry_ns = 0;
  std::int64_t qty = 0;             // signed lots
  std::int64_t multiplier = 1;      // OptionUnits::multiplier of the book's settlement
  std::int64_t forward_ticks = 0;   // the forward of its expiry now (what the grid moves)
  std::int64_t volatility_ppm = 0;  // its mark implied volatility
};

// A dated future or a perpetual: it moves with the underlying one for one. Its multiplier is the
// instrument's (instrument.hpp): linear Money per (tick * lot), value q*m*mult; inverse Money *
// ticks per lot, value -q*mult/m. Its profit since entry is the account's equity, not margin: the
// grid measures losses from the mark.
struct PortfolioFuture {
  std::int64_t qty = 0;
  std::int64_t multiplier = 1;
  std::int64_t mark_ticks = 0;
};

// One underlying's positions settled in one asset (linear: the quote; inverse: the coin), at time
// now_ns. Options past their expiry are refused (settle them first).
struct PortfolioBook {
  OptionSettlement settlement = OptionSettlement::kLinear;
  std::int64_t now_ns = 0;
  std::span<const PortfolioOption> options;
  std::span<const PortfolioFuture> futures;
};

struct PortfolioMarginResult {
  OptionStatus status;
  Int128 maintenance;  // max(worst_loss, 0) + contingency
  Int128 initial;      // maintenance x initial_multiple, rounded up
  Int128 worst_loss;   // the largest scenario loss (extended ones at their fraction); may be < 0
  Int128 contingency;  // for the net short options
  std::uint32_t worst_scenario;  // its index (portfolio_scenario())
  bool ok() const noexcept { return status == OptionStatus::kOk; }
};

namespace detail {

inline PortfolioMarginResult portfolio_error(OptionStatus s) noexcept {
  return PortfolioMarginResult{s, 0, 0, 0, 0, 0};
}

// floor or ceil of a model value, as option_value_from_model converts it.
inline OptionMoney model_value(OptionSettlement settlement, std::int64_t multiplier,
                               std::int64_t qty, double premium_ticks, std::int64_t underlying,
                               bool round_up) noexcept {
  if (qty == std::numeric_limits<std::int64_t>::min()) return {OptionStatus::kOutOfRange, 0};
  if (!round_up) {
    return option_value_from_model(OptionUnits{settlement, multiplier}, qty, premium_ticks,
                                   underlying);
  }
  // ceil(v) = -floor(-v): the value of the opposite position, negated.
  const OptionMoney opposite =
      option_value_from_model(OptionUnits{settlement, multiplier}, -qty, premium_ticks, underlying);
  return OptionMoney{opposite.status, -opposite.value};
}

// The three volatilities of an option's grid: up, unchanged, down.
struct ShockedVolatilities {
  double up;
  double unchanged;
  double down;
};
inline ShockedVolatilities shocked_volatilities(const PortfolioMarginConfig& c, double sigma,
                                                double days) noexcept {
  const double scale = static_cast<double>(kRateScale);
  if (days <= 0.0) return ShockedVolatilities{sigma, sigma, sigma};  // at expiry: intrinsic
  const double power =
      static_cast<double>(days < static_cast<double>(c.reference_days) ? c.short_term_power_ppm
                                                                       : c.long_term_power_ppm) /
      scale;
  const double tenor = std::pow(static_cast<double>(c.reference_days) / days, power);
  const double up = sigma * (1.0 + static_cast<double>(c.volatility_up_ppm) / scale * tenor);
  const double down = sigma * (1.0 - static_cast<double>(c.volatility_down_ppm) / scale * tenor);
  return ShockedVolatilities{std::fmax(up, static_cast<double>(c.volatility_up_floor_ppm) / scale),
                             sigma, std::fmax(down, 0.0)};
}

// Adds one option's loss in every scenario to `losses`.
inline OptionStatus add_option_losses(const PortfolioBook& book, const PortfolioOption& o,
                                      const PortfolioMarginConfig& c,
                                      std::span<Int128> losses) noexcept {
  if (o.multiplier <= 0) return OptionStatus::kMultiplierNotPositive;
  if (o.forward_ticks <= 0) return OptionStatus::kForwardNotPositive;
  if (o.volatility_ppm < 0) return OptionStatus::kVolatilityNegative;
  const std::int64_t to_expiry_ns = o.expiry_ns - book.now_ns;
  if (to_expiry_ns < 0) return OptionStatus::kTimeNegative;
  const double sigma = static_cast<double>(o.volatility_ppm) / static_cast<double>(kRateScale);
  Black76Inputs in{static_cast<double>(o.forward_ticks), static_cast<double>(o.strike_ticks),
                   years_from_ns(to_expiry_ns), sigma, 0.0};
  const Black76Price now = black76_price(o.right, in);
  if (!now.ok()) return now.status;
  const OptionMoney value_now =
      model_value(book.settlement, o.multiplier, o.qty, now.price, o.forward_ticks, true);
  if (!value_now.ok()) return value_now.status;
  const ShockedVolatilities vols = shocked_volatilities(c, sigma, days_from_ns(to_expiry_ns));
  const std::uint32_t count = scenario_count(c);
  for (std::uint32_t i = 0; i < count; ++i) {
    const PortfolioScenario s = portfolio_scenario(c, i);
    const std::int64_t forward = shocked_price(o.forward_ticks, s.move_ppm);
    in.forward = static_cast<double>(forward);
    in.volatility = s.shock == VolatilityShock::kUp
                        ? vols.up
                        : (s.shock == VolatilityShock::kDown ? vols.down : vols.unchanged);
    const Black76Price p = black76_price(o.right, in);
    if (!p.ok()) return p.status;
    const OptionMoney value =
        model_value(book.settlement, o.multiplier, o.qty, p.price, forward, false);
    if (!value.ok()) return value.status;
    losses[i] += value_now.value - value.value;
  }
  return OptionStatus::kOk;
}

// Adds one future's loss in every scenario: exact for linear; inverse values its mark rounded up
// and the scenario rounded down, as margin.hpp's value_up / value_down do.
inline OptionStatus add_future_losses(const PortfolioBook& book, const PortfolioFuture& f,
                                      const PortfolioMarginConfig& c,
                                      std::span<Int128> losses) noexcept {
  if (f.multiplier <= 0) return OptionStatus::kMultiplierNotPositive;
  if (f.mark_ticks <= 0) return OptionStatus::kForwardNotPositive;
  const bool linear = book.settlement == OptionSettlement::kLinear;
  // Each value fits Money (checked), so the sums over positions cannot overflow 128 bits.
  const Int128 qm = Int128{f.qty} * f.multiplier;
  if (!fits_int64(qm)) return OptionStatus::kOutOfRange;
  const Int128 value_now = linear ? qm * f.mark_ticks : div_round_up(-qm, f.mark_ticks);
  if (!fits_int64(value_now)) return OptionStatus::kOutOfRange;
  const std::uint32_t count = scenario_count(c);
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::int64_t m = shocked_price(f.mark_ticks, portfolio_scenario(c, i).move_ppm);
    const Int128 value = linear ? qm * m : div_round_down(-qm, m);
    if (!fits_int64(value)) return OptionStatus::kOutOfRange;
    losses[i] += value_now - value;
  }
  return OptionStatus::kOk;
}

// The underlying notional of one option lot, scaled by kRateScale away: linear F * mult (Money),
// inverse mult (the lot's size in coin units).
inline Int128 option_lot_notional(OptionSettlement settlement, const PortfolioOption& o) noexcept {
  return settlement == OptionSettlement::kLinear ? Int128{o.forward_ticks} * o.multiplier
                                                 : Int128{o.multiplier};
}

// Sum over (expiry, strike) of the net short underlying notional of the options there (calls and
// puts net, as Deribit nets a strike), times the contingency rate, rounded up once.
inline Int128 option_contingency(const PortfolioBook& book,
                                 const PortfolioMarginConfig& c) noexcept {
  Int128 numerator = 0;
  const std::span<const PortfolioOption> opts = book.options;
  for (std::size_t i = 0; i < opts.size(); ++i) {
    bool seen = false;
    for (std::size_t j = 0; j < i && !seen; ++j) {
      seen = opts[j].expiry_ns == opts[i].expiry_ns && opts[j].strike_ticks == opts[i].strike_ticks;
    }
    if (seen) continue;  // its strike was netted with the first option there
    Int128 net = 0;
    for (std::size_t j = i; j < opts.size(); ++j) {
      if (opts[j].expiry_ns == opts[i].expiry_ns && opts[j].strike_ticks == opts[i].strike_ticks) {
        net += Int128{opts[j].qty} * option_lot_notional(book.settlement, opts[j]);
      }
    }
    if (net < 0) numerator += -net * c.option_contingency_ppm;
  }
  return div_round_up(numerator, kRateScale);
}

}  // namespace detail

// The portfolio margin of `book`. `scenario_losses` must hold scenario_count(config) entries
// (kScratchTooSmall otherwise); on success entry i is scenario i's loss in Money (a gain < 0),
// extended scenarios already at their fraction. Refuses an invalid config, an option past expiry
// or with a non-positive strike, forward or multiplier, a negative volatility, and values that do
// not fit Money. Nothing is allocated.
inline PortfolioMarginResult portfolio_margin(const PortfolioBook& book,
                                              const PortfolioMarginConfig& config,
                                              std::span<Int128> scenario_losses) noexcept {
  const OptionStatus config_status = validate_portfolio_margin_config(config);
  if (config_status != OptionStatus::kOk) return detail::portfolio_error(config_status);
  const std::uint32_t count = scenario_count(config);
  if (scenario_losses.size() < count) {
    return detail::portfolio_error(OptionStatus::kScratchTooSmall);
  }
  const std::span<Int128> losses = scenario_losses.first(count);
  for (Int128& l : losses)
    l = 0;
  for (const PortfolioOption& o : book.options) {
    const OptionStatus s = detail::add_option_losses(book, o, config, losses);
    if (s != OptionStatus::kOk) return detail::portfolio_error(s);
  }
  for (const PortfolioFuture& f : book.futures) {
    const OptionStatus s = detail::add_future_losses(book, f, config, losses);
    if (s != OptionStatus::kOk) return detail::portfolio_error(s);
  }
  const std::uint32_t first_extended = grid_move_count(config) * 3;
  PortfolioMarginResult r{OptionStatus::kOk, 0, 0, 0, 0, 0};
  for (std::uint32_t i = 0; i < count; ++i) {
    // An extended loss counts at its fraction, rounded up (a gain shrinks toward 0 alike).
    if (i >= first_extended) {
      losses[i] = div_round_up(losses[i] * config.extended_fraction_ppm, kRateScale);
    }
    if (i == 0 || losses[i] > r.worst_loss) {
      r.worst_loss = losses[i];
      r.worst_scenario = i;
    }
  }
  r.contingency = detail::option_contingency(book, config);
  r.maintenance = (r.worst_loss > 0 ? r.worst_loss : 0) + r.contingency;
  r.initial = div_round_up(r.maintenance * config.initial_multiple_ppm, kRateScale);
  if (!fits_int64(r.maintenance) || !fits_int64(r.initial)) {
    return detail::portfolio_error(OptionStatus::kOutOfRange);
  }
  return r;
}

}  // namespace backstop
