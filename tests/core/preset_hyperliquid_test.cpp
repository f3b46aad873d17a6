// Hyperliquid's published numbers, reproduced through the public API under presets::hyperliquid()
// (margin on the mark value, tiers with the maintenance deduction, the trader keeps what an
// order-book liquidation leaves).
//
// Hyperliquid publishes formulas and parameter-level numbers but no end-to-end worked liquidation
// example (inputs to a published result), and its clearinghouse has no public test suite. What is
// published and checked here: the maintenance rate at a given maximum leverage, the tier rate and
// its deduction formula, and the liquidation-price formula; where a figure below is derived from a
// published formula rather than printed by Hyperliquid, the comment says so.
//
// Sources: https://hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations ("Liquidations"),
// .../trading/margin-tiers ("Margin tiers"), and the official liquidation-price code,
// hyperliquid-dex/ts-examples @ 1ba2704bead1f23c8790e1dd8ad5205af6d8f43e,
// examples/LiquidationPx.tsx.
//
// Units: tick 1 USDC, lot 0.00001 BTC (BTC's 5 size decimals), Money 1e-6 USDC: multiplier 10; the
// liquidation-price examples use tick 0.001 USDC and one unit per lot (multiplier 1,000).
#include <gtest/gtest.h>

#include <cstdint>

#include "preset_scene.hpp"

