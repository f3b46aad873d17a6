// Liquidation and the loss waterfall (docs/design.md §5) on worked examples computed by hand from
// the venues' published rules, on the toy venue of waterfall_scene.hpp (multiplier 1, IM 10 %, MM 5
// %). Conservation is checked after every event. More examples per tier:
// waterfall_examples_test.cpp.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "backstop/risk_engine.hpp"
#include "support/engine_checks.hpp"
#include "test_support.hpp"
#include "waterfall_scene.hpp"

namespace backstop {
namespace {

using namespace test;  // NOLINT: the toy venue's names read as the examples' words

// ---- liquidation ----

TEST(Liquidation, BinanceBankruptcyPriceIsEntryMinusMarginPerLot) {
  // Binance (isolated long): BP = entry - margin / qty = 10,000 - 12,000 / 10 = 8,800: equity is
  // exactly zero there and negative below; the engine reports the lowest solvent close price.
  RiskConfig c = toy_config();
  c.waterfall.mode = LiquidationMode::kOff;
  Venue v(c);
  v.open(kBackstop, 1'000'000);
  v.open(kA, 12'000);
  v.open(kS1, 1'000'000);
  v.trade(kA, kS1, 10'000, 10);
  EXPECT_EQ(v.e.slot_bankruptcy_price(v.slot(kA), 0)->raw(), 8'800);
  v.mark(8'800);
  EXPECT_EQ(v.e.slot_margin(v.slot(kA)).equity, 0);
  v.mark(8'799);
  EXPECT_EQ(v.e.slot_margin(v.slot(kA)).equity, -10);
}

TEST(Liquidation, TakeoverAtMarkSendsFeeAndSurplusToInsurance) {
  // Mark 9,250: equity 12,000 - 7,500 = 4,500 < MM 5 % x 92,500 = 4,625. Fee 0.5 % of 92,500 =
  // 462.5, rounded up to 463; the surplus 4,037 goes to the insurance fund as well (BitMEX).
  RiskConfig c = toy_config();
  c.waterfall.liquidation_fee_rate = 5'000;
  Venue v(c);
  v.open(kBackstop, 1'000'000);
  v.open(kA, 12'000);
  v.open(kS1, 1'000'000);
  v.trade(kA, kS1, 10'000, 10);
  v.mark(9'300);  // 5,000 >= 4,650: still healthy
  EXPECT_EQ(v.qty(kA), 10);
  v.mark(9'250);
  EXPECT_EQ(v.qty(kA), 0);
  EXPECT_EQ(v.qty(kBackstop), 10);
  EXPECT_EQ(v.balance(kA), 0);
  EXPECT_EQ(v.sum(WaterfallKind::kLiquidationFee), 463);
  EXPECT_EQ(v.sum(WaterfallKind::kSurplus), 4'037);
  EXPECT_EQ(v.insurance(), 4'500);
  EXPECT_EQ(v.e.account(v.slot(kA)).status, AccountStatus::kHealthy);
}

TEST(Liquidation, OrderModeEmitsIocAtBankruptcyPriceThenTakesOverTheRest) {
  RiskConfig c = toy_config();
  c.waterfall.mode = LiquidationMode::kOrder;
  c.waterfall.order_timeout_ns = 1'000;
  Venue v(c);
  v.open(kBackstop, 1'000'000);
  v.open(kA, 12'000);
  v.open(kS1, 1'000'000);
  v.open(kS2, 1'000'000);
  v.trade(kA, kS1, 10'000, 10);
  v.mark(9'250, 100);
  ASSERT_EQ(v.records.size(), 1u);
  EXPECT_EQ(v.records[0].kind, WaterfallKind::kLiquidationOrder);
  EXPECT_EQ(v.records[0].amount, -10);  // sell 10
  // Bankruptcy price: 10,000 - 12,000 / 10 = 8,800, where equity after the close is zero.
  EXPECT_EQ(v.records[0].before, 8'800);
  EXPECT_EQ(v.qty(kA), 10);
  // The matching engine fills 6 lots at 8,800 (S2 buys): A realizes -7,200, balance 4,800;
  // equity at 9,250 is 4,800 - 3,000 = 1,800 < MM 1,850: still liquidatable.
  v.ok(make_liquidation_fill(0, Side::kSell, kA, kS2, Price{8'800}, Qty{6}, Money{0}, Money{0},
                             500));
  EXPECT_EQ(v.qty(kA), 4);
  v.mark(9'250, 900);  // before the deadline: nothing more
  EXPECT_EQ(v.qty(kA), 4);
  v.mark(9'250, 1'100);  // after it: the rest is taken over at the mark
  EXPECT_EQ(v.qty(kA), 0);
  EXPECT_EQ(v.qty(kBackstop), 4);
  // The 1,800 left goes to the insurance fund.
  EXPECT_EQ(v.insurance(), 1'800);
}

// ---- tiers 1-5 ----

TEST(Waterfall, BackstopMustHaveAPositionSlotForEveryInstrumentOfItsAsset) {
  // The backstop takes every position over: with three instruments settling in asset 0 and two
  // position slots per account, the third takeover would write past its slots.
  RiskConfig c = toy_config();
  c.instruments = {toy(), toy(), toy()};
  c.instruments[1].symbol = "TOY2";  // symbols must be unique
  c.instruments[2].symbol = "TOY3";
  c.positions_per_account = 2;
  EXPECT_EQ(validate_config(c),
            "waterfall.backstop_accounts: asset 0 has 3 instruments, more than "
            "positions_per_account: its backstop could not hold them all");
  c.positions_per_account = 3;
  EXPECT_EQ(validate_config(c), "");
  c.positions_per_account = 2;
  c.waterfall.mode = LiquidationMode::kOff;
  EXPECT_EQ(validate_config(c), "");
}

TEST(Waterfall, InsuranceFundCoversTheDeficitDownToItsFloor) {
  RiskConfig c = toy_config(AdlPolicy::kNone);
  c.waterfall.insurance_floor = {2'000};
  Venue v(c);
  v.open(kBackstop, 1'000'000);
  v.open(kA, 12'000);
  v.open(kS1, 1'000'000);
  v.ok(make_fund_deposit(FundKind::kInsurance, 0, Money{10'000}));
  v.trade(kA, kS1, 10'000, 10);
  v.mark(8'500);  // equity 12,000 - 15,000 = -3,000
  EXPECT_EQ(v.sum(WaterfallKind::kDeficit), 3'000);
  EXPECT_EQ(v.sum(WaterfallKind::kCollateral), 12'000);
  EXPECT_EQ(v.sum(WaterfallKind::kInsuranceDraw), 3'000);
  EXPECT_EQ(v.insurance(), 7'000);
  EXPECT_EQ(v.balance(kA), 0);
  EXPECT_EQ(v.e.waterfall_state().bad_debt[0], 0);
}

TEST(Waterfall, EveryTierInOrderWithProRataDefaultFundAndRemainderToInsurance) {
  // D = 3,000 + A's own contribution 1,000 taken first (tier 2): A deposits 13,000 and puts
  // 1,000 into the default fund, so its balance is 12,000 and D = 3,000 again.
  // Tier 2: 1,000. Tier 3: insurance 3,000 above floor 2,000 -> 1,000 (floor kept).
  // Tier 4: tranche 500. Tier 5: 500 from members M4 (300) and M5 (600), pool 900:
  // ceil(500*300/900) = 167, ceil(500*600/900) = 334, 501 charged, 1 to the insurance fund.
  RiskConfig c = toy_config(AdlPolicy::kNone);
  c.waterfall.insurance_floor = {2'000};
  Venue v(c);
  v.open(kBackstop, 1'000'000);
  v.open(kA, 13'000);
  v.open(kS1, 1'000'000);
  v.open(4, 10'000);
  v.open(5, 10'000);
  v.ok(make_fund_deposit(FundKind::kDefaultFund, 0, Money{1'000}, kA));
  v.ok(make_fund_deposit(FundKind::kDefaultFund, 0, Money{300}, 4));
  v.ok(make_fund_deposit(FundKind::kDefaultFund, 0, Money{600}, 5));
  v.ok(make_fund_deposit(FundKind::kInsurance, 0, Money{3'000}));
  v.ok(make_fund_deposit(FundKind::kVenueTranche, 0, Money{500}));
  v.trade(kA, kS1, 10'000, 10);
  v.mark(8'500);
  EXPECT_EQ(v.sum(WaterfallKind::kOwnDefaultFund), 1'000);
  EXPECT_EQ(v.sum(WaterfallKind::kInsuranceDraw), 1'000);
  EXPECT_EQ(v.sum(WaterfallKind::kVenueTranche), 500);
  EXPECT_EQ(v.sum(WaterfallKind::kDefaultFundDraw, 4), 167);
  EXPECT_EQ(v.sum(WaterfallKind::kDefaultFundDraw, 5), 334);
  EXPECT_EQ(v.sum(WaterfallKind::kRemainder), 1);
  EXPECT_EQ(v.insurance(), 2'001);
  EXPECT_EQ(v.e.waterfall_state().default_fund[0], 300 - 167 + 600 - 334);
  EXPECT_EQ(v.balance(kA), 0);
  // Tier order in the audit trail.
  std::vector<std::uint8_t> tiers;
  for (const WaterfallRecord& r : v.records)
    if (r.tier >= 1 && r.tier <= 8) tiers.push_back(r.tier);
  EXPECT_TRUE(std::is_sorted(tiers.begin(), tiers.end()));
}

TEST(Waterfall, InsuranceCapPerAccountPerWindowPassesTheRestDown) {
  // dYdX-style cap: at most 1,000 per account per window from the insurance fund; the rest of
  // the 3,000 deficit is bad debt (no later tier configured), and withdrawals are then gated.
  RiskConfig c = toy_config(AdlPolicy::kNone);
  c.waterfall.insurance_cap_per_account = 1'000;
  Venue v(c);
  v.open(kBackstop, 1'000'000);
  v.open(kA, 12'000);
  v.open(kS1, 1'000'000);
  v.ok(make_fund_deposit(FundKind::kInsurance, 0, Money{100'000}));
  v.trade(kA, kS1, 10'000, 10);
  v.mark(8'500, 10);
  EXPECT_EQ(v.sum(WaterfallKind::kInsuranceDraw), 1'000);
  EXPECT_EQ(v.sum(WaterfallKind::kBadDebt), 2'000);
  EXPECT_EQ(v.e.waterfall_state().bad_debt[0], 2'000);
  EXPECT_EQ(v.step(make_withdraw(kS1, Money{1})), RejectCode::kDeficitUnresolved);
  v.ok(make_fund_deposit(FundKind::kRecoverBadDebt, 0, Money{2'000}));
  EXPECT_EQ(v.step(make_withdraw(kS1, Money{1})), RejectCode::kOk);
}

TEST(Waterfall, EmptyFundsLeaveBadDebtRecordedNotHidden) {
  Venue v(toy_config(AdlPolicy::kNone));
  v.open(kBackstop, 1'000'000);
  v.open(kA, 12'000);
  v.open(kS1, 1'000'000);
  v.trade(kA, kS1, 10'000, 10);
  v.mark(8'000);  // -8,000
  EXPECT_EQ(v.sum(WaterfallKind::kBadDebt), 8'000);
  EXPECT_EQ(v.e.waterfall_state().bad_debt[0], 8'000);
}

TEST(Waterfall, AssessmentIsCappedAndRecordedAsReceivable) {
  // 3,000 deficit, no funds but a 2,000-capped assessment on members M4 (100) and M5 (200):
  // ceil(2,000/3) = 667 and ceil(4,000/3) = 1,334, 1 to the insurance fund; 1,000 bad debt.
  RiskConfig c = toy_config(AdlPolicy::kNone);
  c.waterfall.assessment = true;
  c.waterfall.assessment_cap = 2'000;
  c.waterfall.default_fund = false;
  Venue v(c);
  v.open(kBackstop, 1'000'000);
  v.open(kA, 12'000);
  v.open(kS1, 1'000'000);
  v.open(4, 10'000);
  v.open(5, 10'000);
  v.ok(make_fund_deposit(FundKind::kDefaultFund, 0, Money{100}, 4));
  v.ok(make_fund_deposit(FundKind::kDefaultFund, 0, Money{200}, 5));
  v.trade(kA, kS1, 10'000, 10);
  v.mark(8'500);
  EXPECT_EQ(v.sum(WaterfallKind::kAssessment, 4), 667);
  EXPECT_EQ(v.sum(WaterfallKind::kAssessment, 5), 1'334);
  EXPECT_EQ(v.e.waterfall_state().receivable[0], 2'001);
  EXPECT_EQ(v.sum(WaterfallKind::kBadDebt), 1'000);
  // A member pays its assessment from its balance.
  v.ok(make_fund_deposit(FundKind::kAssessmentPayment, 0, Money{667}, 4));
  EXPECT_EQ(v.e.waterfall_state().receivable[0], 1'334);
}

// ---- tier 6: ranked ADL ----

TEST(Adl, BitmexRankingPnlTimesLeverageAtTheBankruptcyPrice) {
  // At 8,500 (BitMEX: pnl% = upnl / |entry value|, lev = |mark value| / equity):
  //   S1 upnl 6,000, pnl% 6,000/40,000 = 0.150, lev 34,000/26,000 = 1.308 -> 0.196
  //   S2 upnl 8,000, pnl% 8,000/42,000 = 0.190, lev 34,000/13,000 = 2.615 -> 0.498
  //   S3 upnl 15,000, pnl% 15,000/66,000 = 0.227, lev 51,000/45,000 = 1.133 -> 0.258
  // Order S2, S3, S1. D = 7,000 over the 10 lots: 700 per lot, i.e. execution at A's bankruptcy
  // price 9,200 instead of 8,500. S2 closes 4 (pays 2,800), S3 closes 6 (4,200); S1 untouched.
  Venue v(toy_config());
  adl_scene(v);
  v.mark(8'500);
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill, kS2), 2'800);
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill, kS3), 4'200);
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill, kS1), 0);
  EXPECT_EQ(v.qty(kS2), 0);
  EXPECT_EQ(v.qty(kS3), 0);
  EXPECT_EQ(v.qty(kS1), -4);
  EXPECT_EQ(v.qty(kBackstop), 0);
  EXPECT_EQ(v.balance(kS2), 5'000 + 8'000 - 2'800);
  EXPECT_EQ(v.balance(kS3), 30'000 + 15'000 - 4'200);
  EXPECT_EQ(v.balance(kA), 0);
  EXPECT_EQ(v.e.waterfall_state().adl_fills, 2u);
}

TEST(Adl, InsuranceFirstThenAdlForTheRest) {
  // 4,000 of insurance: ADL covers the remaining 3,000 = 300 per lot (S2 1,200, S3 1,800).
  Venue v(toy_config());
  v.ok(make_fund_deposit(FundKind::kInsurance, 0, Money{4'000}));
  adl_scene(v);
  v.mark(8'500);
  EXPECT_EQ(v.sum(WaterfallKind::kInsuranceDraw), 4'000);
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill, kS2), 1'200);
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill, kS3), 1'800);
}

TEST(Adl, HyperliquidScoreAtMarkLeavesDeficitToLaterTiers) {
  // Hyperliquid: (mark/entry) * (notional/equity): S1 0.85 * 1.308 = 1.112, S2 0.810 * 2.615 =
  // 2.117, S3 0.773 * 1.133 = 0.876: order S2, S1, S3. At the mark, winners pay nothing: S2
  // closes 4, S1 4, S3 2, and the 7,000 is bad debt.
  Venue v(toy_config(AdlPolicy::kRanked, AdlScore::kHyperliquid, AdlPrice::kMark));
  adl_scene(v);
  v.mark(8'500);
  EXPECT_EQ(v.qty(kS2), 0);
  EXPECT_EQ(v.qty(kS1), 0);
  EXPECT_EQ(v.qty(kS3), -4);
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill), 0);
  EXPECT_EQ(v.sum(WaterfallKind::kBadDebt), 7'000);
}

TEST(Adl, BinanceScoreRanksByProfitOverWalletTimesMarginOverEquity) {
  // Binance option: max(0, upnl)/max(1, wallet) * MM/(wallet + upnl), MM = 5 % of notional:
  //   S1 6,000/20,000 * 1,700/26,000 = 0.0196; S2 8,000/5,000 * 1,700/13,000 = 0.209;
  //   S3 15,000/30,000 * 2,550/45,000 = 0.0283. Order S2, S3, S1 (as BitMEX here).
  Venue v(toy_config(AdlPolicy::kRanked, AdlScore::kBinance));
  adl_scene(v);
  v.mark(8'500);
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill, kS2), 2'800);
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill, kS3), 4'200);
  EXPECT_EQ(v.qty(kS1), -4);
}

TEST(Adl, EqualScoresGoByAccountId) {
  // Two identical shorts (ids 11 and 12); A's 3 lots: the lower id closes first, fully.
  Venue v(toy_config());
  v.open(kBackstop, 10'000'000);
  v.open(kA, 3'600);
  v.open(kS1, 20'000);
  v.open(kS2, 20'000);
  v.trade(kA, kS2, 10'000, 3);  // S2 traded first: insertion order must not matter
  v.open(kL, 20'000);
  v.trade(kL, kS1, 10'000, 3);
  v.mark(8'500);  // A: 3,600 - 4,500 = -900 -> 300 per lot
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill, kS1), 900);
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill, kS2), 0);
}

TEST(Adl, DeficitLargerThanEveryFundAndOppositePosition) {
  // A long 10 @ 10,000 (balance 10,000): S1 sold it 4 lots, the backstop itself 6. The mark gaps
  // to 8,000: D = 10,000. Insurance 1,000 first; the backstop, taking A's long, nets to +4, so ADL
  // can close only 4 lots against S1 at the bankruptcy price: ceil(9,000/10) = 900 per lot of A's
  // position, 3,600 from S1. The other 5,400 is bad debt.
  Venue v(toy_config());
  v.open(kBackstop, 100'000'000);
  v.open(kA, 10'000);
  v.open(kS1, 100'000);
  v.ok(make_fund_deposit(FundKind::kInsurance, 0, Money{1'000}));
  v.trade(kA, kS1, 10'000, 4);
  v.trade(kA, kBackstop, 10'000, 6);
  v.mark(8'000);
  EXPECT_EQ(v.sum(WaterfallKind::kInsuranceDraw), 1'000);
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill, kS1), 3'600);
  EXPECT_EQ(v.sum(WaterfallKind::kBadDebt), 5'400);
  EXPECT_EQ(v.qty(kS1), 0);
  EXPECT_EQ(v.balance(kA), 0);
}

TEST(Adl, SingleCounterpartyTakesEverything) {
  Venue v(toy_config());
  v.open(kBackstop, 100'000'000);
  v.open(kA, 6'000);
  v.open(kS1, 100'000);
  v.trade(kA, kS1, 10'000, 10);
  v.mark(9'000);  // A: 6,000 - 10,000 = -4,000: 400 per lot
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill, kS1), 4'000);
  EXPECT_EQ(v.qty(kS1), 0);
  EXPECT_EQ(v.balance(kS1), 100'000 + 10'000 - 4'000);
}

TEST(Adl, ManyCounterpartiesAcrossSeveralBatchesMatchTheFullSort) {
  // 40 one-to-three-lot shorts at different entries and balances, one defaulter long 60 lots: the
  // deficit needs ~30 counterparties, more than ranked ADL selects in one batch, so it is
  // allocated in several. The same events through a full-sort engine give the same records.
  RiskConfig config = toy_config();
  config.max_accounts = 128;
  RiskConfig reference_config = config;
  reference_config.waterfall.adl_full_sort = true;
  Venue v(config);
  Venue ref(reference_config);
  auto both = [&](const Event& e) {
    v.ok(e);
    ref.ok(e);
  };
  both(make_open_account(kBackstop, 0));
  both(make_deposit(kBackstop, Money{100'000'000}));
  both(make_open_account(kA, 0));
  both(make_deposit(kA, Money{60'000}));
  std::int64_t lots = 0;
  for (std::uint64_t k = 0; k < 40; ++k) {
    const std::uint64_t id = 100 + k;
    const std::int64_t q = 1 + static_cast<std::int64_t>(k % 3);
    both(make_open_account(id, 0));
    both(make_deposit(id, Money{5'000 + static_cast<std::int64_t>((k * 7'919) % 20'000)}));
    // Entries 10,000..10,390: different profits at the gap, so different scores.
    both(make_fill(0, Side::kBuy, kA, id, Price{10'000 + static_cast<std::int64_t>(k * 10)},
                   Qty{q}));
    lots += q;
    if (lots >= 60) break;
  }
  v.e.refresh_adl_ranking();  // the ranked engine serves ADL from its cache
  both(make_mark(0, Price{9'000}));
  std::int64_t fills = 0;
  for (const WaterfallRecord& r : v.records)
    fills += r.kind == WaterfallKind::kAdlClose;
  EXPECT_GT(fills, 16);  // more than one batch
  ASSERT_EQ(v.records.size(), ref.records.size());
  EXPECT_EQ(
      std::memcmp(v.records.data(), ref.records.data(), v.records.size() * sizeof(WaterfallRecord)),
      0);
  EXPECT_EQ(v.qty(kBackstop), 0);
}

TEST(Adl, RepeatedDefaultsInOneTickAreLiquidatedInIdOrder) {
  Venue v(toy_config());
  v.open(kBackstop, 100'000'000);
  v.open(kA, 6'000);
  v.open(3, 6'000);
  v.open(kS1, 100'000);
  v.trade(3, kS1, 10'000, 10);
  v.trade(kA, kS1, 10'000, 10);
  v.mark(9'000);  // both at -4,000
  std::vector<std::uint64_t> takeovers;
  for (const WaterfallRecord& r : v.records)
    if (r.kind == WaterfallKind::kTakeover) takeovers.push_back(r.account);
  EXPECT_EQ(takeovers, (std::vector<std::uint64_t>{kA, 3}));
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill, kS1), 8'000);
  EXPECT_EQ(v.qty(kS1), 0);
}

// ---- tier 6: pro-rata ADL and socialized loss ----

TEST(Adl, ProRataClosesTheSameFractionWithLargestRemainders) {
  // 10 of the 14 opposite lots: S1 4*10/14 = 2.86, S2 2.86, S3 6*10/14 = 4.29 -> floors 2, 2, 4,
  // remainders 12, 12, 4 (in 14ths): the 2 leftover lots go to S1 and S2 (tie by id).
  // 700 per lot: S1 3 x 700 = 2,100, S2 2,100, S3 2,800.
  Venue v(toy_config(AdlPolicy::kProRata));
  adl_scene(v);
  v.mark(8'500);
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill, kS1), 2'100);
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill, kS2), 2'100);
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill, kS3), 2'800);
  EXPECT_EQ(v.qty(kS1), -1);
  EXPECT_EQ(v.qty(kS2), -1);
  EXPECT_EQ(v.qty(kS3), -2);
}

TEST(Socialized, DriftStyleLossPerLotThroughTheFundingIndex) {
  // Drift socializes a bankrupt position's loss into the winning side's cumulative funding:
  // 7,000 over the 14 short lots = 500 per lot. S1 owes 2,000, S2 2,000, S3 3,000, settled
  // lazily; equity reflects it at once.
  Venue v(toy_config(AdlPolicy::kSocialized));
  adl_scene(v);
  const AccountMargin s1_before = v.e.slot_margin(v.slot(kS1));
  (void)s1_before;
  v.mark(8'500);
  EXPECT_EQ(v.sum(WaterfallKind::kSocializedLoss), 7'000);
  EXPECT_EQ(v.e.waterfall_state().socialized_index[1], 500);
  EXPECT_EQ(v.e.slot_margin(v.slot(kS1)).equity, 20'000 + 6'000 - 2'000);
  EXPECT_EQ(v.e.slot_margin(v.slot(kS2)).equity, 5'000 + 8'000 - 2'000);
  EXPECT_EQ(v.e.slot_margin(v.slot(kS3)).equity, 30'000 + 15'000 - 3'000);
  EXPECT_EQ(v.qty(kBackstop), 10);  // the backstop keeps the position
  EXPECT_TRUE(checks::verify_index(v.e));
}

TEST(Quantile, TopFifthIsFiveAndQueriesFollowTheRebuild) {
  Venue w(toy_config());
  adl_scene(w);
  w.mark(9'700);  // A: 12,000 - 7,000 = 5,000 >= 4,850: healthy
  w.e.refresh_adl_ranking();
  // Shorts ranked at 9,700 (BitMEX): S2 first (most leveraged winner), of 3 shorts: quantile 5.
  EXPECT_EQ(w.e.adl_quantile(w.slot(kS2), 0), 5);
  EXPECT_GE(w.e.adl_quantile(w.slot(kS1), 0), 1);
  EXPECT_EQ(w.e.adl_quantile(w.slot(kBackstop), 0), 0);
}

}  // namespace
}  // namespace backstop
