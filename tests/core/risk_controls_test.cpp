// The risk controls and the fund triggers (docs/waterfall.md#risk-controls) on the toy venue of
// waterfall_scene.hpp (multiplier 1, IM 10 %, MM 5 %): who ends up with each unit, the refusals,
// the hold's expiry, the ADL routing, and the exposure-cap and drawdown triggers with the numbers
// of their records. Conservation is checked after every event.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "audit_book.hpp"
#include "backstop/control_state.hpp"
#include "backstop/risk_engine.hpp"
#include "support/state_list.hpp"
#include "test_support.hpp"
#include "waterfall_scene.hpp"

namespace backstop {
namespace {

using namespace test;  // NOLINT: the toy venue's names read as the examples' words

constexpr std::uint64_t kM4 = 4;  // default-fund members
constexpr std::uint64_t kM5 = 5;

std::vector<WaterfallRecord> of_kind(const Venue& v, WaterfallKind kind) {
  std::vector<WaterfallRecord> out;
  for (const WaterfallRecord& r : v.records)
    if (r.kind == kind) out.push_back(r);
  return out;
}

std::size_t index_of(const Venue& v, WaterfallKind kind) {
  for (std::size_t k = 0; k < v.records.size(); ++k)
    if (v.records[k].kind == kind) return k;
  return v.records.size();
}

// ---- fee share ----

TEST(FeeShare, MovesTheFundsShareOfEachFillsFeesFromTheFeePoolRoundedUp) {
  // 25 % of 101 + 0 = 25.25, rounded up: 26 to the insurance fund, 75 stay in the fee pool.
  Venue v(toy_config());
  v.open(kBackstop, 1'000'000);
  v.open(kA, 100'000);
  v.open(kS1, 100'000);
  v.ok(make_fee_share(0, 250'000));
  const auto control = of_kind(v, WaterfallKind::kControl);
  ASSERT_EQ(control.size(), 1u);
  EXPECT_EQ(control[0].amount, static_cast<std::int64_t>(ControlKind::kFeeShare));
  EXPECT_EQ(control[0].before, 0);
  EXPECT_EQ(control[0].after, 250'000);
  v.ok(make_fill(0, Side::kBuy, kA, kS1, Price{10'000}, Qty{1}, Money{101}, Money{0}));
  EXPECT_EQ(v.insurance(), 26);
  EXPECT_EQ(v.e.fee_pool(0).raw(), 75);
  EXPECT_EQ(v.balance(kA), 100'000 - 101);
  const auto share = of_kind(v, WaterfallKind::kFeeShare);
  ASSERT_EQ(share.size(), 1u);
  EXPECT_EQ(from_party(share[0]), Party::kFeePool);
  EXPECT_EQ(to_party(share[0]), Party::kInsurance);
  EXPECT_EQ(share[0].amount, 26);
  EXPECT_EQ(share[0].before, 0);
  EXPECT_EQ(share[0].after, 26);
  // A net rebate shares nothing; back to 0 ppm nothing more moves.
  v.ok(make_fill(0, Side::kBuy, kA, kS1, Price{10'000}, Qty{1}, Money{10}, Money{-20}));
  EXPECT_EQ(v.insurance(), 26);
  v.ok(make_fee_share(0, 0));
  v.ok(make_fill(0, Side::kBuy, kA, kS1, Price{10'000}, Qty{1}, Money{100}, Money{0}));
  EXPECT_EQ(v.insurance(), 26);
  EXPECT_EQ(v.e.fee_pool(0).raw(), 75 - 10 + 100);
}

TEST(FeeShare, AllOfTheFeesAtOneMillionPpm) {
  Venue v(toy_config());
  v.open(kBackstop, 1'000'000);
  v.open(kA, 100'000);
  v.open(kS1, 100'000);
  v.ok(make_fee_share(0, 1'000'000));
  v.ok(make_fill(0, Side::kBuy, kA, kS1, Price{10'000}, Qty{1}, Money{7}, Money{3}));
  EXPECT_EQ(v.insurance(), 10);
  EXPECT_EQ(v.e.fee_pool(0).raw(), 0);
}

// ---- refusals ----

TEST(RiskControl, EveryRefusalIsTypedAndChangesNothing) {
  Venue v(toy_config());
  v.open(kBackstop, 1'000'000);
  v.open(kA, 1'000);
  const std::vector<std::string> before = checks::state_list(v.e);
  const auto refused = [&](Event e, RejectCode want) {
    EXPECT_EQ(v.step(e), want) << "kind " << int(e.control.kind);
    EXPECT_TRUE(v.e.waterfall_records().empty());
    EXPECT_EQ(checks::state_list(v.e), before);
  };
  Event unknown = make_fee_share(0, 1);
  unknown.control.kind = static_cast<ControlKind>(9);
  refused(unknown, RejectCode::kUnknownControl);
  refused(make_fee_share(1, 1), RejectCode::kUnknownAsset);
  refused(make_fee_share(0, 1'000'001), RejectCode::kControlOutOfRange);
  refused(make_fee_share(0, -1), RejectCode::kControlOutOfRange);
  refused(make_adl_mode(1, AdlMode::kSkipInsurance), RejectCode::kUnknownInstrument);
  refused(make_adl_mode(0, static_cast<AdlMode>(3)), RejectCode::kControlOutOfRange);
  refused(make_liquidation_hold(1, HoldMode::kHold, 100), RejectCode::kUnknownInstrument);
  refused(make_liquidation_hold(0, HoldMode::kHold, 100, 100), RejectCode::kControlOutOfRange);
  refused(make_liquidation_hold(0, static_cast<HoldMode>(7), 100), RejectCode::kControlOutOfRange);
  refused(make_contribution_target(99, Money{1}), RejectCode::kUnknownAccount);
  refused(make_contribution_target(kA, Money{-1}), RejectCode::kControlOutOfRange);
  refused(make_replenishment_call(99, Money{1}), RejectCode::kUnknownAccount);
  refused(make_replenishment_call(kA, Money{0}), RejectCode::kNonPositiveAmount);
  refused(make_replenishment_call(kA, Money{kMaxAmount + 1}), RejectCode::kControlOutOfRange);
  EXPECT_EQ(to_string(RejectCode::kUnknownControl), "unknown_control");
  EXPECT_EQ(to_string(RejectCode::kUnknownAsset), "unknown_asset");
  EXPECT_EQ(to_string(RejectCode::kControlOutOfRange), "control_out_of_range");
}

// ---- ADL mode ----

TEST(AdlMode, SkipInsuranceSendsTheDeficitToAdlBeforeTheFund) {
  // Adl.InsuranceFirstThenAdlForTheRest with the instrument in ADL mode: the 7,000 go to ADL at
  // 700 per lot (S2 2,800, S3 4,200) and the fund keeps its 4,000.
  Venue v(toy_config());
  v.ok(make_fund_deposit(FundKind::kInsurance, 0, Money{4'000}));
  adl_scene(v);
  v.ok(make_adl_mode(0, AdlMode::kSkipInsurance));
  const auto control = of_kind(v, WaterfallKind::kControl);
  ASSERT_EQ(control.size(), 1u);
  EXPECT_EQ(control[0].instrument, 0);
  EXPECT_EQ(control[0].before, 0);
  EXPECT_EQ(control[0].after, 1);
  v.mark(8'500);
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill, kS2), 2'800);
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill, kS3), 4'200);
  EXPECT_EQ(v.sum(WaterfallKind::kInsuranceDraw), 0);
  EXPECT_EQ(v.insurance(), 4'000);
  EXPECT_EQ(v.balance(kA), 0);
  EXPECT_EQ(v.qty(kBackstop), 0);
}

TEST(AdlMode, TheFundCoversWhatTierSixLeavesAfterIt) {
  // At the mark (Hyperliquid) ADL closes the lots and collects nothing: the insurance fund then
  // pays 4,000 and 3,000 is bad debt, the fund's draw recorded after the ADL closes.
  Venue v(toy_config(AdlPolicy::kRanked, AdlScore::kHyperliquid, AdlPrice::kMark));
  v.ok(make_fund_deposit(FundKind::kInsurance, 0, Money{4'000}));
  adl_scene(v);
  v.ok(make_adl_mode(0, AdlMode::kSkipInsurance));
  v.mark(8'500);
  EXPECT_EQ(v.qty(kBackstop), 0);
  EXPECT_EQ(v.sum(WaterfallKind::kInsuranceDraw), 4'000);
  EXPECT_EQ(v.sum(WaterfallKind::kBadDebt), 3'000);
  EXPECT_LT(index_of(v, WaterfallKind::kAdlClose), index_of(v, WaterfallKind::kInsuranceDraw));
}

TEST(AdlMode, SkipFundsAlsoKeepsTheDefaultFundForAfterAdl) {
  Venue v(toy_config());
  v.open(kM4, 10'000);
  v.ok(make_fund_deposit(FundKind::kDefaultFund, 0, Money{5'000}, kM4));
  v.ok(make_fund_deposit(FundKind::kInsurance, 0, Money{4'000}));
  adl_scene(v);
  v.ok(make_adl_mode(0, AdlMode::kSkipFunds));
  v.mark(8'500);
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill), 7'000);
  EXPECT_EQ(v.sum(WaterfallKind::kDefaultFundDraw), 0);
  EXPECT_EQ(v.e.waterfall_state().contribution[v.slot(kM4)], 5'000);
  EXPECT_EQ(v.insurance(), 4'000);
}

TEST(AdlMode, OffAgainRestoresTheTierOrder) {
  Venue v(toy_config());
  v.ok(make_fund_deposit(FundKind::kInsurance, 0, Money{4'000}));
  adl_scene(v);
  v.ok(make_adl_mode(0, AdlMode::kSkipInsurance));
  v.ok(make_adl_mode(0, AdlMode::kOff));
  v.mark(8'500);
  EXPECT_EQ(v.sum(WaterfallKind::kInsuranceDraw), 4'000);
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill), 3'000);
}

// ---- liquidation hold ----

TEST(LiquidationHold, HoldsFlaggedAccountsUntilItEndsByItself) {
  // A long 10 at 10,000 on 12,000: at 9,250 its equity 4,500 < MM 4,625. Held until t = 1,000, it
  // stays flagged; the first event at t >= 1,000 liquidates it.
  Venue v(toy_config());
  v.open(kBackstop, 1'000'000);
  v.open(kA, 12'000);
  v.open(kS1, 1'000'000);
  v.trade(kA, kS1, 10'000, 10);
  v.ok(make_liquidation_hold(0, HoldMode::kHold, 1'000, 50));
  const auto hold = of_kind(v, WaterfallKind::kLiquidationHold);
  ASSERT_EQ(hold.size(), 1u);
  EXPECT_EQ(hold[0].amount, static_cast<std::int64_t>(HoldMode::kHold));
  EXPECT_EQ(hold[0].before, 0);
  EXPECT_EQ(hold[0].after, 1'000);
  v.mark(9'250, 100);
  EXPECT_EQ(v.qty(kA), 10);
  EXPECT_EQ(v.e.account(v.slot(kA)).status, AccountStatus::kLiquidatable);
  v.mark(9'240, 999);
  EXPECT_EQ(v.qty(kA), 10);
  v.mark(9'240, 1'000);
  EXPECT_EQ(v.qty(kA), 0);
  EXPECT_EQ(v.qty(kBackstop), 10);
}

TEST(LiquidationHold, ReleaseActsAtOnceAndOtherInstrumentsAreNotHeld) {
  RiskConfig c = toy_config();
  c.instruments.push_back(toy());
  c.instruments.back().symbol = "TOY2";
  Venue v(c);
  v.open(kBackstop, 1'000'000);
  v.open(kA, 12'000);
  v.open(kS1, 1'000'000);
  v.trade(kA, kS1, 10'000, 10);
  v.ok(make_liquidation_hold(1, HoldMode::kHold, 1'000'000, 10));  // the other instrument
  v.mark(9'250, 100);
  EXPECT_EQ(v.qty(kA), 0) << "a hold on another instrument does not hold this account";

  Venue w(toy_config());
  w.open(kBackstop, 1'000'000);
  w.open(kA, 12'000);
  w.open(kS1, 1'000'000);
  w.trade(kA, kS1, 10'000, 10);
  w.ok(make_liquidation_hold(0, HoldMode::kHold, 1'000'000, 10));
  w.mark(9'250, 100);
  EXPECT_EQ(w.qty(kA), 10);
  w.ok(make_liquidation_hold(0, HoldMode::kNone, 0, 200));
  EXPECT_EQ(w.qty(kA), 0) << "the release's own event liquidates";
  const auto hold = of_kind(w, WaterfallKind::kLiquidationHold);
  ASSERT_EQ(hold.size(), 2u);
  EXPECT_EQ(hold[1].before, 1'000'000);
  EXPECT_EQ(hold[1].after, 0);
}

TEST(LiquidationHold, TakeoverOnlyBypassesOrderMode) {
  RiskConfig c = toy_config();
  c.waterfall.mode = LiquidationMode::kOrder;
  c.waterfall.order_timeout_ns = 1'000;
  Venue v(c);
  v.open(kBackstop, 1'000'000);
  v.open(kA, 12'000);
  v.open(kS1, 1'000'000);
  v.trade(kA, kS1, 10'000, 10);
  v.ok(make_liquidation_hold(0, HoldMode::kTakeoverOnly, 500, 10));
  v.mark(9'250, 100);
  EXPECT_EQ(v.sum(WaterfallKind::kLiquidationOrder), 0);
  EXPECT_EQ(of_kind(v, WaterfallKind::kLiquidationOrder).size(), 0u);
  EXPECT_EQ(v.qty(kA), 0);
  EXPECT_EQ(v.qty(kBackstop), 10);
  EXPECT_EQ(v.insurance(), 4'500);
}

// ---- contributions ----

TEST(Contribution, IncreaseFromFreeCollateralTheRestReceivableDecreaseNetsThenRefunds) {
  Venue v(toy_config());
  v.open(kBackstop, 1'000'000);
  v.open(kM4, 1'000);
  const std::uint32_t m = v.slot(kM4);
  const WaterfallState& w = v.e.waterfall_state();
  // Target 1,500: 1,000 from the balance, 500 as a receivable.
  v.ok(make_contribution_target(kM4, Money{1'500}));
  EXPECT_EQ(v.balance(kM4), 0);
  EXPECT_EQ(w.contribution[m], 1'500);
  EXPECT_EQ(w.committed[m], 1'500);
  EXPECT_EQ(w.owed[m], 500);
  EXPECT_EQ(w.default_fund[0], 1'500);
  EXPECT_EQ(w.receivable[0], 500);
  EXPECT_EQ(w.member_count, 1u);
  const auto paid = of_kind(v, WaterfallKind::kContribution);
  ASSERT_EQ(paid.size(), 1u);
  EXPECT_EQ(from_party(paid[0]), Party::kAccount);
  EXPECT_EQ(to_party(paid[0]), Party::kDefaultFund);
  EXPECT_EQ(paid[0].amount, 1'000);
  const auto owed = of_kind(v, WaterfallKind::kAssessment);
  ASSERT_EQ(owed.size(), 1u);
  EXPECT_EQ(owed[0].reason, WaterfallReason::kControl);
  EXPECT_EQ(from_party(owed[0]), Party::kReceivable);
  EXPECT_EQ(to_party(owed[0]), Party::kDefaultFund);
  EXPECT_EQ(owed[0].amount, 500);
  // It pays 200 of it; then the target falls to 1,000: the 300 still owed are netted, 200 refunded.
  v.ok(make_deposit(kM4, Money{300}));
  v.ok(make_fund_deposit(FundKind::kAssessmentPayment, 0, Money{200}, kM4));
  EXPECT_EQ(w.owed[m], 300);
  EXPECT_EQ(v.balance(kM4), 100);
  v.ok(make_contribution_target(kM4, Money{1'000}));
  EXPECT_EQ(w.contribution[m], 1'000);
  EXPECT_EQ(w.owed[m], 0);
  EXPECT_EQ(w.receivable[0], 0);
  EXPECT_EQ(v.balance(kM4), 300);
  EXPECT_EQ(w.default_fund[0], 1'000);
  const auto control = of_kind(v, WaterfallKind::kControl);
  ASSERT_EQ(control.size(), 2u);
  EXPECT_EQ(control[1].before, 1'500);
  EXPECT_EQ(control[1].after, 1'000);
  EXPECT_EQ(control[1].account, kM4);
}

TEST(Contribution, OnlyWhatInitialMarginLeavesFreeIsTakenFromTheBalance) {
  // M4 holds 10 lots at 10,000 on 12,000: IM 10,000, so 2,000 is free; a target of 5,000 takes
  // 2,000 and leaves 3,000 receivable.
  Venue v(toy_config());
  v.open(kBackstop, 1'000'000);
  v.open(kM4, 12'000);
  v.open(kS1, 1'000'000);
  v.trade(kM4, kS1, 10'000, 10);
  v.ok(make_contribution_target(kM4, Money{5'000}));
  const WaterfallState& w = v.e.waterfall_state();
  EXPECT_EQ(v.balance(kM4), 10'000);
  EXPECT_EQ(w.contribution[v.slot(kM4)], 5'000);
  EXPECT_EQ(w.owed[v.slot(kM4)], 3'000);
  const AccountMargin mm = v.e.slot_margin(v.slot(kM4));
  EXPECT_GE(mm.equity, mm.initial);
}

TEST(Replenishment, CallIsAReceivablePaidLaterWithAnAssessmentPayment) {
  Venue v(toy_config());
  v.open(kBackstop, 1'000'000);
  v.open(kM4, 1'000);
  v.open(kM5, 1'000);
  v.ok(make_fund_deposit(FundKind::kDefaultFund, 0, Money{300}, kM5));
  v.ok(make_replenishment_call(kM4, Money{700}));
  const WaterfallState& w = v.e.waterfall_state();
  const std::uint32_t m = v.slot(kM4);
  EXPECT_EQ(w.owed[m], 700);
  EXPECT_EQ(w.contribution[m], 700);
  EXPECT_EQ(w.committed[m], 700);
  EXPECT_EQ(w.default_fund[0], 1'000);
  EXPECT_EQ(w.receivable[0], 700);
  EXPECT_EQ(v.balance(kM4), 1'000);
  const auto call = of_kind(v, WaterfallKind::kAssessment);
  ASSERT_EQ(call.size(), 1u);
  EXPECT_EQ(call[0].tier, 7);
  EXPECT_EQ(call[0].before, 0);
  EXPECT_EQ(call[0].after, 700);
  const auto control = of_kind(v, WaterfallKind::kControl);
  ASSERT_EQ(control.size(), 1u);
  EXPECT_EQ(control[0].amount, static_cast<std::int64_t>(ControlKind::kReplenishmentCall));
  EXPECT_EQ(control[0].after, 700);
  v.ok(make_fund_deposit(FundKind::kAssessmentPayment, 0, Money{700}, kM4));
  EXPECT_EQ(w.owed[m], 0);
  EXPECT_EQ(v.balance(kM4), 300);
  EXPECT_EQ(w.contribution[m], 700);
}

// ---- the exposure cap ----

TEST(ExposureCap, ATakeoverBeyondTheCapGoesToAdlAtTheBankruptcyPrice) {
  // Fund 4,000, cap 100 %: A's 10 lots are 85,000 at the mark, beyond 4,000. The deficit goes to
  // ADL first (700 per lot: S2 2,800, S3 4,200), the fund keeps its 4,000, the backstop ends flat.
  RiskConfig c = toy_config();
  c.waterfall.exposure_cap_ppm = 1'000'000;
  Venue v(c);
  v.ok(make_fund_deposit(FundKind::kInsurance, 0, Money{4'000}));
  adl_scene(v);
  v.mark(8'500);
  const auto cap = of_kind(v, WaterfallKind::kExposureCap);
  ASSERT_EQ(cap.size(), 1u);
  EXPECT_EQ(cap[0].account, kA);
  EXPECT_EQ(cap[0].instrument, 0);
  EXPECT_EQ(cap[0].amount, 85'000);
  EXPECT_EQ(cap[0].before, 0);
  EXPECT_EQ(cap[0].after, 4'000);
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill, kS2), 2'800);
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill, kS3), 4'200);
  EXPECT_EQ(v.insurance(), 4'000);
  EXPECT_EQ(v.qty(kBackstop), 0);
}

TEST(ExposureCap, WithinTheCapTheBackstopKeepsThePosition) {
  RiskConfig c = toy_config();
  c.waterfall.exposure_cap_ppm = 1'000'000;
  Venue v(c);
  v.ok(make_fund_deposit(FundKind::kInsurance, 0, Money{100'000}));
  adl_scene(v);
  v.mark(8'500);
  EXPECT_TRUE(of_kind(v, WaterfallKind::kExposureCap).empty());
  EXPECT_EQ(v.sum(WaterfallKind::kInsuranceDraw), 7'000);
  EXPECT_EQ(v.qty(kBackstop), 10);
}

TEST(ExposureCap, ASolventTakeoverBeyondTheCapIsClosedAtTheMarkPayingNothing) {
  // Mark 9,600: A's equity 12,000 + 96,000 - 104,000 = 4,000 < MM 4,800. The surplus goes to the
  // fund (1,000 + 4,000); the 10 lots (96,000 > the cap of 1,000) are closed against the shorts at
  // the mark, who pay nothing.
  RiskConfig c = toy_config();
  c.waterfall.exposure_cap_ppm = 1'000'000;
  Venue v(c);
  v.ok(make_fund_deposit(FundKind::kInsurance, 0, Money{1'000}));
  adl_scene(v);
  const std::int64_t shorts_before = v.qty(kS1) + v.qty(kS2) + v.qty(kS3);
  v.mark(9'600);
  EXPECT_EQ(of_kind(v, WaterfallKind::kExposureCap).size(), 1u);
  EXPECT_EQ(v.insurance(), 5'000);
  EXPECT_EQ(v.qty(kBackstop), 0);
  EXPECT_EQ(v.qty(kS1) + v.qty(kS2) + v.qty(kS3), shorts_before + 10);
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill), 0);
  EXPECT_EQ(v.sum(WaterfallKind::kAdlClose), 10);
}

// ---- the drawdown trigger ----

RiskConfig drawdown_config() {
  RiskConfig c = toy_config();
  c.waterfall.drawdown_ppm = 300'000;  // 30 %, Bybit
  c.waterfall.drawdown_window_ns = 1'000'000;
  c.waterfall.drawdown_capacity = 64;
  return c;
}

TEST(Drawdown, TierThreeStopsAtTheLevelAndTheAssetGoesToAdlUntilTheFundRecovers) {
  // Fund 10,000: level ceil(0.7 x 10,000) = 7,000. D = 7,000: tier 3 pays 3,000, the asset goes to
  // ADL, which covers 4,000 at 400 per lot (S2 1,600, S3 2,400).
  Venue v(drawdown_config());
  v.ok(make_fund_deposit(FundKind::kInsurance, 0, Money{10'000}, 0, 10));
  adl_scene(v);
  v.mark(8'500, 100);
  EXPECT_EQ(v.sum(WaterfallKind::kInsuranceDraw), 3'000);
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill, kS2), 1'600);
  EXPECT_EQ(v.sum(WaterfallKind::kAdlFill, kS3), 2'400);
  EXPECT_EQ(v.insurance(), 7'000);
  const auto on = of_kind(v, WaterfallKind::kDrawdownOn);
  ASSERT_EQ(on.size(), 1u);
  EXPECT_EQ(on[0].amount, 7'000);
  EXPECT_EQ(on[0].before, 10'000);
  EXPECT_EQ(on[0].after, 7'000);
  EXPECT_EQ(v.e.waterfall_state().controls.drawdown_adl[0], 1);
  // Release at half-way back by default: ceil(0.85 x 10,000) = 8,500.
  v.ok(make_fund_deposit(FundKind::kInsurance, 0, Money{1'000}, 0, 200));
  EXPECT_TRUE(of_kind(v, WaterfallKind::kDrawdownOff).empty());
  v.ok(make_fund_deposit(FundKind::kInsurance, 0, Money{500}, 0, 300));
  const auto off = of_kind(v, WaterfallKind::kDrawdownOff);
  ASSERT_EQ(off.size(), 1u);
  EXPECT_EQ(off[0].amount, 8'500);
  EXPECT_EQ(off[0].before, 10'000);
  EXPECT_EQ(off[0].after, 8'500);
  EXPECT_EQ(v.e.waterfall_state().controls.drawdown_adl[0], 0);
}

TEST(Drawdown, WhileOnTheFundIsDrawnOnlyAfterAdl) {
  // On after the first default; a second defaulter's deficit goes to ADL before the fund.
  Venue v(drawdown_config());
  v.ok(make_fund_deposit(FundKind::kInsurance, 0, Money{10'000}, 0, 10));
  adl_scene(v);
  v.mark(8'500, 100);
  ASSERT_EQ(v.e.waterfall_state().controls.drawdown_adl[0], 1);
  EXPECT_EQ(v.insurance(), 7'000);
  // The level is 7,000 for the rest of the window: the fund is not drawn below it.
  v.open(30, 1'000);
  v.open(31, 1'000'000);
  v.ok(make_fill(0, Side::kBuy, 30, 31, Price{8'500}, Qty{1}, Money{0}, Money{0}, 150));
  v.mark(7'000, 200);  // 30: equity 1,000 - 1,500 = -500; the only short left is S1 (4 lots)
  EXPECT_EQ(v.insurance(), 7'000);
  EXPECT_EQ(v.balance(30), 0);
}

TEST(Drawdown, AnOldHighLeavesTheWindowAndTheLevelFollowsTheFund) {
  // Window 1,000,000 ns. 10,000 at t = 10; drawn to 7,000 at t = 100 (the trigger on). At
  // t = 2,000,000 the 10,000 has left the window: the highest sample is 7,000, release level
  // 5,950 <= 7,000, so the trigger goes off at the first event.
  Venue v(drawdown_config());
  v.ok(make_fund_deposit(FundKind::kInsurance, 0, Money{10'000}, 0, 10));
  adl_scene(v);
  v.mark(8'500, 100);
  ASSERT_EQ(v.e.waterfall_state().controls.drawdown_adl[0], 1);
  v.ok(make_deposit(kS1, Money{1}, 2'000'000));
  const auto off = of_kind(v, WaterfallKind::kDrawdownOff);
  ASSERT_EQ(off.size(), 1u);
  EXPECT_EQ(off[0].before, 7'000);
  EXPECT_EQ(off[0].after, 5'950);
}

TEST(DrawdownWindow, TheHeadIsTheExactMaximumOfTheSamplesInTheWindow) {
  std::mt19937_64 rng(7);
  ControlState big;
  big.allocate(1, 1024);
  ControlState small;
  small.allocate(1, 4);
  std::vector<std::pair<std::int64_t, std::int64_t>> samples;
  const std::int64_t window = 50;
  std::int64_t t = 0;
  for (int k = 0; k < 5'000; ++k) {
    t += static_cast<std::int64_t>(rng() % 7);
    const auto level = static_cast<std::int64_t>(rng() % 1'000);
    samples.emplace_back(t, level);
    big.note_level(0, t, level, window);
    small.note_level(0, t, level, window);
    std::int64_t brute = level;
    for (const auto& [st, sl] : samples)
      if (st >= t - window) brute = std::max(brute, sl);
    ASSERT_EQ(big.window_max(0, level), brute) << "sample " << k;
    // A full ring keeps a higher level longer: never below the exact maximum.
    ASSERT_GE(small.window_max(0, level), brute) << "sample " << k;
  }
  EXPECT_EQ(big.ring_merged, 0u);
  EXPECT_GT(small.ring_merged, 0u);
}

// ---- a seeded stream with controls: conservation and the audit rebuilding every holding ----

TEST(RiskControlStream, ConservationAndTheAuditHoldWithControlsAndTriggers) {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    RiskConfig c = toy_config(seed % 2 == 0 ? AdlPolicy::kProRata : AdlPolicy::kRanked);
    c.max_accounts = 64;
    c.waterfall.audit_balances = true;
    c.waterfall.assessment = true;
    c.waterfall.exposure_cap_ppm = 2'000'000;
    c.waterfall.drawdown_ppm = 200'000;
    c.waterfall.drawdown_window_ns = 5'000;
    c.waterfall.drawdown_capacity = 8;
    Venue v(c);
    AuditBook book;
    std::string error;
    std::mt19937_64 rng(seed);
    const auto step = [&](const Event& e) {
      v.step(e);
      ASSERT_TRUE(book.apply(v.e.waterfall_records(), error)) << error;
      ASSERT_EQ(book.compare(v.e), "");
    };
    const std::vector<std::uint64_t> ids = {2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};
    step(make_open_account(kBackstop, 0));
    step(make_deposit(kBackstop, Money{100'000'000}));
    step(make_fund_deposit(FundKind::kInsurance, 0, Money{200'000}));
    for (const std::uint64_t id : ids) {
      step(make_open_account(id, 0));
      step(make_deposit(id, Money{5'000 + static_cast<std::int64_t>(rng() % 50'000)}));
    }
    std::int64_t mark = 10'000;
    std::uint32_t controls = 0;
    for (std::int64_t t = 1; t < 3'000 && !::testing::Test::HasFatalFailure(); ++t) {
      const std::uint64_t a = ids[rng() % ids.size()];
      const std::uint64_t b = ids[rng() % ids.size()];
      switch (rng() % 12) {
        case 0:
        case 1:
        case 2:
        case 3:
          if (a != b) {
            step(make_fill(0, rng() % 2 == 0 ? Side::kBuy : Side::kSell, a, b, Price{mark},
                           Qty{1 + static_cast<std::int64_t>(rng() % 5)},
                           Money{static_cast<std::int64_t>(rng() % 50)},
                           Money{static_cast<std::int64_t>(rng() % 30) - 10}, t));
          }
          break;
        case 4:
        case 5:
        case 6:
          mark = std::clamp<std::int64_t>(mark + static_cast<std::int64_t>(rng() % 801) - 400,
                                          5'000, 15'000);
          step(make_mark(0, Price{mark}, t));
          break;
        case 7:
          step(make_deposit(a, Money{1 + static_cast<std::int64_t>(rng() % 5'000)}, t));
          break;
        case 8:
          ++controls;
          step(make_fee_share(0, static_cast<std::int64_t>(rng() % 1'000'001), t));
          step(make_adl_mode(0, static_cast<AdlMode>(rng() % 3), t));
          break;
        case 9:
          ++controls;
          step(make_liquidation_hold(0, static_cast<HoldMode>(rng() % 3),
                                     t + 1 + static_cast<std::int64_t>(rng() % 50), t));
          break;
        case 10:
          ++controls;
          step(make_contribution_target(a, Money{static_cast<std::int64_t>(rng() % 3'000)}, t));
          break;
        case 11:
          ++controls;
          if (rng() % 2 == 0) {
            step(make_replenishment_call(a, Money{1 + static_cast<std::int64_t>(rng() % 500)}, t));
          } else {
            const std::int64_t owed = v.e.waterfall_state().owed[v.slot(a)];
            if (owed > 0 && v.balance(a) >= owed) {
              v.step(make_fund_deposit(FundKind::kAssessmentPayment, 0, Money{owed}, a, t));
              ASSERT_TRUE(book.apply(v.e.waterfall_records(), error)) << error;
            }
          }
          break;
      }
    }
    EXPECT_TRUE(book.sum() == 0);
    EXPECT_GT(controls, 100u);
    EXPECT_GT(v.e.waterfall_state().liquidations, 0u) << "seed " << seed;
  }
}

}  // namespace
}  // namespace backstop
