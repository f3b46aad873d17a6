// The journal as an operator meets it on the command line: `replay --journal` refuses a folder
// that already holds a journal unless `--resume`, and a path that is not a folder; `digest` names
// a configuration that differs from the journal's, refuses a missing folder or a file, and reports
// a torn tail with the bytes left unread and the last input kept (docs/journal.md).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "pipeline/config_file.hpp"
#include "pipeline/engine.hpp"
#include "pipeline/journal_reader.hpp"
#include "pipeline/state_digest.hpp"
#include "support/tool_run.hpp"

namespace backstop {
namespace {

using support::run_tool;
using support::ToolRun;

namespace fs = std::filesystem;

// A configuration with the journal unsynced: the tests need the files, not the disk flush.
std::string config_toml(std::uint32_t max_accounts) {
  return "[risk]\nmax_accounts = " + std::to_string(max_accounts) +
         "\nassets = [\"USDT\"]\n\n[journal]\nsync = \"off\"\n\n[[instrument]]\n"
         "symbol = \"BTCUSDT\"\nmultiplier = 100\nmax_price = 100000000\ninitial_mark = 600000\n"
         "max_position = 1000000\nbrackets = [ { notional_cap = 0, initial_rate = 10000, "
         "maintenance_rate = 5000 } ]\n";
}

class JournalCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("backstop-journal-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    write_config("config.toml", 1000);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write_config(const std::string& name, std::uint32_t max_accounts) {
    std::ofstream(dir_ / name) << config_toml(max_accounts);
    return (dir_ / name).string();
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Journals a few inputs into `folder` with an engine built from config.toml, as a venue's would
  // be; returns the state digest they lead to.
  std::uint64_t journal_some_inputs(const fs::path& folder) {
    std::string error;
    std::optional<EngineConfig> config = pipeline::load_engine_config(path("config.toml"), error);
    EXPECT_TRUE(config) << error;
    config->journal.folder = folder;
    config->risk_cpu = -1;
    Engine engine(*config);
    for (std::uint64_t a = 1; a <= 20; ++a) {
      (void)engine.process(make_open_account(a, 0), [](const OutputEvent&) {});
      (void)engine.process(make_deposit(a, Money{1'000'000 * static_cast<std::int64_t>(a)}),
                           [](const OutputEvent&) {});
    }
    return pipeline::state_digest(engine.risk());
  }

  fs::path dir_;
};

TEST_F(JournalCli, ReplayRefusesAFolderHoldingAJournalUnlessResumed) {
  const std::string args =
      "replay --config " + path("config.toml") + " --journal " + path("journal") + " --accounts 50";
  const ToolRun first = run_tool(args);
  ASSERT_EQ(first.status, 0) << first.output;
  const auto files = pipeline::journal_files(dir_ / "journal");
  ASSERT_EQ(files.size(), 1u);
  const auto size = fs::file_size(files[0]);

  const ToolRun again = run_tool(args);
  EXPECT_NE(again.status, 0);
  EXPECT_NE(again.output.find("already holds a journal"), std::string::npos) << again.output;
  EXPECT_EQ(fs::file_size(files[0]), size) << "the refused run must not touch the journal";

  const ToolRun resumed = run_tool(args + " --resume");
  EXPECT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resumed journal:"), std::string::npos) << resumed.output;
  EXPECT_GT(pipeline::journal_files(dir_ / "journal").size(), 1u) << "continued in a new file";
}

TEST_F(JournalCli, ReplayJournalAtAFileIsAnError) {
  std::ofstream(path("plain-file")) << "x";
  const ToolRun r = run_tool("replay --config " + path("config.toml") + " --journal " +
                             path("plain-file") + " --accounts 50");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("is not a folder"), std::string::npos) << r.output;
  const ToolRun resume = run_tool("replay --resume --accounts 50");
  EXPECT_EQ(resume.status, 2);
  EXPECT_NE(resume.output.find("--resume needs a journal"), std::string::npos) << resume.output;
}

TEST_F(JournalCli, DigestOfAMissingFolderOrAFileIsAnError) {
  const ToolRun missing =
      run_tool("digest --config " + path("config.toml") + " --journal " + path("nowhere"));
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.output.find("does not exist"), std::string::npos) << missing.output;
  fs::create_directories(dir_ / "empty");
  const ToolRun empty =
      run_tool("digest --config " + path("config.toml") + " --journal " + path("empty"));
  EXPECT_EQ(empty.status, 0) << "an empty folder is how a configuration is checked";
  EXPECT_NE(empty.output.find("none in this folder"), std::string::npos) << empty.output;
  std::ofstream(path("plain-file")) << "x";
  const ToolRun file =
      run_tool("digest --config " + path("config.toml") + " --journal " + path("plain-file"));
  EXPECT_EQ(file.status, 1);
  EXPECT_NE(file.output.find("is not a folder"), std::string::npos) << file.output;
}

TEST_F(JournalCli, DigestRefusesAnotherConfigurationNamingTheSetting) {
  journal_some_inputs(dir_ / "journal");
  const std::string other = write_config("other.toml", 2000);
  const ToolRun r = run_tool("digest --config " + other + " --journal " + path("journal"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("risk.max_accounts: 1000 in the journal, 2000 in the configuration"),
            std::string::npos)
      << r.output;
}

TEST_F(JournalCli, DigestReportsATornTail) {
  const std::uint64_t digest = journal_some_inputs(dir_ / "journal");
  const std::string args =
      "digest --config " + path("config.toml") + " --journal " + path("journal");
  const ToolRun whole = run_tool(args);
  ASSERT_EQ(whole.status, 0) << whole.output;
  EXPECT_NE(whole.output.find("digest " + pipeline::digest_hex(digest) + " at input 39"),
            std::string::npos)
      << whole.output;
  EXPECT_EQ(whole.output.find("torn tail"), std::string::npos) << whole.output;

  const fs::path file = pipeline::journal_files(dir_ / "journal").back();
  fs::resize_file(file, fs::file_size(file) - 10);
  const auto torn_size = fs::file_size(file);
  const ToolRun torn = run_tool(args);
  ASSERT_EQ(torn.status, 0) << torn.output;
  EXPECT_NE(torn.output.find("at input 38"), std::string::npos) << torn.output;
  EXPECT_NE(torn.output.find("torn tail: 78 bytes at the end of " + file.string() +
                             " not read (left in place) (last input kept: 38)"),
            std::string::npos)
      << torn.output;
  const ToolRun json = run_tool(args + " --json");
  EXPECT_NE(json.output.find("\"torn_tail_bytes\":78,\"torn_tail_file\":\"" + file.string()),
            std::string::npos)
      << json.output;
  EXPECT_EQ(fs::file_size(file), torn_size) << "digest reads, never cuts";
}

TEST_F(JournalCli, SnapshotWithJsonPrintsOneJsonObject) {
  const std::uint64_t digest = journal_some_inputs(dir_ / "journal");
  const ToolRun r =
      run_tool("snapshot --json --config " + path("config.toml") + " --journal " + path("journal"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, "{\"snapshot_sequence\":39,\"folder\":\"" + path("journal") +
                          "\",\"digest\":\"" + pipeline::digest_hex(digest) +
                          "\",\"replayed\":40}\n");
}

}  // namespace
}  // namespace backstop
