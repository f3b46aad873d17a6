#include "replay/text_fields.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string_view>

namespace backstop::replay {
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
}  // namespace backstop::replay
