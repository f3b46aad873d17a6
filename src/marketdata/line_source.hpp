// Streams the lines of a file, plain or gzip (InflatingFile), or of a caller-owned memory buffer,
// without loading the whole input. Owned by one thread (the reader's). Cost: one memchr over each
// line plus a block read every 256 KiB; no allocation per line (the buffer grows only for a line
// longer than it, up to kMaxLineBytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "marketdata/inflating_file.hpp"

namespace backstop::marketdata {

enum class LineStatus : std::uint8_t {
  kLine = 0,   // a line was returned
  kEnd = 1,    // no more lines
  kError = 2,  // read or decompression error, or a line longer than kMaxLineBytes; see error()
};

class LineSource {
 public:
  static constexpr std::size_t kBlockBytes = 256 * 1024;
  static constexpr std::size_t kMaxLineBytes = 64 * 1024 * 1024;

  LineSource() = default;

  // Opens a file; ".gz" or not is decided by the content, not the name. Returns false
  // and sets error() when the file cannot be opened.
  [[nodiscard]] bool try_open_file(const std::string& path);
  // Reads lines from `contents`, which must outlive this source. `name` is used in messages.
  void open_memory(std::string_view name, std::string_view contents);

  // The next line without its '\n' (and without a '\r' before it). The view stays valid until the
  // next call. A last line without '\n' is returned too; an empty input yields no lines.
  [[nodiscard]] LineStatus next_line(std::string_view& line);

  // 1-based number of the line last returned (0 before the first).
  std::uint64_t line_number() const noexcept { return line_number_; }
  // Bytes of the underlying input consumed so far (compressed bytes for gzip) and the input's
  // size (0 when unknown), for progress reporting.
  std::uint64_t bytes_consumed() const noexcept;
  std::uint64_t total_bytes() const noexcept { return total_bytes_; }
  const std::string& name() const noexcept { return name_; }
  const std::string& error() const noexcept { return error_; }

 private:
  bool refill();

  InflatingFile file_;
  bool file_open_ = false;
  std::string name_;
  std::string error_;
  std::vector<char> buffer_;
  std::size_t begin_ = 0;  // first byte of the unreturned data in buffer_
  std::size_t end_ = 0;    // one past the last valid byte in buffer_
  std::size_t scan_ = 0;   // bytes in [begin_, scan_) are known to hold no '\n'
  std::string_view memory_;
  std::size_t memory_pos_ = 0;
  bool from_memory_ = false;
  bool eof_ = false;
  std::uint64_t line_number_ = 0;
  std::uint64_t total_bytes_ = 0;
};

}  // namespace backstop::marketdata
