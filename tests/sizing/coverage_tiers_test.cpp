#include "sizing/coverage_tiers.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <utility>
#include <vector>

namespace backstop::sizing {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

CoverageTierConfig test_config() {
  CoverageTierConfig config;  // amber below 1.25 (back at 1.30), red below 1 (back at 1.05)
  config.cascade_window_ns = 60 * kSecond;
  config.cascade_count_enter = 3;
  config.cascade_count_leave = 1;
  config.cascade_notional_enter = 1'000;
  config.cascade_notional_leave = 500;
  config.cascade_capacity = 4;
  return config;
}

TEST(CoverageTiers, DefaultsAreValid) {
  EXPECT_EQ(validate(CoverageTierConfig{}), TriggerConfigError::kNone);
  EXPECT_EQ(validate(test_config()), TriggerConfigError::kNone);
}

TEST(CoverageTiers, AmberEntersBelowUpperStaysInsideTheBandAndLeavesAtTheLeaveThreshold) {
  CoverageTiers tiers(test_config());
  EXPECT_FALSE(tiers.observe_coverage(1, Money{1'300}, Money{1'000}).change);
  EXPECT_FALSE(tiers.observe_coverage(2, Money{1'250}, Money{1'000}).change);  // at upper: green
  const auto amber = tiers.observe_coverage(3, Money{1'249}, Money{1'000});
  ASSERT_TRUE(amber.change);
  EXPECT_EQ(amber.change->time_ns, 3);
  EXPECT_EQ(amber.change->from, Tier::kGreen);
  EXPECT_EQ(amber.change->to, Tier::kAmber);
  EXPECT_EQ(amber.change->cause, TierCause::kCoverage);
  EXPECT_EQ(amber.change->crossed, TierThreshold::kAmberEnter);
  EXPECT_EQ(amber.change->threshold, 1'250'000);
  EXPECT_EQ(amber.change->ratio_ppm, 1'249'000);
  EXPECT_EQ(amber.change->funds, Money{1'249});
  EXPECT_EQ(amber.change->requirement, Money{1'000});
  EXPECT_EQ(amber.change->contribution_ppm, 300'000);
  EXPECT_EQ(amber.change->replenishment_call, Money{0});
  EXPECT_FALSE(tiers.observe_coverage(4, Money{1'299}, Money{1'000}).change);  // inside the band
  const auto green = tiers.observe_coverage(5, Money{1'300}, Money{1'000});
  ASSERT_TRUE(green.change);
  EXPECT_EQ(green.change->to, Tier::kGreen);
  EXPECT_EQ(green.change->crossed, TierThreshold::kAmberLeave);
  EXPECT_EQ(green.change->threshold, 1'300'000);
  EXPECT_EQ(green.change->contribution_ppm, 100'000);
  EXPECT_EQ(tiers.contribution_ppm(), 100'000);
}

TEST(CoverageTiers, RedBelowOneCallsWhatLiftsCoverageToTheTargetAndLeavesWithHysteresis) {
  CoverageTiers tiers(test_config());
  ASSERT_TRUE(tiers.observe_coverage(1, Money{1'100}, Money{1'000}).change);  // amber
  const auto red = tiers.observe_coverage(2, Money{999}, Money{1'000});
  ASSERT_TRUE(red.change);
  EXPECT_EQ(red.change->from, Tier::kAmber);
  EXPECT_EQ(red.change->to, Tier::kRed);
  EXPECT_EQ(red.change->crossed, TierThreshold::kRedEnter);
  EXPECT_EQ(red.change->threshold, 1'000'000);
  EXPECT_EQ(red.change->replenishment_call, Money{51});  // 1.05 × 1000 − 999
  EXPECT_EQ(red.change->contribution_ppm, 500'000);
  EXPECT_FALSE(tiers.observe_coverage(3, Money{1'049}, Money{1'000}).change);
  const auto amber = tiers.observe_coverage(4, Money{1'050}, Money{1'000});
  ASSERT_TRUE(amber.change);
  EXPECT_EQ(amber.change->to, Tier::kAmber);
  EXPECT_EQ(amber.change->crossed, TierThreshold::kRedLeave);
  EXPECT_EQ(amber.change->threshold, 1'050'000);
}

TEST(CoverageTiers, JumpsStraightBetweenGreenAndRed) {
  CoverageTiers tiers(test_config());
  const auto red = tiers.observe_coverage(1, Money{500}, Money{1'000});
  ASSERT_TRUE(red.change);
  EXPECT_EQ(red.change->from, Tier::kGreen);
  EXPECT_EQ(red.change->crossed, TierThreshold::kRedEnter);
  EXPECT_EQ(red.change->replenishment_call, Money{550});
  const auto green = tiers.observe_coverage(2, Money{2'000}, Money{1'000});
  ASSERT_TRUE(green.change);
  EXPECT_EQ(green.change->from, Tier::kRed);
  EXPECT_EQ(green.change->to, Tier::kGreen);
  EXPECT_EQ(green.change->crossed, TierThreshold::kAmberLeave);
}

TEST(CoverageTiers, TheRatioIsComparedExactlyNotInRoundedPpm) {
  CoverageTiers tiers(test_config());
  // 1.25 × (10^12 + 1) − 1 is just under 1.25 of the requirement; in ppm it rounds to 1'250'000.
  const std::int64_t requirement = 1'000'000'000'001;
  const auto amber = tiers.observe_coverage(1, Money{1'250'000'000'000}, Money{requirement});
  ASSERT_TRUE(amber.change);
  EXPECT_EQ(amber.change->ratio_ppm, 1'249'999);
}

TEST(CoverageTiers, NothingRequiredIsGreen) {
  CoverageTiers tiers(test_config());
  ASSERT_TRUE(tiers.observe_coverage(1, Money{0}, Money{10}).change);
  const auto green = tiers.observe_coverage(2, Money{0}, Money{0});
  ASSERT_TRUE(green.change);
  EXPECT_EQ(green.change->to, Tier::kGreen);
  EXPECT_EQ(green.change->ratio_ppm, std::numeric_limits<std::int64_t>::max());
}

TEST(CoverageTiers, ACascadeByCountRaisesTheTierAndHysteresisHoldsItUntilTheLeaveCount) {
  CoverageTiers tiers(test_config());
  EXPECT_FALSE(tiers.observe_liquidation(0, Money{1}).change);
  EXPECT_FALSE(tiers.observe_liquidation(10 * kSecond, Money{1}).change);
  EXPECT_FALSE(tiers.observe_liquidation(20 * kSecond, Money{1}).change);  // 3: not more than 3
  const auto raised = tiers.observe_liquidation(30 * kSecond, Money{1});
  ASSERT_TRUE(raised.change);
  EXPECT_EQ(raised.change->from, Tier::kGreen);
  EXPECT_EQ(raised.change->to, Tier::kAmber);
  EXPECT_EQ(raised.change->cause, TierCause::kCascade);
  EXPECT_EQ(raised.change->crossed, TierThreshold::kCascadeCountEnter);
  EXPECT_EQ(raised.change->threshold, 3);
  EXPECT_EQ(raised.change->cascade_count, 4);
  EXPECT_TRUE(raised.change->cascade_active);
  EXPECT_EQ(tiers.coverage_tier(), Tier::kGreen);
  EXPECT_FALSE(tiers.advance_time(61 * kSecond).change);  // 3 left, above the leave count of 1
  EXPECT_FALSE(tiers.advance_time(71 * kSecond).change);  // 2 left
  const auto lowered = tiers.advance_time(81 * kSecond);  // 1 left
  ASSERT_TRUE(lowered.change);
  EXPECT_EQ(lowered.change->to, Tier::kGreen);
  EXPECT_EQ(lowered.change->crossed, TierThreshold::kCascadeCountLeave);
  EXPECT_EQ(lowered.change->cascade_count, 1);
}

TEST(CoverageTiers, ALiquidationLeavesTheCascadeWindowExactlyOneWindowLater) {
  CoverageTierConfig config = test_config();
  config.cascade_count_enter = 1;
  config.cascade_count_leave = 1;
  CoverageTiers tiers(config);
  EXPECT_FALSE(tiers.observe_liquidation(0, Money{1}).change);
  ASSERT_TRUE(tiers.observe_liquidation(5 * kSecond, Money{1}).change);
  EXPECT_FALSE(tiers.advance_time(60 * kSecond - 1).change);  // (−1 ns, 60 s − 1 ns]: both in
  const auto lowered = tiers.advance_time(60 * kSecond);      // (0, 60 s]: the first has left
  ASSERT_TRUE(lowered.change);
  EXPECT_EQ(lowered.change->cascade_count, 1);
}

TEST(CoverageTiers, ACascadeByNotionalRaisesAmberToRedWithoutACallAboveTheTarget) {
  CoverageTiers tiers(test_config());
  ASSERT_TRUE(tiers.observe_coverage(1, Money{1'200}, Money{1'000}).change);  // amber
  EXPECT_FALSE(tiers.observe_liquidation(2, Money{600}).change);
  const auto red = tiers.observe_liquidation(3, Money{401});
  ASSERT_TRUE(red.change);
  EXPECT_EQ(red.change->from, Tier::kAmber);
  EXPECT_EQ(red.change->to, Tier::kRed);
  EXPECT_EQ(red.change->crossed, TierThreshold::kCascadeNotionalEnter);
  EXPECT_EQ(red.change->threshold, 1'000);
  EXPECT_EQ(red.change->cascade_notional, Money{1'001});
  EXPECT_EQ(red.change->replenishment_call, Money{0});  // coverage 1.2 is above the 1.05 target
  // Coverage falling to red while the cascade already holds red changes nothing.
  EXPECT_FALSE(tiers.observe_coverage(4, Money{900}, Money{1'000}).change);
  EXPECT_EQ(tiers.coverage_tier(), Tier::kRed);
}

TEST(CoverageTiers, AFullCascadeRingMergesIntoTheNewestEntryAndKeepsTotalsExact) {
  CoverageTierConfig config = test_config();
  config.cascade_count_enter = 10;
  config.cascade_count_leave = 5;
  CoverageTiers tiers(config);
  for (int i = 0; i < 6; ++i) {
    EXPECT_FALSE(tiers.observe_liquidation(i * kSecond, Money{1}).change);
  }
  EXPECT_EQ(tiers.merged_liquidations(), 2u);
  for (int i = 6; i < 11; ++i) {
    const auto outcome = tiers.observe_liquidation(i * kSecond, Money{1});
    EXPECT_EQ(outcome.change.has_value(), i == 10) << i;  // the 11th is more than 10
  }
}

// Reference: count and notional of the liquidations in (now − window, now] by a scan of all of
// them.
TEST(CoverageTiers, PropertyCascadeTotalsAreExactWithRoomAndNeverLowerWhenFull) {
  std::mt19937_64 rng(1'010);
  for (int round = 0; round < 100; ++round) {
    CoverageTierConfig roomy = test_config();
    roomy.cascade_count_enter = 20;
    roomy.cascade_count_leave = 10;
    roomy.cascade_capacity = 1024;
    CoverageTierConfig tight = roomy;
    tight.cascade_capacity = 8;
    CoverageTiers exact(roomy);
    CoverageTiers small(tight);
    std::vector<std::pair<std::int64_t, std::int64_t>> seen;
    std::int64_t now = 0;
    for (int step = 0; step < 400; ++step) {
      now += static_cast<std::int64_t>(rng() % (4 * kSecond));
      const bool liquidation = rng() % 3 != 0;
      const auto notional = static_cast<std::int64_t>(rng() % 100);
      if (liquidation) {
        seen.emplace_back(now, notional);
        ASSERT_EQ(exact.observe_liquidation(now, Money{notional}).status, ObserveStatus::kAccepted);
        ASSERT_EQ(small.observe_liquidation(now, Money{notional}).status, ObserveStatus::kAccepted);
      } else {
        ASSERT_EQ(exact.advance_time(now).status, ObserveStatus::kAccepted);
        ASSERT_EQ(small.advance_time(now).status, ObserveStatus::kAccepted);
      }
      std::int64_t count = 0;
      std::int64_t sum = 0;
      for (const auto& [time_ns, amount] : seen) {
        if (time_ns > now - roomy.cascade_window_ns) {
          ++count;
          sum += amount;
        }
      }
      ASSERT_EQ(exact.cascade_count(), count) << "round " << round << " step " << step;
      ASSERT_EQ(exact.cascade_notional(), Money{sum});
      ASSERT_GE(small.cascade_count(), count);
      ASSERT_GE(small.cascade_notional(), Money{sum});
      if (exact.cascade_active()) {
        ASSERT_TRUE(small.cascade_active()) << "round " << round << " step " << step;
      }
    }
    EXPECT_EQ(exact.merged_liquidations(), 0u);
  }
}

TEST(CoverageTiers, NamesAreStable) {
  EXPECT_STREQ(tier_name(Tier::kAmber), "amber");
  EXPECT_STREQ(cause_name(TierCause::kCascade), "cascade");
  EXPECT_STREQ(threshold_name(TierThreshold::kRedEnter), "red_enter");
  EXPECT_STREQ(threshold_name(TierThreshold::kCascadeNotionalLeave), "cascade_notional_leave");
}

TEST(CoverageTiers, RefusesNegativeAmountsAndTimeGoingBackwards) {
  CoverageTiers tiers(test_config());
  EXPECT_EQ(tiers.observe_coverage(5, Money{-1}, Money{1}).status, ObserveStatus::kInvalidInput);
  EXPECT_EQ(tiers.observe_liquidation(5, Money{-1}).status, ObserveStatus::kInvalidInput);
  EXPECT_EQ(tiers.observe_coverage(5, Money{1}, Money{1}).status, ObserveStatus::kAccepted);
  EXPECT_EQ(tiers.observe_liquidation(4, Money{1}).status, ObserveStatus::kTimeWentBackwards);
  EXPECT_EQ(tiers.advance_time(4).status, ObserveStatus::kTimeWentBackwards);
  EXPECT_EQ(tiers.tier(), Tier::kAmber);
}

TEST(CoverageTiers, ConfigurationIsValidated) {
  CoverageTierConfig config;
  config.red_enter_ppm = 1'300'000;
  config.red_leave_ppm = 1'300'000;
  EXPECT_EQ(validate(config), TriggerConfigError::kTiersOutOfOrder);
  config = CoverageTierConfig{};
  config.amber_leave_ppm = 1'200'000;
  EXPECT_EQ(validate(config), TriggerConfigError::kHysteresisOnWrongSide);
  config = CoverageTierConfig{};
  config.cascade_count_leave = 2'000;
  EXPECT_EQ(validate(config), TriggerConfigError::kHysteresisOnWrongSide);
  config = CoverageTierConfig{};
  config.amber_contribution_ppm = 1'000'001;
  EXPECT_EQ(validate(config), TriggerConfigError::kThresholdOutOfRange);
  config = CoverageTierConfig{};
  config.cascade_capacity = 3;
  EXPECT_EQ(validate(config), TriggerConfigError::kCapacityNotPowerOfTwo);
  config = CoverageTierConfig{};
  config.cascade_window_ns = 0;
  EXPECT_EQ(validate(config), TriggerConfigError::kNonPositiveWindow);
}

}  // namespace
}  // namespace backstop::sizing
