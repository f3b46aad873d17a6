// Order mode's liquidation fills (make_liquidation_fill, liquidation.hpp settle_liquidation_fill)
// and the SurplusRule in both liquidation modes (venue_conventions.hpp). The example venue: one
// linear BTC contract, a single bracket with maintenance 3.2258 % and initial 6.4516 %, a
// liquidation fee of 0.5 %; a lot is 0.1 BTC, a tick 0.01 USDT and money 0.001 USDT, so a lot
// moves one money unit per tick. The trader deposits 200 USDT and buys 1 BTC (10 lots) at 3,200;
// at a mark of 3,060 its equity is 200 - 140 = 60 USDT, below maintenance (98.71 USDT): it is
// liquidated. Conservation is checked after every event.
#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <vector>

#include "backstop/risk_engine.hpp"
#include "test_support.hpp"
#include "waterfall_scene.hpp"

namespace backstop {
namespace {

constexpr std::uint64_t kBackstop = 1;
constexpr std::uint64_t kTrader = 2;
constexpr std::uint64_t kMaker = 3;   // the trader's original counterparty
constexpr std::uint64_t kBidder = 4;  // the matching engine's other side of a liquidation fill
constexpr std::int64_t kUsdt = 1'000;
constexpr std::int64_t kEntry = 320'000;  // 3,200.00
constexpr std::int64_t kMark = 306'000;   // 3,060.00

RiskConfig repro_config(LiquidationMode mode, SurplusRule rule = SurplusRule::kAllToInsurance,
                        std::int64_t cap_rate = 0) {
  InstrumentSpec s;
  s.symbol = "BTCUSDT";
  s.kind = ContractKind::kLinearPerpetual;
  s.multiplier = 1;
  s.min_price = Price{1};
  s.max_price = Price{100'000'000};
  s.initial_mark = Price{kEntry};
  s.max_position = Qty{1'000'000};
  s.brackets = {{Money{0}, 64'516, 32'258}};
  RiskConfig c;
  c.max_accounts = 16;
  c.positions_per_account = 2;
  c.asset_count = 1;
  c.instruments = {s};
  c.venue.surplus = rule;
  c.venue.surplus_fee_cap_rate = cap_rate;
  c.waterfall.mode = mode;
  c.waterfall.liquidation_fee_rate = 5'000;
  c.waterfall.order_timeout_ns = 1'000'000;
  c.waterfall.backstop_accounts = {kBackstop};
  return c;
}

// The waterfall scene's Venue (records, conservation after every event) with the example's
// set-up.
struct Desk : test::Venue {
  using Venue::Venue;
  // The example up to the mark of 3,060 (at time 100).
  void repro() {
    open(kBackstop, 1'000'000 * kUsdt);
    open(kTrader, 200 * kUsdt);
    open(kMaker, 1'000'000 * kUsdt);
    open(kBidder, 1'000'000 * kUsdt);
    ok(make_fill(0, Side::kBuy, kTrader, kMaker, Price{kEntry}, Qty{10}));
    insurance_before = insurance();
    ok(make_mark(0, Price{kMark}, 100));
  }
  // The matching engine answers the trader's order: it sells `lots` at `price` to the bidder.
  RejectCode answer(std::int64_t lots, std::int64_t price, std::int64_t t = 200) {
    return step(make_liquidation_fill(0, Side::kSell, kTrader, kBidder, Price{price}, Qty{lots},
                                      Money{0}, Money{0}, t));
  }
  std::int64_t fund_gain() const { return insurance() - insurance_before; }
  std::int64_t insurance_before = 0;
};

// What the insurance fund gained and the trader kept, and the fee and surplus records.
struct Outcome {
  std::int64_t fund_gain;
  std::int64_t trader_balance;
  std::int64_t fee;
  std::int64_t surplus;
  bool operator==(const Outcome&) const = default;
  friend std::ostream& operator<<(std::ostream& os, const Outcome& o) {
    return os << "{fund +" << o.fund_gain << ", trader " << o.trader_balance << ", fee " << o.fee
              << ", surplus " << o.surplus << "}";
  }
};

Outcome takeover_outcome(SurplusRule rule = SurplusRule::kAllToInsurance,
                         std::int64_t cap_rate = 0) {
  Desk d(repro_config(LiquidationMode::kTakeover, rule, cap_rate));
  d.repro();
  EXPECT_EQ(d.qty(kTrader), 0);
  return {d.fund_gain(), d.balance(kTrader), d.sum(WaterfallKind::kLiquidationFee),
          d.sum(WaterfallKind::kSurplus)};
}

Outcome order_fill_outcome(SurplusRule rule = SurplusRule::kAllToInsurance,
                           std::int64_t cap_rate = 0) {
  Desk d(repro_config(LiquidationMode::kOrder, rule, cap_rate));
  d.repro();
  EXPECT_EQ(d.sum(WaterfallKind::kLiquidationOrder), -10);  // sell 10 lots
  EXPECT_EQ(d.answer(10, kMark), RejectCode::kOk);
  EXPECT_EQ(d.qty(kTrader), 0);
  return {d.fund_gain(), d.balance(kTrader), d.sum(WaterfallKind::kLiquidationFee),
          d.sum(WaterfallKind::kSurplus)};
}

TEST(OrderModeLiquidationFill, PaysTheFeeAndSurplusToInsuranceAsTakeoverDoes) {
  // Takeover at 3,060: fee 0.5 % x 3,060 = 15.30 USDT, surplus 60 - 15.30 = 44.70, trader 0.
  const Outcome want{60 * kUsdt, 0, 15'300, 44'700};
  EXPECT_EQ(takeover_outcome(), want);
  // A fill at 3,060 answering the liquidation order settles the same way.
  EXPECT_EQ(order_fill_outcome(), want);
}

TEST(OrderModeLiquidationFill, SeveralFillsPayTheFeeEachAndTheSurplusOnceFlat) {
  Desk d(repro_config(LiquidationMode::kOrder));
  d.repro();
  ASSERT_EQ(d.answer(4, kMark), RejectCode::kOk);
  // 4 lots: fee 0.5 % x 1,224 = 6.12 USDT; still holding 6 lots, so no surplus yet.
  EXPECT_EQ(d.sum(WaterfallKind::kLiquidationFee), 6'120);
  EXPECT_EQ(d.sum(WaterfallKind::kSurplus), 0);
  EXPECT_EQ(d.qty(kTrader), 6);
  ASSERT_EQ(d.answer(6, kMark, 300), RejectCode::kOk);
  EXPECT_EQ(d.sum(WaterfallKind::kLiquidationFee), 6'120 + 9'180);
  EXPECT_EQ(d.sum(WaterfallKind::kSurplus), 44'700);
  EXPECT_EQ(d.fund_gain(), 60 * kUsdt);
  EXPECT_EQ(d.balance(kTrader), 0);
}

TEST(SurplusRule, FeeCappedSendsTheCappedFeeToInsuranceAndTheRestBackInBothModes) {
  // dYdX v4: min(surplus, 1 % x 3,060 = 30.60) to the fund, 29.40 back to the trader.
  const Outcome want{30'600, 29'400, 30'600, 0};
  EXPECT_EQ(takeover_outcome(SurplusRule::kFeeCapped, 10'000), want);
  EXPECT_EQ(order_fill_outcome(SurplusRule::kFeeCapped, 10'000), want);
  // A cap of 2.5 % (76.50) exceeds the 60 of surplus: all of it goes, nothing comes back.
  const Outcome all{60 * kUsdt, 0, 60 * kUsdt, 0};
  EXPECT_EQ(takeover_outcome(SurplusRule::kFeeCapped, 25'000), all);
  EXPECT_EQ(order_fill_outcome(SurplusRule::kFeeCapped, 25'000), all);
}

TEST(SurplusRule, FeeOnlyKeepsTheRestWithTheTraderInBothModes) {
  const Outcome want{15'300, 44'700, 15'300, 0};
  EXPECT_EQ(takeover_outcome(SurplusRule::kFeeOnly), want);
  EXPECT_EQ(order_fill_outcome(SurplusRule::kFeeOnly), want);
}

// A flag bit no event type knows, or the liquidation-fill bit on anything but a fill, is refused
// before anything is applied; in order mode with an order pending, so that a stray bit could not
// pass for an answer.
TEST(EventFlags, UnknownBitsAreRefusedAndChangeNothing) {
  Desk d(repro_config(LiquidationMode::kOrder));
  d.repro();
  const std::int64_t balance = d.balance(kTrader);
  const std::int64_t fund = d.insurance();
  Event stray = make_liquidation_fill(0, Side::kSell, kTrader, kBidder, Price{kMark}, Qty{10});
  stray.flags |= 2;
  EXPECT_EQ(d.step(stray), RejectCode::kUnknownFlags);
  Event plain = make_fill(0, Side::kSell, kTrader, kBidder, Price{kMark}, Qty{10});
  plain.flags = 4;
  EXPECT_EQ(d.step(plain), RejectCode::kUnknownFlags);
  Event mark = make_mark(0, Price{kEntry}, 150);
  mark.flags = kFlagLiquidationFill;
  EXPECT_EQ(d.step(mark), RejectCode::kUnknownFlags);
  EXPECT_EQ(d.e.instrument_state(0).mark, kMark);
  EXPECT_EQ(d.qty(kTrader), 10);
  EXPECT_EQ(d.balance(kTrader), balance);
  EXPECT_EQ(d.insurance(), fund);
  EXPECT_EQ(to_string(RejectCode::kUnknownFlags), "unknown_flags");
  // The fill itself, without the stray bit, is accepted.
  EXPECT_EQ(d.answer(10, kMark), RejectCode::kOk);
}

TEST(OrderModeLiquidationFill, IsRejectedWithoutAPendingOrderAndChangesNothing) {
  Desk d(repro_config(LiquidationMode::kOrder));
  d.open(kBackstop, 1'000'000 * kUsdt);
  d.open(kTrader, 200 * kUsdt);
  d.open(kMaker, 1'000'000 * kUsdt);
  d.open(kBidder, 1'000'000 * kUsdt);
  d.ok(make_fill(0, Side::kBuy, kTrader, kMaker, Price{kEntry}, Qty{10}));
  // Healthy: no order is pending.
  const std::int64_t balance = d.balance(kTrader);
  const std::int64_t bidder = d.balance(kBidder);
  const std::int64_t fund = d.insurance();
  EXPECT_EQ(d.answer(10, kEntry), RejectCode::kNotUnderLiquidation);
  EXPECT_EQ(to_string(RejectCode::kNotUnderLiquidation), "not_under_liquidation");
  // Under liquidation, but a fill that would not reduce the position: the wrong side, more lots
  // than held, or for an account without a position (the bidder).
  d.ok(make_mark(0, Price{kMark}, 100));
  ASSERT_EQ(d.sum(WaterfallKind::kLiquidationOrder), -10);
  const std::int64_t liquidated_balance = d.balance(kTrader);
  EXPECT_EQ(d.step(make_liquidation_fill(0, Side::kBuy, kTrader, kBidder, Price{kMark}, Qty{1})),
            RejectCode::kNotUnderLiquidation);
  EXPECT_EQ(d.answer(11, kMark), RejectCode::kNotUnderLiquidation);
  EXPECT_EQ(d.step(make_liquidation_fill(0, Side::kSell, kBidder, kTrader, Price{kMark}, Qty{1})),
            RejectCode::kNotUnderLiquidation);
  EXPECT_EQ(d.qty(kTrader), 10);
  EXPECT_EQ(d.balance(kTrader), liquidated_balance);
  EXPECT_EQ(liquidated_balance, balance);
  EXPECT_EQ(d.balance(kBidder), bidder);
  EXPECT_EQ(d.insurance(), fund);
  EXPECT_EQ(d.qty(kBidder), 0);
  // In takeover mode there are no orders to answer.
  Desk t(repro_config(LiquidationMode::kTakeover));
  t.open(kTrader, 200 * kUsdt);
  t.open(kMaker, 1'000'000 * kUsdt);
  t.ok(make_fill(0, Side::kBuy, kTrader, kMaker, Price{kEntry}, Qty{10}));
  EXPECT_EQ(t.step(make_liquidation_fill(0, Side::kSell, kTrader, kMaker, Price{kEntry}, Qty{1})),
            RejectCode::kNotUnderLiquidation);
}

TEST(OrderModeLiquidationFill, WorseThanBankruptcyLeavesADeficitTheWaterfallCovers) {
  // The bankruptcy price is 3,000 (200 USDT over 1 BTC below 3,200); a fill at 2,900 leaves the
  // flat account at -100 USDT: no fee, no surplus, the insurance fund covers the deficit.
  Desk d(repro_config(LiquidationMode::kOrder));
  d.repro();
  d.ok(make_fund_deposit(FundKind::kInsurance, 0, Money{500 * kUsdt}, 0, 150));
  d.insurance_before = d.insurance();
  ASSERT_EQ(d.answer(10, 290'000), RejectCode::kOk);
  EXPECT_EQ(d.qty(kTrader), 0);
  EXPECT_EQ(d.sum(WaterfallKind::kLiquidationFee), 0);
  EXPECT_EQ(d.sum(WaterfallKind::kSurplus), 0);
  EXPECT_EQ(d.sum(WaterfallKind::kDeficit), 100 * kUsdt);
  EXPECT_EQ(d.sum(WaterfallKind::kInsuranceDraw), 100 * kUsdt);
  EXPECT_EQ(d.fund_gain(), -100 * kUsdt);
  EXPECT_EQ(d.balance(kTrader), 0);
}

TEST(OrderModeLiquidationFill, UnderAPartialPlanPaysTheFeeAndKeepsTheEquity) {
  // Partial plan: the fewest lots k with 60 - 1.53 k >= IM(10 - k) is 8 (IM of 2 lots 39.48).
  // Filling them pays 8 x 1.53 = 12.24 USDT of fee; the account is healthy again and keeps the
  // rest of its equity (no surplus transfer, as a partial takeover).
  RiskConfig c = repro_config(LiquidationMode::kOrder);
  c.waterfall.partial = true;
  Desk d(c);
  d.repro();
  ASSERT_EQ(d.sum(WaterfallKind::kLiquidationOrder), -8);
  ASSERT_EQ(d.answer(8, kMark), RejectCode::kOk);
  EXPECT_EQ(d.fund_gain(), 12'240);
  EXPECT_EQ(d.sum(WaterfallKind::kSurplus), 0);
  EXPECT_EQ(d.qty(kTrader), 2);
  EXPECT_EQ(d.e.account(d.slot(kTrader)).status, AccountStatus::kHealthy);
  EXPECT_EQ(d.e.waterfall_state().deadline_ns[d.slot(kTrader)], 0);
}

}  // namespace
}  // namespace backstop
