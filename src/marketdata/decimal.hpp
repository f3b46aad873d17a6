// Exact decimal numbers as they appear in market-data text ("61634.5", "-0.00012", "1e-05"), and
// their exact conversion to the engine's fixed-point integers with a named rounding direction.
// Plain values: any thread may use them. Cost: parsing is one pass over the characters with no
// allocation (a few ns for a typical price); to_fixed is a multiply or one divide.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace backstop::marketdata {

// value = mantissa * 10^exponent. The parser always yields the canonical form (the mantissa has no
// trailing zeros, zero is {0, 0}), so two parsed values are equal exactly when their members are.
struct Decimal {
  std::int64_t mantissa = 0;
  std::int8_t exponent = 0;

  friend constexpr bool operator==(Decimal, Decimal) noexcept = default;
};

enum class DecimalError : std::uint8_t {
  kOk = 0,
  kEmpty = 1,      // no characters
  kMalformed = 2,  // not a decimal number (garbage, "nan", "1.", ".5", "1e", trailing text)
  kOverflow = 3,   // more than 18-19 significant digits, or the exponent is out of int8 range
};

// Parses [+-]digits[.digits][(e|E)[+-]digits] exactly. No whitespace is skipped. Trailing zeros of
// the fraction ("121662.00000000") are dropped without counting against the digit budget, so
// Binance's zero-padded fields never overflow. On error `out` is left unchanged.
[[nodiscard]] DecimalError try_parse_decimal(std::string_view text, Decimal& out) noexcept;

// Rounding direction for to_fixed. Down and Up are toward -inf and +inf (floor and ceiling), the
// two directions the engine uses to round in the venue's favour.
enum class Rounding : std::uint8_t {
  kDown = 0,        // floor
  kUp = 1,          // ceiling
  kTowardZero = 2,  // truncate
  kNearest = 3,     // nearest, ties away from zero
};

enum class FixedStatus : std::uint8_t {
  kExact = 0,
  kInexact = 1,   // value rounded in the requested direction
  kOverflow = 2,  // does not fit in int64 at this scale; value is 0
};

struct FixedResult {
  std::int64_t value = 0;
  FixedStatus status = FixedStatus::kExact;
};

// Returns d * 10^scale as an integer, e.g. to_fixed({615, -1}, 2, ...) == 6150 (61.5 in cents).
// scale may be negative (e.g. -2 counts in hundreds).
[[nodiscard]] FixedResult to_fixed(Decimal d, int scale, Rounding rounding) noexcept;

// `d` as decimal text in `buffer`, without allocating: plain while short ("5000", "-0.05",
// "0.00000001"), else mantissa and power of ten ("1e30", "15e-20"); the view points into
// `buffer`. For messages.
using DecimalText = std::array<char, 48>;
[[nodiscard]] std::string_view format_decimal(Decimal d, DecimalText& buffer) noexcept;

// For display and statistics only: never feed the result back into margin or fund arithmetic.
[[nodiscard]] double to_double(Decimal d) noexcept;

// An integer amount of 10^exponent units as exact decimal text: (123456789, -6) -> "123.456789",
// (-5, -2) -> "-0.05", (7, 0) -> "7". Exponent > 0 prints the raw integer (the unit is the
// reader's).
[[nodiscard]] std::string format_fixed(std::int64_t raw, int exponent);

}  // namespace backstop::marketdata
