// The ingredients of a revaluation band's Taylor bound (docs/options.md, "Revaluation band"): for
// one option, per unit of position, its value and slope at a forward, an upper bound of its
// concavity over a range of forwards, and the range of its total volatility sigma * sqrt(T) over a
// volatility band and a time horizon (with a portfolio-margin shock applied). Pure functions on
// doubles, like black76.hpp; the band turns them into a bound on money with explicit slack.
// Callable from any thread. Cost: one Black-76 with greeks per curve; two logs, one exp and at most
// one erfc per concavity bound; two pows per shocked spread range.
//
// With r = 0 a Black-76 price depends on the volatility and the time only through the total
// volatility s = sigma * sqrt(T), and grows with it (vega >= 0): over a box of volatilities and
// times, a long position is worth least at the lowest s and a short at the highest.
//
// An option's value per unit of position, phi(F), is in the quote for linear settlement (the
// Black-76 price V) and in coin per coin for inverse (V / F, option_money.hpp). Its second
// derivative, with d1 = ln(F/K)/s + s/2, d2 = d1 - s and n, N the normal density and distribution:
//   linear call or put    phi'' = n(d1) / (F s)                      >= 0
//   inverse call          phi'' = K / F^3 (n(d2) / s - 2 N(d2))      either sign
//   inverse put           phi'' = K / F^3 (n(d2) / s + 2 N(-d2))     >= 0
// (the inverse put from the call by parity: V_put / F = V_call / F - 1 + K / F). d1 and d2 grow
// with F, so over [Fa, Fb] the density is largest at the end nearest 0 (or at 0 inside) and
// N(d2) at Fb; 1/F^k is largest at Fa.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "backstop/options/black76.hpp"
#include "backstop/options/option_money.hpp"
#include "backstop/options/portfolio_margin_config.hpp"

