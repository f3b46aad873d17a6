// `backstop replay`: the project's main job. Declares the subcommand's options and the two calls
// main.cpp makes (register the subcommand, run it). Cold; the main thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace CLI {
class App;
}
namespace backstop::replay {
struct ReplayOptions;
}

namespace backstop::cli {

struct ReplayCliOptions {
  std::vector<std::string> files;
  std::string config;
  std::uint64_t seed = 1;
  std::uint32_t accounts = 10'000;
  std::string shock;
  std::string report;  // --report FILE.html; empty: none
  std::string audit;   // --audit FILE.jsonl (replay) or PREFIX (compare); empty: none
  double taker_fee_bp = 5.0;
  double maker_fee_bp = 2.0;
  std::string policy = "ranked";
  double insurance_fund_pct = 2.0;  // of the traders' collateral, per asset
  double default_fund_pct = 1.0;
  double liquidation_fee_bp = 50.0;
  bool thin_fund = false;
  double exposure_cap_pct = 0;  // --exposure-cap: the backstop's taken-over notional, % of the fund
  double drawdown_pct = 0;      // --drawdown: the insurance fund's loss that switches to ADL
  double drawdown_hours = 8;    // --drawdown-hours: its rolling window
  // --insurance-fund / --default-fund [ASSET:]AMOUNT: absolute sizes in the settlement asset, in
  // place of the percentages (empty: none).
  std::string insurance_fund;
  std::string default_fund;
  bool no_liquidation = false;
  std::uint64_t check_every = 1 << 16;
  bool json = false;
  bool threaded = false;
  bool strict = false;
  std::string journal;  // --journal DIR; empty: --config's journal.folder, if any
  bool resume = false;  // --resume: continue the journal already in that folder
};

CLI::App* add_replay_command(CLI::App& app, ReplayCliOptions& options);
int run_replay_command(const ReplayCliOptions& options);

// The options `replay`, `compare` and `fund-sweep` share - files, --config, --seed, --accounts,
// --shock, fees, fund sizes, --thin-fund, --check-every, --strict - registered on `cmd`, and their
// conversion to
// ReplayOptions (the policy, report, threading and liquidation switch are each command's own).
// False with `error` set when --shock, --config or a fund amount is invalid.
void add_shared_replay_options(CLI::App* cmd, ReplayCliOptions& options);
[[nodiscard]] bool try_shared_replay_options(const ReplayCliOptions& options,
                                             replay::ReplayOptions& out, std::string& error);

}  // namespace backstop::cli
