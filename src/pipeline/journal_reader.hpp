// Reading a journal back: every valid frame of every file in sequence order, stopping at the first
// damage. A damaged tail of the newest file is a torn write from a crash: it is reported and, when
// asked, cut off (ftruncate) so that appends can resume after the last good frame. Damage anywhere
// else is corruption: reported, never skipped over. Cold; recovery and the CLI.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace backstop::pipeline {

enum class JournalDamage : std::uint8_t {
  kNone = 0,
  kTornTail = 1,       // the newest file ends inside a frame or in bytes that fail their CRC
  kCorruptMiddle = 2,  // a bad frame or header with valid data after it, or in an older file
  kBadFileHeader = 3,  // a file whose header is missing or fails its CRC
  kSequenceGap = 4,    // frames out of order, or a file that does not continue its predecessor
  kIoError = 5,
};

struct JournalScan {
  std::uint64_t records = 0;
  std::int64_t first_sequence = -1;
  std::int64_t last_sequence = -1;
  std::uint64_t files = 0;
  JournalDamage damage = JournalDamage::kNone;
  std::string detail;  // what was wrong and where (file and byte offset)
  std::filesystem::path damaged_file;
  std::uint64_t valid_bytes = 0;  // of the damaged file: where its last good frame ends
  bool truncated = false;         // the torn tail was cut
};

struct JournalRecord {
  std::int64_t sequence;
  std::uint16_t type;
  std::span<const std::byte> payload;
};

// The journal files of `folder`, sorted by first sequence.
std::vector<std::filesystem::path> journal_files(const std::filesystem::path& folder);

// Calls `visit` for each valid record with sequence > `after` (use -1 for all), in order. With
// `cut_torn_tail`, a torn tail is truncated away. A folder with no journal is an empty scan.
JournalScan scan_journal(const std::filesystem::path& folder, std::int64_t after,
                         const std::function<void(const JournalRecord&)>& visit,
                         bool cut_torn_tail);

}  // namespace backstop::pipeline
