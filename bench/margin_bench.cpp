// Risk-core micro-benchmarks, sweeping the number of accounts (1k .. 1M, 1-3 positions each):
//   BM_Margin_MarkTickIndex   a mark tick that fires nothing, through the trigger index
//   BM_Margin_MarkTickRescan  the same tick followed by a brute-force rescan of every account
//   BM_Margin_Fill            a fill between two accounts (both recomputed, triggers moved)
//   BM_Margin_FundingRebuild  a funding event: every holder's triggers rebuilt
// Counters: accounts, holders of the ticked instrument, triggers fired (0 for the tick cases).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>

#include "margin_population.hpp"
#include "support/engine_checks.hpp"

namespace {

using backstop::perf::MarginPopulation;

// One population at a time (1M accounts take ~200 MB), rebuilt when the size changes.
MarginPopulation& population(std::uint32_t accounts) {
  static std::unique_ptr<MarginPopulation> cached;
  if (!cached || cached->accounts != accounts) {
    cached.reset();
    cached = std::make_unique<MarginPopulation>(
        backstop::perf::build_margin_population(accounts, 3, 42));
  }
  return *cached;
}

void report(benchmark::State& state, const MarginPopulation& pop, std::uint64_t fired_before) {
  state.counters["accounts"] = pop.accounts;
  state.counters["holders"] = static_cast<double>(pop.holders_of_instrument0);
  state.counters["fired"] = static_cast<double>(pop.engine->triggers_fired() - fired_before);
}

// +-1..4 ticks around the start mark: a normal tick that crosses no trigger. Both tick benchmarks
// move the mark the same way so that their ratio compares like with like.
std::int64_t quiet_mark(std::int64_t m0, std::int64_t k) {
  return m0 + ((k & 1) ? 1 : -1) * (1 + (k & 3));
}

void BM_Margin_MarkTickIndex(benchmark::State& state) {
  MarginPopulation& pop = population(static_cast<std::uint32_t>(state.range(0)));
  backstop::RiskEngine& e = *pop.engine;
  const std::int64_t m0 = e.instrument_state(backstop::perf::kTickedInstrument).mark;
  const std::uint64_t fired = e.triggers_fired();
  std::int64_t k = 0;
  for (auto _ : state) {
    const std::int64_t m = quiet_mark(m0, k++);
    benchmark::DoNotOptimize(
        e.process(backstop::make_mark(backstop::perf::kTickedInstrument, backstop::Price{m})));
  }
  report(state, pop, fired);
}

void BM_Margin_MarkTickRescan(benchmark::State& state) {
  MarginPopulation& pop = population(static_cast<std::uint32_t>(state.range(0)));
  backstop::RiskEngine& e = *pop.engine;
  const std::int64_t m0 = e.instrument_state(backstop::perf::kTickedInstrument).mark;
  const std::uint64_t fired = e.triggers_fired();
  std::int64_t k = 0;
  for (auto _ : state) {
    const std::int64_t m = quiet_mark(m0, k++);
    e.process(backstop::make_mark(backstop::perf::kTickedInstrument, backstop::Price{m}));
    benchmark::DoNotOptimize(backstop::checks::rescan_liquidatable(e));
  }
  report(state, pop, fired);
}

void BM_Margin_Fill(benchmark::State& state) {
  MarginPopulation& pop = population(static_cast<std::uint32_t>(state.range(0)));
  backstop::RiskEngine& e = *pop.engine;
  const std::uint64_t fired = e.triggers_fired();
  std::uint64_t x = 88172645463325252ull;
  std::uint64_t k = 0;
  for (auto _ : state) {
    // A random pair trades 1 lot of an instrument both hold, alternating direction so that the
    // population stays as built.
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const std::uint32_t a = static_cast<std::uint32_t>(x % (pop.accounts / 2)) * 2;
    const backstop::Position& p = e.positions(a)[0];
    const backstop::Side side = (k++ & 1) ? backstop::Side::kBuy : backstop::Side::kSell;
    benchmark::DoNotOptimize(e.process(backstop::make_fill(
        p.instrument, side, a + 1, a + 2, backstop::Price{e.instrument_state(p.instrument).mark},
        backstop::Qty{1})));
  }
  report(state, pop, fired);
}

void BM_Margin_FundingRebuild(benchmark::State& state) {
  MarginPopulation& pop = population(static_cast<std::uint32_t>(state.range(0)));
  backstop::RiskEngine& e = *pop.engine;
  const std::uint64_t fired = e.triggers_fired();
  std::int64_t k = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(e.process(
        backstop::make_funding(backstop::perf::kTickedInstrument, (k++ & 1) ? 10'000 : -10'000)));
  }
  report(state, pop, fired);
}

BENCHMARK(BM_Margin_MarkTickIndex)->RangeMultiplier(10)->Range(1'000, 1'000'000);
BENCHMARK(BM_Margin_MarkTickRescan)
    ->RangeMultiplier(10)
    ->Range(1'000, 1'000'000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Margin_Fill)->RangeMultiplier(10)->Range(1'000, 1'000'000);
BENCHMARK(BM_Margin_FundingRebuild)
    ->RangeMultiplier(10)
    ->Range(1'000, 1'000'000)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
