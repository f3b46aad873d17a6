#include "sizing/coverage_book.hpp"

#include <gtest/gtest.h>

#include <random>

#include "backstop/margin.hpp"
#include "feed_builders.hpp"

namespace backstop::sizing {
namespace {

using testing::account_group;
using testing::HeldPosition;
using testing::instrument_record;
using testing::simple_spec;

RiskConfig venue_of(std::vector<InstrumentSpec> specs) {
  RiskConfig c;
  c.positions_per_account = 4;
  c.asset_count = 2;
  c.instruments = std::move(specs);
  return c;
}

void feed(AccountMirror& m, const std::vector<StateRecord>& records) {
  ASSERT_EQ(m.apply(records), MirrorError::kNone);
}

void expect_figure(const CoverFigure& f, Int128 amount, std::uint32_t scenario,
                   std::vector<std::uint64_t> accounts, std::vector<std::int64_t> deficits) {
  EXPECT_EQ(static_cast<std::int64_t>(f.amount), static_cast<std::int64_t>(amount));
  EXPECT_EQ(f.scenario, scenario);
  ASSERT_EQ(f.account_count, accounts.size());
  for (std::size_t j = 0; j < accounts.size(); ++j) {
    EXPECT_EQ(f.accounts[j], accounts[j]) << j;
    EXPECT_EQ(f.deficits[j], deficits[j]) << j;
  }
}

// One linear instrument (1 Money per tick and lot, mark 100), four accounts; by hand:
//   down 30 % (price 70): A 1000+3500-5000 = -500, B 400+1400-2000 = -200, C short: 1200,
//                         D 100+1050-1500 = -350
//   up 20 % (price 120):  A 2000, B 800, C 300-3600+3000 = -300, D 400
// Cover-1 = 500 (A), Cover-2 = 500+350 = 850 (A, D), EMIR = max(500, 350+200) = 550 (D, B).
TEST(CoverageBook, HandBuiltLinearPortfolioGivesCover1Cover2AndEmir) {
  const RiskConfig config =
      venue_of({simple_spec("BTCUSDT", ContractKind::kLinearPerpetual, 1, 100)});
  AccountMirror mirror(config);
  feed(mirror, account_group(1, 1000, {{0, 50, 5000}}));
  feed(mirror, account_group(2, 400, {{0, 20, 2000}}));
  feed(mirror, account_group(3, 300, {{0, -30, -3000}}));
  feed(mirror, account_group(4, 100, {{0, 15, 1500}}));
  ScenarioSet scenarios(underlyings_by_base_asset(config.instruments));
  ASSERT_EQ(scenarios.add("down 30", std::vector<double>{-0.30}), "");
  ASSERT_EQ(scenarios.add("up 20", std::vector<double>{0.20}), "");
  CoverageBook book(mirror, scenarios, CoverageOptions{});

  EXPECT_EQ(book.stressed_equity(0, 0), -500);
  EXPECT_EQ(book.stressed_equity(2, 0), 1200);
  EXPECT_EQ(book.stressed_equity(2, 1), -300);
  EXPECT_EQ(book.deficit(3, 0), 350);
  const Requirements& r = book.requirements();
  expect_figure(r.cover1, 500, 0, {1}, {500});
  expect_figure(r.cover2, 850, 0, {1, 4}, {500, 350});
  expect_figure(r.emir, 550, 0, {4, 2}, {350, 200});

  const CoverageRatio ratio = coverage_ratio(600, 500, r.cover2.amount);
  ASSERT_TRUE(ratio.has_requirement);
  EXPECT_DOUBLE_EQ(ratio.ratio, 1100.0 / 850.0);
}

// Mark 101: -30 % is 70.7 ticks, +30 % is 131.3. A long is valued at the price rounded down (70),
// a short at the price rounded up (132): 10 lots each, cost ±1010.
TEST(CoverageBook, ScenarioPricesRoundAgainstEachSide) {
  const RiskConfig config =
      venue_of({simple_spec("BTCUSDT", ContractKind::kLinearPerpetual, 1, 101)});
  AccountMirror mirror(config);
  feed(mirror, account_group(1, 0, {{0, 10, 1010}}));
  feed(mirror, account_group(2, 0, {{0, -10, -1010}}));
  ScenarioSet scenarios(underlyings_by_base_asset(config.instruments));
  ASSERT_EQ(scenarios.add("down", std::vector<double>{-0.30}), "");
  ASSERT_EQ(scenarios.add("up", std::vector<double>{0.30}), "");
  CoverageBook book(mirror, scenarios, CoverageOptions{});
  EXPECT_EQ(book.long_price(0, 0), 70);
  EXPECT_EQ(book.short_price(0, 0), 71);
  EXPECT_EQ(book.long_price(0, 1), 131);
  EXPECT_EQ(book.short_price(0, 1), 132);
  EXPECT_EQ(book.stressed_equity(0, 0), 700 - 1010);
  EXPECT_EQ(book.stressed_equity(1, 1), -1320 + 1010);
}

// An inverse contract (1e10 Money x ticks per lot, Money = satoshi, mark 50,000) beside a linear
// one on the same underlying; one book per settlement asset.
//   account 7 (asset 1): long 1000 at cost -2e8; at 35,000: floor(-1e13/35000) = -285,714,286,
//     E = 1,000,000 - 285,714,286 + 200,000,000 = -84,714,286
//   account 8 (asset 1): short 1000 at cost +2e8; at 60,000: floor(1e13/60000) = 166,666,666,
//     E = 1,000,000 + 166,666,666 - 200,000,000 = -32,333,334
//   account 9 (asset 0): long 100 linear at 50,000, cost 5e6; at 35,000: 3.5e6 - 5e6 = -1.5e6
TEST(CoverageBook, InverseContractsAndOneBookPerAsset) {
  const RiskConfig config = venue_of(
      {simple_spec("BTCUSDT", ContractKind::kLinearPerpetual, 1, 50'000, 0),
       simple_spec("BTCUSD_PERP", ContractKind::kInversePerpetual, 10'000'000'000, 50'000, 1)});
  AccountMirror mirror(config);
  feed(mirror, account_group(7, 1'000'000, {{1, 1000, -200'000'000}}, 1));
  feed(mirror, account_group(8, 1'000'000, {{1, -1000, 200'000'000}}, 1));
  feed(mirror, account_group(9, 0, {{0, 100, 5'000'000}}, 0));
  ScenarioSet scenarios(underlyings_by_base_asset(config.instruments));
  ASSERT_EQ(scenarios.underlyings().names.size(), 1u);  // both are BTC: they move together
  ASSERT_EQ(scenarios.add("down 30", std::vector<double>{-0.30}), "");
  ASSERT_EQ(scenarios.add("up 20", std::vector<double>{0.20}), "");

  CoverageOptions coin;
  coin.asset = 1;
  CoverageBook coin_book(mirror, scenarios, coin);
  EXPECT_EQ(coin_book.stressed_equity(0, 0), -84'714'286);
  EXPECT_EQ(coin_book.stressed_equity(1, 1), -32'333'334);
  EXPECT_EQ(coin_book.stressed_equity(2, 0), 0);  // another asset's account
  const Requirements& r = coin_book.requirements();
  expect_figure(r.cover1, 84'714'286, 0, {7}, {84'714'286});
  expect_figure(r.cover2, 84'714'286, 0, {7}, {84'714'286});
  expect_figure(r.emir, 84'714'286, 0, {7}, {84'714'286});

  CoverageBook usdt_book(mirror, scenarios, CoverageOptions{});
  expect_figure(usdt_book.requirements().cover2, 1'500'000, 0, {9}, {1'500'000});
}

// BTCUSDT and BTCUSDC (one underlying) and ETHUSDT; a grid of ±10 %, ±20 % (12 scenarios).
//   account 1: long 10 BTCUSDT (cost 1000), short 100 ETHUSDT (cost -1000), balance 50:
//     every underlying -20 %: 50 + 800 - 1000 - 800 + 1000 = 50; BTC alone -20 %: -150;
//     ETH alone +20 %: 50 + 1000 - 1000 - 1200 + 1000 = -150 (a tie: the earlier scenario wins)
//   account 2: long 10 BTCUSDT, short 10 BTCUSDC: the same underlying, never a deficit.
TEST(CoverageBook, UnderlyingsMoveTogetherAndAloneInTheGrid) {
  const RiskConfig config =
      venue_of({simple_spec("BTCUSDT", ContractKind::kLinearPerpetual, 1, 100),
                simple_spec("ETHUSDT", ContractKind::kLinearPerpetual, 1, 10),
                simple_spec("BTCUSDC", ContractKind::kLinearPerpetual, 1, 100)});
  AccountMirror mirror(config);
  feed(mirror, account_group(1, 50, {{0, 10, 1000}, {1, -100, -1000}}));
  feed(mirror, account_group(2, 0, {{0, 10, 1000}, {2, -10, -1000}}));
  ScenarioSet scenarios(underlyings_by_base_asset(config.instruments));
  ASSERT_EQ(scenarios.add_grid(GridOptions{0.20, 2, true, true}), "");
  ASSERT_EQ(scenarios.size(), 12u);
  CoverageBook book(mirror, scenarios, CoverageOptions{});
  for (std::size_t s = 0; s < scenarios.size(); ++s)
    EXPECT_EQ(book.deficit(1, s), 0) << s;
  const Requirements& r = book.requirements();
  EXPECT_EQ(static_cast<std::int64_t>(r.cover1.amount), 150);
  EXPECT_EQ(scenarios.name(r.cover1.scenario), "grid BTC -20%");
  std::size_t all_down = scenarios.size();
  for (std::size_t s = 0; s < scenarios.size(); ++s)
    if (scenarios.name(s) == "grid all -20%") all_down = s;
  ASSERT_LT(all_down, scenarios.size());
  EXPECT_EQ(book.stressed_equity(0, all_down), 50);
}

// Slippage curve (1000, 10), (2000, 40): closing 900 costs ceil(9) = 9, 1500 costs 25.
TEST(CoverageBook, SlippageFromTheCurveIsChargedRoundedUp) {
  const RiskConfig config =
      venue_of({simple_spec("BTCUSDT", ContractKind::kLinearPerpetual, 1, 100)});
  AccountMirror mirror(config);
  feed(mirror, account_group(1, 0, {{0, 10, 1000}}));
  ScenarioSet scenarios(underlyings_by_base_asset(config.instruments));
  ASSERT_EQ(scenarios.add("down 10", std::vector<double>{-0.10}), "");
  ASSERT_EQ(scenarios.add("up 50", std::vector<double>{0.50}), "");
  const std::vector<SlippagePoint> points{{1000, 10}, {2000, 40}};
  ASSERT_EQ(SlippageCurve::validate(points), "");
  const SlippageCurve curve(points);
  EXPECT_EQ(static_cast<std::int64_t>(curve.cost(333)), 4);
  EXPECT_EQ(static_cast<std::int64_t>(curve.cost(3000)), 70);
  CoverageOptions options;
  options.sell_slippage.emplace_back(curve);
  CoverageBook book(mirror, scenarios, options);
  EXPECT_EQ(book.stressed_equity(0, 0), 900 - 1000 - 9);
  EXPECT_EQ(book.stressed_equity(0, 1), 1500 - 1000 - 25);
  EXPECT_NE(SlippageCurve::validate({{1000, 10}, {1000, 40}}), "");
  EXPECT_NE(SlippageCurve::validate({{1000, 10}, {2000, 5}}), "");
}

// A long closes into the bids (the sell curve), a short into the asks (the buy curve); new curves
// apply at the next sync, which recomputes. Short 10 from 100: +100 at 90, -500 at 150; the buy
// curve (1000, 100) charges 10 % of the closed notional: 90 at 90, 150 at 150.
TEST(CoverageBook, EachSideClosesIntoItsOwnCurveAndNewCurvesApplyAtTheNextSync) {
  const RiskConfig config =
      venue_of({simple_spec("BTCUSDT", ContractKind::kLinearPerpetual, 1, 100)});
  AccountMirror mirror(config);
  feed(mirror, account_group(1, 0, {{0, 10, 1000}}));
  feed(mirror, account_group(2, 0, {{0, -10, -1000}}));
  mirror.clear_changes();
  ScenarioSet scenarios(underlyings_by_base_asset(config.instruments));
  ASSERT_EQ(scenarios.add("down 10", std::vector<double>{-0.10}), "");
  ASSERT_EQ(scenarios.add("up 50", std::vector<double>{0.50}), "");
  CoverageOptions options;
  options.sell_slippage.emplace_back(SlippageCurve({{1000, 10}, {2000, 40}}));
  options.buy_slippage.emplace_back(SlippageCurve({{1000, 100}}));
  CoverageBook book(mirror, scenarios, options);
  EXPECT_EQ(book.stressed_equity(0, 0), 900 - 1000 - 9);
  EXPECT_EQ(book.stressed_equity(1, 0), 1000 - 900 - 90);
  EXPECT_EQ(book.stressed_equity(1, 1), 1000 - 1500 - 150);
  expect_figure(book.requirements().cover2, 650, 1, {2}, {650});

  book.set_slippage(0, std::nullopt, SlippageCurve({{1000, 10}}));
  EXPECT_EQ(book.stressed_equity(1, 1), 1000 - 1500 - 150);  // not before the sync
  EXPECT_TRUE(book.sync());
  EXPECT_EQ(book.stressed_equity(0, 0), 900 - 1000);
  EXPECT_EQ(book.stressed_equity(1, 1), 1000 - 1500 - 15);
  expect_figure(book.requirements().cover2, 515, 1, {2}, {515});
  expect_figure(book.verify_requirements().cover2, 515, 1, {2}, {515});
  EXPECT_FALSE(book.sync());  // nothing changed since
}

TEST(CoverageBook, NoDeficitMeansNoRequirementAndAnInfiniteRatio) {
  const RiskConfig config =
      venue_of({simple_spec("BTCUSDT", ContractKind::kLinearPerpetual, 1, 100)});
  AccountMirror mirror(config);
  feed(mirror, account_group(1, 10'000, {{0, 10, 1000}}));
  ScenarioSet scenarios(underlyings_by_base_asset(config.instruments));
  ASSERT_EQ(scenarios.add_grid(GridOptions{}), "");
  CoverageBook book(mirror, scenarios, CoverageOptions{});
  const Requirements& r = book.requirements();
  EXPECT_EQ(static_cast<std::int64_t>(r.cover2.amount), 0);
  EXPECT_EQ(r.cover2.scenario, kNoScenario);
  const CoverageRatio ratio = coverage_ratio(5, 5, r.cover2.amount);
  EXPECT_FALSE(ratio.has_requirement);
  EXPECT_EQ(to_string(ratio), "infinite (no requirement)");
  EXPECT_EQ(to_string(coverage_ratio(1, 0, 2)), "0.500000");
}

TEST(CoverageBook, MarksWithinTheBandKeepTheVectorsAndBeyondItRecentre) {
  const RiskConfig config =
      venue_of({simple_spec("BTCUSDT", ContractKind::kLinearPerpetual, 1, 1000)});
  AccountMirror mirror(config);
  feed(mirror, account_group(1, 0, {{0, 10, 10'000}}));
  ScenarioSet scenarios(underlyings_by_base_asset(config.instruments));
  ASSERT_EQ(scenarios.add("down 10", std::vector<double>{-0.10}), "");
  CoverageBook book(mirror, scenarios, CoverageOptions{});
  mirror.clear_changes();
  EXPECT_EQ(book.stressed_equity(0, 0), -1000);

  feed(mirror, {instrument_record(0, 1010)});  // 1 %: inside the band
  EXPECT_FALSE(book.sync());
  mirror.clear_changes();
  EXPECT_EQ(book.reference_mark(0), 1000);
  EXPECT_EQ(book.stressed_equity(0, 0), -1000);

  feed(mirror, {instrument_record(0, 1011)});  // 1.1 %: re-centred at 1011, -10 % is 909
  EXPECT_TRUE(book.sync());
  mirror.clear_changes();
  EXPECT_EQ(book.reference_mark(0), 1011);
  EXPECT_EQ(book.stressed_equity(0, 0), 9090 - 10'000);

  // A funding index move changes every holder's accrued funding: a full recompute.
  feed(mirror, {instrument_record(0, 1011, 3, 2)});
  EXPECT_TRUE(book.sync());
  EXPECT_EQ(book.stressed_equity(0, 0), 9090 - 10'000 - 30);
  EXPECT_EQ(book.full_recomputes(), 3u);
}

// K = 3 and four accounts under water at -50 % (deficits 400, 300, 200, 100): the fourth is outside
// the list and is the bound. When the largest recovers, the list holds two with a positive bound:
// the scenario is rescanned (once, on the next query) and the fourth account comes back in.
TEST(CoverageBook, AnAccountLeavingAFullListRescansThatScenarioOnce) {
  const RiskConfig config =
      venue_of({simple_spec("BTCUSDT", ContractKind::kLinearPerpetual, 1, 100)});
  AccountMirror mirror(config);
  for (std::uint64_t id = 1; id <= 4; ++id) {
    // 10 lots at cost 1000 are worth 500 at price 50: equity = balance - 500.
    feed(mirror, account_group(id, 100 * static_cast<std::int64_t>(id), {{0, 10, 1000}}));
  }
  ScenarioSet scenarios(underlyings_by_base_asset(config.instruments));
  ASSERT_EQ(scenarios.add("down 50", std::vector<double>{-0.50}), "");
  CoverageOptions options;
  options.top_k = 3;
  CoverageBook book(mirror, scenarios, options);
  mirror.clear_changes();
  expect_figure(book.requirements().emir, 500, 0, {2, 3}, {300, 200});

  feed(mirror, account_group(1, 10'000, {{0, 10, 1000}}));
  book.sync();
  mirror.clear_changes();
  EXPECT_EQ(book.scenario_rescans(), 0u);
  const Requirements& r = book.requirements();
  EXPECT_EQ(book.scenario_rescans(), 1u);
  expect_figure(r.cover2, 500, 0, {2, 3}, {300, 200});
  expect_figure(r.emir, 300, 0, {2}, {300});  // 300 >= 200 + 100
  expect_figure(book.requirements().cover1, 300, 0, {2}, {300});
  EXPECT_EQ(book.scenario_rescans(), 1u);
}

void expect_same(const CoverFigure& a, const CoverFigure& b, const char* what, int step) {
  EXPECT_EQ(static_cast<std::int64_t>(a.amount), static_cast<std::int64_t>(b.amount))
      << what << " step " << step;
  EXPECT_EQ(a.scenario, b.scenario) << what << " step " << step;
  EXPECT_EQ(a.account_count, b.account_count) << what << " step " << step;
  EXPECT_EQ(a.accounts, b.accounts) << what << " step " << step;
  EXPECT_EQ(a.deficits, b.deficits) << what << " step " << step;
}

// A seeded random stream of account changes (and marks, some beyond the band, and funding),
// each applied incrementally; after every step the requirements equal a from-scratch sort of
// every account's deficits. Small lists (K = 3) so that accounts leave them and scenarios are
// rescanned often.
void run_random_stream(std::uint32_t top_k, std::uint64_t seed) {
  const RiskConfig config = venue_of(
      {simple_spec("BTCUSDT", ContractKind::kLinearPerpetual, 1, 10'000),
       simple_spec("ETHUSDT", ContractKind::kLinearPerpetual, 3, 2'000),
       simple_spec("BTCUSD_PERP", ContractKind::kInversePerpetual, 1'000'000'000, 10'000)});
  AccountMirror mirror(config);
  ScenarioSet scenarios(underlyings_by_base_asset(config.instruments));
  ASSERT_EQ(scenarios.add_grid(GridOptions{0.30, 3, true, true}), "");
  std::mt19937_64 rng(seed);
  const auto uniform = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  constexpr std::uint64_t kAccounts = 60;
  const auto random_account = [&](std::uint64_t id) {
    std::vector<HeldPosition> held;
    for (std::uint16_t i = 0; i < 3; ++i) {
      if (uniform(0, 2) != 0) continue;
      const std::int64_t qty = uniform(-50, 50);
      if (qty == 0) continue;
      const std::int64_t mark = mirror.state(i).mark;
      // A cost near the mark's value, so that some accounts are healthy and some under water.
      const Int128 value = value_down(mirror.risk(i), qty, mark);
      held.push_back({i, qty, static_cast<std::int64_t>(value) + uniform(-20'000, 20'000)});
    }
    return account_group(id, uniform(-10'000, 100'000), held);
  };
  for (std::uint64_t id = 1; id <= kAccounts; ++id)
    feed(mirror, random_account(id));
  CoverageOptions options;
  options.top_k = top_k;
  CoverageBook book(mirror, scenarios, options);
  mirror.clear_changes();
  for (int step = 0; step < 4000; ++step) {
    const std::int64_t what = uniform(0, 99);
    if (what < 2) {
      const auto i = static_cast<std::uint16_t>(uniform(0, 2));
      const InstrumentState& s = mirror.state(i);
      feed(mirror, {instrument_record(i, s.mark + uniform(-s.mark / 50, s.mark / 50),
                                      s.long_funding_index, s.short_funding_index)});
    } else if (what < 3) {
      const auto i = static_cast<std::uint16_t>(uniform(0, 2));
      const InstrumentState& s = mirror.state(i);
      feed(mirror, {instrument_record(i, s.mark, s.long_funding_index + uniform(0, 5),
                                      s.short_funding_index + uniform(-5, 0))});
    } else {
      // Mostly the existing accounts; now and then a new one.
      const std::uint64_t id = uniform(0, 49) == 0
                                   ? kAccounts + 1 + static_cast<std::uint64_t>(step)
                                   : static_cast<std::uint64_t>(uniform(1, kAccounts));
      feed(mirror, random_account(id));
    }
    book.sync();
    mirror.clear_changes();
    const Requirements got = book.requirements();
    const Requirements want = book.verify_requirements();
    expect_same(got.cover1, want.cover1, "cover1", step);
    expect_same(got.cover2, want.cover2, "cover2", step);
    expect_same(got.emir, want.emir, "emir", step);
    if (::testing::Test::HasFailure()) return;
  }
  // The stream exercised the paths that make the incremental scheme non-trivial.
  EXPECT_GT(book.scenario_rescans(), 0u);
  EXPECT_GT(book.full_recomputes(), 1u);
}

TEST(CoverageBook, IncrementalEqualsFullRecomputeOverARandomStreamSmallLists) {
  run_random_stream(3, 7);
}

TEST(CoverageBook, IncrementalEqualsFullRecomputeOverARandomStreamLongerLists) {
  run_random_stream(6, 11);
}

}  // namespace
}  // namespace backstop::sizing
