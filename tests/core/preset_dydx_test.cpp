// dYdX v4's own examples, reproduced through the public API under presets::dydx() (margin on the
// oracle price, flat rates, the insurance fund takes the surplus up to a capped fee and the trader
// keeps the rest, liquidation orders limited at the fillable price).
//
// Sources: the protocol's tests, dydxprotocol/v4-chain @ 84d4664bae71e3a077adaac67fb77ad19cd28d30,
// protocol/x/clob/keeper/liquidations_test.go (TestGetBankruptcyPriceInQuoteQuantums,
// TestGetFillablePrice, TestGetLiquidationInsuranceFundDelta), and the documentation,
// dydxprotocol/v4-documentation @ 73228a9e87d81b0e60bb366d58c8f221e91bf441,
// docs/pages/concepts/trading/{contract-loss-mechanism,liquidations}.mdx (docs.dydx.xyz).
//
// The tests' fixture (protocol/testutil/constants): BtcUsd_20PercentInitial_10PercentMaintenance
// (initial 20 %, maintenance 10 % of the oracle value), oracle 50,000 USDC; EthUsd the same at
// 3,000. dYdX's balances are USDC after the trade ("USDC -4,501, 0.1 BTC long"); here the account
// deposits that balance plus the position's entry cost, trades at an entry price where it is
// healthy, and the mark then moves to the oracle. Their test-default LiquidationsConfig
// (LiquidationsConfig_Default) differs from the preset's genesis values: spread-to-maintenance
// ratio 0.1 (the preset: 1.5) and max liquidation fee 0.5 % (the preset: 1.5 %); the tests set
// them as each case does.
//
// Units: tick 1 USDC, lot 1e-6 BTC (or ETH), Money 1e-6 USDC (a quote quantum): multiplier 1.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>

#include "preset_scene.hpp"

