// Rebuilds risk state from a journal folder: the newest valid snapshot (older ones, then none, when
// a snapshot is damaged), then every journaled input after it, in order. Used by the Engine when it
// starts on an existing journal, and by the `backstop snapshot` / `digest` tools, which read a live
// journal without touching it. Refuses, with a RecoveryError naming the file and byte offset,
// anything but a clean journal or one whose newest file ends in a torn write: corruption, a gap in
// the inputs, a journal or snapshot written under another configuration (config_fingerprint.hpp).
// Cold; the owning thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "backstop/risk_engine.hpp"
#include "pipeline/journal_options.hpp"
#include "pipeline/journal_reader.hpp"

namespace backstop {

// What recovery found in the journal folder and did with it.
struct RecoveryReport {
  std::int64_t snapshot_sequence = -1;  // the snapshot recovery started from (-1: none)
  std::string snapshot_file;
  std::vector<std::string> passed_over;  // snapshots not used, each with its reason
  std::uint64_t journal_files = 0;       // journal files read
  std::int64_t journal_first = -1;       // the first input the journal holds (-1: none)
  std::uint64_t replayed = 0;            // journal records applied after the snapshot
  std::int64_t last_sequence = -1;       // the last input sequence recovered (-1: fresh start)
  std::uint64_t torn_tail_bytes = 0;     // a torn write at the end of the newest file (0: none)
  bool torn_tail_cut = false;            // ... cut off the file (the Engine), or left (the tools)
  std::string torn_tail_file;
  std::string detail;  // where the torn write was, and what it was
};

enum class RecoveryFailure : std::uint8_t {
  kCorruptJournal = 1,  // damage that is not a torn tail (RecoveryError::damage() says which)
  kConfigMismatch = 2,  // the journal or a snapshot was written under another configuration
  kMissingInputs = 3,   // the snapshot and the journal do not join up
  kBadRecord = 4,       // a journal record that is not one input Event
  kNotAFolder = 5,      // the journal folder is missing, is not a folder, or cannot be made
  kFolderInUse = 6,     // a fresh start (JournalStart::kFresh) on a folder holding a journal
};

// Why recovery refused to start; what() names the file and byte offset where there is one.
class RecoveryError : public std::runtime_error {
 public:
  RecoveryError(RecoveryFailure failure, const std::string& what,
                pipeline::JournalDamage damage = pipeline::JournalDamage::kNone,
                std::filesystem::path file = {}, std::uint64_t offset = 0)
      : std::runtime_error(what),
        failure_(failure),
        damage_(damage),
        file_(std::move(file)),
        offset_(offset) {}
  [[nodiscard]] RecoveryFailure failure() const noexcept { return failure_; }
  [[nodiscard]] pipeline::JournalDamage damage() const noexcept { return damage_; }
  [[nodiscard]] const std::filesystem::path& file() const noexcept { return file_; }
  [[nodiscard]] std::uint64_t offset() const noexcept { return offset_; }

 private:
  RecoveryFailure failure_;
  pipeline::JournalDamage damage_;
  std::filesystem::path file_;
  std::uint64_t offset_;
};

}  // namespace backstop

namespace backstop::pipeline {

// Throws RecoveryError when the journal folder is missing or not a folder, when the journal is
// corrupt (not merely torn at its end), has a gap, does not continue from the snapshot, or was
// written under a configuration other than `config`. With `cut_torn_tail` (the journal's owner
// only) a torn tail is cut off the file; without, it just ends the replay.
std::unique_ptr<RiskEngine> recover_risk(const RiskConfig& config,
                                         const std::filesystem::path& folder, bool cut_torn_tail,
                                         RecoveryReport& report);

// Before an Engine opens its journal: makes the folder if it is missing, and throws RecoveryError
// when the path is not a folder or cannot be made, or when `options.start` is kFresh and the folder
// already holds journal files or snapshots.
void prepare_journal_folder(const JournalOptions& options);

// Writes a snapshot of `risk` as of input `sequence` into `folder`, carrying `config_text`, the
// canonical configuration the engine runs under (config_fingerprint.hpp). False with `error` set.
bool save_risk_snapshot(const std::filesystem::path& folder, std::string_view config_text,
                        const RiskEngine& risk, std::int64_t sequence, std::string& error);

// The report as a few lines for a person (the CLI prints it): the snapshot used, the journal read,
// the inputs replayed, and any torn tail with the bytes cut and the last input kept.
[[nodiscard]] std::string describe_recovery(const RecoveryReport& report);

}  // namespace backstop::pipeline
