// Reads a file's content in blocks: a gzip file (one member or several concatenated, as `cat a.gz
// b.gz` makes) is inflated with ISA-L's igzip, anything else passes through unchanged. igzip
// inflates several times faster than zlib, and inflating is most of what reading a gzipped
// capture costs. Owned by one thread (the reader's). Cost: one
// read(2) per 256 KiB of file and the inflate itself; no allocation after try_open.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace backstop::marketdata {

class InflatingFile {
 public:
  static constexpr std::size_t kInputBlockBytes = 256 * 1024;

  // `input_block_bytes` (> 0) is how much compressed input one read(2) asks for; tests make it tiny
  // so that headers, symbols and trailers straddle the block boundaries.
  explicit InflatingFile(std::size_t input_block_bytes = kInputBlockBytes);
  ~InflatingFile();
  InflatingFile(InflatingFile&& other) noexcept;
  InflatingFile& operator=(InflatingFile&& other) noexcept;
  InflatingFile(const InflatingFile&) = delete;
  InflatingFile& operator=(const InflatingFile&) = delete;

  // Opens `path`; whether it is gzip is decided by its first two bytes (1f 8b), not its name.
  // Returns false and sets error() when it cannot be opened or read.
  [[nodiscard]] bool try_open(const std::string& path);
  void close() noexcept;

  // Reads up to `capacity` (> 0) bytes of content into `out`. Returns how many (0: the end of the
  // content), or -1 with error() set: a read error, a corrupt or truncated gzip stream (a header
  // with reserved flags or a wrong header CRC, a wrong CRC or length in a member's trailer
  // included), or bytes after the last member that do not
  // start another. Once -1 is returned the file is done.
  [[nodiscard]] long read(char* out, std::size_t capacity);

  bool is_gzip() const noexcept { return gzip_; }
  // Bytes of the file itself (compressed bytes for gzip) consumed so far, for progress.
  std::uint64_t bytes_consumed() const noexcept { return file_bytes_read_ - (in_end_ - in_pos_); }
  const std::string& error() const noexcept { return error_; }

 private:
  struct Inflater;  // ISA-L's inflate_state; kept out of this header

  long read_plain(char* out, std::size_t capacity);
  long read_gzip(char* out, std::size_t capacity);
  // Appends file bytes after the unconsumed input; false on a read error. Sets file_eof_.
  bool refill_input();
  // At a member boundary: true when another member follows (and starts it), false at the end.
  bool start_next_member();
  long fail(std::string message);

  int fd_ = -1;
  bool gzip_ = false;
  bool file_eof_ = false;
  bool member_open_ = false;
  bool header_read_ = false;  // the open member's header is parsed; its deflate data follows
  std::size_t input_block_bytes_;
  bool failed_ = false;
  std::unique_ptr<Inflater> inflater_;
  std::vector<unsigned char> in_;
  std::size_t in_pos_ = 0;  // first unconsumed byte of in_
  std::size_t in_end_ = 0;  // one past the last valid byte of in_
  std::uint64_t file_bytes_read_ = 0;
  std::string error_;
};

}  // namespace backstop::marketdata
