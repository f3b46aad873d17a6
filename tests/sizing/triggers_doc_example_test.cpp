// The worked example of docs/triggers.md, number for number.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "sizing/contributions.hpp"
#include "sizing/coverage_tiers.hpp"
#include "sizing/fund_drawdown.hpp"
#include "sizing/price_deviation.hpp"

namespace backstop::sizing {
namespace {

constexpr std::int64_t kHour = kNanosPerHour;

std::vector<std::int64_t> call_amounts(std::span<const MemberCall> calls) {
  std::vector<std::int64_t> out;
  for (const MemberCall& c : calls)
    out.push_back(c.amount.raw());
  return out;
}

TEST(TriggersDocExample, TiersThenTheReplenishmentCallThenContributions) {
  CoverageTiers tiers{CoverageTierConfig{}};
  const Money requirement{10'000'000};
  EXPECT_FALSE(tiers.observe_coverage(1, Money{13'000'000}, requirement).change);
  const auto amber = tiers.observe_coverage(2, Money{12'000'000}, requirement);
  ASSERT_TRUE(amber.change);
  EXPECT_EQ(amber.change->to, Tier::kAmber);
  EXPECT_EQ(amber.change->crossed, TierThreshold::kAmberEnter);
  EXPECT_EQ(amber.change->threshold, 1'250'000);
  EXPECT_EQ(amber.change->contribution_ppm, 300'000);
  EXPECT_FALSE(tiers.observe_coverage(3, Money{12'800'000}, requirement).change);
  const auto red = tiers.observe_coverage(4, Money{9'800'000}, requirement);
  ASSERT_TRUE(red.change);
  EXPECT_EQ(red.change->to, Tier::kRed);
  EXPECT_EQ(red.change->crossed, TierThreshold::kRedEnter);
  EXPECT_EQ(red.change->ratio_ppm, 980'000);
  EXPECT_EQ(red.change->replenishment_call, Money{700'000});

  ReplenishmentCalculator call(8, ReplenishmentCap{});  // 1× the current contribution
  const std::vector<MemberCallShare> callees = {
      {AccountId{103}, Money{1'000'000}, Money{50'000}},
      {AccountId{101}, Money{6'000'000}, Money{4'000'000}},
      {AccountId{102}, Money{3'000'000}, Money{1'500'000}}};
  const ReplenishmentResult called = call.compute(red.change->replenishment_call, callees);
  ASSERT_EQ(called.status, ApportionStatus::kOk);
  EXPECT_EQ(called.called, Money{700'000});
  EXPECT_EQ(call_amounts(call.calls()), (std::vector<std::int64_t>{433'333, 216'667, 50'000}));
  EXPECT_TRUE(call.calls()[2].capped);

  ContributionCalculator contributions(8, ContributionBasis::kStressedDeficit);
  // Initial margins given too; the stressed-deficit basis ignores them.
  const std::vector<MemberExposure> members = {
      {AccountId{101}, Money{6'000'000}, Money{900'000}, Money{1'500'000}},
      {AccountId{102}, Money{3'000'000}, Money{800'000}, Money{1'500'000}},
      {AccountId{103}, Money{1'000'000}, Money{700'000}, Money{1'500'000}}};
  ASSERT_EQ(contributions.compute(requirement, members).status, ApportionStatus::kOk);
  const auto split = contributions.contributions();
  EXPECT_EQ(split[0].amount, Money{5'666'667});
  EXPECT_EQ(split[1].amount, Money{2'833'333});
  EXPECT_EQ(split[2].amount, Money{1'500'000});
  EXPECT_TRUE(split[2].at_floor);
}

TEST(TriggersDocExample, FundDrawdownUnderTheBybitPreset) {
  FundDrawdownTrigger fund(0, kBybitFundDrawdown);
  EXPECT_FALSE(fund.observe(0, Money{20'000'000}).change);
  EXPECT_FALSE(fund.observe(3 * kHour, Money{14'500'000}).change);
  const auto on = fund.observe(6 * kHour, Money{13'900'000});
  ASSERT_TRUE(on.change);
  EXPECT_TRUE(on.change->adl_first);
  EXPECT_EQ(on.change->drawdown_ppm, 305'000);
  EXPECT_FALSE(fund.observe(10 * kHour, Money{14'000'000}).change);
  EXPECT_EQ(fund.window_max(), Money{20'000'000});
  const auto off = fund.observe(11 * kHour, Money{14'000'000});
  ASSERT_TRUE(off.change);
  EXPECT_FALSE(off.change->adl_first);
  EXPECT_EQ(off.change->window_max, Money{14'500'000});
  EXPECT_EQ(off.change->drawdown_ppm, 34'483);
}

TEST(TriggersDocExample, PriceDeviationUnderTheDefaults) {
  PriceDeviationGuard guard(0, PriceDeviationConfig{});
  const auto held = guard.observe(1, Price{565'000}, Price{600'000});  // ticks of 0.1
  ASSERT_TRUE(held.change);
  EXPECT_EQ(held.change->event, DeviationEvent::kStarted);
  EXPECT_EQ(held.change->deviation_ppm, 58'334);
  EXPECT_FALSE(guard.observe(2, Price{580'000}, Price{600'000}).change);
  const auto released = guard.observe(3, Price{590'000}, Price{600'000});
  ASSERT_TRUE(released.change);
  EXPECT_EQ(released.change->event, DeviationEvent::kReleasedInsideBand);
}

}  // namespace
}  // namespace backstop::sizing
