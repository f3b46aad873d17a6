#include "sizing/var_es.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <random>
#include <vector>

namespace backstop::sizing {
namespace {

VarEsConfig levels(double var_confidence, double es_confidence, std::size_t tail_count = 0) {
  VarEsConfig config;
  config.var_confidence = var_confidence;
  config.es_confidence = es_confidence;
  config.es_tail_count = tail_count;
  return config;
}

TEST(VarEs, DefaultsAndValidation) {
  const VarEsConfig defaults;
  EXPECT_EQ(defaults.var_confidence, 0.99);
  EXPECT_EQ(defaults.es_confidence, 0.975);
  EXPECT_EQ(validate(defaults), VarEsConfigError::kNone);
  EXPECT_EQ(validate(levels(1.0, 0.975)), VarEsConfigError::kVarConfidenceOutOfRange);
  EXPECT_EQ(validate(levels(0.99, 0.0)), VarEsConfigError::kEsConfidenceOutOfRange);
  EXPECT_EQ(validate(levels(std::nan(""), 0.5)), VarEsConfigError::kVarConfidenceOutOfRange);
}

TEST(VarEs, VarRankIsTheLowerEmpiricalQuantile) {
  EXPECT_EQ(var_rank(10, 0.9), 2u);  // (1 - 0.9) x 10 is 1 despite 0.09999999999999998
  EXPECT_EQ(var_rank(2500, 0.99), 26u);
  EXPECT_EQ(var_rank(100, 0.99), 2u);
  EXPECT_EQ(var_rank(99, 0.99), 1u);
  EXPECT_EQ(var_rank(3, 0.5), 2u);
  EXPECT_EQ(var_rank(1, 0.01), 1u);  // at most n
}

TEST(VarEs, ExactOrderStatisticsOnASmallSample) {
  std::vector<double> losses = {3, 10, 1, 7, 4, 9, 2, 8, 6, 5};
  // VaR_0.9: the 2nd largest = 9. ES_0.8: mean of the worst 2 = 9.5.
  auto figures = historical_var_es(losses, levels(0.9, 0.8));
  ASSERT_TRUE(figures);
  EXPECT_EQ(figures->var, 9.0);
  EXPECT_DOUBLE_EQ(figures->es, 9.5);
  EXPECT_TRUE(figures->var_resolved);
  EXPECT_TRUE(figures->es_resolved);
  EXPECT_EQ(figures->scenarios, 10u);
  // ES_0.85: t = 1.5 worst scenarios, (10 + 0.5 x 9) / 1.5.
  figures = historical_var_es(losses, levels(0.7, 0.85));
  ASSERT_TRUE(figures);
  EXPECT_EQ(figures->var, 7.0);  // the 4th largest
  EXPECT_DOUBLE_EQ(figures->es, 14.5 / 1.5);
}

TEST(VarEs, TiesTakeTheirValue) {
  std::vector<double> losses = {0, 2, 5, 1, 2, 0, 5, 2, 1, 0};
  // Sorted 5 5 2 2 2 1 1 0 0 0. VaR_0.75: t = 2.5, the 3rd largest = 2. ES_0.75: (5 + 5 + 0.5 x 2)
  // / 2.5 = 4.4.
  const auto figures = historical_var_es(losses, levels(0.75, 0.75));
  ASSERT_TRUE(figures);
  EXPECT_EQ(figures->var, 2.0);
  EXPECT_DOUBLE_EQ(figures->es, 4.4);
  std::vector<double> flat(7, 3.0);
  const auto same = historical_var_es(flat, VarEsConfig{});
  EXPECT_EQ(same->var, 3.0);
  EXPECT_EQ(same->es, 3.0);
}

TEST(VarEs, TinySamplesTakeTheWorstLossAndSaySo) {
  // n = 10 < 1 / (1 - 0.99): the quantile is beyond the sample.
  std::vector<double> losses = {3, -1, 7, 2, 0, 1, 6, 4, 5, 2};
  const auto figures = historical_var_es(losses, VarEsConfig{});
  ASSERT_TRUE(figures);
  EXPECT_EQ(figures->var, 7.0);
  EXPECT_EQ(figures->es, 7.0);
  EXPECT_FALSE(figures->var_resolved);
  EXPECT_FALSE(figures->es_resolved);
  std::vector<double> one = {-4.0};
  EXPECT_EQ(historical_var_es(one, VarEsConfig{})->var, -4.0);
  std::vector<double> none;
  EXPECT_FALSE(historical_var_es(none, VarEsConfig{}));
}

TEST(VarEs, LchStyleMeanOfTheWorstSixOf2500) {
  std::vector<double> losses(2500);
  std::iota(losses.begin(), losses.end(), 1.0);  // 1 .. 2500
  std::mt19937_64 rng(7);
  std::shuffle(losses.begin(), losses.end(), rng);
  auto figures = historical_var_es(losses, levels(0.99, 0.975, 6));
  ASSERT_TRUE(figures);
  EXPECT_DOUBLE_EQ(figures->es, (2500 + 2499 + 2498 + 2497 + 2496 + 2495) / 6.0);
  EXPECT_EQ(figures->var, 2475.0);  // the 26th largest
  // The default ES_0.975: t = 62.5, (2500 + ... + 2439 + 0.5 x 2438) / 62.5 = 154328 / 62.5.
  figures = historical_var_es(losses, VarEsConfig{});
  EXPECT_DOUBLE_EQ(figures->es, 2469.248);
  // A tail count above n is the mean of all.
  std::vector<double> few = {1, 2, 3};
  EXPECT_DOUBLE_EQ(historical_var_es(few, levels(0.5, 0.5, 6))->es, 2.0);
}

// Against a reference in integers: confidences of the form c / 1000 make (1 - alpha) n the exact
// fraction (1000 - c) n / 1000, so the ranks and the fractional weight need no tolerance.
TEST(VarEs, MatchesAnIntegerReferenceOnRandomSamples) {
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<int> size(1, 600);
  std::uniform_int_distribution<int> value(-50, 50);
  const int permilles[] = {500, 800, 900, 950, 975, 990, 996, 999};
  for (int round = 0; round < 200; ++round) {
    const auto n = static_cast<std::size_t>(size(rng));
    std::vector<double> losses(n);
    for (double& l : losses)
      l = value(rng);
    const int var_permille = permilles[round % 8];
    const int es_permille = permilles[(round / 8) % 8];
    std::vector<double> sorted = losses;
    std::sort(sorted.begin(), sorted.end(), std::greater<>());
    const auto var_k = std::min<std::size_t>(n, (1000 - var_permille) * n / 1000 + 1);
    const std::size_t tail_thousandths = (1000 - es_permille) * n;
    const std::size_t whole = tail_thousandths / 1000;
    double reference_es = sorted[0];
    if (whole >= 1) {
      double sum = 0;
      for (std::size_t i = 0; i < whole; ++i)
        sum += sorted[i];
      const double fraction = static_cast<double>(tail_thousandths % 1000) / 1000;
      if (fraction > 0) sum += fraction * sorted[whole];
      reference_es = sum / (static_cast<double>(tail_thousandths) / 1000);
    }
    const auto figures =
        historical_var_es(losses, levels(var_permille / 1000.0, es_permille / 1000.0));
    ASSERT_TRUE(figures);
    EXPECT_EQ(figures->var, sorted[var_k - 1]) << n << " " << var_permille;
    EXPECT_NEAR(figures->es, reference_es, 1e-9) << n << " " << es_permille;
    EXPECT_EQ(figures->es_resolved, whole >= 1);
    if (var_permille == es_permille) {
      EXPECT_GE(figures->es, figures->var - 1e-9);  // equal tails can round a hair below
    }
  }
}

TEST(VarEs, WeightedSampleHandComputed) {
  std::vector<WeightedLoss> sample = {{6, 0.4}, {10, 0.05}, {1, 0.5}, {8, 0.05}};
  // Tail weight from the top: 10 (0.05), 8 (0.10, not above 0.1), 6 (0.5): VaR_0.9 = 6.
  // ES_0.9: (0.05 x 10 + 0.05 x 8) / 0.1 = 9. ES_0.8: (0.5 + 0.4 + 0.1 x 6) / 0.2 = 7.5.
  auto figures = weighted_var_es(sample, levels(0.9, 0.9));
  ASSERT_TRUE(figures);
  EXPECT_EQ(figures->var, 6.0);
  EXPECT_DOUBLE_EQ(figures->es, 9.0);
  figures = weighted_var_es(sample, levels(0.9, 0.8));
  EXPECT_DOUBLE_EQ(figures->es, 7.5);
  // Weights are normalized.
  for (auto& s : sample)
    s.weight *= 20;
  EXPECT_DOUBLE_EQ(weighted_var_es(sample, levels(0.9, 0.8))->es, 7.5);
}

TEST(VarEs, EqualWeightsGiveTheHistoricalFigures) {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal(0, 100);
  for (const std::size_t n : {1u, 7u, 40u, 100u, 250u, 1000u}) {
    std::vector<double> losses(n);
    for (double& l : losses)
      l = std::round(normal(rng));  // integers: ties happen
    std::vector<WeightedLoss> weighted;
    for (const double l : losses)
      weighted.push_back({l, 1.0});
    for (const VarEsConfig& config :
         {VarEsConfig{}, levels(0.9, 0.9), levels(0.95, 0.99), levels(0.99, 0.975, 6)}) {
      std::vector<double> copy = losses;
      std::vector<WeightedLoss> weighted_copy = weighted;
      const auto plain = historical_var_es(copy, config);
      const auto with_weights = weighted_var_es(weighted_copy, config);
      EXPECT_EQ(plain->var, with_weights->var) << n;
      EXPECT_NEAR(plain->es, with_weights->es, 1e-9 * (1 + std::fabs(plain->es))) << n;
      EXPECT_EQ(plain->var_resolved, with_weights->var_resolved) << n;
    }
  }
}

TEST(VarEs, LinearAndInverseLossesAreMirrorImages) {
  const Exposure linear_long{0, ContractKind::kLinearPerpetual, 1000};
  const Exposure linear_short{0, ContractKind::kLinearPerpetual, -1000};
  const Exposure inverse_long{0, ContractKind::kInversePerpetual, 1000};
  const Exposure inverse_short{0, ContractKind::kInversePerpetual, -1000};
  const double halves = std::log(0.5);
  const double doubles = std::log(2.0);
  // Linear: a long loses half its notional when the price halves; a short loses all of it when
  // the price doubles.
  EXPECT_NEAR(exposure_loss(linear_long, halves), 500, 1e-9);
  EXPECT_NEAR(exposure_loss(linear_short, doubles), 1000, 1e-9);
  // Inverse (value -mult/m): the other way round, a long loses 1000 coins when the price halves
  // (1/m doubles), a short 500 when it doubles.
  EXPECT_NEAR(exposure_loss(inverse_long, halves), 1000, 1e-9);
  EXPECT_NEAR(exposure_loss(inverse_short, doubles), 500, 1e-9);
  EXPECT_NEAR(exposure_loss(inverse_long, doubles), -500, 1e-9);
  // The inverse loss is q x mult x (1/entry - 1/mark) lost: 10 lots x 1e6 at 100 -> 80.
  const double value =
      exposure_value(ContractKind::kInversePerpetual, Qty{10}, Price{100}, 1'000'000);
  EXPECT_DOUBLE_EQ(value, 100'000);
  const Exposure at_100{0, ContractKind::kInversePerpetual, value};
  EXPECT_NEAR(exposure_loss(at_100, std::log(80.0 / 100.0)), 10 * 1e6 * (1.0 / 80 - 1.0 / 100),
              1e-6);
  EXPECT_DOUBLE_EQ(exposure_value(ContractKind::kLinearPerpetual, Qty{-3}, Price{20000}, 5),
                   -300'000);
}

// Paths of 2 instruments from prices, so that each scenario's loss is known from price ratios.
struct TwoInstrumentHistory {
  static constexpr int kPrices = 8;
  double a[kPrices] = {100, 102, 99, 97, 101, 104, 100, 98};
  double b[kPrices] = {50, 49, 51, 52, 50, 47, 48, 49};
  ReturnHistory history{2, 16, 1000};
  TwoInstrumentHistory() {
    for (int k = 0; k < kPrices; ++k) {
      EXPECT_EQ(history.try_add(0, k * 1000, a[k]), SampleRejection::kNone);
      EXPECT_EQ(history.try_add(1, k * 1000, b[k]), SampleRejection::kNone);
    }
    EXPECT_EQ(history.try_add(0, kPrices * 1000, 1.0), SampleRejection::kNone);
  }
};

TEST(VarEs, HistoricalScenarioLossesRevalueTheJointPortfolio) {
  const TwoInstrumentHistory h;
  const JointReturns paths = h.history.joint();
  ASSERT_EQ(paths.count(), 7u);
  const std::vector<Exposure> portfolio = {{0, ContractKind::kLinearPerpetual, 10'000},
                                           {1, ContractKind::kInversePerpetual, -300}};
  const std::size_t horizon = 2;
  std::vector<double> losses(paths.horizon_count(horizon), 0.0);
  ASSERT_EQ(losses.size(), 6u);
  add_scenario_losses(portfolio, paths, horizon, losses);
  for (std::size_t k = 0; k < losses.size(); ++k) {
    const double linear = -10'000 * (h.a[k + 2] / h.a[k] - 1);
    const double inverse = -300 * (h.b[k] / h.b[k + 2] - 1);
    EXPECT_NEAR(losses[k], linear + inverse, 1e-9) << k;
  }
  // The venue's vector is the accounts' summed scenario by scenario: the same as one portfolio.
  std::vector<double> venue(losses.size(), 0.0);
  add_scenario_losses(std::span(portfolio).first(1), paths, horizon, venue);
  add_scenario_losses(std::span(portfolio).last(1), paths, horizon, venue);
  for (std::size_t k = 0; k < losses.size(); ++k)
    EXPECT_NEAR(venue[k], losses[k], 1e-9);
}

TEST(VarEs, StridedScenariosStartEveryStrideIntervals) {
  const TwoInstrumentHistory h;
  const JointReturns paths = h.history.joint();
  const std::vector<Exposure> portfolio = {{0, ContractKind::kLinearPerpetual, 10'000}};
  // 7 returns, h = 2: starts 0, 3 (stride 3) then 6 would need return 7.
  ASSERT_EQ(paths.horizon_count(2, 3), 2u);
  ASSERT_EQ(paths.horizon_count(2, 2), 3u);
  std::vector<double> losses(2, 0.0);
  add_scenario_losses(portfolio, paths, 2, losses, 3);
  EXPECT_NEAR(losses[0], -10'000 * (h.a[2] / h.a[0] - 1), 1e-9);
  EXPECT_NEAR(losses[1], -10'000 * (h.a[5] / h.a[3] - 1), 1e-9);
  // A window is paths of its own: its scenario 0 is the full paths' scenario 3.
  const JointReturns lookback = paths.window(3, 4);
  ASSERT_EQ(lookback.count(), 4u);
  EXPECT_NEAR(scenario_loss(portfolio, lookback, 0, 2), losses[1], 1e-9);
  EXPECT_NEAR(lookback.log_return(1, 0), std::log(h.b[4] / h.b[3]), 1e-15);
}

TEST(VarEs, EwmaCovarianceAndParametricClosedForm) {
  // Cumulative returns: A 0.01 then 0.02, B -0.01 then 0.01. Seed on the first, lambda 0.5:
  // Sigma_0 = r0 r0' = [[1, -1], [-1, 1]] e-4, unchanged by r0; then 0.5 Sigma + 0.5 r1 r1' =
  // [[2.5, 0.5], [0.5, 1]] e-4.
  const double cumulative[] = {0, 0.01, 0.03, 0, -0.01, 0};
  const JointReturns paths(cumulative, 2, 3, 2);
  const EwmaCovariance covariance(paths, EwmaConfig{0.5, 1});
  EXPECT_NEAR(covariance.at(0, 0), 2.5e-4, 1e-15);
  EXPECT_NEAR(covariance.at(0, 1), 0.5e-4, 1e-15);
  EXPECT_NEAR(covariance.at(1, 0), 0.5e-4, 1e-15);
  EXPECT_NEAR(covariance.at(1, 1), 1e-4, 1e-15);
  // d = (100, -200): d' Sigma d = 2.5 - 2 + 4 = 4.5 per interval; over h = 2, sigma_p = 3.
  // VaR_0.99 = 3 z_0.99 = 3 x 2.326347874040841; ES_0.975 = 3 phi(z_0.975) / 0.025 with
  // phi(1.959963984540054) = 0.05844506980503538 (the normal table).
  const std::vector<Exposure> portfolio = {{0, ContractKind::kLinearPerpetual, 60},
                                           {0, ContractKind::kLinearPerpetual, 40},
                                           {1, ContractKind::kInversePerpetual, -200}};
  auto figures = parametric_var_es(portfolio, covariance, 2, VarEsConfig{});
  EXPECT_NEAR(figures.var, 6.979043622122523, 1e-9);
  EXPECT_NEAR(figures.es, 7.013408376604245, 1e-9);
  // The mean loss shifts both.
  figures = parametric_var_es(portfolio, covariance, 2, VarEsConfig{}, 1.5);
  EXPECT_NEAR(figures.var, 8.479043622122523, 1e-9);
  EXPECT_NEAR(figures.es, 8.513408376604245, 1e-9);
}

TEST(VarEs, EwmaValidationRefusesEachBadField) {
  EXPECT_EQ(EwmaConfig{}.lambda, 0.94);
  EXPECT_EQ(validate(EwmaConfig{}), EwmaConfigError::kNone);
  EXPECT_EQ(validate(EwmaConfig{1.0, 30}), EwmaConfigError::kLambdaOutOfRange);
  EXPECT_EQ(validate(EwmaConfig{0.0, 30}), EwmaConfigError::kLambdaOutOfRange);
  EXPECT_EQ(validate(EwmaConfig{0.94, 0}), EwmaConfigError::kZeroSeedCount);
}

TEST(VarEs, FilteredReturnsHandComputed) {
  // Returns 0.01, -0.02, 0.03; seed on the first, lambda 0.9: sigma^2 before each return 1e-4,
  // 1e-4, 1.3e-4; after the last 0.9 x 1.3e-4 + 0.1 x 9e-4 = 2.07e-4.
  const double cumulative[] = {0, 0.01, -0.01, 0.02};
  const JointReturns paths(cumulative, 1, 4, 3);
  const FilteredReturns filtered(paths, EwmaConfig{0.9, 1});
  const double now = std::sqrt(2.07e-4);
  EXPECT_NEAR(filtered.sigma_now(0), now, 1e-15);
  const JointReturns f = filtered.joint();
  EXPECT_NEAR(f.log_return(0, 0), 0.01 * now / 0.01, 1e-14);
  EXPECT_NEAR(f.log_return(0, 1), -0.02 * now / 0.01, 1e-14);
  EXPECT_NEAR(f.log_return(0, 2), 0.03 * now / std::sqrt(1.3e-4), 1e-14);
  // The covariance's diagonal is the same EWMA.
  EXPECT_NEAR(EwmaCovariance(paths, EwmaConfig{0.9, 1}).at(0, 0), 2.07e-4, 1e-18);
}

TEST(VarEs, FilteredHistoricalSimulationMatchesABruteForceRecomputation) {
  constexpr std::size_t kReturns = 300;
  constexpr std::size_t kInstruments = 2;
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal(0, 1);
  // A volatility regime change half way, so that the filtering matters.
  std::vector<double> cumulative(kInstruments * (kReturns + 1), 0.0);
  std::vector<std::vector<double>> raw(kInstruments, std::vector<double>(kReturns));
  for (std::size_t i = 0; i < kInstruments; ++i) {
    for (std::size_t t = 0; t < kReturns; ++t) {
      raw[i][t] = normal(rng) * (t < kReturns / 2 ? 0.002 : 0.01) * (i + 1);
      cumulative[i * (kReturns + 1) + t + 1] = cumulative[i * (kReturns + 1) + t] + raw[i][t];
    }
  }
  const JointReturns paths(cumulative.data(), kInstruments, kReturns + 1, kReturns);
  const EwmaConfig ewma{0.94, 20};
  const std::vector<Exposure> portfolio = {{0, ContractKind::kLinearPerpetual, 1e6},
                                           {1, ContractKind::kInversePerpetual, -4e5}};
  const std::size_t horizon = 5;

  const FilteredReturns filtered(paths, ewma);
  std::vector<double> losses(paths.horizon_count(horizon), 0.0);
  add_scenario_losses(portfolio, filtered.joint(), horizon, losses);
  const auto figures = historical_var_es(losses, VarEsConfig{});

  // Brute force: every return rescaled by hand, each scenario summed from them, the order
  // statistics by a full sort.
  std::vector<std::vector<double>> rescaled(kInstruments, std::vector<double>(kReturns));
  for (std::size_t i = 0; i < kInstruments; ++i) {
    const std::vector<double>& r = raw[i];
    double seed = 0;
    for (std::size_t t = 0; t < 20; ++t)
      seed += r[t] * r[t];
    std::vector<double> variance_then(kReturns);
    double v = seed / 20;
    for (std::size_t t = 0; t < kReturns; ++t) {
      variance_then[t] = v;
      v = 0.94 * v + 0.06 * r[t] * r[t];
    }
    for (std::size_t t = 0; t < kReturns; ++t) {
      rescaled[i][t] = r[t] * std::sqrt(v) / std::sqrt(variance_then[t]);
    }
  }
  std::vector<double> brute;
  for (std::size_t k = 0; k + horizon <= kReturns; ++k) {
    double a = 0;
    double b = 0;
    for (std::size_t t = k; t < k + horizon; ++t) {
      a += rescaled[0][t];
      b += rescaled[1][t];
    }
    brute.push_back(-1e6 * (std::exp(a) - 1) + -4e5 * (std::exp(-b) - 1));
  }
  std::sort(brute.begin(), brute.end(), std::greater<>());
  const std::size_t n = brute.size();  // 296: VaR_0.99 is the 3rd largest (t = 2.96)
  ASSERT_EQ(n, 296u);
  EXPECT_NEAR(figures->var, brute[2], 1e-6);
  // ES_0.975: t = 7.4 -> (7 worst + 0.4 x the 8th) / 7.4.
  double tail = 0;
  for (std::size_t i = 0; i < 7; ++i)
    tail += brute[i];
  EXPECT_NEAR(figures->es, (tail + 0.4 * brute[7]) / 7.4, 1e-6);
  // And the filtering moved the figure: the unfiltered one is smaller here, the calm half being
  // scaled up to the current volatility.
  std::vector<double> unfiltered(paths.horizon_count(horizon), 0.0);
  add_scenario_losses(portfolio, paths, horizon, unfiltered);
  EXPECT_LT(historical_var_es(unfiltered, VarEsConfig{})->var, figures->var);
}

TEST(VarEs, RequirementsRoundUpIntoMoney) {
  EXPECT_EQ(requirement_money(1234.0001)->raw(), 1235);
  EXPECT_EQ(requirement_money(1234.0)->raw(), 1234);
  EXPECT_EQ(requirement_money(-50.0)->raw(), 0);
  EXPECT_EQ(requirement_money(0.2)->raw(), 1);
  EXPECT_FALSE(requirement_money(std::nan("")));
  EXPECT_FALSE(requirement_money(INFINITY));
  EXPECT_FALSE(requirement_money(1e19));
  EXPECT_EQ(requirement_money(9.2e18)->raw(), 9'200'000'000'000'000'000);
}

}  // namespace
}  // namespace backstop::sizing
