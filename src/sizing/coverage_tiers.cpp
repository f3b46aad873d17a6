#include "sizing/coverage_tiers.hpp"

#include <algorithm>
#include <bit>

namespace backstop::sizing {
namespace {

ExactRatio coverage_ratio(Money funds, Money requirement) noexcept {
  // Nothing required is full coverage, whatever the funds.
  return requirement.raw() == 0 ? ExactRatio(1, 0) : ExactRatio(funds.raw(), requirement.raw());
}

}  // namespace

const char* tier_name(Tier tier) noexcept {
  switch (tier) {
    case Tier::kGreen:
      return "green";
    case Tier::kAmber:
      return "amber";
    case Tier::kRed:
      return "red";
  }
  return "unknown";
}

const char* cause_name(TierCause cause) noexcept {
  return cause == TierCause::kCoverage ? "coverage" : "cascade";
}

const char* threshold_name(TierThreshold threshold) noexcept {
  switch (threshold) {
    case TierThreshold::kAmberEnter:
      return "amber_enter";
    case TierThreshold::kAmberLeave:
      return "amber_leave";
    case TierThreshold::kRedEnter:
      return "red_enter";
    case TierThreshold::kRedLeave:
      return "red_leave";
    case TierThreshold::kCascadeCountEnter:
      return "cascade_count_enter";
    case TierThreshold::kCascadeCountLeave:
      return "cascade_count_leave";
    case TierThreshold::kCascadeNotionalEnter:
      return "cascade_notional_enter";
    case TierThreshold::kCascadeNotionalLeave:
      return "cascade_notional_leave";
  }
  return "unknown";
}

TriggerConfigError validate(const CoverageTierConfig& c) noexcept {
  for (const std::int64_t rate :
       {c.green_contribution_ppm, c.amber_contribution_ppm, c.red_contribution_ppm}) {
    if (rate < 0 || rate > kPpm) return TriggerConfigError::kThresholdOutOfRange;
  }
  for (const std::int64_t value :
       {c.amber_enter_ppm, c.amber_leave_ppm, c.red_enter_ppm, c.red_leave_ppm,
        c.replenishment_target_ppm, c.cascade_count_enter, c.cascade_count_leave,
        c.cascade_notional_enter, c.cascade_notional_leave}) {
    if (value < 0) return TriggerConfigError::kThresholdOutOfRange;
  }
  if (c.amber_leave_ppm < c.amber_enter_ppm || c.red_leave_ppm < c.red_enter_ppm ||
      c.cascade_count_leave > c.cascade_count_enter ||
      c.cascade_notional_leave > c.cascade_notional_enter) {
    return TriggerConfigError::kHysteresisOnWrongSide;
  }
  // Red must imply amber: whatever is below red's entry is below amber's, and whatever leaves
  // amber has left red.
  if (c.red_enter_ppm > c.amber_enter_ppm || c.red_leave_ppm > c.amber_leave_ppm) {
    return TriggerConfigError::kTiersOutOfOrder;
  }
  if (c.cascade_window_ns <= 0) return TriggerConfigError::kNonPositiveWindow;
  if (c.cascade_capacity == 0 || !std::has_single_bit(c.cascade_capacity)) {
    return TriggerConfigError::kCapacityNotPowerOfTwo;
  }
  return TriggerConfigError::kNone;
}

CoverageTiers::CoverageTiers(CoverageTierConfig config)
    : config_(config),
      amber_(TriggerSide::kBelow, ExactRatio::from_ppm(config.amber_enter_ppm),
             ExactRatio::from_ppm(config.amber_leave_ppm)),
      red_(TriggerSide::kBelow, ExactRatio::from_ppm(config.red_enter_ppm),
           ExactRatio::from_ppm(config.red_leave_ppm)),
      count_(TriggerSide::kAbove, config.cascade_count_enter, config.cascade_count_leave),
      notional_(TriggerSide::kAbove, Int128{config.cascade_notional_enter},
                Int128{config.cascade_notional_leave}),
      ring_(config.cascade_capacity),
      mask_(config.cascade_capacity - 1) {}

Tier CoverageTiers::coverage_tier() const noexcept {
  if (red_.active()) return Tier::kRed;
  return amber_.active() ? Tier::kAmber : Tier::kGreen;
}

std::int64_t CoverageTiers::contribution_ppm() const noexcept {
  switch (tier_) {
    case Tier::kGreen:
      return config_.green_contribution_ppm;
    case Tier::kAmber:
      return config_.amber_contribution_ppm;
    case Tier::kRed:
      return config_.red_contribution_ppm;
  }
  return config_.red_contribution_ppm;
}

bool CoverageTiers::accept_time(std::int64_t time_ns) noexcept {
  if (time_ns < last_time_ns_) return false;
  last_time_ns_ = time_ns;
  return true;
}

TriggerOutcome<TierChange> CoverageTiers::settle(std::int64_t time_ns, TierCause cause,
                                                 TierThreshold crossed,
                                                 std::int64_t threshold) noexcept {
  const int raised = static_cast<int>(coverage_tier()) + (cascade_active() ? 1 : 0);
  const Tier next = static_cast<Tier>(std::min(raised, static_cast<int>(Tier::kRed)));
  if (next == tier_) return {};
  const Tier from = tier_;
  tier_ = next;
  Money call{0};
  if (next == Tier::kRed) {
    // Rounded up: a charge to members, in the venue's favour.
    const Int128 target =
        div_round_up(Int128{requirement_.raw()} * config_.replenishment_target_ppm, kPpm);
    call = Money{clamp_to_int64(std::max<Int128>(0, target - funds_.raw()))};
  }
  return {ObserveStatus::kAccepted,
          TierChange{time_ns, from, next, cause, crossed, threshold,
                     coverage_ratio(funds_, requirement_).ppm_rounded_down(), requirement_, funds_,
                     window_count_, Money{clamp_to_int64(window_notional_)}, cascade_active(),
                     contribution_ppm(), call}};
}

TriggerOutcome<TierChange> CoverageTiers::observe_coverage(std::int64_t time_ns, Money funds,
                                                           Money requirement) noexcept {
  if (funds.raw() < 0 || requirement.raw() < 0) return {ObserveStatus::kInvalidInput, {}};
  if (!accept_time(time_ns)) return {ObserveStatus::kTimeWentBackwards, {}};
  funds_ = funds;
  requirement_ = requirement;
  const Tier before = coverage_tier();
  const ExactRatio ratio = coverage_ratio(funds, requirement);
  (void)amber_.observe(ratio);
  (void)red_.observe(ratio);
  const Tier after = coverage_tier();
  if (after == before) return {};
  // The threshold named is the one the coverage had to pass to reach its new tier.
  TierThreshold crossed = TierThreshold::kAmberLeave;
  if (after > before) {
    crossed = after == Tier::kRed ? TierThreshold::kRedEnter : TierThreshold::kAmberEnter;
  } else if (after == Tier::kAmber) {
    crossed = TierThreshold::kRedLeave;
  }
  std::int64_t threshold = config_.amber_leave_ppm;
  switch (crossed) {
    case TierThreshold::kRedEnter:
      threshold = config_.red_enter_ppm;
      break;
    case TierThreshold::kAmberEnter:
      threshold = config_.amber_enter_ppm;
      break;
    case TierThreshold::kRedLeave:
      threshold = config_.red_leave_ppm;
      break;
    default:
      break;
  }
  return settle(time_ns, TierCause::kCoverage, crossed, threshold);
}

void CoverageTiers::expire(std::int64_t time_ns) noexcept {
  const Int128 window_start = Int128{time_ns} - config_.cascade_window_ns;
  while (size_ > 0 && ring_[head_].time_ns <= window_start) {
    window_count_ -= ring_[head_].count;
    window_notional_ -= ring_[head_].notional;
    head_ = (head_ + 1) & mask_;
    --size_;
  }
}

TriggerOutcome<TierChange> CoverageTiers::update_cascade(std::int64_t time_ns) noexcept {
  const Crossing by_count = count_.observe(window_count_);
  const Crossing by_notional = notional_.observe(window_notional_);
  // Name the count's crossing when both crossed at once.
  if (by_count != Crossing::kNone) {
    const bool entered = by_count == Crossing::kEntered;
    return settle(time_ns, TierCause::kCascade,
                  entered ? TierThreshold::kCascadeCountEnter : TierThreshold::kCascadeCountLeave,
                  entered ? config_.cascade_count_enter : config_.cascade_count_leave);
  }
  if (by_notional != Crossing::kNone) {
    const bool entered = by_notional == Crossing::kEntered;
    return settle(
        time_ns, TierCause::kCascade,
        entered ? TierThreshold::kCascadeNotionalEnter : TierThreshold::kCascadeNotionalLeave,
        entered ? config_.cascade_notional_enter : config_.cascade_notional_leave);
  }
  return {};
}

TriggerOutcome<TierChange> CoverageTiers::observe_liquidation(std::int64_t time_ns,
                                                              Money notional) noexcept {
  if (notional.raw() < 0) return {ObserveStatus::kInvalidInput, {}};
  if (!accept_time(time_ns)) return {ObserveStatus::kTimeWentBackwards, {}};
  expire(time_ns);
  if (size_ == config_.cascade_capacity) {
    // Full: merge into the newest entry, which moves to this time (leaves the window later).
    Liquidation& newest = ring_[(head_ + size_ - 1) & mask_];
    newest.time_ns = time_ns;
    ++newest.count;
    newest.notional += notional.raw();
    ++merged_liquidations_;
  } else {
    ring_[(head_ + size_) & mask_] = Liquidation{time_ns, 1, notional.raw()};
    ++size_;
  }
  ++window_count_;
  window_notional_ += notional.raw();
  return update_cascade(time_ns);
}

TriggerOutcome<TierChange> CoverageTiers::advance_time(std::int64_t time_ns) noexcept {
  if (!accept_time(time_ns)) return {ObserveStatus::kTimeWentBackwards, {}};
  expire(time_ns);
  return update_cascade(time_ns);
}

}  // namespace backstop::sizing
