// `backstop fund-sweep` from the command line (docs/fund-sweep.md): on the 2025-10-10 mark file
// it finds a fund (exit 0) whose JSON carries the keys scripts read, and its text says what one
// step below needed; bad arguments are exit 2 (a resolution finer than the asset's unit, an input
// of two settlement assets), a search cut short by --max-replays is exit 4; `replay` takes an
// absolute --insurance-fund and refuses an inexact one.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "support/tool_run.hpp"

namespace backstop {
namespace {

namespace fs = std::filesystem;

const fs::path kRoot = BACKSTOP_SOURCE_DIR;
const std::string kCrash = "data/binance_cm_BTCUSD_PERP_markPrice_1m_2025-10-10.csv";
const std::string kEth = "data/coinapi_ETHUSD_10min_2020-03-12_stablesims.json";

support::ToolRun run_tool(const std::string& args) {
  return support::run_tool(args, kRoot);
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(FundSweepCli, FindsAFundAndPrintsTheKeysScriptsRead) {
  if (!fs::exists(kRoot / kCrash)) GTEST_SKIP() << kCrash << " absent";
  const support::ToolRun r =
      run_tool("fund-sweep " + kCrash + " --accounts 500 --default-fund-pct 0 --json");
  ASSERT_EQ(r.status, 0) << r.output;
  for (const char* key : {"\"insurance_fund_min_needed\": ", "\"resolution\": ", "\"replays\": ",
                          "\"asset\": \"BTC\"", "\"converged\": true", "\"at\": {\"fund\": ",
                          "\"below\": {\"fund\": ", "\"needs_end\": true", "\"digest\": "}) {
    EXPECT_TRUE(has(r.output, key)) << key << "\n" << r.output;
  }
  EXPECT_FALSE(has(r.output, "\"insurance_fund_min_needed\": null")) << r.output;
}

TEST(FundSweepCli, TextNamesTheAnswerAndTheStepBelow) {
  if (!fs::exists(kRoot / kCrash)) GTEST_SKIP() << kCrash << " absent";
  const support::ToolRun r =
      run_tool("fund-sweep " + kCrash + " --accounts 500 --default-fund-pct 0 --resolution 0.001");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(has(r.output, "insurance fund min needed")) << r.output;
  EXPECT_TRUE(has(r.output, "resolution                   0.00100000 BTC")) << r.output;
  EXPECT_TRUE(has(r.output, "one step below, at ")) << r.output;
  EXPECT_TRUE(has(r.output, "ADL fills")) << r.output;
}

TEST(FundSweepCli, TooFewReplaysIsExit4AndSaysTheBracketIsOpen) {
  if (!fs::exists(kRoot / kCrash)) GTEST_SKIP() << kCrash << " absent";
  const support::ToolRun r = run_tool("fund-sweep " + kCrash +
                                      " --accounts 500 --thin-fund --resolution 0.00000001 "
                                      "--max-replays 3");
  EXPECT_EQ(r.status, 4) << r.output;
  EXPECT_TRUE(has(r.output, "NOT CONVERGED") || has(r.output, "NOT FOUND")) << r.output;
}

TEST(FundSweepCli, AResolutionFinerThanTheAssetsUnitIsExit2) {
  if (!fs::exists(kRoot / kCrash)) GTEST_SKIP() << kCrash << " absent";
  const support::ToolRun r =
      run_tool("fund-sweep " + kCrash + " --accounts 200 --resolution 0.000000001");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(has(r.output, "--resolution")) << r.output;
  const support::ToolRun zero = run_tool("fund-sweep " + kCrash + " --resolution 0");
  EXPECT_EQ(zero.status, 2) << zero.output;
}

TEST(FundSweepCli, TwoSettlementAssetsAreExit2) {
  if (!fs::exists(kRoot / kCrash) || !fs::exists(kRoot / kEth)) GTEST_SKIP() << "data absent";
  const support::ToolRun r = run_tool("fund-sweep " + kCrash + " " + kEth + " --accounts 200");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(has(r.output, "2 settlement assets")) << r.output;
}

TEST(FundSweepCli, ReplayTakesAnExactAbsoluteInsuranceFund) {
  if (!fs::exists(kRoot / kCrash)) GTEST_SKIP() << kCrash << " absent";
  const support::ToolRun r =
      run_tool("replay " + kCrash + " --accounts 200 --insurance-fund BTC:1.23456789 --json");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(has(r.output, "\"insurance_fund_start\": {\"BTC\": 123456789}")) << r.output;
  const support::ToolRun inexact = run_tool("replay " + kCrash + " --insurance-fund 0.000000001");
  EXPECT_EQ(inexact.status, 2) << inexact.output;
  const support::ToolRun unknown = run_tool("replay " + kCrash + " --insurance-fund EUR:5");
  EXPECT_EQ(unknown.status, 2) << unknown.output;
  EXPECT_TRUE(has(unknown.output, "unknown asset")) << unknown.output;
}

}  // namespace
}  // namespace backstop
