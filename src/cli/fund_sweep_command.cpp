#include "fund_sweep_command.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>

#include "marketdata/decimal.hpp"
#include "numeric_flags.hpp"
#include "replay/fund_sweep.hpp"

namespace backstop::cli {

CLI::App* add_fund_sweep_command(CLI::App& app, FundSweepCliOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "fund-sweep",
      "the smallest insurance fund (or, with --sweep-default-fund, default fund) at which the "
      "replay needs no ADL, no socialization and no bad debt, by bisection over deterministic "
      "replays; the starting fund options of that fund are ignored");
  add_shared_replay_options(cmd, o.replay);
  cmd->add_option("--policy", o.replay.policy,
                  "end of the loss waterfall: ranked (default), ranked-binance, "
                  "ranked-hyperliquid, pro-rata, socialized");
  cmd->add_flag("--sweep-default-fund", o.default_fund,
                "size the clearing members' default fund instead (the insurance fund as the "
                "fund options say)");
  cmd->add_option("--resolution", o.resolution,
                  "the step of the search in units of the settlement asset (e.g. 0.001); "
                  "default: the power of ten at or below a thousandth of the first fund found "
                  "sufficient");
  cmd->add_option("--max-replays", o.max_replays, "at most this many replays (default 40)")
      ->check(integer_in(2, 10'000));
  cmd->add_flag("--json", o.json, "print one JSON object instead of the text");
  return cmd;
}

int run_fund_sweep_command(const FundSweepCliOptions& o) {
  replay::ReplayOptions options;
  std::string error;
  if (!try_shared_replay_options(o.replay, options, error) ||
      !replay::try_parse_policy(o.replay.policy, options, error)) {
    fmt::print(stderr, "backstop fund-sweep: {}\n", error);
    return 2;
  }
  replay::FundSweepOptions sweep;
  sweep.fund = o.default_fund ? replay::SweptFund::kDefault : replay::SweptFund::kInsurance;
  sweep.max_replays = o.max_replays;
  if (!o.resolution.empty()) {
    marketdata::Decimal d;
    if (marketdata::try_parse_decimal(o.resolution, d) != marketdata::DecimalError::kOk ||
        d.mantissa <= 0) {
      fmt::print(stderr, "backstop fund-sweep: --resolution '{}': must be a decimal number > 0\n",
                 o.resolution);
      return 2;
    }
    sweep.resolution = d;
  }
  // Each replay's outcome, only for a person watching: stderr is a terminal.
  if (::isatty(STDERR_FILENO) != 0) {
    sweep.on_probe = [](const replay::FundProbe& p, std::uint32_t n) {
      fmt::print(stderr, "  replay {}: fund {} (raw units): {}\n", n, p.fund,
                 p.needs_end ? "needs the end of the waterfall" : "no end needed");
    };
  }
  replay::SweepFailure failure = replay::SweepFailure::kNone;
  const std::optional<replay::FundSweep> result =
      replay::sweep_fund(options, sweep, failure, error);
  if (!result) {
    fmt::print(stderr, "backstop fund-sweep: {}\n", error);
    return failure == replay::SweepFailure::kReplay ? 1 : 2;
  }
  if (o.json) {
    fmt::print("{}\n", replay::fund_sweep_json(*result));
  } else {
    fmt::print("{}", replay::fund_sweep_text(*result));
  }
  const auto& probes = result->search.probes;
  if (!std::all_of(probes.begin(), probes.end(),
                   [](const replay::FundProbe& p) { return p.conservation_ok; }))
    return 3;
  return result->search.found && result->search.converged ? 0 : 4;
}

}  // namespace backstop::cli
