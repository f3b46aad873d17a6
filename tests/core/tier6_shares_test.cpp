// Tier 6 charges each payer its exact share of the part it covers, rounded up once per payer
// (adl_policies.hpp, docs/waterfall.md): a socialized loss R over an open interest OI costs a
// holder of q lots ceil(R·q/OI), an ADL counterparty closing x of the defaulter's L lots
// ceil(R·x/L). So the excess over R, which goes to the insurance fund, is under one unit per
// payer, however large the open interest; a per-lot charge rounded up and then multiplied by the
// lots would collect up to one unit per lot. On the toy venue of waterfall_scene.hpp (multiplier
// 1: one lot moves one unit per tick); every figure is computed by hand in the comment above it.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "audit_book.hpp"
#include "backstop/risk_engine.hpp"
#include "waterfall_scene.hpp"

namespace backstop {
namespace {

using namespace test;  // NOLINT: the toy venue's names read as the examples' words

constexpr std::uint64_t kBigLong = 30;

// A's equity at the mark 8,999 after buying `lots` at 10,000 on `balance`.
std::int64_t equity_of_a(std::int64_t balance, std::int64_t lots) {
  return balance + lots * (8'999 - 10'000);
}

// The shorts' equity at the mark 8,999: balance + q x 1,001 minus what they were charged.
Int128 equity(const Venue& v, std::uint64_t id) {
  return v.e.slot_margin(v.slot(id)).equity;
}

std::int64_t payers_charged(const Venue& v) {
  std::int64_t n = 0;
  for (const WaterfallRecord& r : v.records)
    if (r.kind == WaterfallKind::kSocializedCharge) ++n;
  return n;
}

// A (defaulter) buys 300 lots from S1, 300 from S2 and 400 from S3 at 10,000, on a balance that
// leaves a deficit of exactly 1 at the mark 8,999: 1,000,999 - 1,000 x 1,001 = -1. No fund has
// anything: the whole unit goes to tier 6.
void thousand_lots_one_unit_short(Venue& v) {
  v.open(kBackstop, 100'000'000);
  v.open(kA, 1'000'999);
  v.open(kS1, 1'000'000);
  v.open(kS2, 1'000'000);
  v.open(kS3, 1'000'000);
  v.trade(kA, kS1, 10'000, 300);
  v.trade(kA, kS2, 10'000, 300);
  v.trade(kA, kS3, 10'000, 400);
  ASSERT_EQ(equity_of_a(1'000'999, 1'000), -1);
}

TEST(SocializedShares, OneUnitOverAThousandLotsCostsEachOfThreeHoldersOneUnit) {
  // R = 1 over OI = 1,000 short lots held by three accounts: S1 ceil(1 x 300 / 1,000) = 1, S2 1,
  // S3 ceil(400 / 1,000) = 1; 3 charged, 2 to the insurance fund (at most one per payer). A
  // per-lot charge of ceil(1 / 1,000) = 1 would have taken 1,000 for the one unit.
  RiskConfig c = toy_config(AdlPolicy::kSocialized);
  c.waterfall.audit_balances = true;
  Venue v(c);
  thousand_lots_one_unit_short(v);
  v.mark(8'999);
  EXPECT_EQ(v.sum(WaterfallKind::kSocializedLoss), 1);
  EXPECT_EQ(v.sum(WaterfallKind::kRemainder), 2);
  EXPECT_LE(v.sum(WaterfallKind::kRemainder), 3) << "beyond one unit per paying account";
  EXPECT_EQ(v.insurance(), 2);
  EXPECT_EQ(equity(v, kS1), 1'000'000 + 300 * 1'001 - 1);
  EXPECT_EQ(equity(v, kS2), 1'000'000 + 300 * 1'001 - 1);
  EXPECT_EQ(equity(v, kS3), 1'000'000 + 400 * 1'001 - 1);
  EXPECT_EQ(v.balance(kA), 0);
  EXPECT_EQ(v.qty(kBackstop), 1'000);  // the backstop keeps the position, loses nothing to R
  EXPECT_EQ(v.e.waterfall_state().socialized[0], 1);
}

TEST(SocializedShares, EachPayersChargeIsABalanceLegShowingItsBalance) {
  // With the balance legs on, every payer's share is one transfer from its account to the cover,
  // with its balance before and after: S1, S2, S3 (ascending in the records' order is not
  // promised, so by account), 1 each, balances 1,000,000 -> 999,999. The audit book then rebuilds
  // every balance and fund from the records alone.
  RiskConfig c = toy_config(AdlPolicy::kSocialized);
  c.waterfall.audit_balances = true;
  Venue v(c);
  AuditBook book;
  std::string error;
  thousand_lots_one_unit_short(v);
  ASSERT_TRUE(book.apply(v.records, error)) << error;
  const std::size_t before_mark = v.records.size();
  v.mark(8'999);
  const std::vector<WaterfallRecord> event(v.records.begin() + before_mark, v.records.end());
  ASSERT_TRUE(book.apply(event, error)) << error;
  EXPECT_EQ(book.compare(v.e), "");
  EXPECT_EQ(payers_charged(v), 3);
  for (const std::uint64_t id : {kS1, kS2, kS3}) {
    std::int64_t legs = 0;
    for (const WaterfallRecord& r : event) {
      if (r.kind != WaterfallKind::kSocializedCharge || r.account != id) continue;
      ++legs;
      EXPECT_EQ(from_party(r), Party::kAccount);
      EXPECT_EQ(to_party(r), Party::kCover);
      EXPECT_EQ(r.shown, Shown::kFrom);
      EXPECT_EQ(r.amount, 1);
      EXPECT_EQ(r.before, 1'000'000);
      EXPECT_EQ(r.after, 999'999);
    }
    EXPECT_EQ(legs, 1) << "account " << id;
  }
}

TEST(SocializedShares, TheBackstopHoldingTheWinningSidePaysItsShareToo) {
  // Before A, the backstop sold 2,000 lots to a big long at 10,000; taking A's 1,000 long over
  // nets it to short 1,000. The winning side is then S1 300, S2 300, S3 400 and the backstop
  // 1,000: OI = 2,000. R = 1: ceil(1 x 300 / 2,000) = 1 for S1, S2, S3 and ceil(1,000 / 2,000) = 1
  // for the backstop; 4 charged, 3 to the insurance fund.
  RiskConfig c = toy_config(AdlPolicy::kSocialized);
  c.waterfall.audit_balances = true;
  Venue v(c);
  thousand_lots_one_unit_short(v);
  v.open(kBigLong, 100'000'000);
  v.trade(kBigLong, kBackstop, 10'000, 2'000);
  const std::int64_t backstop_balance = v.balance(kBackstop);
  v.mark(8'999);
  EXPECT_EQ(v.qty(kBackstop), -1'000);
  EXPECT_EQ(payers_charged(v), 4);
  EXPECT_EQ(v.sum(WaterfallKind::kSocializedCharge, kBackstop), 1);
  EXPECT_EQ(v.sum(WaterfallKind::kSocializedCharge, kBigLong), 0);  // a loser pays nothing
  EXPECT_EQ(v.sum(WaterfallKind::kRemainder), 3);
  EXPECT_EQ(v.insurance(), 3);
  // The takeover realized the backstop's 1,000 lots closed at 8,999: +1,001 each.
  EXPECT_EQ(v.balance(kBackstop), backstop_balance + 1'000 * 1'001 - 1);
}

// A (defaulter) buys 3 lots from S1, 3 from S2 and 4 from S3 at 10,000; at the mark 8,899 its
// equity is 10,009 - 10 x 1,101 = -1,001: D = 1,001, all to tier 6.
void ten_lots_over_three(Venue& v) {
  v.open(kBackstop, 10'000'000);
  v.open(kA, 10'009);
  v.open(kS1, 100'000);
  v.open(kS2, 100'000);
  v.open(kS3, 100'000);
  v.trade(kA, kS1, 10'000, 3);
  v.trade(kA, kS2, 10'000, 3);
  v.trade(kA, kS3, 10'000, 4);
  v.mark(8'899);
}

TEST(AdlShares, EachCounterpartyPaysItsShareOfTheDeficitRoundedOnce) {
  // The opposite side holds exactly A's 10 lots, so every short closes all it holds, ranked or
  // pro rata. S1 and S2 (3 lots) pay ceil(1,001 x 3 / 10) = ceil(300.3) = 301, S3 (4 lots)
  // ceil(400.4) = 401: 1,003 for 1,001, 2 to the insurance fund. The per-lot price
  // ceil(1,001 / 10) = 101 would have taken 303, 303 and 404: 1,010.
  for (const AdlPolicy policy : {AdlPolicy::kRanked, AdlPolicy::kProRata}) {
    Venue v(toy_config(policy));
    ten_lots_over_three(v);
    EXPECT_EQ(v.sum(WaterfallKind::kAdlFill, kS1), 301) << int(policy);
    EXPECT_EQ(v.sum(WaterfallKind::kAdlFill, kS2), 301) << int(policy);
    EXPECT_EQ(v.sum(WaterfallKind::kAdlFill, kS3), 401) << int(policy);
    EXPECT_EQ(v.sum(WaterfallKind::kRemainder), 2) << int(policy);
    EXPECT_LE(v.sum(WaterfallKind::kRemainder), 3) << "beyond one unit per counterparty";
    EXPECT_EQ(v.insurance(), 2) << int(policy);
    EXPECT_EQ(v.balance(kA), 0) << int(policy);
    // kAdlClose: the lots closed, the mark, and the share owed for them.
    for (const WaterfallRecord& r : v.records) {
      if (r.kind != WaterfallKind::kAdlClose) continue;
      EXPECT_EQ(r.before, 8'899);
      EXPECT_EQ(r.after, r.amount == 4 ? 401 : 301) << "account " << r.account;
    }
    // S1 closed 3 lots at 8,899, 1,101 each realized: 100,000 + 3,303 - 301.
    EXPECT_EQ(v.balance(kS1), 100'000 + 3 * 1'101 - 301) << int(policy);
    EXPECT_EQ(v.qty(kS1), 0);
    EXPECT_EQ(v.qty(kBackstop), 0);
  }
}

TEST(AdlShares, AtTheMarkNobodyPaysAndTheDeficitFallsThrough) {
  // AdlPrice::kMark: the shares are of nothing. The closes happen, the 1,001 is bad debt.
  Venue v(toy_config(AdlPolicy::kRanked, AdlScore::kHyperliquid, AdlPrice::kMark));
  ten_lots_over_three(v);
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill), 0);
  EXPECT_EQ(v.sum(WaterfallKind::kRemainder), 0);
  EXPECT_EQ(v.sum(WaterfallKind::kBadDebt), 1'001);
  for (const WaterfallRecord& r : v.records) {
    if (r.kind == WaterfallKind::kAdlClose) {
      EXPECT_EQ(r.after, 0);
    }
  }
}

}  // namespace
}  // namespace backstop
