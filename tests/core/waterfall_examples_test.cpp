// Worked examples per tier and per policy (docs/design.md §5), on the toy venue of
// waterfall_scene.hpp: multiplier 1, so a lot moves 1 unit of money per tick; MM 5 %. Unless a test
// says otherwise, A holds 10 lots long bought at 10,000 from S1 and the mark gaps to 9,400, so A's
// equity is its balance - 6,000: a balance of 5,000 leaves a deficit D = 1,000. Every figure below
// is computed by hand in the comment above its check; conservation is checked after every event.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "backstop/risk_engine.hpp"
#include "waterfall_scene.hpp"

namespace backstop {
namespace {

using namespace test;  // NOLINT: the toy venue's names read as the examples' words

constexpr std::uint64_t kM4 = 4;  // clearing members
constexpr std::uint64_t kM5 = 5;
constexpr std::uint64_t kM6 = 6;

// The backstop, A with `balance` (after `own_share` went to the default fund), S1; then A buys 10
// lots at 10,000 from S1. Funds and other members are set up by the caller first.
void one_long(Venue& v, std::int64_t balance, std::int64_t own_share = 0) {
  v.open(kBackstop, 1'000'000);
  v.open(kA, balance + own_share);
  if (own_share > 0) v.ok(make_fund_deposit(FundKind::kDefaultFund, 0, Money{own_share}, kA));
  v.open(kS1, 1'000'000);
  v.trade(kA, kS1, 10'000, 10);
}

void member(Venue& v, std::uint64_t id, std::int64_t share) {
  v.open(id, 10'000);
  v.ok(make_fund_deposit(FundKind::kDefaultFund, 0, Money{share}, id));
}

void fund(Venue& v, FundKind kind, std::int64_t amount) {
  v.ok(make_fund_deposit(kind, 0, Money{amount}));
}

const WaterfallRecord* first(const Venue& v, WaterfallKind kind) {
  for (const WaterfallRecord& r : v.records)
    if (r.kind == kind) return &r;
  return nullptr;
}

std::int64_t tranche(const Venue& v) {
  return v.e.waterfall_state().venue_tranche[0];
}
std::int64_t bad_debt(const Venue& v) {
  return v.e.waterfall_state().bad_debt[0];
}
std::int64_t default_fund(const Venue& v) {
  return v.e.waterfall_state().default_fund[0];
}

// ---- tier 1: the defaulter's own collateral ----

TEST(TierCollateral, ConsumedByTheCloseAndRecordedAtItsFullBalance) {
  // Balance 5,000, equity at 9,400: 5,000 - 6,000 = -1,000. The close at the mark consumes the
  // whole 5,000 (recorded 5,000 -> 0); the insurance fund pays the other 1,000.
  Venue v(toy_config(AdlPolicy::kNone));
  fund(v, FundKind::kInsurance, 10'000);
  one_long(v, 5'000);
  v.mark(9'400);
  const WaterfallRecord* c = first(v, WaterfallKind::kCollateral);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->tier, 1);
  EXPECT_EQ(c->amount, 5'000);
  EXPECT_EQ(c->before, 5'000);
  EXPECT_EQ(c->after, 0);
  EXPECT_EQ(v.sum(WaterfallKind::kDeficit), 1'000);
  EXPECT_EQ(v.sum(WaterfallKind::kInsuranceDraw), 1'000);
  EXPECT_EQ(v.insurance(), 9'000);
  EXPECT_EQ(v.balance(kA), 0);
  EXPECT_EQ(v.qty(kBackstop), 10);
}

TEST(TierCollateral, RealizedProfitIsCollateralToo) {
  // A first buys 2 at 10,000 and sells them at 10,200: +400, balance 5,400. Then the 10-lot long
  // and the gap to 9,400: equity 5,400 - 6,000 = -600. Collateral 5,400, insurance 600.
  Venue v(toy_config(AdlPolicy::kNone));
  fund(v, FundKind::kInsurance, 10'000);
  v.open(kBackstop, 1'000'000);
  v.open(kA, 5'000);
  v.open(kS1, 1'000'000);
  v.trade(kA, kS1, 10'000, 2);
  v.ok(make_fill(0, Side::kSell, kA, kS1, Price{10'200}, Qty{2}));
  ASSERT_EQ(v.balance(kA), 5'400);
  v.trade(kA, kS1, 10'000, 10);
  v.mark(9'400);
  EXPECT_EQ(v.sum(WaterfallKind::kCollateral), 5'400);
  EXPECT_EQ(v.sum(WaterfallKind::kDeficit), 600);
  EXPECT_EQ(v.sum(WaterfallKind::kInsuranceDraw), 600);
  EXPECT_EQ(v.insurance(), 9'400);
}

TEST(TierCollateral, ACloseAboveBankruptcyDrawsNoTier) {
  // Mark 9,600: equity 5,000 - 4,000 = 1,000 < MM 5 % x 96,000 = 4,800: liquidated, but the
  // collateral covers the close: no deficit, no tier record; the 1,000 left is surplus.
  Venue v(toy_config(AdlPolicy::kNone));
  fund(v, FundKind::kInsurance, 10'000);
  one_long(v, 5'000);
  v.mark(9'600);
  EXPECT_EQ(v.qty(kA), 0);
  EXPECT_EQ(first(v, WaterfallKind::kDeficit), nullptr);
  EXPECT_EQ(first(v, WaterfallKind::kCollateral), nullptr);
  EXPECT_EQ(v.sum(WaterfallKind::kSurplus), 1'000);
  EXPECT_EQ(v.insurance(), 11'000);
  EXPECT_TRUE(std::none_of(v.records.begin(), v.records.end(),
                           [](const WaterfallRecord& r) { return r.tier >= 1; }));
}

// ---- tier 2: the defaulter's own default-fund share ----

TEST(TierOwnShare, CoversTheDeficitBeforeAnyFund) {
  // A deposits 7,000 and puts 2,000 into the default fund: balance 5,000, D = 1,000. Its share
  // pays it all (2,000 -> 1,000); the insurance fund is not touched.
  Venue v(toy_config(AdlPolicy::kNone));
  fund(v, FundKind::kInsurance, 10'000);
  one_long(v, 5'000, 2'000);
  v.mark(9'400);
  const WaterfallRecord* own = first(v, WaterfallKind::kOwnDefaultFund);
  ASSERT_NE(own, nullptr);
  EXPECT_EQ(own->amount, 1'000);
  EXPECT_EQ(own->before, 2'000);
  EXPECT_EQ(own->after, 1'000);
  EXPECT_EQ(default_fund(v), 1'000);
  EXPECT_EQ(first(v, WaterfallKind::kInsuranceDraw), nullptr);
  EXPECT_EQ(v.insurance(), 10'000);
  EXPECT_EQ(v.balance(kA), 0);
}

TEST(TierOwnShare, ASmallShareIsUsedUpAndTheInsuranceFundPaysTheRest) {
  // Share 400 of D = 1,000: 400 from the share, 600 from the insurance fund.
  Venue v(toy_config(AdlPolicy::kNone));
  fund(v, FundKind::kInsurance, 10'000);
  one_long(v, 5'000, 400);
  v.mark(9'400);
  EXPECT_EQ(v.sum(WaterfallKind::kOwnDefaultFund), 400);
  EXPECT_EQ(v.sum(WaterfallKind::kInsuranceDraw), 600);
  EXPECT_EQ(default_fund(v), 0);
  EXPECT_EQ(v.insurance(), 9'400);
}

TEST(TierOwnShare, SwitchedOffTheShareStaysAndTheInsuranceFundPays) {
  RiskConfig c = toy_config(AdlPolicy::kNone);
  c.waterfall.own_default_fund = false;
  Venue v(c);
  fund(v, FundKind::kInsurance, 10'000);
  one_long(v, 5'000, 2'000);
  v.mark(9'400);
  EXPECT_EQ(first(v, WaterfallKind::kOwnDefaultFund), nullptr);
  EXPECT_EQ(v.sum(WaterfallKind::kInsuranceDraw), 1'000);
  EXPECT_EQ(default_fund(v), 2'000);
}

// ---- tier 4: the venue's own tranche ----

TEST(TierVenueTranche, PaysWhenTheInsuranceFundIsEmpty) {
  Venue v(toy_config(AdlPolicy::kNone));
  fund(v, FundKind::kVenueTranche, 5'000);
  one_long(v, 5'000);
  v.mark(9'400);
  const WaterfallRecord* t = first(v, WaterfallKind::kVenueTranche);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->tier, 4);
  EXPECT_EQ(t->amount, 1'000);
  EXPECT_EQ(t->before, 5'000);
  EXPECT_EQ(t->after, 4'000);
  EXPECT_EQ(tranche(v), 4'000);
  EXPECT_EQ(bad_debt(v), 0);
}

TEST(TierVenueTranche, ComesAfterTheInsuranceFundAndBeforeBadDebt) {
  // D = 1,000: insurance 200 (tier 3), tranche 300 (tier 4), 500 bad debt, in that order.
  Venue v(toy_config(AdlPolicy::kNone));
  fund(v, FundKind::kInsurance, 200);
  fund(v, FundKind::kVenueTranche, 300);
  one_long(v, 5'000);
  v.mark(9'400);
  EXPECT_EQ(v.sum(WaterfallKind::kInsuranceDraw), 200);
  EXPECT_EQ(v.sum(WaterfallKind::kVenueTranche), 300);
  EXPECT_EQ(v.sum(WaterfallKind::kBadDebt), 500);
  std::vector<WaterfallKind> order;
  for (const WaterfallRecord& r : v.records)
    if (r.tier >= 3) order.push_back(r.kind);
  EXPECT_EQ(order,
            (std::vector<WaterfallKind>{WaterfallKind::kInsuranceDraw, WaterfallKind::kVenueTranche,
                                        WaterfallKind::kBadDebt}));
}

TEST(TierVenueTranche, SwitchedOffTheTrancheStaysAndTheDeficitIsBadDebt) {
  RiskConfig c = toy_config(AdlPolicy::kNone);
  c.waterfall.venue_tranche = false;
  Venue v(c);
  fund(v, FundKind::kVenueTranche, 5'000);
  one_long(v, 5'000);
  v.mark(9'400);
  EXPECT_EQ(tranche(v), 5'000);
  EXPECT_EQ(bad_debt(v), 1'000);
}

// ---- tier 5: the other members' default-fund shares, pro rata ----

TEST(TierDefaultFund, APoolSmallerThanTheDeficitIsTakenWhole) {
  // Shares 100, 200, 300 (pool 600) against D = 1,000: need 600, each pays its whole share
  // (ceil(600 x 100 / 600) = 100, ...), 400 is bad debt.
  Venue v(toy_config(AdlPolicy::kNone));
  member(v, kM4, 100);
  member(v, kM5, 200);
  member(v, kM6, 300);
  one_long(v, 5'000);
  v.mark(9'400);
  EXPECT_EQ(v.sum(WaterfallKind::kDefaultFundDraw, kM4), 100);
  EXPECT_EQ(v.sum(WaterfallKind::kDefaultFundDraw, kM5), 200);
  EXPECT_EQ(v.sum(WaterfallKind::kDefaultFundDraw, kM6), 300);
  EXPECT_EQ(default_fund(v), 0);
  EXPECT_EQ(first(v, WaterfallKind::kRemainder), nullptr);
  EXPECT_EQ(bad_debt(v), 400);
}

TEST(TierDefaultFund, SharesAreRoundedUpAndTheRemainderGoesToInsurance) {
  // Balance 5,900: D = 100 over the pool 600: ceil(100 x 100/600) = 17, ceil(100 x 200/600) =
  // 34, ceil(100 x 300/600) = 50: 101 charged, 1 to the insurance fund.
  Venue v(toy_config(AdlPolicy::kNone));
  member(v, kM4, 100);
  member(v, kM5, 200);
  member(v, kM6, 300);
  one_long(v, 5'900);
  v.mark(9'400);
  EXPECT_EQ(v.sum(WaterfallKind::kDeficit), 100);
  EXPECT_EQ(v.sum(WaterfallKind::kDefaultFundDraw, kM4), 17);
  EXPECT_EQ(v.sum(WaterfallKind::kDefaultFundDraw, kM5), 34);
  EXPECT_EQ(v.sum(WaterfallKind::kDefaultFundDraw, kM6), 50);
  EXPECT_EQ(v.sum(WaterfallKind::kRemainder), 1);
  EXPECT_EQ(v.insurance(), 1);
  EXPECT_EQ(default_fund(v), 600 - 101);
  EXPECT_EQ(v.balance(kA), 0);
}

TEST(TierDefaultFund, TheDefaultersOwnShareIsNotInTheOthersPool) {
  // Own-share tier off: A's 500 stays out of tier 5, whose pool is M4's 500 alone: M4 pays 500
  // of D = 1,000, and 500 is bad debt. A's share is untouched.
  RiskConfig c = toy_config(AdlPolicy::kNone);
  c.waterfall.own_default_fund = false;
  Venue v(c);
  member(v, kM4, 500);
  one_long(v, 5'000, 500);
  v.mark(9'400);
  EXPECT_EQ(v.sum(WaterfallKind::kDefaultFundDraw, kM4), 500);
  EXPECT_EQ(v.sum(WaterfallKind::kDefaultFundDraw, kA), 0);
  EXPECT_EQ(default_fund(v), 500);
  EXPECT_EQ(bad_debt(v), 500);
}

// ---- tier 6: pro-rata ADL ----

TEST(ProRataAdl, FundsFirstThenTheSameFractionOfEveryOppositePosition) {
  // The ADL scene (D = 7,000) with 4,000 of insurance: 3,000 left over A's 10 lots = 300 per lot.
  // Lots as without the fund: 10 of 14 -> 3, 3, 4 (see waterfall_test.cpp): 900, 900, 1,200.
  Venue v(toy_config(AdlPolicy::kProRata));
  fund(v, FundKind::kInsurance, 4'000);
  adl_scene(v);
  v.mark(8'500);
  EXPECT_EQ(v.sum(WaterfallKind::kInsuranceDraw), 4'000);
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill, kS1), 900);
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill, kS2), 900);
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill, kS3), 1'200);
  EXPECT_EQ(v.qty(kS3), -2);
}

TEST(ProRataAdl, AnOppositeSideOfExactlyTheLotsClosesWhole) {
  // A (12,000) bought 4 from S1 and 6 from S2 at 10,000; mark 8,500: D = 3,000, 300 per lot. The
  // opposite side holds exactly 10 lots: S1 closes 4 (pays 1,200), S2 6 (1,800), no remainders.
  // S1's balance: 20,000 + 4 x 1,500 realized - 1,200 = 24,800; S2's: 20,000 + 9,000 - 1,800.
  Venue v(toy_config(AdlPolicy::kProRata));
  v.open(kBackstop, 1'000'000);
  v.open(kA, 12'000);
  v.open(kS1, 20'000);
  v.open(kS2, 20'000);
  v.trade(kA, kS1, 10'000, 4);
  v.trade(kA, kS2, 10'000, 6);
  v.mark(8'500);
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill, kS1), 1'200);
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill, kS2), 1'800);
  EXPECT_EQ(v.qty(kS1), 0);
  EXPECT_EQ(v.qty(kS2), 0);
  EXPECT_EQ(v.qty(kBackstop), 0);
  EXPECT_EQ(v.balance(kS1), 24'800);
  EXPECT_EQ(v.balance(kS2), 27'200);
  EXPECT_EQ(bad_debt(v), 0);
}

// ---- tier 6: socialized loss ----

TEST(SocializedLoss, RoundingRemainderGoesToInsurance) {
  // A (13,999) bought 3 from S1, 4 from S2, 3 from S3 at 10,000; mark 8,500: D = 15,000 - 13,999
  // = 1,001 over the 10 winning lots: ceil(1,001 / 10) = 101 per lot, 1,010 charged, 9 to the
  // insurance fund. S1 owes 303: equity 20,000 + 4,500 - 303 = 24,197; S2 owes 404.
  Venue v(toy_config(AdlPolicy::kSocialized));
  v.open(kBackstop, 10'000'000);
  v.open(kA, 13'999);
  v.open(kS1, 20'000);
  v.open(kS2, 20'000);
  v.open(kS3, 20'000);
  v.trade(kA, kS1, 10'000, 3);
  v.trade(kA, kS2, 10'000, 4);
  v.trade(kA, kS3, 10'000, 3);
  v.mark(8'500);
  EXPECT_EQ(v.sum(WaterfallKind::kSocializedLoss), 1'001);
  EXPECT_EQ(v.sum(WaterfallKind::kRemainder), 9);
  EXPECT_EQ(v.insurance(), 9);
  EXPECT_EQ(v.e.waterfall_state().socialized_index[1], 101);
  EXPECT_EQ(v.e.slot_margin(v.slot(kS1)).equity, 24'197);
  EXPECT_EQ(v.e.slot_margin(v.slot(kS2)).equity, 20'000 + 6'000 - 404);
  EXPECT_EQ(v.e.slot_margin(v.slot(kS3)).equity, 24'197);
}

TEST(SocializedLoss, FundsFirstThenTheRestPerLot) {
  // The ADL scene (D = 7,000) with 4,000 of insurance: 3,000 over the 14 short lots, ceil = 215
  // per lot, 3,010 charged, 10 back to the (emptied) insurance fund. S1 and S2 owe 860 each, S3
  // 1,290; L, a losing long, owes nothing.
  Venue v(toy_config(AdlPolicy::kSocialized));
  fund(v, FundKind::kInsurance, 4'000);
  adl_scene(v);
  const Int128 l_equity = v.e.slot_margin(v.slot(kL)).equity + 4 * (8'500 - 10'000);
  v.mark(8'500);
  EXPECT_EQ(v.sum(WaterfallKind::kSocializedLoss), 3'000);
  EXPECT_EQ(v.insurance(), 10);
  EXPECT_EQ(v.e.slot_margin(v.slot(kS1)).equity, 20'000 + 6'000 - 860);
  EXPECT_EQ(v.e.slot_margin(v.slot(kS2)).equity, 5'000 + 8'000 - 860);
  EXPECT_EQ(v.e.slot_margin(v.slot(kS3)).equity, 30'000 + 15'000 - 1'290);
  EXPECT_EQ(v.e.slot_margin(v.slot(kL)).equity, l_equity);
}

// ---- tier 7: member assessment ----

TEST(TierAssessment, UncappedCoversTheWholeDeficitProRata) {
  // Default-fund tier off; members committed 100 and 200; D = 3,000 (balance 5,000, mark 9,200):
  // 1,000 and 2,000 assessed, exactly; nothing is bad debt.
  RiskConfig c = toy_config(AdlPolicy::kNone);
  c.waterfall.assessment = true;
  c.waterfall.default_fund = false;
  Venue v(c);
  member(v, kM4, 100);
  member(v, kM5, 200);
  one_long(v, 5'000);
  v.mark(9'200);
  EXPECT_EQ(v.sum(WaterfallKind::kAssessment, kM4), 1'000);
  EXPECT_EQ(v.sum(WaterfallKind::kAssessment, kM5), 2'000);
  EXPECT_EQ(v.e.waterfall_state().receivable[0], 3'000);
  EXPECT_EQ(bad_debt(v), 0);
  EXPECT_EQ(v.balance(kA), 0);
}

TEST(TierAssessment, FollowsWhatMembersCommittedOnceTheirSharesAreDrawn) {
  // D = 1,000; shares 100 and 200. Tier 5 takes them whole (300); the replenishment call for the
  // other 700 is pro rata to what was committed, 100 : 200, even though both shares are now 0:
  // ceil(700 x 100/300) = 234, ceil(700 x 200/300) = 467, 1 to the insurance fund.
  RiskConfig c = toy_config(AdlPolicy::kNone);
  c.waterfall.assessment = true;
  Venue v(c);
  member(v, kM4, 100);
  member(v, kM5, 200);
  one_long(v, 5'000);
  v.mark(9'400);
  EXPECT_EQ(v.sum(WaterfallKind::kDefaultFundDraw), 300);
  EXPECT_EQ(v.sum(WaterfallKind::kAssessment, kM4), 234);
  EXPECT_EQ(v.sum(WaterfallKind::kAssessment, kM5), 467);
  EXPECT_EQ(v.e.waterfall_state().receivable[0], 701);
  EXPECT_EQ(v.insurance(), 1);
  EXPECT_EQ(bad_debt(v), 0);
}

TEST(TierAssessment, AMemberWhoContributesAgainIsCountedOnce) {
  // M4 commits 100 and a first default (D = 100) draws it to 0; M4 then commits 100 more
  // (committed 200, still one member) and M5 commits 100. A second default (D = 1,000) takes both
  // shares in tier 5 (200) and assesses the other 800 by what was committed, 200 : 100.
  RiskConfig c = toy_config(AdlPolicy::kNone);
  c.waterfall.assessment = true;
  Venue v(c);
  member(v, kM4, 100);
  v.open(kBackstop, 1'000'000);
  v.open(kA, 5'900);  // D = 100
  v.open(kS1, 1'000'000);
  v.trade(kA, kS1, 10'000, 10);
  v.mark(9'400);
  ASSERT_EQ(v.sum(WaterfallKind::kDefaultFundDraw, kM4), 100);
  v.ok(make_fund_deposit(FundKind::kDefaultFund, 0, Money{100}, kM4));
  member(v, kM5, 100);
  v.open(3, 5'000);
  v.mark(10'000);
  v.trade(3, kS1, 10'000, 10);
  const std::int64_t drawn_before = v.sum(WaterfallKind::kDefaultFundDraw);
  v.mark(9'400);  // 3: D = 1,000; tier 5 takes M4's 100 and M5's 100 first
  EXPECT_EQ(v.sum(WaterfallKind::kDefaultFundDraw) - drawn_before, 200);
  // 800 left: M4 ceil(800 x 200/300) = 534, M5 ceil(800 x 100/300) = 267; 1 to insurance.
  EXPECT_EQ(v.sum(WaterfallKind::kAssessment, kM4), 534);
  EXPECT_EQ(v.sum(WaterfallKind::kAssessment, kM5), 267);
  EXPECT_EQ(v.e.waterfall_state().member_count, 2u);
}

}  // namespace
}  // namespace backstop
