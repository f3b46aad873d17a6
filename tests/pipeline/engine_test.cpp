// The embedding API: entrance checks, synchronous mode, the threaded pipeline against synchronous
// mode (same outputs, same digest), journal gating and back-pressure.
#include "pipeline/engine.hpp"
#include "pipeline/sequenced_publisher.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/test_support.hpp"
#include "pipeline/journal_reader.hpp"
#include "pipeline/state_digest.hpp"

namespace backstop {
namespace {

namespace fs = std::filesystem;

EngineConfig small_config(std::uint32_t accounts = 64) {
  EngineConfig c;
  c.risk = test::two_instrument_config(accounts);
  c.input_ring_size = 1024;
  c.output_ring_size = 1024;
  c.risk_cpu = -1;
  return c;
}

bool same_output(const OutputEvent& a, const OutputEvent& b) {
  return a.input_sequence == b.input_sequence && a.kind == b.kind && a.input_type == b.input_type &&
         a.code == b.code && a.risk.type == b.risk.type && a.risk.account == b.risk.account &&
         a.risk.equity == b.risk.equity && a.risk.maintenance == b.risk.maintenance &&
         a.risk.initial == b.risk.initial;
}

// A random but valid-looking stream on the linear instrument: accounts open and deposit, trade with
// each other at prices near the mark, the mark walks and sometimes crashes; a few events are
// invalid on purpose (unknown accounts, withdrawals too large).
std::vector<Event> random_stream(std::uint64_t seed, std::size_t events, std::uint32_t accounts) {
  std::mt19937_64 rng(seed);
  std::vector<Event> out;
  for (std::uint32_t a = 1; a <= accounts; ++a) {
    out.push_back(make_open_account(a, 0));
    out.push_back(
        make_deposit(a, Money{static_cast<std::int64_t>(100 + rng() % 5000) * 1'000'000}));
  }
  std::int64_t mark = 600'000;
  while (out.size() < events) {
    const auto roll = rng() % 100;
    const auto t = static_cast<std::int64_t>(out.size());
    if (roll < 55) {
      const std::uint64_t taker = 1 + rng() % accounts;
      std::uint64_t maker = 1 + rng() % accounts;
      if (maker == taker) maker = 1 + maker % accounts;
      const Price price{mark + static_cast<std::int64_t>(rng() % 21) - 10};
      out.push_back(make_fill(0, rng() % 2 ? Side::kBuy : Side::kSell, taker, maker, price,
                              Qty{static_cast<std::int64_t>(1 + rng() % 300)}, Money{1000},
                              Money{500}, t));
    } else if (roll < 90) {
      const std::int64_t step = roll < 88 ? static_cast<std::int64_t>(rng() % 2001) - 1000
                                          : -static_cast<std::int64_t>(mark / 12);
      mark = std::max<std::int64_t>(1000, mark + step);
      out.push_back(make_mark(0, Price{mark}, t));
    } else if (roll < 95) {
      out.push_back(make_deposit(1 + rng() % accounts, Money{1'000'000'000}, t));
    } else if (roll < 98) {
      out.push_back(make_withdraw(1 + rng() % accounts, Money{2'000'000'000}, t));
    } else {
      out.push_back(make_deposit(accounts + 1000, Money{5}, t));  // unknown account
    }
  }
  return out;
}

struct SyncRun {
  std::vector<OutputEvent> outputs;
  std::uint64_t digest = 0;
};

SyncRun run_sync(const EngineConfig& config, const std::vector<Event>& events) {
  Engine engine(config);
  SyncRun run;
  for (const Event& e : events) {
    const PublishResult r =
        engine.process(e, [&](const OutputEvent& o) { run.outputs.push_back(o); });
    EXPECT_EQ(r.status, PublishStatus::kAccepted);
  }
  run.digest = pipeline::state_digest(engine.risk());
  return run;
}

TEST(Engine, EntranceRejectsStatelessBadInputWithItsReason) {
  Engine engine(small_config());
  auto bad_fill = make_fill(0, Side::kBuy, 1, 2, Price{600'000}, Qty{0});
  EXPECT_EQ(engine.try_publish(bad_fill).code, RejectCode::kNonPositiveQty);
  bad_fill.fill.qty = Qty{-3};
  EXPECT_EQ(engine.try_publish(bad_fill).code, RejectCode::kNonPositiveQty);
  EXPECT_EQ(engine.try_publish(make_mark(0, Price{0})).code, RejectCode::kNonPositivePrice);
  EXPECT_EQ(engine.try_publish(make_deposit(1, Money{0})).code, RejectCode::kNonPositiveAmount);
  Event flagged_mark = make_mark(0, Price{10});
  flagged_mark.flags = kFlagLiquidationFill;
  EXPECT_EQ(engine.try_publish(flagged_mark).code, RejectCode::kUnknownFlags);
  Event unknown = make_mark(0, Price{10});
  unknown.type = static_cast<EventType>(77);
  const PublishResult r = engine.try_publish(unknown);
  EXPECT_EQ(r.status, PublishStatus::kRejected);
  EXPECT_EQ(r.code, RejectCode::kUnknownEventType);
  EXPECT_EQ(engine.last_input_sequence(), -1) << "nothing rejected took a sequence";
}

TEST(Engine, SequencedPublisherRefusesGapsAndDuplicates) {
  Engine engine(small_config());
  SequencedPublisher publisher(engine);
  const Event mark = make_mark(0, Price{600'000});
  EXPECT_EQ(publisher.try_publish(mark, 1).status, PublishStatus::kAccepted);
  EXPECT_EQ(publisher.try_publish(mark, 2).status, PublishStatus::kAccepted);
  const PublishResult duplicate = publisher.try_publish(mark, 2);
  EXPECT_EQ(duplicate.status, PublishStatus::kRejected);
  EXPECT_EQ(duplicate.code, RejectCode::kDuplicateSequence);
  const PublishResult gap = publisher.try_publish(mark, 5);
  EXPECT_EQ(gap.code, RejectCode::kSequenceGap);
  EXPECT_EQ(engine.last_input_sequence(), 1) << "rejected inputs took no input sequence";
  EXPECT_EQ(publisher.try_publish(mark, 3).status, PublishStatus::kAccepted);
  EXPECT_EQ(publisher.next_expected(), 4u);
  // Ring full is back-pressure: the same source sequence may be retried.
  EngineConfig tiny = small_config();
  tiny.input_ring_size = 2;
  Engine full(tiny);
  SequencedPublisher p2(full, 10);
  EXPECT_EQ(p2.try_publish(mark, 10).status, PublishStatus::kAccepted);
  EXPECT_EQ(p2.try_publish(mark, 11).status, PublishStatus::kAccepted);
  EXPECT_EQ(p2.try_publish(mark, 12).status, PublishStatus::kRingFull);
  EXPECT_EQ(p2.next_expected(), 12u);
}

TEST(Engine, OverflowAndCapacityAreTypedRejections) {
  EngineConfig config = small_config(2);
  Engine engine(config);
  std::vector<RejectCode> codes;
  const auto sink = [&](const OutputEvent& o) {
    if (o.kind == OutputKind::kRejected) codes.push_back(o.code);
  };
  engine.process(make_open_account(1, 0), sink);
  engine.process(make_open_account(2, 0), sink);
  engine.process(make_open_account(3, 0), sink);                        // capacity is 2
  engine.process(make_deposit(1, Money{std::int64_t{1} << 62}), sink);  // beyond kMaxAmount
  engine.process(make_mark(7, Price{600'000}), sink);                   // unknown instrument
  engine.process(make_fill(0, Side::kBuy, 1, 2, Price{600'000}, Qty{1}), sink);  // no margin: ok
  ASSERT_EQ(codes.size(), 3u);
  EXPECT_EQ(codes[0], RejectCode::kAccountCapacity);
  EXPECT_EQ(codes[1], RejectCode::kValueOverflow);
  EXPECT_EQ(codes[2], RejectCode::kUnknownInstrument);
}

TEST(Engine, StatefulRejectionsComeBackAsOutputsAndChangeNothing) {
  Engine engine(small_config());
  std::vector<OutputEvent> outputs;
  const auto sink = [&](const OutputEvent& o) { outputs.push_back(o); };
  ASSERT_EQ(engine.process(make_open_account(1, 0), sink).code, RejectCode::kOk);
  ASSERT_EQ(engine.process(make_deposit(1, Money{1'000'000}), sink).code, RejectCode::kOk);
  const std::uint64_t before = pipeline::state_digest(engine.risk());
  const PublishResult r = engine.process(make_deposit(99, Money{5}), sink);
  EXPECT_EQ(r.status, PublishStatus::kAccepted);
  EXPECT_EQ(r.code, RejectCode::kUnknownAccount);
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_EQ(outputs[0].kind, OutputKind::kRejected);
  EXPECT_EQ(outputs[0].code, RejectCode::kUnknownAccount);
  EXPECT_EQ(outputs[0].input_sequence, r.sequence);
  EXPECT_EQ(pipeline::state_digest(engine.risk()), before) << "a rejection changes no state";
  EXPECT_EQ(engine.process(make_mark(0, Price{999'999'999'999}), sink).code,
            RejectCode::kPriceOutOfBand);
}

TEST(Engine, SyncModeReportsAnAccountThatFallsUnderMaintenance) {
  Engine engine(small_config());
  std::vector<OutputEvent> outputs;
  const auto sink = [&](const OutputEvent& o) { outputs.push_back(o); };
  for (std::uint64_t a : {1, 2}) {
    engine.process(make_open_account(a, 0), sink);
    engine.process(make_deposit(a, Money{1'000'000'000}), sink);  // 1,000 USDT each
  }
  // Account 1 buys 0.3 BTC at 60,000 (18,000 USDT notional on 1,000 USDT: 18x).
  engine.process(make_fill(0, Side::kBuy, 1, 2, Price{600'000}, Qty{300}), sink);
  ASSERT_TRUE(outputs.empty()) << "both accounts healthy after the trade";
  // -5%: account 1 loses 900 USDT and keeps 100, above the 0.4% maintenance (68.4 USDT).
  engine.process(make_mark(0, Price{570'000}), sink);
  ASSERT_TRUE(outputs.empty());
  // -5.33%: it loses 960 USDT and keeps 40, under the maintenance of 0.4% x 17,040 = 68.16 USDT.
  engine.process(make_mark(0, Price{568'000}), sink);
  ASSERT_FALSE(outputs.empty());
  EXPECT_EQ(outputs[0].kind, OutputKind::kRisk);
  EXPECT_EQ(outputs[0].risk.account, 1u);
  EXPECT_EQ(outputs[0].risk.type, OutputType::kBecameLiquidatable);
}

TEST(Engine, ThreadedPipelineMatchesSynchronousModeOutputsAndDigest) {
  const EngineConfig config = small_config(200);
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    const auto events = random_stream(seed, 20'000, 200);
    const SyncRun expected = run_sync(config, events);
    ASSERT_GT(expected.outputs.size(), 10u) << "the stream must exercise liquidation reports";

    Engine engine(config);
    std::vector<OutputEvent> outputs;
    outputs.reserve(expected.outputs.size());
    engine.start();
    std::size_t next = 0;
    while (next < events.size()) {
      const PublishResult r = engine.try_publish(events[next]);
      if (r.status == PublishStatus::kAccepted) ++next;
      ASSERT_NE(r.status, PublishStatus::kRejected);
      engine.poll([&](const OutputEvent& o) { outputs.push_back(o); });
    }
    while (outputs.size() < expected.outputs.size())
      engine.poll([&](const OutputEvent& o) { outputs.push_back(o); });
    engine.stop();
    engine.poll([&](const OutputEvent& o) { outputs.push_back(o); });

    ASSERT_EQ(outputs.size(), expected.outputs.size()) << "seed " << seed;
    for (std::size_t i = 0; i < outputs.size(); ++i)
      ASSERT_TRUE(same_output(outputs[i], expected.outputs[i])) << "seed " << seed << " at " << i;
    EXPECT_EQ(pipeline::state_digest(engine.risk()), expected.digest) << "seed " << seed;
  }
}

TEST(Engine, PolledThroughMeansEveryOutputOfThoseInputsWasHandedOut) {
  // At every poll, the outputs handed out for inputs up to polled_through() are all the outputs
  // synchronous mode gives those inputs, and none is missing later; it reaches the last input.
  const EngineConfig config = small_config(200);
  const auto events = random_stream(4, 20'000, 200);
  const SyncRun expected = run_sync(config, events);
  // Per input sequence: how many outputs synchronous mode gave up to and including it.
  std::vector<std::size_t> outputs_through(events.size(), 0);
  for (const OutputEvent& o : expected.outputs)
    ++outputs_through[static_cast<std::size_t>(o.input_sequence)];
  for (std::size_t i = 1; i < outputs_through.size(); ++i)
    outputs_through[i] += outputs_through[i - 1];

  Engine engine(config);
  EXPECT_EQ(engine.polled_through(), -1);
  std::vector<OutputEvent> outputs;
  outputs.reserve(expected.outputs.size());
  auto poll_and_check = [&] {
    engine.poll([&](const OutputEvent& o) { outputs.push_back(o); });
    const std::int64_t through = engine.polled_through();
    ASSERT_LT(through, static_cast<std::int64_t>(events.size()));
    const std::size_t due = through < 0 ? 0 : outputs_through[static_cast<std::size_t>(through)];
    ASSERT_GE(outputs.size(), due) << "polled through input " << through;
  };
  engine.start();
  std::size_t next = 0;
  std::int64_t last_through = -1;
  while (next < events.size()) {
    if (engine.try_publish(events[next]).status == PublishStatus::kAccepted) ++next;
    poll_and_check();
    ASSERT_GE(engine.polled_through(), last_through);  // never goes back
    last_through = engine.polled_through();
  }
  while (engine.polled_through() < static_cast<std::int64_t>(events.size()) - 1)
    poll_and_check();
  EXPECT_EQ(outputs.size(), expected.outputs.size());
  engine.stop();
  engine.poll([&](const OutputEvent& o) { outputs.push_back(o); });
  ASSERT_EQ(outputs.size(), expected.outputs.size());
  for (std::size_t i = 0; i < outputs.size(); ++i)
    ASSERT_TRUE(same_output(outputs[i], expected.outputs[i])) << "at " << i;
}

// Real marks: the 2025-10-10 BTCUSD_PERP crash, one-minute bars (open, high, low, close walked in
// order), on the linear instrument, with random fills between them.
std::vector<Event> real_mark_stream(std::uint32_t accounts) {
  const std::string path =
      std::string(BACKSTOP_DATA_DIR) + "/binance_cm_BTCUSD_PERP_markPrice_1m_2025-10-10.csv";
  std::ifstream in(path);
  std::vector<Event> out;
  if (!in) return out;
  std::mt19937_64 rng(17);
  for (std::uint32_t a = 1; a <= accounts; ++a) {
    out.push_back(make_open_account(a, 0));
    out.push_back(
        make_deposit(a, Money{static_cast<std::int64_t>(200 + rng() % 3000) * 1'000'000}));
  }
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::stringstream fields(line);
    std::string cell;
    std::vector<std::string> cells;
    while (std::getline(fields, cell, ','))
      cells.push_back(cell);
    for (int column : {1, 2, 3, 4}) {
      // Prices have at most 8 decimals; one tick is 0.1 USD. Rounded down: a test stream only.
      const auto ticks =
          static_cast<std::int64_t>(std::stod(cells[static_cast<std::size_t>(column)]) * 10);
      out.push_back(make_mark(0, Price{ticks}));
      for (int k = 0; k < 3; ++k) {
        const std::uint64_t taker = 1 + rng() % accounts;
        const std::uint64_t maker = 1 + (taker + rng() % (accounts - 1)) % accounts;
        out.push_back(make_fill(0, rng() % 2 ? Side::kBuy : Side::kSell, taker, maker, Price{ticks},
                                Qty{static_cast<std::int64_t>(1 + rng() % 100)}));
      }
    }
  }
  return out;
}

TEST(Engine, ThreadedPipelineMatchesSynchronousModeOnRealMarks) {
  const EngineConfig config = small_config(300);
  const auto events = real_mark_stream(300);
  if (events.empty()) GTEST_SKIP() << "../shared/data not found: real-data pipeline test skipped";
  const SyncRun expected = run_sync(config, events);
  ASSERT_GT(expected.outputs.size(), 20u);
  Engine engine(config);
  std::vector<OutputEvent> outputs;
  engine.start();
  for (std::size_t next = 0; next < events.size();) {
    if (engine.try_publish(events[next]).status == PublishStatus::kAccepted) ++next;
    engine.poll([&](const OutputEvent& o) { outputs.push_back(o); });
  }
  engine.stop();
  engine.poll([&](const OutputEvent& o) { outputs.push_back(o); });
  ASSERT_EQ(outputs.size(), expected.outputs.size());
  for (std::size_t i = 0; i < outputs.size(); ++i)
    ASSERT_EQ(std::memcmp(&outputs[i], &expected.outputs[i], sizeof(OutputEvent)), 0) << i;
  EXPECT_EQ(pipeline::state_digest(engine.risk()), expected.digest);
}

TEST(Engine, FullInputRingIsBackPressureNotLoss) {
  EngineConfig config = small_config();
  config.input_ring_size = 8;
  Engine engine(config);
  int accepted = 0;
  for (int i = 0; i < 8; ++i)
    accepted +=
        engine.try_publish(make_mark(0, Price{600'000 + i})).status == PublishStatus::kAccepted;
  EXPECT_EQ(accepted, 8);
  const PublishResult full = engine.try_publish(make_mark(0, Price{1}));
  EXPECT_EQ(full.status, PublishStatus::kRingFull);
  std::vector<Event> batch(3, make_mark(0, Price{600'000}));
  EXPECT_EQ(engine.try_publish_batch(batch).status, PublishStatus::kRingFull);
  engine.start();
  engine.stop();
  EXPECT_EQ(engine.risk().instrument_state(0).mark, 600'007) << "all eight applied, in order";
  EXPECT_EQ(engine.try_publish_batch(batch).status, PublishStatus::kAccepted);
}

TEST(Engine, BatchWithAnInvalidEventIsRejectedWhole) {
  Engine engine(small_config());
  std::vector<Event> batch{make_mark(0, Price{600'000}), make_mark(0, Price{-1}),
                           make_mark(0, Price{600'001})};
  const PublishResult r = engine.try_publish_batch(batch);
  EXPECT_EQ(r.status, PublishStatus::kRejected);
  EXPECT_EQ(r.code, RejectCode::kNonPositivePrice);
  EXPECT_EQ(r.sequence, 1) << "the offending event's index";
  EXPECT_EQ(engine.last_input_sequence(), -1);
}

class EngineJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = fs::temp_directory_path() /
              ("backstop-engine-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(folder_);
  }
  void TearDown() override { fs::remove_all(folder_); }
  fs::path folder_;
};

TEST_F(EngineJournalTest, OutputsWaitForTheJournalAndTheJournalHoldsEveryInput) {
  EngineConfig config = small_config(200);
  config.journal.folder = folder_;
  config.journal.sync = SyncPolicy::kEveryMicros;
  config.journal.sync_every_us = 200;
  const auto events = random_stream(11, 5'000, 200);
  const SyncRun expected = run_sync(small_config(200), events);

  Engine engine(config);
  engine.start();
  std::vector<OutputEvent> outputs;
  std::int64_t max_released_input = -1;
  std::size_t next = 0;
  bool gate_held = true;
  while (next < events.size()) {
    if (engine.try_publish(events[next]).status == PublishStatus::kAccepted) ++next;
    engine.poll([&](const OutputEvent& o) {
      // Checked at release: the input of every released output is already durable.
      gate_held = gate_held && o.input_sequence <= engine.durable_input_sequence();
      max_released_input = std::max(max_released_input, o.input_sequence);
      outputs.push_back(o);
    });
    // Read after the poll, the durable sequence can only have moved on.
    gate_held = gate_held && engine.polled_through() <= engine.durable_input_sequence();
  }
  engine.stop();
  engine.poll([&](const OutputEvent& o) { outputs.push_back(o); });
  EXPECT_TRUE(gate_held) << "an output was released before its input was durable";
  EXPECT_EQ(engine.durable_input_sequence(), static_cast<std::int64_t>(events.size()) - 1);
  ASSERT_EQ(outputs.size(), expected.outputs.size());
  EXPECT_EQ(pipeline::state_digest(engine.risk()), expected.digest);

  // The journal replays into the same state.
  std::vector<Event> journaled;
  const pipeline::JournalScan scan = pipeline::scan_journal(
      folder_, -1,
      [&](const pipeline::JournalRecord& r) {
        Event e;
        ASSERT_EQ(r.payload.size(), sizeof e);
        std::memcpy(&e, r.payload.data(), sizeof e);
        journaled.push_back(e);
      },
      false);
  EXPECT_EQ(scan.damage, pipeline::JournalDamage::kNone) << scan.detail;
  ASSERT_EQ(journaled.size(), events.size());
  EXPECT_EQ(run_sync(small_config(200), journaled).digest, expected.digest);
}

TEST_F(EngineJournalTest, SyncModeWithJournalMakesEachInputDurableFirst) {
  EngineConfig config = small_config();
  config.journal.folder = folder_;
  config.journal.sync = SyncPolicy::kEveryMicros;
  config.journal.sync_every_us = 1'000'000;  // a timer that would never fire in this test
  Engine engine(config);
  const auto sink = [](const OutputEvent&) {};
  engine.process(make_open_account(1, 0), sink);
  EXPECT_EQ(engine.durable_input_sequence(), 0);
  engine.process(make_deposit(1, Money{10}), sink);
  EXPECT_EQ(engine.durable_input_sequence(), 1);
}

TEST(EngineConfig, InvalidValuesAreReportedWithTheirKey) {
  EngineConfig c = small_config();
  c.input_ring_size = 1000;
  EXPECT_EQ(validate_engine_config(c).rfind("engine.input_ring_size", 0), 0u);
  EXPECT_THROW(Engine{c}, std::invalid_argument);
  c = small_config();
  c.journal.folder = "/tmp/x";
  c.journal.sync = SyncPolicy::kEveryN;
  c.journal.sync_every_records = 0;
  EXPECT_EQ(validate_engine_config(c).rfind("journal.sync_every_records", 0), 0u);
}

}  // namespace
}  // namespace backstop
