#include "marketdata/decimal.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

namespace backstop::marketdata {
namespace {

using Int128 = __int128;

constexpr std::array<std::uint64_t, 20> kPow10 = {1ULL,
                                                  10ULL,
                                                  100ULL,
                                                  1000ULL,
                                                  10000ULL,
                                                  100000ULL,
                                                  1000000ULL,
                                                  10000000ULL,
                                                  100000000ULL,
                                                  1000000000ULL,
                                                  10000000000ULL,
                                                  100000000000ULL,
                                                  1000000000000ULL,
                                                  10000000000000ULL,
                                                  100000000000000ULL,
                                                  1000000000000000ULL,
                                                  10000000000000000ULL,
                                                  100000000000000000ULL,
                                                  1000000000000000000ULL,
                                                  10000000000000000000ULL};

constexpr std::uint64_t kMaxMagnitude = std::numeric_limits<std::int64_t>::max();

// acc = acc * 10^zeros * 10 + digit, failing when the result exceeds int64's magnitude.
constexpr bool append_digit(std::uint64_t& acc, int zeros, int digit) noexcept {
  if (acc == 0) {
    // Zeros in front of the first non-zero digit carry no value.
    acc = static_cast<std::uint64_t>(digit);
    return true;
  }
  if (zeros + 1 >= static_cast<int>(kPow10.size())) return false;
  const Int128 next =
      static_cast<Int128>(acc) * kPow10[static_cast<std::size_t>(zeros + 1)] + digit;
  if (next > static_cast<Int128>(kMaxMagnitude)) return false;
  acc = static_cast<std::uint64_t>(next);
  return true;
}

constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// The optional exponent part, (e|E)[+-]digits, at text[i]: consumed and added to `exponent`;
// false when it is malformed.
bool add_exponent_part(std::string_view text, std::size_t& i, int& exponent) noexcept {
  if (i >= text.size() || (text[i] != 'e' && text[i] != 'E')) return true;
  ++i;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
    negative = text[i] == '-';
    ++i;
  }
  int e = 0;
  std::size_t digits = 0;
  for (; i < text.size() && is_digit(text[i]); ++i, ++digits) {
    // Any exponent past four digits is out of range anyway; stop accumulating before int
    // overflow but keep consuming so the digits are validated.
    if (e < 10000) e = e * 10 + (text[i] - '0');
  }
  if (digits == 0) return false;
  exponent += negative ? -e : e;
  return true;
}

}  // namespace

DecimalError try_parse_decimal(std::string_view text, Decimal& out) noexcept {
  if (text.empty()) return DecimalError::kEmpty;
  std::size_t i = 0;
  bool negative = false;
  if (text[0] == '-' || text[0] == '+') {
    negative = text[0] == '-';
    ++i;
  }
  std::uint64_t acc = 0;
  // Zeros are held back rather than multiplied in: a run of zeros that ends the number costs no
  // digits (fraction zeros vanish, integer zeros move into the exponent), which keeps the result
  // canonical and lets zero-padded fields ("0.00100000") parse without overflow.
  int pending_zeros = 0;
  int exponent = 0;
  std::size_t int_digits = 0;
  for (; i < text.size() && is_digit(text[i]); ++i, ++int_digits) {
    const int digit = text[i] - '0';
    if (digit == 0 && acc != 0) {
      ++pending_zeros;
      continue;
    }
    if (digit == 0) continue;
    if (!append_digit(acc, pending_zeros, digit)) return DecimalError::kOverflow;
    pending_zeros = 0;
  }
  if (int_digits == 0) return DecimalError::kMalformed;
  // Integer zeros still pending are a power of ten on the whole number.
  int int_zeros = pending_zeros;
  pending_zeros = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    std::size_t frac_digits = 0;
    for (; i < text.size() && is_digit(text[i]); ++i, ++frac_digits) {
      const int digit = text[i] - '0';
      if (digit == 0) {
        ++pending_zeros;
        continue;
      }
      if (acc == 0) {
        // Leading fraction zeros ("0.0001") only shift the exponent.
        acc = static_cast<std::uint64_t>(digit);
        exponent -= pending_zeros + 1;
      } else {
        if (!append_digit(acc, int_zeros + pending_zeros, digit)) return DecimalError::kOverflow;
        exponent -= pending_zeros + 1;
      }
      int_zeros = 0;
      pending_zeros = 0;
    }
    if (frac_digits == 0) return DecimalError::kMalformed;
  }
  exponent += int_zeros;
  if (!add_exponent_part(text, i, exponent)) return DecimalError::kMalformed;
  if (i != text.size()) return DecimalError::kMalformed;
  if (acc == 0) {
    out = Decimal{};
    return DecimalError::kOk;
  }
  if (exponent < std::numeric_limits<std::int8_t>::min() ||
      exponent > std::numeric_limits<std::int8_t>::max()) {
    return DecimalError::kOverflow;
  }
  const auto magnitude = static_cast<std::int64_t>(acc);
  out = Decimal{negative ? -magnitude : magnitude, static_cast<std::int8_t>(exponent)};
  return DecimalError::kOk;
}

