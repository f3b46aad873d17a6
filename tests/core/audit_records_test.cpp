// The audit records as transfers (docs/audit.md): with WaterfallConfig::audit_balances every
// movement of every balance and fund is a record naming both parties, so the records alone rebuild
// the engine's balances and funds to the unit after every event; each record's before/after is the
// figure of the party it shows; a trade's rounding dust reaches the insurance fund recorded; every
// tier's rounding remainder is recorded the same way (from the cover to the insurance fund, with
// the fund's figure). Without audit_balances the waterfall's records are the same, nothing else is
// written, and the state is the same.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "audit_book.hpp"
#include "backstop/risk_engine.hpp"
#include "stream_gen.hpp"
#include "test_support.hpp"

namespace backstop {
namespace {

bool is_balance_leg(WaterfallKind k) {
  return static_cast<int>(k) >= static_cast<int>(WaterfallKind::kRealizedPnl);
}

// An inverse contract's value is rounded (1 / price): fills leave dust, which goes to the fund.
TEST(AuditRecords, FillDustGoesToTheInsuranceFundFromThePositions) {
  RiskConfig c = test::two_instrument_config(8);
  c.waterfall.audit_balances = true;
  RiskEngine e(c);
  test::AuditBook book;
  std::string error;
  std::int64_t dust_recorded = 0;
  const auto step = [&](const Event& ev) {
    ASSERT_EQ(e.process(ev).code, RejectCode::kOk);
    ASSERT_TRUE(book.apply(e.waterfall_records(), error)) << error;
    ASSERT_EQ(book.compare(e), "");
    for (const WaterfallRecord& r : e.waterfall_records()) {
      if (r.kind != WaterfallKind::kTradeDust) continue;
      EXPECT_EQ(from_party(r), Party::kPositions);
      EXPECT_EQ(to_party(r), Party::kInsurance);
      EXPECT_EQ(r.shown, Shown::kTo);
      EXPECT_EQ(r.after - r.before, r.amount);
      dust_recorded += r.amount;
    }
  };
  step(make_open_account(1, 1));
  step(make_open_account(2, 1));
  step(make_deposit(1, Money{1'000'000'000}));
  step(make_deposit(2, Money{1'000'000'000}));
  const std::int64_t insurance_before = e.insurance_fund(1).raw();
  for (const std::int64_t price : {600'001, 599'997, 600'013, 600'007}) {
    step(make_fill(1, Side::kBuy, 1, 2, Price{price}, Qty{7}, Money{3}, Money{1}));
    step(make_fill(1, Side::kSell, 1, 2, Price{price + 11}, Qty{5}, Money{2}, Money{-1}));
  }
  const std::int64_t dust = e.insurance_fund(1).raw() - insurance_before;
  ASSERT_GT(dust, 0) << "the inverse fills must leave rounding dust";
  EXPECT_EQ(dust_recorded, dust) << "every unit of dust the fund received is recorded";
  EXPECT_TRUE(book.holding(Party::kInsurance, 1) == dust);
  EXPECT_TRUE(book.holding(Party::kFeePool, 1) == e.fee_pool(1).raw());
  EXPECT_TRUE(book.sum() == 0);
}

TEST(AuditRecords, FeesAndRebatesNameTheAccountAndTheFeePool) {
  RiskConfig c = test::two_instrument_config(8);
  c.waterfall.audit_balances = true;
  RiskEngine e(c);
  for (const Event& ev :
       {make_open_account(1, 0), make_open_account(2, 0), make_deposit(1, Money{1'000'000'000}),
        make_deposit(2, Money{1'000'000'000})})
    ASSERT_EQ(e.process(ev).code, RejectCode::kOk);
  ASSERT_EQ(
      e.process(make_fill(0, Side::kBuy, 1, 2, Price{600'000}, Qty{3}, Money{50}, Money{-20})).code,
      RejectCode::kOk);
  std::vector<WaterfallRecord> fees;
  for (const WaterfallRecord& r : e.waterfall_records())
    if (r.kind == WaterfallKind::kTradeFee) fees.push_back(r);
  ASSERT_EQ(fees.size(), 2u);
  EXPECT_EQ(fees[0].account, 1u);
  EXPECT_EQ(from_party(fees[0]), Party::kAccount);
  EXPECT_EQ(to_party(fees[0]), Party::kFeePool);
  EXPECT_EQ(fees[0].amount, 50);
  EXPECT_EQ(fees[0].before - fees[0].after, 50) << "shown: the taker's balance";
  EXPECT_EQ(fees[1].account, 2u);
  EXPECT_EQ(from_party(fees[1]), Party::kFeePool) << "a rebate flows from the pool";
  EXPECT_EQ(to_party(fees[1]), Party::kAccount);
  EXPECT_EQ(fees[1].amount, 20);
  EXPECT_EQ(fees[1].after - fees[1].before, 20) << "shown: the maker's balance";
}

struct StreamRun {
  std::vector<std::vector<WaterfallRecord>> records;  // per event
  std::vector<std::int64_t> balances;                 // at the end, per slot
  std::vector<std::int64_t> funds;                    // at the end
  std::uint64_t remainders = 0;
  std::uint64_t kinds_seen = 0;  // bit k: a record of kind k
};

// A random stream with crashes, funding, deposits, withdrawals, every tier on (ranked, pro-rata
// and socialized instruments, insurance cap, tranche, default fund, assessments), assessment
// payments and bad-debt recoveries; `check` runs after every event.
template <class Check>
StreamRun run_stream(std::uint64_t seed, bool balances, std::uint32_t events, Check&& check) {
  test::StreamGenerator gen(seed, 1 + seed % 3, 200);
  RiskConfig config = gen.config();
  config.positions_per_account =
      std::max<std::uint32_t>(config.positions_per_account, config.instruments.size());
  const std::vector<Event> setup = gen.setup();
  test::first_accounts_as_backstops(config.waterfall, setup);
  std::mt19937_64 rng(seed ^ 0xa0d17u);
  WaterfallConfig& w = config.waterfall;
  w.mode = LiquidationMode::kTakeover;
  w.liquidation_fee_rate = static_cast<std::int64_t>(rng() % 10'000);
  w.price = seed % 4 == 3 ? AdlPrice::kMark : AdlPrice::kBankruptcy;
  for (std::size_t i = 0; i < config.instruments.size(); ++i) {
    const auto roll = rng() % 3;
    w.instrument_policy.push_back(roll == 0   ? AdlPolicy::kProRata
                                  : roll == 1 ? AdlPolicy::kSocialized
                                              : AdlPolicy::kRanked);
  }
  w.insurance_cap_per_account = rng() % 2 == 0 ? 0 : 50'000'000;
  w.assessment = true;
  w.assessment_cap = 10'000'000;
  w.audit_balances = balances;
  RiskEngine e(config);
  StreamRun run;
  const auto step = [&](const Event& ev) {
    e.process(ev);
    const auto r = e.waterfall_records();
    run.records.emplace_back(r.begin(), r.end());
    for (const WaterfallRecord& x : r) {
      run.kinds_seen |= std::uint64_t{1} << static_cast<int>(x.kind);
      run.remainders += x.kind == WaterfallKind::kRemainder;
    }
    check(e);
  };
  for (const Event& ev : setup)
    step(ev);
  for (std::uint8_t asset = 0; asset < 2; ++asset) {
    const std::uint64_t b = w.backstop_accounts[asset];
    if (b != 0)
      step(make_deposit(b, Money{asset == 0 ? 1'000'000'000'000'000 : 1'000'000'000'000}));
    step(make_fund_deposit(FundKind::kInsurance, asset,
                           Money{1 + static_cast<std::int64_t>(rng() % 1'000'000'000)}));
    step(make_fund_deposit(FundKind::kVenueTranche, asset,
                           Money{1 + static_cast<std::int64_t>(rng() % 100'000'000)}));
  }
  for (std::uint32_t k = 0; k < 20; ++k) {
    step(make_fund_deposit(FundKind::kDefaultFund, 0,
                           Money{1'000 + static_cast<std::int64_t>(rng() % 1'000'000)},
                           gen.account_id(static_cast<std::uint32_t>(rng() % 200))));
  }
  for (std::uint32_t k = 0; k < events && !::testing::Test::HasFatalFailure(); ++k) {
    step(gen.next());
    if (k % 101 != 0) continue;
    // Now and then a member pays part of its assessment, and bad debt is recovered.
    const WaterfallState& ws = e.waterfall_state();
    for (std::uint32_t a = 0; a < e.account_count(); ++a) {
      if (ws.owed[a] > 0) {
        step(make_fund_deposit(FundKind::kAssessmentPayment, 0, Money{1 + ws.owed[a] / 2},
                               e.account(a).id));
        break;
      }
    }
    for (std::uint8_t asset = 0; asset < 2; ++asset) {
      if (ws.bad_debt[asset] > 0)
        step(make_fund_deposit(FundKind::kRecoverBadDebt, asset, Money{ws.bad_debt[asset]}));
    }
  }
  for (std::uint32_t a = 0; a < e.account_count(); ++a)
    run.balances.push_back(e.account(a).balance);
  for (std::uint8_t k = 0; k < e.asset_count(); ++k) {
    run.funds.push_back(e.insurance_fund(k).raw());
    run.funds.push_back(e.fee_pool(k).raw());
    run.funds.push_back(e.waterfall_state().bad_debt[k]);
    run.funds.push_back(e.waterfall_state().receivable[k]);
  }
  return run;
}

class AuditRecordsStream : public ::testing::TestWithParam<int> {};

TEST_P(AuditRecordsStream, RebuildEveryBalanceAndFundAfterEveryEvent) {
  const auto seed = static_cast<std::uint64_t>(GetParam()) * 7919 + 3;
  test::AuditBook book;
  std::string error;
  std::uint64_t event = 0;
  const StreamRun run = run_stream(seed, true, 6'000, [&](const RiskEngine& e) {
    ++event;
    ASSERT_TRUE(book.apply(e.waterfall_records(), error)) << "event " << event << ": " << error;
    ASSERT_EQ(book.compare(e), "") << "after event " << event;
  });
  EXPECT_TRUE(book.sum() == 0);
  EXPECT_GT(book.movements(), 1'000u);
  EXPECT_NE(run.kinds_seen & (std::uint64_t{1} << static_cast<int>(WaterfallKind::kTakeover)), 0u)
      << "the stream must liquidate";
}

INSTANTIATE_TEST_SUITE_P(Seeds, AuditRecordsStream, ::testing::Range(0, 8));

// Over the seeds: every tier's remainder, the ADL's included, comes from the cover to the
// insurance fund with the fund's figure; and the streams reached the tiers that write them.
TEST(AuditRecords, EveryRemainderGoesFromTheCoverToTheInsuranceFundShowingTheFund) {
  std::uint64_t kinds = 0;
  std::uint64_t remainder_tiers = 0;
  for (int s = 0; s < 8; ++s) {
    const StreamRun run =
        run_stream(static_cast<std::uint64_t>(s) * 7919 + 3, true, 6'000, [](const RiskEngine&) {});
    kinds |= run.kinds_seen;
    for (const auto& event : run.records) {
      for (const WaterfallRecord& r : event) {
        if (r.kind != WaterfallKind::kRemainder) continue;
        remainder_tiers |= std::uint64_t{1} << r.tier;
        EXPECT_EQ(from_party(r), Party::kCover);
        EXPECT_EQ(to_party(r), Party::kInsurance);
        EXPECT_EQ(r.shown, Shown::kTo);
        EXPECT_EQ(r.account, 0u) << "a fund's record";
        EXPECT_EQ(r.after - r.before, r.amount);
      }
    }
  }
  EXPECT_NE(remainder_tiers & (std::uint64_t{1} << 6), 0u) << "an ADL or socialized remainder";
  EXPECT_NE(remainder_tiers & (std::uint64_t{1} << 5), 0u) << "a default-fund remainder";
  for (const WaterfallKind k :
       {WaterfallKind::kAdlFill, WaterfallKind::kSocializedCharge, WaterfallKind::kDefaultFundDraw,
        WaterfallKind::kAssessment, WaterfallKind::kVenueTranche, WaterfallKind::kFundingSpread,
        WaterfallKind::kWithdrawal, WaterfallKind::kTradeDust, WaterfallKind::kCoverPaid}) {
    EXPECT_NE(kinds & (std::uint64_t{1} << static_cast<int>(k)), 0u)
        << "kind " << static_cast<int>(k) << " never written";
  }
}

// Records are outputs: without audit_balances the state is the same and the waterfall's own
// records are the same bytes, only the balance legs are missing.
TEST(AuditRecords, BalanceLegsAreOptInAndChangeNothingElse) {
  for (int s = 0; s < 3; ++s) {
    const auto seed = static_cast<std::uint64_t>(s) * 7919 + 3;
    const StreamRun on = run_stream(seed, true, 4'000, [](const RiskEngine&) {});
    const StreamRun off = run_stream(seed, false, 4'000, [](const RiskEngine&) {});
    ASSERT_EQ(on.balances, off.balances);
    ASSERT_EQ(on.funds, off.funds);
    ASSERT_EQ(on.records.size(), off.records.size());
    for (std::size_t k = 0; k < on.records.size(); ++k) {
      std::vector<WaterfallRecord> kept;
      for (const WaterfallRecord& r : on.records[k])
        if (!is_balance_leg(r.kind)) kept.push_back(r);
      for (const WaterfallRecord& r : off.records[k])
        EXPECT_FALSE(is_balance_leg(r.kind)) << "a balance leg with audit_balances off";
      ASSERT_EQ(kept.size(), off.records[k].size()) << "event " << k;
      EXPECT_EQ(
          std::memcmp(kept.data(), off.records[k].data(), kept.size() * sizeof(WaterfallRecord)), 0)
          << "event " << k;
    }
  }
}

}  // namespace
}  // namespace backstop
