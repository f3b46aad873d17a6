#include "sizing/liquidation_horizon.hpp"

#include <gtest/gtest.h>

namespace backstop::sizing {
namespace {

TEST(LiquidationHorizon, SmallPositionsTakeTheMpor) {
  const LiquidationHorizonConfig config;  // MPOR 2 days, 10 %
  ASSERT_EQ(validate(config), HorizonConfigError::kNone);
  // 1,000 lots against 100,000 a day: 1000 / (0.1 * 100000) = 0.1 day < 2 days.
  EXPECT_EQ(liquidation_horizon_ns(config, 1000, 100000), 2 * kNsPerDay);
  EXPECT_EQ(liquidation_horizon_ns(config, -1000, 100000), 2 * kNsPerDay);
  EXPECT_EQ(liquidation_horizon_ns(config, 0, 0), 2 * kNsPerDay);
  // Exactly at the kink: 20,000 / (0.1 * 100,000) = 2 days.
  EXPECT_EQ(liquidation_horizon_ns(config, 20000, 100000), 2 * kNsPerDay);
}

TEST(LiquidationHorizon, LargePositionsTakeTheirLiquidationTime) {
  const LiquidationHorizonConfig config;
  // 50,000 / (0.1 * 100,000) = 5 days; a short the same.
  EXPECT_EQ(liquidation_horizon_ns(config, 50000, 100000), 5 * kNsPerDay);
  EXPECT_EQ(liquidation_horizon_ns(config, -50000, 100000), 5 * kNsPerDay);
  // 30,000 / (0.25 * 40,000) = 3 days at a 25 % participation.
  LiquidationHorizonConfig quarter;
  quarter.participation = 0.25;
  EXPECT_EQ(liquidation_horizon_ns(quarter, 30000, 40000), 3 * kNsPerDay);
  // A fraction of a ns rounds up: 1 / (0.1 * 3) days = 3.333... days.
  LiquidationHorizonConfig short_mpor;
  short_mpor.mpor_ns = 1;
  EXPECT_EQ(liquidation_horizon_ns(short_mpor, 1, 3), 288'000'000'000'000);
}

TEST(LiquidationHorizon, NoVolumeOrAHugeRatioTakesTheCap) {
  const LiquidationHorizonConfig config;
  EXPECT_EQ(liquidation_horizon_ns(config, 1, 0), 30 * kNsPerDay);
  EXPECT_EQ(liquidation_horizon_ns(config, 1, -5), 30 * kNsPerDay);
  EXPECT_EQ(liquidation_horizon_ns(config, 1e30, 1e-30), 30 * kNsPerDay);
  // 400,000 / (0.1 * 100,000) = 40 days > 30.
  EXPECT_EQ(liquidation_horizon_ns(config, 400000, 100000), 30 * kNsPerDay);
}

TEST(LiquidationHorizon, ValidateRefusesEachBadField) {
  LiquidationHorizonConfig config;
  config.mpor_ns = 0;
  EXPECT_EQ(validate(config), HorizonConfigError::kNonPositiveMpor);
  config = {};
  config.participation = 0;
  EXPECT_EQ(validate(config), HorizonConfigError::kParticipationOutOfRange);
  config.participation = 1.5;
  EXPECT_EQ(validate(config), HorizonConfigError::kParticipationOutOfRange);
  config = {};
  config.max_horizon_ns = kNsPerDay;
  EXPECT_EQ(validate(config), HorizonConfigError::kMaxBelowMpor);
}

TEST(LiquidationHorizon, IntervalsRoundUp) {
  EXPECT_EQ(horizon_intervals(2 * kNsPerDay, 60'000'000'000), 2880);
  EXPECT_EQ(horizon_intervals(2 * kNsPerDay + 1, 60'000'000'000), 2881);
  EXPECT_EQ(horizon_intervals(0, 60'000'000'000), 1);
  EXPECT_EQ(horizon_intervals(59'999'999'999, 60'000'000'000), 1);
}

}  // namespace
}  // namespace backstop::sizing