FixedResult to_fixed(Decimal d, int scale, Rounding rounding) noexcept {
  if (d.mantissa == 0) return FixedResult{};
  const int shift = static_cast<int>(d.exponent) + scale;
  if (shift >= 0) {
    if (shift >= static_cast<int>(kPow10.size())) return FixedResult{0, FixedStatus::kOverflow};
    const Int128 v = static_cast<Int128>(d.mantissa) * static_cast<Int128>(kPow10[shift]);
    if (v > std::numeric_limits<std::int64_t>::max() ||
        v < std::numeric_limits<std::int64_t>::min()) {
      return FixedResult{0, FixedStatus::kOverflow};
    }
    return FixedResult{static_cast<std::int64_t>(v), FixedStatus::kExact};
  }
  const int down = -shift;
  // |mantissa| < 10^19, so any divisor of 10^20 or more leaves quotient 0 with the whole mantissa
  // as remainder, and a remainder below half the divisor: clamp the divisor there.
  Int128 divisor = 1;
  for (int k = 0; k < down && k < 20; ++k)
    divisor *= 10;
  const Int128 m = d.mantissa;
  Int128 q = m / divisor;  // truncates toward zero
  const Int128 r = m % divisor;
  if (r == 0) return FixedResult{static_cast<std::int64_t>(q), FixedStatus::kExact};
  switch (rounding) {
    case Rounding::kDown:
      if (m < 0) --q;
      break;
    case Rounding::kUp:
      if (m > 0) ++q;
      break;
    case Rounding::kTowardZero:
      break;
    case Rounding::kNearest: {
      const Int128 twice = (r < 0 ? -r : r) * 2;
      if (twice >= divisor) q += m < 0 ? -1 : 1;
      break;
    }
  }
  return FixedResult{static_cast<std::int64_t>(q), FixedStatus::kInexact};
}

std::string_view format_decimal(Decimal d, DecimalText& buffer) noexcept {
  char* const begin = buffer.data();
  char* const end = begin + buffer.size();
  char digits[24];
  const bool negative = d.mantissa < 0;
  // |INT64_MIN| does not fit int64: the digits of the magnitude in unsigned arithmetic.
  const std::uint64_t magnitude = negative
                                      ? std::uint64_t{0} - static_cast<std::uint64_t>(d.mantissa)
                                      : static_cast<std::uint64_t>(d.mantissa);
  const auto n =
      static_cast<int>(std::to_chars(digits, digits + sizeof digits, magnitude).ptr - digits);
  char* p = begin;
  if (negative) *p++ = '-';
  const int e = d.exponent;
  // Plain decimal text while it stays short ("5000", "0.00000001", "379.3"); else "1e30".
  if (e >= 0 && e <= 6) {
    p = std::copy(digits, digits + n, p);
    p = std::fill_n(p, e, '0');
  } else if (e < 0 && -e <= 18) {
    const int point = n + e;  // digits before the point
    if (point <= 0) {
      *p++ = '0';
      *p++ = '.';
      p = std::fill_n(p, -point, '0');
      p = std::copy(digits, digits + n, p);
    } else {
      p = std::copy(digits, digits + point, p);
      *p++ = '.';
      p = std::copy(digits + point, digits + n, p);
    }
  } else {
    p = std::copy(digits, digits + n, p);
    *p++ = 'e';
    p = std::to_chars(p, end, e).ptr;
  }
  // The longest text (a sign, 19 digits, six zeros) is 26 characters: it always fits.
  return std::string_view(begin, static_cast<std::size_t>(p - begin));
}

double to_double(Decimal d) noexcept {
  double scale = 1.0;
  int e = d.exponent < 0 ? -d.exponent : d.exponent;
  double base = 10.0;
  while (e != 0) {
    if ((e & 1) != 0) scale *= base;
    base *= base;
    e >>= 1;
  }
  // Dividing by an exact power of ten rounds once, which keeps "0.1" closer than multiplying by
  // an inexact 1e-1 would.
  return d.exponent < 0 ? static_cast<double>(d.mantissa) / scale
                        : static_cast<double>(d.mantissa) * scale;
}

std::string format_fixed(std::int64_t raw, int exponent) {
  if (exponent >= 0) return fmt::format("{}", raw);
  const bool negative = raw < 0;
  // |INT64_MIN| does not fit int64: negate in unsigned arithmetic.
  const std::uint64_t abs = negative ? std::uint64_t{0} - static_cast<std::uint64_t>(raw)
                                     : static_cast<std::uint64_t>(raw);
  std::uint64_t scale = 1;
  for (int i = 0; i < -exponent && i < 19; ++i)
    scale *= 10;
  return fmt::format("{}{}.{:0{}}", negative ? "-" : "", abs / scale, abs % scale, -exponent);
}

}  // namespace backstop::marketdata
