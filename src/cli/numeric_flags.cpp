#include "numeric_flags.hpp"

#include <fmt/format.h>

#include <charconv>
#include <string>

#include "marketdata/decimal.hpp"

namespace backstop::cli {
namespace {

// Whole-text integer parse: digits with an optional leading '-' (refused when `sign` is false);
// false on anything else, a '+' included, or on overflow.
template <class T>
bool parse_whole(const std::string& text, T& out, bool sign) {
  if (text.empty() || (!sign && text[0] == '-') || text[0] == '+') return false;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc{} && ptr == end;
}

}  // namespace

CLI::Validator decimal_in(double min, double max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        marketdata::Decimal d;
        // The decimal reader refuses nan, inf, hex and trailing text; the range test is exact at
        // the bounds the flags use (whole numbers and powers of ten).
        if (marketdata::try_parse_decimal(text, d) != marketdata::DecimalError::kOk) {
          return fmt::format("'{}' is not a decimal number", text);
        }
        const double v = marketdata::to_double(d);
        if (!(v >= min && v <= max)) {
          return fmt::format("{} is not in [{}, {}]", text, min, max);
        }
        return {};
      },
      fmt::format("NUMBER in [{}, {}]", min, max));
}

CLI::Validator integer_in(std::int64_t min, std::int64_t max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        std::int64_t v = 0;
        if (!parse_whole(text, v, true)) return fmt::format("'{}' is not an integer", text);
        if (v < min || v > max) return fmt::format("{} is not in [{}, {}]", text, min, max);
        return {};
      },
      fmt::format("INT in [{}, {}]", min, max));
}

CLI::Validator unsigned_up_to(std::uint64_t max) {
  return CLI::Validator(
      [max](std::string& text) -> std::string {
        std::uint64_t v = 0;
        std::int64_t negative = 0;
        if (parse_whole(text, negative, true) && negative < 0) {
          return fmt::format("{} is not in [0, {}]", text, max);
        }
        if (!parse_whole(text, v, false)) return fmt::format("'{}' is not an integer", text);
        if (v > max) return fmt::format("{} is not in [0, {}]", text, max);
        return {};
      },
      fmt::format("UINT in [0, {}]", max));
}

}  // namespace backstop::cli
