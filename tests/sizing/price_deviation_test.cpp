#include "sizing/price_deviation.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace backstop::sizing {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

PriceDeviationConfig test_config() {
  PriceDeviationConfig config;  // start beyond 5 %, release within 2 %
  config.max_hold_ns = 60 * kSecond;
  return config;
}

TEST(PriceDeviation, HoldsBeyondTheBandStaysHeldInsideItAndReleasesWithinTheLeaveBand) {
  PriceDeviationGuard guard(7, test_config());
  EXPECT_FALSE(guard.observe(1, Price{105'000}, Price{100'000}).change);  // exactly 5 %
  const auto started = guard.observe(2, Price{105'001}, Price{100'000});
  ASSERT_TRUE(started.change);
  EXPECT_EQ(started.change->event, DeviationEvent::kStarted);
  EXPECT_EQ(started.change->instrument, 7);
  EXPECT_EQ(started.change->action, DeviationAction::kHoldLiquidations);
  EXPECT_EQ(started.change->mark, Price{105'001});
  EXPECT_EQ(started.change->reference_price, Price{100'000});
  EXPECT_EQ(started.change->deviation_ppm, 50'010);
  EXPECT_EQ(started.change->threshold_ppm, 50'000);
  EXPECT_EQ(started.change->started_ns, 2);
  EXPECT_TRUE(guard.holding());
  EXPECT_FALSE(guard.observe(3, Price{97'000}, Price{100'000}).change);   // 3 %: still held
  const auto released = guard.observe(4, Price{98'000}, Price{100'000});  // 2 %
  ASSERT_TRUE(released.change);
  EXPECT_EQ(released.change->event, DeviationEvent::kReleasedInsideBand);
  EXPECT_EQ(released.change->threshold_ppm, 20'000);
  EXPECT_EQ(released.change->started_ns, 2);
  EXPECT_FALSE(guard.holding());
}

TEST(PriceDeviation, ReleasesExactlyAtTheTimeBoundAndReArmsOnlyAfterComingBack) {
  PriceDeviationGuard guard(0, test_config());
  ASSERT_TRUE(guard.observe(10, Price{94'999}, Price{100'000}).change);
  EXPECT_FALSE(guard.advance_time(10 + 60 * kSecond - 1).change);
  const auto released = guard.advance_time(10 + 60 * kSecond);
  ASSERT_TRUE(released.change);
  EXPECT_EQ(released.change->event, DeviationEvent::kReleasedAtTimeBound);
  EXPECT_EQ(released.change->threshold_ppm, 0);
  EXPECT_FALSE(guard.holding());
  // Still far outside: no second hold.
  EXPECT_FALSE(guard.observe(100 * kSecond, Price{80'000}, Price{100'000}).change);
  EXPECT_FALSE(guard.holding());
  // Back inside the leave band re-arms, silently; the next excursion holds again.
  EXPECT_FALSE(guard.observe(101 * kSecond, Price{101'000}, Price{100'000}).change);
  const auto again = guard.observe(102 * kSecond, Price{106'000}, Price{100'000});
  ASSERT_TRUE(again.change);
  EXPECT_EQ(again.change->event, DeviationEvent::kStarted);
}

TEST(PriceDeviation, AnObservationAtTheBoundAlsoReleasesAndThePriceReasonWins) {
  PriceDeviationGuard outside(0, test_config());
  ASSERT_TRUE(outside.observe(0, Price{110}, Price{100}).change);
  const auto bound = outside.observe(60 * kSecond, Price{110}, Price{100});
  ASSERT_TRUE(bound.change);
  EXPECT_EQ(bound.change->event, DeviationEvent::kReleasedAtTimeBound);

  PriceDeviationGuard inside(0, test_config());
  ASSERT_TRUE(inside.observe(0, Price{110}, Price{100}).change);
  const auto band = inside.observe(60 * kSecond, Price{101}, Price{100});
  ASSERT_TRUE(band.change);
  EXPECT_EQ(band.change->event, DeviationEvent::kReleasedInsideBand);
}

TEST(PriceDeviation, TakeoverOnlyAndLastTradeReferenceAreCarriedIntoTheRecord) {
  PriceDeviationConfig config = test_config();
  config.action = DeviationAction::kTakeoverOnly;
  config.reference = DeviationReference::kLastTrade;
  PriceDeviationGuard guard(3, config);
  const auto started = guard.observe(0, Price{90}, Price{100});
  ASSERT_TRUE(started.change);
  EXPECT_EQ(started.change->action, DeviationAction::kTakeoverOnly);
  EXPECT_EQ(started.change->reference, DeviationReference::kLastTrade);
  EXPECT_EQ(guard.action(), DeviationAction::kTakeoverOnly);
}

TEST(PriceDeviation, RefusesNonPositivePricesAndTimeGoingBackwards) {
  PriceDeviationGuard guard(0, test_config());
  EXPECT_EQ(guard.observe(5, Price{0}, Price{100}).status, ObserveStatus::kInvalidInput);
  EXPECT_EQ(guard.observe(5, Price{100}, Price{-1}).status, ObserveStatus::kInvalidInput);
  ASSERT_TRUE(guard.observe(5, Price{200}, Price{100}).change);
  EXPECT_EQ(guard.observe(4, Price{100}, Price{100}).status, ObserveStatus::kTimeWentBackwards);
  EXPECT_EQ(guard.advance_time(4).status, ObserveStatus::kTimeWentBackwards);
  EXPECT_TRUE(guard.holding());
}

TEST(PriceDeviation, ConfigurationIsValidated) {
  EXPECT_EQ(validate(PriceDeviationConfig{}), TriggerConfigError::kNone);
  PriceDeviationConfig config;
  config.leave_ppm = 60'000;
  EXPECT_EQ(validate(config), TriggerConfigError::kHysteresisOnWrongSide);
  config = PriceDeviationConfig{};
  config.max_hold_ns = 0;
  EXPECT_EQ(validate(config), TriggerConfigError::kNonPositiveWindow);
  config = PriceDeviationConfig{};
  config.leave_ppm = -1;
  EXPECT_EQ(validate(config), TriggerConfigError::kThresholdOutOfRange);
}

}  // namespace
}  // namespace backstop::sizing
