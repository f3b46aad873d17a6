#include "pipeline/journal_reader.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>

#include "pipeline/config_fingerprint.hpp"
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

// The first sequence a journal file's name gives, or nothing when the name is not all digits.
std::optional<std::uint64_t> sequence_in_name(const std::filesystem::path& path) {
  const std::string name = path.filename().string();
  const char* first = name.data() + kJournalPrefix.size();
  const char* last = name.data() + name.size() - kJournalSuffix.size();
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(first, last, value);
  if (ec != std::errc{} || end != last) return std::nullopt;
  return value;
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

// Why the frame at `offset` is not valid, or nullptr when it is.
const char* frame_problem(const std::vector<std::byte>& bytes, std::uint64_t offset,
                          FrameHeader& h) {
  if (bytes.size() - offset < sizeof h) return "incomplete frame header";
  std::memcpy(&h, bytes.data() + offset, sizeof h);
  if (h.length > kMaxPayloadBytes) return "frame length out of range";
  if (bytes.size() - offset - sizeof h < h.length) return "incomplete frame";
  if (frame_crc(h, bytes.data() + offset + sizeof h) != h.crc) return "frame CRC mismatch";
  return nullptr;
}

// The first offset at or after `from` holding a valid frame whose sequence is at least
// `min_sequence`: the proof that damage before it is not a torn write. Every frame takes at least
// a header's bytes, so a frame this far on cannot carry a sequence beyond `max_sequence`, which
// rules out most offsets before their CRC is computed.
std::optional<std::pair<std::uint64_t, std::uint64_t>> find_valid_frame(
    const std::vector<std::byte>& bytes, std::uint64_t from, std::uint64_t min_sequence) {
  if (bytes.size() < sizeof(FrameHeader)) return std::nullopt;
  const std::uint64_t max_sequence = min_sequence + bytes.size() / sizeof(FrameHeader) + 1;
  for (std::uint64_t offset = from; offset + sizeof(FrameHeader) <= bytes.size(); ++offset) {
    FrameHeader h{};
    std::memcpy(&h, bytes.data() + offset, sizeof h);
    if (h.sequence < min_sequence || h.sequence > max_sequence) continue;
    if (frame_problem(bytes, offset, h) == nullptr) return std::pair{offset, h.sequence};
  }
  return std::nullopt;
}

constexpr std::uint64_t kMaxFirstSequence = std::uint64_t{1} << 62;

class Scanner {
 public:
  Scanner(std::int64_t after, const std::function<void(const JournalRecord&)>& visit,
          const std::string* expected_config)
      : after_(after), visit_(visit), expected_config_(expected_config) {}

  // Scans one file; false once damage is found (scan() says what).
  bool scan_file(const std::filesystem::path& path, bool newest) {
    path_ = &path;
    newest_ = newest;
    ++scan_.files;
    if (!read_file(path, bytes_)) return damaged(JournalDamage::kIoError, 0, "cannot read");
    std::uint64_t offset = 0;
    if (!check_header(offset)) return false;
    while (offset < bytes_.size()) {
      FrameHeader h{};
      if (const char* problem = frame_problem(bytes_, offset, h)) return bad_frame(offset, problem);
      const auto sequence = static_cast<std::int64_t>(h.sequence);
      if (sequence != next_) return sequence_break(offset, sequence);
      next_ = sequence + 1;
      if (scan_.first_sequence < 0) scan_.first_sequence = sequence;
      scan_.last_sequence = sequence;
      ++scan_.records;
      if (sequence > after_)
        visit_(JournalRecord{sequence, h.type, {bytes_.data() + offset + sizeof h, h.length}});
      offset += sizeof h + h.length;
    }
    previous_file_ = path;
    return true;
  }

  JournalScan& scan() { return scan_; }
  std::uint64_t file_size() const { return bytes_.size(); }

 private:
  bool damaged(JournalDamage kind, std::uint64_t offset, std::string_view what) {
    scan_.damage = kind;
    scan_.damaged_file = *path_;
    scan_.valid_bytes = offset;
    scan_.detail = fmt::format("{} at byte {}: {}", path_->string(), offset, what);
    return false;
  }

  // The file header and its configuration text; `offset` is left at the first frame.
  bool check_header(std::uint64_t& offset) {
    JournalFileHeader h{};
    // A crash right after creating the newest file can leave it shorter than its header.
    const auto short_header = [&] {
      return damaged(newest_ ? JournalDamage::kTornTail : JournalDamage::kBadFileHeader, 0,
                     "file shorter than its header");
    };
    if (bytes_.size() < sizeof h) return short_header();
    std::memcpy(&h, bytes_.data(), sizeof h);
    if (std::memcmp(h.magic, kJournalMagic, sizeof kJournalMagic) != 0)
      return damaged(JournalDamage::kBadFileHeader, 0, "not a journal file (bad magic)");
    if (h.version != kJournalVersion) {
      return damaged(JournalDamage::kBadFileHeader, 0,
                     fmt::format("journal format version {}; this build reads version {} only",
                                 h.version, kJournalVersion));
    }
    if (h.config_bytes > kMaxConfigBytes)
      return damaged(JournalDamage::kBadFileHeader, 0, "bad file header");
    if (bytes_.size() - sizeof h < h.config_bytes) return short_header();
    const std::byte* text = bytes_.data() + sizeof h;
    if (h.crc != crc32c_extend(crc32c(&h, offsetof(JournalFileHeader, crc)), text, h.config_bytes))
      return damaged(JournalDamage::kBadFileHeader, 0, "file header CRC mismatch");
    if (fingerprint_hash({reinterpret_cast<const char*>(text), h.config_bytes}) != h.config_hash)
      return damaged(JournalDamage::kBadFileHeader, 0, "configuration hash mismatch");
    // Far beyond any real journal, and it keeps every `sequence + 1` below overflow.
    if (h.first_sequence > kMaxFirstSequence)
      return damaged(JournalDamage::kBadFileHeader, 0, "first sequence out of range");
    const std::optional<std::uint64_t> named = sequence_in_name(*path_);
    if (!named || *named != h.first_sequence) {
      return damaged(JournalDamage::kBadFileHeader, 0,
                     fmt::format("the header's first sequence is {}, the file name's is not",
                                 h.first_sequence));
    }
    const std::string config(reinterpret_cast<const char*>(text), h.config_bytes);
    if (scan_.files == 1) scan_.config_text = config;
    const std::string& reference = expected_config_ ? *expected_config_ : scan_.config_text;
    if (config != reference) {
      return damaged(JournalDamage::kConfigMismatch, 0,
                     fmt::format("written under another configuration: {}",
                                 describe_config_difference(config, reference, "the journal")));
    }
    const auto first = static_cast<std::int64_t>(h.first_sequence);
    if (scan_.files > 1 && first != next_) {
      // Inputs missing (a deleted file, frames cut from the end of an older one) or repeated.
      return damaged(
          JournalDamage::kSequenceGap, 0,
          first > next_
              ? fmt::format(
                    "starts at input {} but {} ends at input {}: inputs {} to {} are missing",
                    first, previous_file_.filename().string(), next_ - 1, next_, first - 1)
              : fmt::format("starts at input {} but {} already holds inputs up to {}", first,
                            previous_file_.filename().string(), next_ - 1));
    }
    next_ = first;
    offset = sizeof h + h.config_bytes;
    return true;
  }

  // A frame that fails its checks at `offset`: a torn tail only when it is in the newest file and
  // no valid frame follows anywhere in the file.
  bool bad_frame(std::uint64_t offset, const char* problem) {
    const auto follower = find_valid_frame(bytes_, offset + 1, static_cast<std::uint64_t>(next_));
    if (follower) {
      return damaged(JournalDamage::kCorruptMiddle, offset,
                     fmt::format("{}, and a valid frame (input {}) follows at byte {}: the file is "
                                 "corrupt, not torn",
                                 problem, follower->second, follower->first));
    }
    if (!newest_) {
      return damaged(JournalDamage::kCorruptMiddle, offset,
                     fmt::format("{} in a file that is not the newest", problem));
    }
    scan_.torn_bytes = bytes_.size() - offset;
    return damaged(JournalDamage::kTornTail, offset,
                   fmt::format("{}: a torn write of {} bytes after input {}", problem,
                               scan_.torn_bytes, next_ - 1));
  }

  bool sequence_break(std::uint64_t offset, std::int64_t sequence) {
    return damaged(
        JournalDamage::kSequenceGap, offset,
        sequence > next_
            ? fmt::format("input {} where input {} belongs: inputs {} to {} are missing", sequence,
                          next_, next_, sequence - 1)
            : fmt::format("input {} where input {} belongs: inputs out of order", sequence, next_));
  }

  std::int64_t after_;
  const std::function<void(const JournalRecord&)>& visit_;
  const std::string* expected_config_;
  JournalScan scan_;
  std::vector<std::byte> bytes_;
  const std::filesystem::path* path_ = nullptr;
  std::filesystem::path previous_file_;
  bool newest_ = false;
  std::int64_t next_ = 0;  // the sequence the next frame must carry
};

}  // namespace

