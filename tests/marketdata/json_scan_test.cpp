#include "marketdata/json_scan.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace backstop::marketdata {
namespace {

struct Member {
  std::string key;
  JsonType type;
  std::string text;
};

// Scans the whole object; returns the members, or an empty list and the error on failure.
std::vector<Member> scan_all(std::string_view text, std::string* error = nullptr) {
  JsonObjectScanner s(text);
  std::vector<Member> out;
  std::string_view key;
  JsonValue value;
  for (;;) {
    const JsonStep step = s.next(key, value);
    if (step == JsonStep::kEnd) return out;
    if (step == JsonStep::kError) {
      if (error != nullptr) *error = s.error();
      return {};
    }
    out.push_back({std::string(key), value.type, std::string(value.text)});
  }
}

bool fails(std::string_view text) {
  std::string error;
  JsonObjectScanner s(text);
  std::string_view key;
  JsonValue value;
  for (;;) {
    const JsonStep step = s.next(key, value);
    if (step == JsonStep::kError) return std::string(s.error()).size() > 0;
    if (step == JsonStep::kEnd) return false;
  }
}

TEST(JsonScan, ReadsATradeMessage) {
  const auto m =
      scan_all(R"({"e":"trade","E":1723161256322,"T":1723161256322,"s":"BTCUSDT","t":5266583935,)"
               R"("p":"61800.30","q":"0.006","X":"MARKET","m":false})");
  ASSERT_EQ(m.size(), 9u);
  EXPECT_EQ(m[0].key, "e");
  EXPECT_EQ(m[0].type, JsonType::kString);
  EXPECT_EQ(m[0].text, "trade");
  EXPECT_EQ(m[1].type, JsonType::kNumber);
  EXPECT_EQ(m[1].text, "1723161256322");
  EXPECT_EQ(m[5].text, "61800.30");
  EXPECT_EQ(m[8].type, JsonType::kFalse);
}

TEST(JsonScan, ReturnsNestedValuesWhole) {
  const auto m =
      scan_all(R"( { "stream" : "x@depth", "data" : {"b":[["1","2"],["3","4"]],"s":"}"} } )");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[1].type, JsonType::kObject);
  EXPECT_EQ(m[1].text, R"({"b":[["1","2"],["3","4"]],"s":"}"})");
}

TEST(JsonScan, HandlesEmptyObjectLiteralsAndEscapes) {
  EXPECT_TRUE(scan_all("{}").empty());
  const auto m = scan_all(R"({"a":null,"b":true,"c":-1.5e-3,"d":"q\"uo\u00e9te","e":[]})");
  ASSERT_EQ(m.size(), 5u);
  EXPECT_EQ(m[0].type, JsonType::kNull);
  EXPECT_EQ(m[1].type, JsonType::kTrue);
  EXPECT_EQ(m[2].text, "-1.5e-3");
  EXPECT_EQ(m[3].text, R"(q\"uo\u00e9te)");
  EXPECT_EQ(m[4].type, JsonType::kArray);
  JsonValue v;
  ASSERT_TRUE(json_find(R"({"a":1,"d":"x\ty"})", "d", v));
  EXPECT_TRUE(v.escaped);
  EXPECT_FALSE(json_find(R"({"a":1})", "d", v));
}

TEST(JsonScan, RejectsMalformedObjects) {
  for (const char* bad : {"", "[1]", "{", R"({"a")", R"({"a":})", R"({"a":1,})", R"({"a":1 "b":2})",
                          R"({a:1})", R"({"a":01})", R"({"a":1.})", R"({"a":-})", R"({"a":tru})",
                          R"({"a":"x)", R"({"a":[1,2})", R"({"a":{"b":1]})", R"({"a":"\x"})",
                          "{\"a\":\"\x01\"}", R"({"a":1}x)" /* text after is the caller's */}) {
    if (std::string_view(bad) == R"({"a":1}x)") {
      EXPECT_FALSE(fails(bad));
      continue;
    }
    EXPECT_TRUE(fails(bad)) << bad;
  }
}

TEST(JsonScan, ReportsWhereTheObjectEnds) {
  JsonObjectScanner s(R"({"a":1}  tail)");
  std::string_view key;
  JsonValue value;
  ASSERT_EQ(s.next(key, value), JsonStep::kMember);
  ASSERT_EQ(s.next(key, value), JsonStep::kEnd);
  EXPECT_EQ(s.end_offset(), 7u);
  EXPECT_EQ(s.next(key, value), JsonStep::kEnd);
}

TEST(JsonScan, ReadsANestedObjectInPlaceWithAChildScanner) {
  const std::string_view text = R"({"stream":"s","data":{"e":"trade","p":"1.5"},"tail":true})";
  JsonObjectScanner top(text);
  std::string_view key;
  JsonValue value;
  ASSERT_EQ(top.next_key(key), JsonStep::kMember);
  EXPECT_EQ(key, "stream");
  ASSERT_EQ(top.value(value), JsonStep::kMember);
  ASSERT_EQ(top.next_key(key), JsonStep::kMember);
  EXPECT_EQ(key, "data");
  JsonObjectScanner child(top.pending_value_text());
  ASSERT_EQ(child.next(key, value), JsonStep::kMember);
  ASSERT_EQ(child.next(key, value), JsonStep::kMember);
  EXPECT_EQ(value.text, "1.5");
  ASSERT_EQ(child.next(key, value), JsonStep::kEnd);
  ASSERT_EQ(top.skip_value(child.end_offset()), JsonStep::kMember);
  ASSERT_EQ(top.next(key, value), JsonStep::kMember);
  EXPECT_EQ(key, "tail");
  EXPECT_EQ(value.type, JsonType::kTrue);
  EXPECT_EQ(top.next(key, value), JsonStep::kEnd);
  EXPECT_EQ(top.end_offset(), text.size());
}

TEST(JsonScan, RejectsMisusedTwoStepCalls) {
  JsonObjectScanner a(R"({"a":1})");
  JsonValue value;
  EXPECT_EQ(a.value(value), JsonStep::kError);  // no key read yet
  JsonObjectScanner b(R"({"a":1})");
  std::string_view key;
  ASSERT_EQ(b.next_key(key), JsonStep::kMember);
  EXPECT_EQ(b.skip_value(100), JsonStep::kError);  // longer than the text
}

}  // namespace
}  // namespace backstop::marketdata
