#include "marketdata/text_fields.hpp"

#include <charconv>
#include <cstring>
#include <limits>

#include <fmt/format.h>

namespace backstop::marketdata {

std::size_t split_csv(std::string_view line, std::string_view* fields,
                      std::size_t max_fields) noexcept {
  std::size_t count = 0;
  const char* p = line.data();
  const char* const end = p + line.size();
  for (;;) {
    const void* comma = std::memchr(p, ',', static_cast<std::size_t>(end - p));
    const char* stop = comma != nullptr ? static_cast<const char*>(comma) : end;
    if (count < max_fields) fields[count] = std::string_view(p, static_cast<std::size_t>(stop - p));
    ++count;
    if (comma == nullptr) return count;
    p = stop + 1;
  }
}

namespace {

// Up to 19 decimal digits always fit in 64 unsigned bits (10^19 - 1 < 2^64), so the usual field
// (a time in ns, an id, a size) needs no overflow check per digit as std::from_chars makes. False
// when the text is empty, longer or holds anything but digits: the caller falls back to
// from_chars.
bool try_parse_short_digits(std::string_view text, std::uint64_t& out) noexcept {
  if (text.empty() || text.size() > 19) return false;
  std::uint64_t v = 0;
  for (const char c : text) {
    const auto d = static_cast<unsigned>(static_cast<unsigned char>(c) - '0');
    if (d > 9) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

}  // namespace

bool parse_int64(std::string_view text, std::int64_t& out) noexcept {
  std::uint64_t v = 0;
  if (try_parse_short_digits(text, v)) {
    if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return false;
    out = static_cast<std::int64_t>(v);
    return true;
  }
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc{} && ptr == end;
}

bool parse_uint64(std::string_view text, std::uint64_t& out) noexcept {
  if (try_parse_short_digits(text, out)) return true;
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc{} && ptr == end;
}

namespace {

// The factor that turns an epoch value into ns, by its magnitude (see parse_epoch_ns).
constexpr std::int64_t epoch_unit_ns(std::int64_t v) noexcept {
  if (v < 100'000'000'000LL) return 1'000'000'000LL;
  if (v < 100'000'000'000'000LL) return 1'000'000LL;
  if (v < 100'000'000'000'000'000LL) return 1'000LL;
  return 1;
}

}  // namespace

bool try_epoch_to_ns(std::int64_t v, std::int64_t& out_ns) noexcept {
  if (v < 0) return false;
  const std::int64_t unit = epoch_unit_ns(v);
  // Past year 2262 the time no longer fits int64 ns.
  if (v > std::numeric_limits<std::int64_t>::max() / unit) return false;
  out_ns = v * unit;
  return true;
}

bool parse_epoch_ns(std::string_view text, std::int64_t& out_ns) noexcept {
  std::int64_t v = 0;
  return parse_int64(text, v) && try_epoch_to_ns(v, out_ns);
}

namespace {

bool fixed_digits(std::string_view text, std::size_t pos, std::size_t n, unsigned& out) noexcept {
  if (pos + n > text.size()) return false;
  unsigned v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  out = v;
  return true;
}

}  // namespace

bool parse_utc_datetime(std::string_view text, std::int64_t& out_ns) noexcept {
  unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (text.size() < 19 || !fixed_digits(text, 0, 4, y) || text[4] != '-' ||
      !fixed_digits(text, 5, 2, mo) || text[7] != '-' || !fixed_digits(text, 8, 2, d) ||
      (text[10] != ' ' && text[10] != 'T') || !fixed_digits(text, 11, 2, h) || text[13] != ':' ||
      !fixed_digits(text, 14, 2, mi) || text[16] != ':' || !fixed_digits(text, 17, 2, s)) {
    return false;
  }
  static constexpr unsigned kDaysInMonth[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  // Years outside [1970, 2261] are refused: epoch times are never negative, and past 2261 the
  // time no longer fits int64 ns.
  if (y < 1970 || y > 2261 || mo < 1 || mo > 12 || d < 1 || d > kDaysInMonth[mo - 1] || h > 23 ||
      mi > 59 || s > 60) {
    return false;
  }
  std::size_t pos = 19;
  std::int64_t frac_ns = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::int64_t scale = 100'000'000;
    std::size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      // Digits beyond nanoseconds are dropped (truncated toward the earlier time).
      if (digits < 9) frac_ns += (text[pos] - '0') * scale;
      scale /= 10;
      ++digits;
      ++pos;
    }
    if (digits == 0) return false;
  }
  if (pos < text.size() && text[pos] == 'Z') ++pos;
  if (pos != text.size()) return false;
  const std::int64_t days = days_from_civil(y, mo, d);
  out_ns = ((days * 24 + h) * 60 + mi) * 60'000'000'000LL +
           static_cast<std::int64_t>(s) * 1'000'000'000LL + frac_ns;
  return true;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  return out;
}

}  // namespace backstop::marketdata
