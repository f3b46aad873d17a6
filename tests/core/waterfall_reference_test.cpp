// The waterfall against an independent brute-force oracle (tests/core/reference_waterfall.hpp),
// over random streams with crashes, spikes, funding, deposits, withdrawals, fund deposits,
// default-fund contributions, assessment payments and bad-debt recoveries: one run per policy x
// score x price combination, several seeds, takeover and order mode. After every event: the same
// reject code, the same waterfall records to the unit (kinds, tiers, accounts, lots, amounts,
// before/after, in order), every balance and position (size, cost, accrued funding), every fund,
// every member's contribution, receivable, deadline and insurance window, the socialized-loss
// indices, bad debt, the flagged set, and conservation (docs/design.md §2) on both sides.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "backstop/risk_engine.hpp"
#include "stream_gen.hpp"
#include "waterfall_differ.hpp"

namespace backstop {
namespace {

// Fund events: insurance and tranche top-ups, default-fund contributions (again after a member
// was drawn to zero), assessment payments, bad-debt recoveries, and some that must be refused.
Event fund_event(std::mt19937_64& rng, const test::WaterfallDiffer& p,
                 const test::StreamGenerator& gen, std::uint32_t accounts) {
  const auto asset = static_cast<std::uint8_t>(rng() % 2);
  const std::uint64_t id = gen.account_id(static_cast<std::uint32_t>(rng() % accounts));
  const std::int64_t small = asset == 0 ? 100'000'000 : 1'000'000;
  switch (rng() % 8) {
    case 0:
      return make_fund_deposit(FundKind::kInsurance, asset,
                               Money{1 + static_cast<std::int64_t>(rng() % small)});
    case 1:
      return make_fund_deposit(FundKind::kVenueTranche, asset,
                               Money{1 + static_cast<std::int64_t>(rng() % small)});
    case 2:
    case 3: {
      const auto* a = p.reference.find_const(id);
      const std::int64_t amount = 1 + (a->balance > 0 ? a->balance / (20 + rng() % 2000) : 5);
      return make_fund_deposit(FundKind::kDefaultFund, 0, Money{amount}, id);
    }
    case 4: {
      // An assessment payment by a member that owes (or by anyone: refused).
      for (const auto& a : p.reference.accounts()) {
        const std::int64_t owed = p.reference.member(a.id).owed;
        if (owed > 0 && rng() % 3 == 0) {
          return make_fund_deposit(FundKind::kAssessmentPayment, 0,
                                   Money{1 + static_cast<std::int64_t>(rng() % owed)}, a.id);
        }
      }
      return make_fund_deposit(FundKind::kAssessmentPayment, 0, Money{7}, id);
    }
    case 5: {
      const std::int64_t bd = p.reference.funds(asset).bad_debt;
      const std::int64_t amount = bd > 0 && rng() % 4 != 0
                                      ? 1 + static_cast<std::int64_t>(rng() % bd)
                                      : bd + 1;  // more than the bad debt: refused
      return make_fund_deposit(FundKind::kRecoverBadDebt, asset, Money{amount});
    }
    case 6:
      return make_fund_deposit(static_cast<FundKind>(9), asset, Money{5});
    default:
      return make_fund_deposit(FundKind::kInsurance, asset, Money{rng() % 2 == 0 ? 0 : -5});
  }
}

// `venue` for every instrument; `first` (when given) for instrument 0 alone.
test::Stats run(std::uint64_t seed, const test::Combo& combo, std::uint32_t instruments,
                std::uint32_t accounts, std::uint32_t events,
                const VenueConventions& venue = VenueConventions{},
                const std::optional<VenueConventions>& first = std::nullopt) {
  test::StreamGenerator gen(seed, instruments, accounts);
  RiskConfig config = gen.config();
  config.venue = venue;
  config.instruments[0].conventions = first;
  // The backstop may come to hold every instrument (validate_config requires the slots).
  config.positions_per_account = std::max<std::uint32_t>(config.positions_per_account, instruments);
  const std::vector<Event> setup = gen.setup();
  std::mt19937_64 rng(seed ^ 0x4ef3u);
  WaterfallConfig& w = config.waterfall;
  test::first_accounts_as_backstops(w, setup);
  w.mode = combo.mode;
  w.order_timeout_ns = 3;
  w.liquidation_fee_rate = static_cast<std::int64_t>(rng() % 10'000);
  w.policy = combo.policy;
  w.score = combo.score;
  w.price = combo.price;
  w.insurance_floor = {static_cast<std::int64_t>(rng() % 50'000'000),
                       static_cast<std::int64_t>(rng() % 500'000)};
  w.insurance_cap_per_account = 2'000'000;
  w.insurance_cap_window_ns = 50;
  // The surplus of every liquidation feeds the insurance fund, which would soon cover every
  // deficit: odd seeds draw it under a small per-account cap, even seeds switch it off, so that
  // deficits reach tiers 4-8.
  w.insurance = seed % 2 == 1;
  w.own_default_fund = rng() % 4 != 0;
  w.venue_tranche = rng() % 4 != 0;
  w.default_fund = rng() % 4 != 0;
  // Assessment capped (seeds 0, 1 mod 4), off (2) or uncapped (3).
  w.assessment = seed % 4 != 2;
  w.assessment_cap = seed % 4 == 3 ? 0 : 1'000'000;
  w.gate_withdrawals = rng() % 4 != 0;
  test::WaterfallDiffer p(config);
  for (const Event& e : setup) {
    p.step(e);
    if (::testing::Test::HasFatalFailure()) return p.stats;
  }
  for (std::uint8_t asset = 0; asset < 2; ++asset) {
    const std::uint64_t b = w.backstop_accounts[asset];
    if (b != 0)
      p.step(make_deposit(b, Money{asset == 0 ? 1'000'000'000'000'000 : 1'000'000'000'000}));
  }
  for (std::uint32_t k = 0; k < events; ++k) {
    const std::int64_t time_ns = static_cast<std::int64_t>(k) + 1;
    Event e = rng() % 100 < 4 ? fund_event(rng, p, gen, accounts) : gen.next();
    e.time_ns = time_ns;
    // The matching engine's pre-trade check: most unaffordable orders never trade.
    if (e.type == EventType::kFill && rng() % 10 != 0) {
      const Side maker_side = e.side == Side::kBuy ? Side::kSell : Side::kBuy;
      if (p.engine.check_order(e.fill.taker, e.instrument, e.side, e.fill.qty, e.fill.price).code !=
              RejectCode::kOk ||
          p.engine.check_order(e.fill.maker, e.instrument, maker_side, e.fill.qty, e.fill.price)
                  .code != RejectCode::kOk) {
        e = make_mark(e.instrument, Price{p.engine.instrument_state(e.instrument).mark}, time_ns);
      }
    }
    p.step(e);
    if (::testing::Test::HasFatalFailure()) break;
  }
  p.stats.liquidations = p.engine.waterfall_state().liquidations;
  p.stats.adl_fills = p.engine.waterfall_state().adl_fills;
  return p.stats;
}

class WaterfallReference : public ::testing::TestWithParam<int> {};

// Four seeds per configuration (odd seeds draw the insurance fund, even ones switch it off),
// 150 accounts, 1-3 instruments, 4,000 events each.
TEST_P(WaterfallReference, EngineAllocatesExactlyAsTheBruteForceWaterfall) {
  const int combo_index = GetParam();
  const test::Combo combo = test::combos()[static_cast<std::size_t>(combo_index)];
  test::Stats total;
  for (int seed = 0; seed < 4; ++seed) {
    const test::Stats s =
        run(static_cast<std::uint64_t>(seed) + 4 * (1 + static_cast<std::uint64_t>(combo_index)),
            combo, 1 + static_cast<std::uint32_t>(seed + combo_index) % 3, 150, 4'000);
    if (::testing::Test::HasFatalFailure()) return;
    total.events += s.events;
    total.liquidations += s.liquidations;
    total.deficits += s.deficits;
    total.adl_fills += s.adl_fills;
    total.records += s.records;
    total.bad_debts += s.bad_debts;
    total.tiers_seen |= s.tiers_seen;
  }
  ::testing::Test::RecordProperty("events", static_cast<int>(total.events));
  ::testing::Test::RecordProperty("liquidations", static_cast<int>(total.liquidations));
  ::testing::Test::RecordProperty("deficits", static_cast<int>(total.deficits));
  ::testing::Test::RecordProperty("adl_fills", static_cast<int>(total.adl_fills));
  ::testing::Test::RecordProperty("bad_debts", static_cast<int>(total.bad_debts));
  ::testing::Test::RecordProperty("records", static_cast<int>(total.records));
  ::testing::Test::RecordProperty("tiers_seen", static_cast<int>(total.tiers_seen));
  // The streams must have reached what they are meant to compare: every tier, tier 6 under every
  // policy that has one, and bad debt unless the winners absorb every deficit (socialized).
  EXPECT_GT(total.deficits, 0u);
  for (std::uint32_t tier : {0u, 1u, 3u, 4u, 5u}) {
    EXPECT_TRUE(total.tiers_seen & (1u << tier)) << "no record of tier " << tier;
  }
  if (combo.policy != AdlPolicy::kSocialized) {
    EXPECT_TRUE(total.tiers_seen & (1u << 7)) << "no assessment";
    EXPECT_GT(total.bad_debts, 0u);
  }
  if (combo.policy != AdlPolicy::kNone) {
    EXPECT_TRUE(total.tiers_seen & (1u << 6)) << "no tier 6";
  }
}

INSTANTIATE_TEST_SUITE_P(PolicyScorePrice, WaterfallReference,
                         ::testing::Range(0, static_cast<int>(test::combos().size())));

// The venue conventions that change what a liquidation pays and where its orders are limited:
// every SurplusRule venue-wide, instrument 0 under another one (a mixed account), and a closing fee
// in the bankruptcy price, in takeover and in order mode.
TEST(WaterfallReferenceConventions, EngineFollowsTheSurplusRuleAndClosingFeeAsTheReference) {
  const SurplusRule rules[] = {SurplusRule::kAllToInsurance, SurplusRule::kFeeCapped,
                               SurplusRule::kFeeOnly};
  for (std::size_t k = 0; k < 3; ++k) {
    VenueConventions venue;
    venue.surplus = rules[k];
    venue.surplus_fee_cap_rate = 15'000;
    venue.closing_fee_rate = 750;
    VenueConventions other = venue;
    other.surplus = rules[(k + 1) % 3];
    for (const LiquidationMode mode : {LiquidationMode::kTakeover, LiquidationMode::kOrder}) {
      const test::Combo combo{AdlPolicy::kRanked, AdlScore::kBitmex, AdlPrice::kBankruptcy, mode};
      const test::Stats s = run(100 + k, combo, 2, 150, 3'000, venue, other);
      if (::testing::Test::HasFatalFailure()) return;
      EXPECT_GT(s.liquidations, 0u);
    }
  }
}

}  // namespace
}  // namespace backstop
