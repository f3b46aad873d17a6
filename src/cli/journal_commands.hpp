// `backstop snapshot` and `backstop digest`: tools that read a journal folder without touching its
// journal files. `snapshot` replays it (from the newest valid snapshot) in this process and writes
// a new snapshot, so the engine that owns the journal never pauses; `digest` prints the state
// digest the journal recovers to. Cold; the main thread.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace backstop::cli {

struct JournalCliOptions {
  std::string config;   // the engine's TOML configuration (instruments and capacities)
  std::string journal;  // the journal folder; default: the configuration's journal.folder
  bool json = false;
};

struct JournalCommands {
  CLI::App* snapshot = nullptr;
  CLI::App* digest = nullptr;
};

JournalCommands add_journal_commands(CLI::App& app, JournalCliOptions& options);
int run_snapshot_command(const JournalCliOptions& options);
int run_digest_command(const JournalCliOptions& options);

}  // namespace backstop::cli
