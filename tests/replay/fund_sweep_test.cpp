// The fund sweep (docs/fund-sweep.md): the bisection over synthetic probes whose answer is known
// (a threshold, a non-monotone step, too few replays, no answer at all), then over real replays
// of the 2025-10-10 mark file: the fund found needs no ADL, socialization or bad debt and one
// resolution step below does, each checked by an independent replay.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "replay/fund_sweep.hpp"
#include "replay/replay.hpp"

namespace backstop::replay {
namespace {

const std::string kMarkFile =
    std::string(BACKSTOP_DATA_DIR) + "/binance_cm_BTCUSD_PERP_markPrice_1m_2025-10-10.csv";

// A synthetic venue that needs the end of the waterfall below `threshold`.
FundProbeFn threshold_probe(std::int64_t threshold, std::int64_t covered, int* calls = nullptr) {
  return [=](std::int64_t fund, std::string&) -> std::optional<FundProbe> {
    if (calls != nullptr) ++*calls;
    FundProbe p;
    p.needs_end = fund < threshold;
    p.adl_fills = p.needs_end ? 3 : 0;
    p.covered = covered;
    return p;
  };
}

TEST(FundSearch, FindsTheSmallestMultipleOfTheResolutionAtOrAboveTheThreshold) {
  FundSearchOptions o;
  o.resolution = 10;
  std::string error;
  int calls = 0;
  const auto r = search_min_fund(threshold_probe(12'345, 9'000, &calls), o, error);
  ASSERT_TRUE(r.has_value()) << error;
  EXPECT_TRUE(r->found);
  EXPECT_TRUE(r->converged);
  EXPECT_EQ(r->resolution, 10);
  EXPECT_EQ(r->min_needed, 12'350);
  EXPECT_FALSE(r->at.needs_end);
  ASSERT_TRUE(r->below.has_value());
  EXPECT_EQ(r->below->fund, 12'340);
  EXPECT_TRUE(r->below->needs_end);
  EXPECT_EQ(r->replays, static_cast<std::uint32_t>(calls));
  EXPECT_EQ(r->probes.size(), r->replays);
}

TEST(FundSearch, AutomaticResolutionIsAPowerOfTenBelowAThousandthOfTheFirstBound) {
  // Fund 0 covered 4,000,000: the first bound is 8,000,000, the resolution 1,000.
  std::string error;
  const auto r = search_min_fund(threshold_probe(5'432'100, 4'000'000), {}, error);
  ASSERT_TRUE(r.has_value()) << error;
  EXPECT_EQ(r->resolution, 1'000);
  EXPECT_EQ(r->min_needed, 5'433'000);
  ASSERT_TRUE(r->below.has_value());
  EXPECT_EQ(r->below->fund, 5'432'000);
  EXPECT_TRUE(r->converged);
}

TEST(FundSearch, GrowsTheBoundWhenTwiceTheFirstRunIsNotEnough) {
  FundSearchOptions o;
  o.resolution = 1;
  o.max_replays = 100;
  std::string error;
  const auto r = search_min_fund(threshold_probe(1'000'003, 10), o, error);
  ASSERT_TRUE(r.has_value()) << error;
  EXPECT_EQ(r->min_needed, 1'000'003);
  EXPECT_EQ(r->below->fund, 1'000'002);
  EXPECT_TRUE(r->converged);
}

TEST(FundSearch, AZeroFundThatNeedsNoEndIsTheAnswer) {
  std::string error;
  const auto r = search_min_fund(threshold_probe(0, 0), {}, error);
  ASSERT_TRUE(r.has_value()) << error;
  EXPECT_TRUE(r->found);
  EXPECT_TRUE(r->converged);
  EXPECT_EQ(r->min_needed, 0);
  EXPECT_FALSE(r->below.has_value());
  EXPECT_EQ(r->replays, 1u);
}

TEST(FundSearch, ResolutionIsAMultipleOfTheGranularity) {
  FundSearchOptions o;
  o.resolution = 7;
  o.granularity = 5;
  std::string error;
  const auto r = search_min_fund(threshold_probe(101, 60), o, error);
  ASSERT_TRUE(r.has_value()) << error;
  EXPECT_EQ(r->resolution, 10);
  EXPECT_EQ(r->min_needed, 110);
  EXPECT_EQ(r->below->fund, 100);
}

TEST(FundSearch, TooFewReplaysLeaveTheBracketOpenAndSaySo) {
  FundSearchOptions o;
  o.resolution = 1;
  o.max_replays = 4;
  std::string error;
  const auto r = search_min_fund(threshold_probe(777'777, 500'000), o, error);
  ASSERT_TRUE(r.has_value()) << error;
  EXPECT_EQ(r->replays, 4u);
  EXPECT_TRUE(r->found);
  EXPECT_FALSE(r->converged);
  EXPECT_FALSE(r->at.needs_end);
  ASSERT_TRUE(r->below.has_value());
  EXPECT_TRUE(r->below->needs_end);
  EXPECT_GT(r->min_needed - r->below->fund, r->resolution);
}

TEST(FundSearch, NoFundUpToTheCapIsNotFound) {
  FundSearchOptions o;
  o.max_fund = 1'000;
  std::string error;
  const auto r = search_min_fund(threshold_probe(5'000, 100), o, error);
  ASSERT_TRUE(r.has_value()) << error;
  EXPECT_FALSE(r->found);
  EXPECT_FALSE(r->converged);
  ASSERT_TRUE(r->below.has_value());
  EXPECT_TRUE(r->below->needs_end);
}

TEST(FundSearch, ANonMonotoneVenueStillGetsAMeasuredBracket) {
  // Needs the end below 100 and again in [150, 170): whatever the bisection lands on, the
  // answer needs no end and the fund one step below it does.
  const FundProbeFn probe = [](std::int64_t fund, std::string&) -> std::optional<FundProbe> {
    FundProbe p;
    p.needs_end = fund < 100 || (fund >= 150 && fund < 170);
    p.covered = 90;
    return p;
  };
  FundSearchOptions o;
  o.resolution = 1;
  std::string error;
  const auto r = search_min_fund(probe, o, error);
  ASSERT_TRUE(r.has_value()) << error;
  EXPECT_TRUE(r->converged);
  EXPECT_FALSE(r->at.needs_end);
  ASSERT_TRUE(r->below.has_value());
  EXPECT_TRUE(r->below->needs_end);
  EXPECT_EQ(r->min_needed - r->below->fund, 1);
  EXPECT_TRUE(r->min_needed == 100 || r->min_needed == 170) << r->min_needed;
}

TEST(FundSearch, AFailingProbeStopsTheSearchWithItsError) {
  const FundProbeFn probe = [](std::int64_t fund, std::string& error) -> std::optional<FundProbe> {
    if (fund > 0) {
      error = "unreadable";
      return std::nullopt;
    }
    FundProbe p;
    p.needs_end = true;
    p.covered = 10;
    return p;
  };
  std::string error;
  EXPECT_FALSE(search_min_fund(probe, {}, error).has_value());
  EXPECT_EQ(error, "unreadable");
}

ReplayOptions mark_file_options() {
  ReplayOptions o;
  o.files = {kMarkFile};
  o.accounts = 500;
  o.default_fund_ppm = 0;
  return o;
}

TEST(FundSweep, OnTheCrashDayTheFundFoundAvoidsTheEndAndOneStepBelowDoesNot) {
  if (!std::filesystem::exists(kMarkFile)) GTEST_SKIP() << kMarkFile << " absent";
  FundSweepOptions sweep;
  sweep.resolution = marketdata::Decimal{1, -4};  // 0.0001 BTC
  SweepFailure failure = SweepFailure::kNone;
  std::string error;
  const std::optional<FundSweep> w = sweep_fund(mark_file_options(), sweep, failure, error);
  ASSERT_TRUE(w.has_value()) << error;
  EXPECT_EQ(w->asset, "BTC");
  EXPECT_EQ(w->search.resolution, 10'000);
  ASSERT_TRUE(w->search.found);
  ASSERT_TRUE(w->search.converged);
  ASSERT_GT(w->search.min_needed, 0);
  ASSERT_TRUE(w->search.below.has_value());
  EXPECT_EQ(w->search.below->fund, w->search.min_needed - 10'000);

  // Independent replays at the answer and one step below.
  ReplayOptions at = mark_file_options();
  at.insurance_fund_money[kBtcAsset] = w->search.min_needed;
  const std::optional<ReplaySummary> s_at = run_replay(at, error);
  ASSERT_TRUE(s_at.has_value()) << error;
  EXPECT_FALSE(needs_waterfall_end(*s_at));
  EXPECT_EQ(s_at->assets[0].insurance_fund_start, w->search.min_needed);
  EXPECT_EQ(s_at->digest, w->search.at.digest);
  ReplayOptions below = at;
  below.insurance_fund_money[kBtcAsset] = w->search.min_needed - 10'000;
  const std::optional<ReplaySummary> s_below = run_replay(below, error);
  ASSERT_TRUE(s_below.has_value()) << error;
  EXPECT_TRUE(needs_waterfall_end(*s_below));
  EXPECT_GT(s_below->adl_fills + s_below->socializations, 0u);

  const std::string json = fund_sweep_json(*w);
  EXPECT_NE(json.find("\"insurance_fund_min_needed\": " + std::to_string(w->search.min_needed)),
            std::string::npos)
      << json;
  EXPECT_NE(fund_sweep_text(*w).find("insurance fund min needed"), std::string::npos);
}

TEST(FundSweep, AResolutionFinerThanTheAssetsMoneyIsRefused) {
  if (!std::filesystem::exists(kMarkFile)) GTEST_SKIP() << kMarkFile << " absent";
  FundSweepOptions sweep;
  sweep.resolution = marketdata::Decimal{1, -9};  // below one satoshi
  SweepFailure failure = SweepFailure::kNone;
  std::string error;
  EXPECT_FALSE(sweep_fund(mark_file_options(), sweep, failure, error).has_value());
  EXPECT_EQ(failure, SweepFailure::kResolution);
  EXPECT_NE(error.find("0.00000001 BTC"), std::string::npos) << error;
}

TEST(FundSweep, AnAbsoluteInsuranceFundSeedsExactlyThatAmount) {
  if (!std::filesystem::exists(kMarkFile)) GTEST_SKIP() << kMarkFile << " absent";
  ReplayOptions o = mark_file_options();
  o.insurance_fund_money[kBtcAsset] = 123'456'789;
  o.default_fund_money[kBtcAsset] = 1'000'003;
  std::string error;
  const std::optional<ReplaySummary> s = run_replay(o, error);
  ASSERT_TRUE(s.has_value()) << error;
  EXPECT_EQ(s->assets[0].insurance_fund_start, 123'456'789);
  // Five members, each contributing a fifth rounded down.
  EXPECT_EQ(s->assets[0].default_fund_start, 1'000'000);
}

}  // namespace
}  // namespace backstop::replay
