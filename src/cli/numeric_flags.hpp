// Strict validators for the CLI's numeric flags. CLI11 on its own reads "nan", "inf", "0x10" and
// "1e20" as doubles and lets "-1" wrap into an unsigned option; these validators accept only plain
// decimal text (digits, an optional sign, point and exponent: what try_parse_decimal reads) whose
// value lies in a closed range, and name the flag, the text and the range when it does not. Cold;
// the main thread.
#pragma once

#include <cstdint>

#include <CLI/CLI.hpp>

namespace backstop::cli {

// A decimal number in [min, max] ("5", "0.25", "1e-3"); never nan or inf.
CLI::Validator decimal_in(double min, double max);
// An integer in [min, max].
CLI::Validator integer_in(std::int64_t min, std::int64_t max);
// An unsigned integer in [0, max] (no sign).
CLI::Validator unsigned_up_to(std::uint64_t max);

}  // namespace backstop::cli
