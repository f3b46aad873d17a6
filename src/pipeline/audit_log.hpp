// The audit log: a cold consumer of the Engine's outputs that writes every money movement of the
// loss waterfall (OutputKind::kWaterfall) as one JSON line - input sequence, event time, account,
// instrument, asset, tier, kind, reason, amount, before and after - so every unit moved has a
// recorded reason. Other outputs are passed over. Owned by the thread that polls the outputs (or a
// cold consumer of the output ring); buffered file I/O, never on the risk thread.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>

#include "pipeline/output_event.hpp"

namespace backstop::pipeline {

// The JSON line for one waterfall output (no trailing newline). Stable keys; integers exact.
std::string audit_json(const OutputEvent& out);

std::string_view to_string(WaterfallKind kind) noexcept;
std::string_view to_string(WaterfallReason reason) noexcept;

class AuditLogWriter {
 public:
  AuditLogWriter() = default;
  ~AuditLogWriter();
  AuditLogWriter(const AuditLogWriter&) = delete;
  AuditLogWriter& operator=(const AuditLogWriter&) = delete;

  // Creates (truncates) `file`. False with `error` set when it cannot.
  bool open(const std::filesystem::path& file, std::string& error);
  // Writes `out` if it is a waterfall record; false after a write error.
  bool write(const OutputEvent& out);
  // Flushes and closes; false if anything failed since open().
  bool close();
  [[nodiscard]] std::uint64_t records() const noexcept { return records_; }

 private:
  std::FILE* file_ = nullptr;
  std::uint64_t records_ = 0;
  bool failed_ = false;
};

}  // namespace backstop::pipeline
