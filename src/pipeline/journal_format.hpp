// The journal's on-disk layout. A journal is a folder of files `journal-<first sequence>.log`, each
// a file header followed by frames; a frame is a fixed header and a payload. Everything is
// little-endian (the only byte order we build for; a static_assert below says so).
//
//   file header (32 bytes): magic "BKSTJRNL", format version, first sequence, CRC32C of the above
//   frame header (24 bytes): payload length, CRC32C, sequence, record type, reserved
//   payload: `length` bytes (an input Event for the engine's journal)
//
// The frame CRC covers the length, sequence, type and the payload, so a torn length, a torn payload
// and a zero-filled tail are all detected. Plain data; any thread.
#pragma once

#include <bit>
#include <cstdint>
#include <string_view>

namespace backstop::pipeline {

static_assert(std::endian::native == std::endian::little, "the journal layout is little-endian");

inline constexpr char kJournalMagic[8] = {'B', 'K', 'S', 'T', 'J', 'R', 'N', 'L'};
inline constexpr std::uint32_t kJournalVersion = 1;
inline constexpr std::uint32_t kMaxPayloadBytes = 1u << 16;

struct JournalFileHeader {
  char magic[8];
  std::uint32_t version;
  std::uint32_t reserved;
  std::uint64_t first_sequence;
  std::uint32_t crc;  // CRC32C of the 24 bytes before it
  std::uint32_t reserved2;
};
static_assert(sizeof(JournalFileHeader) == 32);

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
