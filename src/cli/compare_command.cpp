#include "compare_command.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

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
  cmd->add_flag("--json", o.json, "print one JSON object instead of the table");
  return cmd;
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
  std::optional<report::PolicyComparison> c =
      report::run_policy_comparison(options, o.policies, error, on_run);
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
