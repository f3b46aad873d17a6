// SingleProducerSequencer: hands out slot sequences to exactly one producer thread and publishes
// them to consumers. The claim is a plain (non-atomic) counter the producer owns: no
// read-modify-write. Owned by the ring; next()/try_next()/publish() from the one producer thread,
// cursor() from anyone. Cost: next() is two compares unless the ring looks full; publish() is one
// release store.
#pragma once

#include <bit>
#include <cstdint>
#include <optional>

#include "cache_line.hpp"
#include "sequence.hpp"

namespace ringbuffers {

template <class WaitStrategy>
class SingleProducerSequencer {
 public:
  static constexpr bool kMultiProducer = false;
  using Wait = WaitStrategy;

  // Precondition: buffer_size is a power of two (RingBuffer checks it).
  explicit SingleProducerSequencer(std::int64_t buffer_size) noexcept : buffer_size_(buffer_size) {}
  SingleProducerSequencer(const SingleProducerSequencer&) = delete;
  SingleProducerSequencer& operator=(const SingleProducerSequencer&) = delete;

  // Set-up only: the producer will never overwrite a slot before `sequence` has passed it. The
  // topology is fixed before threads start, which is why claim needs no StoreLoad fence: the Java
  // original fences (cursor.setVolatile) so a gating sequence added while running is seen; we
  // forbid that case instead of paying for it on every wrap check.
  void add_gating_sequence(const Sequence& sequence) noexcept { gating_.add(sequence); }

  // Claims the next n slots (1 <= n <= buffer size), waiting while the ring is full.
  // Returns the highest claimed sequence; the claimed range is [result - n + 1, result].
  [[nodiscard]] std::int64_t next(std::int64_t n = 1) noexcept {
    const std::int64_t next_value = claimed_ + n;
    const std::int64_t wrap_point = next_value - buffer_size_;
    if (wrap_point > cached_gating_) {
      std::int64_t slowest;
      std::uint32_t attempt = 0;
      // Acquire loads of the consumers' sequences: their reads of the slots we are about to
      // overwrite happen-before our writes.
      while (wrap_point > (slowest = gating_.minimum(claimed_)))
        wait_.producer_backoff(attempt++);
      cached_gating_ = slowest;
    }
    claimed_ = next_value;
    return next_value;
  }

  // Like next(n) but never waits: empty when the ring has no room for n slots (back-pressure, not
  // an error). Nothing is claimed then.
  [[nodiscard]] std::optional<std::int64_t> try_next(std::int64_t n = 1) noexcept {
    const std::int64_t next_value = claimed_ + n;
    const std::int64_t wrap_point = next_value - buffer_size_;
    if (wrap_point > cached_gating_) {
      cached_gating_ = gating_.minimum(claimed_);
      if (wrap_point > cached_gating_) return std::nullopt;
    }
    claimed_ = next_value;
    return next_value;
  }

  // Makes every claimed slot up to `sequence` visible to consumers. Release: pairs with the acquire
  // load of the cursor in SequenceBarrier::wait_for, so the slot contents are seen complete.
  void publish(std::int64_t sequence) noexcept {
    cursor_.set(sequence);
    wait_.signal_all();
  }
  void publish(std::int64_t /*low*/, std::int64_t high) noexcept { publish(high); }

  // Consumers of a single producer see a contiguous published range: everything up to the cursor.
  [[nodiscard]] std::int64_t highest_published(std::int64_t /*low*/,
                                               std::int64_t available) const noexcept {
    return available;
  }

  [[nodiscard]] const Sequence& cursor() const noexcept { return cursor_; }
  [[nodiscard]] std::int64_t buffer_size() const noexcept { return buffer_size_; }
  [[nodiscard]] Wait& wait_strategy() noexcept { return wait_; }

  // Free slots as the producer sees them now (cold: for monitoring and tests).
  [[nodiscard]] std::int64_t remaining_capacity() const noexcept {
    return buffer_size_ - (claimed_ - gating_.minimum(claimed_));
  }

 private:
  // Producer-private state on its own lines: consumers never touch it, so it never bounces.
  alignas(kCacheLinePad) std::int64_t claimed_ = Sequence::kInitial;
  std::int64_t cached_gating_ = Sequence::kInitial;
  const std::int64_t buffer_size_;
  SequenceGroup gating_;
  Sequence cursor_;
  Wait wait_;
};

}  // namespace ringbuffers
