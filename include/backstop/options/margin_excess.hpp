// The margin excess (equity - maintenance margin) of an account's book on one underlying, computed
// exactly: the full revaluation that an options account needs whenever its revaluation band
// (revaluation_band.hpp) is left, and the brute-force reference the band is tested against
// (docs/options.md, "Revaluation band"). Pure and allocation-free; callable from any thread.
// Cost: standard margin O(positions); portfolio margin that of portfolio_margin()
// (O(positions x scenarios) prices).
//
//   equity = other_equity + sum of option values (option_money.hpp, rounded down)
//                         + sum of future values (margin.hpp's value_down)
//   MM     = standard:  sum over short options of standard_option_margin().maintenance
//                       + per future ceil(|q| x notional x future_maintenance_rate)
//            portfolio: portfolio_margin().maintenance
//   excess = equity - MM; the account is healthy while excess >= 0 (docs/design.md §3.3).
#pragma once

#include <cstdint>
#include <span>

#include "backstop/money.hpp"
#include "backstop/options/option_money.hpp"
#include "backstop/options/option_status.hpp"
#include "backstop/options/portfolio_margin.hpp"
#include "backstop/options/portfolio_margin_config.hpp"
#include "backstop/options/standard_margin.hpp"

namespace backstop {

enum class OptionMarginModel : std::uint8_t { kStandard = 0, kPortfolio = 1 };

// Standard margin of a book: Deribit's per-option rates, and one maintenance rate for the book's
// futures and perpetuals (a single bracket: value x rate, rounded up per position).
struct StandardBookRates {
  StandardOptionMarginRates options;
  std::int64_t future_maintenance_rate_ppm = 5'000;
};

// One account's book on one underlying and everything else its excess depends on.
// `other_equity` is all of the account's E - MM that the book's prices do not move: its cash, the
// cost basis and unsettled funding of the book's futures, and whatever cushion the account's
// other positions leave to this book. `underlying_ticks` is the index S that standard margin
// charges on (0.075 S).
struct BookMarginInputs {
  PortfolioBook book;
  std::int64_t underlying_ticks = 0;
  Int128 other_equity = 0;
  OptionMarginModel model = OptionMarginModel::kPortfolio;
  StandardBookRates standard;
  PortfolioMarginConfig portfolio;
};

struct MarginExcess {
  OptionStatus status;
  Int128 equity;
  Int128 maintenance;
  Int128 excess;  // equity - maintenance
  bool ok() const noexcept { return status == OptionStatus::kOk; }
};

namespace detail {

inline MarginExcess excess_error(OptionStatus s) noexcept {
  return MarginExcess{s, 0, 0, 0};
}

// A future's value at its mark, rounded down (margin.hpp's value_down): linear q*m*mult, inverse
// -q*mult/m.
inline Int128 future_value_down(OptionSettlement settlement, const PortfolioFuture& f) noexcept {
  const Int128 qm = Int128{f.qty} * f.multiplier;
  return settlement == OptionSettlement::kLinear ? qm * f.mark_ticks
                                                 : div_round_down(-qm, f.mark_ticks);
}

// A future's maintenance margin at one rate, rounded up once: linear |q|*mult*m*rate, inverse
// |q|*mult*rate/m (margin.hpp's bracket_margin with one bracket and no fee).
inline Int128 future_maintenance(OptionSettlement settlement, const PortfolioFuture& f,
                                 std::int64_t rate_ppm) noexcept {
  const Int128 qm = Int128{f.qty < 0 ? -f.qty : f.qty} * f.multiplier;
  return settlement == OptionSettlement::kLinear
             ? div_round_up(qm * f.mark_ticks * rate_ppm, kRateScale)
             : div_round_up(qm * rate_ppm, Int128{f.mark_ticks} * kRateScale);
}

inline OptionMarkInputs option_mark(const PortfolioBook& book, const PortfolioOption& o) noexcept {
  return OptionMarkInputs{
      o.right, o.forward_ticks, o.strike_ticks, o.expiry_ns - book.now_ns, o.volatility_ppm, 0};
}

}  // namespace detail

// The exact excess of `in`. `scenario_losses` is portfolio_margin()'s buffer (scenario_count()
// entries; unused and may be empty under standard margin). Refuses what the margin functions
// refuse (an option past expiry, prices or multipliers <= 0, a negative volatility, values past
// Money), with their status.
inline MarginExcess margin_excess(const BookMarginInputs& in,
                                  std::span<Int128> scenario_losses) noexcept {
  const PortfolioBook& book = in.book;
  Int128 equity = in.other_equity;
  Int128 maintenance = 0;
  for (const PortfolioOption& o : book.options) {
    const OptionUnits units{book.settlement, o.multiplier};
    const OptionMoney value =
        option_value_from_volatility(units, o.qty, detail::option_mark(book, o));
    if (!value.ok()) return detail::excess_error(value.status);
    equity += value.value;
    if (in.model == OptionMarginModel::kStandard && o.qty < 0) {
      const OptionMargin m = standard_option_margin(
          units,
          StandardMarginInputs{o.right, o.qty, o.strike_ticks, in.underlying_ticks, value.value},
          in.standard.options);
      if (!m.ok()) return detail::excess_error(m.status);
      maintenance += m.maintenance;
    }
  }
  for (const PortfolioFuture& f : book.futures) {
    if (f.multiplier <= 0) return detail::excess_error(OptionStatus::kMultiplierNotPositive);
    if (f.mark_ticks <= 0) return detail::excess_error(OptionStatus::kForwardNotPositive);
    equity += detail::future_value_down(book.settlement, f);
    if (in.model == OptionMarginModel::kStandard) {
      const std::int64_t rate = in.standard.future_maintenance_rate_ppm;
      if (rate < 0 || rate > kRateScale) return detail::excess_error(OptionStatus::kInvalidConfig);
      maintenance += detail::future_maintenance(book.settlement, f, rate);
    }
  }
  if (in.model == OptionMarginModel::kPortfolio) {
    const PortfolioMarginResult r = portfolio_margin(book, in.portfolio, scenario_losses);
    if (!r.ok()) return detail::excess_error(r.status);
    maintenance = r.maintenance;
  }
  return MarginExcess{OptionStatus::kOk, equity, maintenance, equity - maintenance};
}

}  // namespace backstop
