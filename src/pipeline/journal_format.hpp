// The journal's on-disk layout. A journal is a folder of files `journal-<first sequence>.log`, each
// a file header followed by frames; a frame is a fixed header and a payload. Everything is
// little-endian (the only byte order we build for; a static_assert below says so).
//
//   file header (40 bytes): magic "BKSTJRNL", format version, configuration bytes, first sequence,
//                           configuration hash, CRC32C (of the 32 bytes before it and the
//                           configuration text), reserved
//   configuration: the canonical text of the configuration the inputs were applied under
//                  (config_fingerprint.hpp), `configuration bytes` long
//   frame header (24 bytes): payload length, CRC32C, sequence, record type, reserved
//   payload: `length` bytes (an input Event for the engine's journal)
//
// The frame CRC covers the length, sequence, type and the payload, so a torn length, a torn payload
// and a zero-filled tail are all detected. Sequences are contiguous: a file's first frame carries
// the header's first sequence, each frame the one after its predecessor's, and each file starts
// right after the previous file's last (docs/journal.md). Plain data; any thread.
#pragma once

#include <bit>
#include <cstdint>
#include <string_view>

namespace backstop::pipeline {

static_assert(std::endian::native == std::endian::little, "the journal layout is little-endian");

inline constexpr char kJournalMagic[8] = {'B', 'K', 'S', 'T', 'J', 'R', 'N', 'L'};
// 2: the configuration text and hash in the file header; 1 had neither.
inline constexpr std::uint32_t kJournalVersion = 2;
inline constexpr std::uint32_t kMaxPayloadBytes = 1u << 16;
// A canonical configuration is a few hundred bytes per instrument; this bounds what a reader
// allocates for a damaged length.
inline constexpr std::uint32_t kMaxConfigBytes = 1u << 20;

struct JournalFileHeader {
  char magic[8];
  std::uint32_t version;
  std::uint32_t config_bytes;  // length of the configuration text that follows the header
  std::uint64_t first_sequence;
  std::uint64_t config_hash;  // XXH3-64 of the configuration text
  std::uint32_t crc;          // CRC32C of the 32 bytes before it, then the configuration text
  std::uint32_t reserved;
};
static_assert(sizeof(JournalFileHeader) == 40);

struct FrameHeader {
  std::uint32_t length;  // payload bytes
  std::uint32_t crc;     // CRC32C of length, sequence, type, reserved and the payload
  std::uint64_t sequence;
  std::uint16_t type;
  std::uint16_t reserved;
  std::uint32_t reserved2;
};
static_assert(sizeof(FrameHeader) == 24);

inline constexpr std::string_view kJournalPrefix = "journal-";
inline constexpr std::string_view kJournalSuffix = ".log";

}  // namespace backstop::pipeline
