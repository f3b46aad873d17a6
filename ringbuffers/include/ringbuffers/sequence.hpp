// Sequence: a 64-bit counter written by one side of a ring and read by the other, alone on its own
// cache lines so that its writer never invalidates anybody else's data. Any thread; each call is
// one atomic load or store (no read-modify-write except the explicit ones the multi-producer claim
// uses).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <span>

#include "cache_line.hpp"

namespace ringbuffers {

class alignas(kCacheLinePad) Sequence {
 public:
  static constexpr std::int64_t kInitial = -1;

  explicit Sequence(std::int64_t initial = kInitial) noexcept : value_(initial) {}
  Sequence(const Sequence&) = delete;
  Sequence& operator=(const Sequence&) = delete;

  // Acquire: pairs with the release in set() by this sequence's writer, so everything the writer
  // did before publishing the value (writing or reading slots) happens-before what the reader does
  // next.
  [[nodiscard]] std::int64_t get() const noexcept { return value_.load(std::memory_order_acquire); }

  // Release: pairs with get(). Publishes the writer's slot writes (producer cursor) or slot reads
  // (consumer sequence: the producer may overwrite those slots only after it acquires this value).
  void set(std::int64_t value) noexcept { value_.store(value, std::memory_order_release); }

  // Relaxed: for the sequence's own writer re-reading what it wrote, where no ordering is needed.
  [[nodiscard]] std::int64_t get_relaxed() const noexcept {
    return value_.load(std::memory_order_relaxed);
  }

  // Multi-producer claim (CAS). acq_rel: a producer that wins sees the gating reads of the producer
  // before it (see MultiProducerSequencer). Relaxed on failure: the loop just retries.
  [[nodiscard]] bool compare_exchange(std::int64_t& expected, std::int64_t desired) noexcept {
    return value_.compare_exchange_weak(expected, desired, std::memory_order_acq_rel,
                                        std::memory_order_relaxed);
  }

  // Multi-producer blocking claim: relaxed, because slot visibility is carried by the per-slot
  // availability flags, not by the claim counter. Returns the value before the add.
  std::int64_t fetch_add(std::int64_t delta) noexcept {
    return value_.fetch_add(delta, std::memory_order_relaxed);
  }

 private:
  std::atomic<std::int64_t> value_;
  [[maybe_unused]] char padding_[kCacheLinePad - sizeof(std::atomic<std::int64_t>)];
};

static_assert(sizeof(Sequence) == kCacheLinePad, "a Sequence must fill its cache lines alone");
static_assert(alignof(Sequence) == kCacheLinePad, "a Sequence must start on its own cache line");
static_assert(std::atomic<std::int64_t>::is_always_lock_free);

// The smallest value among `sequences` (each read with acquire), or `floor` when there are none.
[[nodiscard]] inline std::int64_t min_sequence(std::span<const Sequence* const> sequences,
                                               std::int64_t floor) noexcept {
  std::int64_t lowest = std::numeric_limits<std::int64_t>::max();
  for (const Sequence* s : sequences)
    lowest = std::min(lowest, s->get());
  return sequences.empty() ? floor : lowest;
}

// A fixed-capacity list of sequences to wait on or to be gated by. Filled during set-up, before any
// thread runs; read-only afterwards.
class SequenceGroup {
 public:
  static constexpr std::size_t kCapacity = 16;

  // Set-up only (no thread uses the ring yet). More than kCapacity entries is a wiring bug,
  // reported loudly at start-up, never on the hot path.
  void add(const Sequence& sequence) noexcept {
    if (size_ == kCapacity) {
      std::fputs("ringbuffers: more than SequenceGroup::kCapacity sequences in one group\n",
                 stderr);
      std::abort();
    }
    items_[size_++] = &sequence;
  }
  [[nodiscard]] bool full() const noexcept { return size_ == kCapacity; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::span<const Sequence* const> view() const noexcept { return {items_, size_}; }
  [[nodiscard]] std::int64_t minimum(std::int64_t floor) const noexcept {
    return min_sequence(view(), floor);
  }

 private:
  const Sequence* items_[kCapacity] = {};
  std::size_t size_ = 0;
};

}  // namespace ringbuffers
