// `backstop fund-sweep`: the smallest insurance (or default) fund at which a replay needs no ADL,
// no socialization and no bad debt, by bisection over deterministic replays (docs/fund-sweep.md).
// Declares the subcommand's options and the two calls main.cpp makes. Cold; the main thread.
#pragma once

#include <cstdint>
#include <string>

#include "replay_command.hpp"

namespace backstop::cli {

struct FundSweepCliOptions {
  ReplayCliOptions replay;    // the options shared with `replay`, and its --policy
  bool default_fund = false;  // --sweep-default-fund: size the default fund, not the insurance fund
  std::string resolution;     // --resolution AMOUNT in units of the asset; empty: automatic
  std::uint32_t max_replays = 40;
  bool json = false;
};

CLI::App* add_fund_sweep_command(CLI::App& app, FundSweepCliOptions& options);
// 0: found, one resolution step wide, every replay conserved; 1: a replay failed; 2: invalid
// arguments (an input of several settlement assets included); 3: a replay broke conservation;
// 4: no fund found, or the bracket still wider than the resolution when --max-replays ran out.
int run_fund_sweep_command(const FundSweepCliOptions& options);

}  // namespace backstop::cli
