// Per-instrument histories of mark log-returns on one shared time grid (docs/sizing.md, "Return
// history"): fed (time_ns, price) samples in time order, it closes one return per interval
// boundary for every instrument at once, so index k is the same interval for all of them and a
// scenario built from index k is joint across instruments. Storage is the cumulative log-return
// per boundary, allocated at construction for a fixed number of returns, so that an h-interval
// (overlapping) horizon return is one subtraction. Owned by the sizing consumer's thread (cold).
// Cost: a sample is O(1), plus O(instruments) per boundary it closes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace backstop::sizing {

inline constexpr std::int64_t kDefaultReturnIntervalNs = 60'000'000'000;  // one minute

// What a full history does with a sample that closes more boundaries than it has room for.
enum class WhenFull : std::uint8_t {
  kRefuse = 0,      // refuse the sample (kHistoryFull): a fixed load of history
  kDropOldest = 1,  // roll: drop the oldest eighth of the capacity (at least one return) and go on
};

// Why a sample was refused; a refused sample changes nothing.
enum class SampleRejection : std::uint8_t {
  kNone = 0,
  kUnknownInstrument = 1,  // instrument index >= instruments()
  kNonPositivePrice = 2,   // price <= 0, NaN or infinite: no log-return exists
  kOutOfOrder = 3,         // time_ns earlier than the last accepted sample (of any instrument)
  kHistoryFull = 4,        // WhenFull::kRefuse: the boundaries it closes would exceed the capacity
};

const char* to_string(SampleRejection rejection) noexcept;

// A read-only view of joint return paths on one grid: per instrument the cumulative log-returns
// c[0..count], c[0] = 0, so that the log-return of interval k is c[k+1] - c[k] and the h-interval
// return starting at k is c[k+h] - c[k]. Valid while the object it views is alive and unchanged.
class JointReturns {
 public:
  JointReturns(const double* cumulative, std::size_t instruments, std::size_t stride,
               std::size_t count) noexcept
      : cumulative_(cumulative), instruments_(instruments), stride_(stride), count_(count) {}

  std::size_t instruments() const noexcept { return instruments_; }
  std::size_t count() const noexcept { return count_; }  // returns per instrument

  // Precondition: instrument < instruments(), index < count().
  double log_return(std::size_t instrument, std::size_t index) const noexcept {
    const double* c = cumulative_ + instrument * stride_;
    return c[index + 1] - c[index];
  }
  // The log-return over intervals [start, start + h). Precondition: start + h <= count().
  double horizon_return(std::size_t instrument, std::size_t start, std::size_t h) const noexcept {
    const double* c = cumulative_ + instrument * stride_;
    return c[start + h] - c[start];
  }
  // How many h-interval scenarios the paths hold, starting every `stride` intervals (1: every
  // overlapping window; h: disjoint windows). 0 when h > count() or h == 0. Precondition: stride >
  // 0.
  std::size_t horizon_count(std::size_t h, std::size_t stride = 1) const noexcept {
    return h == 0 || h > count_ ? 0 : (count_ - h) / stride + 1;
  }
  // The `count` returns from index `start` as paths of their own (index 0 = start): a lookback, or
  // the span where every instrument is priced (from the largest first_priced_index). O(1).
  // Precondition: start + count <= count().
  JointReturns window(std::size_t start, std::size_t count) const noexcept {
    return JointReturns(cumulative_ + start, instruments_, stride_, count);
  }

 private:
  const double* cumulative_;
  std::size_t instruments_;
  std::size_t stride_;
  std::size_t count_;
};

class ReturnHistory {
 public:
  // capacity_returns: the most returns each instrument keeps (e.g. 5 years of minutes is
  // 2,628,000). Allocates instruments * (capacity_returns + 1) doubles here and never again.
  // Throws std::invalid_argument unless interval_ns > 0 (the one loud failure, at start-up).
  // kDropOldest rolls: a drop moves the kept returns to the front, O(capacity) once every
  // capacity / 8 returns; a gap longer than the capacity costs O(capacity), not O(gap).
  ReturnHistory(std::size_t instruments, std::size_t capacity_returns,
                std::int64_t interval_ns = kDefaultReturnIntervalNs,
                WhenFull when_full = WhenFull::kRefuse);

  // One mark sample. Samples of all instruments come in one stream in time order (equal times are
  // in order). Boundaries are the multiples of interval_ns; the first is the first one at or after
  // the first sample. Each boundary b strictly before time_ns is closed before the sample applies:
  // every instrument's price at b is its last price at or before b (a gap carries it forward, a
  // zero return). An instrument with no price yet contributes zero returns until its first price
  // (first_priced_index says where its observed returns start).
  [[nodiscard]] SampleRejection try_add(std::size_t instrument, std::int64_t time_ns,
                                        double price) noexcept;

  std::size_t instruments() const noexcept { return instruments_; }
  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t count() const noexcept { return count_; }  // returns closed, the same for all
  std::int64_t interval_ns() const noexcept { return interval_ns_; }
  // The time of boundary k (return k spans boundaries k and k+1); meaningful once a sample came.
  // After a drop, index 0 is the oldest return kept.
  std::int64_t boundary_ns(std::size_t k) const noexcept {
    return first_boundary_ns_ + static_cast<std::int64_t>(k) * interval_ns_;
  }
  // The first return index whose both ends the instrument had a price at (count() if none yet).
  std::size_t first_priced_index(std::size_t instrument) const noexcept;

  JointReturns joint() const noexcept {
    return JointReturns(cumulative_.data(), instruments_, capacity_ + 1, count_);
  }

 private:
  void close_boundary() noexcept;
  void drop_oldest(std::size_t returns) noexcept;

  std::size_t instruments_;
  std::size_t capacity_;
  std::int64_t interval_ns_;
  WhenFull when_full_;
  bool started_ = false;
  bool boundary_priced_ = false;  // whether a boundary has been closed (the grid's origin)
  std::int64_t last_time_ns_ = 0;
  std::int64_t first_boundary_ns_ = 0;
  std::int64_t next_boundary_ns_ = 0;  // the next boundary to close
  std::size_t count_ = 0;
  std::vector<double> last_price_;      // per instrument; 0 = no price yet
  std::vector<double> boundary_price_;  // per instrument: its price at the last closed boundary
  std::vector<std::size_t> first_priced_;
  std::vector<double> cumulative_;  // instrument-major, capacity_ + 1 per instrument
};

}  // namespace backstop::sizing