namespace backstop {

// A position's value and its derivative in the forward, both per unit of its coefficient
// (q * multiplier): phi(x0) and phi'(x0).
struct OptionCurve {
  bool ok;
  double value;
  double slope;
};

// phi and phi' at forward x0 > 0 and total volatility s >= 0. At s = 0 (intrinsic value) the
// slope is Black-76's limit, half the step at the strike: a subgradient of the convex payoff.
inline OptionCurve option_curve(OptionSettlement settlement, OptionRight right, double strike,
                                double s, double x0) noexcept {
  const Black76Result r = black76(right, Black76Inputs{x0, strike, 1.0, s});
  if (!r.ok()) return OptionCurve{false, 0.0, 0.0};
  const Black76Greeks& g = r.greeks;
  if (settlement == OptionSettlement::kLinear) return OptionCurve{true, g.price, g.delta};
  // d(V/F)/dF = (delta F - V) / F^2
  return OptionCurve{true, g.price / x0, (g.delta * x0 - g.price) / (x0 * x0)};
}

namespace detail {

// The value of [a, b] (a <= b) nearest 0.
inline double nearest_zero(double a, double b) noexcept {
  return a > 0.0 ? a : (b < 0.0 ? b : 0.0);
}

}  // namespace detail

// An upper bound of -coefficient * phi''(x) over x in [xa, xb] (0 < xa <= xb) at total volatility
// s: how fast the position's value can bend downward there, per unit of (forward move)^2.
// +infinity when unbounded: a short across the strike at s = 0, where the payoff has a kink.
inline double option_concavity_bound(OptionSettlement settlement, OptionRight right,
                                     double coefficient, double strike, double s, double xa,
                                     double xb) noexcept {
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  if (coefficient == 0.0) return 0.0;
  const bool linear = settlement == OptionSettlement::kLinear;
  const bool call = right == OptionRight::kCall;
  const double magnitude = coefficient < 0.0 ? -coefficient : coefficient;
  const double k_over_cube = strike / (xa * xa * xa);
  if (s <= 0.0) {
    // The payoff: linear max(+-(F - K), 0); inverse call max(1 - K/F, 0), put max(K/F - 1, 0).
    // Every kink at K is convex, so only a short is hurt by it.
    const bool kink = xa <= strike && strike <= xb;
    if (coefficient < 0.0 && kink) return kInfinity;
    if (linear) return 0.0;
    if (call) return coefficient > 0.0 && xb > strike ? magnitude * 2.0 * k_over_cube : 0.0;
    return coefficient < 0.0 && xa < strike ? magnitude * 2.0 * k_over_cube : 0.0;
  }
  const double log_a = std::log(xa / strike);
  const double log_b = std::log(xb / strike);
  if (linear) {
    if (coefficient > 0.0) return 0.0;  // convex
    const double d1 = detail::nearest_zero(log_a / s + 0.5 * s, log_b / s + 0.5 * s);
    return magnitude * detail::normal_pdf(d1) / (xa * s);
  }
  const double d2a = log_a / s - 0.5 * s;
  const double d2b = log_b / s - 0.5 * s;
  const double density = detail::normal_pdf(detail::nearest_zero(d2a, d2b));
  if (call) {
    return coefficient < 0.0 ? magnitude * k_over_cube * density / s
                             : magnitude * k_over_cube * 2.0 * detail::normal_cdf(d2b);
  }
  if (coefficient > 0.0) return 0.0;  // convex
  return magnitude * k_over_cube * (density / s + 2.0 * detail::normal_cdf(-d2a));
}

// An upper bound of |phi'(x)| over x in [xa, xb]: 1 in the quote (|delta| <= 1 with r = 0); in
// coin K / x^2 (|d(V/F)/dF| = K N(+-d2) / F^2), largest at xa.
inline double option_slope_bound(OptionSettlement settlement, double strike, double xa) noexcept {
  return settlement == OptionSettlement::kLinear ? 1.0 : strike / (xa * xa);
}

// The total volatility s = sigma' * sqrt(T) an option can have while its volatility stays in
// [sigma_low, sigma_high] and its time to expiry in [t_low_ns, t_high_ns], with sigma' = sigma
// (its own value; also the unchanged shock) or shocked as portfolio_margin.hpp shocks it.
struct SpreadRange {
  double low;
  double high;
};

namespace detail {

// (reference / days)^p, as shocked_volatilities computes it: decreasing in days (p >= 0, and both
// powers give 1 at the reference tenor).
inline double shock_tenor(const PortfolioMarginConfig& c, double days) noexcept {
  const double scale = static_cast<double>(kRateScale);
  const double power =
      static_cast<double>(days < static_cast<double>(c.reference_days) ? c.short_term_power_ppm
                                                                       : c.long_term_power_ppm) /
      scale;
  return std::pow(static_cast<double>(c.reference_days) / days, power);
}

}  // namespace detail

// Precondition: 0 < t_low_ns <= t_high_ns, or t_high_ns == 0 (at expiry: s = 0, no shock).
inline SpreadRange spread_range(const PortfolioMarginConfig& c, bool shocked, VolatilityShock shock,
                                double sigma_low, double sigma_high, std::int64_t t_low_ns,
                                std::int64_t t_high_ns) noexcept {
  if (t_high_ns <= 0) return SpreadRange{0.0, 0.0};
  const double root_low = std::sqrt(years_from_ns(t_low_ns));
  const double root_high = std::sqrt(years_from_ns(t_high_ns));
  if (!shocked || shock == VolatilityShock::kUnchanged) {
    return SpreadRange{sigma_low * root_low, sigma_high * root_high};
  }
  const double scale = static_cast<double>(kRateScale);
  const double tenor_low = detail::shock_tenor(c, days_from_ns(t_high_ns));
  const double tenor_high = detail::shock_tenor(c, days_from_ns(t_low_ns));
  if (shock == VolatilityShock::kUp) {
    const double up = static_cast<double>(c.volatility_up_ppm) / scale;
    const double floor = static_cast<double>(c.volatility_up_floor_ppm) / scale;
    return SpreadRange{std::fmax(sigma_low * (1.0 + up * tenor_low), floor) * root_low,
                       std::fmax(sigma_high * (1.0 + up * tenor_high), floor) * root_high};
  }
  const double down = static_cast<double>(c.volatility_down_ppm) / scale;
  return SpreadRange{std::fmax(sigma_low * (1.0 - down * tenor_high), 0.0) * root_low,
                     std::fmax(sigma_high * (1.0 - down * tenor_low), 0.0) * root_high};
}

}  // namespace backstop
