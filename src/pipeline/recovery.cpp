#include "pipeline/recovery.hpp"

#include <fmt/format.h>

#include <cstring>
#include <limits>
#include <stdexcept>

#include "pipeline/journal_reader.hpp"
#include "pipeline/risk_state_io.hpp"
#include "pipeline/snapshot_file.hpp"

namespace backstop::pipeline {

std::unique_ptr<RiskEngine> recover_risk(const RiskConfig& config,
                                         const std::filesystem::path& folder, bool cut_torn_tail,
                                         RecoveryReport& report) {
  report = RecoveryReport{};
  auto risk = std::make_unique<RiskEngine>(config);
  // The newest snapshot that loads; each one passed over is reported, and a failed load leaves a
  // half-restored engine, so it is rebuilt before the next try.
  std::int64_t limit = std::numeric_limits<std::int64_t>::max();
  for (;;) {
    std::optional<LoadedSnapshot> snapshot =
        load_latest_snapshot(folder, limit, report.passed_over);
    if (!snapshot) break;
    std::string error;
    if (RiskStateIo::load(*risk, snapshot->payload, error)) {
      report.snapshot_sequence = snapshot->sequence;
      report.snapshot_file = snapshot->file.string();
      break;
    }
    report.passed_over.push_back(fmt::format("{}: {}", snapshot->file.string(), error));
    risk = std::make_unique<RiskEngine>(config);
    limit = snapshot->sequence - 1;
  }
  const std::int64_t after = report.snapshot_sequence;
  std::int64_t first_replayed = -1;
  bool wrong_size = false;
  const JournalScan scan = scan_journal(
      folder, after,
      [&](const JournalRecord& record) {
        Event e;
        if (record.payload.size() != sizeof e) {
          wrong_size = true;
          return;
        }
        if (first_replayed < 0) first_replayed = record.sequence;
        std::memcpy(&e, record.payload.data(), sizeof e);
        (void)risk->process(e);
        ++report.replayed;
      },
      cut_torn_tail);
  if (scan.damage != JournalDamage::kNone && scan.damage != JournalDamage::kTornTail)
    throw std::runtime_error("journal: cannot recover: " + scan.detail);
  if (wrong_size)
    throw std::runtime_error("journal: cannot recover: records of the wrong size in " +
                             folder.string());
  if (after >= 0 && scan.records > 0 && scan.last_sequence < after) {
    throw std::runtime_error(
        fmt::format("journal: cannot recover: the journal ends at {} but the snapshot is at {}",
                    scan.last_sequence, after));
  }
  if (after >= 0 && first_replayed > after + 1) {
    throw std::runtime_error(
        fmt::format("journal: cannot recover: inputs {} to {} are missing after the snapshot",
                    after + 1, first_replayed - 1));
  }
  report.last_sequence = std::max(after, scan.last_sequence);
  report.torn_tail_cut = scan.truncated;
  report.detail = scan.detail;
  return risk;
}

bool save_risk_snapshot(const std::filesystem::path& folder, const RiskEngine& risk,
                        std::int64_t sequence, std::string& error) {
  std::vector<std::byte> payload;
  RiskStateIo::save(risk, payload);
  return write_snapshot(folder, sequence, payload, error);
}

}  // namespace backstop::pipeline
