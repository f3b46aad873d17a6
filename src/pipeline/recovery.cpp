#include "pipeline/recovery.hpp"

#include <fmt/format.h>

#include <cstring>
#include <limits>

#include "pipeline/config_fingerprint.hpp"
#include "pipeline/journal_reader.hpp"
#include "pipeline/risk_state_io.hpp"
#include "pipeline/snapshot_file.hpp"

namespace backstop::pipeline {
namespace {

[[noreturn]] void refuse(RecoveryFailure failure, const std::string& what,
                         JournalDamage damage = JournalDamage::kNone,
                         const std::filesystem::path& file = {}, std::uint64_t offset = 0) {
  throw RecoveryError(failure, "journal: cannot recover: " + what, damage, file, offset);
}

void require_folder(const std::filesystem::path& folder) {
  std::error_code ec;
  const auto status = std::filesystem::status(folder, ec);
  if (!std::filesystem::exists(status))
    refuse(RecoveryFailure::kNotAFolder, fmt::format("{} does not exist", folder.string()));
  if (!std::filesystem::is_directory(status))
    refuse(RecoveryFailure::kNotAFolder, fmt::format("{} is not a folder", folder.string()));
}

// The newest snapshot that loads into an engine of `config`, or a fresh engine when there is none;
// each one passed over is reported. A snapshot written under another configuration is refused, not
// passed over: the journal beside it was written under that configuration too.
std::unique_ptr<RiskEngine> load_snapshot(const RiskConfig& config, const ConfigFingerprint& fp,
                                          const std::filesystem::path& folder,
                                          RecoveryReport& report) {
  auto risk = std::make_unique<RiskEngine>(config);
  std::int64_t limit = std::numeric_limits<std::int64_t>::max();
  for (;;) {
    std::optional<LoadedSnapshot> snapshot =
        load_latest_snapshot(folder, limit, report.passed_over);
    if (!snapshot) return risk;
    if (snapshot->config_text != fp.text) {
      refuse(
          RecoveryFailure::kConfigMismatch,
          fmt::format("{} was written under another configuration: {}", snapshot->file.string(),
                      describe_config_difference(snapshot->config_text, fp.text, "the snapshot")),
          JournalDamage::kNone, snapshot->file);
    }
    std::string error;
    if (RiskStateIo::load(*risk, snapshot->payload, error)) {
      report.snapshot_sequence = snapshot->sequence;
      report.snapshot_file = snapshot->file.string();
      return risk;
    }
    // A failed load leaves a half-restored engine, so it is rebuilt before the next try.
    report.passed_over.push_back(fmt::format("{}: {}", snapshot->file.string(), error));
    risk = std::make_unique<RiskEngine>(config);
    limit = snapshot->sequence - 1;
  }
}

}  // namespace

std::unique_ptr<RiskEngine> recover_risk(const RiskConfig& config,
                                         const std::filesystem::path& folder, bool cut_torn_tail,
                                         RecoveryReport& report) {
  report = RecoveryReport{};
  require_folder(folder);
  const ConfigFingerprint fp = config_fingerprint(config);
  std::unique_ptr<RiskEngine> risk = load_snapshot(config, fp, folder, report);
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
      cut_torn_tail, &fp.text);
  if (scan.damage == JournalDamage::kConfigMismatch) {
    refuse(RecoveryFailure::kConfigMismatch, scan.detail, scan.damage, scan.damaged_file);
  }
  if (scan.damage != JournalDamage::kNone && scan.damage != JournalDamage::kTornTail) {
    refuse(RecoveryFailure::kCorruptJournal,
           fmt::format("{}: {}", damage_name(scan.damage), scan.detail), scan.damage,
           scan.damaged_file, scan.valid_bytes);
  }
  if (wrong_size) {
    refuse(RecoveryFailure::kBadRecord,
           fmt::format("records of the wrong size in {}", folder.string()));
  }
  // Every input from the first (0, or the one after the snapshot) must be there: a journal whose
  // first file was deleted starts later and is not a whole history.
  if (scan.first_sequence > after + 1) {
    refuse(RecoveryFailure::kMissingInputs,
           after < 0 ? fmt::format("the journal starts at input {}, not 0, and there is no "
                                   "snapshot before it: inputs 0 to {} are missing",
                                   scan.first_sequence, scan.first_sequence - 1)
                     : fmt::format("inputs {} to {} are missing after the snapshot at {}",
                                   after + 1, scan.first_sequence - 1, after));
  }
  if (after >= 0 && scan.records > 0 && scan.last_sequence < after) {
    refuse(
        RecoveryFailure::kMissingInputs,
        fmt::format("the journal ends at {} but the snapshot is at {}", scan.last_sequence, after));
  }
  report.journal_files = scan.files;
  report.journal_first = scan.first_sequence;
  report.last_sequence = std::max(after, scan.last_sequence);
  if (scan.damage == JournalDamage::kTornTail) {
    report.torn_tail_bytes = scan.torn_bytes;
    report.torn_tail_cut = scan.truncated;
    report.torn_tail_file = scan.damaged_file.string();
    report.detail = scan.detail;
  }
  return risk;
}

void prepare_journal_folder(const JournalOptions& options) {
  const std::filesystem::path& folder = options.folder;
  std::error_code ec;
  const auto status = std::filesystem::status(folder, ec);
  if (std::filesystem::exists(status) && !std::filesystem::is_directory(status)) {
    throw RecoveryError(RecoveryFailure::kNotAFolder,
                        fmt::format("journal.folder: {} is not a folder", folder.string()));
  }
  std::filesystem::create_directories(folder, ec);
  if (ec) {
    throw RecoveryError(
        RecoveryFailure::kNotAFolder,
        fmt::format("journal.folder: cannot create {}: {}", folder.string(), ec.message()));
  }
  if (options.start != JournalStart::kFresh) return;
  const std::size_t journals = journal_files(folder).size();
  const std::size_t snapshots = snapshot_files(folder).size();
  if (journals + snapshots > 0) {
    throw RecoveryError(
        RecoveryFailure::kFolderInUse,
        fmt::format("journal.folder: {} already holds a journal ({} journal files, {} snapshots); "
                    "a new run does not continue another run's state: choose an empty folder, "
                    "or resume that journal explicitly",
                    folder.string(), journals, snapshots));
  }
}

bool save_risk_snapshot(const std::filesystem::path& folder, std::string_view config_text,
                        const RiskEngine& risk, std::int64_t sequence, std::string& error) {
  std::vector<std::byte> payload;
  RiskStateIo::save(risk, payload);
  return write_snapshot(folder, sequence, config_text, payload, error);
}

std::string describe_recovery(const RecoveryReport& r) {
  std::string out;
  if (r.snapshot_sequence >= 0) {
    out += fmt::format("recovered from snapshot {} (input {})\n", r.snapshot_file,
                       r.snapshot_sequence);
  }
  for (const auto& skipped : r.passed_over)
    out += fmt::format("snapshot passed over: {}\n", skipped);
  if (r.journal_files == 0 && r.snapshot_sequence < 0) {
    out += "journal: none in this folder (the state of an empty engine)\n";
  } else {
    out += fmt::format("journal: {} files, {} records replayed, last input {}\n", r.journal_files,
                       r.replayed, r.last_sequence);
  }
  if (r.torn_tail_bytes > 0) {
    out += fmt::format("torn tail: {} bytes at the end of {} {} (last input kept: {})\n",
                       r.torn_tail_bytes, r.torn_tail_file,
                       r.torn_tail_cut ? "cut off" : "not read (left in place)", r.last_sequence);
  }
  return out;
}

}  // namespace backstop::pipeline
