// Coverage tiers (docs/triggers.md, "Coverage tiers"): green while the coverage ratio
// (insurance fund + default fund available) / requirement is at or above the upper threshold,
// amber below it (the contribution rate — the share of trading and liquidation fees routed to the
// fund — rises to the amber rate), red below 1 (a replenishment call). Both boundaries have
// hysteresis. A liquidation cascade (count or notional of liquidations in a rolling window above a
// threshold, with hysteresis) raises the tier by one. Each change of the tier is a TierChange
// record with the numbers. Decisions only: the caller turns them into engine inputs. Owned by the
// sizing consumer's thread; each observation is amortized O(1), no allocation after construction.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "backstop/money.hpp"
#include "sizing/threshold_trigger.hpp"

namespace backstop::sizing {

enum class Tier : std::uint8_t { kGreen = 0, kAmber = 1, kRed = 2 };
enum class TierCause : std::uint8_t { kCoverage = 0, kCascade = 1 };

// Which configured threshold a change crossed.
enum class TierThreshold : std::uint8_t {
  kAmberEnter = 0,  // coverage fell below amber_enter_ppm
  kAmberLeave = 1,  // coverage rose to amber_leave_ppm
  kRedEnter = 2,
  kRedLeave = 3,
  kCascadeCountEnter = 4,  // liquidations in the window rose past cascade_count_enter
  kCascadeCountLeave = 5,
  kCascadeNotionalEnter = 6,
  kCascadeNotionalLeave = 7,
};

// Stable lower-case names for reports and JSON ("amber", "coverage", "red_enter", ...).
const char* tier_name(Tier tier) noexcept;
const char* cause_name(TierCause cause) noexcept;
const char* threshold_name(TierThreshold threshold) noexcept;

struct CoverageTierConfig {
  // Coverage ratio thresholds in ppm (1'000'000 = a ratio of 1).
  std::int64_t amber_enter_ppm = 1'250'000;  // amber below this; green at or above
  std::int64_t amber_leave_ppm = 1'300'000;  // back to green at or above this
  std::int64_t red_enter_ppm = 1'000'000;    // red below this
  std::int64_t red_leave_ppm = 1'050'000;    // out of red at or above this
  // The share of trading and liquidation fees routed to the fund, per tier, in ppm.
  std::int64_t green_contribution_ppm = 100'000;
  std::int64_t amber_contribution_ppm = 300'000;
  std::int64_t red_contribution_ppm = 500'000;
  // Entering red calls from members what lifts the coverage ratio to this (ppm).
  std::int64_t replenishment_target_ppm = 1'050'000;
  // Liquidation cascade: more than count_enter liquidations, or more than notional_enter of
  // notional, within the window raises the tier by one, until both are back at or below their
  // leave thresholds. int64 max disables a threshold.
  std::int64_t cascade_window_ns = 15LL * 60 * 1'000'000'000;
  std::int64_t cascade_count_enter = 1'000;
  std::int64_t cascade_count_leave = 500;
  std::int64_t cascade_notional_enter = std::numeric_limits<std::int64_t>::max();
  std::int64_t cascade_notional_leave = std::numeric_limits<std::int64_t>::max();
  std::uint32_t cascade_capacity = 4096;  // ring entries (a power of two)
};

TriggerConfigError validate(const CoverageTierConfig& config) noexcept;

struct TierChange {
  std::int64_t time_ns;
  Tier from;
  Tier to;
  TierCause cause;
  TierThreshold crossed;
  std::int64_t threshold;      // the crossed threshold's value: ppm, a count, or Money
  std::int64_t ratio_ppm;      // coverage ratio, rounded down; int64 max when nothing is required
  Money requirement;           // as last observed
  Money funds;                 // insurance fund + default fund available, as last observed
  std::int64_t cascade_count;  // liquidations in the window
  Money cascade_notional;      // their notional (saturated at int64 max)
  bool cascade_active;         // whether the cascade raises the tier
  std::int64_t contribution_ppm;  // the contribution rate from now on (the new tier's)
  // On entering red: what to call from members (requirement × target − funds, rounded up, at
  // least 0); zero otherwise.
  Money replenishment_call;
};

// The tier is the coverage tier (two hysteresis triggers on the exact ratio, red implying amber),
// raised by one, at most to red, while the cascade is active. The cascade window is (t − window, t]
// and moves with observe_liquidation and advance_time; observe_coverage does not move it, so one
// observation has one cause. Every input's time must not go back.
//
// Capacity: one ring entry per liquidation in the window. When the ring is full, a new liquidation
// merges into the newest entry, which takes the new time: the totals stay exact and the merged
// liquidations leave the window together, later than exact — the cascade is never understated.
class CoverageTiers {
 public:
  // Precondition: validate(config) == kNone.
  explicit CoverageTiers(CoverageTierConfig config);

  // A new coverage figure. Refuses negative funds or requirement.
  [[nodiscard]] TriggerOutcome<TierChange> observe_coverage(std::int64_t time_ns, Money funds,
                                                            Money requirement) noexcept;
  // A liquidation of `notional` (>= 0) at time_ns.
  [[nodiscard]] TriggerOutcome<TierChange> observe_liquidation(std::int64_t time_ns,
                                                               Money notional) noexcept;
  // Time passes with no liquidation: old ones leave the cascade window.
  [[nodiscard]] TriggerOutcome<TierChange> advance_time(std::int64_t time_ns) noexcept;

  Tier tier() const noexcept { return tier_; }
  Tier coverage_tier() const noexcept;
  bool cascade_active() const noexcept { return count_.active() || notional_.active(); }
  std::int64_t contribution_ppm() const noexcept;
  std::int64_t cascade_count() const noexcept { return window_count_; }
  Money cascade_notional() const noexcept { return Money{clamp_to_int64(window_notional_)}; }
  std::uint64_t merged_liquidations() const noexcept { return merged_liquidations_; }

 private:
  struct Liquidation {
    std::int64_t time_ns;
    std::int64_t count;
    Int128 notional;
  };

  bool accept_time(std::int64_t time_ns) noexcept;
  void expire(std::int64_t time_ns) noexcept;
  TriggerOutcome<TierChange> update_cascade(std::int64_t time_ns) noexcept;
  TriggerOutcome<TierChange> settle(std::int64_t time_ns, TierCause cause, TierThreshold crossed,
                                    std::int64_t threshold) noexcept;

  CoverageTierConfig config_;
  ThresholdTrigger<ExactRatio> amber_;
  ThresholdTrigger<ExactRatio> red_;
  ThresholdTrigger<std::int64_t> count_;
  ThresholdTrigger<Int128> notional_;
  std::vector<Liquidation> ring_;
  std::uint32_t mask_;
  std::uint32_t head_ = 0;
  std::uint32_t size_ = 0;
  std::int64_t window_count_ = 0;
  Int128 window_notional_ = 0;
  Money funds_{0};
  Money requirement_{0};
  Tier tier_ = Tier::kGreen;
  std::int64_t last_time_ns_ = std::numeric_limits<std::int64_t>::min();
  std::uint64_t merged_liquidations_ = 0;
};

}  // namespace backstop::sizing
