// `backstop audit-check FILE.jsonl`: rebuilds every account's and fund's balance from an audit log
// and checks it (pipeline/audit_check.hpp, docs/audit.md). Declares the subcommand's options and
// the two calls main.cpp makes. Cold; the main thread.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace backstop::cli {

struct AuditCliOptions {
  std::string file;
  bool json = false;
};

CLI::App* add_audit_command(CLI::App& app, AuditCliOptions& options);
// 0: the log checks; 1: a violation (named on stdout); 2: the file cannot be read.
int run_audit_command(const AuditCliOptions& options);

}  // namespace backstop::cli
