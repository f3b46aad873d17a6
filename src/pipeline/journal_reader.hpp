// Reading a journal back: every valid frame of every file in sequence order, stopping at the first
// damage. Only a genuine torn write - damage at the very end of the newest file, with no valid
// frame after it anywhere in that file - is a torn tail: it is reported and, when asked, cut off
// (ftruncate) so that appends can resume after the last good frame. Anything else is refused and
// never cut: a bad frame with a valid one after it (found by scanning past the damage), damage in
// an older file, a bad file header, a gap or overlap in the sequences (within a file, or between a
// file and the next), and a file written under another configuration. Cold; recovery and the CLI.
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
  kTornTail = 1,        // the newest file ends inside a frame, or in bytes that fail their CRC,
                        // with no valid frame after them
  kCorruptMiddle = 2,   // a bad frame with a valid frame after it, or one in an older file
  kBadFileHeader = 3,   // a header that is missing, fails its CRC, or is of another version
  kSequenceGap = 4,     // inputs missing or repeated, within a file or between two files
  kIoError = 5,         // a file or the folder cannot be read
  kConfigMismatch = 6,  // a file written under another configuration
};

// The damage's name as the CLI prints it ("torn tail", "sequence gap", ...).
[[nodiscard]] const char* damage_name(JournalDamage damage) noexcept;

struct JournalScan {
  std::uint64_t records = 0;
  std::int64_t first_sequence = -1;
  std::int64_t last_sequence = -1;
  std::uint64_t files = 0;
  JournalDamage damage = JournalDamage::kNone;
  std::string detail;  // what was wrong and where (file and byte offset)
  std::filesystem::path damaged_file;
  std::uint64_t valid_bytes = 0;  // of the damaged file: where its last good frame ends
  std::uint64_t torn_bytes = 0;   // a torn tail's length (cut or, without the cut, left unread)
  bool truncated = false;         // the torn tail was cut
  std::string config_text;        // the configuration the journal's first file carries
};

struct JournalRecord {
  std::int64_t sequence;
  std::uint16_t type;
  std::span<const std::byte> payload;
};

// The journal files of `folder`, sorted by first sequence.
std::vector<std::filesystem::path> journal_files(const std::filesystem::path& folder);

// Calls `visit` for each valid record with sequence > `after` (use -1 for all), in order. With
// `cut_torn_tail`, a torn tail is truncated away. With `expected_config` (a canonical text,
// config_fingerprint.hpp), a file carrying another one is kConfigMismatch before any of its
// records is visited; without, every file must carry the first file's. A folder with no journal
// is an empty scan.
JournalScan scan_journal(const std::filesystem::path& folder, std::int64_t after,
                         const std::function<void(const JournalRecord&)>& visit, bool cut_torn_tail,
                         const std::string* expected_config = nullptr);

}  // namespace backstop::pipeline
