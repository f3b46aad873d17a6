// The book-depth walk of a liquidation order: the volume-weighted price of a piecewise-linear book,
// the limit, the depletion of a snapshot, rounding against the liquidated account, and a seeded
// property test against a lot-by-lot reference.
#include "replay/book_depth.hpp"

#include <gtest/gtest.h>

#include <random>

namespace backstop::replay {
namespace {

// 100 lots per 1 % band on each side.
constexpr std::array<std::int64_t, kDepthBands> kEven{100, 200, 300, 400, 500};

TEST(BookDepth, FillsWithinTheFirstBandAtItsMeanOffset) {
  // 50 lots of the first 100 spread over 0-1 %: mean offset 0.25 %.
  const DepthFill f = walk_depth(kEven, 0, true, 10'000, 1, 50);
  EXPECT_EQ(f.lots, 50);
  EXPECT_EQ(f.ticks, 9'975);
  const DepthFill b = walk_depth(kEven, 0, false, 10'000, 20'000, 50);
  EXPECT_EQ(b.lots, 50);
  EXPECT_EQ(b.ticks, 10'025);
}

TEST(BookDepth, WalksAcrossBandsVolumeWeighted) {
  // 100 lots at a mean 0.5 %, 50 at a mean 1.25 %: 0.75 % overall.
  const DepthFill f = walk_depth(kEven, 0, true, 10'000, 1, 150);
  EXPECT_EQ(f.lots, 150);
  EXPECT_EQ(f.ticks, 9'925);
}

TEST(BookDepth, StopsAtTheLimitAndNeverCrossesIt) {
  // The limit 0.5 % below mid leaves 50 lots.
  const DepthFill f = walk_depth(kEven, 0, true, 10'000, 9'950, 400);
  EXPECT_EQ(f.lots, 50);
  EXPECT_EQ(f.ticks, 9'975);
  EXPECT_GE(f.ticks, 9'950);
  // A limit on the wrong side of the mark (a bankrupt account) fills nothing.
  EXPECT_EQ(walk_depth(kEven, 0, true, 10'000, 10'000, 10).lots, 0);
  EXPECT_EQ(walk_depth(kEven, 0, false, 10'000, 9'999, 10).lots, 0);
}

TEST(BookDepth, StopsAtTheFifthBand) {
  const DepthFill f = walk_depth(kEven, 0, true, 10'000, 1, 10'000);
  EXPECT_EQ(f.lots, 500);
  EXPECT_EQ(f.ticks, 9'750);  // mean offset 2.5 %
}

TEST(BookDepth, ConsumedDepthIsNotSoldTwice) {
  // The first 100 lots are gone: the next 50 fill at a mean 1.25 %.
  const DepthFill f = walk_depth(kEven, 100, true, 10'000, 1, 50);
  EXPECT_EQ(f.lots, 50);
  EXPECT_EQ(f.ticks, 9'875);
  EXPECT_EQ(walk_depth(kEven, 500, true, 10'000, 1, 50).lots, 0);
}

TEST(BookDepth, RoundsAgainstTheLiquidatedAccount) {
  // 1 lot in a 3-lot band: mean offset 1/6 % of 1,000 ticks = 1.67 ticks.
  const std::array<std::int64_t, kDepthBands> thin{3, 3, 3, 3, 3};
  EXPECT_EQ(walk_depth(thin, 0, true, 1'000, 1, 1).ticks, 998);
  EXPECT_EQ(walk_depth(thin, 0, false, 1'000, 2'000, 1).ticks, 1'002);
}

TEST(BookDepth, EmptyBandsAreSkipped) {
  const std::array<std::int64_t, kDepthBands> gap{0, 0, 100, 100, 100};
  const DepthFill f = walk_depth(gap, 0, true, 10'000, 1, 100);
  EXPECT_EQ(f.lots, 100);
  EXPECT_EQ(f.ticks, 9'750);  // all in the third band, mean 2.5 %
}

// Reference: lot by lot, lot i (0-based) sits at offset X(i + 1/2) of the piecewise-linear curve;
// the mean offset of the walk in double, then compared to the exact integer walk: within a tick
// and the offset's round-up, and never in the account's favour.
TEST(BookDepth, MatchesALotByLotReference) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 500; ++trial) {
    std::array<std::int64_t, kDepthBands> c{};
    std::int64_t sum = 0;
    for (auto& v : c) {
      sum += static_cast<std::int64_t>(rng() % 50);
      v = sum;
    }
    if (c[4] == 0) continue;
    const std::int64_t mark = 1'000 + static_cast<std::int64_t>(rng() % 100'000);
    const std::int64_t consumed = static_cast<std::int64_t>(rng() % (c[4] + 1));
    const std::int64_t want = 1 + static_cast<std::int64_t>(rng() % 60);
    const bool sell = (rng() & 1) != 0;
    const DepthFill f = walk_depth(c, consumed, sell, mark, sell ? 1 : mark * 10, want);
    EXPECT_EQ(f.lots, std::min(want, c[4] - consumed));
    if (f.lots == 0) continue;
    double total = 0;
    for (std::int64_t i = consumed; i < consumed + f.lots; ++i) {
      const double y = static_cast<double>(i) + 0.5;
      std::size_t k = 0;
      while (static_cast<double>(c[k]) < y)
        ++k;
      const double lo = k == 0 ? 0.0 : static_cast<double>(c[k - 1]);
      total += (static_cast<double>(k) + (y - lo) / (static_cast<double>(c[k]) - lo)) * 0.01;
    }
    const double mean = total / static_cast<double>(f.lots);
    const double expect = static_cast<double>(mark) * (sell ? 1 - mean : 1 + mean);
    // One tick of rounding plus the offset's per-band round-up (at most 1 ppm x lot per band).
    const double slack =
        static_cast<double>(mark) * kDepthBands * 1e-6 / static_cast<double>(f.lots);
    EXPECT_NEAR(static_cast<double>(f.ticks), expect, 1.0 + slack);
    if (sell) {
      EXPECT_LE(static_cast<double>(f.ticks), expect + 1e-6);  // a seller gets no more
    } else {
      EXPECT_GE(static_cast<double>(f.ticks), expect - 1e-6);  // a buyer pays no less
    }
  }
}

}  // namespace
}  // namespace backstop::replay
