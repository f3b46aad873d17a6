// The typed outcome of the option functions (pricing, money conversion, margin): a value, never an
// exception, so that the same functions can run on the hot path (docs/options.md). Header-only.
#pragma once

#include <cstdint>

namespace backstop {

// Stable numbers: a caller may put them into output events. 0 is success.
enum class OptionStatus : std::uint8_t {
  kOk = 0,
  kForwardNotPositive = 1,     // F <= 0 (or an underlying price <= 0)
  kStrikeNotPositive = 2,      // K <= 0
  kVolatilityNegative = 3,     // sigma < 0
  kTimeNegative = 4,           // T < 0 (a price asked for after expiry)
  kNotFinite = 5,              // a NaN or infinite input, or a model value that is not finite
  kOutOfRange = 6,             // a money value that does not fit the integer types
  kMultiplierNotPositive = 7,  // a contract multiplier or scale <= 0
  kScratchTooSmall = 8,        // the caller's scenario buffer is smaller than the grid
  kInvalidConfig = 9,          // a margin configuration that validate_*() refuses
};

inline constexpr const char* to_string(OptionStatus s) noexcept {
  switch (s) {
    case OptionStatus::kOk:
      return "ok";
    case OptionStatus::kForwardNotPositive:
      return "forward or underlying price not positive";
    case OptionStatus::kStrikeNotPositive:
      return "strike not positive";
    case OptionStatus::kVolatilityNegative:
      return "volatility negative";
    case OptionStatus::kTimeNegative:
      return "time to expiry negative";
    case OptionStatus::kNotFinite:
      return "not a finite number";
    case OptionStatus::kOutOfRange:
      return "money value out of range";
    case OptionStatus::kMultiplierNotPositive:
      return "multiplier or scale not positive";
    case OptionStatus::kScratchTooSmall:
      return "scenario buffer smaller than the grid";
    case OptionStatus::kInvalidConfig:
      return "invalid margin configuration";
  }
  return "unknown";
}

}  // namespace backstop
