#include "pipeline/config_file.hpp"

#include "backstop/venue_presets.hpp"

#include <gtest/gtest.h>

#include <string>

namespace backstop::pipeline {
namespace {

const std::string kValid = R"(
[engine]
input_ring_size = 4096
output_ring_size = 8192
risk_cpu = -1
acknowledge_inputs = true
maintain_adl_ranking = false

[risk]
max_accounts = 1000
positions_per_account = 3
assets = ["USDT", "BTC"]

[journal]
folder = "/tmp/backstop-journal"
sync = "every_n"
sync_every_records = 64

[[instrument]]
symbol = "BTCUSDT"
kind = "linear"
settlement_asset = "USDT"
multiplier = 100
tick_size_e8 = 10000000
lot_size_e8 = 100000
min_price = 1
max_price = 100000000
initial_mark = 600000
max_position = 1000000
brackets = [
  { notional_cap = 50000000000, initial_rate = 8000, maintenance_rate = 4000 },
  { notional_cap = 0, initial_rate = 50000, maintenance_rate = 25000 },
]

[[instrument]]
symbol = "BTCUSD_PERP"
kind = "inverse"
settlement_asset = "BTC"
multiplier = 100000000000
tick_size_e8 = 10000000
lot_size_e8 = 100000000
min_price = 10
max_price = 100000000
initial_mark = 500000
max_position = 10000000
brackets = [ { notional_cap = 0, initial_rate = 10000, maintenance_rate = 5000 } ]
)";

std::string with(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

std::string error_of(const std::string& text) {
  std::string error;
  EXPECT_FALSE(parse_engine_config(text, "test.toml", error).has_value());
  return error;
}

TEST(ConfigFile, ReadsEverySection) {
  std::string error;
  const auto config = parse_engine_config(kValid, "test.toml", error);
  ASSERT_TRUE(config) << error;
  EXPECT_EQ(config->input_ring_size, 4096);
  EXPECT_EQ(config->output_ring_size, 8192);
  EXPECT_EQ(config->risk_cpu, -1);
  EXPECT_TRUE(config->acknowledge_inputs);
  EXPECT_FALSE(config->maintain_adl_ranking);
  EXPECT_EQ(config->risk.max_accounts, 1000u);
  EXPECT_EQ(config->risk.positions_per_account, 3u);
  EXPECT_EQ(config->risk.asset_count, 2u);
  EXPECT_EQ(config->journal.sync, SyncPolicy::kEveryN);
  EXPECT_EQ(config->journal.sync_every_records, 64u);
  ASSERT_EQ(config->risk.instruments.size(), 2u);
  const InstrumentSpec& inverse = config->risk.instruments[1];
  EXPECT_EQ(inverse.kind, ContractKind::kInversePerpetual);
  EXPECT_EQ(inverse.settlement_asset, 1);
  EXPECT_EQ(inverse.multiplier, 100'000'000'000);
  ASSERT_EQ(config->risk.instruments[0].brackets.size(), 2u);
  EXPECT_EQ(config->risk.instruments[0].brackets[0].notional_cap.raw(), 50'000'000'000);
  EXPECT_EQ(config->risk.instruments[0].brackets[1].maintenance_rate, 25'000);
}

TEST(ConfigFile, EveryInvalidValueNamesItsKeyAndReason) {
  EXPECT_EQ(error_of(with(kValid, "input_ring_size = 4096", "input_ring_size = 4000")),
            "engine.input_ring_size: must be a power of two >= 2");
  EXPECT_EQ(error_of(with(kValid, "max_accounts = 1000", "max_accounts = \"many\"")),
            "risk.max_accounts: must be an integer");
  EXPECT_EQ(error_of(with(kValid, "max_accounts = 1000", "max_acounts = 1000")),
            "risk.max_acounts: unknown key");
  EXPECT_EQ(error_of(with(kValid, "sync = \"every_n\"", "sync = \"sometimes\"")),
            "journal.sync: must be \"off\", \"every_batch\", \"every_n\" or \"every_us\"");
  EXPECT_EQ(error_of(with(kValid, "kind = \"inverse\"", "kind = \"option\"")),
            "instrument[1].kind: must be \"linear\" or \"inverse\"");
  EXPECT_EQ(error_of(with(kValid, "settlement_asset = \"BTC\"", "settlement_asset = \"ETH\"")),
            "instrument[1].settlement_asset: \"ETH\" is not in risk.assets");
  EXPECT_EQ(error_of(with(kValid, "initial_rate = 8000", "initial_rate = -1")),
            "instrument[0].brackets[0].initial_rate: must be between 1 and 1000000");
  EXPECT_EQ(error_of(with(kValid, "positions_per_account = 3", "positions_per_account = 99")),
            "risk.positions_per_account: must be between 1 and 16");
  EXPECT_EQ(error_of(with(kValid, "acknowledge_inputs = true", "acknowledge_inputs = 1")),
            "engine.acknowledge_inputs: must be true or false");
}

TEST(ConfigFile, VenueConventionsFromAPresetThenOverridden) {
  std::string error;
  const std::string text = with(kValid, "[journal]", R"([venue]
preset = "bybit"
closing_fee_rate = 600

[journal])");
  const std::string with_own = with(text, "brackets = [ { notional_cap = 0, initial_rate = 10000",
                                    R"(venue = { surplus = "fee_only" }
brackets = [ { notional_cap = 0, initial_rate = 10000)");
  const auto config = parse_engine_config(with_own, "test.toml", error);
  ASSERT_TRUE(config) << error;
  VenueConventions expected = presets::bybit();
  expected.closing_fee_rate = 600;
  EXPECT_EQ(config->risk.venue, expected);
  EXPECT_FALSE(config->risk.instruments[0].conventions.has_value());
  ASSERT_TRUE(config->risk.instruments[1].conventions.has_value());
  expected.surplus = SurplusRule::kFeeOnly;  // the venue's set, then its own key
  EXPECT_EQ(*config->risk.instruments[1].conventions, expected);
}

TEST(ConfigFile, VenueErrorsNameTheirKey) {
  const auto venue = [](const std::string& body) {
    return with(kValid, "[journal]", "[venue]\n" + body + "\n\n[journal]");
  };
  EXPECT_EQ(error_of(venue("preset = \"kraken\"")),
            "venue.preset: unknown venue \"kraken\"; known: binance, bybit, bitmex, dydx, "
            "hyperliquid, drift");
  EXPECT_EQ(error_of(venue("surplus = \"all\"")),
            "venue.surplus: must be one of: all_to_insurance, fee_capped, fee_only");
  EXPECT_EQ(error_of(venue("closing_fee = 5")), "venue.closing_fee: unknown key");
  EXPECT_EQ(error_of(venue("tiers = \"whole_position\"")),
            "venue.tiers: whole_position needs maintenance_basis = entry_value");
  EXPECT_EQ(error_of(with(kValid, "brackets = [ { notional_cap = 0, initial_rate = 10000",
                          "venue = { order_limit = \"best\" }\nbrackets = [ { notional_cap = 0, "
                          "initial_rate = 10000")),
            "instrument[1].venue.order_limit: must be one of: bankruptcy, fillable");
}

TEST(ConfigFile, SyntaxErrorsGiveLineAndColumn) {
  const std::string error = error_of("[engine]\ninput_ring_size = = 3\n");
  EXPECT_EQ(error.rfind("test.toml:2:", 0), 0u) << error;
}

TEST(ConfigFile, AnInstrumentIsRequired) {
  EXPECT_EQ(error_of("[risk]\nmax_accounts = 10\n"),
            "instrument: at least one [[instrument]] is required");
}

TEST(ConfigFile, RiskRulesFromTheCoreStillApply) {
  // The reader checks types and ranges; the core's validate_config checks the domain rules.
  const std::string error = error_of(
      with(kValid, "min_price = 10\nmax_price = 100000000", "min_price = 10\nmax_price = 5"));
  EXPECT_FALSE(error.empty());
  EXPECT_NE(error.find("instrument"), std::string::npos) << error;
}

TEST(ConfigFile, MissingFileIsAnError) {
  std::string error;
  EXPECT_FALSE(load_engine_config("/nonexistent/backstop.toml", error));
  EXPECT_EQ(error, "/nonexistent/backstop.toml: cannot open");
}

}  // namespace
}  // namespace backstop::pipeline

namespace backstop::pipeline {
namespace {

constexpr const char* kWaterfall = R"(
[waterfall]
mode = "takeover"
policy = "socialized"
score = "hyperliquid"
price = "mark"
liquidation_fee_rate = 5000
backstop_accounts = [7, 8]
insurance_floor = [1000, 0]
assessment = true
assessment_cap = 250
insurance_cap_per_account = 99
partial = true
adl_quantile_interval_ns = 1000000000
adl_quantile_capacity = 64
audit_balances = true
)";

std::string waterfall_text(const std::string& section) {
  // The valid file from above with a [waterfall] section before the instruments.
  std::string text = kValid;
  const auto at = text.find("[[instrument]]");
  return text.insert(at, section + "\n");
}

TEST(ConfigFile, ReadsTheWaterfallSection) {
  std::string error;
  const auto config = parse_engine_config(waterfall_text(kWaterfall), "test.toml", error);
  ASSERT_TRUE(config.has_value()) << error;
  const WaterfallConfig& w = config->risk.waterfall;
  EXPECT_EQ(w.mode, LiquidationMode::kTakeover);
  EXPECT_EQ(w.policy, AdlPolicy::kSocialized);
  EXPECT_EQ(w.score, AdlScore::kHyperliquid);
  EXPECT_EQ(w.price, AdlPrice::kMark);
  EXPECT_EQ(w.liquidation_fee_rate, 5000);
  EXPECT_EQ(w.backstop_accounts, (std::vector<std::uint64_t>{7, 8}));
  EXPECT_EQ(w.insurance_floor, (std::vector<std::int64_t>{1000, 0}));
  EXPECT_TRUE(w.assessment);
  EXPECT_EQ(w.assessment_cap, 250);
  EXPECT_EQ(w.insurance_cap_per_account, 99);
  EXPECT_TRUE(w.partial);
  EXPECT_EQ(w.adl_quantile_interval_ns, 1'000'000'000);
  EXPECT_EQ(w.adl_quantile_capacity, 64u);
  EXPECT_TRUE(w.audit_balances);
}

TEST(ConfigFile, WaterfallErrorsNameTheKey) {
  const auto error = [](const std::string& section) {
    std::string e;
    EXPECT_FALSE(parse_engine_config(waterfall_text(section), "test.toml", e).has_value());
    return e;
  };
  EXPECT_EQ(error("[waterfall]\nmode = \"auction\"\n"),
            "waterfall.mode: must be one of: off, takeover, order");
  EXPECT_EQ(error("[waterfall]\npolicy = \"lottery\"\n"),
            "waterfall.policy: must be one of: ranked, pro_rata, socialized, none");
  EXPECT_EQ(error("[waterfall]\nfee = 1\n"), "waterfall.fee: unknown key");
  EXPECT_NE(error("[waterfall]\nadl_quantile_interval_ns = -1\n")
                .find("waterfall.adl_quantile_interval_ns"),
            std::string::npos);
  EXPECT_EQ(error("[waterfall]\nbackstop_accounts = [-1]\n"),
            "waterfall.backstop_accounts: every entry must be an integer >= 0");
  // The core's rules: liquidation needs a backstop account.
  EXPECT_EQ(error("[waterfall]\nmode = \"takeover\"\n"),
            "waterfall.backstop_accounts: liquidation needs a backstop account");
}

}  // namespace
}  // namespace backstop::pipeline

namespace backstop::pipeline {
namespace {

TEST(ConfigFile, RefusesDuplicateInstrumentsDuplicateAssetsAndAnEmptyChoice) {
  EXPECT_EQ(error_of(with(kValid, "symbol = \"BTCUSD_PERP\"", "symbol = \"BTCUSDT\"")),
            "instrument[1].symbol: \"BTCUSDT\" duplicates instrument[0]");
  EXPECT_EQ(error_of(with(kValid, "assets = [\"USDT\", \"BTC\"]", "assets = [\"USDT\", \"USDT\"]")),
            "risk.assets: \"USDT\" is listed twice");
  EXPECT_EQ(error_of(waterfall_text("[waterfall]\nmode = \"\"\n")),
            "waterfall.mode: must be one of: off, takeover, order");
  EXPECT_EQ(error_of(waterfall_text("[waterfall]\npolicy = \"\"\n")),
            "waterfall.policy: must be one of: ranked, pro_rata, socialized, none");
}

TEST(ConfigFile, BothLayersNameKeysAsTheFileDoesWithTheSameLimits) {
  // The core's domain rules report the file's key names.
  EXPECT_EQ(error_of(with(kValid, "min_price = 10\nmax_price = 100000000",
                          "min_price = 10\nmax_price = 5")),
            "instrument[1].max_price: below min_price");
  // One limit for max_accounts: the core's 2^30, refused by the reader with the key's name.
  EXPECT_EQ(error_of(with(kValid, "max_accounts = 1000", "max_accounts = 2147483648")),
            "risk.max_accounts: must be between 1 and 1073741824");
  EXPECT_EQ(error_of(with(kValid, "max_accounts = 1000", "max_accounts = 1073741825")),
            "risk.max_accounts: must be between 1 and 1073741824");
  RiskConfig c;
  c.max_accounts = 0;
  EXPECT_EQ(validate_config(c), "risk.max_accounts: must be in [1, 2^30]");
}

TEST(ConfigFile, AFloatWhereAnIntegerBelongsIsRefusedBeforeItIsRead) {
  // toml++ would convert 1e84 to an integer without a range check; the type is checked first.
  EXPECT_EQ(error_of(with(kValid, "input_ring_size = 4096", "input_ring_size = 1e84")),
            "engine.input_ring_size: must be an integer");
  EXPECT_EQ(error_of(waterfall_text("[waterfall]\nbackstop_accounts = [1e84]\n")),
            "waterfall.backstop_accounts: every entry must be an integer >= 0");
}

TEST(ConfigFile, AFolderGivenAsTheFileIsNamedAsSuch) {
  std::string error;
  EXPECT_FALSE(load_engine_config(BACKSTOP_SOURCE_DIR, error));
  EXPECT_EQ(error, std::string(BACKSTOP_SOURCE_DIR) + ": is a folder, not a configuration file");
}

}  // namespace
}  // namespace backstop::pipeline
