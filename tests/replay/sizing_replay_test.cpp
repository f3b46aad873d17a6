// Fund sizing in the replay (sizing_stage.hpp, docs/sizing.md) on the real 2025-10-10 crash file:
// the same digest and report in the synchronous and the threaded mode, the tier decisions reaching
// the engine as inputs (they change its state; observing only does not), the coverage falling to
// red before the crash's bottom, and the coverage book's live requirement equal to a from-scratch
// recomputation on the engine's final state.
#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "backstop/risk_engine.hpp"
#include "replay/replay.hpp"
#include "sizing/account_mirror.hpp"
#include "sizing/coverage_book.hpp"
#include "sizing/scenario_set.hpp"

namespace backstop::replay {
namespace {

const std::string kCrashFile =
    std::string(BACKSTOP_DATA_DIR) + "/binance_cm_BTCUSD_PERP_markPrice_1m_2025-10-10.csv";

ReplayOptions sized(bool threaded, bool send_controls = true) {
  ReplayOptions o;
  o.files = {kCrashFile};
  o.accounts = 2000;
  o.threaded = threaded;
  SizingOptions s;
  s.send_controls = send_controls;
  o.sizing = s;
  return o;
}

ReplaySummary run(const ReplayOptions& o) {
  std::string error;
  std::optional<ReplaySummary> s = run_replay(o, error);
  EXPECT_TRUE(s.has_value()) << error;
  return s ? *s : ReplaySummary{};
}

TEST(SizingReplay, SameDigestAndDecisionsInBothModes) {
  const ReplaySummary sync = run(sized(false));
  const ReplaySummary threaded = run(sized(true));
  ASSERT_TRUE(sync.sizing.enabled);
  EXPECT_TRUE(sync.conservation_ok) << sync.conservation_detail;
  EXPECT_TRUE(threaded.conservation_ok) << threaded.conservation_detail;
  EXPECT_EQ(sync.digest, threaded.digest);
  ASSERT_EQ(sync.sizing.coverage.size(), threaded.sizing.coverage.size());
  for (std::size_t k = 0; k < sync.sizing.coverage.size(); ++k) {
    EXPECT_EQ(sync.sizing.coverage[k].time_ns, threaded.sizing.coverage[k].time_ns);
    EXPECT_EQ(sync.sizing.coverage[k].cover2, threaded.sizing.coverage[k].cover2);
    EXPECT_EQ(sync.sizing.coverage[k].funds, threaded.sizing.coverage[k].funds);
  }
  ASSERT_EQ(sync.sizing.triggers.size(), threaded.sizing.triggers.size());
  EXPECT_EQ(sync.sizing.controls_sent, threaded.sizing.controls_sent);
  EXPECT_EQ(sync.sizing.feed_errors, 0u);
}

TEST(SizingReplay, TierDecisionsEnterTheEngineAndObservingOnlyChangesNothing) {
  const ReplaySummary plain = run([] {
    ReplayOptions o = sized(false);
    o.sizing.reset();
    return o;
  }());
  const ReplaySummary observing = run(sized(false, false));
  const ReplaySummary deciding = run(sized(false, true));
  // Observing only: the state feed and the stage leave the engine's state as without them.
  EXPECT_EQ(plain.digest, observing.digest);
  EXPECT_EQ(observing.sizing.controls_sent, 0u);
  // Deciding: the crash moves the tiers, each change is sent, and the engine's state differs
  // (the fund's share of fees changed, members were called).
  ASSERT_GT(deciding.sizing.triggers.size(), 0u);
  EXPECT_GT(deciding.sizing.controls_sent, 0u);
  EXPECT_NE(deciding.digest, observing.digest);
  EXPECT_TRUE(deciding.conservation_ok) << deciding.conservation_detail;
}

TEST(SizingReplay, CoverageTurnsRedBeforeTheCrashBottom) {
  const ReplaySummary s = run(sized(false, false));
  ASSERT_FALSE(s.instruments.empty());
  // The bottom: the file's lowest minute candle (low 102,497.49) opens at 21:20 UTC.
  const std::int64_t bottom_ns = 1'760'131'200LL * 1'000'000'000;
  const auto red = std::find_if(s.sizing.coverage.begin(), s.sizing.coverage.end(),
                                [](const CoverageSample& c) { return c.tier == "red"; });
  ASSERT_NE(red, s.sizing.coverage.end()) << "coverage never turned red";
  EXPECT_LT(red->time_ns, bottom_ns);
  // Before it, the venue was covered: the first sample with a requirement was not red.
  const auto first =
      std::find_if(s.sizing.coverage.begin(), s.sizing.coverage.end(),
                   [](const CoverageSample& c) { return c.ratio != kNoRequirement; });
  ASSERT_NE(first, s.sizing.coverage.end());
  EXPECT_LT(red->ratio, 1.0);
  EXPECT_GE(first->ratio, 1.0);
  EXPECT_LT(first->time_ns, red->time_ns);
}

// The engine's own fund triggers reach the report with their numbers, on the thin-fund crash:
// the exposure cap (Binance's 100 % of the fund) sends takeovers to ADL; alone, the fund's
// drawdown (Bybit's 30 % in 8 h) switches the asset to ADL first, and back once the fund recovers.
std::size_t count(const ReplaySummary& s, const char* trigger) {
  return static_cast<std::size_t>(
      std::count_if(s.sizing.triggers.begin(), s.sizing.triggers.end(),
                    [&](const TriggerChange& t) { return t.trigger == trigger; }));
}

ReplayOptions thin(std::int64_t cap_ppm, std::int64_t drawdown_ppm) {
  ReplayOptions o = sized(false, false);
  o.insurance_fund_ppm = kThinFundPpm;
  o.default_fund_ppm = 0;
  o.exposure_cap_ppm = cap_ppm;
  o.drawdown_ppm = drawdown_ppm;
  return o;
}

TEST(SizingReplay, TheExposureCapFiresOnTheCrashAndIsReported) {
  const ReplaySummary s = run(thin(1'000'000, 0));
  EXPECT_TRUE(s.conservation_ok) << s.conservation_detail;
  EXPECT_GT(s.sizing.exposure_cap_hits, 0u);
  EXPECT_GT(count(s, "exposure_cap"), 0u);
  EXPECT_EQ(count(run(thin(0, 0)), "exposure_cap"), 0u);
}

TEST(SizingReplay, TheFundDrawdownSwitchesToAdlFirstOnTheCrashAndIsReported) {
  const ReplaySummary s = run(thin(0, 300'000));
  EXPECT_TRUE(s.conservation_ok) << s.conservation_detail;
  ASSERT_GT(count(s, "drawdown"), 0u);
  const auto on = std::find_if(s.sizing.triggers.begin(), s.sizing.triggers.end(),
                               [](const TriggerChange& t) { return t.trigger == "drawdown"; });
  EXPECT_EQ(on->to, "adl_first");
  EXPECT_GE(on->value, on->threshold);  // the fund had lost at least the trigger's share
  EXPECT_GT(on->threshold, 0.29);
  EXPECT_EQ(count(run(thin(0, 0)), "drawdown"), 0u);
}

// Contributions follow the requirement: with them on, members' targets are sent and the engine's
// default fund is no longer the seeded one; off, it is.
TEST(SizingReplay, ContributionTargetsAreSentAndMoveTheDefaultFund) {
  ReplayOptions on = sized(false, true);
  ReplayOptions off = sized(false, true);
  off.sizing->contribution_interval_ns = 0;
  const ReplaySummary with = run(on);
  const ReplaySummary without = run(off);
  EXPECT_GT(with.sizing.contribution_targets_sent, 0u);
  EXPECT_EQ(without.sizing.contribution_targets_sent, 0u);
  ASSERT_FALSE(with.assets.empty());
  EXPECT_NE(with.assets[0].default_fund_end, without.assets[0].default_fund_end);
  EXPECT_TRUE(with.conservation_ok) << with.conservation_detail;
}

// The price-deviation guard on the crash: when a mark lands more than 1 % from the last trade
// print, the instrument's liquidations are held (the hold sent just before that mark), and released
// inside 0.4 % or after five minutes; the same in both modes.
TEST(SizingReplay, APriceDeviationHoldsLiquidationsOnTheCrashAndReleasesThem) {
  const auto with_guard = [](bool threaded) {
    ReplayOptions o = sized(threaded, true);
    sizing::PriceDeviationConfig d;
    d.enter_ppm = 10'000;
    d.leave_ppm = 4'000;
    o.sizing->deviation = d;
    return o;
  };
  const ReplaySummary s = run(with_guard(false));
  EXPECT_TRUE(s.conservation_ok) << s.conservation_detail;
  ASSERT_GT(count(s, "deviation"), 0u);
  const auto started =
      std::find_if(s.sizing.triggers.begin(), s.sizing.triggers.end(),
                   [](const TriggerChange& t) { return t.trigger == "deviation"; });
  EXPECT_EQ(started->from, "free");
  EXPECT_GT(started->value, started->threshold);
  const auto released = std::find_if(
      started + 1, s.sizing.triggers.end(),
      [](const TriggerChange& t) { return t.trigger == "deviation" && t.to == "free"; });
  ASSERT_NE(released, s.sizing.triggers.end()) << "the hold never ended";
  EXPECT_LE(released->time_ns - started->time_ns, 5LL * 60 * 1'000'000'000 + 60'000'000'000);
  EXPECT_EQ(run(with_guard(true)).digest, s.digest);
}

// The day before the crash as history: its marks are loaded ahead of the replay's own (one more
// day of returns, nothing refused), and since they only feed the estimates an observing replay's
// digest stays the same.
TEST(SizingReplay, HistoryFromTheDayBeforeIsLoadedAheadOfTheReplaysMarks) {
  const std::string calm =
      std::string(BACKSTOP_SHARED_DATA_DIR) + "/binance_cm_BTCUSD_PERP_markPrice_1m_2025-10-09.csv";
  if (!std::filesystem::exists(calm)) GTEST_SKIP() << calm << " absent";
  ReplayOptions o = sized(false, false);
  o.sizing->history_files = {calm};
  const ReplaySummary with = run(o);
  const ReplaySummary without = run(sized(false, false));
  EXPECT_GE(with.sizing.history_loaded, 1440u);
  EXPECT_EQ(with.sizing.history_refused, 0u);
  EXPECT_GE(with.sizing.history_returns, without.sizing.history_returns + 1400);
  EXPECT_EQ(with.digest, without.digest);
  // One day against the 2-day margin period of risk: the figures had to be scaled, and say so.
  EXPECT_GE(without.sizing.sqrt_time_horizon, 2880u);
}

TEST(SizingReplay, AHistoryFileWithoutTheReplayedInstrumentIsRefused) {
  const std::string other =
      std::string(BACKSTOP_SHARED_DATA_DIR) + "/gemini_spot_ETHUSD_trades_2025-10-10.csv.gz";
  if (!std::filesystem::exists(other)) GTEST_SKIP() << other << " absent";
  ReplayOptions o = sized(false, false);
  o.sizing->history_files = {other};
  std::string error;
  EXPECT_FALSE(run_replay(o, error).has_value());
  EXPECT_NE(error.find("--history"), std::string::npos) << error;
}

// The liquidation cascade on the crash: more than 50 takeovers within 15 minutes raises the tier
// by one (cause "cascade"), and it falls back once the window holds 25 or fewer. The coverage
// thresholds are set out of reach (a ratio below 4e-6), so that the coverage alone stays green
// and the cascade has a tier to raise (red cannot be raised).
TEST(SizingReplay, TheLiquidationCascadeRaisesTheTierOnTheCrash) {
  ReplayOptions o = sized(false, false);
  o.sizing->tiers.red_enter_ppm = 1;
  o.sizing->tiers.red_leave_ppm = 2;
  o.sizing->tiers.amber_enter_ppm = 3;
  o.sizing->tiers.amber_leave_ppm = 4;
  o.sizing->tiers.cascade_count_enter = 50;
  o.sizing->tiers.cascade_count_leave = 25;
  const ReplaySummary s = run(o);
  ASSERT_GT(s.sizing.triggers.size(), 0u);
  const auto raised = std::find_if(s.sizing.triggers.begin(), s.sizing.triggers.end(),
                                   [](const TriggerChange& t) { return t.trigger == "cascade"; });
  ASSERT_NE(raised, s.sizing.triggers.end()) << "no cascade on the crash day";
  EXPECT_GT(raised->value, 50.0);  // the window's liquidations when it fired
  const auto lowered = std::find_if(
      raised + 1, s.sizing.triggers.end(),
      [](const TriggerChange& t) { return t.trigger == "cascade" && t.value <= 25.0; });
  EXPECT_NE(lowered, s.sizing.triggers.end()) << "the cascade never ended";
  EXPECT_EQ(count(run(sized(false, false)), "cascade"), 0u);  // the default thresholds: 1,000
}

// Anti-procyclicality on the end figures: the buffer is the calm requirement, 1.25 x the figure
// (each rounded up once, so within two units), and the floor never lowers a figure.
TEST(SizingReplay, AntiProcyclicalityRaisesTheFiguresAsEachToolSays) {
  const auto with_tool = [](sizing::ApcTool tool) {
    ReplayOptions o = sized(false, false);
    o.sizing->apc.tool = tool;
    return run(o);
  };
  const ReplaySummary none = with_tool(sizing::ApcTool::kNone);
  const ReplaySummary buffer = with_tool(sizing::ApcTool::kBuffer);
  const ReplaySummary floor = with_tool(sizing::ApcTool::kLookbackFloor);
  ASSERT_FALSE(none.sizing.assets.empty());
  for (std::size_t a = 0; a < none.sizing.assets.size(); ++a) {
    const std::int64_t v = none.sizing.assets[a].var;
    if (v == 0) continue;
    EXPECT_NEAR(static_cast<double>(buffer.sizing.assets[a].var), 1.25 * static_cast<double>(v),
                2.0);
    EXPECT_GE(floor.sizing.assets[a].var, v);
  }
  EXPECT_EQ(buffer.digest, none.digest);  // figures only
}

const std::string kCalmDay =
    std::string(BACKSTOP_SHARED_DATA_DIR) + "/binance_cm_BTCUSD_PERP_markPrice_1m_2025-10-09.csv";

std::string utc_minute(std::int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M", &tm);
  return text;
}

// By brute force from the file: the start of the h-minute window with the lowest (falls) or
// highest (rises) ratio of the price at its end to the price at its start. The history's minute
// boundary after a candle is its close time + 1 ms, priced at that candle's close; the last
// candle's boundary is not closed until a later price comes, so it is not in the history.
std::string worst_window_start(const std::string& path, std::size_t h, bool falls) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // header
  std::vector<std::pair<std::int64_t, double>> closes;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');)
      f.push_back(cell);
    closes.emplace_back(std::stoll(f[6]) + 1, std::stod(f[4]));
  }
  closes.pop_back();
  std::size_t best = 0;
  for (std::size_t k = 1; k + h < closes.size(); ++k) {
    const double r = closes[k + h].second / closes[k].second;
    const double b = closes[best + h].second / closes[best].second;
    if (falls ? r < b : r > b) best = k;
  }
  return utc_minute(closes[best].first);
}

// Six hours of margin period of risk over the calm day before the crash: one BTC fall and one rise
// are added, each named by its window's start, which a brute-force scan of the file finds too.
TEST(SizingReplay, HistoricalScenariosAreTheWorstWindowsOfTheLoadedHistory) {
  if (!std::filesystem::exists(kCalmDay)) GTEST_SKIP() << kCalmDay << " absent";
  ReplayOptions o = sized(false, false);
  o.sizing->history_files = {kCalmDay};
  o.sizing->horizon.mpor_ns = 6 * 3'600'000'000'000;
  const ReplaySummary s = run(o);
  ASSERT_EQ(s.sizing.historical_scenarios, 2u) << s.sizing.historical_note;
  ASSERT_EQ(s.sizing.historical_names.size(), 2u);
  const ReplaySummary plain = run(sized(false, false));
  EXPECT_EQ(s.sizing.scenarios, plain.sizing.scenarios + 2);
  const std::string fall = worst_window_start(kCalmDay, 360, true);
  const std::string rise = worst_window_start(kCalmDay, 360, false);
  EXPECT_NE(s.sizing.historical_names[0].find("BTC fall #1 (" + fall + " UTC +360"),
            std::string::npos)
      << s.sizing.historical_names[0] << " vs " << fall;
  EXPECT_NE(s.sizing.historical_names[1].find("BTC rise #1 (" + rise + " UTC +360"),
            std::string::npos)
      << s.sizing.historical_names[1] << " vs " << rise;
  EXPECT_EQ(s.digest, plain.digest);  // observing only
  // Two days of history hold enough 6-hour windows for every account: nothing was scaled.
  EXPECT_EQ(s.sizing.sqrt_time_horizon, 0u);
}

// The default two-day margin period of risk is longer than the one day loaded: no historical
// scenario, and the report says why.
TEST(SizingReplay, HistoryShorterThanTheHorizonAddsNoHistoricalScenarioAndSaysWhy) {
  if (!std::filesystem::exists(kCalmDay)) GTEST_SKIP() << kCalmDay << " absent";
  ReplayOptions o = sized(false, false);
  o.sizing->history_files = {kCalmDay};
  const ReplaySummary s = run(o);
  EXPECT_EQ(s.sizing.historical_scenarios, 0u);
  EXPECT_NE(s.sizing.historical_note.find("fewer than the margin period of risk's 2880"),
            std::string::npos)
      << s.sizing.historical_note;
}

// The 2025-10-10 BTCUSDT candles with Binance's book depth: every sample takes the latest
// snapshot's slippage, so that each account's stressed deficit - and so every sample's Cover-2 -
// is at least what it is without, and above it where a debtor holds a position. Observing only,
// so that both runs see the same engine state.
TEST(SizingReplay, BookDepthAddsSlippageToEveryStressedDeficit) {
  const std::string dir = BACKSTOP_SHARED_DATA_DIR;
  const std::string candles = dir + "/binance_um_BTCUSDT_priceKline_5m_2025-10-10.csv";
  const std::string depth = dir + "/binance_um_BTCUSDT_bookDepth_2025-10-10.csv";
  if (!std::filesystem::exists(candles) || !std::filesystem::exists(depth))
    GTEST_SKIP() << "the 2025-10-10 BTCUSDT candles or book depth are absent";
  ReplayOptions o = sized(false, false);
  o.files = {candles, depth};
  // New curves re-centre the scenario prices on the marks; without them the book keeps its
  // reference marks while they stay within the band. Band 0: both re-centre at every move.
  o.sizing->recentre_band = 0;
  const ReplaySummary with = run(o);
  o.sizing->depth_slippage = false;
  const ReplaySummary without = run(o);
  EXPECT_EQ(with.digest, without.digest);
  EXPECT_EQ(with.sizing.depth_instruments, 1u);
  EXPECT_GT(with.sizing.slippage_updates, 1000u);
  EXPECT_EQ(without.sizing.slippage_updates, 0u);
  ASSERT_EQ(with.sizing.coverage.size(), without.sizing.coverage.size());
  std::size_t above = 0;
  for (std::size_t k = 0; k < with.sizing.coverage.size(); ++k) {
    EXPECT_GE(with.sizing.coverage[k].cover2, without.sizing.coverage[k].cover2) << k;
    above += with.sizing.coverage[k].cover2 > without.sizing.coverage[k].cover2 ? 1 : 0;
  }
  EXPECT_GT(above, with.sizing.coverage.size() / 2);
}

}  // namespace
}  // namespace backstop::replay
