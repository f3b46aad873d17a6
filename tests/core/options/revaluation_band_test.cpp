#include "backstop/options/revaluation_band.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "backstop/options/margin_excess.hpp"

namespace backstop {
namespace {

// Linear books as in portfolio_margin_test: mult 10,000 micro-USDC per (1 USD tick x 0.01 BTC lot).
constexpr std::int64_t kLot = 10'000;
constexpr std::int64_t kDays30 = 30 * kNanosPerDay;
constexpr std::int64_t kSpot = 60000;

PortfolioOption option(OptionRight right, std::int64_t strike, std::int64_t qty) {
  return PortfolioOption{right, strike, kDays30, qty, kLot, kSpot, 600'000};
}

struct Book {
  std::vector<PortfolioOption> options;
  std::vector<PortfolioFuture> futures;
  Int128 other_equity = 0;
  OptionMarginModel model = OptionMarginModel::kStandard;
  std::int64_t underlying = kSpot;

  BookMarginInputs inputs() const {
    BookMarginInputs in;
    in.book = PortfolioBook{OptionSettlement::kLinear, 0, options, futures};
    in.underlying_ticks = underlying;
    in.other_equity = other_equity;
    in.model = model;
    return in;
  }
  Book moved(std::int64_t d) const {
    Book b = *this;
    b.underlying += d;
    for (PortfolioOption& o : b.options)
      o.forward_ticks += d;
    for (PortfolioFuture& f : b.futures)
      f.mark_ticks += d;
    return b;
  }
};

// Volatility and time held still: the hand-computable band.
constexpr RevaluationBandRequest kPricesOnly{0, 0};

RevaluationBand band_of(const Book& b, const RevaluationBandRequest& r = kPricesOnly) {
  std::vector<Int128> losses(scenario_count(PortfolioMarginConfig{}));
  std::vector<RevaluationBandTerm> terms(revaluation_band_term_count(b.inputs()));
  return revaluation_band(b.inputs(), r, losses, terms);
}

Int128 excess_of(const Book& b) {
  std::vector<Int128> losses(scenario_count(PortfolioMarginConfig{}));
  const MarginExcess e = margin_excess(b.inputs(), losses);
  EXPECT_TRUE(e.ok());
  return e.excess;
}

// The first distance on `side` at which the exact excess is < 0 (0: none within `limit`).
std::int64_t true_crossing(const Book& b, int side, std::int64_t limit) {
  for (std::int64_t x = 1; x <= limit; ++x) {
    if (excess_of(b.moved(side * x)) < 0) return x;
  }
  return 0;
}

// The band is sound (its edge lies before the exact excess's first crossing, found tick by tick)
// and not uselessly narrow: it reaches at least `share` of the way to the crossing.
void expect_sound_and_useful(const Book& b, const RevaluationBand& band, double share) {
  for (int side = -1; side <= 1; side += 2) {
    const std::int64_t edge = side > 0 ? band.high_ticks - kSpot : kSpot - band.low_ticks;
    const std::int64_t crossing = true_crossing(b, side, kSpot - 100);
    if (crossing == 0) continue;
    EXPECT_LT(edge, crossing) << "side " << side;
    EXPECT_GE(static_cast<double>(edge), share * static_cast<double>(crossing)) << "side " << side;
  }
}

// Expected bands from tests/core/options/revaluation_band_reference.py (an independent
// implementation of docs/options.md's derivation); the C++ band may differ by one tick of
// floating-point rounding at the root.
void expect_band(const RevaluationBand& band, std::int64_t low, std::int64_t high) {
  ASSERT_TRUE(band.ok()) << to_string(band.status);
  EXPECT_NEAR(static_cast<double>(band.low_ticks), static_cast<double>(low), 1.0);
  EXPECT_NEAR(static_cast<double>(band.high_ticks), static_cast<double>(high), 1.0);
}

TEST(RevaluationBand, ShortCallHandComputed) {
  // The worked example of docs/options.md: -10 calls K = 62,000, 30 days, 60 % (s = 0.1720),
  // S0 = 60,000, standard margin, 3,000 USDC beside. A = 1,898,711,983, B = -99,168.14 per tick.
  // Above S0 the forward passes K e^(-s^2/2) = 61,089, where d1 = 0, so G = 2 x 1e5 x n(0) /
  // (60,000 x 0.1720) = 7.7308 per tick^2; slack 41; the root is 12,780.08 ticks. The excess truly
  // crosses 0 at +13,230.
  Book b;
  b.options = {option(OptionRight::kCall, 62000, -10)};
  b.other_equity = 3'000'000'000;
  const RevaluationBand band = band_of(b);
  expect_band(band, 34285, 72780);
  EXPECT_EQ(band.volatility_band_ppm, 0);
  EXPECT_EQ(true_crossing(b, 1, 20000), 13230);
  expect_sound_and_useful(b, band, 0.9);
}

TEST(RevaluationBand, ShortPutHandComputed) {
  Book b;
  b.options = {option(OptionRight::kPut, 58000, -10)};
  b.other_equity = 3'000'000'000;
  const RevaluationBand band = band_of(b);
  expect_band(band, 46197, 94108);
  expect_sound_and_useful(b, band, 0.9);
}

TEST(RevaluationBand, ShortStraddleHandComputed) {
  Book b;
  b.options = {option(OptionRight::kCall, 60000, -10), option(OptionRight::kPut, 60000, -10)};
  b.other_equity = 6'000'000'000;
  const RevaluationBand band = band_of(b);
  expect_band(band, 41169, 79397);
  // Below S0 the bound takes the straddle's gamma at the strike (its largest) for every mark:
  // two thirds of the way to the crossing.
  expect_sound_and_useful(b, band, 0.6);
}

TEST(RevaluationBand, PerpetualHedgedWithPutHandComputed) {
  // Long 10 perpetual lots and 10 puts K = 57,000. Both are convex (G = 0): the band is linear
  // below S0, where the put's delta at S0 (-0.32) offsets a third of the perpetual's loss, and
  // unbounded above up to the cap (2 S0).
  Book b;
  b.options = {option(OptionRight::kPut, 57000, 10)};
  b.futures = {PortfolioFuture{10, kLot, kSpot}};
  b.other_equity = -5'600'000'000;
  const RevaluationBand band = band_of(b);
  expect_band(band, 50093, 120000);
  // The tangent ignores the put's gain in delta below S0: sound, and short of the crossing.
  expect_sound_and_useful(b, band, 0.5);
}

TEST(RevaluationBand, EmptyWhenAlreadyUnderMaintenance) {
  Book b;
  b.options = {option(OptionRight::kCall, 62000, -10)};
  b.other_equity = 3'000'000'000;
  const Int128 excess = excess_of(b);
  ASSERT_GT(excess, 0);
  b.other_equity -= excess + 1;  // one unit short of the maintenance margin
  for (const OptionMarginModel model :
       {OptionMarginModel::kStandard, OptionMarginModel::kPortfolio}) {
    b.model = model;
    const RevaluationBand band = band_of(b, RevaluationBandRequest{});
    ASSERT_TRUE(band.ok());
    EXPECT_LT(band.excess, 0);
    EXPECT_TRUE(band.empty());
    EXPECT_EQ(band.volatility_band_ppm, 0);
  }
}

TEST(RevaluationBand, ExactlyAtMaintenanceHoldsOnlyTheCurrentMark) {
  // Excess 0 is healthy (docs/design.md §3.3), but the rounding slack leaves no room to move.
  Book b;
  b.options = {option(OptionRight::kCall, 62000, -10)};
  b.other_equity = 3'000'000'000;
  b.other_equity -= excess_of(b);
  const RevaluationBand band = band_of(b, RevaluationBandRequest{});
  ASSERT_TRUE(band.ok());
  EXPECT_EQ(band.excess, 0);
  EXPECT_EQ(band.low_ticks, kSpot);
  EXPECT_EQ(band.high_ticks, kSpot);
  EXPECT_EQ(band.volatility_band_ppm, 0);
  EXPECT_EQ(band.valid_until_ns, 0);
}

TEST(RevaluationBand, VolatilityBandAndHorizonNarrowThePriceBandAndAreGranted) {
  Book b;
  b.options = {option(OptionRight::kCall, 62000, -10)};
  b.other_equity = 3'000'000'000;
  const RevaluationBand still = band_of(b);
  const RevaluationBand moving = band_of(b, RevaluationBandRequest{50'000, 60'000'000'000});
  ASSERT_TRUE(moving.ok());
  EXPECT_EQ(moving.volatility_band_ppm, 50'000);
  EXPECT_EQ(moving.valid_until_ns, 60'000'000'000);
  EXPECT_LT(moving.high_ticks, still.high_ticks);  // the short pays for a higher volatility
  // At the band's worst corner (volatility up 5 %, the top of the band) the excess is still >= 0.
  Book corner = b.moved(moving.high_ticks - kSpot);
  corner.options[0].volatility_ppm = 630'000;
  EXPECT_GE(excess_of(corner), 0);
}

TEST(RevaluationBand, HorizonIsAtMostHalfTheShortestExpiry) {
  Book b;
  b.options = {option(OptionRight::kCall, 62000, -10)};
  b.options[0].expiry_ns = 2'000'000'000;  // two seconds left
  b.other_equity = 3'000'000'000;
  const RevaluationBand band = band_of(b, RevaluationBandRequest{0, 60'000'000'000});
  ASSERT_TRUE(band.ok());
  EXPECT_EQ(band.valid_until_ns, 1'000'000'000);
}

TEST(RevaluationBand, RefusesBadRequestsAndScratch) {
  Book b;
  b.options = {option(OptionRight::kCall, 62000, -10)};
  b.other_equity = 3'000'000'000;
  EXPECT_EQ(band_of(b, RevaluationBandRequest{1'000'000, 0}).status, OptionStatus::kInvalidConfig);
  EXPECT_EQ(band_of(b, RevaluationBandRequest{0, -1}).status, OptionStatus::kInvalidConfig);
  b.model = OptionMarginModel::kPortfolio;
  std::vector<Int128> losses(scenario_count(PortfolioMarginConfig{}));
  std::vector<RevaluationBandTerm> terms(scenario_count(PortfolioMarginConfig{}));  // one short
  EXPECT_EQ(revaluation_band(b.inputs(), kPricesOnly, losses, terms).status,
            OptionStatus::kScratchTooSmall);
}

TEST(RevaluationBand, VolatilityInsideBandIsExactAtItsEdges) {
  EXPECT_TRUE(volatility_inside_band(600'000, 630'000, 50'000));
  EXPECT_FALSE(volatility_inside_band(600'000, 630'001, 50'000));
  EXPECT_TRUE(volatility_inside_band(600'000, 570'000, 50'000));
  EXPECT_FALSE(volatility_inside_band(600'000, 569'999, 50'000));
}

}  // namespace
}  // namespace backstop