namespace backstop::test {
namespace {

constexpr std::int64_t kUsdc = 1'000'000;    // quote quantums per USDC
constexpr std::int64_t kTenthBtc = 100'000;  // lots
constexpr std::uint64_t kTrader = 2;
constexpr std::uint64_t kOther = 3;

InstrumentSpec btc_usd() {
  return venue_instrument("BTC-USD", ContractKind::kLinearPerpetual, 1, 50'000, 10'000'000,
                          100'000'000, {{Money{0}, 200'000, 100'000}});
}
InstrumentSpec eth_usd() {
  return venue_instrument("ETH-USD", ContractKind::kLinearPerpetual, 1, 3'000, 10'000'000,
                          100'000'000, {{Money{0}, 200'000, 100'000}});
}

VenueConventions dydx_with(std::int64_t spread_ratio, std::int64_t fee_cap) {
  VenueConventions c = presets::dydx();
  c.fillable_spread_ratio = spread_ratio;
  c.surplus_fee_cap_rate = fee_cap;
  return c;
}

// The account of a test case: `usdc` USDC after holding `lots` (signed) of BTC, at the oracle
// 50,000. It trades at 70,000 (a long) or 30,000 (a short), healthy there, and the mark then moves
// to the oracle.
void btc_case(PresetVenue& v, std::int64_t usdc, std::int64_t lots) {
  const std::int64_t entry = lots > 0 ? 70'000 : 30'000;
  v.open(kBackstop, 1'000'000 * kUsdc);
  v.open(kOther, 1'000'000 * kUsdc);
  v.open(kTrader, usdc * kUsdc + lots * entry);
  v.mark(entry);
  if (lots > 0) {
    v.trade(kTrader, kOther, entry, lots);
  } else {
    v.trade(kOther, kTrader, entry, -lots);
  }
  ASSERT_FALSE(v.liquidatable(kTrader));
  v.mark(50'000);
}

// TestGetBankruptcyPriceInQuoteQuantums: the quote a close must receive (a long) or may pay (a
// short) for equity to reach zero; divided by the size closed, the bankruptcy price.
//   "fully closing one long position that is slightly below maintenance": USDC -4,501, +0.1 BTC,
//     expected 4,501,000,000 quantums for 0.1 BTC: 45,010
//   "fully closing one short position that is slightly below maintenance": USDC +5,499, -0.1 BTC,
//     -5,499,000,000: 54,990
//   "fully closing one long position that is below the bankruptcy price": USDC -5,100, +0.1 BTC,
//     5,100,000,000: 51,000
//   "partially closing one long position at the bankruptcy price": USDC -5,000, +0.1 BTC, closing
//     0.05 BTC: 2,500,000,000: 50,000
//   "long position that cannot be liquidated at a loss has a negative bankruptcy price": USDC +1,
//     +1 BTC, -1,000,000: -1 USDC per BTC, below every price; the engine answers with its band's
//     lowest price.
// dYdX's partial bankruptcy price leaves the account's collateral-to-maintenance ratio unchanged
// (BP = -DNNV - TNC x |DMMR| / TMMR); the engine's leaves equity zero after the close. They agree
// when the whole position closes or the account's equity is zero (the cases above); they differ
// for dYdX's other partial and multi-position cases ("Rounds up ... partially closing one long",
// "fully closing one long position ... multiple long positions"), which are not reproduced here.
TEST(PresetDydx, BankruptcyPrices) {
  struct Case {
    std::int64_t usdc, lots, expected;
  };
  for (const Case c : {Case{-4'501, kTenthBtc, 45'010}, Case{5'499, -kTenthBtc, 54'990},
                       Case{-5'100, kTenthBtc, 51'000}, Case{1, 10 * kTenthBtc, 1}}) {
    PresetVenue v(preset_config(presets::dydx(), {btc_usd()}));
    btc_case(v, c.usdc, c.lots);
    EXPECT_EQ(v.bankruptcy(kTrader), c.expected) << c.usdc;
  }
  PresetVenue half(preset_config(presets::dydx(), {btc_usd()}));
  btc_case(half, -5'000, kTenthBtc);
  const std::optional<Price> p = half.e.bankruptcy_price(AccountId{kTrader}, 0, Qty{kTenthBtc / 2});
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->raw(), 50'000);
}

// TestGetFillablePrice: the liquidation order's limit, FP = (PNNV - ABR x SMMR x PMMR) / PS with
// ABR = clamp(1 - TNC / TMMR, 0, 1), in quote quantums per base quantum (x 100 for USDC per BTC):
//   "one long position that is slightly below maintenance margin" (USDC -4,501): 49_999/100
//   "... spreadToMaintenanceMarginRatioPpm is 200_000": 49_998/100
//   "... spreadToMaintenanceMarginRatioPpm is one million": 49_990/100
//   "one short position that is slightly below maintenance margin" (USDC +5,499): 50_001/100
//   "one long position at the bankruptcy price" (USDC -5,000): 495
//   "one long position below the bankruptcy price" (USDC -5,500; ABR clamped to 1): 495
//   "one short position below the bankruptcy price" (USDC +4,500): 505
TEST(PresetDydx, FillablePriceLimitsTheLiquidationOrder) {
  struct Case {
    std::int64_t usdc, lots, spread_ratio, expected;
  };
  for (const Case c :
       {Case{-4'501, kTenthBtc, 100'000, 49'999}, Case{-4'501, kTenthBtc, 200'000, 49'998},
        Case{-4'501, kTenthBtc, 1'000'000, 49'990}, Case{5'499, -kTenthBtc, 100'000, 50'001},
        Case{-5'000, kTenthBtc, 100'000, 49'500}, Case{-5'500, kTenthBtc, 100'000, 49'500},
        Case{4'500, -kTenthBtc, 100'000, 50'500}}) {
    PresetVenue v(
        preset_config(dydx_with(c.spread_ratio, 5'000), {btc_usd()}, LiquidationMode::kOrder));
    btc_case(v, c.usdc, c.lots);
    ASSERT_TRUE(v.liquidatable(kTrader)) << c.usdc;
    EXPECT_EQ(v.order_limit(kTrader), c.expected) << c.usdc << " " << c.spread_ratio;
  }
}

// TestGetFillablePrice, "multiple long positions": USDC -490, +0.004 BTC (at 50,000) and +0.1 ETH
// (at 3,000): TNC 10, TMMR 50, the ETH position's PMMR 30, ABR 4/5: 372/125 quantums per base
// quantum, 2,976 USDC per ETH. The account buys ETH at 4,000 (healthy) and the ETH oracle falls to
// 3,000.
TEST(PresetDydx, FillablePriceMultiplePositions) {
  PresetVenue v(
      preset_config(dydx_with(100'000, 5'000), {btc_usd(), eth_usd()}, LiquidationMode::kOrder));
  v.open(kBackstop, 1'000'000 * kUsdc);
  v.open(kOther, 1'000'000 * kUsdc);
  v.open(kTrader, 110 * kUsdc);                   // -490 + 200 (BTC) + 400 (ETH at 4,000)
  v.trade_in(0, kTrader, kOther, 50'000, 4'000);  // 0.004 BTC
  v.mark_in(1, 4'000);
  v.trade_in(1, kTrader, kOther, 4'000, kTenthBtc);  // 0.1 ETH
  ASSERT_FALSE(v.liquidatable(kTrader));
  v.mark_in(1, 3'000);
  EXPECT_EQ(v.equity(kTrader), 10 * kUsdc);
  EXPECT_EQ(v.maintenance(kTrader), 50 * kUsdc);
  EXPECT_EQ(v.order_limit(kTrader, 1), 2'976);
}

// TestGetLiquidationInsuranceFundDelta: a fill of 0.1 BTC answering the liquidation order; the
// insurance fund receives min(max_liquidation_fee x |quote|, quote - bankruptcy quote) or pays the
// shortfall; the trader keeps the rest.
//   "Fully closing one long position above the bankruptcy price and pays max liquidation fee":
//     USDC -5,100, +0.1 BTC, sell at 56,100 (subticks 56,100,000,000), fee 5,000 ppm: 28,050,000
//   "... when MaxLiquidationFeePpm is 25_000": 140,250,000
//   "... pays less than max liquidation fee when MaxLiquidationFeePpm is one million": 510,000,000
//   "Fully closing one long position above the bankruptcy price and pays less than max
//     liquidation fee": sell at 51,051: 5,100,000
//   "Fully closing one long position below the bankruptcy price and the insurance fund must cover
//     the loss": sell at 50,490: -51,000,000
//   "Fully closing one short position above the bankruptcy price and pays max liquidation fee":
//     USDC +4,900, -0.1 BTC, buy at 44,100: 22,050,000
//   "... short ... pays less than max liquidation fee": buy at 48,951: 4,900,000
//   "If fully closing one short position below the bankruptcy price ...": buy at 49,490:
//     -49,000,000
// The trader's balance afterwards is its equity after the close less the fund's share (or zero).
TEST(PresetDydx, InsuranceFundDeltaOfALiquidationFill) {
  struct Case {
    std::int64_t usdc, lots, fee_cap, price, fund_delta;
  };
  for (const Case c : {Case{-5'100, kTenthBtc, 5'000, 56'100, 28'050'000},
                       Case{-5'100, kTenthBtc, 25'000, 56'100, 140'250'000},
                       Case{-5'100, kTenthBtc, 1'000'000, 56'100, 510'000'000},
                       Case{-5'100, kTenthBtc, 5'000, 51'051, 5'100'000},
                       Case{-5'100, kTenthBtc, 5'000, 50'490, -51'000'000},
                       Case{4'900, -kTenthBtc, 5'000, 44'100, 22'050'000},
                       Case{4'900, -kTenthBtc, 5'000, 48'951, 4'900'000},
                       Case{4'900, -kTenthBtc, 5'000, 49'490, -49'000'000}}) {
    PresetVenue v(
        preset_config(dydx_with(100'000, c.fee_cap), {btc_usd()}, LiquidationMode::kOrder));
    v.ok(make_fund_deposit(FundKind::kInsurance, 0, Money{1'000 * kUsdc}));
    btc_case(v, c.usdc, c.lots);
    ASSERT_TRUE(v.liquidatable(kTrader));
    const std::int64_t fund = v.insurance();
    // The equity the close leaves: the USDC balance plus the quote received (paid, for a short).
    const std::int64_t left = c.usdc * kUsdc + c.lots * c.price;
    const Side side = c.lots > 0 ? Side::kSell : Side::kBuy;
    const std::int64_t lots = c.lots > 0 ? c.lots : -c.lots;
    v.ok(make_liquidation_fill(0, side, kTrader, kOther, Price{c.price}, Qty{lots}));
    EXPECT_EQ(v.insurance() - fund, c.fund_delta) << c.price << " " << c.fee_cap;
    EXPECT_EQ(v.qty(kTrader), 0);
    EXPECT_EQ(v.balance(kTrader), left > 0 ? left - c.fund_delta : 0) << c.price;
  }
}

// contract-loss-mechanism.mdx, "Liquidation and Deleveraging", Example: "B deposits $100 and goes
// short 500 ABC contracts at $1 ... price jumps ... to $2 ... B's bankruptcy price is $1.2, so A's
// position is closed at $1.2, resulting in a $100 profit for A and a $100 loss for B". With no
// insurance fund the loss falls to deleveraging at the bankruptcy price (ranked ADL, AdlPrice::
// kBankruptcy). ABC: tick 0.01 USDC, one contract per lot (multiplier 10,000); the margin rates (20
// % / 10 %) and A's deposit are not part of the example.
TEST(PresetDydx, DeleveragingAtTheBankruptcyPrice) {
  constexpr std::uint64_t kA = 4;
  constexpr std::uint64_t kB = 5;
  InstrumentSpec abc = venue_instrument("ABC-USD", ContractKind::kLinearPerpetual, 10'000, 100,
                                        1'000'000, 1'000'000, {{Money{0}, 200'000, 100'000}});
  PresetVenue v(preset_config(presets::dydx(), {abc}, LiquidationMode::kTakeover));
  v.open(kBackstop, 1'000'000 * kUsdc);
  v.open(kA, 100 * kUsdc);
  v.open(kB, 100 * kUsdc);
  v.trade(kA, kB, 100, 500);         // B short 500 at 1.00
  EXPECT_EQ(v.bankruptcy(kB), 120);  // 1.20
  v.mark(200);                       // 2.00
  EXPECT_EQ(v.qty(kB), 0);
  EXPECT_EQ(v.balance(kB), 0);                    // B lost its $100
  EXPECT_EQ(v.qty(kA), 0);                        // A deleveraged ...
  EXPECT_EQ(v.balance(kA), (100 + 100) * kUsdc);  // ... at 1.20: a $100 profit
}

// contract-loss-mechanism.mdx, "Insurance Fund", Example: "A deposits $100 and goes long 500 ABC
// contracts at $1 ... ABC's price drops to $0.801 ... A's equity is now $0.50 ... The protocol
// liquidates A's position at $0.77 ... A's pnl at $0.77 would be ... -$115 ... The insurance fund
// contributes $15". The bankruptcy price is 1 - 100 / 500 = 0.80. The page computes the
// maintenance requirement at the entry price ("A's MMR = 3% * $1 * 500 = $15"); dYdX's code and
// margin.mdx take it at the oracle ("P is the oracle price"): 3 % x 0.801 x 500 = 12.015, which the
// engine gives. Tick 0.001 USDC (multiplier 1,000); the initial rate (5 %) is not in the example.
TEST(PresetDydx, InsuranceFundCoversTheGap) {
  InstrumentSpec abc = venue_instrument("ABC-USD", ContractKind::kLinearPerpetual, 1'000, 1'000,
                                        1'000'000, 1'000'000, {{Money{0}, 50'000, 30'000}});
  PresetVenue v(preset_config(presets::dydx(), {abc}, LiquidationMode::kOrder));
  v.ok(make_fund_deposit(FundKind::kInsurance, 0, Money{1'000 * kUsdc}));
  v.open(kBackstop, 1'000'000 * kUsdc);
  v.open(kOther, 1'000'000 * kUsdc);
  v.open(kTrader, 100 * kUsdc);
  v.trade(kTrader, kOther, 1'000, 500);   // 500 at 1.000
  EXPECT_EQ(v.bankruptcy(kTrader), 800);  // 0.800
  v.mark(801);
  EXPECT_EQ(v.equity(kTrader), kUsdc / 2);        // $0.50
  EXPECT_EQ(v.maintenance(kTrader), 12'015'000);  // $12.015 at the oracle
  ASSERT_TRUE(v.liquidatable(kTrader));
  // The order's limit is the fillable price (the preset's genesis ratio 1.5, not in the page):
  // 0.801 x (1 - 1.5 x 3 % x ABR), ABR = 1 - 0.50 / 12.015, = 0.766455..., rounded up to the tick;
  // the page's fill at 0.77 is better than it.
  EXPECT_EQ(v.order_limit(kTrader), 767);
  const std::int64_t fund = v.insurance();
  v.ok(make_liquidation_fill(0, Side::kSell, kTrader, kOther, Price{770}, Qty{500}));
  EXPECT_EQ(fund - v.insurance(), 15 * kUsdc);  // the fund contributes $15
  EXPECT_EQ(v.balance(kTrader), 0);
}

// liquidations.mdx, isolated liquidation price: "p' = (e - s x p) / (|s| x MMF - s)", e = 1000,
// s = -3, p = 3000, MMF = 0.05: 10,000 / 3.15 = 3,174.6031..., printed "~ 3174.60", with the
// maintenance margin there "~ 476.2". A short is liquidatable above the price, so the engine rounds
// the crossing down to the tick (0.01): 3,174.60, as printed; the requirement at that mark is
// 3 x 3,174.60 x 5 % = 476.19. ETH: tick 0.01 USDC, lot 0.001 ETH (multiplier 10); the initial rate
// (10 %) is not in the example.
TEST(PresetDydx, IsolatedLiquidationPriceShort) {
  InstrumentSpec eth = venue_instrument("ETH-USD", ContractKind::kLinearPerpetual, 10, 300'000,
                                        100'000'000, 100'000'000, {{Money{0}, 100'000, 50'000}});
  PresetVenue v(preset_config(presets::dydx(), {eth}));
  v.ok(make_open_account(kTrader, 0, MarginMode::kIsolated));
  v.ok(make_deposit(kTrader, Money{1'000 * kUsdc}));
  v.open(kOther, 1'000'000 * kUsdc);
  v.trade(kOther, kTrader, 300'000, 3'000);    // kTrader short 3 ETH at 3,000.00
  EXPECT_EQ(v.liquidation(kTrader), 317'460);  // 3,174.60
  v.mark(317'460);
  EXPECT_EQ(v.maintenance(kTrader), 476'190'000);  // 476.19
  EXPECT_FALSE(v.liquidatable(kTrader));
  v.mark(317'461);
  EXPECT_TRUE(v.liquidatable(kTrader));
}

}  // namespace
}  // namespace backstop::test
