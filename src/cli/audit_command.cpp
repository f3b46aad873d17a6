#include "audit_command.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <fstream>

#include "pipeline/audit_check.hpp"

namespace backstop::cli {

CLI::App* add_audit_command(CLI::App& app, AuditCliOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "audit-check",
      "rebuild every account's and fund's balance from an audit log (replay --audit) and check "
      "it: every movement a transfer, the changes summing to zero, each record's before/after and "
      "the closing figures matching the rebuilt balances");
  cmd->add_option("file", o.file, "the audit log (JSONL)")->required();
  cmd->add_flag("--json", o.json, "print one JSON object instead of the summary");
  return cmd;
}

int run_audit_command(const AuditCliOptions& o) {
  std::ifstream in(o.file);
  if (!in) {
    fmt::print(stderr, "backstop audit-check: cannot read {}\n", o.file);
    return 2;
  }
  const pipeline::AuditCheckResult r = pipeline::check_audit_log(in);
  if (o.json) {
    fmt::print("{}\n", pipeline::audit_check_json(r, o.file));
  } else {
    fmt::print("{}", pipeline::audit_check_text(r, o.file));
  }
  return r.ok ? 0 : 1;
}

}  // namespace backstop::cli
