// `audit-check`'s rules (docs/audit.md) on a small engine's log: a complete log checks; a log with
// one unit moved, a record deleted, a closing figure changed, a cover left open or without the
// balance legs fails at a named line; the sum and the insurance fund are rebuilt.
#include "pipeline/audit_check.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/test_support.hpp"
#include "pipeline/audit_log.hpp"
#include "pipeline/engine.hpp"

namespace backstop::pipeline {
namespace {

namespace fs = std::filesystem;

// Trades, a crash through the bankruptcy price with the insurance fund and the default fund
// covering the deficit, a withdrawal and funding: the log of every movement, with closing lines.
std::vector<std::string> crash_log(bool balances) {
  EngineConfig c;
  c.risk = test::two_instrument_config(16);
  c.risk.waterfall.mode = LiquidationMode::kTakeover;
  c.risk.waterfall.backstop_accounts = {900, 901};
  c.risk.waterfall.liquidation_fee_rate = 5'000;
  c.risk.waterfall.audit_balances = balances;
  c.risk_cpu = -1;
  Engine engine(c);
  const fs::path file =
      fs::temp_directory_path() / ("backstop-audit-check-" + std::to_string(::getpid()));
  AuditLogWriter writer;
  std::string error;
  EXPECT_TRUE(writer.open(file, error)) << error;
  EXPECT_TRUE(writer.write_header(balances));
  const auto sink = [&](const OutputEvent& o) { EXPECT_TRUE(writer.write(o)); };
  std::int64_t t = 1'000;
  for (const Event& e :
       {make_open_account(900, 0), make_open_account(901, 1), make_open_account(1, 0),
        make_open_account(2, 0), make_open_account(3, 0), make_deposit(900, Money{100'000'000'000}),
        make_deposit(1, Money{1'000'000'000}), make_deposit(2, Money{10'000'000'000}),
        make_deposit(3, Money{10'000'000'000}),
        make_fund_deposit(FundKind::kInsurance, 0, Money{300'000'000}),
        make_fund_deposit(FundKind::kDefaultFund, 0, Money{700'000'000}, 2),
        make_fund_deposit(FundKind::kDefaultFund, 0, Money{900'000'001}, 3),
        make_fill(0, Side::kBuy, 1, 2, Price{600'000}, Qty{250}, Money{7}, Money{3}),
        make_funding(0, 10'001), make_withdraw(3, Money{1'000}), make_mark(0, Price{540'000})}) {
    Event stamped = e;
    stamped.time_ns = t++;
    (void)engine.process(stamped, sink);
  }
  EXPECT_TRUE(writer.write_closing(engine.risk()));
  EXPECT_TRUE(writer.close());
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  fs::remove(file);
  return lines;
}

AuditCheckResult check(const std::vector<std::string>& lines) {
  std::stringstream s;
  for (const std::string& l : lines)
    s << l << '\n';
  return check_audit_log(s);
}

// The index of the first line with all of `parts`.
std::size_t find_line(const std::vector<std::string>& lines,
                      std::initializer_list<const char*> parts) {
  for (std::size_t k = 0; k < lines.size(); ++k) {
    bool all = true;
    for (const char* p : parts)
      all = all && lines[k].find(p) != std::string::npos;
    if (all) return k;
  }
  return lines.size();
}

// Replaces the integer after `"key":` in `line` by f(it).
template <class F>
void edit(std::string& line, const std::string& key, F&& f) {
  const auto at = line.find("\"" + key + "\":");
  ASSERT_NE(at, std::string::npos) << key << " in " << line;
  const auto start = at + key.size() + 3;
  auto end = start;
  while (end < line.size() && (line[end] == '-' || std::isdigit(line[end])))
    ++end;
  const long long v = std::stoll(line.substr(start, end - start));
  line.replace(start, end - start, std::to_string(f(v)));
}

TEST(AuditCheck, ACompleteLogRebuildsEveryBalanceAndFund) {
  const auto lines = crash_log(true);
  ASSERT_LT(find_line(lines, {"\"kind\":\"insurance_draw\""}), lines.size())
      << "the crash must reach the insurance fund";
  ASSERT_LT(find_line(lines, {"\"kind\":\"default_fund_draw\""}), lines.size())
      << "and the default fund";
  ASSERT_LT(find_line(lines, {"\"kind\":\"funding_spread\""}), lines.size());
  const AuditCheckResult r = check(lines);
  ASSERT_TRUE(r.ok) << r.violation;
  EXPECT_TRUE(r.has_closing);
  EXPECT_TRUE(r.sum_of_changes == 0);
  EXPECT_GT(r.figures_checked, 10u);
  EXPECT_GE(r.accounts, 5u);
  ASSERT_FALSE(r.assets.empty());
  EXPECT_TRUE(r.assets[0].insurance_rebuilt == r.assets[0].insurance_closing);
  EXPECT_NE(audit_check_text(r, "x").find("OK"), std::string::npos);
  EXPECT_NE(audit_check_json(r, "x").find("\"ok\":true"), std::string::npos);
}

TEST(AuditCheck, OneUnitMovedIsFoundAtTheNextFigure) {
  auto lines = crash_log(true);
  // A fee one unit larger, its own after adjusted so that the record agrees with itself.
  const std::size_t k = find_line(lines, {"\"kind\":\"trade_fee\""});
  ASSERT_LT(k, lines.size());
  edit(lines[k], "amount", [](long long v) { return v + 1; });
  edit(lines[k], "after", [](long long v) { return v - 1; });
  const AuditCheckResult r = check(lines);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.violation.find("account:1"), std::string::npos) << r.violation;
  EXPECT_NE(r.violation.find("line "), std::string::npos) << r.violation;
}

TEST(AuditCheck, ARecordDeletedIsFound) {
  auto lines = crash_log(true);
  const std::size_t k = find_line(lines, {"\"kind\":\"insurance_draw\""});
  ASSERT_LT(k, lines.size());
  lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(k));
  const AuditCheckResult r = check(lines);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.violation.find("insurance:0"), std::string::npos) << r.violation;
}

TEST(AuditCheck, AnAmountChangedIsFoundOnItsLine) {
  auto lines = crash_log(true);
  const std::size_t k = find_line(lines, {"\"kind\":\"insurance_draw\""});
  ASSERT_LT(k, lines.size());
  edit(lines[k], "amount", [](long long v) { return v - 1; });
  const AuditCheckResult r = check(lines);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.violation.find("line " + std::to_string(k + 1) + ":"), std::string::npos)
      << r.violation;
  EXPECT_NE(r.violation.find("after"), std::string::npos) << r.violation;
}

TEST(AuditCheck, AClosingFigureThatDiffersIsNamed) {
  auto lines = crash_log(true);
  const std::size_t k = find_line(lines, {"\"closing\":\"insurance\"", "\"id\":0"});
  ASSERT_LT(k, lines.size());
  edit(lines[k], "value", [](long long v) { return v + 1; });
  const AuditCheckResult r = check(lines);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.violation.find("insurance:0: the engine closes at"), std::string::npos)
      << r.violation;
}

TEST(AuditCheck, ACoverLeftOpenIsFound) {
  auto lines = crash_log(true);
  const std::size_t k = find_line(lines, {"\"kind\":\"cover_paid\""});
  ASSERT_LT(k, lines.size()) << "the default fund's cover must be handed to the defaulter";
  lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(k));
  const AuditCheckResult r = check(lines);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.violation.find("cover"), std::string::npos) << r.violation;
}

TEST(AuditCheck, ALogWithoutTheBalanceLegsIsRefused) {
  const AuditCheckResult r = check(crash_log(false));
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.violation.find("line 1:"), std::string::npos) << r.violation;
  EXPECT_NE(r.violation.find("audit_balances"), std::string::npos) << r.violation;
}

TEST(AuditCheck, MalformedLinesAreNamed) {
  auto lines = crash_log(true);
  lines[3] = "{\"sequence\":3,";
  const AuditCheckResult r = check(lines);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.violation.find("line 4: not an audit line"), std::string::npos) << r.violation;
  EXPECT_FALSE(check({}).ok);
}

}  // namespace
}  // namespace backstop::pipeline
