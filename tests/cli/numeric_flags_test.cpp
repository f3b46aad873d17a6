// Every numeric flag is read strictly and range-checked: nan, inf, hex, out-of-range and negative
// values (which CLI11 alone reads as doubles, or wraps into unsigned options) are refused before
// anything runs, naming the flag. A bench that cannot set up says why instead of aborting.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "support/tool_run.hpp"

namespace backstop {
namespace {

using support::run_tool;
using support::ToolRun;

TEST(NumericFlags, RefusesNonNumbersOutOfRangeAndWrappedValues) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"replay --taker-fee-bp nan", "--taker-fee-bp"},
      {"replay --taker-fee-bp inf", "--taker-fee-bp"},
      {"replay --taker-fee-bp 1e20", "--taker-fee-bp"},
      {"replay --taker-fee-bp 1e15", "--taker-fee-bp"},
      {"replay --maker-fee-bp -1", "--maker-fee-bp"},
      {"replay --maker-fee-bp 0x10", "--maker-fee-bp"},
      {"replay --insurance-fund-pct nan", "--insurance-fund-pct"},
      {"replay --default-fund-pct 1e9", "--default-fund-pct"},
      {"replay --liquidation-fee-bp nan", "--liquidation-fee-bp"},
      {"replay --seed -1", "--seed"},
      {"replay --accounts -1", "--accounts"},
      {"replay --check-every -1", "--check-every"},
      {"compare --policy ranked --policy pro-rata --taker-fee-bp nan", "--taker-fee-bp"},
      {"bench margin --accounts -1", "--accounts"},
      {"bench pipeline --rate -5", "--rate"},
      {"bench ring --scale nan", "--scale"},
  };
  for (const auto& [args, flag] : cases) {
    const ToolRun r = run_tool(args);
    EXPECT_NE(r.status, 0) << args << "\n" << r.output;
    EXPECT_NE(r.status, -1) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(flag + ": "), std::string::npos) << args << "\n" << r.output;
  }
}

TEST(NumericFlags, BenchJournalFolderItCannotCreateIsAClearError) {
  const ToolRun r = run_tool("bench pipeline --journal /proc/nope --accounts 2 --scale 0.01");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("--journal /proc/nope: "), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("terminate called"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace backstop
