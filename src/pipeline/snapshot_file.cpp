#include "pipeline/snapshot_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "pipeline/config_fingerprint.hpp"
#include "pipeline/crc32c.hpp"

namespace backstop::pipeline {
namespace {

constexpr char kMagic[8] = {'B', 'K', 'S', 'T', 'S', 'N', 'A', 'P'};
constexpr std::string_view kPrefix = "snapshot-";
constexpr std::string_view kSuffix = ".bin";

// A canonical configuration is a few hundred bytes per instrument; this bounds what a reader
// takes from a damaged length.
constexpr std::uint32_t kMaxConfigBytes = 1u << 20;

struct SnapshotHeader {
  char magic[8];
  std::uint32_t version;
  std::uint32_t config_bytes;  // length of the configuration text after the header
  std::int64_t sequence;
  std::uint64_t payload_bytes;
  std::uint32_t payload_crc;
  std::uint32_t reserved;
  std::uint64_t config_hash;  // XXH3-64 of the configuration text
  std::uint32_t header_crc;   // of the 48 bytes before it, then the configuration text
  std::uint32_t reserved2;
};
static_assert(sizeof(SnapshotHeader) == 56);

// The version field sits where every version put it, so an old snapshot is named as such.
constexpr std::size_t kVersionOffset = offsetof(SnapshotHeader, version);

bool write_all(int fd, const void* data, std::size_t size) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

std::string snapshot_file_name(std::int64_t sequence) {
  return fmt::format("{}{:020}{}", kPrefix, sequence, kSuffix);
}

std::vector<std::filesystem::path> snapshot_files(const std::filesystem::path& folder) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(kPrefix) && name.ends_with(kSuffix)) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());  // names are zero-padded sequences
  return files;
}

bool write_snapshot(const std::filesystem::path& folder, std::int64_t sequence,
                    std::string_view config_text, std::span<const std::byte> payload,
                    std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (config_text.size() > kMaxConfigBytes) {
    error = fmt::format("snapshot: the configuration ({} bytes) is too large", config_text.size());
    return false;
  }
  SnapshotHeader h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = kSnapshotVersion;
  h.config_bytes = static_cast<std::uint32_t>(config_text.size());
  h.sequence = sequence;
  h.payload_bytes = payload.size();
  h.payload_crc = crc32c(payload);
  h.config_hash = fingerprint_hash(config_text);
  h.header_crc = crc32c_extend(crc32c(&h, offsetof(SnapshotHeader, header_crc)), config_text.data(),
                               config_text.size());
  const auto final_path = folder / snapshot_file_name(sequence);
  const auto temp_path = folder / (snapshot_file_name(sequence) + ".tmp");
  const int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = fmt::format("snapshot: cannot create {}: {}", temp_path.string(), std::strerror(errno));
    return false;
  }
  const bool written = write_all(fd, &h, sizeof h) &&
                       write_all(fd, config_text.data(), config_text.size()) &&
                       write_all(fd, payload.data(), payload.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written || ::rename(temp_path.c_str(), final_path.c_str()) != 0) {
    error = fmt::format("snapshot: cannot write {}: {}", final_path.string(), std::strerror(errno));
    std::filesystem::remove(temp_path, ec);
    return false;
  }
  // The rename is durable only once the folder itself is synced.
  const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return true;
}

std::optional<LoadedSnapshot> load_latest_snapshot(const std::filesystem::path& folder,
                                                   std::int64_t max_sequence,
                                                   std::vector<std::string>& passed_over) {
  std::vector<std::filesystem::path> files = snapshot_files(folder);
  std::reverse(files.begin(), files.end());  // newest first
  for (const auto& file : files) {
    const auto reject = [&](std::string_view reason) {
      passed_over.push_back(fmt::format("{}: {}", file.string(), reason));
    };
    std::ifstream in(file, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    SnapshotHeader h{};
    std::uint32_t version = 0;
    if (bytes.size() >= kVersionOffset + sizeof version)
      std::memcpy(&version, bytes.data() + kVersionOffset, sizeof version);
    if (bytes.size() >= sizeof kMagic && std::memcmp(bytes.data(), kMagic, sizeof kMagic) == 0 &&
        version != kSnapshotVersion) {
      reject(fmt::format("version {} (this build reads {})", version, kSnapshotVersion));
      continue;
    }
    if (bytes.size() < sizeof h) {
      reject("shorter than its header");
      continue;
    }
    std::memcpy(&h, bytes.data(), sizeof h);
    const std::size_t config_end =
        sizeof h + std::min<std::size_t>(h.config_bytes, kMaxConfigBytes);
    if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0 || h.config_bytes > kMaxConfigBytes ||
        bytes.size() < config_end ||
        h.header_crc != crc32c_extend(crc32c(&h, offsetof(SnapshotHeader, header_crc)),
                                      bytes.data() + sizeof h, h.config_bytes)) {
      reject("bad header");
      continue;
    }
    if (fingerprint_hash({bytes.data() + sizeof h, h.config_bytes}) != h.config_hash) {
      reject("configuration hash mismatch");
      continue;
    }
    if (bytes.size() - config_end != h.payload_bytes) {
      reject("payload length does not match the header");
      continue;
    }
    if (crc32c(bytes.data() + config_end, h.payload_bytes) != h.payload_crc) {
      reject("payload CRC mismatch");
      continue;
    }
    if (h.sequence > max_sequence) {
      reject(
          fmt::format("sequence {} is beyond the journal's last ({})", h.sequence, max_sequence));
      continue;
    }
    LoadedSnapshot s;
    s.file = file;
    s.sequence = h.sequence;
    s.config_text.assign(bytes.data() + sizeof h, h.config_bytes);
    s.payload.resize(h.payload_bytes);
    std::memcpy(s.payload.data(), bytes.data() + config_end, h.payload_bytes);
    return s;
  }
  return std::nullopt;
}

}  // namespace backstop::pipeline
