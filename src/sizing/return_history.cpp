#include "sizing/return_history.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace backstop::sizing {

namespace {
constexpr std::size_t kNotPriced = std::numeric_limits<std::size_t>::max();

// The first multiple of interval at or after t (t may be negative).
std::int64_t boundary_at_or_after(std::int64_t t, std::int64_t interval) noexcept {
  std::int64_t q = t / interval;
  if (q * interval < t) ++q;
  return q * interval;
}
}  // namespace

const char* to_string(SampleRejection rejection) noexcept {
  switch (rejection) {
    case SampleRejection::kNone:
      return "none";
    case SampleRejection::kUnknownInstrument:
      return "unknown instrument";
    case SampleRejection::kNonPositivePrice:
      return "price not positive and finite";
    case SampleRejection::kOutOfOrder:
      return "sample earlier than the last accepted one";
    case SampleRejection::kHistoryFull:
      return "return history full";
  }
  return "unknown";
}

ReturnHistory::ReturnHistory(std::size_t instruments, std::size_t capacity_returns,
                             std::int64_t interval_ns, WhenFull when_full)
    : instruments_(instruments),
      capacity_(capacity_returns),
      interval_ns_(interval_ns),
      when_full_(when_full),
      last_price_(instruments, 0.0),
      boundary_price_(instruments, 0.0),
      first_priced_(instruments, kNotPriced),
      cumulative_(instruments * (capacity_returns + 1), 0.0) {
  if (interval_ns <= 0) throw std::invalid_argument("return interval must be positive");
}

std::size_t ReturnHistory::first_priced_index(std::size_t instrument) const noexcept {
  const std::size_t first = first_priced_[instrument];
  return first == kNotPriced || first > count_ ? count_ : first;
}

SampleRejection ReturnHistory::try_add(std::size_t instrument, std::int64_t time_ns,
                                       double price) noexcept {
  if (instrument >= instruments_) return SampleRejection::kUnknownInstrument;
  if (!(price > 0) || !std::isfinite(price)) return SampleRejection::kNonPositivePrice;
  if (started_ && time_ns < last_time_ns_) return SampleRejection::kOutOfOrder;
  if (!started_) {
    first_boundary_ns_ = boundary_at_or_after(time_ns, interval_ns_);
    next_boundary_ns_ = first_boundary_ns_;
  }
  // Every boundary strictly before the sample closes first (a sample exactly on a boundary is the
  // price at that boundary). Counted before anything changes, so that a refusal leaves no trace.
  std::uint64_t closes = 0;
  if (time_ns > next_boundary_ns_) {
    // The difference of two int64 is taken in uint64, where it cannot overflow (time_ns is the
    // larger).
    const std::uint64_t span =
        static_cast<std::uint64_t>(time_ns) - static_cast<std::uint64_t>(next_boundary_ns_) - 1;
    closes = span / static_cast<std::uint64_t>(interval_ns_) + 1;
  }
  const std::uint64_t new_returns = boundary_priced_ || closes == 0 ? closes : closes - 1;
  if (new_returns > capacity_ - count_ && (when_full_ == WhenFull::kRefuse || capacity_ == 0)) {
    return SampleRejection::kHistoryFull;
  }

  started_ = true;
  std::uint64_t remaining = closes;
  if (remaining > 0) {
    close_boundary();
    --remaining;
  }
  // After that first close no sample lies between the boundaries: the rest are zero returns, and a
  // rolling history keeps at most `capacity_` of them, so the older ones are skipped outright.
  if (remaining > capacity_) {
    next_boundary_ns_ += static_cast<std::int64_t>(remaining - capacity_) * interval_ns_;
    remaining = capacity_;
  }
  for (; remaining > 0; --remaining)
    close_boundary();
  last_time_ns_ = time_ns;
  last_price_[instrument] = price;
  return SampleRejection::kNone;
}

void ReturnHistory::close_boundary() noexcept {
  if (boundary_priced_ && count_ == capacity_) drop_oldest(std::max<std::size_t>(1, capacity_ / 8));
  const std::size_t stride = capacity_ + 1;
  const std::size_t boundary_index = boundary_priced_ ? count_ + 1 : 0;
  for (std::size_t i = 0; i < instruments_; ++i) {
    const double price = last_price_[i];
    if (boundary_priced_) {
      double* c = cumulative_.data() + i * stride;
      const double before = boundary_price_[i];
      c[count_ + 1] = c[count_] + (before > 0 && price > 0 ? std::log(price / before) : 0.0);
    }
    if (price > 0 && first_priced_[i] == kNotPriced) first_priced_[i] = boundary_index;
    boundary_price_[i] = price;
  }
  if (boundary_priced_) ++count_;
  boundary_priced_ = true;
  next_boundary_ns_ += interval_ns_;
  // Return count_ - 1 ends at the boundary just closed.
  first_boundary_ns_ = next_boundary_ns_ - static_cast<std::int64_t>(count_ + 1) * interval_ns_;
}

void ReturnHistory::drop_oldest(std::size_t returns) noexcept {
  const std::size_t stride = capacity_ + 1;
  for (std::size_t i = 0; i < instruments_; ++i) {
    double* c = cumulative_.data() + i * stride;
    // Rebased so that c[0] stays 0: the values stay small and differences exact as before.
    const double base = c[returns];
    for (std::size_t k = 0; k + returns <= count_; ++k)
      c[k] = c[k + returns] - base;
    std::size_t& first = first_priced_[i];
    if (first != kNotPriced) first = first > returns ? first - returns : 0;
  }
  count_ -= returns;
}

}  // namespace backstop::sizing
