// Slippage curves from a book-depth snapshot (depth_slippage.hpp, docs/coverage.md): band k's
// depth is spread evenly over its 1 % of price, so closing through it costs (k - 1/2) % of what it
// holds; an empty band adds no point; an empty side gives no curve; costs round up.
#include "replay/depth_slippage.hpp"

#include <gtest/gtest.h>

namespace backstop::replay {
namespace {

MappedInstrument mapped(ContractKind kind, std::int64_t multiplier, std::uint8_t asset,
                        std::int64_t contract_usd = 0) {
  MappedInstrument m;
  m.spec.symbol = kind == ContractKind::kInversePerpetual ? "BTCUSD_PERP" : "BTCUSDT";
  m.spec.kind = kind;
  m.spec.settlement_asset = asset;
  m.spec.multiplier = multiplier;
  m.spec.min_price = Price{1};
  m.spec.max_price = Price{1'000'000'000};
  m.spec.max_position = Qty{1'000'000'000};
  m.spec.brackets = {{Money{0}, 10'000, 5'000}};
  m.contract_usd = contract_usd;
  return m;
}

std::int64_t cost(const std::optional<sizing::SlippageCurve>& c, std::int64_t notional) {
  return static_cast<std::int64_t>(c->cost(notional));
}

// A linear lot worth 1 USD at mark 100 (100 ticks x 10,000 money of 1e-6 USD). Bids: 1,000 USD
// within 1 %, 3,000 within 2 %, none more within 3 %, 6,000 within 4 %, 10,000 within 5 %.
// Closing all 1,000 USD of band 1 costs 0.5 % = 5 USD; band 2 adds 2,000 x 1.5 % = 30 (35 in all);
// band 3 adds no point; band 4 adds 3,000 x 3.5 % = 105 (140); band 5 4,000 x 4.5 % = 180 (320).
TEST(DepthSlippage, EachBandCostsItsMeanOffsetAndEmptyBandsAddNoPoint) {
  const MappedInstrument m = mapped(ContractKind::kLinearPerpetual, 10'000, kUsdAsset);
  const InstrumentRisk risk = make_instrument_risk(m.spec);
  DepthSnapshot d;
  d.bid_notional = {1'000, 3'000, 3'000, 6'000, 10'000};
  const DepthSlippage s = depth_slippage(d, m, risk, 100);
  ASSERT_TRUE(s.sell.has_value());
  EXPECT_FALSE(s.buy.has_value());  // no asks in the snapshot
  constexpr std::int64_t kUsd = 1'000'000;
  EXPECT_EQ(cost(s.sell, 1'000 * kUsd), 5 * kUsd);
  EXPECT_EQ(cost(s.sell, 500 * kUsd), 2'500'000);  // half of band 1
  EXPECT_EQ(cost(s.sell, 3'000 * kUsd), 35 * kUsd);
  EXPECT_EQ(cost(s.sell, 6'000 * kUsd), 140 * kUsd);
  EXPECT_EQ(cost(s.sell, 10'000 * kUsd), 320 * kUsd);
  // Beyond the fifth band at its marginal 4.5 %.
  EXPECT_EQ(cost(s.sell, 12'000 * kUsd), 410 * kUsd);
}

// A lot worth 1e-4 USD (100 money at mark 100, multiplier 1): 0.0333 USD is 333 lots, 33,300
// money, whose 0.5 % is 166.5, rounded up to 167.
TEST(DepthSlippage, CostsRoundUp) {
  const MappedInstrument m = mapped(ContractKind::kLinearPerpetual, 1, kUsdAsset);
  const InstrumentRisk risk = make_instrument_risk(m.spec);
  DepthSnapshot d;
  d.ask_notional = {0.0333, 0.0333, 0.0333, 0.0333, 0.0333};
  const DepthSlippage s = depth_slippage(d, m, risk, 100);
  ASSERT_TRUE(s.buy.has_value());
  EXPECT_EQ(cost(s.buy, 33'300), 167);
}

// Inverse, 100 USD contracts, tick 0.1 USD, 1e11 sat x lots / ticks: at 100,000 USD (1,000,000
// ticks) 10,000 USD of bids is 100 lots, 0.1 BTC = 10,000,000 sat; its 0.5 % is 50,000 sat.
TEST(DepthSlippage, InverseDepthIsValuedInTheCoin) {
  const MappedInstrument m =
      mapped(ContractKind::kInversePerpetual, 100'000'000'000, kBtcAsset, 100);
  const InstrumentRisk risk = make_instrument_risk(m.spec);
  DepthSnapshot d;
  d.bid_notional = {10'000, 10'000, 10'000, 10'000, 10'000};
  d.ask_notional = {10'000, 10'000, 10'000, 10'000, 10'000};
  const DepthSlippage s = depth_slippage(d, m, risk, 1'000'000);
  ASSERT_TRUE(s.sell.has_value());
  ASSERT_TRUE(s.buy.has_value());
  EXPECT_EQ(cost(s.sell, 10'000'000), 50'000);
  EXPECT_EQ(cost(s.buy, 10'000'000), 50'000);
}

}  // namespace
}  // namespace backstop::replay
