// `backstop bench ring`: 1P->1C throughput of our ring (8-byte events one per publish, batches of
// 10, 64-byte events batched), the mutex-queue baseline and the ratio, and the round-trip latency
// through two rings against a bare two-atomic ping-pong, all measured in this one run.
#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "harnesses.hpp"
#include "latency_histogram.hpp"
#include "ring_scenarios.hpp"

namespace backstop::perf {
namespace {

template <class Run>
ThroughputResult median_of(int runs, Run&& run) {
  std::vector<ThroughputResult> results;
  for (int i = 0; i < runs; ++i)
    results.push_back(run());
  std::sort(results.begin(), results.end(),
            [](const auto& a, const auto& b) { return a.events_per_s < b.events_per_s; });
  ThroughputResult median = results[results.size() / 2];
  for (const auto& r : results)
    median.checksum_ok = median.checksum_ok && r.checksum_ok;
  return median;
}

}  // namespace

int run_ring_harness(const BenchOptions& options) {
  const double scale = options.seconds > 0 ? options.seconds : 1.0;
  const auto n = [&](double base) { return static_cast<std::int64_t>(base * scale); };
  constexpr int kRuns = 5;

  const ThroughputResult single = median_of(kRuns, [&] { return ring_throughput_8b(n(50e6), 1); });
  const ThroughputResult batched =
      median_of(kRuns, [&] { return ring_throughput_8b(n(100e6), 10); });
  const ThroughputResult wide = median_of(kRuns, [&] { return ring_throughput_64b(n(30e6), 10); });
  const ThroughputResult mutex = median_of(3, [&] { return blocking_queue_throughput(n(2e6)); });
  const ThroughputResult spin_mutex =
      median_of(3, [&] { return spinning_mutex_queue_throughput(n(3e6)); });

  // Alternate floor and ring so that both see the same machine weather.
  LatencyHistogram ring_rtt, floor_rtt;
  for (int round = 0; round < 2; ++round) {
    atomic_round_trips(n(250'000), floor_rtt);
    ring_round_trips(n(250'000), ring_rtt);
  }

  const bool ok = single.checksum_ok && batched.checksum_ok && wide.checksum_ok &&
                  mutex.checksum_ok && spin_mutex.checksum_ok;
  const double ratio = single.events_per_s / mutex.events_per_s;
  const double spin_ratio = single.events_per_s / spin_mutex.events_per_s;
  const double rtt_ratio = static_cast<double>(ring_rtt.percentile(0.5)) /
                           static_cast<double>(floor_rtt.percentile(0.5));

  if (options.json) {
    fmt::print(
        "{{\"throughput_eps\":{:.0f},\"batched_throughput_eps\":{:.0f},"
        "\"throughput_64b_eps\":{:.0f},\"mutex_throughput_eps\":{:.0f},\"ratio\":{:.2f},"
        "\"spinning_mutex_throughput_eps\":{:.0f},\"spinning_mutex_ratio\":{:.2f},"
        "\"rtt_p50_ns\":{},\"rtt_p99_ns\":{},\"rtt_p999_ns\":{},\"rtt_max_ns\":{},"
        "\"floor_rtt_p50_ns\":{},\"floor_rtt_p99_ns\":{},\"floor_rtt_p999_ns\":{},"
        "\"floor_rtt_max_ns\":{},\"rtt_to_floor_p50_ratio\":{:.3f},\"runs\":{},"
        "\"checksums_ok\":{}}}\n",
        single.events_per_s, batched.events_per_s, wide.events_per_s, mutex.events_per_s, ratio,
        spin_mutex.events_per_s, spin_ratio, ring_rtt.percentile(0.5), ring_rtt.percentile(0.99),
        ring_rtt.percentile(0.999), ring_rtt.max(), floor_rtt.percentile(0.5),
        floor_rtt.percentile(0.99), floor_rtt.percentile(0.999), floor_rtt.max(), rtt_ratio, kRuns,
        ok ? "true" : "false");
    return ok ? 0 : 1;
  }
  fmt::print(
      "ring buffer, 1 producer -> 1 consumer (busy-spin, threads pinned to CPUs 0 and 1), "
      "median of {} runs\n",
      kRuns);
  fmt::print("  8-byte events, one publish each      {:>8.1f} M events/s\n",
             single.events_per_s / 1e6);
  fmt::print("  8-byte events, batches of 10         {:>8.1f} M events/s\n",
             batched.events_per_s / 1e6);
  fmt::print("  64-byte events, batches of 10        {:>8.1f} M events/s\n",
             wide.events_per_s / 1e6);
  fmt::print("baselines, 8-byte events, one per lock\n");
  fmt::print("  mutex + deque + condition variables  {:>8.1f} M events/s   ring is {:.1f}x\n",
             mutex.events_per_s / 1e6, ratio);
  fmt::print("  mutex + deque, both sides polling    {:>8.1f} M events/s   ring is {:.1f}x\n",
             spin_mutex.events_per_s / 1e6, spin_ratio);
  fmt::print("round trip between the two threads (ns)      p50     p99   p99.9     max\n");
  fmt::print("  through two rings                      {:>7} {:>7} {:>7} {:>7}\n",
             ring_rtt.percentile(0.5), ring_rtt.percentile(0.99), ring_rtt.percentile(0.999),
             ring_rtt.max());
  fmt::print("  bare two-atomic ping-pong (floor)      {:>7} {:>7} {:>7} {:>7}\n",
             floor_rtt.percentile(0.5), floor_rtt.percentile(0.99), floor_rtt.percentile(0.999),
             floor_rtt.max());
  fmt::print("  ring p50 / floor p50 = {:.2f}\n", rtt_ratio);
  fmt::print("checksums: {}\n", ok ? "ok" : "MISMATCH");
  return ok ? 0 : 1;
}

}  // namespace backstop::perf
