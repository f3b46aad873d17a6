// Rebuilds risk state from a journal folder: the newest valid snapshot (older ones, then none, when
// a snapshot is damaged or does not fit), then every journaled input after it, in order. Used by
// the Engine when it starts on an existing journal, and by the `backstop snapshot` / `digest`
// tools, which read a live journal without touching it. Cold; the owning thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "backstop/risk_engine.hpp"

namespace backstop {

// What the constructor found in the journal folder.
struct RecoveryReport {
  std::int64_t snapshot_sequence = -1;  // the snapshot recovery started from (-1: none)
  std::string snapshot_file;
  std::vector<std::string> passed_over;  // snapshots not used, each with its reason
  std::uint64_t replayed = 0;            // journal records applied after the snapshot
  std::int64_t last_sequence = -1;       // the last input sequence recovered (-1: fresh start)
  bool torn_tail_cut = false;            // a torn write at the end was detected and cut
  std::string detail;                    // what was cut, and where
};

}  // namespace backstop

namespace backstop::pipeline {

// Throws std::runtime_error when the journal is corrupt (not merely torn at its end) or does not
// continue from the snapshot. With `cut_torn_tail` (the journal's owner only) a torn tail is cut
// off the file; without, it just ends the replay.
std::unique_ptr<RiskEngine> recover_risk(const RiskConfig& config,
                                         const std::filesystem::path& folder, bool cut_torn_tail,
                                         RecoveryReport& report);

// Writes a snapshot of `risk` as of input `sequence` into `folder`. False with `error` set.
bool save_risk_snapshot(const std::filesystem::path& folder, const RiskEngine& risk,
                        std::int64_t sequence, std::string& error);

}  // namespace backstop::pipeline
