// How the input journal is written: folder, fdatasync policy, rotation. Plain configuration; read
// once by the thread that builds the engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>

namespace backstop {

enum class SyncPolicy : std::uint8_t {
  kOff = 0,         // never fdatasync: records count as durable once handed to the kernel
  kEveryBatch = 1,  // fdatasync at the end of every journal batch
  kEveryN = 2,      // after every `sync_every_records` records
  kEveryMicros = 3  // once `sync_every_us` has passed since the last sync
};

// What an Engine does with a journal folder that already holds a journal (docs/journal.md).
enum class JournalStart : std::uint8_t {
  kRecover = 0,  // recover it and continue: the restart of the engine that wrote it
  kFresh = 1,    // refuse it: a new run starts from nothing and must not continue another's state
};

struct JournalOptions {
  std::filesystem::path folder;  // empty: no journal
  JournalStart start = JournalStart::kRecover;
  SyncPolicy sync = SyncPolicy::kEveryMicros;
  std::uint64_t sync_every_records = 1024;
  std::uint64_t sync_every_us = 1000;
  std::uint64_t max_file_bytes = 256ull << 20;  // rotate past this size
  std::size_t buffer_bytes = 1u << 20;
};

}  // namespace backstop
