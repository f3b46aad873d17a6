// The replay driver end to end: determinism, conservation after every event (default scenario and
// every real file in ../shared/data), threaded vs synchronous digests, a shocked calm day, the
// population model's statistics, candle synthesis, and the golden default-scenario summary.
// Real-data tests skip with a message when ../shared/data is absent.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "marketdata/reader.hpp"
#include "replay/conservation.hpp"
#include "replay/instrument_map.hpp"
#include "replay/population.hpp"
#include "replay/replay.hpp"
#include "replay/scenario.hpp"

namespace backstop::replay {
namespace {

using marketdata::Decimal;
using marketdata::FixedResult;
using marketdata::FixedStatus;
using marketdata::MarketRecord;
using marketdata::MarketSide;
using marketdata::ReaderOptions;
using marketdata::ReadStatus;
using marketdata::RecordKind;
using marketdata::Rounding;

namespace fs = std::filesystem;

const std::string kDataDir = BACKSTOP_SHARED_DATA_DIR;
const std::string kGolden = std::string(BACKSTOP_SOURCE_DIR) + "/tests/replay/golden";

#define REQUIRE_DATA_DIR()                                                                     \
  do {                                                                                         \
    if (!fs::is_directory(kDataDir)) {                                                         \
      GTEST_SKIP() << "real market data not found at " << kDataDir                             \
                   << " (the shared data folder ../shared/data is absent; nothing to replay)"; \
    }                                                                                          \
  } while (false)

ReplaySummary run(ReplayOptions options) {
  std::string error;
  std::optional<ReplaySummary> s = run_replay(options, error);
  EXPECT_TRUE(s.has_value()) << error;
  return s.value_or(ReplaySummary{});
}

ReplayOptions small(std::uint32_t accounts = 2'000) {
  ReplayOptions o;
  o.accounts = accounts;
  return o;
}

std::vector<std::string> data_files() {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(kDataDir)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".md")) continue;
    files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(Replay, SameSeedGivesTheSameDigestAndSummary) {
  const ReplaySummary a = run(small());
  const ReplaySummary b = run(small());
  EXPECT_EQ(a.digest, b.digest);
  EXPECT_EQ(summary_json(a, false), summary_json(b, false));
  ReplayOptions other = small();
  other.seed = 2;
  EXPECT_NE(run(other).digest, a.digest);
}

TEST(Replay, DefaultScenarioConservesAfterEveryEvent) {
  ReplayOptions o = small(500);
  std::uint64_t checked = 0;
  std::uint64_t first_bad = UINT64_MAX;
  o.after_event = [&](const RiskEngine& engine, const Event&) {
    if (first_bad == UINT64_MAX && !conservation_holds(engine)) first_bad = checked;
    ++checked;
  };
  const ReplaySummary s = run(o);
  EXPECT_EQ(checked, s.events);
  EXPECT_EQ(first_bad, UINT64_MAX) << "conservation broke at event " << first_bad;
  EXPECT_TRUE(s.conservation_ok) << s.conservation_detail;
  EXPECT_GT(s.liquidations, 0u) << "the generated crash liquidates nobody";
}

TEST(Replay, ThreadedAndSynchronousGiveTheSameDigest) {
  const ReplaySummary sync = run(small());
  ReplayOptions threaded = small();
  threaded.threaded = true;
  const ReplaySummary thr = run(threaded);
  EXPECT_EQ(sync.digest, thr.digest);
  EXPECT_EQ(sync.liquidations, thr.liquidations);
  EXPECT_EQ(sync.bankruptcies, thr.bankruptcies);
  EXPECT_EQ(sync.became_liquidatable, thr.became_liquidatable);
  EXPECT_EQ(sync.rejections, thr.rejections);
  EXPECT_TRUE(thr.conservation_ok);
}

TEST(Replay, EveryRealFileReplaysConservingAfterEveryEvent) {
  REQUIRE_DATA_DIR();
  for (const std::string& file : data_files()) {
    SCOPED_TRACE(file);
    ReplayOptions o = small(500);
    o.files = {file};
    std::uint64_t index = 0;
    std::uint64_t first_bad = UINT64_MAX;
    o.after_event = [&](const RiskEngine& engine, const Event&) {
      if (first_bad == UINT64_MAX && !conservation_holds(engine)) first_bad = index;
      ++index;
    };
    std::string error;
    const std::optional<ReplaySummary> s = run_replay(o, error);
    if (file.find("bookDepth") != std::string::npos) {
      // Book depth is liquidity for the waterfall's slippage, not a price series to replay.
      EXPECT_FALSE(s.has_value());
      EXPECT_NE(error.find("nothing to replay"), std::string::npos) << error;
      continue;
    }
    ASSERT_TRUE(s.has_value()) << error;
    EXPECT_EQ(first_bad, UINT64_MAX) << "conservation broke at event " << first_bad;
    EXPECT_TRUE(s->conservation_ok) << s->conservation_detail;
    EXPECT_GT(s->fills, 0u);
    EXPECT_GT(s->marks, 0u);
    EXPECT_EQ(s->malformed_lines, 0u);
    EXPECT_EQ(s->rejections, 0u);
  }
}

TEST(Replay, RealFilesGiveTheSameDigestTwiceAndThreaded) {
  REQUIRE_DATA_DIR();
  for (const char* name : {"binance-coinm_BTCUSD_PERP_2024-08-08T2354_to_08-09T0005_trades.csv",
                           "bitmex_derivative_ticker_2020-04-01_ETHUSD.csv.gz"}) {
    SCOPED_TRACE(name);
    ReplayOptions o = small();
    o.files = {kDataDir + "/" + name};
    const ReplaySummary a = run(o);
    const ReplaySummary b = run(o);
    o.threaded = true;
    const ReplaySummary c = run(o);
    EXPECT_EQ(a.digest, b.digest);
    EXPECT_EQ(a.digest, c.digest);
    EXPECT_EQ(summary_json(a, false), summary_json(b, false));
  }
}

TEST(Replay, FundingFromTheDerivativeTickerIsApplied) {
  REQUIRE_DATA_DIR();
  ReplayOptions o = small();
  o.files = {kDataDir + "/bitmex_derivative_ticker_2020-04-01_ETHUSD.csv.gz"};
  const ReplaySummary s = run(o);
  // Funding at 04:00, 12:00 and 20:00 UTC (PROVENANCE.md); the file covers the whole day.
  EXPECT_EQ(s.fundings, 3u);
}

TEST(Replay, ShockTurnsTheCalmDayIntoLiquidations) {
  REQUIRE_DATA_DIR();
  ReplayOptions calm = small();
  calm.files = {kDataDir + "/binance_cm_BTCUSD_PERP_markPrice_1m_2025-10-09.csv"};
  const ReplaySummary before = run(calm);
  ReplayOptions shocked = calm;
  Shock shock;
  std::string error;
  ASSERT_TRUE(try_parse_shock("-30:10", shock, error)) << error;
  shocked.shock = shock;
  const ReplaySummary after = run(shocked);
  EXPECT_TRUE(after.conservation_ok);
  EXPECT_GT(after.liquidations, 2 * before.liquidations);
  EXPECT_GT(after.bankruptcies, before.bankruptcies);
  ASSERT_EQ(after.instruments.size(), 1u);
  // The mark ends 30 % below where the unshocked day ends (the factor is held after the ramp).
  const double ratio = static_cast<double>(after.instruments[0].last_mark) /
                       static_cast<double>(before.instruments[0].last_mark);
  EXPECT_NEAR(ratio, 0.70, 0.001);
}

TEST(Replay, ShockParsing) {
  Shock s;
  std::string error;
  ASSERT_TRUE(try_parse_shock("-30:10", s, error));
  EXPECT_EQ(s.pct_ppb, -300'000'000);
  EXPECT_EQ(s.duration_ns, 600'000'000'000);
  ASSERT_TRUE(try_parse_shock("12.5:0.5", s, error));
  EXPECT_EQ(s.pct_ppb, 125'000'000);
  EXPECT_EQ(s.duration_ns, 30'000'000'000);
  EXPECT_FALSE(try_parse_shock("-30", s, error));
  EXPECT_FALSE(try_parse_shock("-95:10", s, error));
  EXPECT_FALSE(try_parse_shock("-30:0", s, error));
  EXPECT_FALSE(try_parse_shock("x:1", s, error));
}

TEST(Population, LeverageBucketsBiasAndCollateralMatchTheModel) {
  Rng rng(7);
  PopulationParams params;
  params.accounts = 200'000;
  std::vector<Trader> traders = draw_population(rng, params);
  std::array<std::size_t, kLeverageBuckets.size()> counts{};
  std::size_t longs = 0;
  std::vector<double> collateral;
  for (const Trader& t : traders) {
    ++counts[t.bucket];
    const LeverageBucket& b = kLeverageBuckets[t.bucket];
    EXPECT_GE(t.leverage_e2, static_cast<std::int64_t>(b.low * 100));
    EXPECT_LE(t.leverage_e2, static_cast<std::int64_t>(b.high * 100));
    longs += t.bias == Bias::kLong ? 1 : 0;
    collateral.push_back(t.collateral_usd);
  }
  for (std::size_t b = 0; b < counts.size(); ++b) {
    EXPECT_NEAR(static_cast<double>(counts[b]) / static_cast<double>(traders.size()),
                kLeverageBuckets[b].share, 0.005)
        << "bucket " << b;
  }
  EXPECT_NEAR(static_cast<double>(longs) / static_cast<double>(traders.size()), kLongBiasedShare,
              0.005);
  std::nth_element(collateral.begin(), collateral.begin() + collateral.size() / 2,
                   collateral.end());
  EXPECT_NEAR(collateral[collateral.size() / 2], kCollateralMedianUsd, 0.03 * kCollateralMedianUsd);
  EXPECT_GE(*std::min_element(collateral.begin(), collateral.end()), kCollateralMinUsd);
  EXPECT_LE(*std::max_element(collateral.begin(), collateral.end()), kCollateralMaxUsd);

  params.scale = 0.5;
  finalize_population(traders, params);
  for (std::size_t i = 0; i < 1000; ++i) {
    const Trader& t = traders[i];
    EXPECT_EQ(t.collateral,
              std::max<std::int64_t>(
                  1, static_cast<std::int64_t>(std::floor(t.collateral_usd * 0.5 * 1e6))));
    EXPECT_EQ(t.target_notional, t.collateral * t.leverage_e2 / 100);
  }
}

TEST(Population, SameSeedSameDraws) {
  Rng a(42);
  Rng b(42);
  const std::vector<Trader> x = draw_population(a, PopulationParams{});
  const std::vector<Trader> y = draw_population(b, PopulationParams{});
  ASSERT_EQ(x.size(), y.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(x[i].leverage_e2, y[i].leverage_e2);
    EXPECT_EQ(x[i].collateral_usd, y[i].collateral_usd);
  }
}

TEST(DefaultScenario, TradesAreSeededTimeOrderedAndReadAsTheReadersWould) {
  const std::vector<ScenarioTrade> a = generate_default_trades(1);
  EXPECT_EQ(a, generate_default_trades(1));
  EXPECT_NE(a, generate_default_trades(2));
  // A Poisson day at 2 a second: 172,800 expected, within a few standard deviations (~416).
  EXPECT_NEAR(static_cast<double>(a.size()), 2.0 * kScenarioSeconds, 2'000.0);
  std::int64_t low = INT64_MAX;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_GE(a[i].ts_ns, kScenarioStartNs);
    ASSERT_LT(a[i].ts_ns, kScenarioStartNs + kScenarioSeconds * 1'000'000'000);
    if (i > 0) {
      ASSERT_GE(a[i].ts_ns, a[i - 1].ts_ns);
    }
    ASSERT_GE(a[i].lots, 1);
    ASSERT_TRUE(a[i].side == MarketSide::kBuy || a[i].side == MarketSide::kSell);
    low = std::min(low, a[i].ticks);
  }
  // The crash takes the price about 12.5 % below the 121,662 open (ticks of 0.1).
  EXPECT_LT(low, static_cast<std::int64_t>(kOpenPrice * 10 * 0.92));
  const MarketRecord r = to_market_record(a[7], 8);
  EXPECT_EQ(r.kind, RecordKind::kTrade);
  EXPECT_EQ(r.symbol.view(), "BTCUSDT");
  EXPECT_EQ(r.ts_ns, a[7].ts_ns);
  EXPECT_EQ(r.id, 8u);
  EXPECT_EQ(r.price.mantissa, a[7].ticks);
  EXPECT_EQ(r.price.exponent, -1);
  EXPECT_EQ(r.size.mantissa, a[7].lots);
  EXPECT_EQ(r.size.exponent, -3);
  EXPECT_EQ(r.side, a[7].side);
}

TEST(CandleSynthesis, PathVisitsOpenHighLowCloseInOrder) {
  MarketRecord up;
  up.kind = RecordKind::kCandle;
  up.ts_ns = 1'000'000'000'000;
  up.aux_ts_ns = up.ts_ns + 600'000'000'000;
  up.open = Decimal{19521, -2};
  up.high = Decimal{19543, -2};
  up.low = Decimal{19438, -2};
  up.price = Decimal{19530, -2};  // close >= open: dips first
  const auto p = candle_path(up);
  EXPECT_EQ(p[0].price, up.open);
  EXPECT_EQ(p[1].price, up.low);
  EXPECT_EQ(p[2].price, up.high);
  EXPECT_EQ(p[3].price, up.price);
  EXPECT_EQ(p[0].ts_ns, up.ts_ns);
  EXPECT_EQ(p[3].ts_ns, up.ts_ns + 450'000'000'000);
  MarketRecord down = up;
  down.price = Decimal{19452, -2};
  const auto q = candle_path(down);
  EXPECT_EQ(q[1].price, down.high);
  EXPECT_EQ(q[2].price, down.low);
}

TEST(CandleSynthesis, ReplayedCandlesTradeAtEachOpenHighLowCloseExactly) {
  REQUIRE_DATA_DIR();
  for (const char* name : {"coinapi_ETHUSD_10min_2020-03-12_stablesims.json",
                           "coinapi_ETHUSD_10min_2021-05-19_stablesims.json"}) {
    SCOPED_TRACE(name);
    const std::string path = kDataDir + "/" + name;
    std::vector<MarketRecord> candles;
    ASSERT_EQ(
        try_read_file(path, ReaderOptions{}, [&](const MarketRecord& r) { candles.push_back(r); }),
        ReadStatus::kEnd);
    ASSERT_FALSE(candles.empty());
    ReplayOptions o = small();
    o.files = {path};
    // Every fill (time, ticks) the engine received: each candle's O/H/L/C must trade in its bar.
    std::vector<std::pair<std::int64_t, std::int64_t>> fills;
    o.after_event = [&](const RiskEngine&, const Event& e) {
      if (e.type == EventType::kFill) fills.emplace_back(e.time_ns, e.fill.price.raw());
    };
    std::string error;
    const std::optional<ReplaySummary> s = run_replay(o, error);
    ASSERT_TRUE(s.has_value()) << error;
    ASSERT_EQ(s->instruments.size(), 1u);
    const InstrumentSummary& inst = s->instruments[0];
    EXPECT_EQ(inst.trades, 0u);
    EXPECT_EQ(inst.synthetic_trades, candles.size() * 16);
    // Exactness of the conversion: every candle price is on the instrument's tick grid.
    EXPECT_EQ(s->inexact_prices, 0u);
    for (const MarketRecord& c : candles) {
      const auto p = candle_path(c);
      std::multiset<std::int64_t> want;
      std::multiset<std::int64_t> got;
      for (Decimal d : {c.open, c.high, c.low, c.price})
        want.insert(to_fixed(d, -inst.price_exponent, Rounding::kNearest).value);
      for (const PathPoint& q : p) {
        const FixedResult f = to_fixed(q.price, -inst.price_exponent, Rounding::kNearest);
        EXPECT_EQ(f.status, FixedStatus::kExact);
        got.insert(f.value);
        EXPECT_GE(q.ts_ns, c.ts_ns);
        EXPECT_LT(q.ts_ns, c.aux_ts_ns);
      }
      EXPECT_EQ(want, got);
      std::multiset<std::int64_t> traded;
      for (const auto& [ts, ticks] : fills) {
        if (ts >= c.ts_ns && ts < c.aux_ts_ns) traded.insert(ticks);
      }
      for (const std::int64_t ticks : want)
        EXPECT_EQ(traded.count(ticks) > 0, true)
            << "no fill at " << ticks << " in the bar at " << c.ts_ns;
      for (const std::int64_t ticks : traded)
        EXPECT_EQ(want.count(ticks) > 0, true);
    }
    // The mark is derived from the synthetic trades, so its extremes are the candles' extremes.
    std::int64_t low = INT64_MAX;
    for (const MarketRecord& c : candles)
      low = std::min(low, to_fixed(c.low, -inst.price_exponent, Rounding::kNearest).value);
    EXPECT_GE(inst.min_mark, low);
  }
}

// Golden: the default scenario's summary (timings left out) and digest. To regenerate after an
// intended change of the model or the engine, run the test binary with BACKSTOP_UPDATE_GOLDEN=1:
//   BACKSTOP_UPDATE_GOLDEN=1 ./build/tests/backstop_replay_tests --gtest_filter='ReplayGolden.*'
// and review the diff of tests/replay/golden/default_scenario.json before committing it.
TEST(ReplayGolden, DefaultScenarioSummaryAndDigest) {
  const ReplaySummary s = run(ReplayOptions{});
  const std::string json = summary_json(s, false) + "\n";
  const std::string path = kGolden + "/default_scenario.json";
  if (std::getenv("BACKSTOP_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path) << json;
    GTEST_SKIP() << "golden file rewritten: " << path;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << "missing " << path << " (see the regenerate note above)";
  std::stringstream want;
  want << in.rdbuf();
  EXPECT_EQ(json, want.str());
  EXPECT_TRUE(s.conservation_ok);
}

}  // namespace
}  // namespace backstop::replay
