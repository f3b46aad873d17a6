// The drawdown trigger's level recomputed for the report's fund chart: against hand-computed
// values at the window's edges, after a new high, with rounding up to the unit and with products
// beyond 64 bits; and against a direct reference on seeded random series.
#include "report/drawdown_level.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

namespace backstop::report {
namespace {

constexpr std::int64_t kBybitPpm = 300'000;  // 30 %: the level is 0.7 x the window's high

// Window 10: at t = 10 the sample of t = 0 is exactly W old and still counts (the engine's
// window); at t = 11 it has left, so the level follows the lower high of what remains; a new high
// raises it at once.
TEST(DrawdownLevel, FollowsTheHighestSampleOfTheTrailingWindow) {
  const std::vector<FundSample> samples = {{0, 1000}, {5, 800},  {10, 700}, {11, 900},
                                           {20, 500}, {21, 950}, {40, 100}};
  const std::vector<std::int64_t> levels = drawdown_levels(samples, kBybitPpm, 10);
  // ceil(0.7 x M): M = 1000, 1000, 1000 (t = 0 on the edge), 900, 900, 950 (new high), 100 (only
  // itself in [30, 40]).
  EXPECT_EQ(levels, (std::vector<std::int64_t>{700, 700, 700, 630, 630, 665, 70}));
}

TEST(DrawdownLevel, RoundsTheLevelUpToTheUnit) {
  // 7.5 %: 0.925 x 1001 = 925.925 -> 926; 0.925 x 1000 = 925 exactly; 0.925 x 1 -> 1.
  const std::vector<FundSample> samples = {{0, 1001}};
  EXPECT_EQ(drawdown_levels(samples, 75'000, 1), std::vector<std::int64_t>{926});
  EXPECT_EQ(drawdown_levels(std::vector<FundSample>{{0, 1000}}, 75'000, 1),
            std::vector<std::int64_t>{925});
  EXPECT_EQ(drawdown_levels(std::vector<FundSample>{{0, 1}}, 75'000, 1),
            std::vector<std::int64_t>{1});
  EXPECT_EQ(drawdown_levels(std::vector<FundSample>{{0, 0}}, 75'000, 1),
            std::vector<std::int64_t>{0});
}

// A fund of 4e18 units times 700,000 overflows 64 bits: the product is taken in 128.
TEST(DrawdownLevel, ExactForFundsWhoseProductExceeds64Bits) {
  const std::vector<FundSample> samples = {{0, 4'000'000'000'000'000'001}};
  EXPECT_EQ(drawdown_levels(samples, kBybitPpm, 1),
            std::vector<std::int64_t>{2'800'000'000'000'000'001});  // 2.8e18 + 0.7, rounded up
}

// Samples at one time: each level counts those before it; all of them leave the window together.
TEST(DrawdownLevel, SamplesAtOneTimeLeaveTheWindowTogether) {
  const std::vector<FundSample> samples = {{5, 300}, {5, 1000}, {5, 200}, {16, 200}};
  EXPECT_EQ(drawdown_levels(samples, kBybitPpm, 10),
            (std::vector<std::int64_t>{210, 700, 700, 140}));
}

TEST(DrawdownLevel, EmptySeriesGivesNoLevels) {
  EXPECT_TRUE(drawdown_levels({}, kBybitPpm, 10).empty());
}

// Seeded random series (times with repeats, funds rising and falling) against the definition
// computed directly: max over the window, then ceil(M x (10^6 - X) / 10^6).
TEST(DrawdownLevel, MatchesTheDefinitionOnRandomSeries) {
  std::mt19937_64 rng(20251010);
  for (int round = 0; round < 200; ++round) {
    std::vector<FundSample> samples;
    std::int64_t t = 0;
    const auto n = static_cast<std::size_t>(rng() % 60);
    for (std::size_t i = 0; i < n; ++i) {
      t += static_cast<std::int64_t>(rng() % 4);
      samples.push_back({t, static_cast<std::int64_t>(rng() % 100'000)});
    }
    const auto ppm = static_cast<std::int64_t>(1 + rng() % 999'999);
    const auto window = static_cast<std::int64_t>(1 + rng() % 20);
    const std::vector<std::int64_t> levels = drawdown_levels(samples, ppm, window);
    ASSERT_EQ(levels.size(), samples.size());
    for (std::size_t i = 0; i < samples.size(); ++i) {
      std::int64_t high = 0;
      for (std::size_t j = 0; j <= i; ++j) {
        if (samples[j].time_ns >= samples[i].time_ns - window)
          high = std::max(high, samples[j].fund);
      }
      const std::int64_t product = high * (1'000'000 - ppm);
      const std::int64_t expected = product / 1'000'000 + (product % 1'000'000 != 0 ? 1 : 0);
      ASSERT_EQ(levels[i], expected) << "round " << round << ", sample " << i;
    }
  }
}

}  // namespace
}  // namespace backstop::report
