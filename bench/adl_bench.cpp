// Loss-waterfall micro-benchmarks, sweeping the opposite side's positions (1k .. 1M shorts of one
// BTCUSDT-like instrument, one position per account, leverage 2-50x):
//   BM_Adl_LiquidationRanked  one Fill that leaves a fresh account bankrupt: takeover, no fund,
//                             ranked ADL (BitMEX score) through the ranking cache (band 10 ppm)
//   BM_Adl_FullSort           the baseline: score every short exactly and sort them
// The harness `backstop bench adl` measures the same with percentiles and checks exactness.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "backstop/instrument_presets.hpp"
#include "backstop/risk_engine.hpp"

namespace {

using namespace backstop;

constexpr std::uint64_t kBackstop = 1;
constexpr std::uint64_t kWhale = 2;
constexpr std::uint64_t kFirstDefaulter = 10;
constexpr std::uint64_t kFirstShort = 1'000'000'000;
constexpr std::int64_t kMark = 600'000;
constexpr std::uint32_t kDefaulters = 200'000;

struct Scene {
  std::unique_ptr<RiskEngine> engine;
  std::int64_t shorts = 0;
  std::uint64_t next_defaulter = kFirstDefaulter;
};

Scene& scene(std::int64_t shorts) {
  static std::unique_ptr<Scene> cached;
  if (cached && cached->shorts == shorts) return *cached;
  cached.reset();
  auto s = std::make_unique<Scene>();
  s->shorts = shorts;
  RiskConfig c;
  c.max_accounts = static_cast<std::uint32_t>(shorts + kDefaulters + 16);
  c.positions_per_account = 2;
  c.instruments = {presets::btcusdt_linear(0)};
  c.instruments[0].max_position = Qty{200'000'000};
  c.instruments[0].max_price = Price{10'000'000};
  c.waterfall.mode = LiquidationMode::kTakeover;
  c.waterfall.backstop_accounts = {kBackstop};
  c.waterfall.adl_band_ppm = 10;
  c.waterfall.audit_capacity = 4096;
  s->engine = std::make_unique<RiskEngine>(c);
  RiskEngine& e = *s->engine;
  const std::int64_t mult = e.instrument_risk(0).multiplier;
  e.process(make_open_account(kBackstop, 0));
  e.process(make_deposit(kBackstop, Money{std::int64_t{1} << 58}));
  e.process(make_open_account(kWhale, 0));
  e.process(make_deposit(kWhale, Money{std::int64_t{1} << 58}));
  std::mt19937_64 rng(42);
  for (std::int64_t k = 0; k < shorts; ++k) {
    const std::uint64_t id = kFirstShort + static_cast<std::uint64_t>(k);
    const std::int64_t lots = 1 + static_cast<std::int64_t>(rng() % 100);
    const std::int64_t entry = kMark * 95 / 100 + static_cast<std::int64_t>(rng() % (kMark / 10));
    const std::int64_t lev = 2 + static_cast<std::int64_t>(rng() % 49);
    const std::int64_t under = std::max<std::int64_t>(0, (kMark - entry) * lots * mult);
    e.process(make_open_account(id, 0));
    e.process(make_deposit(id, Money{lots * entry * mult / lev + under + 1}));
    e.process(make_fill(0, Side::kSell, id, kWhale, Price{entry}, Qty{lots}));
  }
  e.refresh_adl_ranking();
  cached = std::move(s);
  return *cached;
}

void BM_Adl_LiquidationRanked(benchmark::State& state) {
  Scene& s = scene(state.range(0));
  RiskEngine& e = *s.engine;
  const std::int64_t mult = e.instrument_risk(0).multiplier;
  const std::int64_t max_lots = std::clamp<std::int64_t>(s.shorts / 40, 2, 500);
  std::mt19937_64 rng(7);
  std::uint64_t fills = 0;
  std::int64_t k = 0;
  for (auto _ : state) {
    state.PauseTiming();
    if (++k % 200 == 0) e.refresh_adl_ranking();  // the owner's periodic cold refresh
    const std::uint64_t id = s.next_defaulter++;
    const std::int64_t lots = 1 + static_cast<std::int64_t>(rng() % max_lots);
    e.process(make_open_account(id, 0));
    e.process(make_deposit(id, Money{lots * kMark * mult / 200 + 1}));
    const Event fill = make_fill(0, Side::kBuy, id, kWhale, Price{kMark * 110 / 100}, Qty{lots});
    state.ResumeTiming();
    benchmark::DoNotOptimize(e.process(fill));
    fills += e.waterfall_state().adl_fills;
  }
  state.counters["positions"] = static_cast<double>(s.shorts);
  state.counters["adl_fills_total"] = static_cast<double>(e.waterfall_state().adl_fills);
}

void BM_Adl_FullSort(benchmark::State& state) {
  Scene& s = scene(state.range(0));
  const RiskEngine& e = *s.engine;
  std::vector<AdlRanking::Candidate> all;
  all.reserve(static_cast<std::size_t>(s.shorts) + 16);
  const InstrumentRisk& r = e.instrument_risk(0);
  for (auto _ : state) {
    all.clear();
    const std::int64_t mark = e.instrument_state(0).mark;
    for (std::uint32_t slot = 0; slot < e.account_count(); ++slot) {
      for (const Position& p : e.positions(slot)) {
        if (p.qty >= 0) continue;
        const AdlInputs in{value_down(r, p.qty, mark),
                           p.cost,
                           e.account(slot).balance,
                           e.slot_margin(slot).equity,
                           maintenance_margin(r, p.qty, p.cost, mark),
                           true};
        all.push_back({adl_score(AdlScore::kBitmex, in), e.account(slot).id, slot});
      }
    }
    std::sort(all.begin(), all.end(), AdlRanking::better);
    benchmark::DoNotOptimize(all.data());
  }
  state.counters["positions"] = static_cast<double>(s.shorts);
}

BENCHMARK(BM_Adl_LiquidationRanked)->Arg(1'000)->Arg(100'000)->Arg(1'000'000)->Iterations(2'000);
BENCHMARK(BM_Adl_FullSort)->Arg(1'000)->Arg(100'000)->Arg(1'000'000)->Iterations(5);

}  // namespace
