#include "journal_commands.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <stdexcept>

#include "pipeline/config_file.hpp"
#include "pipeline/config_fingerprint.hpp"
#include "pipeline/recovery.hpp"
#include "pipeline/state_digest.hpp"

namespace backstop::cli {
namespace {

struct Recovered {
  std::unique_ptr<RiskEngine> risk;
  RecoveryReport report;
  std::string folder;
  std::string config_text;  // canonical (config_fingerprint.hpp): a new snapshot's header
};

// Read-only recovery of the folder named by the options; prints the reason and returns null on
// failure.
std::optional<Recovered> recover(const JournalCliOptions& options) {
  std::string error;
  const auto config = pipeline::load_engine_config(options.config, error);
  if (!config) {
    fmt::print(stderr, "backstop: {}\n", error);
    return std::nullopt;
  }
  Recovered r;
  r.folder = options.journal.empty() ? config->journal.folder.string() : options.journal;
  if (r.folder.empty()) {
    fmt::print(stderr, "backstop: no journal folder (--journal, or journal.folder in {})\n",
               options.config);
    return std::nullopt;
  }
  try {
    r.risk = pipeline::recover_risk(config->risk, r.folder, /*cut_torn_tail=*/false, r.report);
  } catch (const std::exception& e) {
    fmt::print(stderr, "backstop: {}\n", e.what());
    return std::nullopt;
  }
  r.config_text = pipeline::config_fingerprint(config->risk).text;
  return r;
}

// A JSON string literal: quotes, backslashes and control bytes escaped.
std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

JournalCommands add_journal_commands(CLI::App& app, JournalCliOptions& options) {
  JournalCommands commands;
  commands.snapshot = app.add_subcommand(
      "snapshot", "replay a journal folder and write a snapshot of its state into it");
  commands.digest =
      app.add_subcommand("digest", "print the state digest a journal folder recovers to");
  for (CLI::App* cmd : {commands.snapshot, commands.digest}) {
    cmd->add_option("--config", options.config, "engine configuration (TOML)")->required();
    cmd->add_option("--journal", options.journal, "journal folder (default: from the config)");
    cmd->add_flag("--json", options.json, "print one JSON object");
  }
  return commands;
}

int run_digest_command(const JournalCliOptions& options) {
  const auto r = recover(options);
  if (!r) return 1;
  const std::string digest = pipeline::digest_hex(pipeline::state_digest(*r->risk));
  const RecoveryReport& report = r->report;
  if (options.json) {
    for (const auto& skipped : report.passed_over)
      fmt::print(stderr, "backstop: snapshot passed over: {}\n", skipped);
    fmt::print(
        "{{\"digest\":\"{}\",\"last_sequence\":{},\"snapshot_sequence\":{},\"replayed\":{},"
        "\"journal_files\":{},\"torn_tail_bytes\":{},\"torn_tail_file\":{}}}\n",
        digest, report.last_sequence, report.snapshot_sequence, report.replayed,
        report.journal_files, report.torn_tail_bytes,
        report.torn_tail_bytes > 0 ? json_string(report.torn_tail_file) : "null");
  } else {
    fmt::print("digest {} at input {} (snapshot {}, {} journal records replayed)\n{}", digest,
               report.last_sequence, report.snapshot_sequence, report.replayed,
               pipeline::describe_recovery(report));
  }
  return 0;
}

int run_snapshot_command(const JournalCliOptions& options) {
  const auto r = recover(options);
  if (!r) return 1;
  if (r->report.last_sequence < 0) {
    fmt::print(stderr, "backstop: the journal in {} is empty; nothing to snapshot\n", r->folder);
    return 1;
  }
  if (!options.json) fmt::print("{}", pipeline::describe_recovery(r->report));
  std::string error;
  if (!pipeline::save_risk_snapshot(r->folder, r->config_text, *r->risk, r->report.last_sequence,
                                    error)) {
    fmt::print(stderr, "backstop: {}\n", error);
    return 1;
  }
  const std::string digest = pipeline::digest_hex(pipeline::state_digest(*r->risk));
  if (options.json) {
    fmt::print("{{\"snapshot_sequence\":{},\"folder\":{},\"digest\":\"{}\",\"replayed\":{}}}\n",
               r->report.last_sequence, json_string(r->folder), digest, r->report.replayed);
  } else {
    fmt::print("snapshot at input {} written to {} (digest {})\n", r->report.last_sequence,
               r->folder, digest);
  }
  return 0;
}

}  // namespace backstop::cli
