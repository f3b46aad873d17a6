#include "pipeline/snapshot_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "pipeline/crc32c.hpp"

namespace backstop::pipeline {
namespace {

constexpr char kMagic[8] = {'B', 'K', 'S', 'T', 'S', 'N', 'A', 'P'};
constexpr std::string_view kPrefix = "snapshot-";
constexpr std::string_view kSuffix = ".bin";

struct SnapshotHeader {
  char magic[8];
  std::uint32_t version;
  std::uint32_t reserved;
  std::int64_t sequence;
  std::uint64_t payload_bytes;
  std::uint32_t payload_crc;
  std::uint32_t reserved2;
  std::uint32_t header_crc;  // of the 40 bytes before it
  std::uint32_t reserved3;
};
static_assert(sizeof(SnapshotHeader) == 48);

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

bool write_snapshot(const std::filesystem::path& folder, std::int64_t sequence,
                    std::span<const std::byte> payload, std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  SnapshotHeader h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = kSnapshotVersion;
  h.sequence = sequence;
  h.payload_bytes = payload.size();
  h.payload_crc = crc32c(payload);
  h.header_crc = crc32c(&h, offsetof(SnapshotHeader, header_crc));
  const auto final_path = folder / snapshot_file_name(sequence);
  const auto temp_path = folder / (snapshot_file_name(sequence) + ".tmp");
  const int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = fmt::format("snapshot: cannot create {}: {}", temp_path.string(), std::strerror(errno));
    return false;
  }
  const bool written = write_all(fd, &h, sizeof h) &&
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
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(kPrefix) && name.ends_with(kSuffix)) files.push_back(entry.path());
  }
  std::sort(files.rbegin(), files.rend());  // newest first: names are zero-padded sequences
  for (const auto& file : files) {
    const auto reject = [&](std::string_view reason) {
      passed_over.push_back(fmt::format("{}: {}", file.string(), reason));
    };
    std::ifstream in(file, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    SnapshotHeader h{};
    if (bytes.size() < sizeof h) {
      reject("shorter than its header");
      continue;
    }
    std::memcpy(&h, bytes.data(), sizeof h);
    if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0 ||
        h.header_crc != crc32c(&h, offsetof(SnapshotHeader, header_crc))) {
      reject("bad header");
      continue;
    }
    if (h.version != kSnapshotVersion) {
      reject(fmt::format("version {} (this build reads {})", h.version, kSnapshotVersion));
      continue;
    }
    if (bytes.size() - sizeof h != h.payload_bytes) {
      reject("payload length does not match the header");
      continue;
    }
    if (crc32c(bytes.data() + sizeof h, h.payload_bytes) != h.payload_crc) {
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
    s.payload.resize(h.payload_bytes);
    std::memcpy(s.payload.data(), bytes.data() + sizeof h, h.payload_bytes);
    return s;
  }
  return std::nullopt;
}

}  // namespace backstop::pipeline
