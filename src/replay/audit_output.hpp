// A replay's audit log (docs/audit.md): the header, every audit record the engine emits, in
// output order, and the closing figures of the engine's final state, in one JSONL file that
// `backstop audit-check` can rebuild every balance and fund from. Attaching it turns the engine's
// balance legs on (ReplayOptions::audit_balances). The synchronous and threaded replays write the
// same bytes: the records are the engine's outputs, in input order. Cold; the thread that runs
// the replay (the output poller in threaded mode).
#pragma once

#include <filesystem>
#include <string>

#include "pipeline/audit_log.hpp"
#include "replay/replay.hpp"

namespace backstop::replay {

class ReplayAuditLog {
 public:
  // Creates (truncates) `file` and writes the header. False with `error` set when it cannot.
  [[nodiscard]] bool open(const std::filesystem::path& file, std::string& error);
  // Turns the balance legs on and chains the log after `options`' own on_output and on_finish
  // hooks. This object must outlive the replay run with those options.
  void attach(ReplayOptions& options);
  // Flushes and closes. False with `error` set when any write failed.
  [[nodiscard]] bool close(std::string& error);

 private:
  pipeline::AuditLogWriter writer_;
  std::filesystem::path file_;
};

}  // namespace backstop::replay