namespace backstop::test {
namespace {

constexpr std::int64_t kUsdc = 1'000'000;
constexpr std::int64_t kBtc = 100'000;  // lots
constexpr std::uint64_t kTrader = 2;
constexpr std::uint64_t kOther = 3;

// `lots` of BTC bought at `entry` (whole USDC) by a well-funded trader.
void btc_long(PresetVenue& v, std::int64_t entry, std::int64_t lots) {
  v.open(kTrader, 1'000'000'000 * kUsdc);
  v.open(kOther, 1'000'000'000 * kUsdc);
  v.mark(entry);
  v.trade(kTrader, kOther, entry, lots);
}

// "Liquidations": "the maintenance margin is half of the initial margin at max leverage ... between
// 1% (for 50x max leverage assets) and 16.7% (for 3x max leverage assets)"; an older copy: "from
// 1.25% (40x leverage) to 16.7% (3x leverage)". So 1 / (2 x 50) = 1 % and 1 / (2 x 40) = 1.25 %
// of the notional at the mark: 1,000,000 USDC of BTC needs 10,000 and 12,500, wherever it was
// opened. 3x gives 1/6, printed rounded as 16.7 %: a rate in millionths cannot hold 1/6 exactly,
// so an embedder sets 166,667 (rounded up, in the venue's favour), which charges at most a
// millionth of the notional (here 0.20 USDC on 600,000) above the exact sixth.
TEST(PresetHyperliquid, MaintenanceRateFromMaxLeverage) {
  struct Case {
    std::int64_t initial_rate, maintenance_rate, expected;
  };
  for (const Case c :
       {Case{20'000, 10'000, 10'000 * kUsdc}, Case{25'000, 12'500, 12'500 * kUsdc}}) {
    PresetVenue v(preset_config(
        presets::hyperliquid(),
        {venue_instrument("BTC", ContractKind::kLinearPerpetual, 10, 100'000, 10'000'000,
                          1'000'000'000, {{Money{0}, c.initial_rate, c.maintenance_rate}})}));
    btc_long(v, 80'000, 10 * kBtc);  // 10 BTC at 80,000
    v.mark(100'000);                 // 1,000,000 USDC at the mark
    EXPECT_EQ(v.maintenance(kTrader), c.expected) << c.maintenance_rate;
  }
  PresetVenue three_x(
      preset_config(presets::hyperliquid(),
                    {venue_instrument("BTC", ContractKind::kLinearPerpetual, 10, 100'000,
                                      10'000'000, 1'000'000'000, {{Money{0}, 333'334, 166'667}})}));
  btc_long(three_x, 60'000, 10 * kBtc);  // 600,000 USDC
  EXPECT_EQ(three_x.maintenance(kTrader) - 100'000 * kUsdc, kUsdc / 5);
}

// "Margin tiers": "maintenance_margin = notional_position_value * maintenance_margin_rate -
// maintenance_deduction", "maintenance_margin_rate(tier = n) = (Initial Margin Rate at Maximum
// leverage at tier n) / 2. For example, at 20x max leverage, maintenance_margin_rate = 2.5%",
// "maintenance_deduction(n) = maintenance_deduction(n-1) + notional_position_lower_bound(n) *
// (maintenance_margin_rate(n) - maintenance_margin_rate(n-1))", with BTC's mainnet table 0-150M
// USDC at 40x, above at 20x. Derived from those (not printed): the deduction of BTC's second tier
// is 150,000,000 x (2.5 % - 1.25 %) = 1,875,000, so a position worth 200M USDC at the mark needs
// 200M x 2.5 % - 1,875,000 = 3,125,000, and one worth 150M needs 1,875,000 from either tier. The
// tier is chosen by the value at the mark: 2,000 BTC opened at 70,000 (140M) move to tier 2 at
// 100,000.
TEST(PresetHyperliquid, TierDeduction) {
  PresetVenue v(preset_config(
      presets::hyperliquid(),
      {venue_instrument(
          "BTC", ContractKind::kLinearPerpetual, 10, 70'000, 10'000'000, 1'000'000'000,
          {{Money{150'000'000 * kUsdc}, 25'000, 12'500}, {Money{0}, 50'000, 25'000}})}));
  btc_long(v, 70'000, 2'000 * kBtc);
  EXPECT_EQ(v.maintenance(kTrader), 140'000'000 / 80 * kUsdc);  // 1.25 % of 140M
  v.mark(75'000);                                               // 150M
  EXPECT_EQ(v.maintenance(kTrader), 1'875'000 * kUsdc);
  v.mark(100'000);  // 200M
  EXPECT_EQ(v.maintenance(kTrader), (200'000'000 / 40 - 1'875'000) * kUsdc);
}

// "Liquidations": "liq_price = price - side * margin_available / position_size / (1 - l * side)
// where l = 1 / MAINTENANCE_LEVERAGE ... margin_available (isolated) = isolated_margin -
// maintenance_margin_required", i.e. the mark at which equity equals the maintenance margin at that
// mark (the same in LiquidationPx.tsx, maxToMaintenanceLeverage = 2 x maxLeverage). No numeric
// example is published; derived: 10 units at 100 with 10x isolated margin (100 USDC) on an asset of
// max leverage 20 (l = 1/40) give 100 - 75 / 10 / 0.975 = 1,200 / 13 = 92.3077 for a long and
// 100 + 75 / 10 / 1.025 = 4,400 / 41 = 107.3171 for a short; the engine rounds a long's up and a
// short's down to the tick (0.001).
InstrumentSpec unit_asset() {
  return venue_instrument("ASSET", ContractKind::kLinearPerpetual, 1'000, 100'000, 10'000'000,
                          1'000'000, {{Money{0}, 50'000, 25'000}});
}

void isolated_ten(PresetVenue& v, bool is_long) {
  v.ok(make_open_account(kTrader, 0, MarginMode::kIsolated));
  v.ok(make_deposit(kTrader, Money{100 * kUsdc}));
  v.open(kOther, 1'000'000 * kUsdc);
  if (is_long) {
    v.trade(kTrader, kOther, 100'000, 10);
  } else {
    v.trade(kOther, kTrader, 100'000, 10);
  }
}

TEST(PresetHyperliquid, LiquidationPriceFormula) {
  PresetVenue long_side(preset_config(presets::hyperliquid(), {unit_asset()}));
  isolated_ten(long_side, true);
  EXPECT_EQ(long_side.liquidation(kTrader), 92'308);  // 92.308
  PresetVenue short_side(preset_config(presets::hyperliquid(), {unit_asset()}));
  isolated_ten(short_side, false);
  EXPECT_EQ(short_side.liquidation(kTrader), 107'317);  // 107.317
}

// "Liquidations" and the partial-liquidation announcement (hyperliquid_announcements, post 307):
// "Unlike CEXs there is no clearance fee on liquidations" and, for a liquidation through the book,
// "any remaining collateral remains with the trader". The long above, sold through the book at
// 92.30 (our choice of fill, below its liquidation price), keeps 100 + 10 x (92.30 - 100) = 23
// USDC; nothing goes to the insurance fund (liquidation fee 0).
TEST(PresetHyperliquid, TraderKeepsWhatTheBookLiquidationLeaves) {
  PresetVenue v(preset_config(presets::hyperliquid(), {unit_asset()}, LiquidationMode::kOrder));
  v.open(kBackstop, 1'000'000 * kUsdc);
  isolated_ten(v, true);
  v.mark(92'307);
  ASSERT_TRUE(v.liquidatable(kTrader));
  const std::int64_t fund = v.insurance();
  v.ok(make_liquidation_fill(0, Side::kSell, kTrader, kOther, Price{92'300}, Qty{10}));
  EXPECT_EQ(v.qty(kTrader), 0);
  EXPECT_EQ(v.balance(kTrader), 23 * kUsdc);
  EXPECT_EQ(v.insurance(), fund);
}

}  // namespace
}  // namespace backstop::test
