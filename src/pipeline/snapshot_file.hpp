// Snapshot files: the engine's whole state at an input sequence, versioned and checksummed, written
// atomically (temporary file, fsync, rename, fsync of the folder) so a crash leaves either the old
// set of snapshots or the new one, never a half file under a snapshot's name. Loading picks the
// newest snapshot that passes every check and reports each one it had to pass over, so recovery
// falls back to an older snapshot, or to the journal alone. Cold; the owning thread or a tool.
//
//   header (56 bytes): magic "BKSTSNAP", version, configuration bytes, sequence, payload bytes,
//                      payload CRC32C, reserved, configuration hash, header CRC32C (of the 48
//                      bytes before it and the configuration text), reserved
//   configuration: the canonical text of the engine's configuration (config_fingerprint.hpp)
//   payload: the engine's state (RiskStateIo::save)
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace backstop::pipeline {

// 2: the configuration text and hash in the header; the payload is unchanged.
inline constexpr std::uint32_t kSnapshotVersion = 2;

struct LoadedSnapshot {
  std::filesystem::path file;
  std::int64_t sequence = -1;  // the last input sequence the state includes
  std::string config_text;     // the configuration the state was saved under
  std::vector<std::byte> payload;
};

// The snapshot file name for `sequence` (zero-padded so names sort).
std::string snapshot_file_name(std::int64_t sequence);

// The snapshot files in `folder` (any version, valid or not), oldest first.
std::vector<std::filesystem::path> snapshot_files(const std::filesystem::path& folder);

// Writes `payload` as the snapshot at `sequence` into `folder`, with the canonical configuration
// text it was saved under. False with `error` set on failure.
bool write_snapshot(const std::filesystem::path& folder, std::int64_t sequence,
                    std::string_view config_text, std::span<const std::byte> payload,
                    std::string& error);

// The newest valid snapshot whose sequence is at most `max_sequence`; every newer or invalid one is
// described in `passed_over` ("file: reason"). Empty when there is none.
std::optional<LoadedSnapshot> load_latest_snapshot(const std::filesystem::path& folder,
                                                   std::int64_t max_sequence,
                                                   std::vector<std::string>& passed_over);

}  // namespace backstop::pipeline
