#include "pipeline/audit_log.hpp"
#include "pipeline/engine.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/test_support.hpp"

namespace backstop::pipeline {
namespace {

namespace fs = std::filesystem;

// A 15x long gaps through its bankruptcy price: the backstop account takes the position over, the
// insurance fund covers the deficit, and every movement comes out as an audit record.
std::vector<OutputEvent> crash_outputs() {
  EngineConfig c;
  c.risk = test::two_instrument_config(16);
  c.risk.waterfall.mode = LiquidationMode::kTakeover;
  c.risk.waterfall.backstop_accounts = {900, 901};
  c.risk.waterfall.liquidation_fee_rate = 5'000;
  c.risk_cpu = -1;
  Engine engine(c);
  std::vector<OutputEvent> outputs;
  const auto sink = [&](const OutputEvent& o) { outputs.push_back(o); };
  std::int64_t t = 1'000;
  for (const Event& e :
       {make_open_account(900, 0), make_open_account(901, 1), make_open_account(1, 0),
        make_open_account(2, 0), make_deposit(900, Money{100'000'000'000}),
        make_deposit(1, Money{1'000'000'000}), make_deposit(2, Money{10'000'000'000}),
        make_fund_deposit(FundKind::kInsurance, 0, Money{5'000'000'000}),
        make_fill(0, Side::kBuy, 1, 2, Price{600'000}, Qty{250}), make_mark(0, Price{540'000})}) {
    Event stamped = e;
    stamped.time_ns = t++;
    (void)engine.process(stamped, sink);
  }
  return outputs;
}

TEST(AuditLog, EveryWaterfallMovementIsOneJsonLineWithItsReason) {
  const auto outputs = crash_outputs();
  std::size_t waterfall = 0;
  bool insurance_drawn = false;
  for (const OutputEvent& o : outputs) {
    if (o.kind != OutputKind::kWaterfall) continue;
    ++waterfall;
    if (o.waterfall.kind == WaterfallKind::kInsuranceDraw) {
      insurance_drawn = true;
      EXPECT_EQ(o.waterfall.before - o.waterfall.amount, o.waterfall.after)
          << "a draw's amounts add up";
      EXPECT_EQ(o.input_time_ns, 1'009) << "the crash mark's event time";
    }
  }
  ASSERT_GT(waterfall, 2u);
  ASSERT_TRUE(insurance_drawn) << "the deficit must reach the insurance fund";

  const fs::path file =
      fs::temp_directory_path() / ("backstop-audit-" + std::to_string(::getpid()));
  AuditLogWriter writer;
  std::string error;
  ASSERT_TRUE(writer.open(file, error)) << error;
  for (const OutputEvent& o : outputs)
    ASSERT_TRUE(writer.write(o));
  ASSERT_TRUE(writer.close());
  EXPECT_EQ(writer.records(), waterfall) << "only waterfall outputs are audit records";

  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  fs::remove(file);
  ASSERT_EQ(lines.size(), waterfall);
  std::size_t k = 0;
  for (const OutputEvent& o : outputs) {
    if (o.kind != OutputKind::kWaterfall) continue;
    EXPECT_EQ(lines[k], audit_json(o));
    EXPECT_EQ(lines[k].front(), '{');
    EXPECT_EQ(lines[k].back(), '}');
    for (const char* key :
         {"\"sequence\":", "\"time_ns\":", "\"account\":", "\"tier\":", "\"kind\":\"",
          "\"reason\":\"", "\"amount\":", "\"before\":", "\"after\":"}) {
      EXPECT_NE(lines[k].find(key), std::string::npos) << key << " in " << lines[k];
    }
    ++k;
  }
  EXPECT_NE(lines.back().find("\"kind\":\""), std::string::npos);
}

TEST(AuditLog, OpenFailsWithAReason) {
  AuditLogWriter writer;
  std::string error;
  EXPECT_FALSE(writer.open("/nonexistent-dir/audit.jsonl", error));
  EXPECT_NE(error.find("/nonexistent-dir/audit.jsonl"), std::string::npos);
}

}  // namespace
}  // namespace backstop::pipeline
