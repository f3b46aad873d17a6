// Black-76: the price and greeks of a European call or put on a forward F with strike K, T years
// to expiry, volatility sigma and a continuously compounded rate r (0 by default: crypto venues
// price options on the forward of their expiry, so no carry is left to discount). Pure functions on
// doubles; the only place in the project where margin inputs are doubles, and their results enter
// money only through option_money.hpp (docs/options.md). Callable from any thread. Cost: one log,
// one sqrt, one exp (when r != 0) and two erfc per call; the greeks add one exp.
//
//   d1 = (ln(F/K) + sigma^2 T / 2) / (sigma sqrt(T)),  d2 = d1 - sigma sqrt(T),  D = exp(-rT)
//   call = D (F N(d1) - K N(d2)),  put = D (K N(-d2) - F N(-d1)),  N(x) = erfc(-x / sqrt 2) / 2
//
// erfc keeps the tails accurate: a deep out-of-the-money price is a product of small numbers, not
// the difference of two large ones.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>

#include "backstop/options/option_status.hpp"

namespace backstop {

enum class OptionRight : std::uint8_t { kCall = 0, kPut = 1 };

// The year basis: 365 days of 86,400 s, as Deribit counts time to expiry (ACT/365).
inline constexpr std::int64_t kNanosPerDay = 86'400LL * 1'000'000'000LL;
inline constexpr std::int64_t kDaysPerYear = 365;
inline constexpr std::int64_t kNanosPerYear = kDaysPerYear * kNanosPerDay;

inline constexpr double years_from_ns(std::int64_t ns) noexcept {
  return static_cast<double>(ns) / static_cast<double>(kNanosPerYear);
}
inline constexpr double days_from_ns(std::int64_t ns) noexcept {
  return static_cast<double>(ns) / static_cast<double>(kNanosPerDay);
}

struct Black76Inputs {
  double forward;     // F > 0, in any price unit (the strike's)
  double strike;      // K > 0, same unit as F
  double years;       // T >= 0 (years_from_ns)
  double volatility;  // sigma >= 0, annualised (0.65 = 65 %)
  double rate = 0.0;  // r, continuously compounded per year
};

// Sensitivities of the option's value V in F's unit:
//   delta = dV/dF, gamma = d2V/dF2, vega = dV/dsigma per 1.00 of volatility (100 vol points),
//   theta = -dV/dT per year (the value's change as calendar time passes; divide by 365 per day).
struct Black76Greeks {
  double price;
  double delta;
  double gamma;
  double vega;
  double theta;
};

struct Black76Result {
  OptionStatus status;
  Black76Greeks greeks;  // all zero unless status == kOk
  bool ok() const noexcept { return status == OptionStatus::kOk; }
};

struct Black76Price {
  OptionStatus status;
  double price;  // 0 unless status == kOk
  bool ok() const noexcept { return status == OptionStatus::kOk; }
};

// The reason inputs are refused, kOk when they are priceable.
inline OptionStatus validate_black76(const Black76Inputs& in) noexcept {
  if (!std::isfinite(in.forward) || !std::isfinite(in.strike) || !std::isfinite(in.years) ||
      !std::isfinite(in.volatility) || !std::isfinite(in.rate)) {
    return OptionStatus::kNotFinite;
  }
  if (in.forward <= 0.0) return OptionStatus::kForwardNotPositive;
  if (in.strike <= 0.0) return OptionStatus::kStrikeNotPositive;
  if (in.volatility < 0.0) return OptionStatus::kVolatilityNegative;
  if (in.years < 0.0) return OptionStatus::kTimeNegative;
  return OptionStatus::kOk;
}

namespace detail {

inline constexpr double kInvSqrt2 = 1.0 / std::numbers::sqrt2;
inline constexpr double kInvSqrt2Pi = std::numbers::inv_sqrtpi * kInvSqrt2;

inline double normal_cdf(double x) noexcept {
  return 0.5 * std::erfc(-x * kInvSqrt2);
}
inline double normal_pdf(double x) noexcept {
  return std::exp(-0.5 * x * x) * kInvSqrt2Pi;
}

// The price of valid inputs. At sigma sqrt(T) = 0 (expiry, or no volatility) the option is worth
// its discounted intrinsic value, the limit of the formula.
inline double black76_price_valid(OptionRight right, const Black76Inputs& in) noexcept {
  const double discount = in.rate == 0.0 ? 1.0 : std::exp(-in.rate * in.years);
  const double spread = in.volatility * std::sqrt(in.years);
  const double f = in.forward;
  const double k = in.strike;
  if (spread == 0.0) {
    return discount * (right == OptionRight::kCall ? std::fmax(f - k, 0.0) : std::fmax(k - f, 0.0));
  }
  const double d1 = (std::log(f / k) + 0.5 * spread * spread) / spread;
  const double d2 = d1 - spread;
  // A price is never negative; far out of the money the difference of two tiny terms can round
  // below 0, so it is clamped.
  return right == OptionRight::kCall
             ? discount * std::fmax(f * normal_cdf(d1) - k * normal_cdf(d2), 0.0)
             : discount * std::fmax(k * normal_cdf(-d2) - f * normal_cdf(-d1), 0.0);
}

}  // namespace detail

// The price alone (what a scenario grid needs). A refused input returns its status and price 0.
inline Black76Price black76_price(OptionRight right, const Black76Inputs& in) noexcept {
  const OptionStatus status = validate_black76(in);
  if (status != OptionStatus::kOk) return Black76Price{status, 0.0};
  const double price = detail::black76_price_valid(right, in);
  if (!std::isfinite(price)) return Black76Price{OptionStatus::kNotFinite, 0.0};
  return Black76Price{OptionStatus::kOk, price};
}

// The price and greeks. At sigma sqrt(T) = 0 the greeks are the limits of the formula: delta is
// the step D (call) / -D (put) in the money, 0 out of it and half of it at F = K; gamma is 0 off
// the strike and +infinity at F = K (the step's derivative; a caller building an envelope treats it
// as unbounded); vega is 0 off the strike and D F sqrt(T / 2 pi) at it; theta is r V.
inline Black76Result black76(OptionRight right, const Black76Inputs& in) noexcept {
  const OptionStatus status = validate_black76(in);
  if (status != OptionStatus::kOk) return Black76Result{status, Black76Greeks{0, 0, 0, 0, 0}};
  const bool call = right == OptionRight::kCall;
  const double discount = in.rate == 0.0 ? 1.0 : std::exp(-in.rate * in.years);
  const double f = in.forward;
  const double k = in.strike;
  const double root_t = std::sqrt(in.years);
  const double spread = in.volatility * root_t;
  Black76Greeks g{};
  g.price = detail::black76_price_valid(right, in);
  if (spread == 0.0) {
    const double step = f > k ? 1.0 : (f < k ? 0.0 : 0.5);  // N(d1) in the limit
    g.delta = call ? discount * step : -discount * (1.0 - step);
    g.gamma = f == k ? std::numeric_limits<double>::infinity() : 0.0;
    g.vega = f == k ? discount * f * root_t * detail::normal_pdf(0.0) : 0.0;
    g.theta = in.rate * g.price;
  } else {
    const double d1 = (std::log(f / k) + 0.5 * spread * spread) / spread;
    const double density = detail::normal_pdf(d1);
    g.delta = call ? discount * detail::normal_cdf(d1) : -discount * detail::normal_cdf(-d1);
    g.gamma = discount * density / (f * spread);
    g.vega = discount * f * density * root_t;
    g.theta = -discount * f * density * in.volatility / (2.0 * root_t) + in.rate * g.price;
  }
  if (!std::isfinite(g.price) || !std::isfinite(g.delta) || !std::isfinite(g.vega) ||
      !std::isfinite(g.theta) || std::isnan(g.gamma)) {
    return Black76Result{OptionStatus::kNotFinite, Black76Greeks{0, 0, 0, 0, 0}};
  }
  return Black76Result{OptionStatus::kOk, g};
}

}  // namespace backstop
