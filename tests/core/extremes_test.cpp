// Edge cases at the bounds the configuration allows: the largest notional, the smallest and largest
// prices, the largest amounts, a one-lot position, full capacities - all exact, all conserved, and
// the engine still agrees with the reference model.
#include <gtest/gtest.h>

#include "backstop/risk_engine.hpp"
#include "differ.hpp"
#include "test_support.hpp"

namespace backstop {
namespace {

RiskConfig extreme_config() {
  RiskConfig c;
  c.max_accounts = 4;
  c.positions_per_account = 2;
  c.asset_count = 2;
  InstrumentSpec lin = test::linear_btcusdt();
  lin.min_price = Price{1};
  lin.max_price = Price{kMaxPriceTicks};
  lin.initial_mark = Price{1'000'000};
  lin.multiplier = 1;
  lin.max_position = Qty{kMaxNotional / kMaxPriceTicks};  // max_position * max_price = 2^62
  InstrumentSpec inv = test::inverse_btcusd();
  inv.min_price = Price{1};
  inv.max_price = Price{kMaxPriceTicks};
  inv.max_position = Qty{kMaxNotional / inv.multiplier};
  c.instruments = {lin, inv};
  return c;
}

TEST(Extremes, LargestNotionalsAndPricesStayExactAndConserved) {
  const RiskConfig c = extreme_config();
  ASSERT_EQ(validate_config(c), "");
  test::Differ d(c);
  d.step(make_open_account(1, 0));
  d.step(make_open_account(2, 0));
  d.step(make_open_account(3, 1));
  d.step(make_open_account(4, 1));
  for (std::uint64_t id = 1; id <= 4; ++id)
    d.step(make_deposit(id, Money{kMaxAmount}));
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  const std::int64_t lin_max = c.instruments[0].max_position.raw();
  const std::int64_t inv_max = c.instruments[1].max_position.raw();
  // Largest positions at extreme prices, then marks across the whole band, funding both ways.
  for (const std::int64_t price : {std::int64_t{1}, kMaxPriceTicks, std::int64_t{777}}) {
    d.step(make_fill(0, Side::kBuy, 1, 2, Price{price}, Qty{lin_max}));
    d.step(make_fill(1, Side::kSell, 3, 4, Price{price}, Qty{inv_max}));
    for (const std::int64_t mark : {std::int64_t{1}, kMaxPriceTicks, price}) {
      d.step(make_mark(0, Price{mark}));
      d.step(make_mark(1, Price{mark}));
      d.step(make_funding(0, c.max_abs_funding_rate_e8));
      d.step(make_funding(1, -c.max_abs_funding_rate_e8));
      ASSERT_FALSE(::testing::Test::HasFatalFailure());
    }
    d.step(make_fill(0, Side::kSell, 1, 2, Price{price}, Qty{lin_max}));  // close
    d.step(make_fill(1, Side::kBuy, 3, 4, Price{price}, Qty{inv_max}));
    ASSERT_FALSE(::testing::Test::HasFatalFailure());
  }
  // Every one of those events was accepted (4 opens, 4 deposits, 3 x 16 trades, marks, funding).
  EXPECT_EQ(d.accepted, 56u);
  // Over the limit by one lot: refused, nothing applied.
  d.step(make_fill(0, Side::kBuy, 1, 2, Price{1}, Qty{lin_max + 1}));
  EXPECT_EQ(d.engine.account(0).position_count, 0);
  // Amounts beyond 2^60 are refused at the entrance.
  EXPECT_EQ(d.engine.process(make_deposit(1, Money{kMaxAmount + 1})).code,
            RejectCode::kValueOverflow);
  EXPECT_TRUE(test::conservation_holds(d.engine));
}

TEST(Extremes, OneLotPositionsRoundInTheVenuesFavour) {
  RiskConfig c = test::two_instrument_config(4, 2);
  test::Differ d(c);
  d.step(make_open_account(1, 1));
  d.step(make_open_account(2, 1));
  d.step(make_deposit(1, Money{10'000'000}));
  d.step(make_deposit(2, Money{10'000'000}));
  // An inverse lot at a price that does not divide the multiplier: every split of value rounds.
  for (int k = 0; k < 1000; ++k) {
    d.step(make_fill(1, k % 2 ? Side::kBuy : Side::kSell, 1, 2, Price{333'333 + k}, Qty{1}));
    ASSERT_FALSE(::testing::Test::HasFatalFailure());
  }
  // The dust went to the insurance fund, never to an account.
  EXPECT_GT(d.engine.insurance_fund(1).raw(), 0);
  EXPECT_LE(d.engine.account(0).balance + d.engine.account(1).balance, 20'000'000);
}

TEST(Extremes, IsolatedPositionIsItsOwnSubAccount) {
  RiskEngine e(test::two_instrument_config(4, 1));
  ASSERT_EQ(e.process(make_open_account(10, 0, MarginMode::kCross)).code, RejectCode::kOk);
  ASSERT_EQ(e.process(make_open_account(11, 0, MarginMode::kIsolated)).code, RejectCode::kOk);
  ASSERT_EQ(e.process(make_open_account(12, 0)).code, RejectCode::kOk);
  ASSERT_EQ(e.process(make_deposit(10, Money{100'000'000'000})).code, RejectCode::kOk);
  ASSERT_EQ(e.process(make_deposit(11, Money{1'000'000'000})).code, RejectCode::kOk);
  ASSERT_EQ(e.process(make_deposit(12, Money{100'000'000'000})).code, RejectCode::kOk);
  // The isolated sub-account goes long 1 BTC at 60,000 with 1,000 USDT: its loss cannot reach the
  // parent's 100,000 USDT, which stays healthy when the isolated one is liquidated.
  ASSERT_EQ(e.process(make_fill(0, Side::kBuy, 11, 12, Price{600'000}, Qty{1000})).code,
            RejectCode::kOk);
  const EventResult r = e.process(make_mark(0, Price{580'000}));
  ASSERT_EQ(r.output_count, 1u);
  EXPECT_EQ(e.outputs()[0].account, 11u);
  EXPECT_EQ(e.account(e.find_account(11)).mode, MarginMode::kIsolated);
  EXPECT_EQ(e.account(e.find_account(10)).status, AccountStatus::kHealthy);
}

}  // namespace
}  // namespace backstop

namespace backstop {
namespace {

// Fees of the largest size the engine takes, fill after fill: the fee pool and the paying balances
// would pass int64 after a few; the fills that would push them past the bounds are refused
// (kValueOverflow) and the money stays exact.
TEST(Extremes, LargestFeesNeverWrapTheFeePoolOrABalance) {
  const RiskConfig c = extreme_config();
  RiskEngine engine(c);
  for (std::uint64_t id = 1; id <= 2; ++id) {
    ASSERT_EQ(engine.process(make_open_account(id, 0)).code, RejectCode::kOk);
    ASSERT_EQ(engine.process(make_deposit(id, Money{kMaxAmount})).code, RejectCode::kOk);
  }
  int accepted = 0, refused = 0;
  for (int i = 0; i < 40; ++i) {
    const RejectCode code =
        engine
            .process(make_fill(0, i % 2 == 0 ? Side::kBuy : Side::kSell, 1, 2, Price{1'000'000},
                               Qty{1}, Money{kMaxAmount}, Money{kMaxAmount}))
            .code;
    ASSERT_TRUE(code == RejectCode::kOk || code == RejectCode::kValueOverflow) << i;
    (code == RejectCode::kOk ? accepted : refused) += 1;
  }
  EXPECT_GT(accepted, 0);
  EXPECT_GT(refused, 0);
  EXPECT_LE(engine.ledger().fee_pool(0), kMaxNotional);
  for (std::uint32_t a = 0; a < engine.account_count(); ++a)
    EXPECT_GE(engine.account(a).balance, -kMaxNotional);
  EXPECT_TRUE(test::conservation_holds(engine));
}

}  // namespace
}  // namespace backstop
