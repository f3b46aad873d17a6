#include "sizing/fund_drawdown.hpp"

#include <bit>

namespace backstop::sizing {

TriggerConfigError validate(const FundDrawdownConfig& config) noexcept {
  if (config.window_ns <= 0) return TriggerConfigError::kNonPositiveWindow;
  if (config.capacity < 2 || !std::has_single_bit(config.capacity)) {
    return TriggerConfigError::kCapacityNotPowerOfTwo;
  }
  if (config.leave_ppm < 0 || config.enter_ppm > kPpm) {
    return TriggerConfigError::kThresholdOutOfRange;
  }
  if (config.leave_ppm > config.enter_ppm) return TriggerConfigError::kHysteresisOnWrongSide;
  return TriggerConfigError::kNone;
}

FundDrawdownTrigger::FundDrawdownTrigger(std::uint32_t scope, FundDrawdownConfig config)
    : scope_(scope),
      config_(config),
      trigger_(TriggerSide::kAbove, ExactRatio::from_ppm(config.enter_ppm),
               ExactRatio::from_ppm(config.leave_ppm)),
      ring_(config.capacity),
      mask_(config.capacity - 1) {}

Money FundDrawdownTrigger::window_max() const noexcept {
  return Money{size_ == 0 ? 0 : at(0).level};
}

void FundDrawdownTrigger::push(std::int64_t time_ns, std::int64_t level) noexcept {
  if (size_ > 0) at(size_ - 1).end_ns = time_ns;  // the previous level held until now
  // A level at or below the new one can never again be a window maximum: the new one outlasts it.
  while (size_ > 0 && at(size_ - 1).level <= level)
    --size_;
  if (size_ == config_.capacity) {
    // Full: the two oldest merge, keeping the older (higher) level until the younger one's end.
    at(1).level = at(0).level;
    head_ = (head_ + 1) & mask_;
    --size_;
    ++merged_entries_;
  }
  at(size_) = Entry{level, std::numeric_limits<std::int64_t>::max()};
  ++size_;
}

void FundDrawdownTrigger::expire(std::int64_t time_ns) noexcept {
  // A level whose time in force ended at or before t − window lies wholly outside (t − window, t].
  // 128 bits: end_ns is int64 max for the current level.
  const Int128 window_start = Int128{time_ns} - config_.window_ns;
  while (size_ > 1 && Int128{at(0).end_ns} <= window_start) {
    head_ = (head_ + 1) & mask_;
    --size_;
  }
}

TriggerOutcome<FundDrawdownChange> FundDrawdownTrigger::observe(std::int64_t time_ns,
                                                                Money level) noexcept {
  if (level.raw() < 0) return {ObserveStatus::kInvalidInput, std::nullopt};
  if (time_ns < last_time_ns_) return {ObserveStatus::kTimeWentBackwards, std::nullopt};
  last_time_ns_ = time_ns;
  push(time_ns, level.raw());
  expire(time_ns);
  const std::int64_t max = at(0).level;
  const ExactRatio drawdown = max > 0 ? ExactRatio(max - level.raw(), max) : ExactRatio(0, 1);
  const Crossing crossing = trigger_.observe(drawdown);
  if (crossing == Crossing::kNone) return {};
  const bool on = crossing == Crossing::kEntered;
  return {ObserveStatus::kAccepted,
          FundDrawdownChange{time_ns, scope_, on, level, Money{max}, drawdown.ppm_rounded_up(),
                             on ? config_.enter_ppm : config_.leave_ppm}};
}

}  // namespace backstop::sizing
