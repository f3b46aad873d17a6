#include "sizing/price_deviation.hpp"

namespace backstop::sizing {
namespace {

ExactRatio deviation(Price mark, Price reference) noexcept {
  const std::int64_t gap =
      mark.raw() > reference.raw() ? mark.raw() - reference.raw() : reference.raw() - mark.raw();
  return ExactRatio(gap, reference.raw());
}

}  // namespace

const char* event_name(DeviationEvent event) noexcept {
  switch (event) {
    case DeviationEvent::kStarted:
      return "started";
    case DeviationEvent::kReleasedInsideBand:
      return "released_inside_band";
    case DeviationEvent::kReleasedAtTimeBound:
      return "released_at_time_bound";
  }
  return "unknown";
}

const char* action_name(DeviationAction action) noexcept {
  return action == DeviationAction::kHoldLiquidations ? "hold_liquidations" : "takeover_only";
}

TriggerConfigError validate(const PriceDeviationConfig& config) noexcept {
  if (config.leave_ppm < 0) return TriggerConfigError::kThresholdOutOfRange;
  if (config.leave_ppm > config.enter_ppm) return TriggerConfigError::kHysteresisOnWrongSide;
  if (config.max_hold_ns <= 0) return TriggerConfigError::kNonPositiveWindow;
  return TriggerConfigError::kNone;
}

PriceDeviationGuard::PriceDeviationGuard(std::uint16_t instrument,
                                         PriceDeviationConfig config) noexcept
    : instrument_(instrument),
      config_(config),
      trigger_(TriggerSide::kAbove, ExactRatio::from_ppm(config.enter_ppm),
               ExactRatio::from_ppm(config.leave_ppm)) {}

bool PriceDeviationGuard::accept_time(std::int64_t time_ns) noexcept {
  if (time_ns < last_time_ns_) return false;
  last_time_ns_ = time_ns;
  return true;
}

bool PriceDeviationGuard::bound_ran_out(std::int64_t time_ns) const noexcept {
  return holding_ && Int128{time_ns} - started_ns_ >= config_.max_hold_ns;
}

PriceDeviationChange PriceDeviationGuard::record(std::int64_t time_ns, DeviationEvent event,
                                                 std::int64_t threshold_ppm) const noexcept {
  return {time_ns,           instrument_, event,      config_.action,
          config_.reference, mark_,       reference_, deviation(mark_, reference_).ppm_rounded_up(),
          threshold_ppm,     started_ns_};
}

TriggerOutcome<PriceDeviationChange> PriceDeviationGuard::observe(std::int64_t time_ns, Price mark,
                                                                  Price reference) noexcept {
  if (mark.raw() <= 0 || reference.raw() <= 0) return {ObserveStatus::kInvalidInput, {}};
  if (!accept_time(time_ns)) return {ObserveStatus::kTimeWentBackwards, {}};
  mark_ = mark;
  reference_ = reference;
  const Crossing crossing = trigger_.observe(deviation(mark, reference));
  // The price is the better reason: back inside the band at the bound is a release inside it.
  if (crossing == Crossing::kLeft && holding_) {
    holding_ = false;
    return {ObserveStatus::kAccepted,
            record(time_ns, DeviationEvent::kReleasedInsideBand, config_.leave_ppm)};
  }
  if (bound_ran_out(time_ns)) {
    holding_ = false;
    return {ObserveStatus::kAccepted, record(time_ns, DeviationEvent::kReleasedAtTimeBound, 0)};
  }
  if (crossing == Crossing::kEntered) {
    holding_ = true;
    started_ns_ = time_ns;
    return {ObserveStatus::kAccepted, record(time_ns, DeviationEvent::kStarted, config_.enter_ppm)};
  }
  return {};
}

TriggerOutcome<PriceDeviationChange> PriceDeviationGuard::advance_time(
    std::int64_t time_ns) noexcept {
  if (!accept_time(time_ns)) return {ObserveStatus::kTimeWentBackwards, {}};
  if (!bound_ran_out(time_ns)) return {};
  holding_ = false;
  return {ObserveStatus::kAccepted, record(time_ns, DeviationEvent::kReleasedAtTimeBound, 0)};
}

}  // namespace backstop::sizing
