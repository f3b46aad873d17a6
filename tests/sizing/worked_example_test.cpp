// docs/sizing.md's worked example, step by step: the figures the page prints.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "sizing/anti_procyclicality.hpp"
#include "sizing/liquidation_horizon.hpp"
#include "sizing/return_history.hpp"
#include "sizing/var_es.hpp"

namespace backstop::sizing {
namespace {

TEST(SizingWorkedExample, TheFiguresOfTheDocsPage) {
  const double marks[] = {100, 102, 99, 97, 101, 104, 98, 100};
  ReturnHistory history(1, 16, kNsPerDay);
  for (int day = 0; day < 8; ++day) {
    ASSERT_EQ(history.try_add(0, day * kNsPerDay, marks[day]), SampleRejection::kNone);
  }
  ASSERT_EQ(history.try_add(0, 8 * kNsPerDay, 100.0), SampleRejection::kNone);
  const JointReturns paths = history.joint();
  ASSERT_EQ(paths.count(), 7u);

  // 1. The horizon: 100 / (0.1 x 400) = 2.5 days, 3 intervals.
  const std::int64_t horizon_ns = liquidation_horizon_ns(LiquidationHorizonConfig{}, 100, 400);
  EXPECT_EQ(horizon_ns, 5 * kNsPerDay / 2);
  const auto h = static_cast<std::size_t>(horizon_intervals(horizon_ns, kNsPerDay));
  ASSERT_EQ(h, 3u);

  // 2. The scenarios.
  const double exposure = exposure_value(ContractKind::kLinearPerpetual, Qty{100}, Price{100}, 1);
  ASSERT_EQ(exposure, 10'000);
  const std::vector<Exposure> portfolio = {{0, ContractKind::kLinearPerpetual, exposure}};
  std::vector<double> losses(paths.horizon_count(h), 0.0);
  ASSERT_EQ(losses.size(), 5u);
  add_scenario_losses(portfolio, paths, h, losses);
  const double printed[] = {300.00, 98.04, -505.05, -103.09, 99.01};
  for (std::size_t k = 0; k < 5; ++k)
    EXPECT_NEAR(losses[k], printed[k], 0.005) << k;

  // 3. VaR_0.8 and ES_0.6, and the requirement.
  VarEsConfig config;
  config.var_confidence = 0.8;
  config.es_confidence = 0.6;
  std::vector<double> sample = losses;
  const auto figures = historical_var_es(sample, config);
  ASSERT_TRUE(figures);
  EXPECT_NEAR(figures->var, 99.01, 0.005);
  EXPECT_NEAR(figures->es, 199.50, 0.005);
  EXPECT_EQ(requirement_money(figures->es)->raw(), 200);
  sample = losses;
  const auto defaults = historical_var_es(sample, VarEsConfig{});
  EXPECT_NEAR(defaults->var, 300.00, 1e-9);
  EXPECT_NEAR(defaults->es, 300.00, 1e-9);
  EXPECT_FALSE(defaults->var_resolved);

  // 4. The 25 % buffer in calm.
  BufferedRequirement buffer{ApcConfig{}};
  const double buffered = buffer.update(figures->es);
  EXPECT_NEAR(buffered, 249.38, 0.005);
  EXPECT_EQ(requirement_money(buffered)->raw(), 250);

  // 5. Parametric.
  const EwmaCovariance covariance(paths, EwmaConfig{0.94, 3});
  EXPECT_NEAR(covariance.at(0, 0), 7.929e-4, 5e-8);
  const TailFigures parametric = parametric_var_es(portfolio, covariance, h, VarEsConfig{});
  EXPECT_NEAR(parametric.var, 1134.59, 0.005);
  EXPECT_NEAR(parametric.es, 1140.17, 0.005);
}

}  // namespace
}  // namespace backstop::sizing
