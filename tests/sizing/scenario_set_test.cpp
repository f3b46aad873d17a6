#include "sizing/scenario_set.hpp"

#include <gtest/gtest.h>

#include "feed_builders.hpp"

namespace backstop::sizing {
namespace {

using testing::simple_spec;

std::vector<InstrumentSpec> three_instruments() {
  return {simple_spec("BTCUSDT", ContractKind::kLinearPerpetual, 1, 100),
          simple_spec("ETHUSDT", ContractKind::kLinearPerpetual, 1, 10),
          simple_spec("XBTUSD", ContractKind::kInversePerpetual, 1'000'000, 100)};
}

TEST(ScenarioSet, BaseAssetOfCommonSymbols) {
  EXPECT_EQ(base_asset_of("BTCUSDT"), "BTC");
  EXPECT_EQ(base_asset_of("BTCUSD_PERP"), "BTC");
  EXPECT_EQ(base_asset_of("XBTUSD"), "BTC");
  EXPECT_EQ(base_asset_of("ETH-PERP"), "ETH");
  EXPECT_EQ(base_asset_of("SOLUSDC"), "SOL");
  EXPECT_EQ(base_asset_of("USDT"), "USDT");  // nothing left to strip a quote from
}

TEST(ScenarioSet, InstrumentsOfOneUnderlyingShareItsShock) {
  const auto specs = three_instruments();
  const UnderlyingMap map = underlyings_by_base_asset(specs);
  ASSERT_EQ(map.names, (std::vector<std::string>{"BTC", "ETH"}));
  EXPECT_EQ(map.of_instrument, (std::vector<std::uint32_t>{0, 1, 0}));
  ScenarioSet set(map);
  ASSERT_EQ(set.add("btc down", std::vector<double>{-0.2, 0.0}), "");
  EXPECT_EQ(std::vector<double>(set.shocks(0).begin(), set.shocks(0).end()),
            (std::vector<double>{-0.2, 0.0, -0.2}));
  EXPECT_NE(set.add("wrong size", std::vector<double>{-0.2}), "");
  EXPECT_NE(set.add("no price left", std::vector<double>{-1.0, 0.0}), "");
  EXPECT_EQ(set.size(), 1u);
}

// Default grid: ±5 % … ±50 % in 10 steps; per fraction one joint scenario and one per underlying.
TEST(ScenarioSet, DefaultGridIsFivePercentStepsToFiftyBothWays) {
  ScenarioSet set(underlyings_by_base_asset(three_instruments()));
  ASSERT_EQ(set.add_grid(GridOptions{}), "");
  ASSERT_EQ(set.size(), 10u * 2u * 3u);
  EXPECT_EQ(set.name(0), "grid all -5%");
  EXPECT_DOUBLE_EQ(set.shocks(0)[1], -0.05);
  EXPECT_EQ(set.name(1), "grid BTC -5%");
  EXPECT_DOUBLE_EQ(set.shocks(1)[0], -0.05);
  EXPECT_DOUBLE_EQ(set.shocks(1)[1], 0.0);
  EXPECT_DOUBLE_EQ(set.shocks(1)[2], -0.05);
  EXPECT_EQ(set.name(3), "grid all +5%");
  EXPECT_EQ(set.name(set.size() - 1), "grid ETH +50%");
  EXPECT_DOUBLE_EQ(set.shocks(set.size() - 1)[1], 0.50);
  EXPECT_NE(set.add_grid(GridOptions{0.0, 10, true, true}), "");
  EXPECT_NE(set.add_grid(GridOptions{1.0, 10, true, true}), "");
  EXPECT_NE(set.add_grid(GridOptions{0.5, 0, true, true}), "");
}

TEST(ScenarioSet, GridStepsAreConfigurable) {
  ScenarioSet set(underlyings_by_base_asset(three_instruments()));
  ASSERT_EQ(set.add_grid(GridOptions{0.30, 3, true, false}), "");
  ASSERT_EQ(set.size(), 6u);
  EXPECT_EQ(set.name(4), "grid all -30%");
  EXPECT_DOUBLE_EQ(set.shocks(4)[0], -0.30);
}

// Joint series: BTCUSDT, ETHUSDT, XBTUSD at four times. BTC's worst fall is t=2, its best rise t=1;
// ETH's worst fall is also t=2 (already taken: one scenario), its best rise t=3.
TEST(ScenarioSet, WorstHistoricalMovesKeepTheJointMove) {
  ScenarioSet set(underlyings_by_base_asset(three_instruments()));
  const std::vector<double> btc{0.01, 0.08, -0.20, 0.02};
  const std::vector<double> eth{0.00, 0.05, -0.30, 0.09};
  const std::vector<double> xbt{0.01, 0.07, -0.21, 0.02};
  const std::vector<std::span<const double>> series{btc, eth, xbt};
  ASSERT_EQ(set.add_historical(series, HistoricalOptions{}), "");
  ASSERT_EQ(set.size(), 3u);
  EXPECT_EQ(set.name(0), "historical BTC fall #1 (t=2)");
  EXPECT_EQ(std::vector<double>(set.shocks(0).begin(), set.shocks(0).end()),
            (std::vector<double>{-0.20, -0.30, -0.21}));
  EXPECT_EQ(set.name(1), "historical BTC rise #1 (t=1)");
  EXPECT_EQ(set.name(2), "historical ETH rise #1 (t=3)");
  EXPECT_DOUBLE_EQ(set.shocks(2)[1], 0.09);

  const std::vector<double> short_series{0.0};
  const std::vector<double> bad{0.0, 0.0, -1.0, 0.0};
  EXPECT_NE(set.add_historical(std::vector<std::span<const double>>{btc, eth}, {}), "");
  EXPECT_NE(set.add_historical(std::vector<std::span<const double>>{btc, short_series, xbt}, {}),
            "");
  EXPECT_NE(set.add_historical(std::vector<std::span<const double>>{btc, bad, xbt}, {}), "");
  EXPECT_EQ(set.size(), 3u);
}

TEST(ScenarioSet, NamedScenariosFromToml) {
  const auto specs = three_instruments();
  ScenarioSet set(underlyings_by_base_asset(specs));
  const char* text = R"(
[[scenario]]
name = "2025-10-10 at 2x"
shock = { BTC = -0.30, ETH = -0.40 }

[[scenario]]
name = "inverse book only"
shock = { BTC = -0.10, XBTUSD = -0.25 }
)";
  ASSERT_EQ(set.add_toml(text, "stress.toml", specs), "");
  ASSERT_EQ(set.size(), 2u);
  EXPECT_EQ(set.name(0), "2025-10-10 at 2x");
  EXPECT_EQ(std::vector<double>(set.shocks(0).begin(), set.shocks(0).end()),
            (std::vector<double>{-0.30, -0.40, -0.30}));
  // An instrument's own key overrides its underlying's; instruments not named do not move.
  EXPECT_EQ(std::vector<double>(set.shocks(1).begin(), set.shocks(1).end()),
            (std::vector<double>{-0.10, 0.0, -0.25}));
}

std::string toml_error(const char* text) {
  const auto specs = three_instruments();
  ScenarioSet set(underlyings_by_base_asset(specs));
  std::string e = set.add_toml(text, "stress.toml", specs);
  EXPECT_EQ(set.size(), 0u) << "nothing is added from an invalid file";
  return e;
}

TEST(ScenarioSet, TomlErrorsNameTheFileAndLine) {
  EXPECT_EQ(toml_error("[[scenario]]\nname = \"a\"\nshock = { DOGE = -0.3 }\n"),
            "stress.toml:3: scenario[0].shock.DOGE: no such underlying or instrument");
  EXPECT_EQ(toml_error("[[scenario]]\nname = \"a\"\nshock = { BTC = -1.5 }\n"),
            "stress.toml:3: scenario[0].shock.BTC: must be a fraction above -1");
  EXPECT_EQ(toml_error("[[scenario]]\nname = \"a\"\nshock = { BTC = \"down\" }\n"),
            "stress.toml:3: scenario[0].shock.BTC: must be a number");
  EXPECT_EQ(toml_error("[[scenario]]\nshock = { BTC = -0.1 }\n"),
            "stress.toml:1: scenario[0].name: missing");
  EXPECT_EQ(toml_error("[[scenario]]\nname = \"a\"\nshock = { BTC = -0.1 }\n\n"
                       "[[scenario]]\nname = \"a\"\nshock = { ETH = -0.1 }\n"),
            "stress.toml:6: scenario[1].name: \"a\" is already a scenario");
  EXPECT_EQ(toml_error("[[scenario]]\nname = \"a\"\nshock = {}\n"),
            "stress.toml:3: scenario[0].shock: must be a non-empty table { BTC = -0.30 }");
  EXPECT_EQ(toml_error("[[scenario]]\nname = \"a\"\nshok = { BTC = -0.1 }\n"),
            "stress.toml:3: scenario[0].shok: unknown key (expected name, shock)");
  EXPECT_EQ(toml_error("[scenarios]\n"),
            "stress.toml:1: scenarios: unknown key (expected [[scenario]])");
  const std::string syntax = toml_error("[[scenario]]\nname = \n");
  EXPECT_EQ(syntax.rfind("stress.toml:2:", 0), 0u) << syntax;
}

}  // namespace
}  // namespace backstop::sizing
