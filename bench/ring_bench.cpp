// Ring-buffer micro-benchmarks: 1P->1C throughput against a mutex-guarded queue in the same binary,
// 3P->1C and the diamond, and LMAX's false-sharing check (padded vs unpadded sequences).
#include <benchmark/benchmark.h>

#include <atomic>
#include <thread>

#include "ring_scenarios.hpp"
#include "ringbuffers/sequence.hpp"
#include "thread_tools.hpp"

namespace {

using backstop::perf::ThroughputResult;

void report(benchmark::State& state, const ThroughputResult& r, std::int64_t events) {
  state.SetIterationTime(static_cast<double>(events) / r.events_per_s);
  state.counters["events_per_s"] = r.events_per_s;
  if (!r.checksum_ok) state.SkipWithError("checksum mismatch");
}

void BM_Ring_OneToOne(benchmark::State& state) {
  const std::int64_t events = 20'000'000;
  const int batch = static_cast<int>(state.range(0));
  for (auto _ : state)
    report(state, backstop::perf::ring_throughput_8b(events, batch), events);
  state.SetItemsProcessed(state.iterations() * events);
}
BENCHMARK(BM_Ring_OneToOne)->Arg(1)->Arg(10)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_Ring_OneToOne64Byte(benchmark::State& state) {
  const std::int64_t events = 10'000'000;
  for (auto _ : state)
    report(state, backstop::perf::ring_throughput_64b(events, 10), events);
  state.SetItemsProcessed(state.iterations() * events);
}
BENCHMARK(BM_Ring_OneToOne64Byte)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_MutexQueue_OneToOneBlocking(benchmark::State& state) {
  const std::int64_t events = 2'000'000;
  for (auto _ : state)
    report(state, backstop::perf::blocking_queue_throughput(events), events);
  state.SetItemsProcessed(state.iterations() * events);
}
BENCHMARK(BM_MutexQueue_OneToOneBlocking)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_MutexQueue_OneToOneSpinning(benchmark::State& state) {
  const std::int64_t events = 2'000'000;
  for (auto _ : state)
    report(state, backstop::perf::spinning_mutex_queue_throughput(events), events);
  state.SetItemsProcessed(state.iterations() * events);
}
BENCHMARK(BM_MutexQueue_OneToOneSpinning)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_Ring_ThreeToOne(benchmark::State& state) {
  const std::int64_t per_producer = 3'000'000;
  for (auto _ : state)
    report(state, backstop::perf::ring_throughput_3p1c(per_producer), 3 * per_producer);
  state.SetItemsProcessed(state.iterations() * 3 * per_producer);
}
BENCHMARK(BM_Ring_ThreeToOne)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_Ring_Diamond(benchmark::State& state) {
  const std::int64_t events = 5'000'000;
  for (auto _ : state)
    report(state, backstop::perf::ring_throughput_diamond(events), events);
  state.SetItemsProcessed(state.iterations() * events);
}
BENCHMARK(BM_Ring_Diamond)->UseManualTime()->Unit(benchmark::kMillisecond);

// Two threads each store to their own counter. Padded: each counter is a ringbuffers::Sequence,
// alone on its lines. Unpadded: both counters share one cache line, which then bounces between the
// cores on every store.
struct UnpaddedPair {
  std::atomic<std::int64_t> a{0};
  std::atomic<std::int64_t> b{0};
};

template <class A, class B>
void two_writers(A& a, B& b, std::int64_t stores) {
  std::thread t0([&] {
    backstop::perf::pin_current_thread(0);
    for (std::int64_t i = 0; i < stores; ++i)
      a(i);
  });
  std::thread t1([&] {
    backstop::perf::pin_current_thread(1);
    for (std::int64_t i = 0; i < stores; ++i)
      b(i);
  });
  t0.join();
  t1.join();
}

void BM_Sequence_FalseSharingPadded(benchmark::State& state) {
  const std::int64_t stores = 20'000'000;
  ringbuffers::Sequence a, b;
  auto wa = [&](std::int64_t i) { a.set(i); };
  auto wb = [&](std::int64_t i) { b.set(i); };
  for (auto _ : state)
    two_writers(wa, wb, stores);
  state.SetItemsProcessed(state.iterations() * 2 * stores);
}
BENCHMARK(BM_Sequence_FalseSharingPadded)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Sequence_FalseSharingUnpadded(benchmark::State& state) {
  const std::int64_t stores = 20'000'000;
  UnpaddedPair pair;
  auto wa = [&](std::int64_t i) { pair.a.store(i, std::memory_order_release); };
  auto wb = [&](std::int64_t i) { pair.b.store(i, std::memory_order_release); };
  for (auto _ : state)
    two_writers(wa, wb, stores);
  state.SetItemsProcessed(state.iterations() * 2 * stores);
}
BENCHMARK(BM_Sequence_FalseSharingUnpadded)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
