#include "backstop/options/portfolio_margin.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "backstop/options/standard_margin.hpp"

namespace backstop {
namespace {

// Units as in option_money_test: linear mult 10,000 micro-USDC per (1 USD tick * 0.01 BTC lot),
// perpetuals alike; inverse mult 1e7 sats (a 0.1 BTC lot).
constexpr std::int64_t kLinearLot = 10'000;
constexpr std::int64_t kInverseLot = 10'000'000;
constexpr std::int64_t kDays30 = 30 * kNanosPerDay;

PortfolioOption option(OptionRight right, std::int64_t strike, std::int64_t qty,
                       std::int64_t volatility_ppm = 0, std::int64_t expiry_ns = kDays30,
                       std::int64_t forward = 60000, std::int64_t mult = kLinearLot) {
  return PortfolioOption{right, strike, expiry_ns, qty, mult, forward, volatility_ppm};
}

// The hand-checkable grid: Deribit's defaults with every volatility 0 and no floor on the up
// shock, so each option is worth its intrinsic value in every scenario. Moves -16 % .. +16 % in
// steps of 4 % (F' = 50,400 .. 69,600 from 60,000), then the extended moves -66 % (20,400), -33 %
// (40,200), +50 % ... +500 % (360,000) at 333,333 ppm; contingency 1 % of the underlying per net
// short contract; IM = 1.3 MM.
PortfolioMarginConfig intrinsic_config() {
  PortfolioMarginConfig c;
  c.volatility_up_floor_ppm = 0;
  return c;
}

struct GridRun {
  PortfolioMarginResult result;
  std::vector<Int128> losses;
};

GridRun run(const std::vector<PortfolioOption>& options,
            const std::vector<PortfolioFuture>& futures, const PortfolioMarginConfig& config,
            OptionSettlement settlement = OptionSettlement::kLinear) {
  GridRun r{{}, std::vector<Int128>(scenario_count(config))};
  r.result = portfolio_margin(PortfolioBook{settlement, 0, options, futures}, config, r.losses);
  return r;
}

// Index of grid move i (0 = -16 % .. 8 = +16 %) with a shock, and of extended move j.
std::uint32_t grid_index(std::uint32_t move, VolatilityShock shock) {
  return move * 3 + static_cast<std::uint32_t>(shock);
}
constexpr std::uint32_t kExtendedMinus66 = 27;
constexpr std::uint32_t kExtendedPlus500 = 34;

TEST(PortfolioMargin, GridHasDeribitsScenarios) {
  const PortfolioMarginConfig c;
  EXPECT_EQ(scenario_count(c), 35u);  // 9 moves x 3 shocks + 8 extended
  EXPECT_EQ(portfolio_scenario(c, grid_index(0, VolatilityShock::kUp)).move_ppm, -160'000);
  EXPECT_EQ(portfolio_scenario(c, grid_index(4, VolatilityShock::kDown)).move_ppm, 0);
  EXPECT_EQ(portfolio_scenario(c, grid_index(7, VolatilityShock::kUp)).move_ppm, 120'000);
  const PortfolioScenario ext = portfolio_scenario(c, kExtendedPlus500);
  EXPECT_TRUE(ext.extended);
  EXPECT_EQ(ext.move_ppm, 5'000'000);
  EXPECT_EQ(ext.shock, VolatilityShock::kUp);
  EXPECT_EQ(shocked_price(60000, -660'000), 20400);
}

TEST(PortfolioMargin, ShortStraddleHandComputed) {
  // Short 1 call + 1 put at K = 60,000 (F = 60,000, worth 0 now). A move to F' loses |F' - K| x
  // 10,000: +/-16 % loses 9,600 x 10,000 = 96,000,000. Extended +500 %: the call is worth 300,000
  // -> 3,000,000,000 x 333,333 / 1e6 = 999,999,000, the worst. Contingency: net -2 lots at the
  // strike x 60,000 x 10,000 x 1 % = 12,000,000. MM = 1,011,999,000; IM = x 1.3 = 1,315,598,700.
  const GridRun r =
      run({option(OptionRight::kCall, 60000, -1), option(OptionRight::kPut, 60000, -1)}, {},
          intrinsic_config());
  ASSERT_TRUE(r.result.ok()) << to_string(r.result.status);
  EXPECT_EQ(r.losses[grid_index(0, VolatilityShock::kUp)], 96'000'000);
  EXPECT_EQ(r.losses[grid_index(8, VolatilityShock::kDown)], 96'000'000);
  EXPECT_EQ(r.losses[grid_index(4, VolatilityShock::kUnchanged)], 0);
  EXPECT_EQ(r.losses[kExtendedMinus66], 131'999'868);  // 396,000,000 x 0.333333
  EXPECT_EQ(r.result.worst_scenario, kExtendedPlus500);
  EXPECT_EQ(r.result.worst_loss, 999'999'000);
  EXPECT_EQ(r.result.contingency, 12'000'000);
  EXPECT_EQ(r.result.maintenance, 1'011'999'000);
  EXPECT_EQ(r.result.initial, 1'315'598'700);
}

TEST(PortfolioMargin, CoveredCallHandComputed) {
  // Long 1 perpetual at 60,000 + short 1 call K = 66,000. Down 16 %: the perpetual loses 9,600 x
  // 10,000 = 96,000,000, the call nothing. Up 16 %: the perpetual gains 96,000,000, the call loses
  // 3,600 x 10,000: a gain. Extended -66 %: 396,000,000 x 0.333333 = 131,999,868, the worst; +500 %
  // gains 3,000,000,000 - 2,940,000,000. Contingency 1 lot x 60,000 x 10,000 x 1 % = 6,000,000.
  // MM = 137,999,868; IM = ceil(137,999,868 x 1.3) = 179,399,829.
  const GridRun r = run({option(OptionRight::kCall, 66000, -1)},
                        {PortfolioFuture{1, kLinearLot, 60000}}, intrinsic_config());
  ASSERT_TRUE(r.result.ok());
  EXPECT_EQ(r.losses[grid_index(0, VolatilityShock::kUp)], 96'000'000);
  EXPECT_EQ(r.losses[grid_index(8, VolatilityShock::kUp)], -60'000'000);
  EXPECT_EQ(r.result.worst_scenario, kExtendedMinus66);
  EXPECT_EQ(r.result.maintenance, 137'999'868);
  EXPECT_EQ(r.result.initial, 179'399'829);
}

TEST(PortfolioMargin, ShortStrangleHandComputed) {
  // Short put K = 54,000 and short call K = 66,000. On the grid alone (no extended moves): -16 %
  // (50,400) and +16 % (69,600) both lose 3,600 x 10,000 = 36,000,000; the first of them in grid
  // order is the worst. Two strikes each net short 1: 2 x 6,000,000. MM = 48,000,000.
  PortfolioMarginConfig grid_only = intrinsic_config();
  grid_only.extended_move_count = 0;
  const std::vector<PortfolioOption> strangle{option(OptionRight::kPut, 54000, -1),
                                              option(OptionRight::kCall, 66000, -1)};
  const GridRun g = run(strangle, {}, grid_only);
  ASSERT_TRUE(g.result.ok());
  EXPECT_EQ(g.result.worst_loss, 36'000'000);
  EXPECT_EQ(g.result.worst_scenario, grid_index(0, VolatilityShock::kUp));
  EXPECT_EQ(g.result.maintenance, 48'000'000);
  EXPECT_EQ(g.result.initial, 62'400'000);
  // With the extended table, +500 % (360,000) costs the call 294,000 x 10,000 x 0.333333 =
  // 979,999,020: MM 991,999,020.
  const GridRun e = run(strangle, {}, intrinsic_config());
  EXPECT_EQ(e.result.worst_scenario, kExtendedPlus500);
  EXPECT_EQ(e.result.maintenance, 991'999'020);
}

TEST(PortfolioMargin, PerpetualHedgedWithPutHandComputed) {
  // Long 1 perpetual at 60,000 + long 1 put K = 57,000: below the strike the put pays back every
  // tick, so the loss stops at (60,000 - 57,000) x 10,000 = 30,000,000 (-16 %: 96,000,000 -
  // 66,000,000). -4 % loses 24,000,000 (the put still out of the money). Extended -66 %: 30,000,000
  // x 0.333333 = 9,999,990. No short option: no contingency. MM 30,000,000, IM 39,000,000; the
  // perpetual alone needs 131,999,868 (its -66 % extended loss).
  const PortfolioFuture perpetual{1, kLinearLot, 60000};
  const GridRun hedged =
      run({option(OptionRight::kPut, 57000, 1)}, {perpetual}, intrinsic_config());
  ASSERT_TRUE(hedged.result.ok());
  EXPECT_EQ(hedged.losses[grid_index(3, VolatilityShock::kUp)], 24'000'000);
  EXPECT_EQ(hedged.losses[kExtendedMinus66], 9'999'990);
  EXPECT_EQ(hedged.result.worst_loss, 30'000'000);
  EXPECT_EQ(hedged.result.contingency, 0);
  EXPECT_EQ(hedged.result.maintenance, 30'000'000);
  EXPECT_EQ(hedged.result.initial, 39'000'000);
  EXPECT_EQ(run({}, {perpetual}, intrinsic_config()).result.maintenance, 131'999'868);
}

TEST(PortfolioMargin, InverseShortPutLossesAreInCoinRoundedUp) {
  // Short 1 put K = 60,000 on a 0.1 BTC lot, BTC-settled. At -16 % (50,400) the put is 9,600 USD
  // = 9,600 / 50,400 BTC per BTC: 1e7 x 0.190476.. = 1,904,761.9 sats owed -> 1,904,762. At -66 %
  // (20,400): 1e7 x 39,600 / 20,400 = 19,411,764.7 -> 19,411,765, x 0.333333 = 6,470,581.7 ->
  // 6,470,582, the worst. Contingency: 1 lot x 1e7 x 1 % = 100,000. MM = 6,570,582; IM 8,541,757.
  const GridRun r = run({option(OptionRight::kPut, 60000, -1, 0, kDays30, 60000, kInverseLot)}, {},
                        intrinsic_config(), OptionSettlement::kInverse);
  ASSERT_TRUE(r.result.ok());
  EXPECT_EQ(r.losses[grid_index(0, VolatilityShock::kUnchanged)], 1'904'762);
  EXPECT_EQ(r.result.worst_loss, 6'470'582);
  EXPECT_EQ(r.result.contingency, 100'000);
  EXPECT_EQ(r.result.maintenance, 6'570'582);
  EXPECT_EQ(r.result.initial, 8'541'757);
}

TEST(PortfolioMargin, InverseFutureLossIsRoundedAgainstTheAccount) {
  // A long inverse perpetual of $10 a contract (mult 10 USD ticks x 1e8 sats = 1e9) at 60,000:
  // value -1e9 / m. At -16 % (50,400): ceil(-16,666.67) - floor(-19,841.27) = -16,666 + 19,842 =
  // 3,176 sats (exactly 3,174.60: rounded up).
  PortfolioMarginConfig grid_only = intrinsic_config();
  grid_only.extended_move_count = 0;
  const GridRun r =
      run({}, {PortfolioFuture{1, 1'000'000'000, 60000}}, grid_only, OptionSettlement::kInverse);
  ASSERT_TRUE(r.result.ok());
  EXPECT_EQ(r.losses[grid_index(0, VolatilityShock::kUp)], 3'176);
  EXPECT_EQ(r.result.maintenance, 3'176);
}

TEST(PortfolioMargin, VolatilityShocksScaleWithTimeToExpiry) {
  const PortfolioMarginConfig c;
  // At the 30-day reference the shocks are nominal: 60 % -> 90 % up, 45 % down.
  const detail::ShockedVolatilities at30 = detail::shocked_volatilities(c, 0.6, 30.0);
  EXPECT_DOUBLE_EQ(at30.up, 0.9);
  EXPECT_DOUBLE_EQ(at30.unchanged, 0.6);
  EXPECT_DOUBLE_EQ(at30.down, 0.45);
  // Shorter tenors shock more, with p = 0.3: 7.5 days -> (30 / 7.5)^0.3 = 4^0.3 = 1.5157.
  const detail::ShockedVolatilities short_term = detail::shocked_volatilities(c, 0.6, 7.5);
  EXPECT_NEAR(short_term.up, 0.6 * (1 + 0.5 * 1.515716566510398), 1e-12);
  EXPECT_NEAR(short_term.down, 0.6 * (1 - 0.25 * 1.515716566510398), 1e-12);
  // Longer ones less, with p = 0.13: 120 days -> 0.25^0.13 = 0.8351.
  const detail::ShockedVolatilities long_term = detail::shocked_volatilities(c, 0.6, 120.0);
  EXPECT_NEAR(long_term.up, 0.6 * (1 + 0.5 * 0.8350879194283694), 1e-12);
  // The up shock never leaves the volatility below 50 %; the down shock never below 0.
  EXPECT_DOUBLE_EQ(detail::shocked_volatilities(c, 0.2, 30.0).up, 0.5);
  EXPECT_DOUBLE_EQ(detail::shocked_volatilities(c, 0.6, 0.01).down, 0.0);
}

TEST(PortfolioMargin, CalendarSpreadHandComputed) {
  // Short 1 call expiring in 7 days on a forward of 60,000, long 1 call expiring in 60 days on a
  // forward of 60,600 (contango), both K = 60,000, volatility 0 (intrinsic values): now 0 and 600.
  // At -4 % .. -16 % both forwards fall below the strike: the long call loses its 600 -> 6,000,000.
  // At +16 % the short loses 9,600, the long gains 70,296 - 60,000 - 600 = 9,696: a gain of 96 x
  // 10,000. Extended -66 %: 6,000,000 x 0.333333 = 1,999,998; +500 %: a gain. Worst 6,000,000;
  // the expiries do not net, so 1 lot x 60,000 x 10,000 x 1 % = 6,000,000 of contingency.
  const GridRun r = run({option(OptionRight::kCall, 60000, -1, 0, 7 * kNanosPerDay, 60000),
                         option(OptionRight::kCall, 60000, 1, 0, 60 * kNanosPerDay, 60600)},
                        {}, intrinsic_config());
  ASSERT_TRUE(r.result.ok());
  EXPECT_EQ(r.losses[grid_index(8, VolatilityShock::kUp)], -960'000);
  EXPECT_EQ(r.losses[kExtendedMinus66], 1'999'998);
  EXPECT_EQ(r.result.worst_loss, 6'000'000);
  EXPECT_EQ(r.result.worst_scenario, grid_index(0, VolatilityShock::kUp));
  EXPECT_EQ(r.result.contingency, 6'000'000);
  EXPECT_EQ(r.result.maintenance, 12'000'000);
}

TEST(PortfolioMargin, CalendarSpreadWithVolatilityMatchesTheReference) {
  // Short 5 lots of a 7-day call and long 5 lots of a 60-day call, K = 62,000, forwards 60,000 and
  // 60,300, 60 % and 55 %, Deribit's default grid. Expected values from
  // tests/core/options/portfolio_margin_reference.py (book linear_calendar), which prices with
  // python3's math.erfc: the worst scenario is -16 % with volatility down (the long 60-day call
  // loses its time value, the short 7-day one has little to give back): 143,805,795; contingency
  // 5 lots x 60,000 x 10,000 x 1 % = 30,000,000 (the two expiries do not net). MM 173,805,795.
  const GridRun r = run({option(OptionRight::kCall, 62000, -5, 600'000, 7 * kNanosPerDay, 60000),
                         option(OptionRight::kCall, 62000, 5, 550'000, 60 * kNanosPerDay, 60300)},
                        {}, PortfolioMarginConfig{});
  ASSERT_TRUE(r.result.ok());
  EXPECT_EQ(r.result.worst_scenario, grid_index(0, VolatilityShock::kDown));
  EXPECT_EQ(r.result.worst_loss, 143'805'795);
  EXPECT_EQ(r.losses[grid_index(8, VolatilityShock::kUp)], -41'187'189);  // +16 %: a gain
  EXPECT_EQ(r.losses[kExtendedMinus66], 57'382'873);
  EXPECT_EQ(r.result.contingency, 30'000'000);
  EXPECT_EQ(r.result.maintenance, 173'805'795);
  EXPECT_EQ(r.result.initial, 225'947'534);
}

// The worked example of docs/options.md.
TEST(PortfolioMargin, DocsWorkedExampleInverseShortStraddle) {
  // Short 10 lots (1 BTC) each of a 14-day call and put at 60,000, forward 60,000, 55 %,
  // BTC-settled (0.1 BTC lots), Deribit's default grid. From portfolio_margin_reference.py (book
  // inverse_short_straddle): the worst is the extended -66 % move (the put's value in coin
  // explodes as the coin falls), 61,842,375 sats after the 1/3 fraction; the unchanged scenario
  // loses 2 sats (two positions, each rounded against the account); contingency 2 x 10 lots x
  // 1e7 x 1 % = 2,000,000. MM 63,842,375 sats (0.638 BTC); IM 82,995,088.
  const std::int64_t days14 = 14 * kNanosPerDay;
  const GridRun r =
      run({option(OptionRight::kCall, 60000, -10, 550'000, days14, 60000, kInverseLot),
           option(OptionRight::kPut, 60000, -10, 550'000, days14, 60000, kInverseLot)},
          {}, PortfolioMarginConfig{}, OptionSettlement::kInverse);
  ASSERT_TRUE(r.result.ok());
  EXPECT_EQ(r.losses[grid_index(0, VolatilityShock::kUp)], 13'675'282);
  EXPECT_EQ(r.losses[grid_index(4, VolatilityShock::kUnchanged)], 2);
  EXPECT_EQ(r.losses[grid_index(4, VolatilityShock::kUp)], 5'387'410);
  EXPECT_EQ(r.result.worst_scenario, kExtendedMinus66);
  EXPECT_EQ(r.result.worst_loss, 61'842'375);
  EXPECT_EQ(r.result.contingency, 2'000'000);
  EXPECT_EQ(r.result.maintenance, 63'842'375);
  EXPECT_EQ(r.result.initial, 82'995'088);
  // Standard margin of each leg: at the money OTM = 0, IM = 0.15 coin per coin of contract (1 BTC:
  // 15,000,000 sats) + the premium owed, 2,577.10 / 60,000 x 1e8 = 4,295,170.6 -> 4,295,171.
  const OptionUnits units{OptionSettlement::kInverse, kInverseLot};
  const OptionMarkInputs call{OptionRight::kCall, 60000, 60000, days14, 550'000, 0};
  const OptionMoney premium = option_value_from_volatility(units, -10, call);
  ASSERT_EQ(premium.value, -4'295'171);
  const OptionMargin standard =
      standard_option_margin(units, {OptionRight::kCall, -10, 60000, 60000, premium.value});
  EXPECT_EQ(standard.initial, 19'295'171);
  EXPECT_EQ(standard.maintenance, 11'795'171);
}

TEST(PortfolioMargin, RefusalsAreTyped) {
  std::vector<Int128> small(3);
  const std::vector<PortfolioOption> one{option(OptionRight::kCall, 60000, -1)};
  const PortfolioBook book{OptionSettlement::kLinear, 0, one, {}};
  EXPECT_EQ(portfolio_margin(book, PortfolioMarginConfig{}, small).status,
            OptionStatus::kScratchTooSmall);
  std::vector<Int128> losses(64);
  PortfolioMarginConfig bad;
  bad.price_steps = 0;
  EXPECT_EQ(portfolio_margin(book, bad, losses).status, OptionStatus::kInvalidConfig);
  bad = PortfolioMarginConfig{};
  bad.extended_moves_ppm[0] = -1'000'000;  // the underlying at 0
  EXPECT_EQ(portfolio_margin(book, bad, losses).status, OptionStatus::kInvalidConfig);
  const PortfolioBook late{OptionSettlement::kLinear, kDays30 + 1, one, {}};
  EXPECT_EQ(portfolio_margin(late, PortfolioMarginConfig{}, losses).status,
            OptionStatus::kTimeNegative);
  const std::vector<PortfolioOption> no_strike{option(OptionRight::kPut, 0, 1)};
  EXPECT_EQ(portfolio_margin({OptionSettlement::kLinear, 0, no_strike, {}}, {}, losses).status,
            OptionStatus::kStrikeNotPositive);
  const std::vector<PortfolioFuture> huge{PortfolioFuture{std::int64_t{1} << 40, 1 << 20, 60000}};
  EXPECT_EQ(portfolio_margin({OptionSettlement::kLinear, 0, {}, huge}, {}, losses).status,
            OptionStatus::kOutOfRange);
  const std::vector<PortfolioFuture> no_mark{PortfolioFuture{1, 1, 0}};
  EXPECT_EQ(portfolio_margin({OptionSettlement::kLinear, 0, {}, no_mark}, {}, losses).status,
            OptionStatus::kForwardNotPositive);
}

TEST(PortfolioMargin, AnEmptyBookNeedsNothing) {
  const GridRun r = run({}, {}, PortfolioMarginConfig{});
  ASSERT_TRUE(r.result.ok());
  EXPECT_EQ(r.result.maintenance, 0);
  EXPECT_EQ(r.result.initial, 0);
}

TEST(PortfolioMargin, AtExpiryAnOptionIsItsIntrinsicValue) {
  // Expiring now: the volatility shocks cannot move it. A short call K = 58,000 at 60,000 is worth
  // 2,000 now; at +16 % (69,600) 11,600: loses 9,600 x 10,000 in every shock.
  PortfolioMarginConfig grid_only;
  grid_only.extended_move_count = 0;
  const GridRun r = run({option(OptionRight::kCall, 58000, -1, 800'000, 0)}, {}, grid_only);
  ASSERT_TRUE(r.result.ok());
  for (const VolatilityShock s :
       {VolatilityShock::kUp, VolatilityShock::kUnchanged, VolatilityShock::kDown}) {
    EXPECT_EQ(r.losses[grid_index(8, s)], 96'000'000);
  }
}

}  // namespace
}  // namespace backstop
