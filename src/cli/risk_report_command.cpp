#include "risk_report_command.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <fstream>
#include <sstream>

#include "replay/replay.hpp"
#include "report/html_report.hpp"
#include "report/report_data.hpp"
#include "report/risk_report.hpp"

namespace backstop::cli {

CLI::App* add_risk_report_command(CLI::App& app, RiskReportCliOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "risk-report",
      "a replay with fund sizing on: VaR / ES per account and for the venue, Cover-1 / Cover-2 "
      "and the coverage ratio over time, and the tier changes with what triggered them");
  add_shared_replay_options(cmd, o.replay);
  cmd->add_option("--policy", o.replay.policy,
                  "end-of-waterfall policy: ranked, ranked-binance, ranked-hyperliquid, pro-rata, "
                  "socialized");
  cmd->add_flag("--threaded", o.replay.threaded, "run the engine on its own threads");
  cmd->add_option("--interval", o.interval_s,
                  "seconds of event time between return samples and coverage decisions")
      ->check(CLI::Range(1e-3, 86'400.0 * 7));
  cmd->add_option("--method", o.method, "VaR / ES method: historical, filtered, parametric");
  cmd->add_option("--apc", o.apc,
                  "anti-procyclicality (EMIR Art. 28): none, buffer (25 %), stressed (25 % weight "
                  "on the stressed period), floor (the longest lookback's figure)");
  cmd->add_option("--var", o.var_level, "VaR confidence level")->check(CLI::Range(0.5, 0.99999));
  cmd->add_option("--es", o.es_level, "ES confidence level")->check(CLI::Range(0.5, 0.99999));
  cmd->add_option("--mpor-days", o.mpor_days, "margin period of risk, the shortest horizon")
      ->check(CLI::Range(1e-6, 365.0));
  cmd->add_option("--participation", o.participation,
                  "share of the average daily volume a liquidation may take")
      ->check(CLI::Range(1e-6, 1.0));
  cmd->add_option("--scenarios", o.scenarios, "a TOML file of named stress scenarios");
  cmd->add_option("--history", o.history,
                  "a market-data file of earlier days (the replayed instruments' marks, candles or "
                  "trades) for the return history; repeat for more")
      ->allow_extra_args(false);
  cmd->add_option("--historical-scenarios", o.historical_per_side,
                  "worst historical moves over the margin period of risk taken from the --history "
                  "files, per underlying and side (0: none)")
      ->check(CLI::Range(0, 1000));
  cmd->add_flag("--no-slippage", o.no_slippage,
                "leave the book depth's slippage out of the stressed deficits");
  cmd->add_option("--scan-range", o.scan_range, "the stress grid's largest move, both ways")
      ->check(CLI::Range(0.01, 0.99));
  cmd->add_option("--deviation", o.deviation_pct,
                  "hold an instrument's liquidations while its mark is more than PCT % from the "
                  "last trade (released within 2/5 of it, or after --deviation-hold-min; 0: off)")
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--deviation-hold-min", o.deviation_hold_min,
                  "the longest a deviation hold lasts, minutes (default 5)")
      ->check(CLI::Range(1.0 / 60, 24.0 * 60));
  cmd->add_option("--deviation-action", o.deviation_action,
                  "hold (liquidations wait) or takeover (no orders to the book: takeover only)");
  cmd->add_flag("--no-controls", o.no_controls,
                "observe only: send no tier decision to the engine");
  cmd->add_option("--report", o.replay.report,
                  "write the self-contained HTML report, with the live coverage, the fund against "
                  "the drawdown trigger's level and the trigger changes (synchronous mode)");
  cmd->add_flag("--json", o.json, "print one JSON object instead of the text");
  return cmd;
}

namespace {

bool try_sizing_options(const RiskReportCliOptions& o, replay::SizingOptions& s,
                        std::string& error) {
  s.interval_ns = static_cast<std::int64_t>(std::llround(o.interval_s * 1e9));
  if (o.method == "historical") {
    s.method = replay::VarMethod::kHistorical;
  } else if (o.method == "filtered") {
    s.method = replay::VarMethod::kFiltered;
  } else if (o.method == "parametric") {
    s.method = replay::VarMethod::kParametric;
  } else {
    error = "--method: " + o.method + ": expected historical, filtered or parametric";
    return false;
  }
  if (o.apc == "none") {
    s.apc.tool = sizing::ApcTool::kNone;
  } else if (o.apc == "buffer") {
    s.apc.tool = sizing::ApcTool::kBuffer;
  } else if (o.apc == "stressed") {
    s.apc.tool = sizing::ApcTool::kStressedWeight;
  } else if (o.apc == "floor") {
    s.apc.tool = sizing::ApcTool::kLookbackFloor;
  } else {
    error = "--apc: " + o.apc + ": expected none, buffer, stressed or floor";
    return false;
  }
  s.var.var_confidence = o.var_level;
  s.var.es_confidence = o.es_level;
  s.horizon.mpor_ns = static_cast<std::int64_t>(std::llround(o.mpor_days * 86'400e9));
  s.horizon.participation = o.participation;
  s.grid.scan_range = o.scan_range;
  s.send_controls = !o.no_controls;
  s.history_files = o.history;
  s.historical_per_side = o.historical_per_side;
  s.depth_slippage = !o.no_slippage;
  if (o.deviation_pct > 0) {
    sizing::PriceDeviationConfig d;
    d.enter_ppm = static_cast<std::int64_t>(std::llround(o.deviation_pct * 1e4));
    d.leave_ppm = d.enter_ppm * 2 / 5;
    d.max_hold_ns = static_cast<std::int64_t>(std::llround(o.deviation_hold_min * 60e9));
    if (o.deviation_action == "takeover") {
      d.action = sizing::DeviationAction::kTakeoverOnly;
    } else if (o.deviation_action != "hold") {
      error = "--deviation-action: " + o.deviation_action + ": expected hold or takeover";
      return false;
    }
    s.deviation = d;
  }
  if (!o.scenarios.empty()) {
    std::ifstream in(o.scenarios);
    if (!in) {
      error = "--scenarios: " + o.scenarios + ": cannot be read";
      return false;
    }
    std::ostringstream text;
    text << in.rdbuf();
    s.scenarios_toml = text.str();
    s.scenarios_source = o.scenarios;
  }
  return true;
}

}  // namespace

int run_risk_report_command(const RiskReportCliOptions& o) {
  replay::ReplayOptions options;
  std::string error;
  replay::SizingOptions sizing;
  if (!try_shared_replay_options(o.replay, options, error) ||
      !replay::try_parse_policy(o.replay.policy, options, error) ||
      !try_sizing_options(o, sizing, error)) {
    fmt::print(stderr, "backstop risk-report: {}\n", error);
    return 2;
  }
  options.threaded = o.replay.threaded;
  options.sizing = sizing;
  // The report samples the engine after every event, which only the synchronous mode allows.
  report::ReportData report_data;
  if (!o.replay.report.empty()) {
    if (options.threaded) {
      fmt::print(stderr, "backstop risk-report: --report needs the synchronous mode\n");
      return 2;
    }
    report::attach_report(options, report_data);
  }
  const std::optional<replay::ReplaySummary> s = replay::run_replay(options, error);
  if (!s) {
    fmt::print(stderr, "backstop risk-report: {}\n", error);
    return 1;
  }
  if (!o.replay.report.empty()) {
    if (!report::try_write_html_report(o.replay.report, report_data, *s, error)) {
      fmt::print(stderr, "backstop risk-report: {}\n", error);
      return 1;
    }
    fmt::print(stderr, "report written to {}\n", o.replay.report);
  }
  fmt::print("{}", o.json ? report::risk_report_json(*s) + "\n" : report::risk_report_text(*s));
  return s->conservation_ok ? 0 : 3;
}

}  // namespace backstop::cli
