#include "marketdata/text_fields.hpp"

#include <gtest/gtest.h>

#include <charconv>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace backstop::marketdata {
namespace {

TEST(TextFields, SplitsCsvIntoViews) {
  std::string_view f[4];
  EXPECT_EQ(split_csv("a,b,,d", f, 4), 4u);
  EXPECT_EQ(f[0], "a");
  EXPECT_EQ(f[2], "");
  EXPECT_EQ(f[3], "d");
  EXPECT_EQ(split_csv("", f, 4), 1u);
  EXPECT_EQ(f[0], "");
  EXPECT_EQ(split_csv("1,2,3,4,5,6", f, 4), 6u);  // counted beyond the stored four
  EXPECT_EQ(f[3], "4");
}

TEST(TextFields, TellsEpochUnitsByMagnitude) {
  std::int64_t ns = 0;
  ASSERT_TRUE(parse_epoch_ns("1760054400", ns));
  EXPECT_EQ(ns, 1760054400000000000);
  ASSERT_TRUE(parse_epoch_ns("1760054400000", ns));
  EXPECT_EQ(ns, 1760054400000000000);
  ASSERT_TRUE(parse_epoch_ns("1760054400000000", ns));
  EXPECT_EQ(ns, 1760054400000000000);
  ASSERT_TRUE(parse_epoch_ns("1760054400000000123", ns));
  EXPECT_EQ(ns, 1760054400000000123);
  EXPECT_FALSE(parse_epoch_ns("-5", ns));
  EXPECT_FALSE(parse_epoch_ns("17600544x", ns));
  EXPECT_FALSE(parse_epoch_ns("", ns));
}

TEST(TextFields, ParsesUtcDateTimes) {
  std::int64_t ns = 0;
  ASSERT_TRUE(parse_utc_datetime("2025-10-10 21:20:00", ns));
  EXPECT_EQ(ns, 1760131200000000000);
  ASSERT_TRUE(parse_utc_datetime("2020-03-12T00:04:55.9304460Z", ns));
  EXPECT_EQ(ns, 1583971495930446000);
  ASSERT_TRUE(parse_utc_datetime("1970-01-01T00:00:00Z", ns));
  EXPECT_EQ(ns, 0);
  ASSERT_TRUE(parse_utc_datetime("2024-02-29 23:59:59.123456789123", ns));
  EXPECT_EQ(ns % 1000000000, 123456789);
  EXPECT_FALSE(parse_utc_datetime("2025-13-01 00:00:00", ns));
  EXPECT_FALSE(parse_utc_datetime("2025-10-10", ns));
  EXPECT_FALSE(parse_utc_datetime("2025-10-10 21:20:00.", ns));
  EXPECT_FALSE(parse_utc_datetime("2025-10-10 21:20:00+01", ns));
  EXPECT_FALSE(parse_utc_datetime(" 2025-10-10 21:20:00", ns));
}

TEST(TextFields, JsonEscapeQuotesBackslashesAndControls) {
  EXPECT_EQ(json_escape("plain/path.csv"), "plain/path.csv");
  EXPECT_EQ(json_escape("a\"b\\c"), "a\\\"b\\\\c");
  EXPECT_EQ(json_escape("line\nnext\tx"), "line\\nnext\\tx");
  EXPECT_EQ(json_escape(std::string_view("\x01", 1)), "\\u0001");
}

}  // namespace
}  // namespace backstop::marketdata

namespace backstop::marketdata {
namespace {

// parse_int64 / parse_uint64 take a short path for plain digit strings; they must accept and
// reject exactly what std::from_chars over the whole text does, at every length and boundary.
TEST(TextFields, IntegerParsingMatchesFromCharsOnRandomAndBoundaryText) {
  auto reference_i64 = [](std::string_view t, std::int64_t& v) {
    if (t.empty()) return false;
    const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    return ec == std::errc{} && p == t.data() + t.size();
  };
  auto reference_u64 = [](std::string_view t, std::uint64_t& v) {
    if (t.empty()) return false;
    const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    return ec == std::errc{} && p == t.data() + t.size();
  };
  std::vector<std::string> cases = {"",
                                    "0",
                                    "-0",
                                    "+1",
                                    "00000000000000000007",
                                    "9223372036854775807",
                                    "9223372036854775808",
                                    "-9223372036854775808",
                                    "-9223372036854775809",
                                    "9999999999999999999",
                                    "18446744073709551615",
                                    "18446744073709551616",
                                    "1723161255030314667",
                                    "12a",
                                    " 12",
                                    "12 ",
                                    "1.5"};
  std::mt19937_64 rng(64);
  const std::string alphabet = "0123456789-+ .a";
  for (int i = 0; i < 200000; ++i) {
    std::string s;
    const std::size_t len = rng() % 22;
    const bool digits_only = rng() % 2 == 0;
    for (std::size_t k = 0; k < len; ++k)
      s += digits_only ? static_cast<char>('0' + rng() % 10) : alphabet[rng() % alphabet.size()];
    cases.push_back(s);
  }
  for (const std::string& s : cases) {
    std::int64_t a = 7, b = 7;
    const bool ok_a = parse_int64(s, a);
    ASSERT_EQ(ok_a, reference_i64(s, b)) << "'" << s << "'";
    if (ok_a) {
      ASSERT_EQ(a, b) << "'" << s << "'";
    }
    std::uint64_t c = 7, d = 7;
    const bool ok_c = parse_uint64(s, c);
    ASSERT_EQ(ok_c, reference_u64(s, d)) << "'" << s << "'";
    if (ok_c) {
      ASSERT_EQ(c, d) << "'" << s << "'";
    }
  }
}

}  // namespace
}  // namespace backstop::marketdata
