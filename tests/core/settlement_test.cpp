// Dated futures (docs/futures.md): a Settlement event at or after the expiry closes every position
// of the instrument at the settlement price, realizes its PnL exactly as a close would (values
// rounded down, the dust to the insurance fund, recorded), removes the positions, leaves open
// interest at zero and the instrument settled; money is conserved. Accounts left flat and under
// water go to the waterfall in the same event. What refers to a dated future in the wrong state
// is refused with a typed code and changes nothing.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "audit_book.hpp"
#include "backstop/risk_engine.hpp"
#include "support/engine_checks.hpp"
#include "support/state_list.hpp"
#include "test_support.hpp"

namespace backstop {
namespace {

constexpr std::int64_t kExpiry = 1'000;

// The toy contract (multiplier 1: one lot moves one unit of money per tick; IM 10 %, MM 5 %) as a
// future expiring at kExpiry, beside a perpetual toy.
RiskConfig linear_config() {
  RiskConfig c;
  c.max_accounts = 16;
  c.instruments = {test::toy("FUT"), test::toy("PERP")};
  c.instruments[0].expiry_ns = kExpiry;
  return c;
}

// The BTCUSD COIN-M-like inverse preset (100 USD contract, tick 0.1 USD, Money 1 satoshi:
// multiplier 1e11) as a future, settling in asset 1.
RiskConfig inverse_config() {
  RiskConfig c = test::two_instrument_config(16);
  c.instruments[1].expiry_ns = kExpiry;
  return c;
}

void run(RiskEngine& e, const std::vector<Event>& events) {
  for (const Event& ev : events)
    ASSERT_EQ(e.process(ev).code, RejectCode::kOk) << "type " << int(ev.type);
}

std::vector<Event> open_funded(std::uint8_t asset, std::int64_t amount,
                               std::initializer_list<std::uint64_t> ids) {
  std::vector<Event> out;
  for (const std::uint64_t id : ids) {
    out.push_back(make_open_account(id, asset));
    out.push_back(make_deposit(id, Money{amount}));
  }
  return out;
}

std::int64_t balance(const RiskEngine& e, std::uint64_t id) {
  return e.account(e.find_account(id)).balance;
}

TEST(Settlement, LinearLongAndShortRealizeTheirPnlAtTheSettlementPrice) {
  RiskEngine e(linear_config());
  run(e, open_funded(0, 100'000, {1, 2, 3}));
  // 1 long 10 at 10,000; 2 short 6 at 10,000; 3 short 4 at 10,200 (fees 0).
  run(e, {make_fill(0, Side::kBuy, 1, 2, Price{10'000}, Qty{6}, Money{0}, Money{0}, 10),
          make_fill(0, Side::kBuy, 1, 3, Price{10'200}, Qty{4}, Money{0}, Money{0}, 11)});
  const std::int64_t insurance = e.insurance_fund(0).raw();
  ASSERT_EQ(e.instrument_state(0).open_interest, 10);
  ASSERT_EQ(e.process(make_settlement(0, Price{10'500}, kExpiry)).code, RejectCode::kOk);
  // Long: 10 x 10,500 - (6 x 10,000 + 4 x 10,200) = 105,000 - 100,800 = +4,200.
  EXPECT_EQ(balance(e, 1), 104'200);
  // Shorts: -6 x 10,500 + 60,000 = -3,000; -4 x 10,500 + 40,800 = -1,200.
  EXPECT_EQ(balance(e, 2), 97'000);
  EXPECT_EQ(balance(e, 3), 98'800);
  EXPECT_EQ(e.insurance_fund(0).raw(), insurance) << "a linear settlement leaves no dust";
  for (std::uint32_t slot = 0; slot < 3; ++slot)
    EXPECT_TRUE(e.positions(slot).empty());
  EXPECT_EQ(e.instrument_state(0).open_interest, 0);
  EXPECT_TRUE(is_settled(e.instrument_state(0)));
  EXPECT_EQ(e.instrument_state(0).settlement_price, 10'500);
  EXPECT_EQ(e.instrument_state(0).mark, 10'500);
  EXPECT_TRUE(test::conservation_holds(e));
  EXPECT_TRUE(checks::verify_index(e));
}

TEST(Settlement, ItsRecordNamesThePriceTheOpenInterestAndThePositions) {
  RiskEngine e(linear_config());
  run(e, open_funded(0, 100'000, {1, 2}));
  run(e, {make_fill(0, Side::kSell, 1, 2, Price{10'000}, Qty{3}, Money{0}, Money{0}, 10)});
  ASSERT_EQ(e.process(make_settlement(0, Price{9'000}, kExpiry + 5)).code, RejectCode::kOk);
  ASSERT_EQ(e.waterfall_records().size(), 1u);
  const WaterfallRecord& r = e.waterfall_records()[0];
  EXPECT_EQ(r.kind, WaterfallKind::kSettlement);
  EXPECT_EQ(r.instrument, 0);
  EXPECT_EQ(r.parties, 0) << "moves no money itself";
  EXPECT_EQ(r.amount, 3);
  EXPECT_EQ(r.before, 9'000);
  EXPECT_EQ(r.after, 2);
  // Short 3 from 10,000 gains 3,000 at 9,000; the long loses it.
  EXPECT_EQ(balance(e, 1), 103'000);
  EXPECT_EQ(balance(e, 2), 97'000);
}

// An inverse future's values are rounded down (1 / price): the two sides' realized PnL fall one
// unit short of cancelling, and that unit goes to the insurance fund, recorded.
TEST(Settlement, InverseLongAndShortRoundDownAndTheDustGoesToTheInsuranceFund) {
  RiskConfig c = inverse_config();
  c.waterfall.audit_balances = true;
  RiskEngine e(c);
  test::AuditBook book;
  std::string error;
  const auto step = [&](const Event& ev) {
    ASSERT_EQ(e.process(ev).code, RejectCode::kOk) << "type " << int(ev.type);
    ASSERT_TRUE(book.apply(e.waterfall_records(), error)) << error;
    ASSERT_EQ(book.compare(e), "");
  };
  for (const Event& ev : open_funded(1, 10'000'000, {1, 2}))
    step(ev);
  // 1 buys 3 lots (100 USD each) from 2 at 60,000.1 USD (600,001 ticks). Costs: the long
  // ceil(-3e11 / 600,001) = -499,999, the short ceil(3e11 / 600,001) = 500,000 satoshi.
  step(make_fill(1, Side::kBuy, 1, 2, Price{600'001}, Qty{3}, Money{0}, Money{0}, 10));
  const std::int64_t insurance = e.insurance_fund(1).raw();
  step(make_settlement(1, Price{650'003}, kExpiry));
  if (::testing::Test::HasFatalFailure()) return;
  // Values at 65,000.3 USD: the long floor(-3e11 / 650,003) = -461,537, the short
  // floor(3e11 / 650,003) = 461,536. Long: -461,537 + 499,999 = +38,462; short: 461,536 - 500,000
  // = -38,464; dust -(-461,537 + 461,536) = 1.
  EXPECT_EQ(balance(e, 1), 10'000'000 + 38'462);
  EXPECT_EQ(balance(e, 2), 10'000'000 - 38'464);
  EXPECT_EQ(e.insurance_fund(1).raw() - insurance, 1);
  std::int64_t dust_recorded = 0;
  std::int64_t pnl_legs = 0;
  for (const WaterfallRecord& r : e.waterfall_records()) {
    if (r.kind == WaterfallKind::kSettlementDust) {
      EXPECT_EQ(from_party(r), Party::kPositions);
      EXPECT_EQ(to_party(r), Party::kInsurance);
      dust_recorded += r.amount;
    }
    if (r.kind == WaterfallKind::kSettlementPnl) ++pnl_legs;
  }
  EXPECT_EQ(dust_recorded, 1);
  EXPECT_EQ(pnl_legs, 2);
  EXPECT_TRUE(book.holding(Party::kPositions, 1) == 0) << "no position left";
  EXPECT_TRUE(book.sum() == 0);
  EXPECT_EQ(e.instrument_state(1).open_interest, 0);
  EXPECT_TRUE(test::conservation_holds(e));
}

// The short side of the same contract from the other direction: the price falls.
TEST(Settlement, InverseShortGainsWhenThePriceFalls) {
  RiskEngine e(inverse_config());
  run(e, open_funded(1, 10'000'000, {1, 2}));
  run(e, {make_fill(1, Side::kSell, 1, 2, Price{600'001}, Qty{3}, Money{0}, Money{0}, 10)});
  const std::int64_t insurance = e.insurance_fund(1).raw();
  ASSERT_EQ(e.process(make_settlement(1, Price{550'007}, kExpiry)).code, RejectCode::kOk);
  // 1 short 3: cost ceil(3e11 / 600,001) = 500,000, value at 55,000.7 USD floor(3e11 / 550,007)
  // = 545,447: +45,447.
  EXPECT_EQ(balance(e, 1), 10'000'000 + 45'447);
  // 2 long 3: cost -499,999, value floor(-3e11 / 550,007) = -545,448: -45,449.
  EXPECT_EQ(balance(e, 2), 10'000'000 - 45'449);
  EXPECT_EQ(e.insurance_fund(1).raw() - insurance, 1);
  EXPECT_TRUE(test::conservation_holds(e));
}

// A settlement closes only the future: an account's perpetual stays, with a valid trigger.
TEST(Settlement, OtherPositionsOfTheHoldersStay) {
  RiskEngine e(linear_config());
  run(e, open_funded(0, 100'000, {1, 2}));
  run(e, {make_fill(0, Side::kBuy, 1, 2, Price{10'000}, Qty{2}, Money{0}, Money{0}, 10),
          make_fill(1, Side::kSell, 1, 2, Price{10'000}, Qty{5}, Money{0}, Money{0}, 11)});
  ASSERT_EQ(e.process(make_settlement(0, Price{10'100}, kExpiry)).code, RejectCode::kOk);
  for (const std::uint64_t id : {1, 2}) {
    const auto positions = e.positions(e.find_account(id));
    ASSERT_EQ(positions.size(), 1u);
    EXPECT_EQ(positions[0].instrument, 1);
  }
  EXPECT_EQ(e.instrument_state(1).open_interest, 5);
  EXPECT_TRUE(checks::verify_index(e));
  EXPECT_TRUE(test::conservation_holds(e));
}

// An account that was liquidatable before the settlement is settled first; left flat with a
// negative balance it is bankrupt, and with the waterfall on the insurance fund covers its deficit
// in the same event, as for any flat bankrupt account.
TEST(Settlement, AFlatAccountLeftUnderWaterIsCoveredByTheWaterfall) {
  RiskConfig c = linear_config();
  c.waterfall.mode = LiquidationMode::kTakeover;
  c.waterfall.backstop_accounts = {9};
  c.positions_per_account = 2;
  RiskEngine e(c);
  run(e, open_funded(0, 1'000'000, {9}));
  run(e, open_funded(0, 100'000, {2}));
  run(e, open_funded(0, 11'000, {1}));
  run(e, {make_fund_deposit(FundKind::kInsurance, 0, Money{50'000}, 0, 1)});
  // 1 long 10 at 10,000 with 11,000 of margin (IM 10 %, MM 5 %: 10,000 / 5,000).
  run(e, {make_fill(0, Side::kBuy, 1, 2, Price{10'000}, Qty{10}, Money{0}, Money{0}, 10)});
  // The waterfall is held off by a liquidation hold while the mark drops: 1 is liquidatable,
  // flagged, not yet acted on.
  run(e, {make_liquidation_hold(0, HoldMode::kHold, kExpiry + 100, 20),
          make_mark(0, Price{9'300}, 30)});
  ASSERT_EQ(e.account(e.find_account(1)).status, AccountStatus::kLiquidatable);
  const std::int64_t insurance = e.insurance_fund(0).raw();
  // Settles at 8,500: 1 loses 15,000 with 11,000: 4,000 under water, flat.
  ASSERT_EQ(e.process(make_settlement(0, Price{8'500}, kExpiry)).code, RejectCode::kOk);
  bool deficit = false;
  for (const WaterfallRecord& r : e.waterfall_records()) {
    if (r.kind == WaterfallKind::kDeficit) {
      deficit = true;
      EXPECT_EQ(r.account, 1u);
      EXPECT_EQ(r.amount, 4'000);
    }
  }
  EXPECT_TRUE(deficit);
  EXPECT_EQ(balance(e, 1), 0);
  EXPECT_EQ(e.insurance_fund(0).raw(), insurance - 4'000);
  EXPECT_EQ(balance(e, 2), 100'000 + 15'000);
  EXPECT_TRUE(e.liquidatable().empty());
  EXPECT_TRUE(test::conservation_holds(e));
}

// Without the waterfall the same account stays flagged bankrupt (reported), with no position.
TEST(Settlement, WithoutTheWaterfallAFlatAccountUnderWaterIsReportedBankrupt) {
  RiskEngine e(linear_config());
  run(e, open_funded(0, 100'000, {2}));
  run(e, open_funded(0, 11'000, {1}));
  run(e, {make_fill(0, Side::kBuy, 1, 2, Price{10'000}, Qty{10}, Money{0}, Money{0}, 10)});
  ASSERT_EQ(e.process(make_settlement(0, Price{8'500}, kExpiry)).code, RejectCode::kOk);
  ASSERT_EQ(e.outputs().size(), 1u);
  EXPECT_EQ(e.outputs()[0].type, OutputType::kBecameBankrupt);
  EXPECT_EQ(e.outputs()[0].account, 1u);
  EXPECT_EQ(balance(e, 1), -4'000);
  EXPECT_TRUE(e.positions(e.find_account(1)).empty());
  EXPECT_TRUE(test::conservation_holds(e));
}

// Each refusal returns its code and leaves the whole state as it was.
TEST(Settlement, RefusalsAreTypedAndChangeNothing) {
  RiskEngine e(linear_config());
  run(e, open_funded(0, 100'000, {1, 2}));
  run(e, {make_fill(0, Side::kBuy, 1, 2, Price{10'000}, Qty{2}, Money{0}, Money{0}, 10)});
  const auto refused = [&](const Event& ev, RejectCode want) {
    const std::vector<std::string> before = checks::state_list(e);
    EXPECT_EQ(e.process(ev).code, want) << "type " << int(ev.type);
    EXPECT_EQ(checks::state_list(e), before) << "type " << int(ev.type);
  };
  refused(make_funding(0, 100), RejectCode::kFundingNotApplicable);
  refused(make_settlement(1, Price{10'000}, kExpiry), RejectCode::kNotDatedFuture);
  refused(make_settlement(0, Price{10'000}, kExpiry - 1), RejectCode::kNotExpired);
  refused(make_settlement(0, Price{2'000'000'000}, kExpiry), RejectCode::kPriceOutOfBand);
  refused(make_settlement(7, Price{10'000}, kExpiry), RejectCode::kUnknownInstrument);
  // Expired, not settled: no more fills (liquidation fills neither), marks still move.
  refused(make_fill(0, Side::kBuy, 1, 2, Price{10'000}, Qty{1}, Money{0}, Money{0}, kExpiry),
          RejectCode::kInstrumentExpired);
  ASSERT_EQ(e.process(make_mark(0, Price{10'050}, kExpiry + 1)).code, RejectCode::kOk);
  ASSERT_EQ(e.process(make_fill(1, Side::kBuy, 1, 2, Price{10'000}, Qty{1}, Money{0}, Money{0},
                                kExpiry + 2))
                .code,
            RejectCode::kOk)
      << "the perpetual still trades";
  ASSERT_EQ(e.process(make_settlement(0, Price{10'100}, kExpiry + 3)).code, RejectCode::kOk);
  refused(make_settlement(0, Price{10'100}, kExpiry + 4), RejectCode::kInstrumentSettled);
  refused(make_mark(0, Price{10'000}, kExpiry + 5), RejectCode::kInstrumentSettled);
  // Settled: refused whatever the fill's time, before the expiry too.
  refused(make_fill(0, Side::kBuy, 1, 2, Price{10'000}, Qty{1}, Money{0}, Money{0}, 5),
          RejectCode::kInstrumentSettled);
  refused(make_funding(0, 100, kExpiry + 6), RejectCode::kFundingNotApplicable);
  EXPECT_EQ(to_string(RejectCode::kInstrumentExpired), "instrument_expired");
  EXPECT_EQ(to_string(RejectCode::kNotExpired), "not_expired");
  EXPECT_EQ(to_string(RejectCode::kNotDatedFuture), "not_dated_future");
  EXPECT_EQ(to_string(RejectCode::kInstrumentSettled), "instrument_settled");
  EXPECT_EQ(to_string(RejectCode::kFundingNotApplicable), "funding_not_applicable");
}

// The pre-trade check refuses any order on a settled future; it reads no time, so before the
// settlement it answers as for a perpetual (the fill itself is refused after the expiry).
TEST(Settlement, ThePreTradeCheckRefusesOrdersOnASettledFuture) {
  RiskEngine e(linear_config());
  run(e, open_funded(0, 100'000, {1}));
  EXPECT_EQ(e.check_order(1, 0, Side::kBuy, Qty{1}, Price{10'000}).code, RejectCode::kOk);
  ASSERT_EQ(e.process(make_settlement(0, Price{10'000}, kExpiry)).code, RejectCode::kOk);
  EXPECT_EQ(e.check_order(1, 0, Side::kBuy, Qty{1}, Price{10'000}).code,
            RejectCode::kInstrumentSettled);
  EXPECT_EQ(e.check_order(1, 1, Side::kBuy, Qty{1}, Price{10'000}).code, RejectCode::kOk);
}

// An instrument without holders settles too (nothing to close), and only once.
TEST(Settlement, AnEmptyBookSettlesOnce) {
  RiskEngine e(linear_config());
  ASSERT_EQ(e.process(make_settlement(0, Price{10'000}, kExpiry)).code, RejectCode::kOk);
  EXPECT_TRUE(is_settled(e.instrument_state(0)));
  EXPECT_EQ(e.process(make_settlement(0, Price{10'000}, kExpiry)).code,
            RejectCode::kInstrumentSettled);
}

TEST(Settlement, ANegativeExpiryIsAnInvalidConfiguration) {
  RiskConfig c = linear_config();
  c.instruments[0].expiry_ns = -1;
  EXPECT_EQ(validate_config(c).rfind("instrument[0].expiry:", 0), 0u) << validate_config(c);
}

}  // namespace
}  // namespace backstop
