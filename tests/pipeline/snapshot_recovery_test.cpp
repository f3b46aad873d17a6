// Snapshots of the whole risk state: a restored engine has the same digest and, fed the same
// events, produces byte-identical outputs; recovery = newest valid snapshot + journal suffix, with
// a fallback to older snapshots or the journal alone when a snapshot is damaged.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include "core/test_support.hpp"
#include "pipeline/config_fingerprint.hpp"
#include "pipeline/engine.hpp"
#include "pipeline/journal_reader.hpp"
#include "pipeline/recovery.hpp"
#include "pipeline/risk_state_io.hpp"
#include "pipeline/snapshot_file.hpp"
#include "pipeline/state_digest.hpp"
#include "support/state_list.hpp"

namespace backstop {
namespace {

namespace fs = std::filesystem;

std::vector<Event> stream(std::uint64_t seed, std::size_t n) {
  std::mt19937_64 rng(seed);
  std::vector<Event> out;
  for (std::uint64_t a = 1; a <= 100; ++a) {
    out.push_back(make_open_account(a, a % 5 == 0 ? 1 : 0));
    out.push_back(make_deposit(a, Money{a % 5 == 0 ? 20'000'000 : 2'000'000'000}));
  }
  std::int64_t marks[2] = {600'000, 500'000};
  while (out.size() < n) {
    const auto t = static_cast<std::int64_t>(out.size());
    const std::uint16_t inst = rng() % 4 == 0 ? 1 : 0;
    if (rng() % 3 == 0) {
      marks[inst] = std::max<std::int64_t>(
          20'000, marks[inst] + static_cast<std::int64_t>(rng() % 4001) - 2000);
      out.push_back(make_mark(inst, Price{marks[inst]}, t));
    } else if (rng() % 40 == 0) {
      out.push_back(make_funding(inst, static_cast<std::int64_t>(rng() % 2001) - 1000, t));
    } else {
      // Linear trades between USDT accounts, inverse ones between BTC accounts (every 5th).
      const std::uint64_t k = 1 + rng() % 20;
      const std::uint64_t taker = inst == 1 ? 5 * k : (k * 5 + 1 + rng() % 4);
      const std::uint64_t maker =
          inst == 1 ? 5 * (1 + (k + rng() % 19) % 20) : 1 + rng() % 4 + 5 * (rng() % 20);
      if (taker == maker || taker > 100 || maker > 100) continue;
      out.push_back(make_fill(inst, rng() % 2 ? Side::kBuy : Side::kSell, taker, maker,
                              Price{marks[inst]}, Qty{static_cast<std::int64_t>(1 + rng() % 400)},
                              Money{10}, Money{5}, t));
    }
  }
  return out;
}

EngineConfig config_with(const fs::path& folder) {
  EngineConfig c;
  c.risk = test::two_instrument_config(128);
  c.risk_cpu = -1;
  c.journal.folder = folder;
  c.journal.sync = SyncPolicy::kOff;  // the tests do not need the disk flush, only the file
  return c;
}

class SnapshotRecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = fs::temp_directory_path() /
              ("backstop-snaprec-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(folder_);
  }
  void TearDown() override { fs::remove_all(folder_); }
  fs::path folder_;
};

TEST_F(SnapshotRecoveryTest, RestoredStateGivesTheSameDigestAndTheSameOutputs) {
  const auto events = stream(5, 40'000);
  EngineConfig c = config_with({});
  c.journal = JournalOptions{};
  Engine original(c);
  int outputs_seen = 0;
  for (std::size_t i = 0; i < events.size() / 2; ++i)
    (void)original.process(events[i], [&](const OutputEvent&) { ++outputs_seen; });
  std::vector<std::byte> bytes;
  RiskStateIo::save(original.risk(), bytes);
  RiskEngine restored(c.risk);
  std::string error;
  ASSERT_TRUE(RiskStateIo::load(restored, bytes, error)) << error;
  EXPECT_EQ(pipeline::state_digest(restored), pipeline::state_digest(original.risk()));
  EXPECT_TRUE(test::conservation_holds(restored));
  // The second half, event by event, through both: identical results and outputs.
  RiskEngine& a = const_cast<RiskEngine&>(original.risk());
  std::size_t compared = 0;
  for (std::size_t i = events.size() / 2; i < events.size(); ++i) {
    const EventResult ra = a.process(events[i]);
    const EventResult rb = restored.process(events[i]);
    ASSERT_EQ(ra.code, rb.code) << i;
    ASSERT_EQ(a.outputs().size(), restored.outputs().size()) << i;
    for (std::size_t k = 0; k < a.outputs().size(); ++k)
      ASSERT_EQ(std::memcmp(&a.outputs()[k], &restored.outputs()[k], sizeof(RiskOutput)), 0) << i;
    compared += a.outputs().size();
  }
  EXPECT_GT(compared, 20u) << "the stream must produce liquidation reports to compare";
  EXPECT_EQ(pipeline::state_digest(restored), pipeline::state_digest(a));
  EXPECT_GT(outputs_seen, 0);
}

TEST_F(SnapshotRecoveryTest, WaterfallStateSurvivesASnapshot) {
  // Takeover liquidations, a funded insurance fund and default fund, ranked ADL on the linear
  // instrument and socialized loss on the inverse one: the restored engine must carry on exactly.
  RiskConfig c = test::two_instrument_config(128);
  c.waterfall.mode = LiquidationMode::kTakeover;
  c.waterfall.backstop_accounts = {1001, 1002};
  c.waterfall.liquidation_fee_rate = 5'000;
  c.waterfall.instrument_policy = {AdlPolicy::kRanked, AdlPolicy::kSocialized};
  std::vector<Event> events{make_open_account(1001, 0), make_open_account(1002, 1),
                            make_fund_deposit(FundKind::kInsurance, 0, Money{50'000'000}),
                            make_fund_deposit(FundKind::kInsurance, 1, Money{1'000'000})};
  const auto tail = stream(12, 40'000);
  events.insert(events.end(), tail.begin(), tail.begin() + 200);  // accounts and deposits
  for (std::uint64_t member = 1; member <= 8; ++member) {
    events.push_back(make_fund_deposit(FundKind::kDefaultFund, member % 5 == 0 ? 1 : 0,
                                       Money{1'000'000}, member));
  }
  events.insert(events.end(), tail.begin() + 200, tail.end());

  RiskEngine a(c);
  for (std::size_t i = 0; i < events.size() / 2; ++i)
    (void)a.process(events[i]);
  std::vector<std::byte> bytes;
  RiskStateIo::save(a, bytes);
  RiskEngine b(c);
  std::string error;
  ASSERT_TRUE(RiskStateIo::load(b, bytes, error)) << error;
  ASSERT_EQ(pipeline::state_digest(a), pipeline::state_digest(b));
  // Beyond the digest: the counters and the default-fund member list come back too.
  const std::vector<std::string> saved = checks::state_list(a);
  EXPECT_EQ(checks::state_list(b), saved);
  EXPECT_TRUE(std::find(saved.begin(), saved.end(), "members 8") != saved.end())
      << "the eight contributions must be in the list";
  std::uint64_t records = 0;
  for (std::size_t i = events.size() / 2; i < events.size(); ++i) {
    ASSERT_EQ(a.process(events[i]).code, b.process(events[i]).code) << i;
    ASSERT_EQ(a.outputs().size(), b.outputs().size()) << i;
    ASSERT_EQ(a.waterfall_records().size(), b.waterfall_records().size()) << i;
    for (std::size_t k = 0; k < a.waterfall_records().size(); ++k) {
      ASSERT_EQ(std::memcmp(&a.waterfall_records()[k], &b.waterfall_records()[k],
                            sizeof(WaterfallRecord)),
                0)
          << i;
    }
    records += a.waterfall_records().size();
  }
  EXPECT_GT(a.waterfall_state().liquidations, 0u) << "the stream must liquidate accounts";
  EXPECT_GT(records, 0u);
  EXPECT_EQ(pipeline::state_digest(a), pipeline::state_digest(b));
}

TEST_F(SnapshotRecoveryTest, LoadRefusesStateFromAnotherConfiguration) {
  EngineConfig c = config_with({});
  RiskEngine source(c.risk);
  std::vector<std::byte> bytes;
  RiskStateIo::save(source, bytes);
  RiskConfig other = c.risk;
  other.instruments.pop_back();
  RiskEngine target(other);
  std::string error;
  EXPECT_FALSE(RiskStateIo::load(target, bytes, error));
  EXPECT_NE(error.find("instruments"), std::string::npos) << error;
  bytes.pop_back();
  RiskEngine same(c.risk);
  EXPECT_FALSE(RiskStateIo::load(same, bytes, error));
}

TEST_F(SnapshotRecoveryTest, RecoveryStartsFromTheSnapshotAndReplaysOnlyTheSuffix) {
  const auto events = stream(8, 20'000);
  std::uint64_t expected = 0;
  {
    Engine engine(config_with(folder_));
    for (std::size_t i = 0; i < 12'000; ++i)
      (void)engine.process(events[i], [](const OutputEvent&) {});
    std::string error;
    ASSERT_TRUE(engine.save_snapshot(error)) << error;
    for (std::size_t i = 12'000; i < events.size(); ++i)
      (void)engine.process(events[i], [](const OutputEvent&) {});
    expected = pipeline::state_digest(engine.risk());
  }
  Engine recovered(config_with(folder_));
  EXPECT_EQ(recovered.recovery().snapshot_sequence, 11'999);
  EXPECT_EQ(recovered.recovery().replayed, events.size() - 12'000);
  EXPECT_EQ(recovered.last_input_sequence(), static_cast<std::int64_t>(events.size()) - 1);
  EXPECT_EQ(pipeline::state_digest(recovered.risk()), expected);
}

TEST_F(SnapshotRecoveryTest, DamagedSnapshotFallsBackToAnOlderOneOrToTheJournal) {
  const auto events = stream(9, 15'000);
  std::uint64_t expected = 0;
  {
    Engine engine(config_with(folder_));
    std::string error;
    for (std::size_t i = 0; i < events.size(); ++i) {
      (void)engine.process(events[i], [](const OutputEvent&) {});
      if (i == 4'999 || i == 9'999) {
        ASSERT_TRUE(engine.save_snapshot(error)) << error;
      }
    }
    expected = pipeline::state_digest(engine.risk());
  }
  const auto flip = [&](std::int64_t sequence) {
    const fs::path file = folder_ / pipeline::snapshot_file_name(sequence);
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(file)) - 200);  // inside the payload
    f.put('\x55');
  };
  flip(9'999);
  {
    Engine recovered(config_with(folder_));
    EXPECT_EQ(recovered.recovery().snapshot_sequence, 4'999);
    ASSERT_EQ(recovered.recovery().passed_over.size(), 1u);
    EXPECT_NE(recovered.recovery().passed_over[0].find("CRC"), std::string::npos);
    EXPECT_EQ(pipeline::state_digest(recovered.risk()), expected);
  }
  flip(4'999);
  Engine from_journal(config_with(folder_));
  EXPECT_EQ(from_journal.recovery().snapshot_sequence, -1);
  EXPECT_EQ(from_journal.recovery().replayed, events.size());
  EXPECT_EQ(pipeline::state_digest(from_journal.risk()), expected);
}

TEST_F(SnapshotRecoveryTest, ASecondReaderSnapshotsALiveJournalWithoutTouchingIt) {
  // The snapshot tool's path: read-only recovery (no cut) and a snapshot at the last sequence.
  const auto events = stream(10, 8'000);
  Engine engine(config_with(folder_));
  for (const Event& e : events)
    (void)engine.process(e, [](const OutputEvent&) {});
  const auto files_before = pipeline::journal_files(folder_);
  RecoveryReport report;
  auto risk = pipeline::recover_risk(config_with(folder_).risk, folder_, false, report);
  EXPECT_EQ(report.last_sequence, 7'999);
  EXPECT_EQ(pipeline::state_digest(*risk), pipeline::state_digest(engine.risk()));
  std::string error;
  ASSERT_TRUE(pipeline::save_risk_snapshot(
      folder_, pipeline::config_fingerprint(config_with(folder_).risk).text, *risk,
      report.last_sequence, error))
      << error;
  EXPECT_EQ(pipeline::journal_files(folder_), files_before);
}

}  // namespace
}  // namespace backstop