const char* damage_name(JournalDamage damage) noexcept {
  switch (damage) {
    case JournalDamage::kNone:
      return "none";
    case JournalDamage::kTornTail:
      return "torn tail";
    case JournalDamage::kCorruptMiddle:
      return "corrupt frame";
    case JournalDamage::kBadFileHeader:
      return "bad file header";
    case JournalDamage::kSequenceGap:
      return "sequence gap";
    case JournalDamage::kIoError:
      return "I/O error";
    case JournalDamage::kConfigMismatch:
      return "configuration mismatch";
  }
  return "unknown";
}

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
                         const std::function<void(const JournalRecord&)>& visit, bool cut_torn_tail,
                         const std::string* expected_config) {
  const auto files = journal_files(folder);
  Scanner scanner(after, visit, expected_config);
  for (std::size_t f = 0; f < files.size(); ++f) {
    const bool newest = f + 1 == files.size();
    if (scanner.scan_file(files[f], newest)) continue;
    JournalScan& scan = scanner.scan();
    if (scan.damage == JournalDamage::kTornTail && cut_torn_tail) {
      scan.truncated = ::truncate(files[f].c_str(), static_cast<off_t>(scan.valid_bytes)) == 0;
      if (scan.valid_bytes == 0 && scan.truncated) std::filesystem::remove(files[f]);
    }
    if (scan.damage == JournalDamage::kTornTail && scan.torn_bytes == 0)
      scan.torn_bytes = scanner.file_size() - scan.valid_bytes;
    break;
  }
  return std::move(scanner.scan());
}

}  // namespace backstop::pipeline
