#include "sizing/contributions.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

namespace backstop::sizing {
namespace {

// A member whose stressed deficit is `share` (and whose initial margin is a different figure, so
// that a calculator on the wrong basis gives other numbers).
MemberExposure member(std::uint64_t id, std::int64_t share, std::int64_t floor = 0) {
  return {AccountId{id}, Money{share}, Money{share % 7 + 1}, Money{floor}};
}

std::vector<std::int64_t> amounts(std::span<const MemberContribution> contributions) {
  std::vector<std::int64_t> out;
  for (const MemberContribution& c : contributions)
    out.push_back(c.amount.raw());
  return out;
}

TEST(Contributions, EqualSharesGiveTheLeftOverUnitToTheLowestAccountId) {
  ContributionCalculator calculator(8, ContributionBasis::kStressedDeficit);
  const std::vector<MemberExposure> members = {member(30, 5), member(10, 5), member(20, 5)};
  const ContributionResult result = calculator.compute(Money{100}, members);
  ASSERT_EQ(result.status, ApportionStatus::kOk);
  EXPECT_EQ(result.total, Money{100});
  ASSERT_EQ(calculator.contributions().size(), 3u);
  EXPECT_EQ(calculator.contributions()[0].account, AccountId{10});
  EXPECT_EQ(amounts(calculator.contributions()), (std::vector<std::int64_t>{34, 33, 33}));
}

// 1000 over shares 300 / 100 / 600 with a floor of 200 on the member whose share is 100: the floor
// binds (its pro-rata 100 is below it); 800 over 300 : 600 is 266.67 : 533.33, and the left-over
// unit goes to the larger remainder (account 3's 600/900 against account 7's 300/900).
TEST(Contributions, AFloorThatBindsIsPaidExactlyAndTheRestIsProRata) {
  ContributionCalculator calculator(8, ContributionBasis::kStressedDeficit);
  const std::vector<MemberExposure> members = {member(7, 600), member(3, 300), member(5, 100, 200)};
  const ContributionResult result = calculator.compute(Money{1'000}, members);
  ASSERT_EQ(result.status, ApportionStatus::kOk);
  EXPECT_EQ(amounts(calculator.contributions()), (std::vector<std::int64_t>{267, 200, 533}));
  EXPECT_FALSE(calculator.contributions()[0].at_floor);
  EXPECT_TRUE(calculator.contributions()[1].at_floor);
}

// Account 2's pro-rata figure (30 of 100) is above its floor of 28 until account 1's floor of 40
// binds; then the rest, 60 over shares 30 + 60, gives it 20 < 28, so its floor binds too and
// account 3 pays the remaining 32. A single pass over the initial pro-rata figures gets this wrong.
TEST(Contributions, FloorsBindInTurnAsTheProRataLevelFalls) {
  ContributionCalculator calculator(8, ContributionBasis::kStressedDeficit);
  const std::vector<MemberExposure> members = {member(1, 10, 40), member(2, 30, 28), member(3, 60)};
  ASSERT_EQ(calculator.compute(Money{100}, members).status, ApportionStatus::kOk);
  EXPECT_EQ(amounts(calculator.contributions()), (std::vector<std::int64_t>{40, 28, 32}));
}

TEST(Contributions, WhenTheFloorsExceedTheRequirementTheRequirementIsTheirSum) {
  ContributionCalculator calculator(8, ContributionBasis::kStressedDeficit);
  const std::vector<MemberExposure> members = {member(1, 10, 60), member(2, 90, 70), member(3, 0)};
  const ContributionResult result = calculator.compute(Money{100}, members);
  ASSERT_EQ(result.status, ApportionStatus::kOk);
  EXPECT_EQ(result.total, Money{130});
  EXPECT_EQ(amounts(calculator.contributions()), (std::vector<std::int64_t>{60, 70, 0}));
}

TEST(Contributions, AllSharesZeroSplitsEquallyAboveTheFloors) {
  ContributionCalculator calculator(8, ContributionBasis::kStressedDeficit);
  const std::vector<MemberExposure> members = {member(1, 0), member(2, 0, 50), member(3, 0)};
  ASSERT_EQ(calculator.compute(Money{91}, members).status, ApportionStatus::kOk);
  // Member 2's floor of 50 binds (equal split: 30.33); 41 over the other two: 21 + 20.
  EXPECT_EQ(amounts(calculator.contributions()), (std::vector<std::int64_t>{21, 50, 20}));
}

TEST(Contributions, TheBasisPicksStressedDeficitOrInitialMargin) {
  const std::vector<MemberExposure> members = {{AccountId{1}, Money{300}, Money{100}, Money{0}},
                                               {AccountId{2}, Money{100}, Money{300}, Money{0}}};
  ContributionCalculator by_deficit(4, ContributionBasis::kStressedDeficit);
  ASSERT_EQ(by_deficit.compute(Money{1'000}, members).status, ApportionStatus::kOk);
  EXPECT_EQ(amounts(by_deficit.contributions()), (std::vector<std::int64_t>{750, 250}));
  ContributionCalculator by_margin(4, ContributionBasis::kInitialMargin);
  ASSERT_EQ(by_margin.compute(Money{1'000}, members).status, ApportionStatus::kOk);
  EXPECT_EQ(amounts(by_margin.contributions()), (std::vector<std::int64_t>{250, 750}));
  EXPECT_EQ(by_margin.basis(), ContributionBasis::kInitialMargin);
}

TEST(Contributions, RefusesBadInputWithATypedReason) {
  ContributionCalculator calculator(2, ContributionBasis::kStressedDeficit);
  const std::vector<MemberExposure> three = {member(1, 1), member(2, 1), member(3, 1)};
  EXPECT_EQ(calculator.compute(Money{10}, three).status, ApportionStatus::kTooManyMembers);
  const std::vector<MemberExposure> twice = {member(1, 1), member(1, 2)};
  EXPECT_EQ(calculator.compute(Money{10}, twice).status, ApportionStatus::kDuplicateAccount);
  const std::vector<MemberExposure> negative = {member(1, -1), member(2, 2)};
  EXPECT_EQ(calculator.compute(Money{10}, negative).status, ApportionStatus::kNegativeInput);
  EXPECT_TRUE(calculator.contributions().empty());
  EXPECT_EQ(calculator.compute(Money{10}, {}).status, ApportionStatus::kNoMembers);
  EXPECT_EQ(calculator.compute(Money{0}, {}).status, ApportionStatus::kOk);
  const std::int64_t big = std::numeric_limits<std::int64_t>::max();
  const std::vector<MemberExposure> huge = {member(1, big), member(2, big)};
  EXPECT_EQ(calculator.compute(Money{10}, huge).status, ApportionStatus::kSumPastInt64);
  const std::vector<MemberExposure> huge_floors = {member(1, 1, big), member(2, 1, big)};
  EXPECT_EQ(calculator.compute(Money{10}, huge_floors).status, ApportionStatus::kSumPastInt64);
}

TEST(Contributions, LargeAmountsUseExactWideIntermediates) {
  ContributionCalculator calculator(4, ContributionBasis::kStressedDeficit);
  const std::int64_t big = std::numeric_limits<std::int64_t>::max() / 3;
  const std::vector<MemberExposure> members = {member(1, big), member(2, big), member(3, big)};
  const std::int64_t requirement = std::numeric_limits<std::int64_t>::max() - 1;
  ASSERT_EQ(calculator.compute(Money{requirement}, members).status, ApportionStatus::kOk);
  Int128 sum = 0;
  for (const MemberContribution& c : calculator.contributions())
    sum += c.amount.raw();
  EXPECT_EQ(sum, requirement);
}

// The reference model: the floored set by plain fixed-point iteration (move every member whose
// floor is at or above its pro-rata figure of what the others leave, until nothing moves).
std::vector<bool> reference_floored(std::int64_t requirement,
                                    const std::vector<MemberExposure>& m) {
  std::vector<std::int64_t> weight;
  bool any = false;
  for (const MemberExposure& x : m)
    any = any || x.stressed_deficit.raw() > 0;
  for (const MemberExposure& x : m)
    weight.push_back(any ? x.stressed_deficit.raw() : 1);
  std::vector<bool> floored(m.size(), false);
  for (bool moved = true; moved;) {
    moved = false;
    Int128 rest = requirement;
    Int128 rest_weight = 0;
    for (std::size_t i = 0; i < m.size(); ++i) {
      if (floored[i]) {
        rest -= m[i].floor.raw();
      } else {
        rest_weight += weight[i];
      }
    }
    for (std::size_t i = 0; i < m.size(); ++i) {
      if (!floored[i] && Int128{m[i].floor.raw()} * rest_weight >= rest * weight[i]) {
        floored[i] = true;
        moved = true;
      }
    }
  }
  return floored;
}

TEST(Contributions, PropertySumIsExactEachWithinOneUnitOfItsProRataFigureAndOrderFree) {
  std::mt19937_64 rng(20'251'010);
  ContributionCalculator calculator(64, ContributionBasis::kStressedDeficit);
  ContributionCalculator shuffled_calculator(64, ContributionBasis::kStressedDeficit);
  for (int round = 0; round < 4'000; ++round) {
    const auto n = static_cast<std::size_t>(1 + rng() % 40);
    const std::int64_t scale = std::int64_t{1} << (rng() % 40);
    std::vector<MemberExposure> members;
    Int128 floors = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const std::int64_t share = rng() % 4 == 0 ? 0 : static_cast<std::int64_t>(rng() % scale);
      const std::int64_t floor = rng() % 3 == 0 ? static_cast<std::int64_t>(rng() % scale) : 0;
      // Random ids with collisions avoided by construction: i in the low bits.
      members.push_back(member(((rng() % 1'000) << 8) | i, share, floor));
      floors += floor;
    }
    const auto requirement = static_cast<std::int64_t>(rng() % (scale * 4 + 1));
    const ContributionResult result = calculator.compute(Money{requirement}, members);
    ASSERT_EQ(result.status, ApportionStatus::kOk);
    const Int128 total = std::max<Int128>(requirement, floors);
    ASSERT_EQ(result.total.raw(), total);

    std::vector<MemberExposure> by_id = members;
    std::sort(by_id.begin(), by_id.end(), [](const MemberExposure& a, const MemberExposure& b) {
      return a.account < b.account;
    });
    const std::span<const MemberContribution> got = calculator.contributions();
    ASSERT_EQ(got.size(), n);
    Int128 sum = 0;
    for (const MemberContribution& c : got)
      sum += c.amount.raw();
    ASSERT_EQ(sum, total) << "round " << round;

    if (floors < requirement) {
      const std::vector<bool> floored = reference_floored(requirement, by_id);
      bool any = false;
      for (const MemberExposure& x : by_id)
        any = any || x.stressed_deficit.raw() > 0;
      Int128 rest = requirement;
      Int128 rest_weight = 0;
      for (std::size_t i = 0; i < n; ++i) {
        if (floored[i]) {
          rest -= by_id[i].floor.raw();
        } else {
          rest_weight += any ? by_id[i].stressed_deficit.raw() : 1;
        }
      }
      for (std::size_t i = 0; i < n; ++i) {
        ASSERT_EQ(got[i].account, by_id[i].account);
        ASSERT_EQ(got[i].at_floor, floored[i]) << "round " << round << " member " << i;
        if (floored[i]) {
          ASSERT_EQ(got[i].amount, by_id[i].floor);
        } else {
          // |amount − rest × weight / rest_weight| < 1, in integers.
          const Int128 exact_scaled = rest * (any ? by_id[i].stressed_deficit.raw() : 1);
          const Int128 got_scaled = Int128{got[i].amount.raw()} * rest_weight;
          const Int128 gap =
              got_scaled > exact_scaled ? got_scaled - exact_scaled : exact_scaled - got_scaled;
          ASSERT_LT(gap, rest_weight) << "round " << round << " member " << i;
          ASSERT_GE(got[i].amount, by_id[i].floor);
        }
      }
    }

    std::vector<MemberExposure> shuffled = members;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    ASSERT_EQ(shuffled_calculator.compute(Money{requirement}, shuffled).status,
              ApportionStatus::kOk);
    const std::span<const MemberContribution> again = shuffled_calculator.contributions();
    for (std::size_t i = 0; i < n; ++i) {
      ASSERT_EQ(again[i].account, got[i].account);
      ASSERT_EQ(again[i].amount, got[i].amount) << "round " << round;
    }
  }
}

MemberCallShare caller(std::uint64_t id, std::int64_t share, std::int64_t contribution) {
  return {AccountId{id}, Money{share}, Money{contribution}};
}

// 90 over stressed shares 100 / 200 / 300 is 15 / 30 / 45; account 1's cap (1× its contribution of
// 10) binds, and the other 80 go 200 : 300 = 32 / 48, both under their caps.
TEST(ReplenishmentCall, ProRataToStressedShareWithACapThatBinds) {
  ReplenishmentCalculator calculator(8, {ReplenishmentCapKind::kMultipleOfContribution, 1'000'000});
  const std::vector<MemberCallShare> members = {caller(3, 300, 100), caller(1, 100, 10),
                                                caller(2, 200, 50)};
  const ReplenishmentResult result = calculator.compute(Money{90}, members);
  ASSERT_EQ(result.status, ApportionStatus::kOk);
  EXPECT_EQ(result.called, Money{90});
  EXPECT_EQ(result.uncalled, Money{0});
  const auto calls = calculator.calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0].amount, Money{10});
  EXPECT_TRUE(calls[0].capped);
  EXPECT_EQ(calls[1].amount, Money{32});
  EXPECT_EQ(calls[2].amount, Money{48});
  EXPECT_FALSE(calls[2].capped);
}

TEST(ReplenishmentCall, CapsBelowTheAmountCallEveryCapAndReportTheRestUncalled) {
  ReplenishmentCalculator calculator(8, {ReplenishmentCapKind::kMultipleOfContribution, 1'500'000});
  // Caps 1.5× contributions 10 / 51 / 0: 15, 77 (76.5 rounded up), 0; the third has no share.
  const std::vector<MemberCallShare> members = {caller(1, 100, 10), caller(2, 200, 51),
                                                caller(3, 0, 1'000)};
  const ReplenishmentResult result = calculator.compute(Money{200}, members);
  ASSERT_EQ(result.status, ApportionStatus::kOk);
  EXPECT_EQ(result.called, Money{92});
  EXPECT_EQ(result.uncalled, Money{108});
  EXPECT_EQ(calculator.calls()[0].amount, Money{15});
  EXPECT_EQ(calculator.calls()[1].amount, Money{77});
  EXPECT_EQ(calculator.calls()[2].amount, Money{0});
}

TEST(ReplenishmentCall, UncappedAndAbsoluteCaps) {
  ReplenishmentCalculator uncapped(8, {ReplenishmentCapKind::kNone});
  const std::vector<MemberCallShare> members = {caller(2, 1, 0), caller(1, 1, 0), caller(3, 1, 0)};
  ASSERT_EQ(uncapped.compute(Money{100}, members).status, ApportionStatus::kOk);
  EXPECT_EQ(uncapped.calls()[0].amount, Money{34});
  EXPECT_EQ(uncapped.calls()[1].amount, Money{33});

  ReplenishmentCalculator absolute(8, {ReplenishmentCapKind::kAbsolute, 0, Money{30}});
  const std::vector<MemberCallShare> skewed = {caller(1, 10, 0), caller(2, 10, 0),
                                               caller(3, 80, 0)};
  const ReplenishmentResult result = absolute.compute(Money{70}, skewed);
  EXPECT_EQ(result.called, Money{70});
  // 7 / 7 / 56 uncapped; member 3 caps at 30, the other 40 split 20 / 20.
  EXPECT_EQ(absolute.calls()[0].amount, Money{20});
  EXPECT_EQ(absolute.calls()[1].amount, Money{20});
  EXPECT_EQ(absolute.calls()[2].amount, Money{30});
}

TEST(ReplenishmentCall, PropertySumIsExactAndNobodyPaysPastItsCap) {
  std::mt19937_64 rng(7);
  ReplenishmentCalculator calculator(64, {ReplenishmentCapKind::kMultipleOfContribution, 700'000});
  for (int round = 0; round < 3'000; ++round) {
    const auto n = static_cast<std::size_t>(1 + rng() % 30);
    std::vector<MemberCallShare> members;
    Int128 callable = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const auto share = static_cast<std::int64_t>(rng() % 3 == 0 ? 0 : rng() % 1'000'000);
      const auto contribution = static_cast<std::int64_t>(rng() % 500'000);
      members.push_back(caller(i * 7 + 1, share, contribution));
    }
    bool any = false;
    for (const MemberCallShare& m : members)
      any = any || m.stressed_share.raw() > 0;
    for (const MemberCallShare& m : members) {
      if (!any || m.stressed_share.raw() > 0) {
        callable += div_round_up(Int128{m.contribution.raw()} * 700'000, 1'000'000);
      }
    }
    const auto amount = static_cast<std::int64_t>(rng() % 5'000'000);
    const ReplenishmentResult result = calculator.compute(Money{amount}, members);
    ASSERT_EQ(result.status, ApportionStatus::kOk);
    ASSERT_EQ(result.called.raw(), std::min<Int128>(amount, callable));
    Int128 sum = 0;
    for (const MemberCall& c : calculator.calls()) {
      ASSERT_LE(c.amount, c.cap);
      ASSERT_GE(c.amount.raw(), 0);
      sum += c.amount.raw();
    }
    ASSERT_EQ(sum, result.called.raw()) << "round " << round;
    ASSERT_EQ(result.called + result.uncalled, result.asked);
  }
}

}  // namespace
}  // namespace backstop::sizing
