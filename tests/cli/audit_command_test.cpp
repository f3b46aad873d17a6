// The audit from the command line, as docs/audit.md shows it: `replay --audit FILE` and
// `compare --audit PREFIX` write logs that `audit-check` passes (exit 0, a summary or --json), a
// tampered log fails (exit 1, the line named), an unreadable one is exit 2.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/tool_run.hpp"

namespace backstop {
namespace {

namespace fs = std::filesystem;

const fs::path kRoot = BACKSTOP_SOURCE_DIR;

using support::ToolRun;

// From the repository's root, as the README's commands are written.
ToolRun run_tool(const std::string& args) {
  return support::run_tool(args, kRoot);
}
const std::string kCrash = "data/binance_cm_BTCUSD_PERP_markPrice_1m_2025-10-10.csv";

std::string temp(const std::string& name) {
  return (fs::temp_directory_path() /
          ("backstop-cli-audit-" + std::to_string(::getpid()) + "-" + name))
      .string();
}

TEST(AuditCommand, ReplayWritesALogThatChecksAndATamperedOneFails) {
  const std::string log = temp("replay.jsonl");
  const ToolRun replay = run_tool("replay " + kCrash + " --thin-fund --audit '" + log + "'");
  ASSERT_EQ(replay.status, 0) << replay.output;
  const ToolRun ok = run_tool("audit-check '" + log + "'");
  EXPECT_EQ(ok.status, 0) << ok.output;
  EXPECT_NE(ok.output.find(": OK"), std::string::npos) << ok.output;
  EXPECT_NE(ok.output.find("insurance fund"), std::string::npos) << ok.output;
  const ToolRun json = run_tool("audit-check --json '" + log + "'");
  EXPECT_EQ(json.status, 0);
  EXPECT_NE(json.output.find("\"ok\":true"), std::string::npos) << json.output;

  // One record deleted.
  std::vector<std::string> lines;
  {
    std::ifstream in(log);
    for (std::string line; std::getline(in, line);)
      lines.push_back(line);
  }
  ASSERT_GT(lines.size(), 100u);
  lines.erase(lines.begin() + 50);
  {
    std::ofstream out(log, std::ios::trunc);
    for (const std::string& l : lines)
      out << l << '\n';
  }
  const ToolRun bad = run_tool("audit-check '" + log + "'");
  fs::remove(log);
  EXPECT_EQ(bad.status, 1) << bad.output;
  EXPECT_NE(bad.output.find("VIOLATION"), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find("line "), std::string::npos) << bad.output;

  const ToolRun missing = run_tool("audit-check '" + temp("none.jsonl") + "'");
  EXPECT_EQ(missing.status, 2) << missing.output;
}

TEST(AuditCommand, CompareWritesOneLogPerPolicy) {
  const std::string prefix = temp("compare");
  const ToolRun compare =
      run_tool("compare " + kCrash + " --thin-fund --policy ranked --policy socialized --audit '" +
               prefix + "'");
  ASSERT_EQ(compare.status, 0) << compare.output;
  for (const char* policy : {"ranked", "socialized"}) {
    const std::string log = prefix + "-" + policy + ".jsonl";
    ASSERT_TRUE(fs::exists(log)) << log;
    const ToolRun check = run_tool("audit-check '" + log + "'");
    fs::remove(log);
    EXPECT_EQ(check.status, 0) << check.output;
  }
}

}  // namespace
}  // namespace backstop
