// The mirror against the engine itself: a RiskEngine with the account-state feed on runs a seeded
// random stream (fills, marks with crashes, funding, deposits, liquidations through the waterfall);
// after every event the mirror, fed only the event's StateRecords, has every account's equity (and
// every asset's funds) exactly as the engine has them, and a coverage book kept incrementally from
// the mirror gives the requirements a from-scratch sort gives.
#include <gtest/gtest.h>

#include <vector>

#include "backstop/risk_engine.hpp"
#include "core/stream_gen.hpp"
#include "sizing/account_mirror.hpp"
#include "sizing/coverage_book.hpp"
#include "sizing/scenario_set.hpp"

namespace backstop::sizing {
namespace {

bool same_figure(const CoverFigure& a, const CoverFigure& b) {
  return a.amount == b.amount && a.scenario == b.scenario && a.accounts == b.accounts &&
         a.deficits == b.deficits;
}

class MirrorFeed : public ::testing::TestWithParam<int> {};

TEST_P(MirrorFeed, EquityEqualsTheEnginesAfterEveryEventAndCoverageStaysExact) {
  const auto seed = static_cast<std::uint64_t>(GetParam());
  const std::uint32_t instruments = 1 + static_cast<std::uint32_t>(seed % 3);
  test::StreamGenerator gen(seed, instruments, 40);
  const std::vector<Event> setup = gen.setup();
  RiskConfig config = test::takeover_stream_config(gen, setup, instruments);
  config.waterfall.assessment = true;
  config.state_feed = true;
  RiskEngine engine(config);

  AccountMirror mirror(config);
  std::vector<StateRecord> records;
  const auto sink = [&](const StateRecord& r) { records.push_back(r); };
  engine.emit_full_state(sink);
  ASSERT_EQ(mirror.apply(records), MirrorError::kNone);

  ScenarioSet scenarios(underlyings_by_base_asset(config.instruments));
  ASSERT_EQ(scenarios.add_grid(GridOptions{0.40, 4, true, true}), "");
  std::vector<CoverageBook> books;
  for (std::uint8_t asset = 0; asset < config.asset_count; ++asset) {
    CoverageOptions options;
    options.asset = asset;
    options.top_k = 3;
    books.emplace_back(mirror, scenarios, options);
  }
  mirror.clear_changes();

  std::size_t n = 0;
  Int128 largest_cover2 = 0;
  const auto run = [&](const Event& e) {
    engine.process(e);
    records.clear();
    engine.emit_state(sink);
    ASSERT_EQ(mirror.apply(records), MirrorError::kNone) << "event " << n;
    for (std::uint32_t slot = 0; slot < engine.account_count(); ++slot) {
      const Account& a = engine.account(slot);
      const std::uint32_t m = mirror.slot_of(a.id);
      if (m == kNoSlot) {
        // An account opened and not yet funded is not in the feed: it has nothing to mirror.
        ASSERT_TRUE(a.balance == 0 && a.position_count == 0) << a.id << " never fed, event " << n;
        continue;
      }
      ASSERT_TRUE(mirror.equity(m) == engine.slot_margin(slot).equity)
          << "account " << a.id << ", event " << n;
    }
    for (std::uint8_t asset = 0; asset < config.asset_count; ++asset) {
      ASSERT_EQ(mirror.funds(asset).insurance, engine.insurance_fund(asset).raw());
      ASSERT_EQ(mirror.funds(asset).default_fund, engine.waterfall_state().default_fund[asset]);
    }
    for (CoverageBook& book : books) {
      book.sync();
      const Requirements got = book.requirements();
      const Requirements want = book.verify_requirements();
      ASSERT_TRUE(same_figure(got.cover1, want.cover1)) << "event " << n;
      ASSERT_TRUE(same_figure(got.cover2, want.cover2)) << "event " << n;
      ASSERT_TRUE(same_figure(got.emir, want.emir)) << "event " << n;
      largest_cover2 = std::max(largest_cover2, got.cover2.amount);
    }
    mirror.clear_changes();
    ++n;
  };
  for (const Event& e : setup) {
    run(e);
    if (::testing::Test::HasFatalFailure()) return;
  }
  for (int i = 0; i < 3000 && !::testing::Test::HasFatalFailure(); ++i)
    run(gen.next());
  // The stream moved money through the waterfall and put accounts under water in some scenario.
  EXPECT_GT(engine.waterfall_state().liquidations, 0u);
  EXPECT_GT(largest_cover2, 0);
}

INSTANTIATE_TEST_SUITE_P(Seeds, MirrorFeed, ::testing::Range(0, 4));

}  // namespace
}  // namespace backstop::sizing
