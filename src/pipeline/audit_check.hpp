// The audit log's check (docs/audit.md), behind `backstop audit-check`: rebuilds every party's
// holding (accounts, funds, members' contributions and receivables, positions, outside) from the
// log's money movements alone, and checks that
//   - every movement is a transfer between two named parties of a non-negative amount, so the
//     changes sum to zero;
//   - each record's before/after, where given, equal the rebuilt figure of the party it shows;
//   - a deficit's cover (tiers 5-7) is fully handed on by the end of its input;
//   - with closing lines, the rebuilt figures equal the engine's, no party is missing from them,
//     no record was dropped or left out, and the engine's figures themselves sum to zero.
// The first violation stops the check and is named by line, party, expected and found. Cold; the
// calling thread; O(lines) time, O(parties) memory.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "backstop/money.hpp"

namespace backstop::pipeline {

struct AuditAssetTotals {
  std::uint8_t asset = 0;
  Int128 insurance_rebuilt = 0;
  bool has_closing = false;
  Int128 insurance_closing = 0;
};

struct AuditCheckResult {
  bool ok = false;
  std::string violation;              // the first one, "line N: ..."; empty when ok
  std::uint64_t lines = 0;            // read, the header included
  std::uint64_t records = 0;          // audit records
  std::uint64_t movements = 0;        // of them, money movements
  std::uint64_t figures_checked = 0;  // before/after pairs compared
  std::uint64_t parties = 0;          // with a holding in the log
  std::uint64_t accounts = 0;         // of them, accounts
  std::uint64_t closing_checked = 0;  // closing figures compared
  bool has_closing = false;
  Int128 sum_of_changes = 0;  // Σ of every party's rebuilt holding: zero by construction
  std::vector<AuditAssetTotals> assets;
};

// Reads and checks a whole log. `ok` false with `violation` set at the first violation (or when
// the log cannot be parsed, or was written without the balance legs).
[[nodiscard]] AuditCheckResult check_audit_log(std::istream& in);

// The summary `audit-check` prints: a few lines, or one JSON object.
std::string audit_check_text(const AuditCheckResult& r, const std::string& file);
std::string audit_check_json(const AuditCheckResult& r, const std::string& file);

}  // namespace backstop::pipeline
