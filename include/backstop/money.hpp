// Exact fixed-point numbers: Price (ticks), Qty (lots), Money (the settlement asset's smallest
// unit), and the only division helpers the core uses, each naming its rounding direction. Owned by
// whichever thread owns the values (the risk engine thread on the hot path); header-only. Cost:
// every operation is a few integer instructions; an __int128 division is taken only when an operand
// does not fit in 64 bits (otherwise the 64-bit divide, which is several times cheaper), and on
// x86-64 even then only when the quotient does not fit 64 bits (otherwise one 128/64 divide).
#pragma once

#include <compare>
#include <cstdint>
#include <limits>
#include <type_traits>

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

namespace detail {

// Truncated quotient and remainder (C++'s n / d and n % d). Precondition: d > 0.
struct QuotientRemainder {
  Int128 quotient;
  Int128 remainder;
};
inline constexpr QuotientRemainder divide_truncated(Int128 n, Int128 d) noexcept {
#if defined(__x86_64__)
  // A dividend past 64 bits over a 64-bit divisor whose quotient still fits 64 bits (the common
  // case: a 128-bit product scaled back down) is one hardware 128/64 divide on the magnitudes,
  // instead of the generic __divti3 routine. Same quotient and remainder, signs restored as C++
  // truncation has them (quotient toward zero, remainder with the dividend's sign).
  if (!std::is_constant_evaluated() && d <= std::numeric_limits<std::uint64_t>::max()) {
    using U128 = unsigned __int128;
    const U128 magnitude = n < 0 ? U128{0} - static_cast<U128>(n) : static_cast<U128>(n);
    const auto high = static_cast<std::uint64_t>(magnitude >> 64);
    const auto divisor = static_cast<std::uint64_t>(d);
    if (high < divisor) {  // the quotient fits 64 bits: divq cannot fault
      std::uint64_t q = 0;
      std::uint64_t r = 0;
      asm("divq %4"
          : "=a"(q), "=d"(r)
          : "a"(static_cast<std::uint64_t>(magnitude)), "d"(high), "rm"(divisor)
          : "cc");
      return n < 0 ? QuotientRemainder{-Int128{q}, -Int128{r}}
                   : QuotientRemainder{Int128{q}, Int128{r}};
    }
  }
#endif
  return {n / d, n % d};
}

}  // namespace detail

// The helpers below are forced inline: called out of line they cost a call per margin term, and
// inline a constant divisor (kRateScale) becomes a multiply instead of a divide.

// Quotient rounded toward minus infinity. Precondition: d > 0.
[[gnu::always_inline]] inline constexpr Int128 div_round_down(Int128 n, Int128 d) noexcept {
  if (fits_int64(n) && fits_int64(d)) {
    const auto a = static_cast<std::int64_t>(n);
    const auto b = static_cast<std::int64_t>(d);
    std::int64_t q = a / b;
    if (a % b != 0 && a < 0) --q;  // C++ truncates toward zero; step down for negatives
    return q;
  }
  const detail::QuotientRemainder t = detail::divide_truncated(n, d);
  return t.remainder != 0 && n < 0 ? t.quotient - 1 : t.quotient;
}

// Quotient rounded toward plus infinity. Precondition: d > 0.
[[gnu::always_inline]] inline constexpr Int128 div_round_up(Int128 n, Int128 d) noexcept {
  if (fits_int64(n) && fits_int64(d)) {
    const auto a = static_cast<std::int64_t>(n);
    const auto b = static_cast<std::int64_t>(d);
    std::int64_t q = a / b;
    if (a % b != 0 && a > 0) ++q;  // truncation went down for positives; step up
    return q;
  }
  const detail::QuotientRemainder t = detail::divide_truncated(n, d);
  return t.remainder != 0 && n > 0 ? t.quotient + 1 : t.quotient;
}

// n / d as C++ truncates it (toward zero), with the same fast paths. Precondition: d > 0.
[[gnu::always_inline]] inline constexpr Int128 div_truncated(Int128 n, Int128 d) noexcept {
  if (fits_int64(n) && fits_int64(d)) {
    return static_cast<std::int64_t>(n) / static_cast<std::int64_t>(d);
  }
  return detail::divide_truncated(n, d).quotient;
}

// Saturating narrowing, for trigger prices that may lie beyond any representable price.
inline constexpr std::int64_t clamp_to_int64(Int128 v) noexcept {
  if (v > std::numeric_limits<std::int64_t>::max()) return std::numeric_limits<std::int64_t>::max();
  if (v < std::numeric_limits<std::int64_t>::min()) return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(v);
}

}  // namespace backstop
