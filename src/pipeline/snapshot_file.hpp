// Snapshot files: the engine's whole state at an input sequence, versioned and checksummed, written
// atomically (temporary file, fsync, rename, fsync of the folder) so a crash leaves either the old
// set of snapshots or the new one, never a half file under a snapshot's name. Loading picks the
// newest snapshot that passes every check and reports each one it had to pass over, so recovery
// falls back to an older snapshot, or to the journal alone. Cold; the owning thread or a tool.
//
//   header (48 bytes): magic "BKSTSNAP", version, reserved, sequence, payload bytes,
//                      payload CRC32C, header CRC32C (of the 40 bytes before it), reserved
//   payload: the engine's state (RiskStateIo::save)
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace backstop::pipeline {

inline constexpr std::uint32_t kSnapshotVersion = 1;

struct LoadedSnapshot {
  std::filesystem::path file;
  std::int64_t sequence = -1;  // the last input sequence the state includes
  std::vector<std::byte> payload;
};

// The snapshot file name for `sequence` (zero-padded so names sort).
std::string snapshot_file_name(std::int64_t sequence);

// Writes `payload` as the snapshot at `sequence` into `folder`. False with `error` set on failure.
bool write_snapshot(const std::filesystem::path& folder, std::int64_t sequence,
                    std::span<const std::byte> payload, std::string& error);

// The newest valid snapshot whose sequence is at most `max_sequence`; every newer or invalid one is
// described in `passed_over` ("file: reason"). Empty when there is none.
std::optional<LoadedSnapshot> load_latest_snapshot(const std::filesystem::path& folder,
                                                   std::int64_t max_sequence,
                                                   std::vector<std::string>& passed_over);

}  // namespace backstop::pipeline
