#include "backstop/risk_engine.hpp"

#include <gtest/gtest.h>

#include "support/engine_checks.hpp"
#include "test_support.hpp"

namespace backstop {
namespace {

constexpr std::uint16_t kLinear = 0;
constexpr std::uint16_t kInverse = 1;
constexpr std::int64_t kUsdt = 1'000'000;  // Money units per USDT

class RiskEngineTest : public ::testing::Test {
 protected:
  RiskEngineTest() : engine_(test::two_instrument_config(16, 2)) {}

  void open(std::uint64_t id, std::uint8_t asset, std::int64_t deposit) {
    ASSERT_EQ(engine_.process(make_open_account(id, asset)).code, RejectCode::kOk);
    if (deposit > 0) {
      ASSERT_EQ(engine_.process(make_deposit(id, Money{deposit})).code, RejectCode::kOk);
    }
  }
  EventResult run(const Event& e) {
    const EventResult r = engine_.process(e);
    EXPECT_TRUE(test::conservation_holds(engine_));
    EXPECT_TRUE(checks::verify_index(engine_));
    return r;
  }
  const Account& acct(std::uint64_t id) { return engine_.account(engine_.find_account(id)); }

  RiskEngine engine_;
};

TEST_F(RiskEngineTest, FillMovesRealizedPnlAndFeesExactly) {
  open(1, 0, 10'000 * kUsdt);
  open(2, 0, 10'000 * kUsdt);
  open(3, 0, 10'000 * kUsdt);
  // 1 buys 1 BTC from 2 at 60,000; fees 6 and -1.2 USDT (maker rebate).
  ASSERT_EQ(run(make_fill(kLinear, Side::kBuy, 1, 2, Price{600'000}, Qty{1000}, Money{6 * kUsdt},
                          Money{-1'200'000}))
                .code,
            RejectCode::kOk);
  EXPECT_EQ(acct(1).balance, 9'994 * kUsdt);
  EXPECT_EQ(acct(2).balance, 10'001'200'000);
  EXPECT_EQ(engine_.fee_pool(0), Money{4'800'000});
  // 1 sells to 3 at 61,000: +1,000 USDT realized.
  ASSERT_EQ(run(make_fill(kLinear, Side::kSell, 1, 3, Price{610'000}, Qty{1000})).code,
            RejectCode::kOk);
  EXPECT_EQ(acct(1).balance, 10'994 * kUsdt);
  EXPECT_EQ(acct(1).position_count, 0);
  // 2 is short 1 from 60,000, 3 long 1 from 61,000; at mark 60,000: -0 and -1,000.
  const AccountMargin m3 = engine_.slot_margin(engine_.find_account(3));
  EXPECT_EQ(m3.equity, Int128{9'000 * kUsdt});
}

TEST_F(RiskEngineTest, FundingIsSettledLazilyAndLongsPayShorts) {
  open(1, 0, 10'000 * kUsdt);
  open(2, 0, 10'000 * kUsdt);
  ASSERT_EQ(run(make_fill(kLinear, Side::kBuy, 1, 2, Price{600'000}, Qty{1000})).code,
            RejectCode::kOk);
  // 0.01% of 60,000 USDT = 6 USDT per BTC; per lot 6,000 units.
  ASSERT_EQ(run(make_funding(kLinear, 10'000)).code, RejectCode::kOk);
  EXPECT_EQ(engine_.instrument_state(kLinear).long_funding_index, 6'000);
  EXPECT_EQ(acct(1).balance, 10'000 * kUsdt);  // not yet settled
  EXPECT_EQ(engine_.slot_margin(engine_.find_account(1)).equity, Int128{9'994 * kUsdt});
  EXPECT_EQ(engine_.slot_margin(engine_.find_account(2)).equity, Int128{10'006 * kUsdt});
  // Touching the position settles it.
  ASSERT_EQ(run(make_fill(kLinear, Side::kSell, 1, 2, Price{600'000}, Qty{500})).code,
            RejectCode::kOk);
  EXPECT_EQ(acct(1).balance, 9'994 * kUsdt);
  EXPECT_EQ(acct(2).balance, 10'006 * kUsdt);
}

TEST_F(RiskEngineTest, WithdrawBelowInitialMarginIsRejected) {
  open(1, 0, 1'000 * kUsdt);
  open(2, 0, 1'000 * kUsdt);
  // 0.5 BTC at 60,000: IM = 30,000 * 0.8% = 240 USDT.
  ASSERT_EQ(run(make_fill(kLinear, Side::kBuy, 1, 2, Price{600'000}, Qty{500})).code,
            RejectCode::kOk);
  EXPECT_EQ(run(make_withdraw(1, Money{761 * kUsdt})).code, RejectCode::kInsufficientMargin);
  EXPECT_EQ(acct(1).balance, 1'000 * kUsdt);
  EXPECT_EQ(run(make_withdraw(1, Money{760 * kUsdt})).code, RejectCode::kOk);
  EXPECT_EQ(run(make_withdraw(3, Money{1})).code, RejectCode::kUnknownAccount);
  EXPECT_EQ(run(make_withdraw(2, Money{2'000 * kUsdt})).code, RejectCode::kInsufficientBalance);
}

TEST_F(RiskEngineTest, CheckOrderAnswersAffordability) {
  open(1, 0, 1'000 * kUsdt);
  // 1,000 USDT affords 0.8% IM on up to 125,000 USDT... in bracket 1 (<= 50,000): 0.8 BTC = 384 IM.
  EXPECT_EQ(engine_.check_order(1, kLinear, Side::kBuy, Qty{800}, Price{600'000}).code,
            RejectCode::kOk);
  // 2 BTC = 120,000 USDT: IM 1,100 USDT > 1,000.
  EXPECT_EQ(engine_.check_order(1, kLinear, Side::kBuy, Qty{2000}, Price{600'000}).code,
            RejectCode::kInsufficientMargin);
  EXPECT_EQ(engine_.check_order(1, kInverse, Side::kBuy, Qty{1}, Price{500'000}).code,
            RejectCode::kAssetMismatch);
  EXPECT_EQ(engine_.check_order(9, kLinear, Side::kBuy, Qty{1}, Price{600'000}).code,
            RejectCode::kUnknownAccount);
}

TEST_F(RiskEngineTest, MarkFallReportsLiquidatableThenBankruptThenRecovered) {
  open(1, 0, 1'000 * kUsdt);
  open(2, 0, 100'000 * kUsdt);
  ASSERT_EQ(run(make_fill(kLinear, Side::kBuy, 1, 2, Price{600'000}, Qty{1000})).code,
            RejectCode::kOk);
  // E = 1000 + (m - 60,000); MM = 0.5% m - 50 (bracket 2 while m > 50,000). E < MM when
  // 0.995 m < 58,950 -> m < 59,246.2: at 59,300 healthy (E 300, MM 246.5), at 59,200 liquidatable.
  EventResult r = run(make_mark(kLinear, Price{593'000}));
  EXPECT_EQ(r.output_count, 0u);
  r = run(make_mark(kLinear, Price{592'000}));
  ASSERT_EQ(r.output_count, 1u);
  EXPECT_EQ(engine_.outputs()[0].type, OutputType::kBecameLiquidatable);
  EXPECT_EQ(engine_.outputs()[0].account, 1u);
  EXPECT_EQ(engine_.liquidatable().size(), 1u);
  r = run(make_mark(kLinear, Price{588'000}));  // equity -200 USDT
  ASSERT_EQ(r.output_count, 1u);
  EXPECT_EQ(engine_.outputs()[0].type, OutputType::kBecameBankrupt);
  r = run(make_mark(kLinear, Price{600'000}));
  ASSERT_EQ(r.output_count, 1u);
  EXPECT_EQ(engine_.outputs()[0].type, OutputType::kRecovered);
  EXPECT_TRUE(engine_.liquidatable().empty());
}

TEST_F(RiskEngineTest, LiquidationAndBankruptcyPricesMatchTheClosedForm) {
  open(1, 0, 1'000 * kUsdt);
  open(2, 0, 100'000 * kUsdt);
  ASSERT_EQ(run(make_fill(kLinear, Side::kBuy, 1, 2, Price{600'000}, Qty{1000})).code,
            RejectCode::kOk);
  // docs/design.md §3: m_liq = (C - R - cum) / (mult (q - mmr|q|)) with R = 1,000 USDT:
  // (60,000 - 1,000 - 50) / (1 - 0.005) = 59,246.23 USDT: a long's crossing rounded up to the
  // tick, 592,463 (liquidatable below it).
  const std::uint32_t slot = engine_.find_account(1);
  EXPECT_EQ(engine_.slot_liquidation_price(slot, kLinear)->raw(), 592'463);
  // m_bk = (C - R') / (mult q) = 59,000 USDT, where equity is exactly zero.
  EXPECT_EQ(engine_.slot_bankruptcy_price(slot, kLinear)->raw(), 590'000);
}

TEST_F(RiskEngineTest, InverseLongLosesCoinWhenTheMarkFalls) {
  open(1, 1, 10'000'000);  // 0.1 BTC
  open(2, 1, 100'000'000);
  // 1 buys 100 contracts (10,000 USD) at 50,000: 0.2 BTC of notional at 2x leverage.
  ASSERT_EQ(run(make_fill(kInverse, Side::kBuy, 1, 2, Price{500'000}, Qty{100})).code,
            RejectCode::kOk);
  ASSERT_EQ(run(make_mark(kInverse, Price{400'000})).code, RejectCode::kOk);
  // 10,000 * (1/50,000 - 1/40,000) = -0.05 BTC.
  EXPECT_EQ(engine_.slot_margin(engine_.find_account(1)).equity, Int128{5'000'000});
  EXPECT_EQ(engine_.slot_margin(engine_.find_account(2)).equity, Int128{105'000'000});
  // Bankruptcy where 10,000 (1/50,000 - 1/m) = -0.1: m = 33,333.33 USD.
  // Rounded up to the tick: the lowest close price that leaves the equity non-negative.
  EXPECT_EQ(engine_.bankruptcy_price(AccountId{1}, kInverse)->raw(), 333'334);
  const EventResult r = run(make_mark(kInverse, Price{333'000}));
  ASSERT_EQ(r.output_count, 1u);
  EXPECT_EQ(engine_.outputs()[0].type, OutputType::kBecameBankrupt);
}

TEST_F(RiskEngineTest, InvalidInputIsRejectedAndChangesNothing) {
  open(1, 0, 1'000 * kUsdt);
  open(2, 0, 1'000 * kUsdt);
  open(3, 1, 1'000);
  EXPECT_EQ(run(make_mark(7, Price{1})).code, RejectCode::kUnknownInstrument);
  EXPECT_EQ(run(make_mark(kLinear, Price{0})).code, RejectCode::kNonPositivePrice);
  EXPECT_EQ(run(make_mark(kLinear, Price{200'000'000})).code, RejectCode::kPriceOutOfBand);
  EXPECT_EQ(run(make_fill(kLinear, Side::kBuy, 1, 1, Price{600'000}, Qty{1})).code,
            RejectCode::kSelfTrade);
  EXPECT_EQ(run(make_fill(kLinear, Side::kBuy, 1, 2, Price{600'000}, Qty{0})).code,
            RejectCode::kNonPositiveQty);
  EXPECT_EQ(run(make_fill(kLinear, Side::kBuy, 1, 3, Price{600'000}, Qty{1})).code,
            RejectCode::kAssetMismatch);
  EXPECT_EQ(run(make_fill(kLinear, Side::kBuy, 1, 9, Price{600'000}, Qty{1})).code,
            RejectCode::kUnknownAccount);
  EXPECT_EQ(run(make_fill(kLinear, Side::kBuy, 1, 2, Price{600'000}, Qty{2'000'000})).code,
            RejectCode::kPositionLimit);
  EXPECT_EQ(run(make_deposit(1, Money{-5})).code, RejectCode::kNonPositiveAmount);
  EXPECT_EQ(run(make_open_account(1, 0)).code, RejectCode::kDuplicateAccount);
  EXPECT_EQ(run(make_funding(kLinear, 1'000'000'000)).code, RejectCode::kFundingRateOutOfRange);
  Event bad = make_mark(kLinear, Price{1});
  bad.type = static_cast<EventType>(99);
  EXPECT_EQ(run(bad).code, RejectCode::kUnknownEventType);
  EXPECT_EQ(acct(1).balance, 1'000 * kUsdt);
  EXPECT_EQ(acct(1).position_count, 0);
}

TEST(RiskEngine, CapacityExhaustionIsATypedRejection) {
  RiskConfig c = test::two_instrument_config(2, 1);
  c.instruments.push_back(test::linear_btcusdt());
  c.instruments.back().symbol = "ETHUSDT";
  RiskEngine e(c);
  ASSERT_EQ(e.process(make_open_account(1, 0)).code, RejectCode::kOk);
  ASSERT_EQ(e.process(make_open_account(2, 0)).code, RejectCode::kOk);
  EXPECT_EQ(e.process(make_open_account(3, 0)).code, RejectCode::kAccountCapacity);
  ASSERT_EQ(e.process(make_deposit(1, Money{1'000'000'000})).code, RejectCode::kOk);
  ASSERT_EQ(e.process(make_deposit(2, Money{1'000'000'000})).code, RejectCode::kOk);
  ASSERT_EQ(e.process(make_fill(0, Side::kBuy, 1, 2, Price{600'000}, Qty{1})).code,
            RejectCode::kOk);
  EXPECT_EQ(e.process(make_fill(2, Side::kBuy, 1, 2, Price{600'000}, Qty{1})).code,
            RejectCode::kPositionCapacity);
  EXPECT_TRUE(test::conservation_holds(e));
}

TEST(RiskEngine, InvalidConfigFailsLoudlyWithTheKey) {
  RiskConfig c = test::two_instrument_config();
  c.instruments[1].brackets[2].maintenance_rate = 1;
  try {
    RiskEngine e(c);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& ex) {
    EXPECT_NE(std::string(ex.what()).find("instrument[1].brackets[2].maintenance_rate"),
              std::string::npos)
        << ex.what();
  }
}

}  // namespace
}  // namespace backstop
