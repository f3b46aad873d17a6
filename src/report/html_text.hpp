// Text for the HTML report: markup escaped, integer amounts as exact grouped decimals, UTC times
// and durations. Pure functions; any thread. Cost: one pass over the characters or digits.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace backstop::report {

inline constexpr std::int64_t kNsPerSecond = 1'000'000'000;

// & < > " ' as entities.
[[nodiscard]] std::string html_escape(std::string_view text);
// An integer amount of 10^exponent units as an exact decimal, the integer part grouped by
// thousands with commas: (123456789, -6) -> "123.456789"; (-1234500, -3, trim) -> "-1,234.5".
[[nodiscard]] std::string format_decimal(std::int64_t raw, int exponent, bool trim_zeros = false);
// UTC "YYYY-MM-DD HH:MM:SS" (with_date false: "HH:MM:SS").
[[nodiscard]] std::string format_utc(std::int64_t ns, bool with_date = true);
// 1234567 -> "1,234,567".
[[nodiscard]] std::string group_thousands(std::uint64_t v);
// A duration in the largest unit that keeps it readable: "250 ms", "1.5 s", "3 min 20 s".
[[nodiscard]] std::string duration_text(std::int64_t ns);

// a / b rounded toward minus infinity (b != 0): times before 1970 and negative axis values.
[[nodiscard]] constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

}  // namespace backstop::report
