// The audit log (docs/audit.md): a cold consumer of the Engine's outputs that writes every audit
// record (OutputKind::kWaterfall) as one JSON line - input sequence, event time, account,
// instrument, asset, tier, kind, reason, the two parties of a money movement, amount, whose
// figure before and after are - so every unit moved has a recorded reason. Other outputs are passed
// over. A header line opens the file and, written by the caller at the end, closing lines give
// every account's and fund's figure, so that `backstop audit-check` can rebuild them all from the
// log and compare. Owned by the thread that polls the outputs (or a cold consumer of the output
// ring); buffered file I/O, never on the risk thread.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>

#include "pipeline/output_event.hpp"

namespace backstop {
class RiskEngine;
}

namespace backstop::pipeline {

// The JSON line for one waterfall output (no trailing newline). Stable keys; integers exact.
std::string audit_json(const OutputEvent& out);

// The exact decimal text of a 128-bit sum (a JSON number: the log's figures are integers).
std::string int128_text(Int128 v);

std::string_view to_string(WaterfallKind kind) noexcept;
std::string_view to_string(WaterfallReason reason) noexcept;
std::string_view to_string(Party party) noexcept;
std::string_view to_string(Shown shown) noexcept;
// The id that names a party of `r` (docs/audit.md): the account for an account, a member's
// contribution or receivable; the instrument for the positions; else the asset.
std::uint64_t party_id(const WaterfallRecord& r, Party party) noexcept;

// The version of the log's format, in its header line.
inline constexpr int kAuditLogVersion = 1;

class AuditLogWriter {
 public:
  AuditLogWriter() = default;
  ~AuditLogWriter();
  AuditLogWriter(const AuditLogWriter&) = delete;
  AuditLogWriter& operator=(const AuditLogWriter&) = delete;

  // Creates (truncates) `file`. False with `error` set when it cannot.
  bool open(const std::filesystem::path& file, std::string& error);
  // The header line: the format version and whether the balance legs are in the log
  // (WaterfallConfig::audit_balances; without them the log cannot rebuild the balances).
  bool write_header(bool balances);
  // Writes `out` if it is a waterfall record; false after a write error.
  bool write(const OutputEvent& out);
  // The closing lines: every account's balance, every member's contribution and owed assessment,
  // each asset's funds and net deposits, each instrument's positions (Σ cost + accrued funding),
  // then a last line with the records the engine dropped for want of capacity.
  bool write_closing(const RiskEngine& risk);
  // Flushes and closes; false if anything failed since open().
  bool close();
  [[nodiscard]] std::uint64_t records() const noexcept { return records_; }

 private:
  std::FILE* file_ = nullptr;
  bool put(const std::string& line);

  std::uint64_t records_ = 0;
  bool failed_ = false;
};

}  // namespace backstop::pipeline
