// The replay with the loss waterfall on: the default scenario liquidates and draws the insurance
// fund; every policy conserves after every event; threaded == synchronous. (A thin fund on the
// 2025-10-10 markPrice file, where ADL fires and the report names the counterparties, is tested
// with the report: tests/report/report_data_test.cpp.)
#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <map>
#include <string>

#include "replay/conservation.hpp"
#include "replay/replay.hpp"

namespace backstop::replay {
namespace {

const std::string kMarkFile =
    std::string(BACKSTOP_DATA_DIR) + "/binance_cm_BTCUSD_PERP_markPrice_1m_2025-10-10.csv";

ReplaySummary run(const ReplayOptions& options) {
  std::string error;
  const std::optional<ReplaySummary> s = run_replay(options, error);
  EXPECT_TRUE(s.has_value()) << error;
  return s.value_or(ReplaySummary{});
}

ReplayOptions small(std::uint32_t accounts = 500) {
  ReplayOptions o;
  o.accounts = accounts;
  return o;
}

TEST(ReplayWaterfall, DefaultScenarioLiquidatesAndRetiresTheLiquidated) {
  const ReplaySummary s = run(small());
  EXPECT_TRUE(s.waterfall_wired);
  EXPECT_EQ(s.policy, "ranked");
  EXPECT_GT(s.liquidations, 0u);
  EXPECT_GT(s.accounts_liquidated, 0u);
  EXPECT_GE(s.liquidations, s.accounts_liquidated);
  // Takeover mode: every trader taken over is retired from the draws.
  EXPECT_EQ(s.retired_accounts, s.accounts_liquidated);
  ASSERT_FALSE(s.assets.empty());
  EXPECT_GT(s.assets[0].insurance_fund_start, 0);
  EXPECT_GT(s.assets[0].liquidation_fees, 0);
  EXPECT_GT(s.assets[0].insurance_fund_end, s.assets[0].insurance_fund_start);
  EXPECT_LE(s.assets[0].insurance_fund_min, s.assets[0].insurance_fund_start);
  EXPECT_TRUE(s.conservation_ok) << s.conservation_detail;
}

// A trader taken over trades no more once the generator can know it: kReactionDelayNs of
// exchange time and kReactionLagInputs inputs after the takeover's input (an item's fills may
// start a few inputs before the fill checked: kMaxChunks + 1 of slack).
TEST(ReplayWaterfall, ATakenOverTraderIsNeverDrawnAgain) {
  ReplayOptions o = small();
  struct Taken {
    std::int64_t sequence;
    std::int64_t time_ns;
  };
  std::map<std::uint64_t, Taken> taken;  // account -> its first takeover
  std::uint64_t late_fills = 0;
  std::uint64_t fills_checked = 0;
  std::int64_t index = 0;
  o.on_output = [&](const OutputEvent& out) {
    if (out.kind == OutputKind::kWaterfall && out.waterfall.kind == WaterfallKind::kTakeover &&
        out.waterfall.account <= o.accounts) {
      taken.emplace(out.waterfall.account, Taken{out.input_sequence, out.input_time_ns});
    }
  };
  o.after_event = [&](const RiskEngine&, const Event& e) {
    const std::int64_t n = index++;
    if (e.type != EventType::kFill) return;
    ++fills_checked;
    for (const std::uint64_t id : {e.fill.taker, e.fill.maker}) {
      const auto it = taken.find(id);
      if (it == taken.end()) continue;
      const auto lag = static_cast<std::int64_t>(kReactionLagInputs) + kMaxChunks + 1;
      if (e.time_ns >= it->second.time_ns + kReactionDelayNs && n > it->second.sequence + lag)
        ++late_fills;
    }
  };
  const ReplaySummary s = run(o);
  EXPECT_GT(fills_checked, 0u);
  EXPECT_FALSE(taken.empty());
  EXPECT_EQ(late_fills, 0u);
  EXPECT_EQ(taken.size(), s.accounts_liquidated);
}

TEST(ReplayWaterfall, TheCrashDayDrawsTheInsuranceFund) {
  if (!std::filesystem::exists(kMarkFile)) GTEST_SKIP() << kMarkFile << " absent";
  ReplayOptions o = small();
  o.files = {kMarkFile};
  const ReplaySummary s = run(o);
  EXPECT_GT(s.insurance_draws, 0u);
  ASSERT_FALSE(s.assets.empty());
  EXPECT_GT(s.assets[0].insurance_drawn, 0);
  EXPECT_LT(s.assets[0].insurance_fund_min, s.assets[0].insurance_fund_start);
  EXPECT_TRUE(s.conservation_ok) << s.conservation_detail;
}

TEST(ReplayWaterfall, NoLiquidationKeepsTheOldReplay) {
  ReplayOptions o = small();
  o.liquidation = LiquidationMode::kOff;
  const ReplaySummary s = run(o);
  EXPECT_FALSE(s.waterfall_wired);
  EXPECT_EQ(s.liquidations, 0u);
  EXPECT_GT(s.flagged, 0u);
}

TEST(ReplayWaterfall, EveryPolicyConservesAfterEveryEventWithAThinFund) {
  for (const char* policy :
       {"ranked", "ranked-binance", "ranked-hyperliquid", "pro-rata", "socialized"}) {
    ReplayOptions o = small(300);
    std::string error;
    ASSERT_TRUE(try_parse_policy(policy, o, error)) << error;
    o.insurance_fund_ppm = kThinFundPpm;
    o.default_fund_ppm = 0;
    std::uint64_t checked = 0;
    std::uint64_t first_bad = UINT64_MAX;
    o.after_event = [&](const RiskEngine& engine, const Event&) {
      if (first_bad == UINT64_MAX && !conservation_holds(engine)) first_bad = checked;
      ++checked;
    };
    const ReplaySummary s = run(o);
    EXPECT_EQ(s.policy, policy);
    EXPECT_EQ(first_bad, UINT64_MAX) << policy << ": conservation broke at event " << first_bad;
    EXPECT_TRUE(s.conservation_ok) << policy << ": " << s.conservation_detail;
    EXPECT_GT(s.liquidations, 0u) << policy;
  }
  ReplayOptions bad;
  std::string error;
  EXPECT_FALSE(try_parse_policy("lottery", bad, error));
}

TEST(ReplayWaterfall, ThreadedAndSynchronousAgreeWithAThinFund) {
  ReplayOptions o = small();
  o.insurance_fund_ppm = kThinFundPpm;
  const ReplaySummary sync = run(o);
  o.threaded = true;
  const ReplaySummary thr = run(o);
  EXPECT_EQ(sync.digest, thr.digest);
  EXPECT_EQ(sync.liquidations, thr.liquidations);
  EXPECT_EQ(sync.adl_fills, thr.adl_fills);
  EXPECT_EQ(sync.insurance_draws, thr.insurance_draws);
  EXPECT_TRUE(thr.conservation_ok) << thr.conservation_detail;
}

}  // namespace
}  // namespace backstop::replay
