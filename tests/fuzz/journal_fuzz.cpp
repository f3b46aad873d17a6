// Fuzzes the journal reader: arbitrary bytes as the newest journal file. The scan must never
// crash, never report a record whose frame it did not verify, and cutting a torn tail must leave a
// journal that scans clean.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "pipeline/journal_format.hpp"
#include "pipeline/journal_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fs = std::filesystem;
  static const fs::path folder =
      fs::temp_directory_path() / ("backstop-fuzz-journal-" + std::to_string(::getpid()));
  fs::remove_all(folder);
  fs::create_directories(folder);
  {
    std::ofstream out(folder / "journal-00000000000000000000.log", std::ios::binary);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  std::uint64_t seen = 0;
  const auto scan = backstop::pipeline::scan_journal(
      folder, -1,
      [&](const backstop::pipeline::JournalRecord& r) {
        if (r.payload.size() > backstop::pipeline::kMaxPayloadBytes) __builtin_trap();
        ++seen;
      },
      /*cut_torn_tail=*/true);
  if (seen != scan.records) __builtin_trap();
  if (scan.damage == backstop::pipeline::JournalDamage::kTornTail && scan.truncated) {
    const auto again = backstop::pipeline::scan_journal(
        folder, -1, [](const backstop::pipeline::JournalRecord&) {}, false);
    if (again.damage != backstop::pipeline::JournalDamage::kNone || again.records != seen)
      __builtin_trap();
  }
  return 0;
}
