// The account-state feed (state_feed.hpp): a consumer that applies only the StateRecords of each
// event holds, after every event, exactly the engine's accounts, positions, marks, funding indices
// and funds - over seeded random streams with takeovers, every ADL policy, socialized losses and
// funding, so that every path that changes an account is seen to report it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include "backstop/risk_engine.hpp"
#include "backstop/state_feed.hpp"
#include "core/stream_gen.hpp"
#include "core/test_support.hpp"
#include "support/state_list.hpp"

namespace backstop {
namespace {

// The obvious consumer: maps keyed by id, each account's positions replaced by every kAccount.
struct FedCopy {
  struct Held {
    std::int64_t qty, cost, funding_snapshot;
    bool operator==(const Held&) const = default;
  };
  struct Acct {
    std::int64_t balance = 0;
    std::map<std::uint16_t, Held> positions;
    std::int64_t expected_positions = 0;
  };
  std::map<std::uint64_t, Acct> accounts;
  std::map<std::uint16_t, InstrumentMarks> marks;
  std::map<std::uint8_t, FundLevels> funds;
  std::uint64_t current = 0;

  void apply(const StateRecord& r) {
    switch (r.kind) {
      case StateKind::kAccount: {
        Acct& a = accounts[r.account];
        a.balance = r.account_state.balance;
        a.positions.clear();
        a.expected_positions = r.account_state.position_count;
        current = r.account;
        return;
      }
      case StateKind::kPosition:
        ASSERT_EQ(r.account, current) << "a position outside its account's group";
        accounts[r.account].positions[r.instrument] =
            Held{r.position.qty, r.position.cost, r.position.funding_snapshot};
        return;
      case StateKind::kInstrument:
        marks[r.instrument] = r.marks;
        return;
      case StateKind::kFunds:
        funds[r.asset] = r.funds;
        return;
    }
    FAIL() << "unknown state kind";
  }
};

// Everything the copy holds equals the engine's state; every engine account with money or a
// position is in the copy.
void expect_same(const RiskEngine& engine, const FedCopy& copy, std::size_t event) {
  for (std::uint32_t slot = 0; slot < engine.account_count(); ++slot) {
    const Account& a = engine.account(slot);
    const auto it = copy.accounts.find(a.id);
    const bool untouched = a.balance == 0 && a.position_count == 0;
    if (it == copy.accounts.end()) {
      ASSERT_TRUE(untouched) << "account " << a.id << " never fed, event " << event;
      continue;
    }
    ASSERT_EQ(it->second.balance, a.balance) << "account " << a.id << ", event " << event;
    ASSERT_EQ(it->second.positions.size(), a.position_count) << a.id << ", event " << event;
    ASSERT_EQ(it->second.expected_positions, a.position_count);
    for (const Position& p : engine.positions(slot)) {
      const auto held = it->second.positions.find(p.instrument);
      ASSERT_NE(held, it->second.positions.end()) << a.id << ", event " << event;
      ASSERT_EQ(held->second, (FedCopy::Held{p.qty, p.cost, p.funding_snapshot}))
          << "account " << a.id << " instrument " << p.instrument << ", event " << event;
    }
  }
  for (std::uint32_t i = 0; i < engine.instrument_count(); ++i) {
    const InstrumentState& s = engine.instrument_state(static_cast<std::uint16_t>(i));
    const auto it = copy.marks.find(static_cast<std::uint16_t>(i));
    ASSERT_NE(it, copy.marks.end());
    ASSERT_EQ(it->second.mark, s.mark) << "instrument " << i << ", event " << event;
    ASSERT_EQ(it->second.long_funding_index, s.long_funding_index) << i << ", event " << event;
    ASSERT_EQ(it->second.short_funding_index, s.short_funding_index) << i << ", event " << event;
  }
  for (std::uint32_t k = 0; k < engine.asset_count(); ++k) {
    const auto asset = static_cast<std::uint8_t>(k);
    const auto it = copy.funds.find(asset);
    ASSERT_NE(it, copy.funds.end());
    ASSERT_EQ(it->second.insurance, engine.insurance_fund(asset).raw()) << "event " << event;
    ASSERT_EQ(it->second.default_fund, engine.waterfall_state().default_fund[k]);
    ASSERT_EQ(it->second.venue_tranche, engine.waterfall_state().venue_tranche[k]);
  }
}

class StateFeed : public ::testing::TestWithParam<int> {};

TEST_P(StateFeed, ACopyFedOnlyByTheRecordsMatchesTheEngineAfterEveryEvent) {
  const auto seed = static_cast<std::uint64_t>(GetParam());
  const std::uint32_t instruments = 1 + static_cast<std::uint32_t>(seed % 3);
  test::StreamGenerator gen(seed, instruments, 40);
  const std::vector<Event> setup = gen.setup();
  RiskConfig config = test::takeover_stream_config(gen, setup, instruments);
  WaterfallConfig& w = config.waterfall;
  w.policy = static_cast<AdlPolicy>(seed % 3);  // ranked, pro-rata, socialized
  w.assessment = true;
  config.state_feed = true;
  RiskEngine engine(config);

  FedCopy copy;
  engine.emit_full_state([&](const StateRecord& r) { copy.apply(r); });
  std::size_t n = 0;
  std::uint64_t liquidations_seen = 0;
  const auto run = [&](const Event& e) {
    engine.process(e);
    engine.emit_state([&](const StateRecord& r) { copy.apply(r); });
    expect_same(engine, copy, n++);
  };
  for (const Event& e : setup)
    run(e);
  for (int i = 0; i < 4000 && !::testing::Test::HasFatalFailure(); ++i)
    run(gen.next());
  liquidations_seen = engine.waterfall_state().liquidations;
  // The stream must have exercised the waterfall, or the test proves less than it says.
  EXPECT_GT(liquidations_seen, 0u);
}

INSTANTIATE_TEST_SUITE_P(Seeds, StateFeed, ::testing::Range(0, 6));

TEST(StateFeedOff, EmitsNothingAndLeavesTheStateAsWithIt) {
  test::StreamGenerator gen(7, 2, 30);
  RiskConfig config = gen.config();
  const std::vector<Event> setup = gen.setup();
  RiskConfig fed = config;
  fed.state_feed = true;
  RiskEngine plain(config);
  RiskEngine feeding(fed);
  std::size_t emitted = 0;
  for (const Event& e : setup) {
    plain.process(e);
    feeding.process(e);
    plain.emit_state([&](const StateRecord&) { ++emitted; });
  }
  for (int i = 0; i < 2000; ++i) {
    const Event e = gen.next();
    EXPECT_EQ(plain.process(e).code, feeding.process(e).code);
    plain.emit_state([&](const StateRecord&) { ++emitted; });
  }
  EXPECT_EQ(emitted, 0u);
  EXPECT_EQ(checks::state_list(plain), checks::state_list(feeding));
}

}  // namespace
}  // namespace backstop
