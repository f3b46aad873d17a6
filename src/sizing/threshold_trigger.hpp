// A threshold with hysteresis (docs/triggers.md): a level switches the trigger on when it crosses
// the enter threshold and off only when it comes back past a separate leave threshold, so a level
// wandering around one threshold does not flap. Generic over any totally ordered level (an int64,
// Money, or the exact ExactRatio below). Also the small vocabulary every trigger shares: the
// outcome of an observation and exact ratios. Owned by the sizing consumer's thread; each
// observation is a couple of comparisons, no allocation.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>
#include <optional>

#include "backstop/money.hpp"

namespace backstop::sizing {

// Parts per million: the unit of every configured ratio, band and rate of the triggers.
inline constexpr std::int64_t kPpm = 1'000'000;

// Which side of the thresholds is the triggered one.
enum class TriggerSide : std::uint8_t {
  kAbove = 0,  // on when level > enter; off again when level <= leave (leave <= enter)
  kBelow = 1,  // on when level < enter; off again when level >= leave (leave >= enter)
};

// What one observation did to the trigger.
enum class Crossing : std::uint8_t { kNone = 0, kEntered = 1, kLeft = 2 };

// The boundary values themselves belong to the untriggered side, so "green at ratio >= upper"
// and "fires when the fund loses more than X %" are both one kBelow / kAbove trigger. leave ==
// enter is allowed and means no hysteresis.
template <class Level>
class ThresholdTrigger {
 public:
  // Precondition: hysteresis_is_valid(side, enter, leave).
  constexpr ThresholdTrigger(TriggerSide side, Level enter, Level leave) noexcept
      : side_(side), enter_(enter), leave_(leave) {}

  static constexpr bool hysteresis_is_valid(TriggerSide side, Level enter, Level leave) noexcept {
    return side == TriggerSide::kAbove ? !(enter < leave) : !(leave < enter);
  }

  constexpr Crossing observe(Level level) noexcept {
    if (!active_ && beyond_enter(level)) {
      active_ = true;
      return Crossing::kEntered;
    }
    if (active_ && back_past_leave(level)) {
      active_ = false;
      return Crossing::kLeft;
    }
    return Crossing::kNone;
  }

  // Forces the state, e.g. after a bounded action ran out (the trigger then re-arms only by
  // leaving and entering again).
  constexpr void reset(bool active) noexcept { active_ = active; }

  constexpr bool active() const noexcept { return active_; }
  constexpr TriggerSide side() const noexcept { return side_; }
  constexpr Level enter() const noexcept { return enter_; }
  constexpr Level leave() const noexcept { return leave_; }

 private:
  constexpr bool beyond_enter(Level level) const noexcept {
    return side_ == TriggerSide::kAbove ? enter_ < level : level < enter_;
  }
  constexpr bool back_past_leave(Level level) const noexcept {
    return side_ == TriggerSide::kAbove ? !(leave_ < level) : !(level < leave_);
  }

  TriggerSide side_;
  Level enter_;
  Level leave_;
  bool active_ = false;
};

// An exact non-negative-denominator fraction, compared by 128-bit cross-multiplication so that a
// ratio of two Money amounts meets a ppm threshold without rounding. A zero denominator with a
// positive numerator is +infinity (e.g. coverage when nothing is required). Preconditions:
// denominator >= 0, and not both zero.
class ExactRatio {
 public:
  constexpr ExactRatio(std::int64_t numerator, std::int64_t denominator) noexcept
      : numerator_(numerator), denominator_(denominator) {}
  static constexpr ExactRatio from_ppm(std::int64_t ppm) noexcept { return {ppm, kPpm}; }

  constexpr std::int64_t numerator() const noexcept { return numerator_; }
  constexpr std::int64_t denominator() const noexcept { return denominator_; }
  constexpr bool is_infinite() const noexcept { return denominator_ == 0; }

  // In ppm, rounded toward minus infinity (or up), saturated at the int64 range; +infinity is
  // int64 max. For records only: decisions use the exact comparison.
  constexpr std::int64_t ppm_rounded_down() const noexcept {
    if (denominator_ == 0) return std::numeric_limits<std::int64_t>::max();
    return clamp_to_int64(div_round_down(Int128{numerator_} * kPpm, denominator_));
  }
  constexpr std::int64_t ppm_rounded_up() const noexcept {
    if (denominator_ == 0) return std::numeric_limits<std::int64_t>::max();
    return clamp_to_int64(div_round_up(Int128{numerator_} * kPpm, denominator_));
  }

  friend constexpr bool operator==(ExactRatio a, ExactRatio b) noexcept {
    return (a <=> b) == std::strong_ordering::equal;
  }
  friend constexpr std::strong_ordering operator<=>(ExactRatio a, ExactRatio b) noexcept {
    if (a.is_infinite() || b.is_infinite()) {
      return static_cast<int>(a.is_infinite()) <=> static_cast<int>(b.is_infinite());
    }
    // a/b <=> c/d with b, d > 0: a*d <=> c*b; each product is below 2^126.
    return Int128{a.numerator_} * b.denominator_ <=> Int128{b.numerator_} * a.denominator_;
  }

 private:
  std::int64_t numerator_;
  std::int64_t denominator_;
};

// Why an observation was refused. Nothing changes on a refusal.
enum class ObserveStatus : std::uint8_t {
  kAccepted = 0,
  kTimeWentBackwards = 1,  // event time earlier than the last accepted observation's
  kInvalidInput = 2,       // a negative amount, a non-positive price, ...
};

// The result of one observation: whether it was taken, and the transition it caused, if any.
template <class Record>
struct TriggerOutcome {
  ObserveStatus status = ObserveStatus::kAccepted;
  std::optional<Record> change;
};

// Why a trigger's configuration was refused (checked once, when the trigger is built).
enum class TriggerConfigError : std::uint8_t {
  kNone = 0,
  kHysteresisOnWrongSide = 1,  // the leave threshold lies on the triggered side of the enter one
  kNonPositiveWindow = 2,      // a rolling window or a time bound of zero or less
  kCapacityNotPowerOfTwo = 3,  // a ring capacity of zero or not a power of two
  kThresholdOutOfRange = 4,    // a negative threshold, or a ratio threshold past 100 %
  kTiersOutOfOrder = 5,        // the red thresholds above the amber ones
};

inline constexpr const char* describe(TriggerConfigError error) noexcept {
  switch (error) {
    case TriggerConfigError::kNone:
      return "valid";
    case TriggerConfigError::kHysteresisOnWrongSide:
      return "the leave threshold lies on the triggered side of the enter threshold";
    case TriggerConfigError::kNonPositiveWindow:
      return "a window or time bound must be positive";
    case TriggerConfigError::kCapacityNotPowerOfTwo:
      return "a capacity must be a positive power of two";
    case TriggerConfigError::kThresholdOutOfRange:
      return "a threshold is negative or beyond its range";
    case TriggerConfigError::kTiersOutOfOrder:
      return "the red tier's thresholds must not exceed the amber tier's";
  }
  return "unknown";
}

}  // namespace backstop::sizing
