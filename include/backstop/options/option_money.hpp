// An option position's value in money: from the venue's mark price (in the quote or in the coin),
// from a mark implied volatility priced with Black-76, and its cash settlement at expiry.
// Header-only, callable from any thread. Cost: a few 128-bit multiplies and at most one division;
// from a volatility, one Black-76 price.
//
// Units follow money.hpp: prices (forward, strike, underlying, a premium in the quote) are integer
// ticks of the underlying's quote, sizes integer lots, money integer smallest units of the
// settlement asset. Two settlements (docs/options.md):
//   linear  (USDT/USDC-settled)  value = q * P * mult        mult = Money per (tick * lot)
//   inverse (coin-settled)       value = q * mult * P / S    mult = Money of the coin per lot when
//                                                             the premium is 1 coin per coin, i.e.
//                                                             the lot's size in the coin's units
// with P the premium in quote ticks and S the underlying price in ticks: as on Deribit, an inverse
// option's premium in coin is its quote price divided by the underlying price.
//
// Rounding, in the venue's favour: the signed value q * w is rounded toward minus infinity, so a
// long's value (an asset of the account) is rounded down and a short's liability (|value|) up. One
// rounding per position, on its total, never per contract. A model price is a double; its rounding
// is applied to the double the model returned (its own error is a few ulps, far below one unit for
// values under 2^53).
#pragma once

#include <cmath>
#include <cstdint>

#include "backstop/money.hpp"
#include "backstop/options/black76.hpp"
#include "backstop/options/option_status.hpp"

