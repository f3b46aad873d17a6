// The risk controls' state in the pipeline (docs/waterfall.md#risk-controls): the snapshot keeps it
// (the drawdown window included) and a restored engine goes on the same way; the digest leaves it
// out while it is all zero, so a run without controls keeps its digest; the entrance accepts the
// RiskControl event; the triggers' TOML keys are read and enter the fingerprint only when set.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "backstop/risk_engine.hpp"
#include "core/test_support.hpp"
#include "pipeline/config_file.hpp"
#include "pipeline/config_fingerprint.hpp"
#include "pipeline/engine.hpp"
#include "pipeline/risk_state_io.hpp"
#include "pipeline/state_digest.hpp"
#include "support/state_list.hpp"

namespace backstop {
namespace {

using test::toy;

RiskConfig config(std::int64_t drawdown_ppm) {
  RiskConfig c;
  c.max_accounts = 16;
  c.instruments = {toy()};
  c.waterfall.mode = LiquidationMode::kTakeover;
  c.waterfall.backstop_accounts = {1};
  c.waterfall.drawdown_ppm = drawdown_ppm;
  c.waterfall.drawdown_window_ns = 1'000'000;
  c.waterfall.drawdown_capacity = 16;
  return c;
}

// Accounts, a trade, and a fund that moves over time (samples in the drawdown window).
std::vector<Event> base_events() {
  std::vector<Event> out;
  for (std::uint64_t id = 1; id <= 4; ++id) {
    out.push_back(make_open_account(id, 0));
    out.push_back(make_deposit(id, Money{100'000}));
  }
  out.push_back(make_fund_deposit(FundKind::kInsurance, 0, Money{10'000}, 0, 5));
  out.push_back(make_fill(0, Side::kBuy, 2, 3, Price{10'000}, Qty{5}, Money{10}, Money{5}, 10));
  out.push_back(make_fund_deposit(FundKind::kInsurance, 0, Money{3'000}, 0, 20));
  return out;
}

std::vector<Event> control_events() {
  return {make_fee_share(0, 300'000, 30), make_adl_mode(0, AdlMode::kSkipFunds, 31),
          make_liquidation_hold(0, HoldMode::kTakeoverOnly, 5'000, 32),
          make_contribution_target(2, Money{2'000}, 33),
          make_replenishment_call(3, Money{400}, 34)};
}

void run(RiskEngine& e, const std::vector<Event>& events) {
  for (const Event& ev : events)
    ASSERT_EQ(e.process(ev).code, RejectCode::kOk) << "type " << int(ev.type);
}

TEST(RiskControlState, ASnapshotKeepsTheControlsAndTheDrawdownWindow) {
  RiskEngine e(config(300'000));
  run(e, base_events());
  run(e, control_events());
  ASSERT_GT(e.waterfall_state().controls.ring_count[0], 0u);
  std::vector<std::byte> bytes;
  RiskStateIo::save(e, bytes);
  RiskEngine restored(config(300'000));
  std::string error;
  ASSERT_TRUE(RiskStateIo::load(restored, bytes, error)) << error;
  EXPECT_EQ(checks::state_list(restored), checks::state_list(e));
  EXPECT_EQ(pipeline::state_digest(restored), pipeline::state_digest(e));
  // And they go on the same way: the fee share and the window act alike.
  const Event fill = make_fill(0, Side::kSell, 2, 4, Price{10'000}, Qty{1}, Money{7}, Money{0}, 40);
  ASSERT_EQ(e.process(fill).code, RejectCode::kOk);
  ASSERT_EQ(restored.process(fill).code, RejectCode::kOk);
  EXPECT_EQ(pipeline::state_digest(restored), pipeline::state_digest(e));
  EXPECT_EQ(restored.insurance_fund(0).raw(), e.insurance_fund(0).raw());
}

TEST(RiskControlState, AWindowLargerThanThisEnginesCapacityIsRefused) {
  RiskConfig big = config(300'000);
  RiskEngine e(big);
  run(e, base_events());
  ASSERT_GE(e.waterfall_state().controls.ring_count[0], 1u);
  std::vector<std::byte> bytes;
  RiskStateIo::save(e, bytes);
  RiskConfig small = config(300'000);
  small.waterfall.drawdown_ppm = 0;  // no window at all
  RiskEngine restored(small);
  std::string error;
  EXPECT_FALSE(RiskStateIo::load(restored, bytes, error));
  EXPECT_NE(error.find("drawdown"), std::string::npos) << error;
}

TEST(RiskControlState, ControlsSetBackToZeroLeaveTheDigestOfARunWithoutThem) {
  RiskEngine without(config(0));
  run(without, base_events());
  RiskEngine with(config(0));
  run(with, base_events());
  run(with, {make_fee_share(0, 300'000, 30), make_adl_mode(0, AdlMode::kSkipInsurance, 31),
             make_liquidation_hold(0, HoldMode::kHold, 5'000, 32)});
  EXPECT_NE(pipeline::state_digest(with), pipeline::state_digest(without));
  run(with, {make_fee_share(0, 0, 40), make_adl_mode(0, AdlMode::kOff, 41),
             make_liquidation_hold(0, HoldMode::kNone, 0, 42)});
  EXPECT_EQ(pipeline::state_digest(with), pipeline::state_digest(without));
}

TEST(RiskControlState, TheEntranceAcceptsKnownControlsAndRefusesAnUnknownKind) {
  EXPECT_EQ(Engine::check_at_entrance(make_fee_share(0, 1)), RejectCode::kOk);
  EXPECT_EQ(Engine::check_at_entrance(make_replenishment_call(1, Money{1})), RejectCode::kOk);
  Event e = make_fee_share(0, 1);
  e.control.kind = static_cast<ControlKind>(0);
  EXPECT_EQ(Engine::check_at_entrance(e), RejectCode::kUnknownControl);
}

const std::string kToml = R"(
[risk]
max_accounts = 16
assets = ["USDT"]

[[instrument]]
symbol = "TOY"
kind = "linear"
settlement_asset = "USDT"
multiplier = 1
tick_size_e8 = 100000000
lot_size_e8 = 100000000
min_price = 1
max_price = 1000000000
initial_mark = 10000
max_position = 1000000
brackets = [{ notional_cap = 0, initial_rate = 100000, maintenance_rate = 50000 }]

[waterfall]
mode = "takeover"
backstop_accounts = [1]
)";

TEST(RiskControlState, TheTriggersKeysAreReadAndEnterTheFingerprintOnlyWhenSet) {
  std::string error;
  const auto plain = pipeline::parse_engine_config(kToml, "test.toml", error);
  ASSERT_TRUE(plain.has_value()) << error;
  const auto set = pipeline::parse_engine_config(
      kToml +
          "exposure_cap_ppm = 1000000\ndrawdown_ppm = 300000\ndrawdown_window_ns = 28800000000000\n"
          "drawdown_release_ppm = 900000\ndrawdown_capacity = 256\n",
      "test.toml", error);
  ASSERT_TRUE(set.has_value()) << error;
  const WaterfallConfig& w = set->risk.waterfall;
  EXPECT_EQ(w.exposure_cap_ppm, 1'000'000);
  EXPECT_EQ(w.drawdown_ppm, 300'000);
  EXPECT_EQ(w.drawdown_window_ns, 28'800'000'000'000);
  EXPECT_EQ(w.drawdown_release_ppm, 900'000);
  EXPECT_EQ(w.drawdown_capacity, 256u);
  const std::string text = pipeline::config_fingerprint(plain->risk).text;
  EXPECT_EQ(text.find("exposure_cap"), std::string::npos);
  EXPECT_EQ(text.find("drawdown"), std::string::npos);
  const std::string with = pipeline::config_fingerprint(set->risk).text;
  EXPECT_NE(with.find("waterfall.exposure_cap_ppm=1000000"), std::string::npos);
  EXPECT_NE(with.find("waterfall.drawdown_ppm=300000"), std::string::npos);
  EXPECT_FALSE(pipeline::parse_engine_config(kToml + "drawdown_ppm = 300000\n"
                                                     "drawdown_release_ppm = 600000\n",
                                             "test.toml", error)
                   .has_value());
  EXPECT_NE(error.find("drawdown_release_ppm"), std::string::npos) << error;
  EXPECT_FALSE(pipeline::parse_engine_config(kToml + "drawdown_ppm = 300000\n"
                                                     "drawdown_capacity = 100\n",
                                             "test.toml", error)
                   .has_value());
  EXPECT_NE(error.find("drawdown_capacity"), std::string::npos) << error;
}

}  // namespace
}  // namespace backstop
