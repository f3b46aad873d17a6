// Wait strategies: how a consumer waits for a sequence to become available, and how a producer
// backs off when the ring is full. Chosen at compile time (a template parameter of the sequencer),
// so the hot path has no virtual call. Owned by the sequencer; called from producer and consumer
// threads.
//
// Each strategy provides:
//   wait_for(seq, cursor, available, alert) -> the highest available sequence >= seq, or kAlerted.
//       `available()` gives the current bound (the cursor, or the slowest upstream consumer).
//   signal_all()        called after every publish and on halt; only the blocking strategy acts.
//   producer_backoff(n) called while a producer waits for space, n = attempts so far.
//
// On this project's 2-core machine at most two threads may busy-spin (the embedding thread and the
// risk engine); every other consumer must use yielding, sleeping or blocking.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <limits>
#include <mutex>
#include <thread>

#include "cache_line.hpp"
#include "sequence.hpp"

namespace ringbuffers {

inline constexpr std::int64_t kAlerted = std::numeric_limits<std::int64_t>::min();

// Lowest latency, burns its core. Spins with PAUSE (see cpu_relax for why that is faster here).
struct BusySpinWait {
  static constexpr const char* kName = "busy-spin";

  template <class Available>
  std::int64_t wait_for(std::int64_t seq, const Sequence& /*cursor*/, Available&& available,
                        const std::atomic<bool>& alert) noexcept {
    std::int64_t bound;
    while ((bound = available()) < seq) {
      // Relaxed: the alert is only a stop request; halting carries no data.
      if (alert.load(std::memory_order_relaxed)) return kAlerted;
      cpu_relax();
    }
    return bound;
  }
  void signal_all() noexcept {}
  void producer_backoff(std::uint32_t /*attempt*/) noexcept {}
};

// Spins a little, then gives the core away with sched_yield: cheap latency when the other side is
// quick, and leaves the CPU to a busy thread when it is not.
struct YieldingWait {
  static constexpr const char* kName = "yielding";
  static constexpr std::uint32_t kSpinTries = 100;

  template <class Available>
  std::int64_t wait_for(std::int64_t seq, const Sequence& /*cursor*/, Available&& available,
                        const std::atomic<bool>& alert) noexcept {
    std::int64_t bound;
    for (std::uint32_t tries = 0; (bound = available()) < seq; ++tries) {
      if (alert.load(std::memory_order_relaxed)) return kAlerted;
      if (tries < kSpinTries) {
        cpu_relax();
      } else {
        std::this_thread::yield();
      }
    }
    return bound;
  }
  void signal_all() noexcept {}
  void producer_backoff(std::uint32_t attempt) noexcept {
    if (attempt < kSpinTries) {
      cpu_relax();
    } else {
      std::this_thread::yield();
    }
  }
};

// Spin, then yield, then sleep in short naps: for cold consumers (audit log, fund sizing) that must
// not steal a core from the two busy threads.
struct SleepingWait {
  static constexpr const char* kName = "sleeping";
  static constexpr std::uint32_t kSpinTries = 100;
  static constexpr std::uint32_t kYieldTries = 200;
  static constexpr std::chrono::microseconds kNap{50};

  template <class Available>
  std::int64_t wait_for(std::int64_t seq, const Sequence& /*cursor*/, Available&& available,
                        const std::atomic<bool>& alert) noexcept {
    std::int64_t bound;
    for (std::uint32_t tries = 0; (bound = available()) < seq; ++tries) {
      if (alert.load(std::memory_order_relaxed)) return kAlerted;
      producer_backoff(tries);
    }
    return bound;
  }
  void signal_all() noexcept {}
  void producer_backoff(std::uint32_t attempt) noexcept {
    if (attempt < kSpinTries) {
      cpu_relax();
    } else if (attempt < kSpinTries + kYieldTries) {
      std::this_thread::yield();
    } else {
      std::this_thread::sleep_for(kNap);
    }
  }
};

// Sleeps on a condition variable until the producer publishes past `seq`. The producer only takes
// the mutex when a consumer has announced itself as waiting, so a publish costs a fence and a load
// while nobody sleeps. Waiting on upstream consumers (not the cursor) falls back to yielding: those
// consumers do not signal.
class BlockingWait {
 public:
  static constexpr const char* kName = "blocking";

  template <class Available>
  std::int64_t wait_for(std::int64_t seq, const Sequence& cursor, Available&& available,
                        const std::atomic<bool>& alert) noexcept {
    if (cursor.get() < seq) {
      // A handshake with signal_all() through read-modify-writes on waiters_, which are totally
      // ordered: if the producer's RMW comes after this one it reads waiters_ > 0 and notifies; if
      // it comes before, this RMW reads from it (acq_rel), so the producer's cursor store is
      // visible to the cursor loads below. Never neither. (RMWs rather than fences, which
      // ThreadSanitizer cannot model.)
      waiters_.fetch_add(1, std::memory_order_acq_rel);
      {
        std::unique_lock lock(mutex_);
        while (cursor.get() < seq && !alert.load(std::memory_order_relaxed)) {
          // The timeout is a safety net only; correctness rests on the handshake.
          condition_.wait_for(lock, std::chrono::milliseconds(10));
        }
      }
      waiters_.fetch_sub(1, std::memory_order_relaxed);
    }
    std::int64_t bound;
    for (std::uint32_t tries = 0; (bound = available()) < seq; ++tries) {
      if (alert.load(std::memory_order_relaxed)) return kAlerted;
      if (tries < 100) {
        cpu_relax();
      } else {
        std::this_thread::yield();
      }
    }
    return bound;
  }

  void signal_all() noexcept {
    // An RMW, not a load: see the handshake in wait_for. Release orders the cursor store before
    // it; acquire lets us see a waiter that registered first. A locked instruction per publish,
    // which is why only cold consumers use this strategy.
    if (waiters_.fetch_add(0, std::memory_order_acq_rel) == 0) return;
    // Taking the mutex makes the notify land either before the waiter re-checks the cursor (it then
    // sees the new value) or while it sleeps (it is woken).
    std::lock_guard lock(mutex_);
    condition_.notify_all();
  }

  void producer_backoff(std::uint32_t attempt) noexcept {
    if (attempt < 100) {
      cpu_relax();
    } else {
      std::this_thread::yield();
    }
  }

 private:
  alignas(kCacheLinePad) std::atomic<std::int32_t> waiters_{0};
  alignas(kCacheLinePad) std::mutex mutex_;
  std::condition_variable condition_;
};

}  // namespace ringbuffers
