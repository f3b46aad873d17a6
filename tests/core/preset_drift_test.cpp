// Drift's own examples, reproduced through the public API under presets::drift() (margin on the
// oracle price, flat rates, the liquidation fee to the insurance fund and the rest back to the
// trader).
//
// Sources: the protocol's tests, drift-labs/protocol-v2 @ 0ae3e3b1db782a6765c3525b3dec38ad4d9d3a62,
// programs/drift/src/math/liquidation/tests.rs and programs/drift/src/controller/liquidation/
// tests.rs, and the documentation, drift-labs/drift-protocol-v2-docs @
// f1021e414d5fd62755cf859dc4ad97c7469ef022, content/protocol/trading/liquidations/index.mdx
// (docs.drift.trade).
//
// How Drift's liquidation maps onto the engine's partial liquidation (liquidation.hpp): Drift
// liquidates a position until total collateral reaches the maintenance requirement plus the
// liquidation buffer, charging the liquidator's discount and an insurance-fund fee on the oracle
// value liquidated; the engine moves the fewest lots that leave the equity, after the liquidation
// fee, at the initial margin of what remains. So the instrument's initial rate is Drift's
// maintenance ratio plus the buffer, and the liquidation fee rate is the liquidator's fee plus the
// insurance fund's (the engine's backstop takes over at the mark and the whole fee goes to the
// fund; the trader's figures are the same).
#include <gtest/gtest.h>

#include <cstdint>

#include "preset_scene.hpp"

