// Exact fixed-point numbers: Price (ticks), Qty (lots), Money (the settlement asset's smallest
// unit), and the only division helpers the core uses, each naming its rounding direction. Owned by
// whichever thread owns the values (the risk engine thread on the hot path); header-only. Cost:
// every operation is a few integer instructions; an __int128 division is taken only when an operand
// does not fit in 64 bits (otherwise the 64-bit divide, which is several times cheaper).
#pragma once

#include <compare>
#include <cstdint>
#include <limits>

namespace backstop {

// 128-bit intermediates for products of two or three 64-bit quantities (price x size x multiplier).
using Int128 = __int128;

// A strong int64: values of different tags never mix by accident. Trivial so that it can live in
// the unions of ring-buffer event slots.
template <class Tag>
class Fixed {
 public:
  Fixed() noexcept = default;
  constexpr explicit Fixed(std::int64_t raw) noexcept : raw_(raw) {}
  constexpr std::int64_t raw() const noexcept { return raw_; }

  friend constexpr bool operator==(Fixed, Fixed) noexcept = default;
  friend constexpr auto operator<=>(Fixed, Fixed) noexcept = default;
  friend constexpr Fixed operator+(Fixed a, Fixed b) noexcept { return Fixed{a.raw_ + b.raw_}; }
  friend constexpr Fixed operator-(Fixed a, Fixed b) noexcept { return Fixed{a.raw_ - b.raw_}; }
  constexpr Fixed operator-() const noexcept { return Fixed{-raw_}; }
  constexpr Fixed& operator+=(Fixed o) noexcept {
    raw_ += o.raw_;
    return *this;
  }
  constexpr Fixed& operator-=(Fixed o) noexcept {
    raw_ -= o.raw_;
    return *this;
  }

 private:
  std::int64_t raw_;
};

struct PriceTag {};
struct QtyTag {};
struct MoneyTag {};
using Price = Fixed<PriceTag>;  // integer ticks of the instrument's tick size
using Qty = Fixed<QtyTag>;      // integer lots (contracts); signed where it is a position
using Money = Fixed<MoneyTag>;  // integer smallest units of the settlement asset

// Rates (margin rates) are integers in millionths: 0.4% = 4'000.
inline constexpr std::int64_t kRateScale = 1'000'000;
// Funding rates are integers in 1e-8, the precision venues publish (Binance: 0.00010000).
inline constexpr std::int64_t kFundingRateScale = 100'000'000;

inline constexpr bool fits_int64(Int128 v) noexcept {
  return v >= std::numeric_limits<std::int64_t>::min() &&
         v <= std::numeric_limits<std::int64_t>::max();
}

// Quotient rounded toward minus infinity. Precondition: d > 0.
inline constexpr Int128 div_round_down(Int128 n, Int128 d) noexcept {
  if (fits_int64(n) && fits_int64(d)) {
    const auto a = static_cast<std::int64_t>(n);
    const auto b = static_cast<std::int64_t>(d);
    std::int64_t q = a / b;
    if (a % b != 0 && a < 0) --q;  // C++ truncates toward zero; step down for negatives
    return q;
  }
  Int128 q = n / d;
  if (n % d != 0 && n < 0) --q;
  return q;
}

// Quotient rounded toward plus infinity. Precondition: d > 0.
inline constexpr Int128 div_round_up(Int128 n, Int128 d) noexcept {
  if (fits_int64(n) && fits_int64(d)) {
    const auto a = static_cast<std::int64_t>(n);
    const auto b = static_cast<std::int64_t>(d);
    std::int64_t q = a / b;
    if (a % b != 0 && a > 0) ++q;  // truncation went down for positives; step up
    return q;
  }
  Int128 q = n / d;
  if (n % d != 0 && n > 0) ++q;
  return q;
}

// Saturating narrowing, for trigger prices that may lie beyond any representable price.
inline constexpr std::int64_t clamp_to_int64(Int128 v) noexcept {
  if (v > std::numeric_limits<std::int64_t>::max()) return std::numeric_limits<std::int64_t>::max();
  if (v < std::numeric_limits<std::int64_t>::min()) return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(v);
}

}  // namespace backstop
