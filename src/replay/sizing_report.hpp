// What the sizing stage saw over a replay (docs/sizing.md): the coverage over time per settlement
// asset, every trigger transition with its numbers, the control events sent into the engine, and
// the VaR / ES per account and for the venue at the end. Plain data for risk-report, the HTML
// report and the replay summary; cold, the calling thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace backstop::replay {

// One coverage sample, at a sizing interval: money in the asset's smallest unit.
struct CoverageSample {
  std::int64_t time_ns = 0;
  std::uint8_t asset = 0;
  std::int64_t cover1 = 0;  // the largest stressed deficit, worst scenario
  std::int64_t cover2 = 0;  // the two largest, worst scenario
  std::int64_t emir = 0;    // EMIR Art. 42(3): the largest, or the 2nd and 3rd if larger
  std::int64_t funds = 0;   // insurance fund + default fund available
  double ratio = 0;         // funds / the requirement; 0 requirement: kNoRequirement
  std::string tier;         // "green", "amber", "red"
  std::int64_t insurance = 0;
};
inline constexpr double kNoRequirement = -1;  // CoverageSample::ratio when nothing is at risk

// One transition of a trigger: a coverage tier, the fund's drawdown switch, the cascade, a price
// deviation hold, or the exposure cap; with the figure and the threshold it crossed.
struct TriggerChange {
  std::int64_t time_ns = 0;
  std::string trigger;  // "coverage", "cascade", "drawdown", "deviation", "exposure_cap"
  std::string subject;  // the asset's or the instrument's name
  std::string from;
  std::string to;
  double value = 0;      // the ratio, drawdown fraction, deviation, count ...
  double threshold = 0;  // the level crossed
  std::string detail;    // the other numbers, for people
};

struct AccountRisk {
  std::uint64_t account = 0;
  std::uint8_t asset = 0;
  std::int64_t var = 0;  // VaR at the configured level over its horizon, rounded up
  std::int64_t es = 0;
  double horizon_days = 0;
  std::int64_t stressed_deficit = 0;  // its largest, worst scenario
};

struct SizingReport {
  bool enabled = false;
  std::string method;  // "historical", "filtered", "parametric"
  double var_level = 0.99;
  double es_level = 0.975;
  std::uint32_t scenarios = 0;
  std::uint32_t historical_scenarios = 0;     // of scenarios: worst moves from the loaded history
  std::vector<std::string> historical_names;  // theirs: underlying, fall or rise, window start
  std::string historical_note;                // why none were added, when history was loaded
  std::uint32_t depth_instruments = 0;        // instruments whose book depth gives the slippage
  std::uint64_t slippage_updates = 0;         // new curves from a newer snapshot
  std::uint64_t history_returns = 0;          // returns per instrument in the history used
  // The longest horizon (intervals) whose figures were scaled from one-interval returns by
  // sqrt(h) because the history held fewer than SizingOptions::min_horizon_windows windows of it;
  // 0 when none was. The square-root-of-time rule overstates the tail on a crash's minutes.
  std::uint64_t sqrt_time_horizon = 0;
  std::uint64_t history_loaded = 0;   // samples loaded from --history files
  std::uint64_t history_refused = 0;  // of those and the replay's marks: refused (out of order)
  std::vector<CoverageSample> coverage;
  std::vector<TriggerChange> triggers;
  std::uint64_t controls_sent = 0;              // control events published into the engine
  std::uint64_t contribution_targets_sent = 0;  // of controls_sent: members' new contributions
  std::uint64_t exposure_cap_hits = 0;          // takeovers the engine's exposure cap sent to ADL
  std::uint64_t feed_errors = 0;  // state records the mirror refused (0 unless a defect)
  // The engine's fund-drawdown trigger as the replay ran it (WaterfallConfig; docs/waterfall.md),
  // for the report's fund chart: drawdown_ppm 0 when it was off.
  std::int64_t drawdown_ppm = 0;
  std::int64_t drawdown_window_ns = 0;
  // Per asset at the end: the venue's VaR / ES (its accounts' losses summed per scenario), the
  // requirement and the lowest coverage ratio seen.
  struct AssetFigures {
    std::uint8_t asset = 0;
    std::int64_t var = 0;
    std::int64_t es = 0;
    std::int64_t cover1 = 0;
    std::int64_t cover2 = 0;
    std::string cover2_scenario;  // the scenario that gives Cover-2 (empty when it is 0)
    double coverage_ratio_min = kNoRequirement;
    std::int64_t coverage_ratio_min_time_ns = 0;
  };
  std::vector<AssetFigures> assets;
  std::vector<AccountRisk> top_accounts;  // by VaR, the largest first
};

}  // namespace backstop::replay
