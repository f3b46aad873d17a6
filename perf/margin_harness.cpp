// `backstop bench margin --accounts N [--json]`: the risk core's costs at one population size.
// Builds N accounts holding 1-3 linear positions each (perf/margin_population.hpp), then measures
// on the harness thread (pinned to CPU 1 where allowed):
//   - a mark tick that fires nothing, through the trigger index (each tick timed with the TSC),
//   - the same tick plus a brute-force rescan of every account (the baseline),
//   - a fill between two accounts (both recomputed, their triggers moved): uniform and skewed,
//   - a funding event (rebuild of every holder's triggers),
//   - the same tick at 1,000 accounts, for the scaling ratio,
//   - bytes per account and per position,
// and fails (exit 1) unless the index and a full rescan agree on the liquidatable set at the end.
// Cold code; single-threaded.
#include <x86intrin.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

#include <fmt/core.h>

#include "harnesses.hpp"
#include "latency_histogram.hpp"
#include "margin_population.hpp"
#include "support/engine_checks.hpp"
#include "thread_tools.hpp"

namespace backstop::perf {

namespace {

// TSC ticks per nanosecond, measured against the steady clock over ~50 ms.
double tsc_per_ns() {
  const std::uint64_t t0 = now_ns();
  const std::uint64_t c0 = __rdtsc();
  while (now_ns() - t0 < 50'000'000) {
  }
  const std::uint64_t t1 = now_ns();
  const std::uint64_t c1 = __rdtsc();
  return static_cast<double>(c1 - c0) / static_cast<double>(t1 - t0);
}

inline std::uint64_t stamp() noexcept {
  _mm_lfence();  // keep the measured work between the two stamps
  const std::uint64_t t = __rdtsc();
  _mm_lfence();
  return t;
}

// The median cost of an empty stamp pair, subtracted from every sample.
std::uint64_t stamp_overhead_ticks() {
  std::vector<std::uint64_t> v(10'001);
  for (auto& x : v) {
    const std::uint64_t a = stamp();
    x = stamp() - a;
  }
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

struct TickStats {
  LatencyHistogram hist;
  double mean_ns = 0;
  std::uint64_t fired = 0;
};

// `ticks` marks alternating 1-4 ticks around the start: they cross no trigger.
TickStats measure_ticks(RiskEngine& e, std::uint32_t ticks, double per_ns, std::uint64_t overhead) {
  TickStats s;
  const std::int64_t m0 = e.instrument_state(kTickedInstrument).mark;
  auto mark_at = [m0](std::uint32_t k) {
    return Price{m0 + ((k & 1) ? 1 : -1) * static_cast<std::int64_t>(1 + (k & 3))};
  };
  for (std::uint32_t k = 0; k < 100'000; ++k)
    e.process(make_mark(kTickedInstrument, mark_at(k)));
  const std::uint64_t fired_before = e.triggers_fired();
  const std::uint64_t start = stamp();
  for (std::uint32_t k = 0; k < ticks; ++k) {
    const Event ev = make_mark(kTickedInstrument, mark_at(k));
    const std::uint64_t a = stamp();
    e.process(ev);
    const std::uint64_t b = stamp();
    const std::uint64_t d = b - a > overhead ? b - a - overhead : 0;
    s.hist.record(static_cast<std::uint64_t>(static_cast<double>(d) / per_ns));
  }
  // Batch mean (no per-tick stamps) as a cross-check of the per-tick figures.
  const std::uint64_t batch_start = stamp();
  for (std::uint32_t k = 0; k < ticks; ++k)
    e.process(make_mark(kTickedInstrument, mark_at(k)));
  s.mean_ns = static_cast<double>(stamp() - batch_start) / per_ns / ticks;
  (void)start;
  s.fired = e.triggers_fired() - fired_before;
  return s;
}

// Rescan baseline: the same tick, then every account recomputed.
LatencyHistogram measure_rescan(RiskEngine& e, std::int64_t accounts) {
  LatencyHistogram rescan;
  const std::int64_t m0 = e.instrument_state(kTickedInstrument).mark;
  const int samples = static_cast<int>(std::clamp<std::int64_t>(200'000'000 / accounts, 7, 2001));
  std::uint32_t liquidatable = 0;
  for (int k = 0; k < samples; ++k) {
    const std::uint64_t a = now_ns();
    e.process(make_mark(kTickedInstrument, Price{m0 + ((k & 1) ? 1 : -1)}));
    liquidatable += checks::rescan_liquidatable(e);
    rescan.record(now_ns() - a);
  }
  if (liquidatable != 0) fmt::print(stderr, "rescan found liquidatable accounts\n");
  return rescan;
}

// Fills between pairs (accounts 2k+1, 2k+2 hold the same instruments), alternating direction so
// the population stays as built. Uniform: every pair equally likely (the cache-hostile worst
// case). Skewed: 90% of fills among 1% of the pairs, as when market makers take most fills.
LatencyHistogram measure_fills(RiskEngine& e, std::uint32_t accounts, bool skewed, double per_ns,
                               std::uint64_t overhead) {
  LatencyHistogram h;
  std::uint64_t x = 88172645463325252ull;
  const std::uint32_t pairs = accounts / 2;
  const std::uint32_t hot = std::max<std::uint32_t>(1, pairs / 100);
  auto next_pair = [&] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const bool in_hot = skewed && (x >> 60) < 15;  // 15/16 ~ 94% ~ "90%"
    return static_cast<std::uint32_t>((x >> 8) % (in_hot ? hot : pairs)) * 2;
  };
  for (std::uint32_t k = 0; k < 600'000; ++k) {
    const std::uint32_t a = next_pair();
    const Position& p = e.positions(a)[0];
    const Event ev = make_fill(p.instrument, (k & 1) ? Side::kBuy : Side::kSell, a + 1, a + 2,
                               Price{e.instrument_state(p.instrument).mark}, Qty{1});
    const std::uint64_t t0 = stamp();
    e.process(ev);
    const std::uint64_t t1 = stamp();
    if (k >= 100'000) {  // the first 100k warm the caches and settle the triggers
      const std::uint64_t d = t1 - t0 > overhead ? t1 - t0 - overhead : 0;
      h.record(static_cast<std::uint64_t>(static_cast<double>(d) / per_ns));
    }
  }
  return h;
}

// Funding: every holder of the instrument has its triggers rebuilt.
LatencyHistogram measure_funding(RiskEngine& e, std::int64_t accounts) {
  LatencyHistogram funding;
  for (int k = 0; k < (accounts >= 500'000 ? 3 : 11); ++k) {
    const std::uint64_t a = now_ns();
    e.process(make_funding(kTickedInstrument, (k & 1) ? 10'000 : -10'000));
    funding.record(now_ns() - a);
  }
  return funding;
}

struct MarginResults {
  std::int64_t accounts = 0;
  std::uint64_t positions = 0;
  std::uint64_t holders = 0;
  double build_s = 0;
  bool pinned = false;
  TickStats tick;
  TickStats tick_1k;
  std::size_t flagged_1k = 0;
  LatencyHistogram rescan;
  LatencyHistogram fill;
  LatencyHistogram fill_skewed;
  LatencyHistogram funding;
  double bytes_per_account = 0;
  double bytes_per_account_2pos = 0;
  double bytes_per_position = 0;
  bool index_ok = false;
  bool sets_agree = false;

  bool ok() const { return index_ok && sets_agree && tick.fired == 0; }
  double ratio() const {
    return static_cast<double>(rescan.percentile(0.5)) /
           std::max(1.0, static_cast<double>(tick.hist.percentile(0.5)));
  }
  double scaling() const {
    return static_cast<double>(tick.hist.percentile(0.5)) /
           std::max(1.0, static_cast<double>(tick_1k.hist.percentile(0.5)));
  }
};

void print_json(const MarginResults& r) {
  fmt::print(
      "{{\"accounts\":{},\"positions\":{},\"holders_of_ticked_instrument\":{},"
      "\"mark_tick_ns_p50\":{},\"mark_tick_ns_p99\":{},\"mark_tick_ns_max\":{},"
      "\"mark_tick_ns_mean_batch\":{:.1f},\"mark_tick_ns_p50_1k\":{},\"mark_tick_scaling_vs_1k\":"
      "{:.2f},"
      "\"rescan_tick_ns_p50\":{},\"index_vs_rescan_ratio\":{:.0f},"
      "\"fill_ns_p50\":{},\"fill_ns_p99\":{},\"fill_skewed_ns_p50\":{},\"fill_skewed_ns_p99\":{},"
      "\"funding_rebuild_ns_p50\":{},"
      "\"bytes_per_account\":{:.1f},\"bytes_per_account_2_positions\":{:.1f},"
      "\"bytes_per_position\":{:.1f},\"build_s\":{:.2f},\"pinned\":{},\"check_ok\":{}}}\n",
      r.accounts, r.positions, r.holders, r.tick.hist.percentile(0.5), r.tick.hist.percentile(0.99),
      r.tick.hist.max(), r.tick.mean_ns, r.tick_1k.hist.percentile(0.5), r.scaling(),
      r.rescan.percentile(0.5), r.ratio(), r.fill.percentile(0.5), r.fill.percentile(0.99),
      r.fill_skewed.percentile(0.5), r.fill_skewed.percentile(0.99), r.funding.percentile(0.5),
      r.bytes_per_account, r.bytes_per_account_2pos, r.bytes_per_position, r.build_s, r.pinned,
      r.ok());
}

void print_text(const MarginResults& r) {
  fmt::print(
      "risk core, {} accounts ({} positions, {} holding the ticked instrument), built in "
      "{:.2f} s; harness thread {}pinned\n",
      r.accounts, r.positions, r.holders, r.build_s, r.pinned ? "" : "not ");
  fmt::print("  {:<38} {:>10} {:>10} {:>10}\n", "ns", "p50", "p99", "max");
  fmt::print("  {:<38} {:>10} {:>10} {:>10}   (batch mean {:.1f})\n",
             "mark tick, index, fires nothing", r.tick.hist.percentile(0.5),
             r.tick.hist.percentile(0.99), r.tick.hist.max(), r.tick.mean_ns);
  fmt::print("  {:<38} {:>10} {:>10} {:>10}   (batch mean {:.1f}, flagged {})\n",
             "mark tick, index, 1k accounts", r.tick_1k.hist.percentile(0.5),
             r.tick_1k.hist.percentile(0.99), r.tick_1k.hist.max(), r.tick_1k.mean_ns,
             r.flagged_1k);
  const auto row = [](const char* what, const LatencyHistogram& h) {
    fmt::print("  {:<38} {:>10} {:>10} {:>10}\n", what, h.percentile(0.5), h.percentile(0.99),
               h.max());
  };
  row("mark tick, full rescan", r.rescan);
  row("fill (2 accounts), uniform pairs", r.fill);
  row("fill, 90% among 1% of pairs", r.fill_skewed);
  row("funding (rebuild holders' triggers)", r.funding);
  fmt::print("  index vs rescan: {:.0f}x; tick at N vs 1k: {:.2f}x\n", r.ratio(), r.scaling());
  fmt::print(
      "  bytes per account {:.1f} (capacity 3 positions), {:.1f} (capacity 2); per open "
      "position {:.1f}\n",
      r.bytes_per_account, r.bytes_per_account_2pos, r.bytes_per_position);
  fmt::print("  check: index sound {}, index and rescan agree {}, ticks fired {}\n", r.index_ok,
             r.sets_agree, r.tick.fired);
}

}  // namespace

int run_margin_harness(const BenchOptions& options) {
  MarginResults r;
  r.accounts = options.accounts > 0 ? options.accounts : 1'000'000;
  r.accounts = std::max<std::int64_t>(2, r.accounts + (r.accounts % 2));
  r.pinned = pin_current_thread(1);
  const double per_ns = tsc_per_ns();
  const std::uint64_t overhead = stamp_overhead_ticks();

  const std::uint64_t build_start = now_ns();
  MarginPopulation pop =
      build_margin_population(static_cast<std::uint32_t>(r.accounts), 3, 20251010);
  r.build_s = static_cast<double>(now_ns() - build_start) / 1e9;
  r.positions = pop.open_positions;
  r.holders = pop.holders_of_instrument0;
  RiskEngine& e = *pop.engine;

  r.tick = measure_ticks(e, 1'000'000, per_ns, overhead);
  r.rescan = measure_rescan(e, r.accounts);
  r.fill = measure_fills(e, pop.accounts, false, per_ns, overhead);
  r.fill_skewed = measure_fills(e, pop.accounts, true, per_ns, overhead);
  r.funding = measure_funding(e, r.accounts);

  // The same tick at 1,000 accounts, for the scaling ratio.
  MarginPopulation small = build_margin_population(1'000, 3, 7);
  r.tick_1k = measure_ticks(*small.engine, 1'000'000, per_ns, overhead);
  r.flagged_1k = small.engine->liquidatable().size();

  // Memory: this population (capacity 3 positions per account), and an account sized for exactly
  // 2 positions in the same 3-instrument venue.
  const auto n = static_cast<double>(r.accounts);
  r.bytes_per_account = static_cast<double>(e.memory_bytes()) / n;
  const double position_bytes =
      n * 3 * sizeof(Position) + n * e.instrument_count() * sizeof(TriggerEntry);
  r.bytes_per_position = position_bytes / static_cast<double>(pop.open_positions);
  {
    RiskEngine two(margin_population_config(static_cast<std::uint32_t>(r.accounts), 2));
    r.bytes_per_account_2pos = static_cast<double>(two.memory_bytes()) / n;
  }

  // Correctness: the index and a full rescan agree, and the heaps are sound.
  r.index_ok = checks::verify_index(e);
  r.sets_agree = checks::rescan_liquidatable(e) == e.liquidatable().size();
  if (options.json) {
    print_json(r);
  } else {
    print_text(r);
  }
  return r.ok() ? 0 : 1;
}

}  // namespace backstop::perf
