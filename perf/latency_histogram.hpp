// LatencyHistogram: a log-linear (HDR-style) histogram of nanosecond values. Values below 2^7 get a
// bucket each; above, each power of two is split into 128 linear sub-buckets, so any reported value
// is within 1/128 (0.8 %) above the true one. Recording is O(1) with no allocation (the counts are
// allocated once at construction). One thread records; read after the recording thread is joined.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

namespace backstop::perf {

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 7;
  static constexpr std::uint64_t kSubBuckets = 1u << kSubBucketBits;
  static constexpr int kMaxBits = 44;  // about 4.9 hours in ns; larger values are clamped

  LatencyHistogram() : counts_(bucket_count(), 0) {}

  void record(std::uint64_t ns) noexcept {
    ns = std::min<std::uint64_t>(ns, (std::uint64_t{1} << kMaxBits) - 1);
    ++counts_[index_of(ns)];
    ++count_;
    max_ = std::max(max_, ns);
    min_ = std::min(min_, ns);
  }

  void merge(const LatencyHistogram& other) noexcept {
    for (std::size_t i = 0; i < counts_.size(); ++i)
      counts_[i] += other.counts_[i];
    count_ += other.count_;
    max_ = std::max(max_, other.max_);
    min_ = std::min(min_, other.min_);
  }

  // The smallest recorded-bucket upper bound at or below which a fraction p (0..1] of the values
  // fall: conservative (never under-reports), and never above the true maximum.
  [[nodiscard]] std::uint64_t percentile(double p) const noexcept {
    if (count_ == 0) return 0;
    const auto rank =
        static_cast<std::uint64_t>(std::max(1.0, p * static_cast<double>(count_) + 0.5));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min(upper_bound_of(i), max_);
    }
    return max_;
  }

  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  [[nodiscard]] std::uint64_t max() const noexcept { return max_; }
  [[nodiscard]] std::uint64_t min() const noexcept { return count_ ? min_ : 0; }
  void reset() noexcept {
    std::fill(counts_.begin(), counts_.end(), 0);
    count_ = max_ = 0;
    min_ = ~std::uint64_t{0};
  }

  // Exposed for tests.
  [[nodiscard]] static std::size_t index_of(std::uint64_t v) noexcept {
    if (v < kSubBuckets) return static_cast<std::size_t>(v);
    const int msb = 63 - std::countl_zero(v);
    const int shift = msb - kSubBucketBits;
    const std::uint64_t minor = (v >> shift) & (kSubBuckets - 1);
    return static_cast<std::size_t>(kSubBuckets + static_cast<std::uint64_t>(shift) * kSubBuckets +
                                    minor);
  }
  [[nodiscard]] static std::uint64_t upper_bound_of(std::size_t index) noexcept {
    if (index < kSubBuckets) return index;
    const std::uint64_t shift = (index - kSubBuckets) / kSubBuckets;
    const std::uint64_t minor = (index - kSubBuckets) % kSubBuckets;
    const std::uint64_t low = (kSubBuckets + minor) << shift;
    return low + (std::uint64_t{1} << shift) - 1;
  }

 private:
  static std::size_t bucket_count() noexcept {
    return kSubBuckets + static_cast<std::size_t>(kMaxBits - kSubBucketBits) * kSubBuckets;
  }

  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
  std::uint64_t min_ = ~std::uint64_t{0};
};

}  // namespace backstop::perf
