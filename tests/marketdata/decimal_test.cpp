#include "marketdata/decimal.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

namespace backstop::marketdata {
namespace {

Decimal parse(std::string_view text) {
  Decimal d{-7, -7};
  EXPECT_EQ(try_parse_decimal(text, d), DecimalError::kOk) << text;
  return d;
}

DecimalError error_of(std::string_view text) {
  Decimal d{42, 1};
  const DecimalError e = try_parse_decimal(text, d);
  if (e != DecimalError::kOk) {
    EXPECT_EQ(d, (Decimal{42, 1})) << "output changed on error for " << text;
  }
  return e;
}

TEST(Decimal, ParsesPlainPrices) {
  EXPECT_EQ(parse("61634.5"), (Decimal{616345, -1}));
  EXPECT_EQ(parse("3375.69"), (Decimal{337569, -2}));
  EXPECT_EQ(parse("4"), (Decimal{4, 0}));
  EXPECT_EQ(parse("+4"), (Decimal{4, 0}));
}

TEST(Decimal, ParsesNegativeAndSmallValues) {
  EXPECT_EQ(parse("-0.00012"), (Decimal{-12, -5}));
  EXPECT_EQ(parse("-5"), (Decimal{-5, 0}));
  EXPECT_EQ(parse("0.0001"), (Decimal{1, -4}));
}

TEST(Decimal, CanonicalFormDropsTrailingZeros) {
  // Binance pads to 8 decimals; the value, not the spelling, is what is stored.
  EXPECT_EQ(parse("121662.00000000"), (Decimal{121662, 0}));
  EXPECT_EQ(parse("195.210000000"), (Decimal{19521, -2}));
  EXPECT_EQ(parse("100"), (Decimal{1, 2}));
  EXPECT_EQ(parse("100.5"), (Decimal{1005, -1}));
  EXPECT_EQ(parse("10.01"), (Decimal{1001, -2}));
  EXPECT_EQ(parse("0"), (Decimal{0, 0}));
  EXPECT_EQ(parse("-0.000"), (Decimal{0, 0}));
  EXPECT_EQ(parse("007.50"), (Decimal{75, -1}));
}

TEST(Decimal, ParsesExponentNotation) {
  EXPECT_EQ(parse("1e-05"), (Decimal{1, -5}));
  EXPECT_EQ(parse("1E-05"), (Decimal{1, -5}));
  EXPECT_EQ(parse("-2.5e-4"), (Decimal{-25, -5}));
  EXPECT_EQ(parse("1.5e+3"), (Decimal{15, 2}));
  EXPECT_EQ(parse("7e2"), (Decimal{7, 2}));
  EXPECT_EQ(parse("0e5"), (Decimal{0, 0}));
}

TEST(Decimal, ParsesManyDecimalsUpToInt64) {
  EXPECT_EQ(parse("118886.556783564"), (Decimal{118886556783564, -9}));
  EXPECT_EQ(parse("9223372036854775807"), (Decimal{std::numeric_limits<std::int64_t>::max(), 0}));
  EXPECT_EQ(parse("0.9223372036854775807"),
            (Decimal{std::numeric_limits<std::int64_t>::max(), -19}));
  // Trailing zeros beyond the budget cost nothing.
  EXPECT_EQ(parse("1.00000000000000000000000000"), (Decimal{1, 0}));
  EXPECT_EQ(parse("100000000000000000000000"), (Decimal{1, 23}));
}

TEST(Decimal, ReportsOverflow) {
  EXPECT_EQ(error_of("9223372036854775808"), DecimalError::kOverflow);
  EXPECT_EQ(error_of("0.12345678901234567890123"), DecimalError::kOverflow);
  EXPECT_EQ(error_of("-99999999999999999999"), DecimalError::kOverflow);
  EXPECT_EQ(error_of("1e200"), DecimalError::kOverflow);
  EXPECT_EQ(error_of("1e-200"), DecimalError::kOverflow);
  EXPECT_EQ(error_of("1e99999999999"), DecimalError::kOverflow);
}

TEST(Decimal, RejectsGarbage) {
  EXPECT_EQ(error_of(""), DecimalError::kEmpty);
  for (const char* bad : {"-", "+", ".", "1.", ".5", "1e", "1e+", "abc", "12a", "1.2.3", " 1", "1 ",
                          "nan", "inf", "--1", "1,5", "0x10", "1e5.5", "\"1\""}) {
    EXPECT_EQ(error_of(bad), DecimalError::kMalformed) << bad;
  }
}

TEST(Decimal, ToFixedIsExactWhenItFits) {
  EXPECT_EQ(to_fixed(parse("61634.5"), 2, Rounding::kDown).value, 6163450);
  EXPECT_EQ(to_fixed(parse("61634.5"), 2, Rounding::kDown).status, FixedStatus::kExact);
  EXPECT_EQ(to_fixed(parse("-0.00012"), 8, Rounding::kUp).value, -12000);
  EXPECT_EQ(to_fixed(parse("1500"), -2, Rounding::kNearest).value, 15);
  EXPECT_EQ(to_fixed(parse("0"), 30, Rounding::kUp).value, 0);
}

TEST(Decimal, ToFixedRoundsInTheNamedDirection) {
  struct Case {
    const char* text;
    Rounding rounding;
    std::int64_t expected;
  };
  const Case cases[] = {
      {"1.234", Rounding::kDown, 123},         {"1.234", Rounding::kUp, 124},
      {"1.234", Rounding::kTowardZero, 123},   {"1.234", Rounding::kNearest, 123},
      {"-1.234", Rounding::kDown, -124},       {"-1.234", Rounding::kUp, -123},
      {"-1.234", Rounding::kTowardZero, -123}, {"-1.234", Rounding::kNearest, -123},
      {"1.235", Rounding::kNearest, 124},      {"-1.235", Rounding::kNearest, -124},
      {"1.2349", Rounding::kNearest, 123},     {"0.001", Rounding::kUp, 1},
      {"-0.001", Rounding::kDown, -1},         {"0.001", Rounding::kDown, 0},
  };
  for (const Case& c : cases) {
    const FixedResult r = to_fixed(parse(c.text), 2, c.rounding);
    EXPECT_EQ(r.value, c.expected) << c.text << " rounding " << static_cast<int>(c.rounding);
    EXPECT_EQ(r.status, FixedStatus::kInexact) << c.text;
  }
}

TEST(Decimal, ToFixedHandlesHugeShifts) {
  // 0.9223372036854775807 at scale 0: quotient 0, remainder nearly the whole divisor.
  const Decimal d = parse("0.9223372036854775807");
  EXPECT_EQ(to_fixed(d, 0, Rounding::kNearest).value, 1);
  EXPECT_EQ(to_fixed(d, 0, Rounding::kDown).value, 0);
  EXPECT_EQ(to_fixed(d, 0, Rounding::kUp).value, 1);
  EXPECT_EQ(to_fixed(parse("1e-100"), 0, Rounding::kUp).value, 1);
  EXPECT_EQ(to_fixed(parse("1e-100"), 0, Rounding::kNearest).value, 0);
  EXPECT_EQ(to_fixed(parse("-1e-100"), 0, Rounding::kDown).value, -1);
}

TEST(Decimal, ToFixedReportsOverflow) {
  EXPECT_EQ(to_fixed(parse("1e19"), 0, Rounding::kDown).status, FixedStatus::kOverflow);
  EXPECT_EQ(to_fixed(parse("922337203.6854775807"), 11, Rounding::kDown).status,
            FixedStatus::kOverflow);
  EXPECT_EQ(to_fixed(parse("922337203.6854775807"), 10, Rounding::kDown).status,
            FixedStatus::kExact);
  EXPECT_EQ(to_fixed(parse("-922337203.6854775807"), 10, Rounding::kDown).value,
            -std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(to_fixed(parse("-922337203.6854775807"), 11, Rounding::kDown).status,
            FixedStatus::kOverflow);
  EXPECT_EQ(to_fixed(parse("1"), 40, Rounding::kDown).status, FixedStatus::kOverflow);
  EXPECT_EQ(to_fixed(parse("1"), 40, Rounding::kDown).value, 0);
}

TEST(Decimal, RoundTripsRandomFixedPointValues) {
  // Property: printing an integer at a scale and parsing it back gives the integer exactly.
  std::mt19937_64 rng(20251010);
  for (int i = 0; i < 20000; ++i) {
    const auto raw = static_cast<std::int64_t>(rng() >> (rng() % 60));
    const std::int64_t value = (rng() & 1) != 0 ? -raw : raw;
    const int scale = static_cast<int>(rng() % 12);
    // Built by appending only: GCC 12 warns falsely (-Wrestrict) on std::string::insert here.
    std::string digits = std::to_string(value < 0 ? -value : value);
    if (digits.size() <= static_cast<std::size_t>(scale)) {
      digits = std::string(scale + 1 - digits.size(), '0') + digits;
    }
    const std::size_t int_len = digits.size() - static_cast<std::size_t>(scale);
    std::string text = value < 0 ? "-" : "";
    text += digits.substr(0, int_len);
    if (scale > 0) {
      text += '.';
      text += digits.substr(int_len);
      text += std::string(rng() % 4, '0');  // padding must not change the value
    }
    const FixedResult r = to_fixed(parse(text), scale, Rounding::kDown);
    ASSERT_EQ(r.status, FixedStatus::kExact) << text;
    ASSERT_EQ(r.value, value) << text;
  }
}

TEST(Decimal, ToDoubleIsForDisplay) {
  EXPECT_DOUBLE_EQ(to_double(parse("61634.5")), 61634.5);
  EXPECT_DOUBLE_EQ(to_double(parse("-0.00012")), -0.00012);
  EXPECT_DOUBLE_EQ(to_double(parse("1e-05")), 1e-05);
  EXPECT_DOUBLE_EQ(to_double(parse("1.5e3")), 1500.0);
}

TEST(Decimal, FormatFixedPrintsTheExactAmount) {
  EXPECT_EQ(format_fixed(123456789, -6), "123.456789");
  EXPECT_EQ(format_fixed(-5, -2), "-0.05");
  EXPECT_EQ(format_fixed(0, -8), "0.00000000");
  EXPECT_EQ(format_fixed(7, 0), "7");
  EXPECT_EQ(format_fixed(7, 3), "7");  // a positive exponent leaves the unit to the reader
  // INT64_MIN has no int64 negation; the text is still exact.
  EXPECT_EQ(format_fixed(INT64_MIN, -8), "-92233720368.54775808");
  EXPECT_EQ(format_fixed(INT64_MAX, -8), "92233720368.54775807");
}

}  // namespace
}  // namespace backstop::marketdata
