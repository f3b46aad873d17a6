// BatchEventProcessor: the consumer loop. Waits on its barrier, hands every available event to the
// handler in one batch (the last with end_of_batch = true), then publishes its own sequence once
// per batch so producers and downstream consumers see progress. Runs on the consumer's thread
// (run() returns after halt()); halt() from any thread. Cost per event: one handler call; per
// batch: one barrier wait and one release store.
//
// Handler requirements:
//   void on_event(Event&, std::int64_t sequence, bool end_of_batch) noexcept;
// optional:
//   void on_start() noexcept;     on the consumer thread, before the first wait
//   void on_shutdown() noexcept;  on the consumer thread, after the last batch
//   void prefetch(const Event&) noexcept;
//                                 a hint, up to kPrefetchDistance events ahead of on_event within
//                                 the batch (each available event once, in order, before its
//                                 on_event): a handler whose events point at state elsewhere (an
//                                 account row) starts loading it while earlier events are handled
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <thread>
#include <type_traits>
#include <utility>

#include "sequence.hpp"
#include "sequence_barrier.hpp"
#include "wait_strategy.hpp"

namespace ringbuffers {

template <class Ring, class Handler, class Barrier = typename Ring::Barrier>
class BatchEventProcessor {
 public:
  // Far enough ahead to hide a cache miss behind the handling of the events before it, near
  // enough that the lines are still there when their event comes.
  static constexpr std::int64_t kPrefetchDistance = 4;

  BatchEventProcessor(Ring& ring, Barrier& barrier, Handler& handler) noexcept
      : ring_(ring), barrier_(barrier), handler_(handler) {}
  BatchEventProcessor(const BatchEventProcessor&) = delete;
  BatchEventProcessor& operator=(const BatchEventProcessor&) = delete;

  // The last sequence this consumer finished; producers and downstream stages gate on it.
  [[nodiscard]] Sequence& sequence() noexcept { return sequence_; }
  [[nodiscard]] const Sequence& sequence() const noexcept { return sequence_; }

  // Runs until halt(). Returns at once if halt() came first, or if it is already running elsewhere.
  void run() noexcept {
    State expected = State::kIdle;
    if (!state_.compare_exchange_strong(expected, State::kRunning, std::memory_order_acq_rel))
      return;
    if constexpr (requires { handler_.on_start(); }) handler_.on_start();
    std::int64_t next = sequence_.get_relaxed() + 1;
    for (;;) {
      const std::int64_t available = barrier_.wait_for(next);
      if (available == kAlerted) {
        // Acquire: pairs with the release in halt(); a stale alert while running is ignored.
        if (state_.load(std::memory_order_acquire) == State::kHalted) break;
        barrier_.clear_alert();
        continue;
      }
      using Slot = std::remove_reference_t<decltype(ring_[next])>;
      if constexpr (requires(const Slot& e) { handler_.prefetch(e); }) {
        const std::int64_t ahead_end = std::min(available, next + kPrefetchDistance - 1);
        for (std::int64_t s = next; s <= ahead_end; ++s)
          handler_.prefetch(std::as_const(ring_[s]));
        for (std::int64_t s = next; s <= available; ++s) {
          if (s + kPrefetchDistance <= available)
            handler_.prefetch(std::as_const(ring_[s + kPrefetchDistance]));
          handler_.on_event(ring_[s], s, s == available);
        }
      } else {
        for (std::int64_t s = next; s <= available; ++s) {
          handler_.on_event(ring_[s], s, s == available);
        }
      }
      // Release (Sequence::set): our reads and in-place writes of these slots happen-before the
      // producer reuses them and before downstream stages read them.
      sequence_.set(available);
      next = available + 1;
    }
    if constexpr (requires { handler_.on_shutdown(); }) handler_.on_shutdown();
  }

  // Stops run() after its current batch. Events published but not yet handled stay in the ring;
  // callers that need a drain wait for sequence() to reach the cursor first (see drain_then_halt).
  void halt() noexcept {
    // Release: pairs with the acquire in run() after the barrier reports the alert.
    state_.store(State::kHalted, std::memory_order_release);
    barrier_.alert();
  }

  [[nodiscard]] bool running() const noexcept {
    return state_.load(std::memory_order_acquire) == State::kRunning;
  }

 private:
  enum class State : std::uint8_t { kIdle, kRunning, kHalted };

  Ring& ring_;
  Barrier& barrier_;
  Handler& handler_;
  Sequence sequence_;
  std::atomic<State> state_{State::kIdle};
};

// Waits (yielding) until `processor` has handled everything up to `last`, then halts it: the clean
// shutdown of a stage whose producers have stopped publishing. Cold.
template <class Processor>
void drain_then_halt(Processor& processor, std::int64_t last) noexcept {
  while (processor.sequence().get() < last)
    std::this_thread::yield();
  processor.halt();
}

}  // namespace ringbuffers
