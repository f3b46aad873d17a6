#include "pipeline/journal_writer.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "pipeline/config_fingerprint.hpp"
#include "pipeline/crc32c.hpp"

namespace backstop::pipeline {

std::string journal_file_name(std::int64_t first_sequence) {
  return fmt::format("{}{:020}{}", kJournalPrefix, first_sequence, kJournalSuffix);
}

JournalWriter::JournalWriter(const JournalOptions& options)
    : options_(options), buffer_(std::make_unique<std::byte[]>(options.buffer_bytes)) {}

JournalWriter::~JournalWriter() {
  if (fd_ >= 0) {
    write_buffer();
    ::close(fd_);
  }
}

std::unique_ptr<JournalWriter> JournalWriter::open(const JournalOptions& options,
                                                   std::int64_t next_sequence,
                                                   std::string_view config_text,
                                                   std::string& error) {
  if (options.buffer_bytes < sizeof(FrameHeader) + kMaxPayloadBytes) {
    error = fmt::format("journal.buffer_bytes: must be at least {}",
                        sizeof(FrameHeader) + kMaxPayloadBytes);
    return nullptr;
  }
  // A file header and its configuration text go through the buffer in one piece.
  if (config_text.size() > kMaxConfigBytes ||
      sizeof(JournalFileHeader) + config_text.size() > options.buffer_bytes) {
    error = fmt::format("journal: the configuration ({} bytes) does not fit a journal file header",
                        config_text.size());
    return nullptr;
  }
  std::error_code ec;
  std::filesystem::create_directories(options.folder, ec);
  if (ec) {
    error =
        fmt::format("journal.folder: cannot create {}: {}", options.folder.string(), ec.message());
    return nullptr;
  }
  std::unique_ptr<JournalWriter> writer(new JournalWriter(options));
  writer->config_text_ = config_text;
  writer->config_hash_ = fingerprint_hash(config_text);
  // Everything before next_sequence is already on disk (a recovered journal) or never existed.
  writer->last_appended_ = writer->last_written_ = writer->durable_ = next_sequence - 1;
  if (!writer->open_file(next_sequence)) {
    error = writer->error_;
    return nullptr;
  }
  return writer;
}

bool JournalWriter::fail(const char* what) noexcept {
  failed_ = true;
  error_ = fmt::format("journal: {}: {}", what, std::strerror(errno));
  return false;
}

bool JournalWriter::open_file(std::int64_t first_sequence) noexcept {
  if (fd_ >= 0) {
    if (!write_buffer()) return false;
    // The old file's records must be durable before the new file exists, so a recovery never sees
    // a later file without the earlier one's tail.
    if (options_.sync != SyncPolicy::kOff && ::fdatasync(fd_) != 0) return fail("fdatasync");
    ::close(fd_);
    fd_ = -1;
  }
  const auto path = options_.folder / journal_file_name(first_sequence);
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) return fail("open");
  JournalFileHeader header{};
  std::memcpy(header.magic, kJournalMagic, sizeof header.magic);
  header.version = kJournalVersion;
  header.config_bytes = static_cast<std::uint32_t>(config_text_.size());
  header.first_sequence = static_cast<std::uint64_t>(first_sequence);
  header.config_hash = config_hash_;
  header.crc = crc32c_extend(crc32c(&header, offsetof(JournalFileHeader, crc)), config_text_.data(),
                             config_text_.size());
  std::memcpy(buffer_.get(), &header, sizeof header);
  if (!config_text_.empty())
    std::memcpy(buffer_.get() + sizeof header, config_text_.data(), config_text_.size());
  buffered_ = sizeof header + config_text_.size();
  file_bytes_ = buffered_;
  ++files_opened_;
  return true;
}

bool JournalWriter::append(std::int64_t sequence, std::uint16_t type,
                           std::span<const std::byte> payload) noexcept {
  if (failed_) return false;
  if (sequence < 0 || sequence != last_appended_ + 1) return false;
  if (payload.size() > kMaxPayloadBytes) return false;
  const std::size_t frame_bytes = sizeof(FrameHeader) + payload.size();
  // Rotate only a file that holds at least one frame, so one oversized record still fits somewhere.
  if (file_bytes_ > sizeof(JournalFileHeader) + config_text_.size() &&
      file_bytes_ + frame_bytes > options_.max_file_bytes) {
    if (!open_file(sequence)) return false;
  }
  if (buffered_ + frame_bytes > options_.buffer_bytes && !write_buffer()) return false;

  FrameHeader header{};
  header.length = static_cast<std::uint32_t>(payload.size());
  header.sequence = static_cast<std::uint64_t>(sequence);
  header.type = type;
  std::uint32_t crc = crc32c(&header.length, sizeof header.length);
  crc = crc32c_extend(crc, &header.sequence, sizeof(FrameHeader) - offsetof(FrameHeader, sequence));
  header.crc = crc32c_extend(crc, payload.data(), payload.size());
  std::memcpy(buffer_.get() + buffered_, &header, sizeof header);
  if (!payload.empty())
    std::memcpy(buffer_.get() + buffered_ + sizeof header, payload.data(), payload.size());
  buffered_ += frame_bytes;
  file_bytes_ += frame_bytes;
  last_appended_ = sequence;
  ++unsynced_records_;
  if (options_.sync == SyncPolicy::kEveryN && unsynced_records_ >= options_.sync_every_records)
    return sync();
  return true;
}

bool JournalWriter::write_buffer() noexcept {
  std::size_t done = 0;
  while (done < buffered_) {
    const ssize_t n = ::write(fd_, buffer_.get() + done, buffered_ - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write");
    }
    done += static_cast<std::size_t>(n);
  }
  buffered_ = 0;
  last_written_ = last_appended_;
  if (options_.sync == SyncPolicy::kOff) durable_ = last_written_;
  return true;
}

bool JournalWriter::sync() noexcept {
  if (failed_) return false;
  if (!write_buffer()) return false;
  if (::fdatasync(fd_) != 0) return fail("fdatasync");
  durable_ = last_written_;
  unsynced_records_ = 0;
  ++syncs_;
  return true;
}

bool JournalWriter::end_of_batch(std::uint64_t now_us) noexcept {
  if (failed_) return false;
  switch (options_.sync) {
    case SyncPolicy::kOff:
      return write_buffer();
    case SyncPolicy::kEveryBatch:
      return sync();
    case SyncPolicy::kEveryN:
      return write_buffer();
    case SyncPolicy::kEveryMicros:
      if (!write_buffer()) return false;
      if (unsynced_records_ > 0 && now_us - last_sync_us_ >= options_.sync_every_us) {
        last_sync_us_ = now_us;
        return sync();
      }
      return true;
  }
  return true;
}

}  // namespace backstop::pipeline
