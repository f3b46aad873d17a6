#include "report/html_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace backstop::report {

namespace {

std::uint64_t pow10(int n) {
  std::uint64_t v = 1;
  for (int i = 0; i < n; ++i)
    v *= 10;
  return v;
}

// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm), all integers.
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string group_thousands(std::uint64_t v) {
  std::string digits = fmt::format("{}", v);
  std::string out;
  const std::size_t n = digits.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string format_decimal(std::int64_t raw, int exponent, bool trim_zeros) {
  const bool negative = raw < 0;
  // |INT64_MIN| fits in uint64.
  const std::uint64_t abs = negative ? std::uint64_t{0} - static_cast<std::uint64_t>(raw)
                                     : static_cast<std::uint64_t>(raw);
  if (exponent >= 0) {
    std::string out = negative ? "-" : "";
    if (exponent <= 18 && abs <= std::numeric_limits<std::uint64_t>::max() / pow10(exponent)) {
      out += group_thousands(abs * pow10(exponent));
    } else {
      out += group_thousands(abs);  // too large to scale: zeros, ungrouped
      out.append(static_cast<std::size_t>(exponent), '0');
    }
    return out;
  }
  const int places = std::min(-exponent, 19);
  const std::uint64_t scale = pow10(places);
  std::string frac = fmt::format("{:0{}}", abs % scale, places);
  if (trim_zeros) {
    while (!frac.empty() && frac.back() == '0')
      frac.pop_back();
  }
  return fmt::format("{}{}{}{}", negative ? "-" : "", group_thousands(abs / scale),
                     frac.empty() ? "" : ".", frac);
}

std::string format_utc(std::int64_t ns, bool with_date) {
  const std::int64_t s = floor_div(ns, kNsPerSecond);
  const std::int64_t days = floor_div(s, 86400);
  const std::int64_t sod = s - days * 86400;
  const std::string clock = fmt::format("{:02}:{:02}:{:02}", sod / 3600, sod % 3600 / 60, sod % 60);
  if (!with_date) return clock;
  std::int64_t y = 0;
  unsigned m = 0;
  unsigned d = 0;
  civil_from_days(days, y, m, d);
  return fmt::format("{:04}-{:02}-{:02} {}", y, m, d, clock);
}

std::string duration_text(std::int64_t ns) {
  if (ns < 1'000'000) return fmt::format("{} µs", ns / 1000);
  if (ns < kNsPerSecond) return fmt::format("{} ms", ns / 1'000'000);
  const std::int64_t s = ns / kNsPerSecond;
  if (s < 120) return fmt::format("{} s", format_decimal(ns / 1'000'000, -3, true));
  if (s < 7200) return fmt::format("{} min {} s", s / 60, s % 60);
  return fmt::format("{} h {} min", s / 3600, s % 3600 / 60);
}

}  // namespace backstop::report
