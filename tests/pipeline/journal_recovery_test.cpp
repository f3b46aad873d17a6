// Recovery refuses what it cannot trust and reports what it did: damage in the middle of the newest
// journal file is corruption (never cut), inputs missing between files or before the first file
// are a gap, a journal or snapshot of another configuration is named as such, a fresh run refuses
// a folder that holds a journal, and a torn tail is reported with the bytes cut and the last input
// kept (docs/journal.md).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include "core/test_support.hpp"
#include "pipeline/engine.hpp"
#include "pipeline/journal_format.hpp"
#include "pipeline/journal_reader.hpp"
#include "pipeline/recovery.hpp"
#include "pipeline/state_digest.hpp"

namespace backstop {
namespace {

namespace fs = std::filesystem;

EngineConfig journaled(const fs::path& folder) {
  EngineConfig c;
  c.risk = test::two_instrument_config(128);
  c.risk_cpu = -1;
  c.journal.folder = folder;
  c.journal.sync = SyncPolicy::kOff;  // the tests need the files, not the disk flush
  return c;
}

std::vector<Event> events(std::size_t n) {
  std::mt19937_64 rng(77);
  std::vector<Event> out;
  for (std::uint64_t a = 1; a <= 64; ++a) {
    out.push_back(make_open_account(a, 0));
    out.push_back(make_deposit(a, Money{2'000'000'000}));
  }
  std::int64_t mark = 600'000;
  while (out.size() < n) {
    const auto t = static_cast<std::int64_t>(out.size());
    if (rng() % 3 == 0) {
      mark += static_cast<std::int64_t>(rng() % 401) - 200;
      out.push_back(make_mark(0, Price{mark}, t));
    } else {
      const std::uint64_t taker = 1 + rng() % 64;
      const std::uint64_t maker = 1 + (taker + rng() % 63) % 64;
      out.push_back(make_fill(0, rng() % 2 ? Side::kBuy : Side::kSell, taker, maker, Price{mark},
                              Qty{static_cast<std::int64_t>(1 + rng() % 20)}, Money{10}, Money{5},
                              t));
    }
  }
  return out;
}

class JournalRecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = fs::temp_directory_path() /
              ("backstop-jrec-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(folder_);
  }
  void TearDown() override { fs::remove_all(folder_); }

  // Journals `n` inputs under `config` and returns the digest of the state they lead to.
  std::uint64_t run(const EngineConfig& config, std::size_t n) {
    Engine engine(config);
    for (const Event& e : events(n))
      (void)engine.process(e, [](const OutputEvent&) {});
    return pipeline::state_digest(engine.risk());
  }

  // The RecoveryError an engine on `config` refuses to start with (failure() 0: it started).
  static RecoveryError refusal(const EngineConfig& config) {
    try {
      Engine engine(config);
    } catch (const RecoveryError& e) {
      return e;
    }
    return RecoveryError(RecoveryFailure{}, "started");
  }

  fs::path folder_;
};

TEST_F(JournalRecoveryTest, DamagedFrameMidNewestFileRefusesToStartAndCutsNothing) {
  EngineConfig c = journaled(folder_);
  c.journal.max_file_bytes = 64 << 10;
  run(c, 5'000);
  const auto files = pipeline::journal_files(folder_);
  ASSERT_GT(files.size(), 2u);
  const fs::path newest = files.back();
  const auto size = fs::file_size(newest);
  // Zero 4 KiB in the middle of the newest file, well before its end.
  const std::uintmax_t at = size / 3;
  ASSERT_GT(size - at, 4096u + 1000u);
  {
    std::fstream f(newest, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(at));
    const std::vector<char> zeros(4096, 0);
    f.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
  }
  const RecoveryError e = refusal(c);
  EXPECT_EQ(e.failure(), RecoveryFailure::kCorruptJournal) << e.what();
  EXPECT_EQ(e.damage(), pipeline::JournalDamage::kCorruptMiddle);
  EXPECT_EQ(e.file(), newest);
  EXPECT_LE(e.offset(), at);
  EXPECT_NE(std::string(e.what()).find(newest.string() + " at byte " + std::to_string(e.offset())),
            std::string::npos)
      << e.what();
  EXPECT_EQ(fs::file_size(newest), size) << "the valid frames after the damage must survive";
  EXPECT_EQ(pipeline::journal_files(folder_), files);
}

TEST_F(JournalRecoveryTest, MissingMiddleFileIsRefused) {
  EngineConfig c = journaled(folder_);
  c.journal.max_file_bytes = 16 << 10;
  run(c, 3'000);
  const auto files = pipeline::journal_files(folder_);
  ASSERT_GT(files.size(), 3u);
  fs::remove(files[1]);
  const RecoveryError e = refusal(c);
  EXPECT_EQ(e.failure(), RecoveryFailure::kCorruptJournal) << e.what();
  EXPECT_EQ(e.damage(), pipeline::JournalDamage::kSequenceGap);
  EXPECT_NE(std::string(e.what()).find("are missing"), std::string::npos) << e.what();
}

TEST_F(JournalRecoveryTest, MissingFirstFileIsRefusedWithoutASnapshot) {
  EngineConfig c = journaled(folder_);
  c.journal.max_file_bytes = 16 << 10;
  run(c, 3'000);
  const auto files = pipeline::journal_files(folder_);
  ASSERT_GT(files.size(), 2u);
  fs::remove(files[0]);
  const RecoveryError e = refusal(c);
  EXPECT_EQ(e.failure(), RecoveryFailure::kMissingInputs) << e.what();
  EXPECT_NE(std::string(e.what()).find("inputs 0 to"), std::string::npos) << e.what();
}

TEST_F(JournalRecoveryTest, FramesCutAtABoundaryFromAnOlderFileAreRefused) {
  EngineConfig c = journaled(folder_);
  c.journal.max_file_bytes = 16 << 10;
  run(c, 3'000);
  const auto files = pipeline::journal_files(folder_);
  ASSERT_GT(files.size(), 3u);
  // Every input is one 88-byte frame: cut the last 100 whole frames of the second file.
  const std::uintmax_t frame = sizeof(pipeline::FrameHeader) + sizeof(Event);
  fs::resize_file(files[1], fs::file_size(files[1]) - 100 * frame);
  const RecoveryError e = refusal(c);
  EXPECT_EQ(e.damage(), pipeline::JournalDamage::kSequenceGap) << e.what();
  EXPECT_EQ(e.file(), files[2]);
}

TEST_F(JournalRecoveryTest, AnotherConfigurationIsRefusedNamingTheSetting) {
  run(journaled(folder_), 1'000);
  EngineConfig more_accounts = journaled(folder_);
  more_accounts.risk.max_accounts = 256;
  RecoveryError e = refusal(more_accounts);
  EXPECT_EQ(e.failure(), RecoveryFailure::kConfigMismatch) << e.what();
  EXPECT_NE(
      std::string(e.what()).find("risk.max_accounts: 128 in the journal, 256 in the configuration"),
      std::string::npos)
      << e.what();

  EngineConfig other_multiplier = journaled(folder_);
  other_multiplier.risk.instruments[0].multiplier *= 10;
  e = refusal(other_multiplier);
  EXPECT_EQ(e.failure(), RecoveryFailure::kConfigMismatch) << e.what();
  EXPECT_NE(std::string(e.what()).find("instrument[0].multiplier"), std::string::npos) << e.what();

  EngineConfig other_waterfall = journaled(folder_);
  other_waterfall.risk.waterfall.policy = AdlPolicy::kSocialized;
  e = refusal(other_waterfall);
  EXPECT_NE(std::string(e.what()).find("waterfall.policy"), std::string::npos) << e.what();
}

TEST_F(JournalRecoveryTest, SettingsThatDoNotChangeResultsMayChange) {
  const std::uint64_t digest = run(journaled(folder_), 1'000);
  EngineConfig retuned = journaled(folder_);
  retuned.input_ring_size = 1 << 10;
  retuned.journal.sync = SyncPolicy::kEveryBatch;
  retuned.risk.waterfall.adl_dirty_capacity = 64;
  retuned.risk.waterfall.audit_capacity = 10'000;
  Engine recovered(retuned);
  EXPECT_EQ(pipeline::state_digest(recovered.risk()), digest);
}

TEST_F(JournalRecoveryTest, ASnapshotOfAnotherConfigurationIsRefused) {
  {
    Engine engine(journaled(folder_));
    for (const Event& e : events(1'000))
      (void)engine.process(e, [](const OutputEvent&) {});
    std::string error;
    ASSERT_TRUE(engine.save_snapshot(error)) << error;
  }
  EngineConfig c = journaled(folder_);
  c.risk.max_abs_funding_rate_e8 += 1;
  const RecoveryError e = refusal(c);
  EXPECT_EQ(e.failure(), RecoveryFailure::kConfigMismatch) << e.what();
  EXPECT_NE(std::string(e.what()).find("snapshot-"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("risk.max_abs_funding_rate_e8"), std::string::npos)
      << e.what();
}

TEST_F(JournalRecoveryTest, AFreshRunRefusesAFolderThatHoldsAJournal) {
  run(journaled(folder_), 500);
  EngineConfig fresh = journaled(folder_);
  fresh.journal.start = JournalStart::kFresh;
  const RecoveryError e = refusal(fresh);
  EXPECT_EQ(e.failure(), RecoveryFailure::kFolderInUse) << e.what();
  EXPECT_NE(std::string(e.what()).find("already holds a journal"), std::string::npos) << e.what();
  // Resuming is explicit, and continues the inputs.
  Engine resumed(journaled(folder_));
  EXPECT_EQ(resumed.last_input_sequence(), 499);
  // An empty folder, or a missing one, is a fresh start either way.
  fs::remove_all(folder_);
  Engine created(fresh);
  EXPECT_EQ(created.last_input_sequence(), -1);
  EXPECT_TRUE(fs::is_directory(folder_));
}

TEST_F(JournalRecoveryTest, AJournalPathThatIsNotAFolderIsAnError) {
  { std::ofstream(folder_.string()) << "not a folder"; }
  RecoveryError e = refusal(journaled(folder_));
  EXPECT_EQ(e.failure(), RecoveryFailure::kNotAFolder) << e.what();
  EXPECT_NE(std::string(e.what()).find("is not a folder"), std::string::npos) << e.what();
  // Missing and not creatable: its parent is a file.
  e = refusal(journaled(folder_ / "journal"));
  EXPECT_EQ(e.failure(), RecoveryFailure::kNotAFolder) << e.what();
  EXPECT_NE(std::string(e.what()).find("cannot create"), std::string::npos) << e.what();
  fs::remove(folder_);
  // The tools' read-only recovery: a missing folder is not an empty journal.
  RecoveryReport report;
  EXPECT_THROW(pipeline::recover_risk(journaled(folder_).risk, folder_, false, report),
               RecoveryError);
}

TEST_F(JournalRecoveryTest, ATornTailIsReportedWithTheBytesCutAndTheLastInputKept) {
  EngineConfig c = journaled(folder_);
  run(c, 1'000);
  const fs::path newest = pipeline::journal_files(folder_).back();
  fs::resize_file(newest, fs::file_size(newest) - 10);
  // Read-only first (the tools): reported, not cut.
  RecoveryReport report;
  pipeline::recover_risk(c.risk, folder_, false, report);
  EXPECT_EQ(report.torn_tail_bytes, sizeof(pipeline::FrameHeader) + sizeof(Event) - 10);
  EXPECT_FALSE(report.torn_tail_cut);
  EXPECT_EQ(report.last_sequence, 998);
  EXPECT_NE(pipeline::describe_recovery(report).find("torn tail: 78 bytes"), std::string::npos)
      << pipeline::describe_recovery(report);
  // Then the owner: cut, and the same figures.
  Engine engine(c);
  EXPECT_EQ(engine.recovery().torn_tail_bytes, report.torn_tail_bytes);
  EXPECT_TRUE(engine.recovery().torn_tail_cut);
  EXPECT_EQ(engine.recovery().torn_tail_file, newest.string());
  EXPECT_EQ(engine.recovery().last_sequence, 998);
  EXPECT_EQ(engine.recovery().journal_files, 1u);
  EXPECT_NE(pipeline::describe_recovery(engine.recovery()).find("cut off"), std::string::npos);
}

}  // namespace
}  // namespace backstop
