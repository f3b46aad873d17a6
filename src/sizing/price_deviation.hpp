// The price-deviation guard (docs/triggers.md, "Price deviation"): when an instrument's mark moves
// further than a band from its reference (the index, or the last trade price), liquidations of that
// instrument are held (or routed to takeover only, as configured) for at most a bounded time; they
// are released when the mark comes back inside the (narrower) leave band, or when the time bound
// runs out, whichever is first. Each start and release is a PriceDeviationChange record. Owned by
// the sizing consumer's thread; O(1) per observation, no allocation.
#pragma once

#include <cstdint>
#include <limits>

#include "backstop/money.hpp"
#include "sizing/threshold_trigger.hpp"

namespace backstop::sizing {

enum class DeviationReference : std::uint8_t { kIndex = 0, kLastTrade = 1 };

enum class DeviationAction : std::uint8_t {
  kHoldLiquidations = 0,  // liquidations of the instrument wait
  kTakeoverOnly = 1,      // liquidations go to the backstop's takeover only, not to the book
};

enum class DeviationEvent : std::uint8_t {
  kStarted = 0,
  kReleasedInsideBand = 1,   // the mark came back within leave_ppm of the reference
  kReleasedAtTimeBound = 2,  // max_hold_ns ran out with the mark still outside
};

// Stable lower-case names for reports and JSON ("started", "takeover_only", ...).
const char* event_name(DeviationEvent event) noexcept;
const char* action_name(DeviationAction action) noexcept;

struct PriceDeviationConfig {
  std::int64_t enter_ppm = 50'000;  // start when |mark − reference| / reference is more than this
  std::int64_t leave_ppm = 20'000;  // release when it is at or below this
  std::int64_t max_hold_ns = 5LL * 60 * 1'000'000'000;
  DeviationReference reference = DeviationReference::kIndex;
  DeviationAction action = DeviationAction::kHoldLiquidations;
};

TriggerConfigError validate(const PriceDeviationConfig& config) noexcept;

struct PriceDeviationChange {
  std::int64_t time_ns;
  std::uint16_t instrument;
  DeviationEvent event;
  DeviationAction action;
  DeviationReference reference;
  Price mark;                  // as last observed
  Price reference_price;       // as last observed
  std::int64_t deviation_ppm;  // |mark − reference| / reference, rounded up
  std::int64_t threshold_ppm;  // enter_ppm, leave_ppm, or 0 for a release at the time bound
  std::int64_t started_ns;     // when the hold started
};

// After a release at the time bound the guard re-arms only once the mark has come back within the
// leave band: a mark that stays outside does not hold liquidations again and again.
class PriceDeviationGuard {
 public:
  // Precondition: validate(config) == kNone.
  PriceDeviationGuard(std::uint16_t instrument, PriceDeviationConfig config) noexcept;

  // Observes the mark and the reference at time_ns. Refuses a non-positive price and a time
  // earlier than the last accepted one.
  [[nodiscard]] TriggerOutcome<PriceDeviationChange> observe(std::int64_t time_ns, Price mark,
                                                             Price reference) noexcept;
  // Time passes without a price: a hold past its bound is released.
  [[nodiscard]] TriggerOutcome<PriceDeviationChange> advance_time(std::int64_t time_ns) noexcept;

  bool holding() const noexcept { return holding_; }
  DeviationAction action() const noexcept { return config_.action; }

 private:
  bool accept_time(std::int64_t time_ns) noexcept;
  bool bound_ran_out(std::int64_t time_ns) const noexcept;
  PriceDeviationChange record(std::int64_t time_ns, DeviationEvent event,
                              std::int64_t threshold_ppm) const noexcept;

  std::uint16_t instrument_;
  PriceDeviationConfig config_;
  ThresholdTrigger<ExactRatio> trigger_;
  Price mark_{0};
  Price reference_{0};
  bool holding_ = false;
  std::int64_t started_ns_ = 0;
  std::int64_t last_time_ns_ = std::numeric_limits<std::int64_t>::min();
};

}  // namespace backstop::sizing
