// The README's commands, run as a user runs them from the repository root: the headline crash
// replay on data/ gives the figures the README prints, every file in data/ replays, and the
// README's minimal configuration is a valid engine configuration. None of this reads
// ../shared/data: a fresh clone has everything these need.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "pipeline/config_file.hpp"
#include "support/tool_run.hpp"

namespace backstop {
namespace {

const std::filesystem::path kRoot = BACKSTOP_SOURCE_DIR;

using support::ToolRun;

// From the repository's root, as the README's commands are written.
ToolRun run_tool(const std::string& args) {
  return support::run_tool(args, kRoot);
}

std::string readme() {
  std::ifstream in(kRoot / "README.md");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every line of the README's headline output is in the tool's output, word for word.
TEST(ReadmeCommands, TheCrashReplayPrintsWhatTheReadmeShows) {
  const std::string text = readme();
  const std::string prompt = "$ ./build/backstop ";
  const auto at = text.find(prompt + "replay ");
  ASSERT_NE(at, std::string::npos) << "the README shows no replay command";
  const auto args_end = text.find('\n', at);
  const std::string args = text.substr(at + prompt.size(), args_end - at - prompt.size());
  const auto block_end = text.find("```", args_end);
  ASSERT_NE(block_end, std::string::npos);
  const ToolRun r = run_tool(args);
  ASSERT_EQ(r.status, 0) << r.output;
  std::istringstream shown(text.substr(args_end + 1, block_end - args_end - 1));
  int lines = 0;
  for (std::string line; std::getline(shown, line);) {
    if (line.empty()) continue;
    ++lines;
    EXPECT_NE(r.output.find(line), std::string::npos)
        << "the README shows a line the tool does not print:\n"
        << line << "\nthe tool printed:\n"
        << r.output;
  }
  EXPECT_GE(lines, 5) << "the README's output block is too short to check anything";
  EXPECT_NE(r.output.find("conservation                 ok"), std::string::npos);
}

TEST(ReadmeCommands, EveryShippedCrashFileReplays) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kRoot / "data")) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".md")) continue;
    SCOPED_TRACE(name);
    ++files;
    const ToolRun r = run_tool("replay data/" + name + " --json");
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("\"conservation_ok\": true"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("\"malformed_lines\": 0"), std::string::npos) << r.output;
  }
  EXPECT_EQ(files, 3);
}

TEST(ReadmeCommands, TheMinimalConfigurationIsValid) {
  const std::string text = readme();
  const auto at = text.find("```toml\n");
  ASSERT_NE(at, std::string::npos) << "the README shows no configuration";
  const auto end = text.find("```", at + 8);
  const std::string toml = text.substr(at + 8, end - at - 8);
  std::string error;
  const auto config = pipeline::parse_engine_config(toml, "README.md", error);
  ASSERT_TRUE(config.has_value()) << error;
  EXPECT_EQ(config->risk.waterfall.mode, LiquidationMode::kTakeover);
  EXPECT_EQ(config->risk.instruments.size(), 1u);
}

}  // namespace
}  // namespace backstop
