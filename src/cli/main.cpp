// The `backstop` command-line tool. Cold code: parses arguments and dispatches to a command.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <exception>
#include <string>

#include "audit_command.hpp"
#include "backstop/risk_config.hpp"
#include "backstop/version.hpp"
#include "bench_options.hpp"
#include "compare_command.hpp"
#include "fund_sweep_command.hpp"
#include "harnesses.hpp"
#include "journal_commands.hpp"
#include "numeric_flags.hpp"
#include "replay_command.hpp"
#include "risk_report_command.hpp"

namespace {

int run_bench(const std::string& name, const backstop::perf::BenchOptions& options) {
  for (const auto& harness : backstop::perf::harnesses()) {
    if (harness.name != name) continue;
    // A harness that cannot set up (a journal folder it cannot create, memory) says why and
    // fails; nothing escapes as an uncaught exception.
    try {
      return harness.run(options);
    } catch (const std::exception& e) {
      fmt::print(stderr, "backstop bench {}: {}\n", name, e.what());
      return 1;
    }
  }
  fmt::print(stderr, "unknown harness '{}'; known:\n", name);
  for (const auto& harness : backstop::perf::harnesses())
    fmt::print(stderr, "  {:<10} {}\n", harness.name, harness.summary);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Backstop: keeps a derivatives venue solvent"};
  app.set_version_flag("--version", std::string(backstop::version()));
  app.require_subcommand(1);

  std::string harness_list;
  for (const auto& harness : backstop::perf::harnesses())
    harness_list += fmt::format("\n  {:<10} {}", harness.name, harness.summary);

  backstop::perf::BenchOptions bench;
  std::string bench_name;
  CLI::App* bench_cmd = app.add_subcommand("bench", "run a performance harness" + harness_list);
  bench_cmd->add_option("name", bench_name, "harness name")->required();
  bench_cmd->add_flag("--json", bench.json, "print one JSON object");
  // The engine's own capacity bounds accounts and positions (backstop::kMaxAccounts).
  bench_cmd->add_option("--accounts", bench.accounts, "accounts to load")
      ->check(backstop::cli::integer_in(1, backstop::kMaxAccounts));
  bench_cmd->add_option("--positions", bench.positions, "positions on the opposite side")
      ->check(backstop::cli::integer_in(1, backstop::kMaxAccounts));
  bench_cmd->add_option("--scenarios", bench.scenarios, "stress scenarios (bench sizing)")
      ->check(backstop::cli::integer_in(1, 100'000));
  bench_cmd->add_option("--rate", bench.rate, "events per second (0: as fast as possible)")
      ->check(backstop::cli::integer_in(0, 1'000'000'000));
  bench_cmd->add_option("--journal", bench.journal_dir, "journal folder (default: journal off)");
  bench_cmd->add_option("--scale", bench.seconds, "run-length multiplier (default 1)")
      ->check(backstop::cli::decimal_in(0.001, 1000));

  backstop::cli::ReplayCliOptions replay;
  CLI::App* replay_cmd = backstop::cli::add_replay_command(app, replay);

  backstop::cli::CompareCliOptions compare;
  CLI::App* compare_cmd = backstop::cli::add_compare_command(app, compare);
  backstop::cli::RiskReportCliOptions risk_report;
  CLI::App* risk_report_cmd = backstop::cli::add_risk_report_command(app, risk_report);

  backstop::cli::FundSweepCliOptions fund_sweep;
  CLI::App* fund_sweep_cmd = backstop::cli::add_fund_sweep_command(app, fund_sweep);

  backstop::cli::JournalCliOptions journal;
  const backstop::cli::JournalCommands journal_cmds =
      backstop::cli::add_journal_commands(app, journal);

  backstop::cli::AuditCliOptions audit;
  CLI::App* audit_cmd = backstop::cli::add_audit_command(app, audit);

  CLI11_PARSE(app, argc, argv);
  if (bench_cmd->parsed()) return run_bench(bench_name, bench);
  if (replay_cmd->parsed()) return backstop::cli::run_replay_command(replay);
  if (compare_cmd->parsed()) return backstop::cli::run_compare_command(compare);
  if (risk_report_cmd->parsed()) return backstop::cli::run_risk_report_command(risk_report);
  if (fund_sweep_cmd->parsed()) return backstop::cli::run_fund_sweep_command(fund_sweep);
  if (audit_cmd->parsed()) return backstop::cli::run_audit_command(audit);
  if (journal_cmds.snapshot->parsed()) return backstop::cli::run_snapshot_command(journal);
  if (journal_cmds.digest->parsed()) return backstop::cli::run_digest_command(journal);
  return 0;
}
