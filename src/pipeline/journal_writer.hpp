// JournalWriter: appends framed records to the journal folder, batches fdatasync by policy, and
// rotates files by size. Owned by the journal consumer thread (one writer). append() copies into a
// buffer allocated at open (no allocation per record); the buffer goes to the file with write(2)
// when full or at end of batch, and fdatasync follows by policy. durable_sequence() is the highest
// sequence known to be on disk under that policy, which the pipeline's output stage gates on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "pipeline/journal_format.hpp"
#include "pipeline/journal_options.hpp"

namespace backstop::pipeline {

using backstop::JournalOptions;
using backstop::SyncPolicy;

class JournalWriter {
 public:
  // Opens (creating the folder if needed) and starts a new file whose first record will be
  // `next_sequence`; sequences before it count as durable (a recovered journal's). Every file's
  // header carries `config_text`, the canonical configuration (config_fingerprint.hpp). Returns
  // null with `error` set when the folder or file cannot be made.
  static std::unique_ptr<JournalWriter> open(const JournalOptions& options,
                                             std::int64_t next_sequence,
                                             std::string_view config_text, std::string& error);
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  // Buffers one record. Sequences are contiguous: false (nothing written) unless `sequence` is the
  // one after the last appended (the first: `next_sequence`), when the payload is too large, or
  // when an earlier write failed (see error()).
  [[nodiscard]] bool append(std::int64_t sequence, std::uint16_t type,
                            std::span<const std::byte> payload) noexcept;

  // End of a consumer batch: hands the buffer to the kernel and syncs if the policy says so.
  // `now_us` is the caller's clock (only kEveryMicros reads it). False after an I/O error.
  bool end_of_batch(std::uint64_t now_us) noexcept;

  // Writes the buffer and fdatasyncs now, whatever the policy.
  bool sync() noexcept;

  [[nodiscard]] std::int64_t last_appended() const noexcept { return last_appended_; }
  // Highest sequence on disk under the policy (kOff: handed to the kernel); next_sequence - 1
  // before any.
  [[nodiscard]] std::int64_t durable_sequence() const noexcept { return durable_; }
  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  [[nodiscard]] std::uint64_t syncs() const noexcept { return syncs_; }
  [[nodiscard]] std::uint64_t files_opened() const noexcept { return files_opened_; }

 private:
  explicit JournalWriter(const JournalOptions& options);
  bool open_file(std::int64_t first_sequence) noexcept;
  bool write_buffer() noexcept;
  bool fail(const char* what) noexcept;

  JournalOptions options_;
  std::string config_text_;
  std::uint64_t config_hash_ = 0;
  std::unique_ptr<std::byte[]> buffer_;
  std::size_t buffered_ = 0;
  int fd_ = -1;
  std::uint64_t file_bytes_ = 0;
  std::int64_t last_appended_ = -1;
  std::int64_t last_written_ = -1;  // handed to the kernel
  std::int64_t durable_ = -1;
  std::uint64_t unsynced_records_ = 0;
  std::uint64_t last_sync_us_ = 0;
  std::uint64_t syncs_ = 0;
  std::uint64_t files_opened_ = 0;
  bool failed_ = false;
  std::string error_;
};

// The file name for a journal file starting at `first_sequence` (zero-padded so names sort).
std::string journal_file_name(std::int64_t first_sequence);

}  // namespace backstop::pipeline
