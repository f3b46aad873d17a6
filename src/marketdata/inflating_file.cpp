#include "marketdata/inflating_file.hpp"

#include <fcntl.h>
#include <isa-l/igzip_lib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <utility>

namespace backstop::marketdata {
namespace {

constexpr unsigned char kGzipMagic0 = 0x1f;
constexpr unsigned char kGzipMagic1 = 0x8b;
// A member's fixed header: magic, method, flags, time, extra flags, OS (RFC 1952 §2.3).
constexpr std::size_t kGzipBaseHeaderBytes = 10;
constexpr std::size_t kGzipFlagsOffset = 3;
constexpr unsigned char kGzipReservedFlags = 0xe0;  // must be zero (RFC 1952 §2.3.1.2)
// The input buffer holds at least this much, so that a member's fixed header fits it whole even
// when each read(2) asks for less.
constexpr std::size_t kMinInputBufferBytes = 64;

const char* describe_inflate_error(int code) noexcept {
  switch (code) {
    case ISAL_INVALID_BLOCK:
      return "corrupt gzip stream (invalid deflate block)";
    case ISAL_INVALID_SYMBOL:
      return "corrupt gzip stream (invalid deflate symbol)";
    case ISAL_INVALID_LOOKBACK:
      return "corrupt gzip stream (invalid lookback distance)";
    case ISAL_INVALID_WRAPPER:
      return "corrupt gzip header";
    case ISAL_UNSUPPORTED_METHOD:
      return "gzip member is not deflate-compressed";
    case ISAL_INCORRECT_CHECKSUM:
      return "gzip member's CRC or length does not match its content";
    default:
      return "gzip inflate error";
  }
}

}  // namespace

struct InflatingFile::Inflater {
  inflate_state state;
  // Kept across reads: isal_read_gzip_header resumes a header that a block boundary splits from
  // the flags it saved here. (isal_inflate's own header parse, crc_flag = ISAL_GZIP alone, starts
  // each call from a fresh header and loses them: a FNAME or FEXTRA split across two reads was
  // misparsed.)
  isal_gzip_header header;
};

InflatingFile::InflatingFile(std::size_t input_block_bytes)
    : input_block_bytes_(std::max<std::size_t>(1, input_block_bytes)) {}

InflatingFile::~InflatingFile() {
  close();
}

InflatingFile::InflatingFile(InflatingFile&& other) noexcept {
  *this = std::move(other);
}

InflatingFile& InflatingFile::operator=(InflatingFile&& other) noexcept {
  if (this == &other) return *this;
  close();
  fd_ = std::exchange(other.fd_, -1);
  gzip_ = other.gzip_;
  file_eof_ = other.file_eof_;
  member_open_ = other.member_open_;
  header_read_ = other.header_read_;
  input_block_bytes_ = other.input_block_bytes_;
  failed_ = other.failed_;
  inflater_ = std::move(other.inflater_);
  in_ = std::move(other.in_);
  in_pos_ = std::exchange(other.in_pos_, 0);
  in_end_ = std::exchange(other.in_end_, 0);
  file_bytes_read_ = std::exchange(other.file_bytes_read_, 0);
  error_ = std::move(other.error_);
  return *this;
}

void InflatingFile::close() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool InflatingFile::try_open(const std::string& path) {
  close();
  gzip_ = file_eof_ = member_open_ = header_read_ = failed_ = false;
  in_pos_ = in_end_ = 0;
  file_bytes_read_ = 0;
  error_.clear();
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    error_ = std::strerror(errno);
    return false;
  }
  in_.resize(std::max(input_block_bytes_, kMinInputBufferBytes));
  // Two bytes decide the format; a file shorter than that is plain.
  while (in_end_ < 2 && !file_eof_) {
    if (!refill_input()) return false;
  }
  gzip_ = in_end_ >= 2 && in_[0] == kGzipMagic0 && in_[1] == kGzipMagic1;
  if (gzip_) {
    if (!inflater_) inflater_ = std::make_unique<Inflater>();
    if (!start_next_member()) return false;
  }
  return true;
}

bool InflatingFile::refill_input() {
  if (in_pos_ != 0) {
    const std::size_t n = in_end_ - in_pos_;
    if (n != 0) std::memmove(in_.data(), in_.data() + in_pos_, n);
    in_end_ = n;
    in_pos_ = 0;
  }
  for (;;) {
    const std::size_t room = std::min(input_block_bytes_, in_.size() - in_end_);
    const ssize_t got = ::read(fd_, in_.data() + in_end_, room);
    if (got < 0) {
      if (errno == EINTR) continue;
      error_ = std::strerror(errno);
      failed_ = true;
      return false;
    }
    if (got == 0) file_eof_ = true;
    in_end_ += static_cast<std::size_t>(got);
    file_bytes_read_ += static_cast<std::uint64_t>(got);
    return true;
  }
}

