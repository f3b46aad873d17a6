// The policy lab end to end (docs/design.md §5): the same replay - same input, seed, population,
// fund sizes and shock - run once per end-of-waterfall policy, each run measured by a PolicyLab
// (policy_lab.hpp), and the runs printed side by side as a text table (policies as columns) or
// one JSON object. Cold; the calling thread. Cost: one synchronous replay per policy, one after
// the other (the runs share nothing, so their digests are each a plain replay's digest).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "replay/replay.hpp"
#include "report/policy_lab.hpp"

namespace backstop::report {

struct PolicyRun {
  std::string policy;  // as try_parse_policy spells it
  replay::ReplaySummary summary;
  std::vector<LabAssetMetrics> assets;  // aligned with summary.assets
};

struct PolicyComparison {
  // The parameters every run shares.
  std::string scenario;  // "default" or "files"
  std::vector<std::string> files;
  std::uint64_t seed = 0;
  std::uint32_t accounts = 0;
  std::string shock;  // as given, "" when none
  std::int64_t insurance_fund_ppm = 0;
  std::int64_t default_fund_ppm = 0;
  // Absolute sizes in place of the ppm for an asset (--insurance-fund, --default-fund).
  std::array<std::optional<std::int64_t>, replay::kReplayAssetCount> insurance_fund_money{};
  std::array<std::optional<std::int64_t>, replay::kReplayAssetCount> default_fund_money{};
  std::int64_t liquidation_fee_e6 = 0;
  std::uint64_t events = 0;
  std::vector<PolicyRun> runs;  // in the order the policies were given
};

// At least two policies, each one try_parse_policy accepts, none twice; else false and `error`.
[[nodiscard]] bool try_check_policies(std::span<const std::string> policies, std::string& error);

// Runs `base` (synchronous; its on_output / after_event hooks are replaced by the lab's) once per
// policy. `on_run(index, policy)` is told before each run starts; `prepare(index, policy,
// options, error)`, when given, may add its own hooks to each run's options after the lab's (the
// per-policy audit log), and stops the comparison by returning false. Empty optional with `error`
// set when a policy is invalid, `prepare` refused or a replay fails.
using PrepareRun =
    std::function<bool(std::size_t, const std::string&, replay::ReplayOptions&, std::string&)>;
[[nodiscard]] std::optional<PolicyComparison> run_policy_comparison(
    const replay::ReplayOptions& base, std::span<const std::string> policies, std::string& error,
    const std::function<void(std::size_t, const std::string&)>& on_run = {},
    const PrepareRun& prepare = {});

// Whether every run conserved (exit code of `backstop compare`).
[[nodiscard]] bool all_conserved(const PolicyComparison& c) noexcept;

[[nodiscard]] std::string comparison_text(const PolicyComparison& c);
// {"scenario", "files", "seed", "accounts", "shock", fund sizes, "events",
//  "policies": [{"policy", run counts, "digest", "assets": [{who paid, winners, concentration,
//  accounts touched, end state}]}]}; amounts are raw integers of the asset's Money.
[[nodiscard]] std::string comparison_json(const PolicyComparison& c);

}  // namespace backstop::report
