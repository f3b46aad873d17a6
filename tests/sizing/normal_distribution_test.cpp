#include "sizing/normal_distribution.hpp"

#include <gtest/gtest.h>

namespace backstop::sizing {
namespace {

// Reference values: the standard normal table (Abramowitz & Stegun 26.2); the density at z_0.975
// from its closed form exp(-z²/2)/sqrt(2π).
TEST(NormalDistribution, QuantilesOfTheUsualConfidenceLevels) {
  EXPECT_NEAR(normal_quantile(0.99), 2.326347874040841, 1e-12);
  EXPECT_NEAR(normal_quantile(0.975), 1.959963984540054, 1e-12);
  EXPECT_NEAR(normal_quantile(0.5), 0.0, 1e-15);
  EXPECT_NEAR(normal_quantile(0.01), -2.326347874040841, 1e-12);
  EXPECT_NEAR(normal_quantile(1e-10), -6.361340902404056, 1e-9);
}

TEST(NormalDistribution, QuantileInvertsTheCdfAcrossTheRange) {
  for (double p = 1e-6; p < 1; p += 0.0137) {
    EXPECT_NEAR(normal_cdf(normal_quantile(p)), p, 1e-13 + 1e-12 * p) << p;
  }
}

TEST(NormalDistribution, DensityAndCdfAtKnownPoints) {
  EXPECT_NEAR(normal_pdf(0), 0.3989422804014327, 1e-15);
  EXPECT_NEAR(normal_pdf(1.959963984540054), 0.05844506980503538, 1e-13);
  EXPECT_NEAR(normal_cdf(1.959963984540054), 0.975, 1e-14);
  EXPECT_NEAR(normal_cdf(-3), 0.0013498980316301, 1e-15);
}

}  // namespace
}  // namespace backstop::sizing
