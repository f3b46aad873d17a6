#include "compare_command.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "replay/audit_output.hpp"
#include "replay/replay.hpp"
#include "report/policy_comparison.hpp"

namespace backstop::cli {

CLI::App* add_compare_command(CLI::App& app, CompareCliOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "compare",
      "the policy lab: the same replay (same input, seed and population) under each --policy, "
      "side by side - who paid the deficits, what was taken from winners beyond them, how "
      "concentrated the winners' payments were, how many accounts were touched");
  add_shared_replay_options(cmd, o.replay);
  // One value per --policy, so that FILES after it stay files.
  cmd->add_option("--policy", o.policies,
                  "a policy to run (give at least two): ranked, ranked-binance, "
                  "ranked-hyperliquid, pro-rata, socialized")
      ->allow_extra_args(false);
  cmd->add_option("--audit", o.replay.audit,
                  "write each run's complete audit log to PREFIX-<policy>.jsonl, for `backstop "
                  "audit-check`");
  cmd->add_flag("--json", o.json, "print one JSON object instead of the table");
  return cmd;
}

std::string audit_file_name(const std::string& prefix, const std::string& policy) {
  return prefix + "-" + policy + ".jsonl";
}

int run_compare_command(const CompareCliOptions& o) {
  replay::ReplayOptions options;
  std::string error;
  if (!report::try_check_policies(o.policies, error) ||
      !try_shared_replay_options(o.replay, options, error)) {
    fmt::print(stderr, "backstop compare: {}\n", error);
    return 2;
  }
  // Which run is going, only for a person watching: stderr is a terminal.
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  auto on_run = [tty, &o](std::size_t index, const std::string& policy) {
    if (tty) fmt::print(stderr, "  run {}/{}: {}\n", index + 1, o.policies.size(), policy);
  };
  // One audit log per run, opened as its run starts (the previous one is complete by then).
  replay::ReplayAuditLog audit;
  bool audit_open = false;
  report::PrepareRun prepare;
  if (!o.replay.audit.empty()) {
    prepare = [&](std::size_t, const std::string& policy, replay::ReplayOptions& run,
                  std::string& run_error) {
      if (audit_open && !audit.close(run_error)) return false;
      audit_open = audit.open(audit_file_name(o.replay.audit, policy), run_error);
      if (audit_open) audit.attach(run);
      return audit_open;
    };
  }
  std::optional<report::PolicyComparison> c =
      report::run_policy_comparison(options, o.policies, error, on_run, prepare);
  if (c && audit_open && !audit.close(error)) c.reset();
  if (!c) {
    fmt::print(stderr, "backstop compare: {}\n", error);
    return 1;
  }
  c->shock = o.replay.shock;
  if (o.json) {
    fmt::print("{}\n", report::comparison_json(*c));
  } else {
    fmt::print("{}", report::comparison_text(*c));
  }
  return report::all_conserved(*c) ? 0 : 3;
}

}  // namespace backstop::cli
