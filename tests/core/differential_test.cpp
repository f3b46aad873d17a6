// The risk engine against the brute-force reference model, after every event: same reject codes,
// same liquidatable and bankrupt sets, same balances, funds and margins, outputs that name exactly
// the accounts whose status changed, and conservation (docs/design.md §2). 1,000,000+ events in
// total.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "backstop/risk_engine.hpp"
#include "backstop/venue_presets.hpp"
#include "differ.hpp"
#include "reference_model.hpp"
#include "stream_gen.hpp"
#include "support/engine_checks.hpp"
#include "test_support.hpp"

namespace backstop {
namespace {

void run_stream(std::uint64_t seed, std::uint32_t instruments, std::uint32_t accounts,
                std::uint32_t events, const VenueConventions& venue = VenueConventions{}) {
  test::StreamGenerator gen(seed, instruments, accounts);
  RiskConfig config = gen.config();
  config.venue = venue;
  test::Differ d(config);
  for (const Event& e : gen.setup()) {
    d.step(e);
    if (::testing::Test::HasFatalFailure()) return;
  }
  // Without the waterfall nothing closes a liquidatable account, so the test plays the
  // market's part: now and then a flagged account's position is closed at the mark against a random
  // account of the same asset, or its owner tops it up. This keeps the flagged set realistic and
  // exercises the reduce / close paths on accounts under water.
  std::mt19937_64 rng(seed ^ 0x5eed);
  const auto& accts = d.reference.accounts();
  for (std::uint32_t k = 0; k < events; ++k) {
    Event e = gen.next();
    if (!d.liq.empty() && rng() % 2 == 0) {
      const std::uint64_t id = d.liq[rng() % d.liq.size()];
      const test::ReferenceModel::Acct* a = d.reference.find_const(id);
      const test::ReferenceModel::Acct& other = accts[rng() % accts.size()];
      if (!a->positions.empty() && other.asset == a->asset && other.id != id && rng() % 4 != 0) {
        const auto& [instrument, pos] = *a->positions.begin();
        const std::int64_t mark = d.engine.instrument_state(instrument).mark;
        e = make_fill(instrument, pos.qty > 0 ? Side::kSell : Side::kBuy, id, other.id, Price{mark},
                      Qty{pos.qty > 0 ? pos.qty : -pos.qty});
      } else if (a->positions.empty() || rng() % 2 == 0) {
        e = make_deposit(id, Money{1 + (a->balance < 0 ? -a->balance : a->balance / 4)});
      }
    }
    // The matching engine's pre-trade check: most orders that the account cannot afford never
    // trade (both the taker's and the resting maker's); a few trade anyway, as after a price jump.
    if (e.type == EventType::kFill && rng() % 10 != 0) {
      const Side maker_side = e.side == Side::kBuy ? Side::kSell : Side::kBuy;
      if (d.engine.check_order(e.fill.taker, e.instrument, e.side, e.fill.qty, e.fill.price).code !=
              RejectCode::kOk ||
          d.engine.check_order(e.fill.maker, e.instrument, maker_side, e.fill.qty, e.fill.price)
                  .code != RejectCode::kOk) {
        ++d.refused_orders;
        e = gen.next();
      }
    }
    d.step(e);
    if (::testing::Test::HasFatalFailure()) return;
  }
  ASSERT_TRUE(checks::verify_index(d.engine));
  // The stream must have exercised what it is meant to catch.
  EXPECT_GT(d.outputs_seen, 0u);
  EXPECT_GT(d.accepted, d.events / 2);
  ::testing::Test::RecordProperty("events", static_cast<int>(d.events));
  ::testing::Test::RecordProperty("max_liquidatable", static_cast<int>(d.max_liquidatable));
  ::testing::Test::RecordProperty("outputs", static_cast<int>(d.outputs_seen));
  ::testing::Test::RecordProperty("refused_orders", static_cast<int>(d.refused_orders));
  ::testing::Test::RecordProperty("triggers_fired", static_cast<int>(d.engine.triggers_fired()));
}

// 24 seeds x 42,000 events + set-up = 1,000,000+ events; instruments 1-5; 1,000-1,500 accounts.
class DifferentialTest : public ::testing::TestWithParam<int> {};

TEST_P(DifferentialTest, EngineMatchesBruteForceAfterEveryEvent) {
  const int seed = GetParam();
  run_stream(static_cast<std::uint64_t>(seed) * 7919 + 1, 1 + seed % 5,
             1000 + static_cast<std::uint32_t>(seed % 3) * 250, 42'000);
}

INSTANTIATE_TEST_SUITE_P(Seeds, DifferentialTest, ::testing::Range(0, 24));

// The same under every venue preset (venue_presets.hpp), whose margin conventions the reference
// model computes its own way: 6 presets x 3 seeds x 15,000 events.
class PresetDifferential : public ::testing::TestWithParam<std::tuple<const char*, int>> {};

TEST_P(PresetDifferential, EngineMatchesBruteForceAfterEveryEvent) {
  const auto [venue, seed] = GetParam();
  const std::optional<VenueConventions> conventions = presets::venue_by_name(venue);
  ASSERT_TRUE(conventions.has_value()) << venue;
  run_stream(static_cast<std::uint64_t>(seed) * 104'729 + 7, 1 + seed % 3, 800, 15'000,
             *conventions);
}

INSTANTIATE_TEST_SUITE_P(Venues, PresetDifferential,
                         ::testing::Combine(::testing::Values("binance", "bybit", "bitmex", "dydx",
                                                              "hyperliquid", "drift"),
                                            ::testing::Range(0, 3)),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param)) + "_" +
                                  std::to_string(std::get<1>(info.param));
                         });

}  // namespace
}  // namespace backstop
