#include "pipeline/journal_reader.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "pipeline/crc32c.hpp"
#include "pipeline/journal_format.hpp"

namespace backstop::pipeline {
namespace {

bool is_journal_name(const std::string& name) {
  return name.size() > kJournalPrefix.size() + kJournalSuffix.size() &&
         name.compare(0, kJournalPrefix.size(), kJournalPrefix) == 0 &&
         name.compare(name.size() - kJournalSuffix.size(), kJournalSuffix.size(), kJournalSuffix) ==
             0;
}

// A whole file in memory: journal files are bounded by max_file_bytes, and recovery is cold.
bool read_file(const std::filesystem::path& path, std::vector<std::byte>& out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return false;
  }
  out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out.resize(done);
  return true;
}

std::uint32_t frame_crc(const FrameHeader& h, const std::byte* payload) {
  std::uint32_t crc = crc32c(&h.length, sizeof h.length);
  crc = crc32c_extend(crc, &h.sequence, sizeof(FrameHeader) - offsetof(FrameHeader, sequence));
  return crc32c_extend(crc, payload, h.length);
}

bool valid_frame_at(const std::vector<std::byte>& bytes, std::uint64_t offset) {
  FrameHeader h{};
  if (offset >= bytes.size() || bytes.size() - offset < sizeof h) return false;
  std::memcpy(&h, bytes.data() + offset, sizeof h);
  if (h.length > kMaxPayloadBytes || bytes.size() - offset - sizeof h < h.length) return false;
  return frame_crc(h, bytes.data() + offset + sizeof h) == h.crc;
}

}  // namespace

std::vector<std::filesystem::path> journal_files(const std::filesystem::path& folder) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec)) return files;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    if (entry.is_regular_file() && is_journal_name(entry.path().filename().string()))
      files.push_back(entry.path());
  }
  // Zero-padded sequence numbers make lexical order the sequence order.
  std::sort(files.begin(), files.end());
  return files;
}

JournalScan scan_journal(const std::filesystem::path& folder, std::int64_t after,
                         const std::function<void(const JournalRecord&)>& visit,
                         bool cut_torn_tail) {
  JournalScan scan;
  const auto files = journal_files(folder);
  std::vector<std::byte> bytes;
  std::int64_t previous = -1;
  for (std::size_t f = 0; f < files.size(); ++f) {
    const bool newest = f + 1 == files.size();
    const auto& path = files[f];
    ++scan.files;
    const auto damaged = [&](JournalDamage kind, std::uint64_t offset, std::string what) {
      scan.damage = kind;
      scan.damaged_file = path;
      scan.valid_bytes = offset;
      scan.detail = fmt::format("{} at byte {}: {}", path.string(), offset, what);
    };
    if (!read_file(path, bytes)) {
      damaged(JournalDamage::kIoError, 0, "cannot read");
      return scan;
    }
    JournalFileHeader file_header{};
    if (bytes.size() < sizeof file_header) {
      // A crash right after creating the newest file can leave it shorter than its header.
      damaged(newest ? JournalDamage::kTornTail : JournalDamage::kBadFileHeader, 0,
              "file shorter than its header");
    } else {
      std::memcpy(&file_header, bytes.data(), sizeof file_header);
      if (std::memcmp(file_header.magic, kJournalMagic, sizeof kJournalMagic) != 0 ||
          file_header.version != kJournalVersion ||
          file_header.crc != crc32c(&file_header, offsetof(JournalFileHeader, crc))) {
        damaged(JournalDamage::kBadFileHeader, 0, "bad file header");
        return scan;
      }
    }
    std::uint64_t offset = sizeof file_header;
    while (scan.damage == JournalDamage::kNone && offset < bytes.size()) {
      FrameHeader h{};
      const bool header_fits = bytes.size() - offset >= sizeof h;
      if (header_fits) std::memcpy(&h, bytes.data() + offset, sizeof h);
      const bool frame_fits = header_fits && h.length <= kMaxPayloadBytes &&
                              bytes.size() - offset - sizeof h >= h.length;
      if (!frame_fits || frame_crc(h, bytes.data() + offset + sizeof h) != h.crc) {
        // Torn only at the end of the newest file: nothing valid may follow a torn write. A bad
        // frame followed by a good one is corruption, whichever file it is in.
        const bool good_frame_follows =
            frame_fits && valid_frame_at(bytes, offset + sizeof h + h.length);
        const bool torn = newest && !good_frame_follows;
        damaged(torn ? JournalDamage::kTornTail : JournalDamage::kCorruptMiddle, offset,
                !frame_fits ? "incomplete frame" : "frame CRC mismatch");
        break;
      }
      const auto sequence = static_cast<std::int64_t>(h.sequence);
      if (sequence <= previous) {
        damaged(JournalDamage::kSequenceGap, offset,
                fmt::format("sequence {} after {}", sequence, previous));
        return scan;
      }
      previous = sequence;
      if (scan.first_sequence < 0) scan.first_sequence = sequence;
      scan.last_sequence = sequence;
      ++scan.records;
      if (sequence > after)
        visit(JournalRecord{sequence, h.type, {bytes.data() + offset + sizeof h, h.length}});
      offset += sizeof h + h.length;
    }
    if (scan.damage == JournalDamage::kTornTail && cut_torn_tail) {
      scan.truncated = ::truncate(path.c_str(), static_cast<off_t>(scan.valid_bytes)) == 0;
      if (scan.valid_bytes == 0 && scan.truncated) std::filesystem::remove(path);
    }
    if (scan.damage != JournalDamage::kNone) return scan;
  }
  return scan;
}

}  // namespace backstop::pipeline
