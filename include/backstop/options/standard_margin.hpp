// Standard (per-position) margin of an option, Deribit style, with configurable rates. Header-only,
// callable from any thread. Cost: a few 128-bit multiplies and two divisions.
//
// Deribit's rules as restated in "Deribit Margin Requirements Calculation" (doc.tslab.pro, under
// data-providers/connection-to-broker/deribit-cryptocurrency-exchange/) - Deribit's own earlier
// help page (deribit.freshdesk.com, article 1000197268 "Margin requirements options") has the same
// shape with other rates - per contract, in coin for its coin-settled options:
//   short  IM = max(0.15 - OTM / S, 0.10) + mark premium     MM = 0.075 + mark premium
//   long   IM = the premium paid                             MM = 0
// i.e. in the quote: IM = max(0.15 S - OTM, 0.10 S) + premium, MM = 0.075 S + premium, with S the
// underlying price and OTM the out-of-the-money amount (call: max(K - S, 0), put: max(S - K, 0)).
// An inverse option takes the quote amounts over S, so its S terms are coin per coin of contract.
// Deribit also keeps a short put's IM at least its MM; we keep every short's (docs/options.md).
//
// Rounding: each requirement (the rate part) is rounded up once per position; the premium enters as
// the position's value from option_money.hpp, whose short liability is already rounded up.
#pragma once

#include <cstdint>

#include "backstop/money.hpp"
#include "backstop/options/black76.hpp"
#include "backstop/options/option_money.hpp"
#include "backstop/options/option_status.hpp"

namespace backstop {

// Rates in millionths (kRateScale) of the underlying's value, as the rest of the configuration.
struct StandardOptionMarginRates {
  std::int64_t initial_rate = 150'000;        // 0.15 S, less the out-of-the-money amount
  std::int64_t initial_floor_rate = 100'000;  // 0.10 S, the least a short's IM charges
  std::int64_t maintenance_rate = 75'000;     // 0.075 S
};

inline bool valid_rates(const StandardOptionMarginRates& r) noexcept {
  return r.initial_rate >= 0 && r.initial_floor_rate >= 0 && r.maintenance_rate >= 0 &&
         r.initial_rate <= kRateScale * 100 && r.initial_floor_rate <= kRateScale * 100 &&
         r.maintenance_rate <= kRateScale * 100;
}

struct OptionMargin {
  OptionStatus status;
  Int128 initial;      // Money
  Int128 maintenance;  // Money
  bool ok() const noexcept { return status == OptionStatus::kOk; }
};

struct StandardMarginInputs {
  OptionRight right = OptionRight::kCall;
  std::int64_t qty = 0;               // signed lots
  std::int64_t strike_ticks = 0;      // K
  std::int64_t underlying_ticks = 0;  // S: the underlying price the venue margins on
  Int128 premium_value = 0;  // the position's mark value (option_money.hpp): < 0 for a short
};

// The out-of-the-money amount of one unit of underlying, in ticks.
inline constexpr std::int64_t out_of_the_money_ticks(OptionRight right, std::int64_t strike,
                                                     std::int64_t underlying) noexcept {
  const std::int64_t d = right == OptionRight::kCall ? strike - underlying : underlying - strike;
  return d > 0 ? d : 0;
}

// The standard margin of one option position. A long's IM is its premium value (pass the premium
// it pays for an order), its MM 0; a flat position needs nothing. Refuses rates outside
// [0, 100x], multiplier <= 0, strike or underlying <= 0 and products past 128 bits.
inline OptionMargin standard_option_margin(const OptionUnits& u, const StandardMarginInputs& in,
                                           const StandardOptionMarginRates& rates = {}) noexcept {
  if (!valid_rates(rates)) return OptionMargin{OptionStatus::kInvalidConfig, 0, 0};
  if (u.multiplier <= 0) return OptionMargin{OptionStatus::kMultiplierNotPositive, 0, 0};
  if (in.strike_ticks <= 0) return OptionMargin{OptionStatus::kStrikeNotPositive, 0, 0};
  if (in.underlying_ticks <= 0) return OptionMargin{OptionStatus::kForwardNotPositive, 0, 0};
  if (in.qty >= 0) {
    const Int128 premium = in.premium_value > 0 ? in.premium_value : 0;
    return OptionMargin{OptionStatus::kOk, in.qty == 0 ? 0 : premium, 0};
  }
  const Int128 lots = -Int128{in.qty};
  const Int128 s = in.underlying_ticks;
  const Int128 otm = out_of_the_money_ticks(in.right, in.strike_ticks, in.underlying_ticks);
  // In millionths of a tick per unit of underlying.
  Int128 initial_ppm = Int128{rates.initial_rate} * s - otm * kRateScale;
  const Int128 floor_ppm = Int128{rates.initial_floor_rate} * s;
  if (initial_ppm < floor_ppm) initial_ppm = floor_ppm;
  const Int128 maintenance_ppm = Int128{rates.maintenance_rate} * s;
  Int128 im_num = 0;
  Int128 mm_num = 0;
  if (!detail::checked_product(lots, u.multiplier, initial_ppm, im_num) ||
      !detail::checked_product(lots, u.multiplier, maintenance_ppm, mm_num)) {
    return OptionMargin{OptionStatus::kOutOfRange, 0, 0};
  }
  // Linear: the quote amounts times the multiplier; inverse: over S as well (coin per coin).
  const Int128 denominator =
      u.settlement == OptionSettlement::kLinear ? Int128{kRateScale} : kRateScale * s;
  const Int128 liability = in.premium_value < 0 ? -in.premium_value : 0;
  const Int128 maintenance = div_round_up(mm_num, denominator) + liability;
  Int128 initial = div_round_up(im_num, denominator) + liability;
  if (initial < maintenance) initial = maintenance;
  if (!fits_int64(initial) || !fits_int64(maintenance)) {
    return OptionMargin{OptionStatus::kOutOfRange, 0, 0};
  }
  return OptionMargin{OptionStatus::kOk, initial, maintenance};
}

}  // namespace backstop
