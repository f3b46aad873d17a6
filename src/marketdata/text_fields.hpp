// Small text helpers shared by the readers: CSV splitting into string_views, integers, epoch
// timestamps whose unit is told by their magnitude, UTC date-times, and the character and name
// tests of format detection. Pure functions; any thread. Cost: one pass over the characters, no
// allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace backstop::marketdata {

// Splits `line` at commas into at most `max_fields` views and returns the number of fields the
// line has (which may exceed max_fields: only the first max_fields are stored). No quoting: none
// of the formats read quote their fields.
std::size_t split_csv(std::string_view line, std::string_view* fields,
                      std::size_t max_fields) noexcept;

// Whole-field integer parse (no sign for the unsigned one, no spaces); false on anything else.
[[nodiscard]] bool parse_int64(std::string_view text, std::int64_t& out) noexcept;
[[nodiscard]] bool parse_uint64(std::string_view text, std::uint64_t& out) noexcept;

// An epoch timestamp in s, ms, µs or ns, told apart by magnitude (Binance moved some public-data
// files from ms to µs): below 1e11 seconds, below 1e14 ms, below 1e17 µs, else ns. The cut-offs
// leave every date from 1973 to 2261 unambiguous. Negative values, and times past 2262 (beyond
// int64 ns), are refused.
[[nodiscard]] bool parse_epoch_ns(std::string_view text, std::int64_t& out_ns) noexcept;
[[nodiscard]] bool try_epoch_to_ns(std::int64_t value, std::int64_t& out_ns) noexcept;

// "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DDTHH:MM:SS", optionally with up to 9 fraction digits and a
// trailing 'Z', always read as UTC. False when malformed or out of range (years 1970 to 2261).
[[nodiscard]] bool parse_utc_datetime(std::string_view text, std::int64_t& out_ns) noexcept;

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// Case-insensitive ASCII comparison for short tokens ("Buy", "sell", "TRUE").
[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept;

[[nodiscard]] inline bool starts_with_ci(std::string_view text, std::string_view prefix) noexcept {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}
[[nodiscard]] inline bool contains(std::string_view hay, std::string_view needle) noexcept {
  return hay.find(needle) != std::string_view::npos;
}
[[nodiscard]] constexpr bool is_ascii_alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
[[nodiscard]] constexpr bool is_ascii_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// Without leading and trailing spaces and tabs.
[[nodiscard]] inline std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// Without a UTF-8 byte-order mark in front.
[[nodiscard]] inline std::string_view strip_bom(std::string_view s) noexcept {
  if (s.starts_with("\xEF\xBB\xBF")) s.remove_prefix(3);
  return s;
}

// The file name of a path: what follows its last '/'.
[[nodiscard]] inline std::string_view base_name(std::string_view path) noexcept {
  const std::size_t slash = path.find_last_of('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// `text` as the inside of a JSON string: quote, backslash and control characters escaped.
[[nodiscard]] std::string json_escape(std::string_view text);

}  // namespace backstop::marketdata
