// A strict, allocation-free scanner over the members of one flat JSON object, for the exchange
// messages the readers understand (Binance stream messages, CoinAPI candles). It hands back each
// member's key and raw value text; nested objects and arrays come back whole, to be scanned by
// another JsonObjectScanner or skipped. Owned by the calling thread; holds views into the caller's
// text, which must outlive it. Cost: one pass over the characters, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace backstop::marketdata {

enum class JsonType : std::uint8_t {
  kString = 0,
  kNumber = 1,
  kTrue = 2,
  kFalse = 3,
  kNull = 4,
  kObject = 5,
  kArray = 6,
};

struct JsonValue {
  JsonType type = JsonType::kNull;
  // kString: the characters between the quotes, escapes not decoded (see `escaped`). kNumber,
  // literals: the literal. kObject, kArray: the whole value including its brackets.
  std::string_view text;
  bool escaped = false;  // kString only: the text holds a backslash escape
};

enum class JsonStep : std::uint8_t {
  kMember = 0,  // key and value were set
  kEnd = 1,     // the closing '}' was reached
  kError = 2,   // malformed; error() says why, and every later call returns kError
};

class JsonObjectScanner {
 public:
  // `text` must hold an object, optionally preceded by whitespace. Text after the object is not
  // looked at; end_offset() tells where it ends so the caller can check the rest.
  explicit JsonObjectScanner(std::string_view text) noexcept : text_(text) {}

  [[nodiscard]] JsonStep next(std::string_view& key, JsonValue& value) noexcept;

  // next() in two halves, so that a nested object can be read in place by a child scanner
  // instead of being scanned twice: next_key() stops at the value; then either value() reads it,
  // or the caller reads pending_value_text() (the value and everything after it) itself and
  // calls skip_value() with the length it consumed (e.g. a child scanner's end_offset()).
  [[nodiscard]] JsonStep next_key(std::string_view& key) noexcept;
  [[nodiscard]] JsonStep value(JsonValue& value) noexcept;
  std::string_view pending_value_text() const noexcept;
  [[nodiscard]] JsonStep skip_value(std::size_t length) noexcept;

  // Offset just past the closing '}' (meaningful after next() returned kEnd).
  std::size_t end_offset() const noexcept { return pos_; }
  // Why the scan failed; a string literal, "" while no error.
  const char* error() const noexcept { return error_; }

 private:
  JsonStep fail(const char* why) noexcept;
  void skip_ws() noexcept;
  bool scan_string(std::string_view& out, bool& escaped) noexcept;
  bool scan_number(std::string_view& out) noexcept;
  bool scan_composite(std::string_view& out) noexcept;

  std::string_view text_;
  std::size_t pos_ = 0;
  // 0 before '{', 2 after a member, 3 done, 4 failed, 5 between a key and its value.
  std::uint8_t state_ = 0;
  const char* error_ = "";
};

// Scans `text` for the top-level member `key` and stores its value; false when absent or when
// the object is malformed. Convenience for tests and one-off lookups: O(members) per call.
[[nodiscard]] bool json_find(std::string_view text, std::string_view key,
                             JsonValue& value) noexcept;

}  // namespace backstop::marketdata
