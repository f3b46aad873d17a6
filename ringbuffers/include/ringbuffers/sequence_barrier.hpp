// SequenceBarrier: what one consumer waits on. With no dependencies it waits for the producers'
// cursor; with dependencies it waits for the slowest of the upstream consumers (a consumer reads a
// slot only after every stage it depends on is done with it). Owned by its consumer thread; alert()
// from any thread. Cost of wait_for when data is ready: one acquire load per dependency (plus one
// flag per slot for a multi-producer ring).
//
// The wait strategy is the ring's by default; a consumer may pick its own spinning, yielding or
// sleeping strategy instead (a busy risk engine and a yielding journal on one ring). Blocking needs
// the producer's signal, so a blocking consumer requires a ring whose own strategy is BlockingWait.
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <type_traits>
#include <variant>

#include "cache_line.hpp"
#include "sequence.hpp"
#include "wait_strategy.hpp"

namespace ringbuffers {

template <class Sequencer, class Wait = typename Sequencer::Wait>
class SequenceBarrier {
  static constexpr bool kRingsStrategy = std::is_same_v<Wait, typename Sequencer::Wait>;
  static_assert(kRingsStrategy || !std::is_same_v<Wait, BlockingWait>,
                "a blocking consumer needs a ring whose producers signal (BlockingWait ring)");

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
      const std::int64_t bound = wait_strategy().wait_for(
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

  // Never waits: the highest sequence readable now, or next - 1 when nothing from `next` on is.
  // For consumers that must do other work while idle (a journal that syncs on a timer).
  [[nodiscard]] std::int64_t poll_available(std::int64_t next) const noexcept {
    const std::int64_t bound = upstream(sequencer_.cursor());
    if (bound < next) return next - 1;
    if constexpr (Sequencer::kMultiProducer) {
      if (dependencies_.empty()) return sequencer_.highest_published(next, bound);
    }
    return bound;
  }

  // Asks a waiting consumer to stop waiting. Relaxed store: the processor's own state carries the
  // halt decision (see BatchEventProcessor::halt).
  void alert() noexcept {
    alerted_.store(true, std::memory_order_relaxed);
    wait_strategy().signal_all();
  }
  void clear_alert() noexcept { alerted_.store(false, std::memory_order_relaxed); }
  [[nodiscard]] bool alerted() const noexcept { return alerted_.load(std::memory_order_relaxed); }

  [[nodiscard]] std::int64_t cursor() const noexcept { return sequencer_.cursor().get(); }

 private:
  Wait& wait_strategy() noexcept {
    if constexpr (kRingsStrategy) {
      return sequencer_.wait_strategy();
    } else {
      return own_wait_;
    }
  }

  [[nodiscard]] std::int64_t upstream(const Sequence& cursor) const noexcept {
    // Acquire loads (Sequence::get): pair with the release by the producer's publish or by the
    // upstream consumers' sequence updates, so what they wrote into the slots is visible.
    return dependencies_.empty() ? cursor.get() : dependencies_.minimum(cursor.get());
  }

  Sequencer& sequencer_;
  SequenceGroup dependencies_;
  [[no_unique_address]] std::conditional_t<kRingsStrategy, std::monostate, Wait> own_wait_;
  alignas(kCacheLinePad) std::atomic<bool> alerted_{false};
};

}  // namespace ringbuffers
