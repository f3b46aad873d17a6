// BitMEX's own worked examples, reproduced through the public API under presets::bitmex() (margin
// on the entry value, the whole position at its risk-limit step's rate, no fee in the prices, the
// surplus to the insurance fund).
//
// Units: XBTUSD is inverse, 1 USD contracts, tick 0.5 USD, Money 1 satoshi (multiplier 2e8, as
// preset_bybit_test.cpp's BTCUSD); the linear examples use tick 0.01 USDT, one contract per lot
// worth one unit of the underlying, Money 1e-6 USDT (multiplier 10,000).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "preset_scene.hpp"

namespace backstop::test {
namespace {

constexpr std::int64_t kXbt = 100'000'000;  // Money (satoshi) per XBT
constexpr std::int64_t kUsdt = 1'000'000;   // Money per USDT (linear)
constexpr std::uint64_t kTrader = 2;
constexpr std::uint64_t kOther = 3;

// XBTUSD with a risk-limit table: caps in XBT, rates in millionths.
InstrumentSpec xbtusd(std::vector<MarginBracket> steps) {
  return venue_instrument("XBTUSD", ContractKind::kInversePerpetual, 200'000'000, 20'000,
                          10'000'000, 1'000'000'000, std::move(steps));
}

// "XBTUSD Risk Limit Calculation and Trade Example", https://bitmex.com/app/riskLimitsExamples: "A
// trader has a XBTUSD position worth 180 XBT. The current maintenance margin requirement is 0.50%
// (0.90 XBT) ... new order of 50 XBT ... increase his position to 230 XBT ... 1 step above the Base
// Risk Limit of 200 XBT ... increases their maintenance and initial margin to the next step
// (<350XBT) to 1.00% and 1.50%", with the table <200 XBT 0.50 %/1.00 %, <350 1.00 %/1.50 %, <500
// 1.50 %/2.00 %, <650 2.00 %/2.50 %. The whole 230 XBT moves to the new rates: 2.30 XBT maintenance
// and 3.45 XBT initial (a Binance-style bracket would charge 1.30 XBT maintenance). At 10,000 USD
// a contract is worth 1/10,000 XBT: 1,800,000 contracts are 180 XBT. (The table's "<" excludes the
// cap, the engine's bracket includes it; no value here sits on a cap.)
TEST(PresetBitmex, RiskLimitStepWholePosition) {
  PresetVenue v(preset_config(presets::bitmex(), {xbtusd({{Money{200 * kXbt}, 10'000, 5'000},
                                                          {Money{350 * kXbt}, 15'000, 10'000},
                                                          {Money{500 * kXbt}, 20'000, 15'000},
                                                          {Money{650 * kXbt}, 25'000, 20'000}})}));
  v.open(kTrader, 1'000 * kXbt);
  v.open(kOther, 1'000 * kXbt);
  v.trade(kTrader, kOther, 20'000, 1'800'000);          // 180 XBT at 10,000
  EXPECT_EQ(v.maintenance(kTrader), 90 * kXbt / 100);   // 0.90 XBT
  v.trade(kTrader, kOther, 20'000, 500'000);            // + 50 XBT: 230 XBT
  EXPECT_EQ(v.maintenance(kTrader), 230 * kXbt / 100);  // 1.00 % of 230 XBT
  EXPECT_EQ(v.initial(kTrader), 345 * kXbt / 100);      // 1.50 % of 230 XBT
}

// The same page, an older copy (https://www.bitmex.com/app/riskLimitsExamples): "position worth 80
// XBT. The current maintenance margin requirement is 0.5% (0.4 XBT) ... increase his position to
// 130 XBT ... 1 step above the Base Risk Limit of 100 XBT ... to 1% and 2.50%", table <100 0.50 %/
// 2.00 %, <150 1.00 %/2.50 %, <200 1.50 %/3.00 %, <250 2.00 %/3.50 %.
TEST(PresetBitmex, RiskLimitStepOlderTable) {
  PresetVenue v(preset_config(presets::bitmex(), {xbtusd({{Money{100 * kXbt}, 20'000, 5'000},
                                                          {Money{150 * kXbt}, 25'000, 10'000},
                                                          {Money{200 * kXbt}, 30'000, 15'000},
                                                          {Money{250 * kXbt}, 35'000, 20'000}})}));
  v.open(kTrader, 1'000 * kXbt);
  v.open(kOther, 1'000 * kXbt);
  v.trade(kTrader, kOther, 20'000, 800'000);               // 80 XBT at 10,000
  EXPECT_EQ(v.maintenance(kTrader), 40 * kXbt / 100);      // 0.4 XBT
  v.trade(kTrader, kOther, 20'000, 500'000);               // 130 XBT
  EXPECT_EQ(v.maintenance(kTrader), 130 * kXbt / 100);     // 1 % of 130 XBT
  EXPECT_EQ(v.initial(kTrader), 130 * 25 * kXbt / 1'000);  // 2.50 % of 130 XBT
}

// A linear contract of one unit per lot, tick 0.01 USDT, one step: initial `im`, maintenance `mm`.
InstrumentSpec linear(const char* symbol, std::int64_t mark, std::int64_t im, std::int64_t mm) {
  return venue_instrument(symbol, ContractKind::kLinearPerpetual, 10'000, mark, 100'000'000,
                          1'000'000, {{Money{0}, im, mm}});
}

// "Isolated and Cross Margin Examples", https://www.bitmex.com/app/isolatedMarginExamples: "Karen's
// BitMEX account wallet has 10,000 USDT. She buys 20 contracts of ETHUSDT at the price of $1,000 at
// 50x Cross Margin. The required initial margin is 2% = 400 USDT, and the maintenance margin is 1%
// = 200 USDT ... Her liquidation and bankruptcy prices are 510 and 500, respectively. Her available
// balance is now USDT 9,600." 510 is exact only with the maintenance margin fixed at its entry
// value (10,000 + 20 (p - 1,000) = 200); on the mark value it would be 505.05.
TEST(PresetBitmex, LinearCrossLiquidationAndBankruptcy) {
  PresetVenue v(preset_config(presets::bitmex(), {linear("ETHUSDT", 100'000, 20'000, 10'000)}));
  v.open(kTrader, 10'000 * kUsdt);
  v.open(kOther, 1'000'000 * kUsdt);
  v.trade(kTrader, kOther, 100'000, 20);  // 20 contracts at 1,000.00
  EXPECT_EQ(v.initial(kTrader), 400 * kUsdt);
  EXPECT_EQ(v.maintenance(kTrader), 200 * kUsdt);
  EXPECT_EQ(v.equity(kTrader) - v.initial(kTrader), 9'600 * kUsdt);  // available balance
  EXPECT_EQ(v.liquidation(kTrader), 51'000);                         // 510.00
  EXPECT_EQ(v.bankruptcy(kTrader), 50'000);                          // 500.00
}

// "Liquidation Example", https://testnet.bitmex.com/app/liquidationExamples: "A trader goes long 1
// contract at $100.00, with a liquidation price of $99.50 and a bankruptcy price of $99.00. The
// trader is liquidated and the trading engine places a limit sell order with a limit price [at the
// bankruptcy price]" (the prices imply 1 % initial and 0.5 % maintenance and are exact for a linear
// contract; the margin posted is the initial margin, 1.00). The page's continuation is cut off;
// https://www.bitmex.com/app/liquidation states the rule for what follows: "If BitMEX is able to
// liquidate the position at better than the bankruptcy price, the additional funds will be added
// to the Insurance Fund" - so a fill at 99.49 (a tick past the liquidation price; our choice, the
// page's fill is not in the excerpt) sends 0.49 to the fund and leaves the trader nothing.
TEST(PresetBitmex, LiquidationOrderAtBankruptcyAndSurplusToInsurance) {
  PresetVenue v(preset_config(presets::bitmex(), {linear("TEST", 10'000, 10'000, 5'000)},
                              LiquidationMode::kOrder));
  v.open(kBackstop, 1'000'000 * kUsdt);
  v.open(kTrader, 1 * kUsdt);
  v.open(kOther, 1'000'000 * kUsdt);
  v.trade(kTrader, kOther, 10'000, 1);       // 1 contract at 100.00
  EXPECT_EQ(v.liquidation(kTrader), 9'950);  // 99.50
  EXPECT_EQ(v.bankruptcy(kTrader), 9'900);   // 99.00
  v.mark(9'950);
  EXPECT_FALSE(v.liquidatable(kTrader));
  v.mark(9'949);
  ASSERT_TRUE(v.liquidatable(kTrader));
  EXPECT_EQ(v.order_limit(kTrader), 9'900);  // the limit sell at the bankruptcy price
  const std::int64_t fund = v.insurance();
  v.ok(make_liquidation_fill(0, Side::kSell, kTrader, kOther, Price{9'949}, Qty{1}));
  EXPECT_EQ(v.insurance() - fund, 490'000);  // 0.49 USDT
  EXPECT_EQ(v.balance(kTrader), 0);
  EXPECT_EQ(v.qty(kTrader), 0);
}

}  // namespace
}  // namespace backstop::test
