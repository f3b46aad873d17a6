// RingBuffer: a pre-allocated power-of-two array of event slots plus the sequencer that hands them
// out. Producers claim a sequence, write the event in place, and publish it; no event is ever
// allocated or copied per publish. Built once at start-up; slots are then shared by producers and
// consumers, with ownership of each slot passed along by the sequences.
// Cost: indexing is a mask; claim/publish costs are the sequencer's.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <optional>
#include <type_traits>

#include "cache_line.hpp"
#include "multi_producer_sequencer.hpp"
#include "sequence.hpp"
#include "sequence_barrier.hpp"
#include "single_producer_sequencer.hpp"
#include "wait_strategy.hpp"

namespace ringbuffers {

template <class Event, class Sequencer>
class RingBuffer {
  static_assert(std::is_default_constructible_v<Event>, "slots are constructed once, up front");

 public:
  using EventType = Event;
  using SequencerType = Sequencer;
  using Barrier = SequenceBarrier<Sequencer>;
  // A consumer's barrier with its own spinning/yielding/sleeping strategy (see SequenceBarrier).
  template <class Wait>
  using BarrierWith = SequenceBarrier<Sequencer, Wait>;

  // The one place allowed to fail loudly: a capacity that is not a power of two is a configuration
  // error found at start-up.
  explicit RingBuffer(std::int64_t size) : sequencer_(checked_size(size)), mask_(size - 1) {
    // Padding of one pad-width on each side keeps the first and last slots off the cache lines of
    // whatever the allocator puts next to the array.
    void* raw = ::operator new (bytes(size), std::align_val_t{kCacheLinePad});
    slots_ = reinterpret_cast<Event*>(static_cast<std::byte*>(raw) + kCacheLinePad);
    for (std::int64_t i = 0; i < size; ++i)
      new (&slots_[i]) Event{};
  }
  ~RingBuffer() {
    for (std::int64_t i = 0; i <= mask_; ++i)
      slots_[i].~Event();
    ::operator delete (reinterpret_cast<std::byte*>(slots_) - kCacheLinePad,
                       std::align_val_t{kCacheLinePad});
  }
  RingBuffer(const RingBuffer&) = delete;
  RingBuffer& operator=(const RingBuffer&) = delete;

  [[nodiscard]] Event& operator[](std::int64_t sequence) noexcept {
    return slots_[sequence & mask_];
  }
  [[nodiscard]] const Event& operator[](std::int64_t sequence) const noexcept {
    return slots_[sequence & mask_];
  }

  [[nodiscard]] std::int64_t next(std::int64_t n = 1) noexcept { return sequencer_.next(n); }
  [[nodiscard]] std::optional<std::int64_t> try_next(std::int64_t n = 1) noexcept {
    return sequencer_.try_next(n);
  }
  void publish(std::int64_t sequence) noexcept { sequencer_.publish(sequence); }
  void publish(std::int64_t low, std::int64_t high) noexcept { sequencer_.publish(low, high); }

  // Claim, fill in place with `fill(Event&)`, publish: the usual one-event publish.
  template <class Fill>
  void publish_event(Fill&& fill) noexcept {
    const std::int64_t sequence = next();
    fill((*this)[sequence]);
    publish(sequence);
  }
  // The same without waiting: false (nothing claimed, nothing written) when the ring is full.
  template <class Fill>
  [[nodiscard]] bool try_publish_event(Fill&& fill) noexcept {
    const std::optional<std::int64_t> sequence = try_next();
    if (!sequence) return false;
    fill((*this)[*sequence]);
    publish(*sequence);
    return true;
  }

  // Set-up only: producers will not overwrite a slot until `sequence` (a terminal consumer) passed
  // it.
  void add_gating_sequence(const Sequence& sequence) noexcept {
    sequencer_.add_gating_sequence(sequence);
  }

  [[nodiscard]] std::int64_t size() const noexcept { return mask_ + 1; }
  [[nodiscard]] std::int64_t cursor() const noexcept { return sequencer_.cursor().get(); }
  [[nodiscard]] std::int64_t remaining_capacity() const noexcept {
    return sequencer_.remaining_capacity();
  }
  [[nodiscard]] Sequencer& sequencer() noexcept { return sequencer_; }

 private:
  static std::int64_t checked_size(std::int64_t size) {
    if (size < 1 || !std::has_single_bit(static_cast<std::uint64_t>(size))) {
      std::fprintf(stderr, "ringbuffers: ring size %lld is not a positive power of two\n",
                   static_cast<long long>(size));
      std::abort();
    }
    return size;
  }
  static std::size_t bytes(std::int64_t size) noexcept {
    return static_cast<std::size_t>(size) * sizeof(Event) + 2 * kCacheLinePad;
  }

  Sequencer sequencer_;
  const std::int64_t mask_;
  Event* slots_ = nullptr;
};

template <class Event, class Wait = BusySpinWait>
using SingleProducerRing = RingBuffer<Event, SingleProducerSequencer<Wait>>;
template <class Event, class Wait = BusySpinWait>
using MultiProducerRing = RingBuffer<Event, MultiProducerSequencer<Wait>>;

}  // namespace ringbuffers
