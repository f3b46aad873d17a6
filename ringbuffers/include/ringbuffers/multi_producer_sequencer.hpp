// MultiProducerSequencer: hands out slot sequences to any number of producer threads. Producers
// claim with an atomic on the shared claim counter, write their slots in any order, and mark each
// slot available with a per-slot flag holding the lap number, so consumers never read a claimed but
// unwritten slot. Owned by the ring; any thread may claim and publish.
// Cost: a claim is one RMW (fetch_add when waiting is allowed, a CAS loop for try_next); a publish
// is one release store per slot; consumers check one flag per slot.
#pragma once

#include <atomic>
#include <bit>
#include <cstdint>
#include <memory>
#include <optional>

#include "cache_line.hpp"
#include "sequence.hpp"

namespace ringbuffers {

template <class WaitStrategy>
class MultiProducerSequencer {
 public:
  static constexpr bool kMultiProducer = true;
  using Wait = WaitStrategy;

  // Precondition: buffer_size is a power of two (RingBuffer checks it). The flag array is the one
  // allocation, made here at start-up.
  explicit MultiProducerSequencer(std::int64_t buffer_size)
      : buffer_size_(buffer_size),
        index_mask_(buffer_size - 1),
        index_shift_(std::countr_zero(static_cast<std::uint64_t>(buffer_size))),
        available_(std::make_unique<std::atomic<std::int32_t>[]>(buffer_size)) {
    for (std::int64_t i = 0; i < buffer_size; ++i)
      available_[i].store(-1, std::memory_order_relaxed);
  }
  MultiProducerSequencer(const MultiProducerSequencer&) = delete;
  MultiProducerSequencer& operator=(const MultiProducerSequencer&) = delete;

  // Set-up only, before any thread uses the ring (see SingleProducerSequencer).
  void add_gating_sequence(const Sequence& sequence) noexcept { gating_.add(sequence); }

  // Claims n slots (1 <= n <= buffer size), waiting while the ring is full. The claim is taken
  // first (fetch_add never fails under contention) and the wait for room follows: the slots are
  // ours.
  [[nodiscard]] std::int64_t next(std::int64_t n = 1) noexcept {
    const std::int64_t current = cursor_.fetch_add(n);
    const std::int64_t next_value = current + n;
    const std::int64_t wrap_point = next_value - buffer_size_;
    if (wrap_point > gating_cache_.get()) {
      std::int64_t slowest;
      std::uint32_t attempt = 0;
      while (wrap_point > (slowest = gating_.minimum(current)))
        wait_.producer_backoff(attempt++);
      // Release, paired with the acquire in gating_cache_.get() by other producers: they inherit
      // our acquire of the consumer sequences, so their slot writes also follow the consumers'
      // reads (transitivity through this cache).
      gating_cache_.set(slowest);
    }
    return next_value;
  }

  // Claims n slots only if they are free now; empty (nothing claimed) when the ring is full.
  [[nodiscard]] std::optional<std::int64_t> try_next(std::int64_t n = 1) noexcept {
    std::int64_t current = cursor_.get();
    for (;;) {
      const std::int64_t next_value = current + n;
      if (!has_capacity(next_value - buffer_size_, current)) return std::nullopt;
      if (cursor_.compare_exchange(current, next_value)) return next_value;
    }
  }

  // Marks one slot readable. Release: pairs with the acquire in is_available(), so the consumer
  // sees the slot's contents complete.
  void publish(std::int64_t sequence) noexcept {
    mark_available(sequence);
    wait_.signal_all();
  }
  void publish(std::int64_t low, std::int64_t high) noexcept {
    for (std::int64_t s = low; s <= high; ++s)
      mark_available(s);
    wait_.signal_all();
  }

  // The highest sequence in [low, available] such that every slot from low up to it is published;
  // low - 1 when slot `low` itself is still being written.
  [[nodiscard]] std::int64_t highest_published(std::int64_t low,
                                               std::int64_t available) const noexcept {
    for (std::int64_t s = low; s <= available; ++s) {
      if (!is_available(s)) return s - 1;
    }
    return available;
  }

  [[nodiscard]] bool is_available(std::int64_t sequence) const noexcept {
    return available_[sequence & index_mask_].load(std::memory_order_acquire) == lap(sequence);
  }

  // For a multi-producer ring the cursor is the claim counter, not the published bound: consumers
  // wait on it, then confirm each slot with is_available().
  [[nodiscard]] const Sequence& cursor() const noexcept { return cursor_; }
  [[nodiscard]] std::int64_t buffer_size() const noexcept { return buffer_size_; }
  [[nodiscard]] Wait& wait_strategy() noexcept { return wait_; }

  [[nodiscard]] std::int64_t remaining_capacity() const noexcept {
    const std::int64_t claimed = cursor_.get();
    return buffer_size_ - (claimed - gating_.minimum(claimed));
  }

 private:
  [[nodiscard]] std::int32_t lap(std::int64_t sequence) const noexcept {
    return static_cast<std::int32_t>(sequence >> index_shift_);
  }
  void mark_available(std::int64_t sequence) noexcept {
    available_[sequence & index_mask_].store(lap(sequence), std::memory_order_release);
  }
  [[nodiscard]] bool has_capacity(std::int64_t wrap_point, std::int64_t current) noexcept {
    if (wrap_point > gating_cache_.get()) {
      const std::int64_t slowest = gating_.minimum(current);
      gating_cache_.set(slowest);
      if (wrap_point > slowest) return false;
    }
    return true;
  }

  const std::int64_t buffer_size_;
  const std::int64_t index_mask_;
  const int index_shift_;
  std::unique_ptr<std::atomic<std::int32_t>[]> available_;
  SequenceGroup gating_;
  Sequence cursor_;        // the claim counter, shared by producers
  Sequence gating_cache_;  // the slowest consumer as last seen by any producer
  Wait wait_;
};

}  // namespace ringbuffers
