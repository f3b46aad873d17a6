// `backstop risk-report`: a replay with fund sizing on (docs/sizing.md) - VaR / ES per account and
// for the venue, Cover-1 / Cover-2 and the coverage ratio over time, the tier changes and the
// controls they sent to the engine. Declares the subcommand's options and the two calls main.cpp
// makes. Cold; the main thread.
#pragma once

#include <string>
#include <vector>

#include "replay_command.hpp"

namespace backstop::cli {

struct RiskReportCliOptions {
  ReplayCliOptions replay;  // the options shared with `replay` (--policy, --threaded used)
  double interval_s = 60;
  std::string method = "historical";
  std::string apc = "none";  // --apc: none, buffer, stressed, floor
  double var_level = 0.99;
  double es_level = 0.975;
  double mpor_days = 2;
  double participation = 0.10;
  std::string scenarios;                  // a TOML file of named scenarios
  std::vector<std::string> history;       // --history FILE: earlier days' marks
  std::uint32_t historical_per_side = 1;  // worst historical moves per underlying and side
  bool no_slippage = false;               // the book depth's slippage left out
  double scan_range = 0.50;
  bool no_controls = false;
  double deviation_pct = 0;  // --deviation: the mark's band around the last trade (0: off)
  double deviation_hold_min = 5;
  std::string deviation_action = "hold";
  bool json = false;
};

CLI::App* add_risk_report_command(CLI::App& app, RiskReportCliOptions& options);
// 0: done and conserved; 2: invalid arguments; 1: the replay failed; 3: conservation broken.
int run_risk_report_command(const RiskReportCliOptions& options);

}  // namespace backstop::cli
