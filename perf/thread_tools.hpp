// Helpers for harness threads: pinning to a core and a monotonic nanosecond clock. Cold set-up
// (pin) and a vDSO clock read (now_ns, ~20 ns) per call.
#pragma once

#include <pthread.h>
#include <sched.h>

#include <chrono>
#include <cstdint>
#include <thread>

namespace backstop::perf {

// Pins the calling thread to `cpu` modulo the online CPU count; false when the OS refuses (the
// harness still runs, unpinned).
inline bool pin_current_thread(unsigned cpu) noexcept {
  const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu % cpus, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
}

inline std::uint64_t now_ns() noexcept {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

}  // namespace backstop::perf