bool InflatingFile::start_next_member() {
  // Another member starts with the magic bytes; the end of the file ends the content.
  while (in_end_ - in_pos_ < 2 && !file_eof_) {
    if (!refill_input()) return false;
  }
  const std::size_t left = in_end_ - in_pos_;
  if (left == 0) return false;
  if (left < 2 || in_[in_pos_] != kGzipMagic0 || in_[in_pos_ + 1] != kGzipMagic1) {
    fail("bytes after the last gzip member that do not start another");
    return false;
  }
  // The fixed header whole in the buffer, to check the flags igzip does not.
  while (in_end_ - in_pos_ < kGzipBaseHeaderBytes && !file_eof_) {
    if (!refill_input()) return false;
  }
  if (in_end_ - in_pos_ < kGzipBaseHeaderBytes) {
    fail("unexpected end of gzip stream");
    return false;
  }
  if ((in_[in_pos_ + kGzipFlagsOffset] & kGzipReservedFlags) != 0) {
    fail("gzip header has reserved flag bits set");
    return false;
  }
  isal_inflate_init(&inflater_->state);
  inflater_->state.crc_flag = ISAL_GZIP;  // verify the trailer's CRC and size
  inflater_->header = isal_gzip_header{};
  isal_gzip_header_init(&inflater_->header);  // no buffers: name, comment and extra skipped
  member_open_ = true;
  header_read_ = false;
  return true;
}

long InflatingFile::fail(std::string message) {
  error_ = std::move(message);
  failed_ = true;
  member_open_ = false;
  return -1;
}

long InflatingFile::read(char* out, std::size_t capacity) {
  if (failed_) return -1;
  if (fd_ < 0) return 0;
  // A long reports the count; one call never returns more than fits it.
  capacity = std::min<std::size_t>(capacity, std::numeric_limits<std::uint32_t>::max());
  return gzip_ ? read_gzip(out, capacity) : read_plain(out, capacity);
}

long InflatingFile::read_plain(char* out, std::size_t capacity) {
  // The bytes read to sniff the format come first; then straight from the file.
  if (in_pos_ < in_end_) {
    const std::size_t n = std::min(capacity, in_end_ - in_pos_);
    std::memcpy(out, in_.data() + in_pos_, n);
    in_pos_ += n;
    return static_cast<long>(n);
  }
  if (file_eof_) return 0;
  for (;;) {
    const ssize_t got = ::read(fd_, out, capacity);
    if (got < 0) {
      if (errno == EINTR) continue;
      return fail(std::strerror(errno));
    }
    if (got == 0) file_eof_ = true;
    file_bytes_read_ += static_cast<std::uint64_t>(got);
    return static_cast<long>(got);
  }
}

long InflatingFile::read_gzip(char* out, std::size_t capacity) {
  inflate_state& st = inflater_->state;
  for (;;) {
    if (!member_open_) {
      if (!start_next_member()) return failed_ ? -1 : 0;
    }
    const std::size_t avail_before = in_end_ - in_pos_;
    st.next_in = in_.data() + in_pos_;
    st.avail_in = static_cast<std::uint32_t>(avail_before);
    if (!header_read_) {
      const int rc = isal_read_gzip_header(&st, &inflater_->header);
      in_pos_ = in_end_ - st.avail_in;
      if (rc == ISAL_DECOMP_OK) {
        header_read_ = true;  // and isal_inflate skips it (the state's wrapper flag is set)
        continue;
      }
      if (rc == ISAL_INCORRECT_CHECKSUM) return fail("gzip header's CRC does not match it");
      if (rc == ISAL_UNSUPPORTED_METHOD) return fail(describe_inflate_error(rc));
      if (rc != ISAL_END_INPUT) return fail("corrupt gzip header");
      if (file_eof_) return fail("unexpected end of gzip stream");
      if (!refill_input()) return -1;
      continue;
    }
    st.next_out = reinterpret_cast<std::uint8_t*>(out);
    st.avail_out = static_cast<std::uint32_t>(capacity);
    const int rc = isal_inflate(&st);
    in_pos_ = in_end_ - st.avail_in;
    const std::size_t produced = capacity - st.avail_out;
    if (rc < 0) return fail(describe_inflate_error(rc));
    // The trailer checked, a member ends; the unused input (another member or nothing) stays.
    if (st.block_state == ISAL_BLOCK_FINISH) member_open_ = false;
    if (produced != 0) return static_cast<long>(produced);
    if (!member_open_) continue;
    // No output yet: the input at hand ended inside a symbol, the header or the trailer.
    const bool consumed = in_end_ - in_pos_ != avail_before;
    if (file_eof_) {
      if (!consumed) return fail("unexpected end of gzip stream");
      continue;
    }
    if (!refill_input()) return -1;
  }
}

}  // namespace backstop::marketdata