namespace backstop {

enum class OptionSettlement : std::uint8_t { kLinear = 0, kInverse = 1 };

struct OptionUnits {
  OptionSettlement settlement = OptionSettlement::kLinear;
  std::int64_t multiplier = 1;  // see the header comment for its unit per settlement
};

struct OptionMoney {
  OptionStatus status;
  Int128 value;  // signed position value in Money (fits int64); 0 unless status == kOk
  bool ok() const noexcept { return status == OptionStatus::kOk; }
};

namespace detail {

inline constexpr OptionMoney option_money_error(OptionStatus s) noexcept {
  return {s, 0};
}

// a * b * c without overflowing Int128; false when it would.
inline bool checked_product(Int128 a, Int128 b, Int128 c, Int128& out) noexcept {
  Int128 ab = 0;
  if (__builtin_mul_overflow(a, b, &ab)) return false;
  return !__builtin_mul_overflow(ab, c, &out);
}

inline OptionMoney fitted(Int128 v) noexcept {
  return fits_int64(v) ? OptionMoney{OptionStatus::kOk, v}
                       : option_money_error(OptionStatus::kOutOfRange);
}

// The largest magnitude a double may have to become Money: below 2^63, as an exact double.
inline constexpr double kMoneyDoubleLimit = 9'223'372'036'854'774'784.0;  // 2^63 - 1024

}  // namespace detail

// q lots at a premium of `premium_ticks` quote ticks per unit of underlying; `underlying_ticks` is
// the price an inverse premium is divided by (ignored for linear). Exact for linear; inverse rounds
// the signed value down. Refuses premium < 0, multiplier <= 0 and (inverse) underlying <= 0.
inline OptionMoney option_value_from_quote_price(const OptionUnits& u, std::int64_t qty,
                                                 std::int64_t premium_ticks,
                                                 std::int64_t underlying_ticks) noexcept {
  if (u.multiplier <= 0) return detail::option_money_error(OptionStatus::kMultiplierNotPositive);
  if (premium_ticks < 0) return detail::option_money_error(OptionStatus::kOutOfRange);
  Int128 numerator = 0;
  if (!detail::checked_product(qty, premium_ticks, u.multiplier, numerator)) {
    return detail::option_money_error(OptionStatus::kOutOfRange);
  }
  if (u.settlement == OptionSettlement::kLinear) return detail::fitted(numerator);
  if (underlying_ticks <= 0) return detail::option_money_error(OptionStatus::kForwardNotPositive);
  return detail::fitted(div_round_down(numerator, underlying_ticks));
}

// An inverse option at the venue's coin mark: `mark` / `mark_scale` coin of premium per coin of
// underlying (Deribit publishes e.g. 0.0525 BTC: mark 525, scale 10,000). value = q * mult * mark /
// mark_scale, the signed value rounded down. Linear settlement is refused (its mark is in the
// quote: option_value_from_quote_price).
inline OptionMoney option_value_from_coin_price(const OptionUnits& u, std::int64_t qty,
                                                std::int64_t mark,
                                                std::int64_t mark_scale) noexcept {
  if (u.settlement != OptionSettlement::kInverse) {
    return detail::option_money_error(OptionStatus::kInvalidConfig);
  }
  if (u.multiplier <= 0 || mark_scale <= 0) {
    return detail::option_money_error(OptionStatus::kMultiplierNotPositive);
  }
  if (mark < 0) return detail::option_money_error(OptionStatus::kOutOfRange);
  Int128 numerator = 0;
  if (!detail::checked_product(qty, mark, u.multiplier, numerator)) {
    return detail::option_money_error(OptionStatus::kOutOfRange);
  }
  return detail::fitted(div_round_down(numerator, mark_scale));
}

// q lots at a model premium (a double, in quote ticks), converted as option_value_from_quote_price
// converts an integer one: floor(q * mult * P) linear, floor(q * mult * P / S) inverse.
inline OptionMoney option_value_from_model(const OptionUnits& u, std::int64_t qty,
                                           double premium_ticks,
                                           std::int64_t underlying_ticks) noexcept {
  if (u.multiplier <= 0) return detail::option_money_error(OptionStatus::kMultiplierNotPositive);
  if (!std::isfinite(premium_ticks)) return detail::option_money_error(OptionStatus::kNotFinite);
  if (premium_ticks < 0.0) return detail::option_money_error(OptionStatus::kOutOfRange);
  const double lots_money = static_cast<double>(Int128{qty} * u.multiplier);
  double v = lots_money * premium_ticks;
  if (u.settlement == OptionSettlement::kInverse) {
    if (underlying_ticks <= 0) {
      return detail::option_money_error(OptionStatus::kForwardNotPositive);
    }
    v /= static_cast<double>(underlying_ticks);
  }
  const double down = std::floor(v);
  if (!(down > -detail::kMoneyDoubleLimit && down < detail::kMoneyDoubleLimit)) {
    return detail::option_money_error(OptionStatus::kOutOfRange);
  }
  return OptionMoney{OptionStatus::kOk, static_cast<Int128>(static_cast<std::int64_t>(down))};
}

// Cash settlement at expiry: q lots pay out their intrinsic value at the settlement price, call
// max(S - K, 0), put max(K - S, 0) quote ticks, converted as option_value_from_quote_price converts
// a premium (an inverse payout is in coin: over S). The long receives the value rounded down, the
// short pays it rounded up, so a matched pair never creates money; the difference (< 1 unit a
// side) stays with the venue. Refuses strike or settlement price <= 0.
inline OptionMoney option_settlement_value(const OptionUnits& u, OptionRight right,
                                           std::int64_t qty, std::int64_t strike_ticks,
                                           std::int64_t settlement_ticks) noexcept {
  if (strike_ticks <= 0) return detail::option_money_error(OptionStatus::kStrikeNotPositive);
  if (settlement_ticks <= 0) return detail::option_money_error(OptionStatus::kForwardNotPositive);
  const std::int64_t in_the_money = right == OptionRight::kCall ? settlement_ticks - strike_ticks
                                                                : strike_ticks - settlement_ticks;
  return option_value_from_quote_price(u, qty, in_the_money > 0 ? in_the_money : 0,
                                       settlement_ticks);
}

// What prices an option from a mark implied volatility. Integers, as events carry them; doubles
// only inside Black-76.
struct OptionMarkInputs {
  OptionRight right = OptionRight::kCall;
  std::int64_t forward_ticks = 0;  // the forward of the option's expiry (its underlying price)
  std::int64_t strike_ticks = 0;
  std::int64_t time_to_expiry_ns = 0;
  std::int64_t volatility_ppm = 0;  // sigma in millionths: 65 % = 650,000
  std::int64_t rate_ppm = 0;        // r in millionths per year; 0 on the forward
};

inline Black76Inputs black76_inputs(const OptionMarkInputs& m) noexcept {
  return Black76Inputs{static_cast<double>(m.forward_ticks), static_cast<double>(m.strike_ticks),
                       years_from_ns(m.time_to_expiry_ns),
                       static_cast<double>(m.volatility_ppm) / static_cast<double>(kRateScale),
                       static_cast<double>(m.rate_ppm) / static_cast<double>(kRateScale)};
}

// q lots valued at a mark implied volatility: the Black-76 premium in quote ticks, converted with
// option_value_from_model; an inverse premium is divided by the forward (Deribit's coin premium).
inline OptionMoney option_value_from_volatility(const OptionUnits& u, std::int64_t qty,
                                                const OptionMarkInputs& m) noexcept {
  const Black76Price p = black76_price(m.right, black76_inputs(m));
  if (!p.ok()) return detail::option_money_error(p.status);
  return option_value_from_model(u, qty, p.price, m.forward_ticks);
}

}  // namespace backstop
