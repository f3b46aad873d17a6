// The complete audit log on real data (docs/audit.md): over the thin-fund 2025-10-10 crash the log
// alone rebuilds the insurance fund exactly; `audit-check` passes on every real-data replay in
// ../shared/data (each file, with the default and the thin funds) and on the thin-fund crash under
// every policy; the synchronous and threaded replays write the same bytes; a tampered log fails.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "pipeline/audit_check.hpp"
#include "replay/audit_output.hpp"
#include "replay/replay.hpp"
#include "report/policy_comparison.hpp"

namespace backstop::replay {
namespace {

namespace fs = std::filesystem;

const std::string kSharedData = BACKSTOP_SHARED_DATA_DIR;
const std::string kCrashFile = "binance_cm_BTCUSD_PERP_markPrice_1m_2025-10-10.csv";

fs::path temp_log(const std::string& name) {
  return fs::temp_directory_path() /
         ("backstop-audit-" + std::to_string(::getpid()) + "-" + name + ".jsonl");
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs the replay with an audit log into `log`; the summary.
ReplaySummary replay_with_log(ReplayOptions o, const fs::path& log) {
  ReplayAuditLog audit;
  std::string error;
  EXPECT_TRUE(audit.open(log, error)) << error;
  audit.attach(o);
  const std::optional<ReplaySummary> s = run_replay(o, error);
  EXPECT_TRUE(s.has_value()) << error;
  EXPECT_TRUE(audit.close(error)) << error;
  return s.value_or(ReplaySummary{});
}

pipeline::AuditCheckResult check_file(const fs::path& log) {
  std::ifstream in(log);
  return pipeline::check_audit_log(in);
}

ReplayOptions thin_fund(const std::string& file) {
  ReplayOptions o;
  o.files = {file};
  o.insurance_fund_ppm = kThinFundPpm;
  o.default_fund_ppm = 0;
  return o;
}

void expect_insurance_rebuilt(const std::string& file) {
  const fs::path log = temp_log("thin");
  const ReplaySummary s = replay_with_log(thin_fund(file), log);
  const pipeline::AuditCheckResult r = check_file(log);
  fs::remove(log);
  ASSERT_TRUE(r.ok) << r.violation;
  ASSERT_TRUE(r.has_closing);
  EXPECT_GT(s.adl_fills, 0u) << "the thin fund must run down to ADL";
  Int128 rebuilt = 0;
  for (const pipeline::AuditAssetTotals& a : r.assets) {
    EXPECT_TRUE(a.insurance_rebuilt == a.insurance_closing) << "asset " << int(a.asset);
    rebuilt += a.insurance_rebuilt;
  }
  std::int64_t reported = 0;
  for (const AssetSummary& a : s.assets)
    reported += a.insurance_fund_end;
  EXPECT_GT(reported, 0);
  EXPECT_TRUE(rebuilt == reported)
      << "the insurance fund the summary reports, rebuilt from the log";
}

TEST(AuditReplay, ThinFundCrashRebuildsTheInsuranceFundExactly) {
  expect_insurance_rebuilt(std::string(BACKSTOP_DATA_DIR) + "/" + kCrashFile);
}

TEST(AuditReplay, ThinFundCrashFromTheSharedDataRebuildsTheInsuranceFundExactly) {
  const std::string file = kSharedData + "/" + kCrashFile;
  if (!fs::exists(file)) GTEST_SKIP() << file << " not found (../shared/data is absent)";
  expect_insurance_rebuilt(file);
}

// Every replay of the shared data: each file alone (the bookDepth file with the day's klines: it
// is liquidity for order mode, not a series), with the default funds and with the thin fund.
std::vector<std::vector<std::string>> real_replays() {
  std::vector<std::vector<std::string>> out;
  if (!fs::is_directory(kSharedData)) return out;
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(kSharedData)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name != "PROVENANCE.md") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  for (const std::string& f : files) {
    if (f.find("bookDepth") == std::string::npos) {
      out.push_back({f});
    } else {
      out.push_back({kSharedData + "/binance_um_BTCUSDT_priceKline_5m_2025-10-10.csv", f});
    }
  }
  return out;
}

void check_every_real_replay(bool thin) {
  const auto replays = real_replays();
  if (replays.empty()) GTEST_SKIP() << "real market data not found at " << kSharedData;
  for (const auto& files : replays) {
    SCOPED_TRACE(files.back());
    ReplayOptions o = thin ? thin_fund(files[0]) : ReplayOptions{};
    o.files = files;
    const fs::path log = temp_log("real");
    const ReplaySummary s = replay_with_log(o, log);
    const pipeline::AuditCheckResult r = check_file(log);
    fs::remove(log);
    EXPECT_TRUE(s.conservation_ok);
    EXPECT_TRUE(r.ok) << r.violation;
    EXPECT_TRUE(r.has_closing);
    EXPECT_GT(r.movements, 0u);
  }
}

TEST(AuditReplay, EveryRealDataReplayPassesTheCheck) {
  check_every_real_replay(false);
}

TEST(AuditReplay, EveryRealDataReplayWithTheThinFundPassesTheCheck) {
  check_every_real_replay(true);
}

TEST(AuditReplay, TheThinFundCrashPassesTheCheckUnderEveryPolicy) {
  const std::vector<std::string> policies = {"ranked", "ranked-binance", "ranked-hyperliquid",
                                             "pro-rata", "socialized"};
  ReplayAuditLog audit;
  bool open = false;
  std::vector<fs::path> logs;
  const report::PrepareRun prepare = [&](std::size_t, const std::string& policy, ReplayOptions& run,
                                         std::string& error) {
    if (open && !audit.close(error)) return false;
    logs.push_back(temp_log(policy));
    open = audit.open(logs.back(), error);
    if (open) audit.attach(run);
    return open;
  };
  std::string error;
  const auto c = report::run_policy_comparison(
      thin_fund(std::string(BACKSTOP_DATA_DIR) + "/" + kCrashFile), policies, error, {}, prepare);
  ASSERT_TRUE(c.has_value()) << error;
  ASSERT_TRUE(audit.close(error)) << error;
  ASSERT_EQ(logs.size(), policies.size());
  for (std::size_t k = 0; k < logs.size(); ++k) {
    SCOPED_TRACE(policies[k]);
    const pipeline::AuditCheckResult r = check_file(logs[k]);
    fs::remove(logs[k]);
    EXPECT_TRUE(r.ok) << r.violation;
    EXPECT_TRUE(r.has_closing);
    EXPECT_TRUE(c->runs[k].summary.conservation_ok);
  }
}

TEST(AuditReplay, SynchronousAndThreadedWriteTheSameLog) {
  ReplayOptions o = thin_fund(std::string(BACKSTOP_DATA_DIR) + "/" + kCrashFile);
  const fs::path sync_log = temp_log("sync");
  const fs::path threaded_log = temp_log("threaded");
  const ReplaySummary a = replay_with_log(o, sync_log);
  o.threaded = true;
  const ReplaySummary b = replay_with_log(o, threaded_log);
  EXPECT_EQ(a.digest, b.digest);
  const std::string sync_bytes = read_file(sync_log);
  const std::string threaded_bytes = read_file(threaded_log);
  fs::remove(sync_log);
  fs::remove(threaded_log);
  EXPECT_GT(sync_bytes.size(), 1'000'000u);
  EXPECT_TRUE(sync_bytes == threaded_bytes) << "the threaded replay's log differs";
}

// The log is state-free: with it, the replay ends with the same digest as without.
TEST(AuditReplay, TheLogChangesNoDigest) {
  ReplayOptions o = thin_fund(std::string(BACKSTOP_DATA_DIR) + "/" + kCrashFile);
  std::string error;
  const std::optional<ReplaySummary> plain = run_replay(o, error);
  ASSERT_TRUE(plain.has_value()) << error;
  const fs::path log = temp_log("digest");
  const ReplaySummary logged = replay_with_log(o, log);
  fs::remove(log);
  EXPECT_EQ(plain->digest, logged.digest);
}

// On the crash's log: one unit moved between two records of an account, or one record deleted,
// and the check fails naming a line.
TEST(AuditReplay, ATamperedCrashLogFails) {
  const fs::path log = temp_log("tamper");
  replay_with_log(thin_fund(std::string(BACKSTOP_DATA_DIR) + "/" + kCrashFile), log);
  std::vector<std::string> lines;
  {
    std::ifstream in(log);
    for (std::string line; std::getline(in, line);)
      lines.push_back(line);
  }
  fs::remove(log);
  const auto check_lines = [](const std::vector<std::string>& ls) {
    std::stringstream s;
    for (const std::string& l : ls)
      s << l << '\n';
    return pipeline::check_audit_log(s);
  };
  ASSERT_TRUE(check_lines(lines).ok);
  // The middle ADL payment: one unit less paid, consistent within its own record.
  std::size_t adl = lines.size();
  std::size_t seen = 0;
  for (std::size_t k = 0; k < lines.size(); ++k) {
    if (lines[k].find("\"kind\":\"adl_fill\"") != std::string::npos && ++seen == 200) adl = k;
  }
  ASSERT_LT(adl, lines.size()) << "the crash must have ADL payments";
  {
    std::vector<std::string> moved = lines;
    std::string& l = moved[adl];
    const auto replace_number = [&l](const std::string& key, long long delta) {
      const auto at = l.find("\"" + key + "\":") + key.size() + 3;
      auto end = at;
      while (l[end] == '-' || std::isdigit(l[end]))
        ++end;
      l.replace(at, end - at, std::to_string(std::stoll(l.substr(at, end - at)) + delta));
    };
    replace_number("amount", -1);
    replace_number("after", 1);
    const pipeline::AuditCheckResult r = check_lines(moved);
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.violation.find("line "), std::string::npos) << r.violation;
  }
  {
    std::vector<std::string> deleted = lines;
    deleted.erase(deleted.begin() + static_cast<std::ptrdiff_t>(lines.size() / 2));
    const pipeline::AuditCheckResult r = check_lines(deleted);
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.violation.find("line "), std::string::npos) << r.violation;
  }
}

}  // namespace
}  // namespace backstop::replay
