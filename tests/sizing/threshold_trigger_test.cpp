#include "sizing/threshold_trigger.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace backstop::sizing {
namespace {

TEST(ThresholdTrigger, AboveEntersPastEnterStaysInsideBandLeavesAtLeave) {
  ThresholdTrigger<std::int64_t> trigger(TriggerSide::kAbove, 100, 80);
  EXPECT_EQ(trigger.observe(100), Crossing::kNone);  // the enter value itself is not beyond it
  EXPECT_FALSE(trigger.active());
  EXPECT_EQ(trigger.observe(101), Crossing::kEntered);
  EXPECT_TRUE(trigger.active());
  EXPECT_EQ(trigger.observe(90), Crossing::kNone);  // inside the band: stays on
  EXPECT_EQ(trigger.observe(81), Crossing::kNone);
  EXPECT_EQ(trigger.observe(150), Crossing::kNone);  // further beyond: no second entry
  EXPECT_EQ(trigger.observe(80), Crossing::kLeft);   // the leave value belongs to the off side
  EXPECT_FALSE(trigger.active());
  EXPECT_EQ(trigger.observe(95), Crossing::kNone);  // inside the band: stays off
  EXPECT_EQ(trigger.observe(101), Crossing::kEntered);
}

TEST(ThresholdTrigger, BelowEntersUnderEnterAndLeavesAtOrAboveLeave) {
  ThresholdTrigger<std::int64_t> trigger(TriggerSide::kBelow, 1'000, 1'100);
  EXPECT_EQ(trigger.observe(1'000), Crossing::kNone);
  EXPECT_EQ(trigger.observe(999), Crossing::kEntered);
  EXPECT_EQ(trigger.observe(1'099), Crossing::kNone);
  EXPECT_EQ(trigger.observe(1'100), Crossing::kLeft);
  EXPECT_EQ(trigger.observe(1'050), Crossing::kNone);
  EXPECT_EQ(trigger.observe(-5), Crossing::kEntered);
}

TEST(ThresholdTrigger, EqualThresholdsMeanNoHysteresis) {
  ThresholdTrigger<std::int64_t> trigger(TriggerSide::kAbove, 10, 10);
  EXPECT_EQ(trigger.observe(11), Crossing::kEntered);
  EXPECT_EQ(trigger.observe(10), Crossing::kLeft);
  EXPECT_EQ(trigger.observe(11), Crossing::kEntered);
}

TEST(ThresholdTrigger, HysteresisOnTheTriggeredSideIsInvalid) {
  using Trigger = ThresholdTrigger<std::int64_t>;
  EXPECT_TRUE(Trigger::hysteresis_is_valid(TriggerSide::kAbove, 10, 5));
  EXPECT_TRUE(Trigger::hysteresis_is_valid(TriggerSide::kAbove, 10, 10));
  EXPECT_FALSE(Trigger::hysteresis_is_valid(TriggerSide::kAbove, 10, 11));
  EXPECT_TRUE(Trigger::hysteresis_is_valid(TriggerSide::kBelow, 10, 11));
  EXPECT_FALSE(Trigger::hysteresis_is_valid(TriggerSide::kBelow, 10, 9));
}

TEST(ThresholdTrigger, ResetForcesTheStateAndTheTriggerReArmsOnlyByLeaving) {
  ThresholdTrigger<std::int64_t> trigger(TriggerSide::kAbove, 100, 80);
  EXPECT_EQ(trigger.observe(200), Crossing::kEntered);
  trigger.reset(true);
  EXPECT_EQ(trigger.observe(200), Crossing::kNone);
  trigger.reset(false);
  EXPECT_EQ(trigger.observe(200), Crossing::kEntered);
}

TEST(ExactRatio, ComparesWithoutRoundingAndPastSixtyFourBits) {
  // 2/3 against 666'666 ppm and 666'667 ppm: rounding to ppm would call one of them equal.
  EXPECT_GT(ExactRatio(2, 3), ExactRatio::from_ppm(666'666));
  EXPECT_LT(ExactRatio(2, 3), ExactRatio::from_ppm(666'667));
  EXPECT_EQ(ExactRatio(2, 4), ExactRatio(1, 2));
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  EXPECT_LT(ExactRatio(kMax - 1, kMax), ExactRatio(kMax, kMax));
  EXPECT_GT(ExactRatio(1, 0), ExactRatio(kMax, 1));
  EXPECT_EQ(ExactRatio(1, 0), ExactRatio(5, 0));
  EXPECT_EQ(ExactRatio(2, 3).ppm_rounded_down(), 666'666);
  EXPECT_EQ(ExactRatio(2, 3).ppm_rounded_up(), 666'667);
  EXPECT_EQ(ExactRatio(-1, 3).ppm_rounded_down(), -333'334);
  EXPECT_EQ(ExactRatio(1, 0).ppm_rounded_down(), kMax);
}

TEST(ThresholdTrigger, WorksOnExactRatios) {
  ThresholdTrigger<ExactRatio> below_one(TriggerSide::kBelow, ExactRatio::from_ppm(kPpm),
                                         ExactRatio::from_ppm(1'050'000));
  EXPECT_EQ(below_one.observe(ExactRatio(1'000'000'000, 1'000'000'000)), Crossing::kNone);
  EXPECT_EQ(below_one.observe(ExactRatio(999'999'999, 1'000'000'000)), Crossing::kEntered);
  EXPECT_EQ(below_one.observe(ExactRatio(1'049'999'999, 1'000'000'000)), Crossing::kNone);
  EXPECT_EQ(below_one.observe(ExactRatio(105, 100)), Crossing::kLeft);
}

}  // namespace
}  // namespace backstop::sizing
