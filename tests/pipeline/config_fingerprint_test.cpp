// The configuration fingerprint changes with every setting that can change what an input does, and
// with none of the settings docs/journal.md lists as result-neutral.
#include "pipeline/config_fingerprint.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "core/test_support.hpp"

namespace backstop::pipeline {
namespace {

struct Change {
  std::string name;
  std::function<void(RiskConfig&)> apply;
};

TEST(ConfigFingerprint, EverySettingThatChangesResultsChangesIt) {
  const RiskConfig base = test::two_instrument_config(128);
  const ConfigFingerprint before = config_fingerprint(base);
  const std::vector<Change> changes = {
      {"risk.max_accounts", [](RiskConfig& c) { c.max_accounts += 1; }},
      {"risk.positions_per_account", [](RiskConfig& c) { c.positions_per_account += 1; }},
      {"risk.assets", [](RiskConfig& c) { c.asset_count += 1; }},
      {"risk.max_abs_funding_rate_e8", [](RiskConfig& c) { c.max_abs_funding_rate_e8 += 1; }},
      {"instruments", [](RiskConfig& c) { c.instruments.pop_back(); }},
      {"instrument[0].symbol", [](RiskConfig& c) { c.instruments[0].symbol += "X"; }},
      {"instrument[1].kind",
       [](RiskConfig& c) { c.instruments[1].kind = ContractKind::kLinearPerpetual; }},
      {"instrument[0].settlement_asset",
       [](RiskConfig& c) { c.instruments[0].settlement_asset = 1; }},
      {"instrument[0].multiplier", [](RiskConfig& c) { c.instruments[0].multiplier += 1; }},
      {"instrument[0].min_price", [](RiskConfig& c) { c.instruments[0].min_price = Price{2}; }},
      {"instrument[0].max_price",
       [](RiskConfig& c) {
         c.instruments[0].max_price = Price{c.instruments[0].max_price.raw() - 1};
       }},
      {"instrument[0].initial_mark",
       [](RiskConfig& c) {
         c.instruments[0].initial_mark = Price{c.instruments[0].initial_mark.raw() + 1};
       }},
      {"instrument[0].max_position",
       [](RiskConfig& c) {
         c.instruments[0].max_position = Qty{c.instruments[0].max_position.raw() - 1};
       }},
      {"instrument[0].brackets[0].maintenance_rate",
       [](RiskConfig& c) { c.instruments[0].brackets[0].maintenance_rate += 1; }},
      {"waterfall.mode", [](RiskConfig& c) { c.waterfall.mode = LiquidationMode::kTakeover; }},
      {"waterfall.partial", [](RiskConfig& c) { c.waterfall.partial = !c.waterfall.partial; }},
      {"waterfall.liquidation_fee_rate",
       [](RiskConfig& c) { c.waterfall.liquidation_fee_rate += 1; }},
      {"waterfall.backstop_accounts",
       [](RiskConfig& c) { c.waterfall.backstop_accounts.push_back(7); }},
      {"waterfall.insurance",
       [](RiskConfig& c) { c.waterfall.insurance = !c.waterfall.insurance; }},
      {"waterfall.insurance_floor",
       [](RiskConfig& c) { c.waterfall.insurance_floor.push_back(1); }},
      {"waterfall.policy", [](RiskConfig& c) { c.waterfall.policy = AdlPolicy::kProRata; }},
      {"waterfall.instrument_policy",
       [](RiskConfig& c) {
         c.waterfall.instrument_policy = {AdlPolicy::kNone, AdlPolicy::kNone};
       }},
      {"waterfall.score", [](RiskConfig& c) { c.waterfall.score = AdlScore::kBinance; }},
      {"waterfall.price", [](RiskConfig& c) { c.waterfall.price = AdlPrice::kMark; }},
      {"waterfall.adl_quantile_interval_ns",
       [](RiskConfig& c) { c.waterfall.adl_quantile_interval_ns += 1; }},
      {"venue.maintenance_basis",
       [](RiskConfig& c) { c.venue.maintenance_basis = MarginBasis::kEntryValue; }},
      {"venue.tiers", [](RiskConfig& c) { c.venue.tiers = TierRule::kWholePosition; }},
      {"venue.closing_fee_rate", [](RiskConfig& c) { c.venue.closing_fee_rate = 1; }},
      {"venue.surplus", [](RiskConfig& c) { c.venue.surplus = SurplusRule::kFeeOnly; }},
      {"venue.surplus_fee_cap_rate", [](RiskConfig& c) { c.venue.surplus_fee_cap_rate = 1; }},
      {"venue.order_limit", [](RiskConfig& c) { c.venue.order_limit = OrderLimit::kFillable; }},
      {"venue.fillable_spread_ratio", [](RiskConfig& c) { c.venue.fillable_spread_ratio = 1; }},
      {"instrument[1].venue", [](RiskConfig& c) { c.instruments[1].conventions = c.venue; }},
      {"instrument[0].venue.closing_fee_rate",
       [](RiskConfig& c) {
         c.instruments[0].conventions = c.venue;
         c.instruments[0].conventions->closing_fee_rate = 5;
       }},
  };
  for (const Change& change : changes) {
    RiskConfig c = base;
    change.apply(c);
    const ConfigFingerprint after = config_fingerprint(c);
    EXPECT_NE(after.hash, before.hash) << change.name;
    const std::string difference =
        describe_config_difference(before.text, after.text, "the journal");
    EXPECT_NE(difference.find(change.name), std::string::npos) << change.name << ": " << difference;
  }
}

// Default conventions add no line, so a journal written before conventions existed recovers under
// the same configuration.
TEST(ConfigFingerprint, DefaultConventionsAddNothing) {
  const RiskConfig base = test::two_instrument_config(128);
  const std::string text = config_fingerprint(base).text;
  EXPECT_EQ(text.find("venue."), std::string::npos) << text;
  EXPECT_EQ(text.find("].venue"), std::string::npos) << text;
}

TEST(ConfigFingerprint, ResultNeutralSettingsDoNotChangeIt) {
  const RiskConfig base = test::two_instrument_config(128);
  RiskConfig tuned = base;
  tuned.instruments[0].tick_size_e8 += 1;
  tuned.instruments[0].lot_size_e8 += 1;
  tuned.waterfall.adl_band_ppm += 1;
  tuned.waterfall.adl_dirty_capacity += 1;
  tuned.waterfall.adl_full_sort = !tuned.waterfall.adl_full_sort;
  tuned.waterfall.audit_capacity += 1;
  EXPECT_EQ(config_fingerprint(tuned).text, config_fingerprint(base).text);
  EXPECT_EQ(describe_config_difference(config_fingerprint(base).text,
                                       config_fingerprint(tuned).text, "the journal"),
            "");
}

TEST(ConfigFingerprint, ASymbolCannotForgeAnotherSetting) {
  RiskConfig c = test::two_instrument_config(128);
  c.instruments[0].symbol = "X\nrisk.max_accounts=5";
  const std::string text = config_fingerprint(c).text;
  EXPECT_EQ(text.find("\nrisk.max_accounts=5"), std::string::npos) << text;
}

}  // namespace
}  // namespace backstop::pipeline
