// The liquidation horizon of a position (docs/sizing.md, "Liquidation horizon"): the time the
// venue needs to close it, h = max(MPOR, |position| / (participation x ADV)), capped at a
// configured maximum. A position too large for the market's volume gets a longer horizon, so its
// VaR grows faster than linearly in its size (the liquidity adjustment). Pure functions (cold).
#pragma once

#include <cstdint>

namespace backstop::sizing {

inline constexpr std::int64_t kNsPerDay = 86'400'000'000'000;

struct LiquidationHorizonConfig {
  std::int64_t mpor_ns = 2 * kNsPerDay;  // the venue's margin period of risk
  double participation = 0.10;           // share of the average daily volume the venue may trade
  // The longest horizon: the figure for a position the market cannot absorb (no volume at all).
  std::int64_t max_horizon_ns = 30 * kNsPerDay;
};

enum class HorizonConfigError : std::uint8_t {
  kNone = 0,
  kNonPositiveMpor = 1,
  kParticipationOutOfRange = 2,  // must be in (0, 1]
  kMaxBelowMpor = 3,
};

[[nodiscard]] HorizonConfigError validate(const LiquidationHorizonConfig& config) noexcept;

// h in ns for a position of |position| units against an average daily volume in the same units
// per day, rounded up to a whole ns: max(mpor, |position| / (participation * adv) days), at most
// max_horizon_ns. No position means the MPOR; a position with zero (or negative, NaN) ADV cannot
// be liquidated at any participation, so it gets max_horizon_ns. Precondition: validate() passed.
std::int64_t liquidation_horizon_ns(const LiquidationHorizonConfig& config, double position,
                                    double adv_per_day) noexcept;

// The horizon in return intervals, rounded up (a partial interval counts whole: the longer
// horizon is the venue's side), at least 1. Precondition: interval_ns > 0, horizon_ns >= 0.
std::int64_t horizon_intervals(std::int64_t horizon_ns, std::int64_t interval_ns) noexcept;

}  // namespace backstop::sizing
