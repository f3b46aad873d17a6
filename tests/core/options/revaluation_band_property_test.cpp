// Seeded properties of the revaluation band (revaluation_band.hpp) against brute force: random
// books (options, futures, perpetuals; long and short; linear and inverse; standard and portfolio
// margin) walk random paths of the underlying, the volatilities and time. At every step still
// inside the band computed at the last revaluation the exact excess must be >= 0 (a crossing is
// never seen late); the account is revalued only when the band is left. On calm paths the band
// must also be wide enough that few steps revalue.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "backstop/options/margin_excess.hpp"
#include "backstop/options/revaluation_band.hpp"

namespace backstop {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

struct Account {
  OptionSettlement settlement = OptionSettlement::kLinear;
  OptionMarginModel model = OptionMarginModel::kPortfolio;
  std::vector<PortfolioOption> options;
  std::vector<PortfolioFuture> futures;
  std::int64_t underlying = 0;
  std::int64_t now_ns = 0;
  Int128 other_equity = 0;

  BookMarginInputs inputs() const {
    BookMarginInputs in;
    in.book = PortfolioBook{settlement, now_ns, options, futures};
    in.underlying_ticks = underlying;
    in.other_equity = other_equity;
    in.model = model;
    return in;
  }
  // Every price of the book moves with the underlying (the band's premise).
  void move_underlying(std::int64_t d) {
    underlying += d;
    for (PortfolioOption& o : options)
      o.forward_ticks += d;
    for (PortfolioFuture& f : futures)
      f.mark_ticks += d;
  }
};

struct Scratch {
  std::vector<Int128> losses;
  std::vector<RevaluationBandTerm> terms;
  explicit Scratch(const PortfolioMarginConfig& c)
      : losses(scenario_count(c)), terms(scenario_count(c) + 1) {}
};

// A random book whose cushion is a random share of its maintenance margin.
Account random_account(std::mt19937_64& rng, double cushion_low, double cushion_high, Scratch& s) {
  const auto uniform = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  const auto lots = [&] { return uniform(1, 20) * (uniform(0, 1) == 0 ? -1 : 1); };
  Account a;
  a.settlement = uniform(0, 1) == 0 ? OptionSettlement::kLinear : OptionSettlement::kInverse;
  a.model = uniform(0, 1) == 0 ? OptionMarginModel::kStandard : OptionMarginModel::kPortfolio;
  const bool linear = a.settlement == OptionSettlement::kLinear;
  const std::int64_t option_lot = linear ? 10'000 : 10'000'000;
  const std::int64_t future_lot = linear ? 10'000 : 1'000'000'000;
  a.underlying = uniform(20000, 100000);
  const std::int64_t n_options = uniform(0, 6);
  for (std::int64_t i = 0; i < n_options; ++i) {
    const std::int64_t days = uniform(2, 120);
    PortfolioOption o;
    o.right = uniform(0, 1) == 0 ? OptionRight::kCall : OptionRight::kPut;
    o.strike_ticks = a.underlying / 1000 * (800 + 25 * uniform(0, 16));
    o.expiry_ns = days * kNanosPerDay;
    o.qty = lots();
    o.multiplier = option_lot;
    o.forward_ticks = a.underlying + a.underlying * days / 20000;  // a small contango
    o.volatility_ppm = uniform(300'000, 1'200'000);
    a.options.push_back(o);
  }
  const std::int64_t n_futures = uniform(n_options == 0 ? 1 : 0, 2);
  for (std::int64_t i = 0; i < n_futures; ++i) {
    a.futures.push_back(PortfolioFuture{lots(), future_lot, a.underlying + a.underlying * i / 400});
  }
  const MarginExcess bare = margin_excess(a.inputs(), s.losses);
  const double share = std::uniform_real_distribution<double>(cushion_low, cushion_high)(rng);
  const Int128 mm = bare.maintenance;
  a.other_equity = mm - bare.equity + static_cast<Int128>(static_cast<double>(mm) * share) + 1;
  return a;
}

struct PathStats {
  std::int64_t steps = 0;
  std::int64_t revaluations = 0;
  std::int64_t checked_inside = 0;
  std::int64_t liquidated = 0;
};

// Walks one path; fails the test if a step inside the band has excess < 0.
void walk(Account a, std::mt19937_64& rng, int steps, double price_step, double vol_step,
          Scratch& s, PathStats& stats) {
  const RevaluationBandRequest request{50'000, 60 * kSecond};
  std::normal_distribution<double> normal(0.0, 1.0);
  RevaluationBand band = revaluation_band(a.inputs(), request, s.losses, s.terms);
  ASSERT_TRUE(band.ok()) << to_string(band.status);
  ++stats.revaluations;
  std::vector<std::int64_t> vol0;
  for (const PortfolioOption& o : a.options)
    vol0.push_back(o.volatility_ppm);
  if (band.empty()) return;
  for (int step = 0; step < steps; ++step) {
    ++stats.steps;
    // An occasional jump of 10x the usual step keeps the band's edges exercised.
    const double jump = std::uniform_int_distribution<int>(0, 49)(rng) == 0 ? 10.0 : 1.0;
    auto d = static_cast<std::int64_t>(normal(rng) * price_step * jump *
                                       static_cast<double>(a.underlying));
    std::int64_t lowest = a.underlying;
    for (const PortfolioOption& o : a.options)
      lowest = std::min(lowest, o.forward_ticks);
    for (const PortfolioFuture& f : a.futures)
      lowest = std::min(lowest, f.mark_ticks);
    if (lowest + d < 100) d = 0;
    a.move_underlying(d);
    for (PortfolioOption& o : a.options) {
      const double v = static_cast<double>(o.volatility_ppm) * (1.0 + vol_step * normal(rng));
      o.volatility_ppm = std::max<std::int64_t>(50'000, static_cast<std::int64_t>(v));
    }
    a.now_ns += kSecond;
    bool inside = a.underlying >= band.low_ticks && a.underlying <= band.high_ticks &&
                  a.now_ns <= band.valid_until_ns;
    for (std::size_t i = 0; i < a.options.size() && inside; ++i) {
      inside =
          volatility_inside_band(vol0[i], a.options[i].volatility_ppm, band.volatility_band_ppm);
    }
    if (inside) {
      ++stats.checked_inside;
      const MarginExcess exact = margin_excess(a.inputs(), s.losses);
      ASSERT_TRUE(exact.ok());
      ASSERT_GE(exact.excess, 0) << "inside the band [" << band.low_ticks << ", " << band.high_ticks
                                 << "] at " << a.underlying << " (S0 moved "
                                 << "by the path), step " << step;
      continue;
    }
    band = revaluation_band(a.inputs(), request, s.losses, s.terms);
    ASSERT_TRUE(band.ok()) << to_string(band.status);
    ++stats.revaluations;
    for (std::size_t i = 0; i < a.options.size(); ++i)
      vol0[i] = a.options[i].volatility_ppm;
    if (band.empty()) {
      ++stats.liquidated;
      return;
    }
  }
}

TEST(RevaluationBandProperty, InsideTheBandTheExcessNeverFallsBelowZero) {
  std::mt19937_64 rng(20261208);
  const PortfolioMarginConfig config;
  Scratch s(config);
  PathStats stats;
  for (int book = 0; book < 160; ++book) {
    // Thin cushions and lively paths: many accounts reach their crossing.
    const Account a = random_account(rng, 0.01, 0.3, s);
    walk(a, rng, 150, 0.004, 0.01, s, stats);
    if (HasFatalFailure()) return;
  }
  // The property was exercised, near the edges too: steps inside bands and liquidations.
  EXPECT_GT(stats.checked_inside, stats.steps / 4);
  EXPECT_GT(stats.liquidated, 10);
  std::printf("steps %lld, inside the band %lld, revaluations %lld, liquidated %lld\n",
              static_cast<long long>(stats.steps), static_cast<long long>(stats.checked_inside),
              static_cast<long long>(stats.revaluations), static_cast<long long>(stats.liquidated));
}

TEST(RevaluationBandProperty, OnCalmPathsFewStepsRevalue) {
  std::mt19937_64 rng(7);
  const PortfolioMarginConfig config;
  Scratch s(config);
  PathStats stats;
  for (int book = 0; book < 60; ++book) {
    // A healthy cushion (a third to all of MM) and a calm second-by-second market: 2 bp of the
    // price and 0.2 % of the volatility per step.
    const Account a = random_account(rng, 0.3, 1.0, s);
    walk(a, rng, 300, 0.0002, 0.002, s, stats);
    if (HasFatalFailure()) return;
  }
  const double fraction =
      static_cast<double>(stats.revaluations) / static_cast<double>(stats.steps);
  std::printf("calm paths: %lld steps, %lld revaluations, fraction %.4f\n",
              static_cast<long long>(stats.steps), static_cast<long long>(stats.revaluations),
              fraction);
  RecordProperty("revalued_fraction", std::to_string(fraction));
  EXPECT_LT(fraction, 0.25);  // a loose bound: useless bands revalue every step
}

}  // namespace
}  // namespace backstop
