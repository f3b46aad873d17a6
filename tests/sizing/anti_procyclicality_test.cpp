#include "sizing/anti_procyclicality.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace backstop::sizing {
namespace {

VarEsConfig levels(double var_confidence, double es_confidence) {
  VarEsConfig config;
  config.var_confidence = var_confidence;
  config.es_confidence = es_confidence;
  return config;
}

TEST(AntiProcyclicality, DefaultsAndValidation) {
  ApcConfig config;
  EXPECT_EQ(config.buffer, 0.25);
  EXPECT_EQ(config.stressed_weight, 0.25);
  EXPECT_EQ(validate(config), ApcConfigError::kNone);
  config.buffer = -0.1;
  EXPECT_EQ(validate(config), ApcConfigError::kNegativeBuffer);
  config = {};
  config.stressed_weight = 1.0;
  EXPECT_EQ(validate(config), ApcConfigError::kStressedWeightOutOfRange);
  config = {};
  config.stress_rise = -1;
  EXPECT_EQ(validate(config), ApcConfigError::kNegativeStressRise);
}

TEST(AntiProcyclicality, BufferIsDrawnDownInStressAndRebuiltAfter) {
  BufferedRequirement buffer{ApcConfig{}};  // 25 %, stress at a 10 % rise
  EXPECT_DOUBLE_EQ(buffer.update(100), 125);
  EXPECT_FALSE(buffer.in_stress());
  EXPECT_DOUBLE_EQ(buffer.update(105), 131.25);  // a 5 % rise is calm: the buffer stays whole
  EXPECT_FALSE(buffer.in_stress());
  // +20 %: stress. The requirement stays at 131.25 instead of jumping to 157.5.
  EXPECT_DOUBLE_EQ(buffer.update(126), 131.25);
  EXPECT_TRUE(buffer.in_stress());
  // Still rising, if only by 3 %: still stress, the buffer still absorbs it.
  EXPECT_DOUBLE_EQ(buffer.update(130), 131.25);
  EXPECT_TRUE(buffer.in_stress());
  // Still rising: the buffer is spent, the requirement follows the figure itself.
  EXPECT_DOUBLE_EQ(buffer.update(140), 140);
  EXPECT_TRUE(buffer.in_stress());
  // The figure stops rising: calm, the buffer is rebuilt.
  EXPECT_DOUBLE_EQ(buffer.update(140), 175);
  EXPECT_FALSE(buffer.in_stress());
  EXPECT_DOUBLE_EQ(buffer.update(80), 100);
}

TEST(AntiProcyclicality, WorstWindowIsTheMostVolatile) {
  const std::vector<double> losses = {1, 1, 3, -4, 1, 0};
  // Sums of squares over 2: 2, 10, 25, 17, 1.
  EXPECT_EQ(worst_window_start(losses, 2), 2u);
  EXPECT_EQ(worst_window_start(losses, 6), 0u);
  const std::vector<double> tie = {2, 0, 0, -2, 0};
  EXPECT_EQ(worst_window_start(tie, 1), 0u);  // the earliest
}

// Ten stressed scenarios (10 .. 100) then ten calm ones (1 .. 10), in time order.
std::vector<double> stressed_then_calm() {
  std::vector<double> losses;
  for (int k = 10; k >= 1; --k)
    losses.push_back(10.0 * k);
  for (int k = 1; k <= 10; ++k)
    losses.push_back(k);
  return losses;
}

TEST(AntiProcyclicality, StressedObservationsCarryTheirWeight) {
  const std::vector<double> losses = stressed_then_calm();
  ApcConfig apc;
  apc.tool = ApcTool::kStressedWeight;
  apc.lookback = 10;  // the calm ten; the stressed window is as long
  // Weights: each calm loss 0.075, each stressed 0.025. From the top: 100 (0.025), 90 (0.05, not
  // above 0.05), 80 (0.075): VaR_0.95 = 80. ES_0.9: 100, 90, 80, 70 fill the 0.1: 85.
  const auto figures = stressed_weighted_var_es(losses, apc, levels(0.95, 0.9));
  ASSERT_TRUE(figures);
  EXPECT_EQ(figures->var, 80.0);
  EXPECT_DOUBLE_EQ(figures->es, 85.0);
  // Without the stressed weight the calm ten alone: VaR_0.95 on 10 is their worst, 10.
  apc.stressed_weight = 0;
  const auto calm = stressed_weighted_var_es(losses, apc, levels(0.95, 0.9));
  EXPECT_EQ(calm->var, 10.0);
  EXPECT_DOUBLE_EQ(calm->es, 10.0);
  std::vector<double> none;
  EXPECT_FALSE(stressed_weighted_var_es(none, apc, VarEsConfig{}));
}

TEST(AntiProcyclicality, LongLookbackFloorsTheFigure) {
  const std::vector<double> losses = stressed_then_calm();
  ApcConfig apc;
  apc.tool = ApcTool::kLookbackFloor;
  apc.lookback = 10;
  apc.floor_lookback = 0;  // all loaded history is shorter than 10 years
  // Calm ten: VaR_0.9 = the 2nd largest, 9. All twenty: the 3rd largest, 80.
  // ES_0.8: calm (10 + 9) / 2; all (100 + 90 + 80 + 70) / 4 = 85.
  auto figures = lookback_floored_var_es(losses, apc, levels(0.9, 0.8));
  ASSERT_TRUE(figures);
  EXPECT_EQ(figures->var, 80.0);
  EXPECT_DOUBLE_EQ(figures->es, 85.0);
  // When the recent period is the worse one, its figure stands.
  std::vector<double> reversed(losses.rbegin(), losses.rend());
  figures = lookback_floored_var_es(reversed, apc, levels(0.9, 0.8));
  EXPECT_EQ(figures->var, 90.0);
  EXPECT_DOUBLE_EQ(figures->es, 95.0);
}

TEST(AntiProcyclicality, TheConfiguredToolIsTheOneApplied) {
  const std::vector<double> losses = stressed_then_calm();
  const VarEsConfig config = levels(0.9, 0.8);
  ApcConfig apc;
  apc.lookback = 10;
  // No tool, or the buffer (which applies to the requirement later): the calm ten alone.
  for (const ApcTool tool : {ApcTool::kNone, ApcTool::kBuffer}) {
    apc.tool = tool;
    const auto figures = apc_var_es(losses, apc, config);
    ASSERT_TRUE(figures);
    EXPECT_EQ(figures->var, 9.0);
    EXPECT_DOUBLE_EQ(figures->es, 9.5);
  }
  apc.tool = ApcTool::kLookbackFloor;
  EXPECT_EQ(apc_var_es(losses, apc, config)->var, 80.0);
  // Weighted 0.075 / 0.025: 100, 90, 80, 70 reach 0.1 (not above), 60 passes it.
  apc.tool = ApcTool::kStressedWeight;
  EXPECT_EQ(apc_var_es(losses, apc, config)->var, 60.0);
}

}  // namespace
}  // namespace backstop::sizing
