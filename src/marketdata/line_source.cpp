#include "marketdata/line_source.hpp"

#include <sys/stat.h>

#include <cstring>
#include <utility>

namespace backstop::marketdata {
namespace {

std::string_view strip_cr(std::string_view line) noexcept {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

bool LineSource::try_open_file(const std::string& path) {
  file_.close();
  file_open_ = false;
  name_ = path;
  error_.clear();
  from_memory_ = false;
  eof_ = false;
  begin_ = end_ = scan_ = 0;
  line_number_ = 0;
  total_bytes_ = 0;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      error_ = "is a directory";
      return false;
    }
    total_bytes_ = static_cast<std::uint64_t>(st.st_size);
  }
  if (!file_.try_open(path)) {
    error_ = file_.error();
    return false;
  }
  file_open_ = true;
  buffer_.resize(kBlockBytes);
  return true;
}

void LineSource::open_memory(std::string_view name, std::string_view contents) {
  file_.close();
  file_open_ = false;
  name_ = std::string(name);
  error_.clear();
  from_memory_ = true;
  memory_ = contents;
  memory_pos_ = 0;
  eof_ = false;
  line_number_ = 0;
  total_bytes_ = contents.size();
}

std::uint64_t LineSource::bytes_consumed() const noexcept {
  if (from_memory_) return memory_pos_;
  return file_open_ ? file_.bytes_consumed() : 0;
}

bool LineSource::refill() {
  // Move the unreturned tail to the front so that a line straddling two blocks becomes contiguous.
  if (begin_ != 0) {
    const std::size_t n = end_ - begin_;
    if (n != 0) std::memmove(buffer_.data(), buffer_.data() + begin_, n);
    scan_ -= begin_;
    end_ = n;
    begin_ = 0;
  }
  if (end_ == buffer_.size()) {
    if (buffer_.size() >= kMaxLineBytes) {
      error_ = "line longer than 64 MiB";
      return false;
    }
    buffer_.resize(buffer_.size() * 2);
  }
  const std::size_t room = buffer_.size() - end_;
  const long got = file_.read(buffer_.data() + end_, room);
  if (got < 0) {
    error_ = file_.error();
    return false;
  }
  if (got == 0) eof_ = true;
  end_ += static_cast<std::size_t>(got);
  return true;
}

LineStatus LineSource::next_line(std::string_view& line) {
  if (from_memory_) {
    if (memory_pos_ >= memory_.size()) return LineStatus::kEnd;
    const char* start = memory_.data() + memory_pos_;
    const std::size_t left = memory_.size() - memory_pos_;
    const void* nl = std::memchr(start, '\n', left);
    const std::size_t len =
        nl != nullptr ? static_cast<std::size_t>(static_cast<const char*>(nl) - start) : left;
    memory_pos_ += nl != nullptr ? len + 1 : len;
    ++line_number_;
    line = strip_cr(std::string_view(start, len));
    return LineStatus::kLine;
  }
  if (!file_open_) return LineStatus::kEnd;
  for (;;) {
    if (scan_ < end_) {
      const void* nl = std::memchr(buffer_.data() + scan_, '\n', end_ - scan_);
      if (nl != nullptr) {
        const auto pos = static_cast<std::size_t>(static_cast<const char*>(nl) - buffer_.data());
        line = strip_cr(std::string_view(buffer_.data() + begin_, pos - begin_));
        begin_ = scan_ = pos + 1;
        ++line_number_;
        return LineStatus::kLine;
      }
      scan_ = end_;
    }
    if (eof_) {
      if (begin_ == end_) return LineStatus::kEnd;
      line = strip_cr(std::string_view(buffer_.data() + begin_, end_ - begin_));
      begin_ = scan_ = end_;
      ++line_number_;
      return LineStatus::kLine;
    }
    if (!refill()) return LineStatus::kError;
  }
}

}  // namespace backstop::marketdata
