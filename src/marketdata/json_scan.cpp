#include "marketdata/json_scan.hpp"

namespace backstop::marketdata {
namespace {

constexpr bool is_ws(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}
constexpr bool is_hex(char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Nesting deeper than this inside a skipped value is refused: the messages we read nest two or
// three levels, and a bound keeps the bracket stack on the stack.
constexpr int kMaxDepth = 64;

}  // namespace

JsonStep JsonObjectScanner::fail(const char* why) noexcept {
  state_ = 4;
  error_ = why;
  return JsonStep::kError;
}

void JsonObjectScanner::skip_ws() noexcept {
  while (pos_ < text_.size() && is_ws(text_[pos_]))
    ++pos_;
}

bool JsonObjectScanner::scan_string(std::string_view& out, bool& escaped) noexcept {
  // pos_ is at the opening quote.
  const std::size_t start = ++pos_;
  escaped = false;
  const char* const data = text_.data();
  const std::size_t size = text_.size();
  for (;;) {
    // The common case, plain characters, in a tight loop; escapes and errors fall out of it.
    while (pos_ < size && data[pos_] != '"' && data[pos_] != '\\' &&
           static_cast<unsigned char>(data[pos_]) >= 0x20) {
      ++pos_;
    }
    if (pos_ >= size) break;
    const char c = data[pos_];
    if (c == '"') {
      out = text_.substr(start, pos_ - start);
      ++pos_;
      return true;
    }
    if (c != '\\') {
      error_ = "control character in string";
      return false;
    }
    escaped = true;
    if (pos_ + 1 >= size) break;
    const char e = data[pos_ + 1];
    if (e == 'u') {
      if (pos_ + 5 >= size || !is_hex(data[pos_ + 2]) || !is_hex(data[pos_ + 3]) ||
          !is_hex(data[pos_ + 4]) || !is_hex(data[pos_ + 5])) {
        error_ = "bad \\u escape";
        return false;
      }
      pos_ += 6;
      continue;
    }
    if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' &&
        e != 't') {
      error_ = "bad escape";
      return false;
    }
    pos_ += 2;
  }
  error_ = "unterminated string";
  return false;
}

bool JsonObjectScanner::scan_number(std::string_view& out) noexcept {
  // JSON grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  const std::size_t start = pos_;
  if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
  if (pos_ >= text_.size() || !is_digit(text_[pos_])) {
    error_ = "bad number";
    return false;
  }
  if (text_[pos_] == '0') {
    ++pos_;
  } else {
    while (pos_ < text_.size() && is_digit(text_[pos_]))
      ++pos_;
  }
  if (pos_ < text_.size() && text_[pos_] == '.') {
    ++pos_;
    if (pos_ >= text_.size() || !is_digit(text_[pos_])) {
      error_ = "bad number";
      return false;
    }
    while (pos_ < text_.size() && is_digit(text_[pos_]))
      ++pos_;
  }
  if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
    ++pos_;
    if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
    if (pos_ >= text_.size() || !is_digit(text_[pos_])) {
      error_ = "bad number";
      return false;
    }
    while (pos_ < text_.size() && is_digit(text_[pos_]))
      ++pos_;
  }
  out = text_.substr(start, pos_ - start);
  return true;
}

bool JsonObjectScanner::scan_composite(std::string_view& out) noexcept {
  // Brackets must match and strings be well formed; the scalars inside are not checked here
  // (a caller that reads a nested object scans it with its own, strict scanner).
  char stack[kMaxDepth];
  int depth = 0;
  const std::size_t start = pos_;
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (c == '"') {
      std::string_view ignored;
      bool escaped = false;
      if (!scan_string(ignored, escaped)) return false;
      continue;
    }
    if (c == '{' || c == '[') {
      if (depth == kMaxDepth) {
        error_ = "nesting too deep";
        return false;
      }
      stack[depth++] = c == '{' ? '}' : ']';
    } else if (c == '}' || c == ']') {
      if (depth == 0 || stack[depth - 1] != c) {
        error_ = "mismatched bracket";
        return false;
      }
      if (--depth == 0) {
        ++pos_;
        out = text_.substr(start, pos_ - start);
        return true;
      }
    }
    ++pos_;
  }
  error_ = "unterminated object or array";
  return false;
}

