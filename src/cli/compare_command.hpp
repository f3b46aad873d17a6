// `backstop compare`: the policy lab (docs/design.md §5) - the same replay under each --policy,
// side by side. Declares the subcommand's options and the two calls main.cpp makes. Cold; the main
// thread.
#pragma once

#include <string>
#include <vector>

#include "replay_command.hpp"

namespace backstop::cli {

struct CompareCliOptions {
  ReplayCliOptions
      replay;  // the options shared with `replay` (its policy, report, threading unused)
  std::vector<std::string> policies;
  bool json = false;
};

CLI::App* add_compare_command(CLI::App& app, CompareCliOptions& options);
// `compare --audit PREFIX`: the audit log of the run under `policy` (as given to --policy).
std::string audit_file_name(const std::string& prefix, const std::string& policy);
// 0: every run conserved; 2: invalid arguments; 1: a replay failed; 3: a run broke conservation.
int run_compare_command(const CompareCliOptions& options);

}  // namespace backstop::cli
