// Option micro-benchmarks (docs/options.md):
//   BM_Options_Black76Price    one Black-76 price
//   BM_Options_Black76Greeks   one price with its greeks
//   BM_Options_PortfolioMargin one book's full grid (35 scenarios by default), sweeping the number
//                              of options (2 .. 64) beside one perpetual
//   BM_Options_RevaluationBand one book's revaluation band (revaluation_band.hpp), the same books,
//                              under portfolio margin (argument 1) or standard margin (0)
// Counters: options, scenarios.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "backstop/options/black76.hpp"
#include "backstop/options/portfolio_margin.hpp"
#include "backstop/options/revaluation_band.hpp"

namespace {

using namespace backstop;

void BM_Options_Black76Price(benchmark::State& state) {
  Black76Inputs in{60000.0, 65000.0, 30.0 / 365.0, 0.6};
  for (auto _ : state) {
    in.forward += 0.5;  // a new input each time: nothing to hoist
    benchmark::DoNotOptimize(black76_price(OptionRight::kCall, in));
  }
}
BENCHMARK(BM_Options_Black76Price);

void BM_Options_Black76Greeks(benchmark::State& state) {
  Black76Inputs in{60000.0, 65000.0, 30.0 / 365.0, 0.6};
  for (auto _ : state) {
    in.forward += 0.5;
    benchmark::DoNotOptimize(black76(OptionRight::kPut, in));
  }
}
BENCHMARK(BM_Options_Black76Greeks);

std::vector<PortfolioOption> bench_options(std::int64_t n) {
  std::vector<PortfolioOption> options;
  for (std::int64_t i = 0; i < n; ++i) {
    const OptionRight right = i % 2 == 0 ? OptionRight::kCall : OptionRight::kPut;
    options.push_back(PortfolioOption{right, 50000 + 1000 * (i % 20),
                                      (7 + 14 * (i % 4)) * kNanosPerDay, i % 3 == 0 ? 5 : -3,
                                      10'000, 60000, 500'000 + 10'000 * (i % 7)});
  }
  return options;
}

void BM_Options_PortfolioMargin(benchmark::State& state) {
  const auto n = static_cast<std::int64_t>(state.range(0));
  const std::vector<PortfolioOption> options = bench_options(n);
  const std::vector<PortfolioFuture> futures{{4, 10'000, 60000}};
  const PortfolioMarginConfig config;
  std::vector<Int128> losses(scenario_count(config));
  const PortfolioBook book{OptionSettlement::kLinear, 0, options, futures};
  for (auto _ : state) {
    benchmark::DoNotOptimize(portfolio_margin(book, config, losses));
  }
  state.counters["options"] = static_cast<double>(n);
  state.counters["scenarios"] = scenario_count(config);
}
BENCHMARK(BM_Options_PortfolioMargin)->RangeMultiplier(4)->Range(2, 64);

void BM_Options_RevaluationBand(benchmark::State& state) {
  const auto n = static_cast<std::int64_t>(state.range(0));
  const std::vector<PortfolioOption> options = bench_options(n);
  const std::vector<PortfolioFuture> futures{{4, 10'000, 60000}};
  BookMarginInputs in;
  in.book = PortfolioBook{OptionSettlement::kLinear, 0, options, futures};
  in.underlying_ticks = 60000;
  in.model = state.range(1) == 1 ? OptionMarginModel::kPortfolio : OptionMarginModel::kStandard;
  std::vector<Int128> losses(scenario_count(in.portfolio));
  std::vector<RevaluationBandTerm> terms(revaluation_band_term_count(in));
  // A cushion of half the maintenance margin: a band of useful width, not the whole range.
  const MarginExcess bare = margin_excess(in, losses);
  in.other_equity = bare.maintenance - bare.equity + bare.maintenance / 2;
  std::int64_t width = 0;
  for (auto _ : state) {
    const RevaluationBand b = revaluation_band(in, RevaluationBandRequest{}, losses, terms);
    width = b.high_ticks - b.low_ticks;
    benchmark::DoNotOptimize(width);
  }
  state.counters["options"] = static_cast<double>(n);
  state.counters["scenarios"] =
      in.model == OptionMarginModel::kPortfolio ? scenario_count(in.portfolio) : 0;
  state.counters["band_ticks"] = static_cast<double>(width);
}
BENCHMARK(BM_Options_RevaluationBand)->ArgsProduct({{2, 16, 64}, {0, 1}});

}  // namespace