JsonStep JsonObjectScanner::next_key(std::string_view& key) noexcept {
  switch (state_) {
    case 0:
      skip_ws();
      if (pos_ >= text_.size() || text_[pos_] != '{') return fail("expected '{'");
      ++pos_;
      skip_ws();
      if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        state_ = 3;
        return JsonStep::kEnd;
      }
      break;
    case 2:
      skip_ws();
      if (pos_ >= text_.size()) return fail("unterminated object");
      if (text_[pos_] == '}') {
        ++pos_;
        state_ = 3;
        return JsonStep::kEnd;
      }
      if (text_[pos_] != ',') return fail("expected ',' or '}'");
      ++pos_;
      break;
    case 3:
      return JsonStep::kEnd;
    case 5:
      return fail("key read twice without its value");
    default:
      return JsonStep::kError;
  }
  skip_ws();
  if (pos_ >= text_.size() || text_[pos_] != '"') return fail("expected a key");
  bool escaped = false;
  if (!scan_string(key, escaped)) return fail(error_);
  skip_ws();
  if (pos_ >= text_.size() || text_[pos_] != ':') return fail("expected ':'");
  ++pos_;
  skip_ws();
  if (pos_ >= text_.size()) return fail("expected a value");
  state_ = 5;
  return JsonStep::kMember;
}

JsonStep JsonObjectScanner::value(JsonValue& value) noexcept {
  if (state_ != 5) return state_ == 4 ? JsonStep::kError : fail("value without a key");
  const char c = text_[pos_];
  bool ok = true;
  value.escaped = false;
  if (c == '"') {
    value.type = JsonType::kString;
    ok = scan_string(value.text, value.escaped);
  } else if (c == '{' || c == '[') {
    value.type = c == '{' ? JsonType::kObject : JsonType::kArray;
    ok = scan_composite(value.text);
  } else if (c == '-' || is_digit(c)) {
    value.type = JsonType::kNumber;
    ok = scan_number(value.text);
  } else {
    const std::string_view rest = text_.substr(pos_);
    if (rest.starts_with("true")) {
      value = JsonValue{JsonType::kTrue, rest.substr(0, 4), false};
    } else if (rest.starts_with("false")) {
      value = JsonValue{JsonType::kFalse, rest.substr(0, 5), false};
    } else if (rest.starts_with("null")) {
      value = JsonValue{JsonType::kNull, rest.substr(0, 4), false};
    } else {
      return fail("bad value");
    }
    pos_ += value.text.size();
  }
  if (!ok) return fail(error_);
  state_ = 2;
  return JsonStep::kMember;
}

std::string_view JsonObjectScanner::pending_value_text() const noexcept {
  return state_ == 5 ? text_.substr(pos_) : std::string_view{};
}

JsonStep JsonObjectScanner::skip_value(std::size_t length) noexcept {
  if (state_ != 5) return state_ == 4 ? JsonStep::kError : fail("value without a key");
  if (length == 0 || length > text_.size() - pos_) return fail("bad value length");
  pos_ += length;
  state_ = 2;
  return JsonStep::kMember;
}

JsonStep JsonObjectScanner::next(std::string_view& key, JsonValue& value) noexcept {
  const JsonStep step = next_key(key);
  if (step != JsonStep::kMember) return step;
  return this->value(value);
}

bool json_find(std::string_view text, std::string_view key, JsonValue& value) noexcept {
  JsonObjectScanner scanner(text);
  std::string_view k;
  JsonValue v;
  for (;;) {
    const JsonStep step = scanner.next(k, v);
    if (step != JsonStep::kMember) return false;
    if (k == key) {
      value = v;
      return true;
    }
  }
}

}  // namespace backstop::marketdata
