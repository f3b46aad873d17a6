// The waterfall's edge cases as differential scenarios: each hand-built stream runs under every
// tier-6 configuration (tests/core/waterfall_differ.hpp: ranked with each score at either price,
// pro-rata, socialized, none), engine against the brute-force reference waterfall after every
// event. A toy linear contract (multiplier 1, MM 5 %, IM 10 %) keeps the numbers readable.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "backstop/risk_engine.hpp"
#include "test_support.hpp"
#include "waterfall_differ.hpp"

namespace backstop {
namespace {

constexpr std::uint64_t kBackstop = 1;
constexpr std::uint64_t kA = 2;  // the (first) defaulter

RiskConfig toy_config(const test::Combo& c) {
  RiskConfig r;
  r.max_accounts = 64;
  r.positions_per_account = 4;
  r.asset_count = 1;
  r.instruments = {test::toy()};
  r.waterfall.mode = c.mode;
  r.waterfall.backstop_accounts = {kBackstop};
  r.waterfall.policy = c.policy;
  r.waterfall.score = c.score;
  r.waterfall.price = c.price;
  r.waterfall.assessment = true;
  r.waterfall.assessment_cap = 1'000;
  return r;
}

// Runs `scenario` (which drives a Venue) once per configuration.
struct Venue {
  explicit Venue(const RiskConfig& c) : d(c) {}
  test::WaterfallDiffer d;
  void ok(const Event& e) {
    d.step(e);
    ASSERT_EQ(d.engine.waterfall_records().size(), d.reference.records().size());
  }
  void open(std::uint64_t id, std::int64_t balance) {
    ok(make_open_account(id, 0));
    if (balance > 0) ok(make_deposit(id, Money{balance}));
  }
  void trade(std::uint64_t buyer, std::uint64_t seller, std::int64_t price, std::int64_t lots) {
    ok(make_fill(0, Side::kBuy, buyer, seller, Price{price}, Qty{lots}));
  }
  void mark(std::int64_t m) { ok(make_mark(0, Price{m})); }
};

template <class Scenario>
void for_every_config(Scenario scenario) {
  for (const test::Combo& c : test::combos()) {
    if (c.mode != LiquidationMode::kTakeover) continue;  // the scenarios' events carry no time
    SCOPED_TRACE("policy " + std::to_string(int(c.policy)) + " score " +
                 std::to_string(int(c.score)) + " price " + std::to_string(int(c.price)));
    Venue v(toy_config(c));
    scenario(v);
    if (::testing::Test::HasFatalFailure()) return;
    EXPECT_GT(v.d.stats.deficits, 0u);
  }
}

TEST(WaterfallReferenceEdge, DeficitLargerThanEveryFundAndEveryOppositePosition) {
  // A long 10 (S1 sold 4, the backstop 6); the gap leaves a deficit no fund, member or winner
  // can cover: bad debt, then a recovery deposit.
  for_every_config([](Venue& v) {
    v.open(kBackstop, 100'000'000);
    v.open(kA, 10'000);
    v.open(11, 5'000);
    v.open(30, 50'000);
    v.ok(make_fund_deposit(FundKind::kInsurance, 0, Money{1'000}));
    v.ok(make_fund_deposit(FundKind::kVenueTranche, 0, Money{500}));
    v.ok(make_fund_deposit(FundKind::kDefaultFund, 0, Money{700}, 30));
    v.trade(kA, 11, 10'000, 4);
    v.trade(kA, kBackstop, 10'000, 6);
    v.mark(1'000);
    EXPECT_GT(v.d.stats.bad_debts, 0u);
    v.ok(make_fund_deposit(FundKind::kRecoverBadDebt, 0,
                           Money{v.d.engine.waterfall_state().bad_debt[0]}));
  });
}

TEST(WaterfallReferenceEdge, EmptyFundsGoStraightToTierSix) {
  for_every_config([](Venue& v) {
    v.open(kBackstop, 100'000'000);
    v.open(kA, 6'000);
    v.open(11, 100'000);
    v.open(12, 40'000);
    v.trade(kA, 11, 10'000, 6);
    v.trade(kA, 12, 10'000, 4);
    v.mark(9'000);
  });
}

TEST(WaterfallReferenceEdge, SingleCounterparty) {
  for_every_config([](Venue& v) {
    v.open(kBackstop, 100'000'000);
    v.open(kA, 6'000);
    v.open(11, 100'000);
    v.trade(kA, 11, 10'000, 10);
    v.mark(9'000);
  });
}

TEST(WaterfallReferenceEdge, EqualScoresGoByAccountId) {
  // Identical shorts 11, 12, 13, opened in reverse id order.
  for_every_config([](Venue& v) {
    v.open(kBackstop, 10'000'000);
    v.open(kA, 3'600);
    for (std::uint64_t id : {13u, 12u, 11u})
      v.open(id, 20'000);
    v.open(20, 60'000);
    v.trade(kA, 13, 10'000, 3);
    v.trade(20, 12, 10'000, 3);
    v.trade(20, 11, 10'000, 3);
    v.mark(8'500);
  });
}

TEST(WaterfallReferenceEdge, CounterpartyNearBankruptcyPaysAtMostItsEquityThenCascades) {
  // 12 is short 10 @ 7,000 at a mark of 10,000 with 6,000 of equity (just above its MM of
  // 5,000). A buys 10 @ 20,000 from 11 (short 1 after that, at a huge profit) and is bankrupt at
  // once: D = 80,000, 8,000 per lot. After 11's one lot, 12 owes far more than its equity: it pays
  // its equity, falls under maintenance and is liquidated next, in the same event.
  for_every_config([](Venue& v) {
    v.open(kBackstop, 100'000'000);
    v.open(20, 1'000'000);
    v.open(12, 36'000);
    v.trade(20, 12, 7'000, 10);
    v.open(11, 50'000);
    v.trade(11, 20, 10'000, 9);
    v.open(kA, 20'000);
    v.trade(kA, 11, 20'000, 10);
    v.mark(9'990);
  });
}

TEST(WaterfallReferenceEdge, RepeatedDefaultsInOneTick) {
  // Three longs go under on one mark (liquidated in id order), each default draws the funds
  // further, and members' contributions are drawn to zero and contributed again.
  for_every_config([](Venue& v) {
    v.open(kBackstop, 100'000'000);
    v.open(30, 1'000'000);
    v.open(31, 1'000'000);
    v.open(11, 10'000'000);
    v.ok(make_fund_deposit(FundKind::kInsurance, 0, Money{3'000}));
    v.ok(make_fund_deposit(FundKind::kDefaultFund, 0, Money{1'500}, 30));
    v.ok(make_fund_deposit(FundKind::kDefaultFund, 0, Money{1'001}, 31));
    for (std::uint64_t id : {std::uint64_t{5}, kA, std::uint64_t{4}}) {
      v.open(id, 6'000);
      v.trade(id, 11, 10'000, 10);
    }
    v.mark(9'000);
    v.ok(make_fund_deposit(FundKind::kDefaultFund, 0, Money{900}, 30));
    v.ok(make_fund_deposit(FundKind::kDefaultFund, 0, Money{900}, 31));
    for (std::uint64_t id : {6u, 7u}) {
      v.open(id, 6'000);
      v.trade(id, 11, 9'000, 10);
    }
    v.mark(8'000);
  });
}

}  // namespace
}  // namespace backstop
