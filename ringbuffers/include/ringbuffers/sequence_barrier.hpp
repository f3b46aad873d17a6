// SequenceBarrier: what one consumer waits on. With no dependencies it waits for the producers'
// cursor; with dependencies it waits for the slowest of the upstream consumers (a consumer reads a
// slot only after every stage it depends on is done with it). Owned by its consumer thread; alert()
// from any thread. Cost of wait_for when data is ready: one acquire load per dependency (plus one
// flag per slot for a multi-producer ring).
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>

#include "cache_line.hpp"
#include "sequence.hpp"
#include "wait_strategy.hpp"

namespace ringbuffers {

template <class Sequencer>
class SequenceBarrier {
 public:
  // Set-up only. `dependencies` may be empty (wait on the cursor).
  SequenceBarrier(Sequencer& sequencer,
                  std::initializer_list<const Sequence*> dependencies) noexcept
      : sequencer_(sequencer) {
    for (const Sequence* d : dependencies)
      dependencies_.add(*d);
  }
  SequenceBarrier(const SequenceBarrier&) = delete;
  SequenceBarrier& operator=(const SequenceBarrier&) = delete;

  // Waits until `sequence` may be read; returns the highest sequence that may be read (>=
  // sequence), or kAlerted once alert() was called. Everything up to the returned sequence is fully
  // written.
  [[nodiscard]] std::int64_t wait_for(std::int64_t sequence) noexcept {
    const Sequence& cursor = sequencer_.cursor();
    for (;;) {
      const std::int64_t bound = sequencer_.wait_strategy().wait_for(
          sequence, cursor, [&]() noexcept { return upstream(cursor); }, alerted_);
      if (bound == kAlerted) return kAlerted;
      if constexpr (Sequencer::kMultiProducer) {
        // Downstream of another consumer every slot up to `bound` is already published; only a
        // consumer of the cursor itself can meet claimed-but-unwritten slots.
        if (!dependencies_.empty()) return bound;
        const std::int64_t published = sequencer_.highest_published(sequence, bound);
        if (published >= sequence) return published;
        // A producer claimed `sequence` but has not published it yet: wait again.
      } else {
        return bound;
      }
    }
  }

  // Asks a waiting consumer to stop waiting. Relaxed store: the processor's own state carries the
  // halt decision (see BatchEventProcessor::halt).
  void alert() noexcept {
    alerted_.store(true, std::memory_order_relaxed);
    sequencer_.wait_strategy().signal_all();
  }
  void clear_alert() noexcept { alerted_.store(false, std::memory_order_relaxed); }
  [[nodiscard]] bool alerted() const noexcept { return alerted_.load(std::memory_order_relaxed); }

  [[nodiscard]] std::int64_t cursor() const noexcept { return sequencer_.cursor().get(); }

 private:
  [[nodiscard]] std::int64_t upstream(const Sequence& cursor) const noexcept {
    // Acquire loads (Sequence::get): pair with the release by the producer's publish or by the
    // upstream consumers' sequence updates, so what they wrote into the slots is visible.
    return dependencies_.empty() ? cursor.get() : dependencies_.minimum(cursor.get());
  }

  Sequencer& sequencer_;
  SequenceGroup dependencies_;
  alignas(kCacheLinePad) std::atomic<bool> alerted_{false};
};

}  // namespace ringbuffers
