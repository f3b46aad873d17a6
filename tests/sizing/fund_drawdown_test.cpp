#include "sizing/fund_drawdown.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

namespace backstop::sizing {
namespace {

constexpr std::int64_t kHour = kNanosPerHour;

TEST(FundDrawdown, BybitPresetFiresOnMoreThanThirtyPercentInEightHours) {
  ASSERT_EQ(validate(kBybitFundDrawdown), TriggerConfigError::kNone);
  FundDrawdownTrigger trigger(4, kBybitFundDrawdown);
  EXPECT_FALSE(trigger.observe(0, Money{1'000'000}).change);
  EXPECT_FALSE(trigger.observe(1 * kHour, Money{700'000}).change);  // exactly 30 %: not more
  const auto fired = trigger.observe(2 * kHour, Money{699'999});
  ASSERT_TRUE(fired.change);
  EXPECT_EQ(fired.change->time_ns, 2 * kHour);
  EXPECT_EQ(fired.change->scope, 4u);
  EXPECT_TRUE(fired.change->adl_first);
  EXPECT_EQ(fired.change->level, Money{699'999});
  EXPECT_EQ(fired.change->window_max, Money{1'000'000});
  EXPECT_EQ(fired.change->drawdown_ppm, 300'001);
  EXPECT_EQ(fired.change->threshold_ppm, 300'000);
  EXPECT_TRUE(trigger.adl_first());
}

TEST(FundDrawdown, BinanceOldPresetFiresOnMoreThanSevenAndAHalfPercent) {
  ASSERT_EQ(validate(kBinanceOldFundDrawdown), TriggerConfigError::kNone);
  EXPECT_EQ(kBinanceOldFundDrawdown.window_ns, 8 * kHour);
  FundDrawdownTrigger trigger(0, kBinanceOldFundDrawdown);
  EXPECT_FALSE(trigger.observe(0, Money{4'000}).change);
  EXPECT_FALSE(trigger.observe(1, Money{3'700}).change);  // 7.5 % exactly
  const auto fired = trigger.observe(2, Money{3'699});
  ASSERT_TRUE(fired.change);
  EXPECT_EQ(fired.change->threshold_ppm, 75'000);
}

TEST(FundDrawdown, HysteresisEntersStaysInsideTheBandAndLeavesAtTheLeaveThreshold) {
  FundDrawdownTrigger trigger(1, kBybitFundDrawdown);
  EXPECT_FALSE(trigger.observe(0, Money{1'000}).change);
  ASSERT_TRUE(trigger.observe(1 * kHour, Money{650}).change);   // 35 %
  EXPECT_FALSE(trigger.observe(2 * kHour, Money{760}).change);  // 24 %: inside the band
  const auto left = trigger.observe(3 * kHour, Money{800});     // 20 %: at the leave threshold
  ASSERT_TRUE(left.change);
  EXPECT_FALSE(left.change->adl_first);
  EXPECT_EQ(left.change->threshold_ppm, 200'000);
  EXPECT_EQ(left.change->drawdown_ppm, 200'000);
  EXPECT_FALSE(trigger.observe(4 * kHour, Money{750}).change);  // 25 %: inside, stays off
  const auto again = trigger.observe(5 * kHour, Money{699});
  ASSERT_TRUE(again.change);
  EXPECT_TRUE(again.change->adl_first);
}

// The 1000 level holds on [0, 1 ns); the window at t is (t − 8 h, t]. One nanosecond before the
// 1000 level's end leaves the window it still counts (35 % down: on); at the boundary it has left
// and the window max is 900 (27.8 % down: off).
TEST(FundDrawdown, ALevelLeavesTheWindowExactlyAtItsEndPlusTheWindow) {
  FundDrawdownTrigger inside(0, kBybitFundDrawdown);
  EXPECT_FALSE(inside.observe(0, Money{1'000}).change);
  EXPECT_FALSE(inside.observe(1, Money{900}).change);
  const auto fired = inside.observe(8 * kHour, Money{650});
  ASSERT_TRUE(fired.change);
  EXPECT_EQ(fired.change->window_max, Money{1'000});

  FundDrawdownTrigger outside(0, kBybitFundDrawdown);
  EXPECT_FALSE(outside.observe(0, Money{1'000}).change);
  EXPECT_FALSE(outside.observe(1, Money{900}).change);
  EXPECT_FALSE(outside.observe(8 * kHour + 1, Money{650}).change);
  EXPECT_EQ(outside.window_max(), Money{900});
}

TEST(FundDrawdown, ALevelObservedBeforeTheWindowCountsWhileItWasInForce) {
  FundDrawdownTrigger trigger(0, kBybitFundDrawdown);
  EXPECT_FALSE(trigger.observe(0, Money{1'000}).change);
  // No observation for 9 hours: the fund stood at 1000 until now, so it lost 40 % just now.
  const auto fired = trigger.observe(9 * kHour, Money{600});
  ASSERT_TRUE(fired.change);
  EXPECT_EQ(fired.change->window_max, Money{1'000});
}

TEST(FundDrawdown, RefusesNegativeLevelsAndTimeGoingBackwardsWithoutChangingState) {
  FundDrawdownTrigger trigger(0, kBybitFundDrawdown);
  EXPECT_EQ(trigger.observe(10, Money{1'000}).status, ObserveStatus::kAccepted);
  EXPECT_EQ(trigger.observe(11, Money{-1}).status, ObserveStatus::kInvalidInput);
  EXPECT_EQ(trigger.observe(9, Money{1}).status, ObserveStatus::kTimeWentBackwards);
  EXPECT_EQ(trigger.window_max(), Money{1'000});
  EXPECT_FALSE(trigger.adl_first());
}

TEST(FundDrawdown, ConfigurationIsValidated) {
  FundDrawdownConfig config = kBybitFundDrawdown;
  config.leave_ppm = 400'000;
  EXPECT_EQ(validate(config), TriggerConfigError::kHysteresisOnWrongSide);
  config = kBybitFundDrawdown;
  config.capacity = 1000;
  EXPECT_EQ(validate(config), TriggerConfigError::kCapacityNotPowerOfTwo);
  config.capacity = 1;
  EXPECT_EQ(validate(config), TriggerConfigError::kCapacityNotPowerOfTwo);
  config = kBybitFundDrawdown;
  config.window_ns = 0;
  EXPECT_EQ(validate(config), TriggerConfigError::kNonPositiveWindow);
  config = kBybitFundDrawdown;
  config.enter_ppm = 1'000'001;
  EXPECT_EQ(validate(config), TriggerConfigError::kThresholdOutOfRange);
}

// Reference: the maximum of the step function over (t − window, t] by scanning every observation.
std::int64_t reference_window_max(const std::vector<std::pair<std::int64_t, std::int64_t>>& seen,
                                  std::int64_t window_ns) {
  const std::int64_t now = seen.back().first;
  std::int64_t max = seen.back().second;
  for (std::size_t i = 0; i + 1 < seen.size(); ++i) {
    if (seen[i + 1].first > now - window_ns) max = std::max(max, seen[i].second);
  }
  return max;
}

TEST(FundDrawdown, PropertyWindowMaxIsExactWithRoomAndNeverLowerWhenFull) {
  std::mt19937_64 rng(99);
  for (int round = 0; round < 200; ++round) {
    FundDrawdownConfig roomy{1'000, 300'000, 200'000, 1024};
    FundDrawdownConfig tight{1'000, 300'000, 200'000, 4};
    FundDrawdownTrigger exact(0, roomy);
    FundDrawdownTrigger small(0, tight);
    std::vector<std::pair<std::int64_t, std::int64_t>> seen;
    std::int64_t now = 0;
    for (int step = 0; step < 300; ++step) {
      now += static_cast<std::int64_t>(rng() % 120);  // repeats of one time included
      const auto level = static_cast<std::int64_t>(rng() % 10'000);
      seen.emplace_back(now, level);
      const auto a = exact.observe(now, Money{level});
      const auto b = small.observe(now, Money{level});
      ASSERT_EQ(a.status, ObserveStatus::kAccepted);
      ASSERT_EQ(b.status, ObserveStatus::kAccepted);
      const std::int64_t reference = reference_window_max(seen, roomy.window_ns);
      ASSERT_EQ(exact.window_max().raw(), reference) << "round " << round << " step " << step;
      ASSERT_GE(small.window_max().raw(), reference) << "round " << round << " step " << step;
      // The small ring's drawdown is never lower, so its ADL is on whenever the exact one's is.
      if (exact.adl_first()) {
        ASSERT_TRUE(small.adl_first()) << "round " << round;
      }
    }
    EXPECT_EQ(exact.merged_entries(), 0u);
  }
}

TEST(FundDrawdown, AFullRingMergesItsOldestEntriesAndCountsIt) {
  FundDrawdownTrigger trigger(0, FundDrawdownConfig{1'000, 300'000, 200'000, 2});
  EXPECT_FALSE(trigger.observe(0, Money{100}).change);
  EXPECT_FALSE(trigger.observe(10, Money{90}).change);
  EXPECT_FALSE(trigger.observe(20, Money{80}).change);  // three decreasing levels, room for two
  EXPECT_EQ(trigger.merged_entries(), 1u);
  // Exact: 100 held until 10, so it leaves at 1010 and the max is 90. The merge kept 100 until
  // 90's end (20): conservative, and gone by 1020.
  EXPECT_FALSE(trigger.observe(1'015, Money{80}).change);
  EXPECT_EQ(trigger.window_max(), Money{100});
  EXPECT_FALSE(trigger.observe(1'020, Money{80}).change);
  EXPECT_EQ(trigger.window_max(), Money{80});
}

}  // namespace
}  // namespace backstop::sizing