namespace backstop::test {
namespace {

constexpr std::int64_t kUsdc = 1'000'000;  // Money per USDC (1e-6, Drift's QUOTE_PRECISION)
constexpr std::uint64_t kTrader = 2;
constexpr std::uint64_t kOther = 3;

RiskConfig drift_config(InstrumentSpec s, LiquidationMode mode, std::int64_t fee_rate,
                        bool partial) {
  RiskConfig c = preset_config(presets::drift(), {std::move(s)}, mode);
  c.waterfall.liquidation_fee_rate = fee_rate;
  c.waterfall.partial = partial;
  return c;
}

// A perp at an oracle of 100 USDC with tick 0.01 USDC and lot 0.01 base (the tests' order_step_size
// 10,000,000 at BASE_PRECISION 1e9): multiplier 100. Initial `im`, maintenance 5 %
// (margin_ratio_maintenance 500).
InstrumentSpec perp(std::int64_t im) {
  return venue_instrument("PERP", ContractKind::kLinearPerpetual, 100, 10'000, 10'000'000,
                          100'000'000, {{Money{0}, im, 50'000}});
}

// controller/liquidation/tests.rs, mod liquidate_perp, successful_liquidation_to_cover_margin_
// shortage: oracle $100, margin_ratio_maintenance 500, liquidator_fee and if_liquidation_fee 1 %
// each, liquidation_margin_buffer_ratio MARGIN_PRECISION / 50 (2 %); the user is long 2 base with
// quote -200 and a 5 USDC deposit. Expected: "user base 200000000" (0.2 base), "quote -23600000",
// liquidator base 1800000000 (1.8) for quote -178200000, "total_liquidation_fee 1800000", and
// after it total collateral equals the requirement plus buffer, "margin ratio 700". In the
// engine: 180 lots move (5 - 2 % x 180 >= 7 % x 20, exactly), the fund receives 3.60 (Drift's
// liquidator 1.80 + insurance fund 1.80), and the trader keeps 0.2 base at cost 20 with a balance
// of 1.40: Drift's quote -23.6 is -20 - 3.6, its deposit counted apart.
TEST(PresetDrift, PartialLiquidationCoversTheMarginShortage) {
  PresetVenue v(drift_config(perp(70'000), LiquidationMode::kTakeover, 20'000, true));
  v.open(kBackstop, 1'000'000 * kUsdc);
  v.open(kOther, 1'000'000 * kUsdc);
  v.open(kTrader, 5 * kUsdc);
  const std::int64_t fund = v.insurance();
  v.trade(kTrader, kOther, 10'000, 200);  // long 2 base at 100: below maintenance (5 < 10)
  EXPECT_EQ(v.qty(kTrader), 20);          // 0.2 base left
  EXPECT_EQ(v.qty(kBackstop), 180);       // 1.8 base liquidated
  EXPECT_EQ(v.insurance() - fund, 3'600'000);
  EXPECT_EQ(v.balance(kTrader), 1'400'000);
  EXPECT_EQ(v.e.positions(v.slot(kTrader))[0].cost, 20 * kUsdc);
  // Total collateral 1.40 on a notional of 20: 700 basis points, the requirement plus buffer.
  EXPECT_EQ(v.equity(kTrader), v.initial(kTrader));
  EXPECT_EQ(v.equity(kTrader) * 10'000 / (20 * kUsdc), 700);
  EXPECT_FALSE(v.liquidatable(kTrader));
}

// math/liquidation/tests.rs, mod calculate_base_asset_amount_to_cover_margin_shortage: a shortage
// of $10 against a margin ratio of 10 % at an oracle of $100:
//   zero_percent_liquidation_fee: BASE_PRECISION_U64, "must lose 1 base"
//   one_percent_liquidation_fee: BASE_PRECISION_U64 * 10 / 9 = 1111111111
//   one_percent_liquidation_fee_and_one_percent_if_liquidation_fee: 1250000000
// i.e. shortage / (oracle x (ratio - fees)). Here: long 1.5 base with 5 USDC of equity (the
// requirement at 10 % is 15: a shortage of 10; maintenance 5 % flags it), lot 1e-9 base
// (BASE_PRECISION) and tick 0.01, so Money is 1e-11 USDC (multiplier 1). The 1 % case is
// 1,111,111,111.1 base units: Drift's function rounds it down (its controller then rounds up to the
// order step), the engine moves the fewest lots that cover the shortage, i.e. rounds up:
// 1,111,111,112.
TEST(PresetDrift, BaseToCoverMarginShortage) {
  constexpr std::int64_t kMoneyPerUsdc = 100'000'000'000;
  struct Case {
    std::int64_t fee_rate, lots;
  };
  for (const Case c :
       {Case{0, 1'000'000'000}, Case{10'000, 1'111'111'112}, Case{20'000, 1'250'000'000}}) {
    InstrumentSpec s = venue_instrument("PERP", ContractKind::kLinearPerpetual, 1, 10'000,
                                        10'000'000, 100'000'000'000, {{Money{0}, 100'000, 50'000}});
    PresetVenue v(drift_config(s, LiquidationMode::kTakeover, c.fee_rate, true));
    v.open(kBackstop, 1'000'000 * kMoneyPerUsdc);
    v.open(kOther, 1'000'000 * kMoneyPerUsdc);
    v.open(kTrader, 5 * kMoneyPerUsdc);
    v.trade(kTrader, kOther, 10'000, 1'500'000'000);  // 1.5 base at 100
    EXPECT_EQ(v.qty(kBackstop), c.lots) << c.fee_rate;
    EXPECT_EQ(v.qty(kTrader), 1'500'000'000 - c.lots) << c.fee_rate;
  }
}

// controller/liquidation/tests.rs, mod liquidate_perp, successful_liquidation_long_perp: the user
// is long 1 base with quote -150 (entry $150) and no deposit; the oracle is $100 and the
// liquidator takes the base at oracle less its 1 % fee. Expected: "user base 0", "user quote -51 *
// QUOTE_PRECISION_I64", liquidator quote -99, "total_liquidation_fee 0" (no insurance-fund fee on
// an account this far under). Here the trader deposits 10 and buys at 160 (the same -150 of
// quote), the oracle falls to 100, and the liquidator's fill at 99 answers the liquidation order:
// the 51 left owing falls to the insurance fund and no fee is charged.
TEST(PresetDrift, UnderwaterLongLiquidatedAtTheLiquidatorsPrice) {
  PresetVenue v(drift_config(perp(100'000), LiquidationMode::kOrder, 10'000, false));
  v.ok(make_fund_deposit(FundKind::kInsurance, 0, Money{1'000 * kUsdc}));
  v.open(kBackstop, 1'000'000 * kUsdc);
  v.open(kOther, 1'000'000 * kUsdc);
  v.open(kTrader, 10 * kUsdc);
  v.mark(16'000);
  v.trade(kTrader, kOther, 16'000, 100);  // 1 base at 160
  ASSERT_FALSE(v.liquidatable(kTrader));
  v.mark(10'000);
  EXPECT_EQ(v.equity(kTrader), -50 * kUsdc);
  ASSERT_TRUE(v.liquidatable(kTrader));
  const std::int64_t fund = v.insurance();
  v.ok(make_liquidation_fill(0, Side::kSell, kTrader, kOther, Price{9'900}, Qty{100}));
  EXPECT_EQ(v.qty(kTrader), 0);
  EXPECT_EQ(fund - v.insurance(), 51 * kUsdc);
  EXPECT_EQ(v.sum(WaterfallKind::kLiquidationFee), 0);
  EXPECT_EQ(v.balance(kTrader), 0);
}

// liquidations/index.mdx: "You deposit 500 USDC and you long 200 SOL-PERP at $25 ... Margin
// requirement = 5000 * .05 = 250 ... You are liquidated if the price of SOL decreases by 5.28% to
// $23.6825 ... Perp PnL = 200 * $25 * -0.0527 = -263.5 ... New total collateral = 236.5 ... New
// margin requirement = 23.6825 * 200 * .05 = 236.825". The page's two figures at $23.6825 are
// exact (collateral 236.5 is below the requirement 236.825: liquidatable) and the engine gives
// them; the page's threshold is not the crossing, though: its text says 3 % (the arithmetic uses
// 5 %) and 5.28 % (the arithmetic uses 5.27 %), and the exact crossing, 500 + 200 (p - 25) =
// 0.05 x 200 x p, is p = 450 / 19 = 23.684210..., a drop of 5.263 %. The engine's liquidation price
// is that crossing rounded up to the tick (0.0001): 23.6843. SOL: tick 0.0001 USDC, lot 0.01 SOL
// (multiplier 1); the initial rate (10 %) is not in the example.
TEST(PresetDrift, SolPerpLiquidationExample) {
  InstrumentSpec sol = venue_instrument("SOL-PERP", ContractKind::kLinearPerpetual, 1, 250'000,
                                        100'000'000, 100'000'000, {{Money{0}, 100'000, 50'000}});
  PresetVenue v(preset_config(presets::drift(), {sol}));
  v.open(kTrader, 500 * kUsdc);
  v.open(kOther, 1'000'000 * kUsdc);
  v.trade(kTrader, kOther, 250'000, 20'000);  // 200 SOL at 25.0000
  EXPECT_EQ(v.maintenance(kTrader), 250 * kUsdc);
  v.mark(236'825);  // 23.6825
  EXPECT_EQ(v.equity(kTrader), 236'500'000);
  EXPECT_EQ(v.maintenance(kTrader), 236'825'000);
  EXPECT_TRUE(v.liquidatable(kTrader));
  EXPECT_EQ(v.liquidation(kTrader), 236'843);  // 23.6843
  v.mark(236'843);
  EXPECT_FALSE(v.liquidatable(kTrader));
  v.mark(236'842);
  EXPECT_TRUE(v.liquidatable(kTrader));
}

}  // namespace
}  // namespace backstop::test
