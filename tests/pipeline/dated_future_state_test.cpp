// Dated futures in the pipeline (docs/futures.md): the TOML `expiry` key (an RFC 3339 UTC
// date-time or integer ns), which enters the fingerprint only when set; the snapshot keeps a
// settled instrument (payload 8) and the restored engine refuses it alike; the digest covers the
// settlement but leaves a run without one as it was; the entrance refuses a non-positive
// settlement price.
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

constexpr std::int64_t kExpiry = 1'000;

RiskConfig config() {
  RiskConfig c;
  c.max_accounts = 16;
  c.positions_per_account = 2;
  c.instruments = {test::toy("FUT"), test::toy("PERP")};
  c.instruments[0].expiry_ns = kExpiry;
  return c;
}

std::vector<Event> trades() {
  std::vector<Event> out;
  for (std::uint64_t id = 1; id <= 3; ++id) {
    out.push_back(make_open_account(id, 0));
    out.push_back(make_deposit(id, Money{100'000}));
  }
  out.push_back(make_fill(0, Side::kBuy, 1, 2, Price{10'000}, Qty{5}, Money{10}, Money{5}, 10));
  out.push_back(make_fill(1, Side::kSell, 1, 3, Price{10'000}, Qty{2}, Money{0}, Money{0}, 11));
  return out;
}

void run(RiskEngine& e, const std::vector<Event>& events) {
  for (const Event& ev : events)
    ASSERT_EQ(e.process(ev).code, RejectCode::kOk) << "type " << int(ev.type);
}

TEST(DatedFutureState, ASnapshotKeepsTheSettlementAndTheRestoredEngineRefusesAlike) {
  RiskEngine e(config());
  run(e, trades());
  run(e, {make_settlement(0, Price{10'400}, kExpiry)});
  std::vector<std::byte> bytes;
  RiskStateIo::save(e, bytes);
  RiskEngine restored(config());
  std::string error;
  ASSERT_TRUE(RiskStateIo::load(restored, bytes, error)) << error;
  EXPECT_EQ(checks::state_list(restored), checks::state_list(e));
  EXPECT_EQ(pipeline::state_digest(restored), pipeline::state_digest(e));
  EXPECT_TRUE(is_settled(restored.instrument_state(0)));
  EXPECT_EQ(restored.instrument_state(0).settlement_price, 10'400);
  for (RiskEngine* engine : {&e, &restored}) {
    EXPECT_EQ(engine->process(make_mark(0, Price{10'000}, kExpiry + 1)).code,
              RejectCode::kInstrumentSettled);
    EXPECT_EQ(engine->process(make_settlement(0, Price{10'000}, kExpiry + 2)).code,
              RejectCode::kInstrumentSettled);
  }
  EXPECT_EQ(pipeline::state_digest(restored), pipeline::state_digest(e));
}

// The settlement is in the digest (another settlement price, another digest), but a dated future
// not settled hashes nothing more than a perpetual: runs without a settlement keep their digests.
TEST(DatedFutureState, TheDigestCoversTheSettlementOnlyOnceThereIsOne) {
  RiskConfig perpetual_config = config();
  perpetual_config.instruments[0].expiry_ns = 0;
  RiskEngine perpetual(perpetual_config);
  RiskEngine a(config());
  RiskEngine b(config());
  run(perpetual, trades());
  run(a, trades());
  run(b, trades());
  EXPECT_EQ(pipeline::state_digest(a), pipeline::state_digest(perpetual));
  run(a, {make_settlement(0, Price{10'400}, kExpiry)});
  run(b, {make_settlement(0, Price{10'000}, kExpiry)});
  EXPECT_NE(pipeline::state_digest(a), pipeline::state_digest(b));
  EXPECT_NE(pipeline::state_digest(a), pipeline::state_digest(perpetual));
  // A book without positions settled at its own mark moves nothing but the settled flag: the
  // digest still tells it from the unsettled one.
  RiskEngine empty(config());
  RiskEngine settled(config());
  run(settled, {make_settlement(0, Price{settled.instrument_state(0).mark}, kExpiry)});
  EXPECT_NE(pipeline::state_digest(settled), pipeline::state_digest(empty));
}

// A snapshot with a settled instrument restored into an engine where it is a perpetual is refused.
TEST(DatedFutureState, ASettlementOnAPerpetualIsRefusedOnRestore) {
  RiskConfig perpetual = config();
  perpetual.instruments[0].expiry_ns = 0;
  RiskEngine e(config());
  run(e, trades());
  run(e, {make_settlement(0, Price{10'400}, kExpiry)});
  std::vector<std::byte> bytes;
  RiskStateIo::save(e, bytes);
  RiskEngine restored(perpetual);
  std::string error;
  EXPECT_FALSE(RiskStateIo::load(restored, bytes, error));
  EXPECT_NE(error.find("settlement is inconsistent"), std::string::npos) << error;
}

TEST(DatedFutureState, TheEntranceRefusesANonPositiveSettlementPrice) {
  EXPECT_EQ(Engine::check_at_entrance(make_settlement(0, Price{0}, kExpiry)),
            RejectCode::kNonPositivePrice);
  EXPECT_EQ(Engine::check_at_entrance(make_settlement(0, Price{1}, kExpiry)), RejectCode::kOk);
}

const std::string kConfig = R"(
[[instrument]]
symbol = "BTCUSDT-261225"
multiplier = 100
min_price = 1
max_price = 100000000
initial_mark = 600000
max_position = 1000000
brackets = [ { notional_cap = 0, initial_rate = 10000, maintenance_rate = 5000 } ]
EXPIRY
)";

std::string with_expiry(const std::string& line) {
  std::string text = kConfig;
  return text.replace(text.find("EXPIRY"), 6, line);
}

std::optional<EngineConfig> parse(const std::string& text, std::string& error) {
  return pipeline::parse_engine_config(text, "test.toml", error);
}

TEST(DatedFutureConfig, ExpiryIsAnRfc3339UtcDateTimeOrIntegerNs) {
  // 2026-12-25T08:00:00Z = 1,798,185,600 s since the epoch.
  constexpr std::int64_t kChristmas = 1'798'185'600LL * 1'000'000'000;
  std::string error;
  for (const std::string& line : {std::string("expiry = 2026-12-25T08:00:00Z"),
                                  std::string("expiry = \"2026-12-25T08:00:00Z\""),
                                  std::string("expiry = 2026-12-25T09:00:00+01:00"),
                                  std::string("expiry = 1798185600000000000")}) {
    const auto c = parse(with_expiry(line), error);
    ASSERT_TRUE(c) << line << ": " << error;
    EXPECT_EQ(c->risk.instruments[0].expiry_ns, kChristmas) << line;
  }
  const auto frac = parse(with_expiry("expiry = 2026-12-25T08:00:00.25Z"), error);
  ASSERT_TRUE(frac) << error;
  EXPECT_EQ(frac->risk.instruments[0].expiry_ns, kChristmas + 250'000'000);
  const auto perpetual = parse(with_expiry(""), error);
  ASSERT_TRUE(perpetual) << error;
  EXPECT_EQ(perpetual->risk.instruments[0].expiry_ns, 0);
}

TEST(DatedFutureConfig, ALocalTimeAWordOrANegativeExpiryIsRefusedWithItsKey) {
  std::string error;
  for (const std::string& line :
       {std::string("expiry = 2026-12-25T08:00:00"), std::string("expiry = \"Christmas\""),
        std::string("expiry = -5"), std::string("expiry = 1969-12-31T23:59:59Z"),
        std::string("expiry = 2026-12-25")}) {
    EXPECT_FALSE(parse(with_expiry(line), error)) << line;
    EXPECT_EQ(error.rfind("instrument[0].expiry:", 0), 0u) << line << ": " << error;
  }
}

// A perpetual's fingerprint has no expiry line (so journals written before dated futures keep
// theirs); a dated future's has, and another expiry is another fingerprint.
TEST(DatedFutureConfig, TheFingerprintNamesAnExpiryOnlyWhenSet) {
  RiskConfig perpetual = config();
  perpetual.instruments[0].expiry_ns = 0;
  const std::string text = pipeline::config_fingerprint(perpetual).text;
  EXPECT_EQ(text.find("expiry"), std::string::npos) << text;
  RiskConfig later = config();
  later.instruments[0].expiry_ns = kExpiry + 1;
  const std::string dated = pipeline::config_fingerprint(config()).text;
  EXPECT_NE(dated.find("instrument[0].expiry_ns=1000"), std::string::npos) << dated;
  EXPECT_NE(pipeline::config_fingerprint(later).hash, pipeline::config_fingerprint(config()).hash);
  EXPECT_NE(pipeline::config_fingerprint(perpetual).hash,
            pipeline::config_fingerprint(config()).hash);
}

}  // namespace
}  // namespace backstop
