// Partial liquidation (WaterfallConfig::partial, liquidation.hpp) on worked examples computed
// by hand. Two toy linear contracts keep the arithmetic readable: multiplier 1 (one lot moves 1
// unit of money per tick), MM 5 %, IM 10 %, liquidation fee 0.5 %. Conservation is checked after
// every event; after a partial liquidation the account is healthy with equity >= IM on what it
// still holds, and the backstop holds exactly the lots moved.
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "backstop/risk_engine.hpp"
#include "support/engine_checks.hpp"
#include "test_support.hpp"
#include "waterfall_scene.hpp"

namespace backstop {
namespace {

constexpr std::uint64_t kBackstop = 1;
constexpr std::uint64_t kA = 2;  // the account liquidated
constexpr std::uint64_t kB = 3;  // its counterparty

RiskConfig partial_config(LiquidationMode mode = LiquidationMode::kTakeover) {
  RiskConfig c;
  c.max_accounts = 16;
  c.positions_per_account = 4;
  c.asset_count = 1;
  c.instruments = {test::toy("TOY0"), test::toy("TOY1")};
  c.waterfall.mode = mode;
  c.waterfall.partial = true;
  c.waterfall.liquidation_fee_rate = 5'000;  // 0.5 %
  c.waterfall.backstop_accounts = {kBackstop};
  c.waterfall.policy = AdlPolicy::kNone;
  c.waterfall.order_timeout_ns = 1'000;
  return c;
}

// The toy venue (waterfall_scene.hpp) with two instruments: trades at 10,000 and marks per
// instrument.
struct Venue : test::Venue {
  using test::Venue::Venue;
  void buy(std::uint16_t instrument, std::uint64_t buyer, std::uint64_t seller, std::int64_t lots) {
    ok(make_fill(instrument, Side::kBuy, buyer, seller, Price{10'000}, Qty{lots}));
  }
  void mark(std::uint16_t instrument, std::int64_t m, std::int64_t t = 0) {
    ok(make_mark(instrument, Price{m}, t));
  }
  std::int64_t qty(std::uint64_t id, std::uint16_t instrument = 0) const {
    for (const Position& p : e.positions(slot(id)))
      if (p.instrument == instrument) return p.qty;
    return 0;
  }
  std::vector<WaterfallRecord> of(WaterfallKind kind) const {
    std::vector<WaterfallRecord> out;
    for (const WaterfallRecord& r : records)
      if (r.kind == kind) out.push_back(r);
    return out;
  }
  // Healthy, and no longer under initial margin on what it still holds.
  void expect_restored(std::uint64_t id) const {
    const AccountMargin m = e.slot_margin(slot(id));
    EXPECT_EQ(e.account(slot(id)).status, AccountStatus::kHealthy);
    EXPECT_GE(m.equity, m.initial);
  }
};

// A long 10 TOY0 @ 10,000 (cost 100,000) on a balance of 12,000; B is short.
void long_ten(Venue& v) {
  v.open(kBackstop, 1'000'000);
  v.open(kA, 12'000);
  v.open(kB, 1'000'000);
  v.buy(0, kA, kB, 10);
}

TEST(PartialLiquidation, ReducesOnePositionOnlyAsFarAsInitialMarginNeeds) {
  Venue v(partial_config());
  long_ten(v);
  v.mark(0, 9'300);  // equity 5,000 >= MM 4,650: healthy
  ASSERT_TRUE(v.records.empty());
  // Mark 9,250: equity E = 12,000 - 7,500 = 4,500 < MM 4,625, not bankrupt. Selling k lots:
  // fee(k) = ceil(9,250 k x 0.005) = ceil(46.25 k), IM left = 925 (10 - k). Need
  // 4,500 - fee(k) >= 925 (10 - k):  k = 5: 4,500 - 232 = 4,268 < 4,625;
  //                                  k = 6: 4,500 - 278 = 4,222 >= 3,700.
  v.mark(0, 9'250);
  const auto takeovers = v.of(WaterfallKind::kTakeover);
  ASSERT_EQ(takeovers.size(), 1u);
  EXPECT_EQ(takeovers[0].amount, 6);
  EXPECT_EQ(takeovers[0].instrument, 0);
  const auto fees = v.of(WaterfallKind::kLiquidationFee);
  ASSERT_EQ(fees.size(), 1u);
  EXPECT_EQ(fees[0].amount, 278);
  EXPECT_TRUE(v.of(WaterfallKind::kSurplus).empty());  // A keeps its equity
  EXPECT_EQ(v.qty(kA), 4);
  EXPECT_EQ(v.qty(kBackstop), 6);
  // Realized 6 x 9,250 - 60,000 = -4,500, then the fee: 12,000 - 4,500 - 278.
  EXPECT_EQ(v.balance(kA), 7'222);
  EXPECT_EQ(v.e.slot_margin(v.slot(kA)).equity, 4'222);
  EXPECT_EQ(v.e.slot_margin(v.slot(kA)).initial, 3'700);
  EXPECT_EQ(v.insurance(), 278);
  v.expect_restored(kA);
  EXPECT_EQ(v.e.waterfall_state().liquidations, 1u);
  EXPECT_EQ(v.e.waterfall_state().partial_liquidations, 1u);
  EXPECT_TRUE(checks::verify_index(v.e));
}

TEST(PartialLiquidation, WholeLastPositionGoesThenTheNextIsReduced) {
  Venue v(partial_config());
  v.open(kBackstop, 1'000'000);
  v.open(kA, 12'000);
  v.open(kB, 1'000'000);
  v.buy(0, kA, kB, 10);  // position slot 0: TOY0
  v.buy(1, kA, kB, 2);   // position slot 1: TOY1, taken first
  // TOY0 to 9,250: E = 4,500 < MM 4,625 + 1,000. IM: TOY0 9,250, TOY1 2,000.
  // TOY1 first: all 2 lots, fee ceil(20,000 x 0.005) = 100, leaves 4,400 < IM 9,250: not
  // enough, so all of it goes. TOY0 with E = 4,400: need 4,400 - ceil(46.25 k) >= 925 (10 - k):
  // k = 5: 4,168 < 4,625; k = 6: 4,122 >= 3,700.
  v.mark(0, 9'250);
  const auto takeovers = v.of(WaterfallKind::kTakeover);
  ASSERT_EQ(takeovers.size(), 2u);
  EXPECT_EQ(takeovers[0].instrument, 1);
  EXPECT_EQ(takeovers[0].amount, 2);
  EXPECT_EQ(takeovers[1].instrument, 0);
  EXPECT_EQ(takeovers[1].amount, 6);
  const auto fees = v.of(WaterfallKind::kLiquidationFee);
  ASSERT_EQ(fees.size(), 2u);
  EXPECT_EQ(fees[0].amount, 100);
  EXPECT_EQ(fees[1].amount, 278);
  EXPECT_EQ(v.qty(kA, 0), 4);
  EXPECT_EQ(v.qty(kA, 1), 0);
  EXPECT_EQ(v.qty(kBackstop, 0), 6);
  EXPECT_EQ(v.qty(kBackstop, 1), 2);
  EXPECT_EQ(v.e.slot_margin(v.slot(kA)).equity, 4'122);
  EXPECT_EQ(v.insurance(), 378);
  v.expect_restored(kA);
  EXPECT_EQ(v.e.waterfall_state().partial_liquidations, 1u);
}

TEST(PartialLiquidation, BankruptAccountIsStillLiquidatedInFull) {
  RiskConfig c = partial_config();
  c.waterfall.insurance = true;
  Venue v(c);
  long_ten(v);
  v.ok(make_fund_deposit(FundKind::kInsurance, 0, Money{10'000}));
  v.mark(0, 8'500);  // E = 12,000 - 15,000 = -3,000: bankrupt
  EXPECT_EQ(v.qty(kA), 0);
  EXPECT_EQ(v.qty(kBackstop), 10);
  const auto takeovers = v.of(WaterfallKind::kTakeover);
  ASSERT_EQ(takeovers.size(), 1u);
  EXPECT_EQ(takeovers[0].amount, 10);
  ASSERT_EQ(v.of(WaterfallKind::kDeficit).size(), 1u);
  EXPECT_EQ(v.of(WaterfallKind::kDeficit)[0].amount, 3'000);
  EXPECT_EQ(v.insurance(), 7'000);
  EXPECT_EQ(v.balance(kA), 0);
  EXPECT_EQ(v.e.waterfall_state().liquidations, 1u);
  EXPECT_EQ(v.e.waterfall_state().partial_liquidations, 0u);
}

TEST(PartialLiquidation, FeeIsCappedAtTheEquity) {
  RiskConfig c = partial_config();
  c.waterfall.liquidation_fee_rate = 50'000;  // 5 %, still below IM 10 %
  Venue v(c);
  long_ten(v);
  // Mark 8,820: E = 12,000 - 11,800 = 200 > 0. Any k < 10 leaves IM >= 882 > 200, so all 10
  // lots go; the fee, 5 % of 88,200 = 4,410, is capped at the 200 of equity.
  v.mark(0, 8'820);
  EXPECT_EQ(v.qty(kA), 0);
  EXPECT_EQ(v.qty(kBackstop), 10);
  const auto fees = v.of(WaterfallKind::kLiquidationFee);
  ASSERT_EQ(fees.size(), 1u);
  EXPECT_EQ(fees[0].amount, 200);
  EXPECT_TRUE(v.of(WaterfallKind::kSurplus).empty());
  EXPECT_EQ(v.balance(kA), 0);
  EXPECT_EQ(v.insurance(), 200);
  v.expect_restored(kA);
}

TEST(PartialLiquidation, OrderModeOrdersThePartialSizeAndReevaluatesAtTheTimeout) {
  Venue v(partial_config(LiquidationMode::kOrder));
  long_ten(v);
  v.mark(0, 9'250, 100);  // the first example: 6 lots
  const auto orders = v.of(WaterfallKind::kLiquidationOrder);
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].amount, -6);  // sell 6
  // At the bankruptcy price of those 6 lots, the other 4 valued at the mark: 12,000 + 6 (p -
  // 10,000) + 4 (9,250 - 10,000) = 0 at p = 8,500 (closing all 10 would be limited at 8,800).
  EXPECT_EQ(orders[0].before, 8'500);
  EXPECT_EQ(v.qty(kA), 10);
  v.mark(0, 9'200, 900);  // before the deadline: nothing
  EXPECT_EQ(v.qty(kA), 10);
  // After it, unfilled, at 9,100: E = 3,000; need 3,000 - ceil(45.5 k) >= 910 (10 - k):
  // k = 7: 3,000 - 319 = 2,681 < 2,730; k = 8: 3,000 - 364 = 2,636 >= 1,820.
  v.mark(0, 9'100, 1'100);
  const auto takeovers = v.of(WaterfallKind::kTakeover);
  ASSERT_EQ(takeovers.size(), 1u);
  EXPECT_EQ(takeovers[0].amount, 8);
  EXPECT_EQ(v.qty(kA), 2);
  EXPECT_EQ(v.qty(kBackstop), 8);
  EXPECT_EQ(v.of(WaterfallKind::kLiquidationFee).at(0).amount, 364);
  v.expect_restored(kA);
}

TEST(PartialLiquidation, ShortPositionIsBoughtBackPartially) {
  Venue v(partial_config());
  v.open(kBackstop, 1'000'000);
  v.open(kA, 12'000);
  v.open(kB, 1'000'000);
  v.ok(make_fill(0, Side::kSell, kA, kB, Price{10'000}, Qty{10}));  // A short 10
  // Mark 10,750: E = 12,000 - 7,500 = 4,500 < MM 5,375. Buying k back: fee ceil(53.75 k), IM
  // left 1,075 (10 - k): k = 6: 4,500 - 323 = 4,177 < 4,300; k = 7: 4,500 - 377 = 4,123 >= 3,225.
  v.mark(0, 10'750);
  const auto takeovers = v.of(WaterfallKind::kTakeover);
  ASSERT_EQ(takeovers.size(), 1u);
  EXPECT_EQ(takeovers[0].amount, -7);  // signed as held
  EXPECT_EQ(v.qty(kA), -3);
  EXPECT_EQ(v.qty(kBackstop), -7);
  EXPECT_EQ(v.of(WaterfallKind::kLiquidationFee).at(0).amount, 377);
  v.expect_restored(kA);
}

// The exposure cap (risk_controls.hpp) holds for a partial takeover too: with a fund of 1,000
// and a cap of 100 % of it, the 6 lots of the worked example above (55,500 at 9,250) go beyond
// it, so the backstop closes them against B at the mark and ends flat; A keeps 4 lots, healthy,
// and its fee (278) is the fund's.
TEST(PartialLiquidation, LotsBeyondTheExposureCapAreClosedAgainstTheOppositeSide) {
  RiskConfig c = partial_config();
  c.waterfall.policy = AdlPolicy::kRanked;
  c.waterfall.exposure_cap_ppm = 1'000'000;
  Venue v(c);
  long_ten(v);
  v.ok(make_fund_deposit(FundKind::kInsurance, 0, Money{1'000}));
  v.mark(0, 9'250);
  const auto cap = v.of(WaterfallKind::kExposureCap);
  ASSERT_EQ(cap.size(), 1u);
  EXPECT_EQ(cap[0].account, kA);
  EXPECT_EQ(cap[0].amount, 55'500);
  EXPECT_EQ(cap[0].before, 0);
  EXPECT_EQ(cap[0].after, 1'000);
  EXPECT_EQ(v.qty(kBackstop), 0);
  EXPECT_EQ(v.qty(kA), 4);
  EXPECT_EQ(v.qty(kB), -4);
  EXPECT_EQ(v.insurance(), 1'000 + 278);
  v.expect_restored(kA);
}

TEST(PartialLiquidation, FeeRateAtOrAboveInitialMarginIsRefused) {
  RiskConfig c = partial_config();
  c.waterfall.liquidation_fee_rate = 100'000;  // = IM 10 %: reducing could never help
  EXPECT_NE(validate_config(c), "");
  EXPECT_THROW(RiskEngine{c}, std::invalid_argument);
  c.waterfall.partial = false;
  EXPECT_EQ(validate_config(c), "");
}

}  // namespace
}  // namespace backstop
