// Bankruptcy, liquidation and fillable prices (close_prices.hpp), through the embedder's API
// (RiskEngine, by AccountId) and the slot forms. The instrument of these examples: a linear BTC
// contract with a lot of 0.1 BTC, a tick of 0.01 USDT and money in 0.001 USDT, so one lot moves one
// money unit per tick (multiplier 1) and 51,000.00 USDT is 5,100,000 ticks.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <type_traits>

#include "backstop/close_prices.hpp"
#include "backstop/risk_engine.hpp"
#include "test_support.hpp"

namespace backstop {
namespace {

constexpr std::uint64_t kTrader = 7;
constexpr std::uint64_t kOther = 8;
constexpr std::int64_t kUsdt = 1'000;  // money units per USDT
constexpr std::int64_t kTick = 100;    // ticks per USDT

InstrumentSpec btc_tenth(std::int64_t initial_rate, std::int64_t maintenance_rate) {
  InstrumentSpec s;
  s.symbol = "BTCUSDT";
  s.kind = ContractKind::kLinearPerpetual;
  s.multiplier = 1;
  s.min_price = Price{1};
  s.max_price = Price{1'000'000 * kTick};
  s.initial_mark = Price{50'000 * kTick};
  s.max_position = Qty{1'000'000};
  s.brackets = {{Money{0}, initial_rate, maintenance_rate}};
  return s;
}

RiskConfig config(std::int64_t initial_rate = 10'000, std::int64_t maintenance_rate = 5'000) {
  RiskConfig c;
  c.max_accounts = 16;
  c.positions_per_account = 2;
  c.asset_count = 1;
  c.instruments = {btc_tenth(initial_rate, maintenance_rate)};
  return c;
}

struct Account1 {
  explicit Account1(const RiskConfig& c) : e(c) {}
  RiskEngine e;
  void ok(const Event& ev) {
    ASSERT_EQ(e.process(ev).code, RejectCode::kOk);
    ASSERT_TRUE(test::conservation_holds(e));
  }
  // The trader deposits `deposit` and takes `lots` (signed) at `entry` from a rich counterparty.
  void open(std::int64_t deposit, std::int64_t lots, std::int64_t entry) {
    ok(make_open_account(kTrader, 0));
    ok(make_open_account(kOther, 0));
    if (deposit > 0) ok(make_deposit(kTrader, Money{deposit}));
    ok(make_deposit(kOther, Money{1'000'000 * kUsdt}));
    ok(make_fill(0, lots > 0 ? Side::kBuy : Side::kSell, kTrader, kOther, Price{entry},
                 Qty{lots > 0 ? lots : -lots}));
  }
  void mark(std::int64_t m) { ok(make_mark(0, Price{m})); }
  std::int64_t bankruptcy() const { return e.bankruptcy_price(AccountId{kTrader}, 0)->raw(); }
};

TEST(BankruptcyPrice, OfAnAccountUnderWaterLiesBeyondTheMark) {
  // Deposit 600 USDT, buy 0.1 BTC at 51,000, mark 44,000: equity 600 - 700 = -100 USDT. Closing
  // at p leaves 600 + 0.1 (p - 51,000), zero at 45,000 - above the mark, not the mark.
  Account1 a(config());
  a.open(600 * kUsdt, 1, 51'000 * kTick);
  a.mark(44'000 * kTick);
  ASSERT_LT(a.e.margin(AccountId{kTrader})->equity, 0);
  EXPECT_EQ(a.bankruptcy(), 45'000 * kTick);
}

TEST(BankruptcyPrice, OfAShortUnderWaterLiesBelowTheMark) {
  // Sell 0.1 BTC at 51,000 with 600 USDT, mark 58,000: equity -100 USDT; zero at 57,000.
  Account1 a(config());
  a.open(600 * kUsdt, -1, 51'000 * kTick);
  a.mark(58'000 * kTick);
  EXPECT_EQ(a.bankruptcy(), 57'000 * kTick);
}

TEST(BankruptcyPrice, OfAPartialCloseValuesTheRestAtTheMark) {
  // 0.2 BTC long at 51,000 with 600 USDT, mark 44,000. Closing 1 lot at p, the other valued at
  // the mark: 600 + 0.1 (p - 51,000) + 0.1 (44,000 - 51,000) = 0 at p = 52,000; all 2 lots:
  // 600 + 0.2 (p - 51,000) = 0 at p = 48,000.
  Account1 a(config());
  a.open(600 * kUsdt, 2, 51'000 * kTick);
  a.mark(44'000 * kTick);
  EXPECT_EQ(a.e.bankruptcy_price(AccountId{kTrader}, 0, Qty{1})->raw(), 52'000 * kTick);
  EXPECT_EQ(a.e.bankruptcy_price(AccountId{kTrader}, 0, Qty{2})->raw(), 48'000 * kTick);
  EXPECT_EQ(a.bankruptcy(), 48'000 * kTick);
  // Lots on the wrong side or beyond the position have no bankruptcy price.
  EXPECT_FALSE(a.e.bankruptcy_price(AccountId{kTrader}, 0, Qty{-1}).has_value());
  EXPECT_FALSE(a.e.bankruptcy_price(AccountId{kTrader}, 0, Qty{3}).has_value());
}

TEST(BankruptcyPrice, IncludesTheClosingFeeRoundedUpForALong) {
  // closing_fee_rate 0.075 % (Bybit's BP = entry-side balance less the fee to close): 0.1 BTC long
  // at 51,000 with 600 USDT. 600 + 0.1 (p - 51,000) - 0.00075 x 0.1 p = 0 at p = 45,033.7753...:
  // rounded up to the tick, 45,033.78 (at 45,033.77 the fee rounds up past the equity).
  RiskConfig c = config();
  c.venue.closing_fee_rate = 750;
  Account1 a(c);
  a.open(600 * kUsdt, 1, 51'000 * kTick);
  EXPECT_EQ(a.bankruptcy(), 4'503'378);
  // Without the fee the same account's is 45,000.
  Account1 b(config());
  b.open(600 * kUsdt, 1, 51'000 * kTick);
  EXPECT_EQ(b.bankruptcy(), 45'000 * kTick);
}

TEST(BankruptcyPrice, IsEmptyWhenNoPriceInTheBandLeavesEquity) {
  // A long whose balance a fee has driven deep below zero: even the band's top (1,000,000 USDT)
  // does not pay it back.
  Account1 a(config());
  a.ok(make_open_account(kTrader, 0));
  a.ok(make_open_account(kOther, 0));
  a.ok(make_deposit(kOther, Money{1'000'000 * kUsdt}));
  a.ok(make_fill(0, Side::kBuy, kTrader, kOther, Price{50'000 * kTick}, Qty{1},
                 Money{500'000 * kUsdt}));
  EXPECT_FALSE(a.e.bankruptcy_price(AccountId{kTrader}, 0).has_value());
  // A long that is solvent whatever the price: the band's floor.
  Account1 b(config());
  b.open(100'000 * kUsdt, 1, 51'000 * kTick);
  EXPECT_EQ(b.bankruptcy(), 1);
}

TEST(LiquidationPrice, IsTheSameCrossingFromEitherSideOfIt) {
  // MM 0.5 %: 600 + 0.1 (p - 51,000) = 0.005 x 0.1 p at p = 45,226.130...: rounded up, 45,226.14.
  // The account is healthy at 48,000 and below maintenance at 44,000; the price is the same.
  Account1 a(config());
  a.open(600 * kUsdt, 1, 51'000 * kTick);
  a.mark(48'000 * kTick);
  EXPECT_EQ(a.e.liquidation_price(AccountId{kTrader}, 0)->raw(), 4'522'614);
  a.mark(44'000 * kTick);
  EXPECT_EQ(a.e.liquidation_price(AccountId{kTrader}, 0)->raw(), 4'522'614);
}

TEST(LiquidationPrice, AgreesWithTheEnginesOwnStatus) {
  // At the returned tick the account is healthy, one tick below it liquidatable.
  Account1 a(config());
  a.open(600 * kUsdt, 1, 51'000 * kTick);
  const std::int64_t liq = a.e.liquidation_price(AccountId{kTrader}, 0)->raw();
  a.mark(liq);
  EXPECT_EQ(a.e.account(a.e.find_account(kTrader)).status, AccountStatus::kHealthy);
  a.mark(liq - 1);
  EXPECT_EQ(a.e.account(a.e.find_account(kTrader)).status, AccountStatus::kLiquidatable);
}

TEST(FillablePrice, MovesTheMarkByTheSpreadScaledByHowFarUnderMaintenance) {
  // dYdX v4 TestGetFillablePrice, "one long position that is slightly below maintenance margin"
  // (protocol/x/clob/keeper/liquidations_test.go): 0.1 BTC at an oracle of 50,000, MM 10 %,
  // TNC 499, TMMR 500, SMMR 0.1: ABR 1/500, FP = 50,000 - 0.1 x 500 / 500 / 0.1 = 49,999.
  RiskConfig c = config(200'000, 100'000);
  c.venue.fillable_spread_ratio = 100'000;
  Account1 a(c);
  a.open(499 * kUsdt, 1, 50'000 * kTick);
  const std::uint32_t slot = a.e.find_account(kTrader);
  EXPECT_EQ(fillable_price(a.e.ledger(), slot, 0)->raw(), 49'999 * kTick);
  // "one short position that is slightly below maintenance margin": 50,001.
  Account1 s(c);
  s.open(499 * kUsdt, -1, 50'000 * kTick);
  EXPECT_EQ(fillable_price(s.e.ledger(), s.e.find_account(kTrader), 0)->raw(), 50'001 * kTick);
  // "one long position below the bankruptcy price": TNC -500, ABR clamped to 1: 49,500.
  Account1 b(c);
  b.open(500 * kUsdt, 1, 60'000 * kTick);
  EXPECT_EQ(fillable_price(b.e.ledger(), b.e.find_account(kTrader), 0)->raw(), 49'500 * kTick);
}

TEST(OrderLimit, LimitsTheLiquidationOrderAtTheBankruptcyOrTheFillablePrice) {
  // The dYdX example above in order mode: the trader is below maintenance from its fill on, and
  // its order sells the lot at 45,010 (499 USDT over 0.1 BTC below 50,000: the bankruptcy
  // price) or, with OrderLimit::kFillable, at the fillable price 49,999.
  for (const OrderLimit limit : {OrderLimit::kBankruptcy, OrderLimit::kFillable}) {
    RiskConfig c = config(200'000, 100'000);
    c.venue.order_limit = limit;
    c.venue.fillable_spread_ratio = 100'000;
    c.waterfall.mode = LiquidationMode::kOrder;
    c.waterfall.backstop_accounts = {kOther};
    Account1 a(c);
    a.open(499 * kUsdt, 1, 50'000 * kTick);
    const auto records = a.e.waterfall_records();
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].kind, WaterfallKind::kLiquidationOrder);
    EXPECT_EQ(records[0].amount, -1);
    EXPECT_EQ(records[0].before, limit == OrderLimit::kFillable ? 49'999 * kTick : 45'010 * kTick);
  }
}

TEST(EmbedderQueries, TakeTheVenuesAccountIdAndAgreeWithTheSlotForms) {
  static_assert(!std::is_convertible_v<std::uint64_t, AccountId>,
                "an account id must never be taken for a slot or the other way round");
  Account1 a(config());
  a.open(600 * kUsdt, 1, 51'000 * kTick);
  a.mark(44'000 * kTick);
  const std::uint32_t slot = a.e.find_account(kTrader);
  ASSERT_NE(slot, static_cast<std::uint32_t>(kTrader));  // id and slot differ here
  EXPECT_EQ(a.e.margin(AccountId{kTrader})->equity, a.e.slot_margin(slot).equity);
  EXPECT_EQ(a.e.bankruptcy_price(AccountId{kTrader}, 0), a.e.slot_bankruptcy_price(slot, 0));
  EXPECT_EQ(a.e.liquidation_price(AccountId{kTrader}, 0), a.e.slot_liquidation_price(slot, 0));
  // An unknown account, or one without a position there, has none.
  EXPECT_FALSE(a.e.margin(AccountId{99}).has_value());
  EXPECT_FALSE(a.e.bankruptcy_price(AccountId{99}, 0).has_value());
  EXPECT_FALSE(a.e.liquidation_price(AccountId{kOther + 100}, 0).has_value());
}

}  // namespace
}  // namespace backstop
