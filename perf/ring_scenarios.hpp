// The ring-buffer scenarios measured by `backstop bench ring` and by bench/ring_bench.cpp: 1P->1C
// throughput (one publish per event, or batched), the same through a mutex-guarded deque (the
// baseline), and thread-to-thread round trips through two rings versus two bare atomics (the
// physical floor). Each call spawns two threads pinned to CPUs 0 and 1 and joins them; cold.
#pragma once

#include <cstdint>

#include "latency_histogram.hpp"

namespace backstop::perf {

struct Event8 {
  std::int64_t value = 0;
};
struct alignas(64) Event64 {
  std::int64_t value = 0;
  std::int64_t rest[7] = {};
};
static_assert(sizeof(Event8) == 8 && sizeof(Event64) == 64);

struct ThroughputResult {
  double events_per_s = 0;
  bool checksum_ok = false;  // the consumer summed exactly what the producer sent
};

// 1P->1C over our ring (busy-spin both sides), `batch` events per claim/publish (1: one each).
ThroughputResult ring_throughput_8b(std::int64_t events, int batch);
ThroughputResult ring_throughput_64b(std::int64_t events, int batch);
// 3P->1C over the multi-producer ring; producers yield when the ring is full (only the consumer and
// one producer at a time can spin usefully on two cores).
ThroughputResult ring_throughput_3p1c(std::int64_t events_per_producer);
// The diamond (journal || risk -> output) with one producer: journal yields, risk and output spin.
ThroughputResult ring_throughput_diamond(std::int64_t events);
// The baseline: std::mutex + std::deque bounded to the ring's capacity, one event per lock, with
// condition variables (the textbook blocking queue).
ThroughputResult blocking_queue_throughput(std::int64_t events);
// The same queue with both sides polling the mutex instead of waiting on condition variables.
ThroughputResult spinning_mutex_queue_throughput(std::int64_t events);

// `samples` round trips (after a warm-up) recorded into `histogram`, in ns.
void ring_round_trips(std::int64_t samples, LatencyHistogram& histogram);
void atomic_round_trips(std::int64_t samples, LatencyHistogram& histogram);

inline constexpr std::int64_t kRingSize = 1 << 16;

}  // namespace backstop::perf
