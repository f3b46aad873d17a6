#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "pipeline/journal_format.hpp"
#include "pipeline/journal_reader.hpp"
#include "pipeline/journal_writer.hpp"

namespace backstop::pipeline {
namespace {

namespace fs = std::filesystem;

// A canonical configuration text (config_fingerprint.hpp) for the files these tests write.
const std::string kConfig = "risk.max_accounts=8\ninstruments=0\n";

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = fs::temp_directory_path() /
              ("backstop-journal-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(folder_);
  }
  void TearDown() override { fs::remove_all(folder_); }

  JournalOptions options(SyncPolicy sync = SyncPolicy::kEveryBatch) const {
    JournalOptions o;
    o.folder = folder_;
    o.sync = sync;
    return o;
  }

  static std::vector<std::byte> payload_for(std::int64_t sequence) {
    std::vector<std::byte> p(static_cast<std::size_t>(8 + sequence % 57));
    for (std::size_t i = 0; i < p.size(); ++i)
      p[i] = static_cast<std::byte>((sequence * 131 + static_cast<std::int64_t>(i)) & 0xFF);
    return p;
  }

  // Writes sequences [first, last] and returns the writer's durable sequence.
  std::int64_t write_range(const JournalOptions& o, std::int64_t first, std::int64_t last) {
    std::string error;
    auto writer = JournalWriter::open(o, first, kConfig, error);
    EXPECT_TRUE(writer) << error;
    if (!writer) return -1;
    for (std::int64_t s = first; s <= last; ++s) {
      const auto p = payload_for(s);
      EXPECT_TRUE(writer->append(s, static_cast<std::uint16_t>(s % 7), p));
      if (s % 10 == 9) {
        EXPECT_TRUE(writer->end_of_batch(static_cast<std::uint64_t>(s)));
      }
    }
    EXPECT_TRUE(writer->sync());
    return writer->durable_sequence();
  }

  std::vector<std::int64_t> read_all(JournalScan& scan, bool cut = false) {
    std::vector<std::int64_t> sequences;
    scan = scan_journal(
        folder_, -1,
        [&](const JournalRecord& r) {
          const auto expected = payload_for(r.sequence);
          EXPECT_EQ(r.type, r.sequence % 7);
          EXPECT_TRUE(r.payload.size() == expected.size() &&
                      std::memcmp(r.payload.data(), expected.data(), expected.size()) == 0)
              << "payload of " << r.sequence;
          sequences.push_back(r.sequence);
        },
        cut);
    return sequences;
  }

  fs::path folder_;
};

TEST_F(JournalTest, RoundTripsEveryRecordInOrder) {
  EXPECT_EQ(write_range(options(), 0, 999), 999);
  JournalScan scan;
  const auto seen = read_all(scan);
  ASSERT_EQ(seen.size(), 1000u);
  for (std::int64_t i = 0; i < 1000; ++i)
    ASSERT_EQ(seen[i], i);
  EXPECT_EQ(scan.damage, JournalDamage::kNone) << scan.detail;
  EXPECT_EQ(scan.first_sequence, 0);
  EXPECT_EQ(scan.last_sequence, 999);
}

TEST_F(JournalTest, EmptyOrMissingFolderIsAnEmptyScan) {
  JournalScan scan;
  EXPECT_TRUE(read_all(scan).empty());
  EXPECT_EQ(scan.damage, JournalDamage::kNone);
  EXPECT_EQ(scan.files, 0u);
}

TEST_F(JournalTest, AppendsOnlyTheNextSequence) {
  std::string error;
  auto writer = JournalWriter::open(options(), 5, kConfig, error);
  ASSERT_TRUE(writer) << error;
  const auto p = payload_for(1);
  EXPECT_FALSE(writer->append(6, 0, p)) << "the first record must be the one opened for";
  EXPECT_TRUE(writer->append(5, 0, p));
  EXPECT_FALSE(writer->append(5, 0, p)) << "duplicate";
  EXPECT_FALSE(writer->append(4, 0, p)) << "going back";
  EXPECT_FALSE(writer->append(9, 0, p)) << "a gap: sequences are contiguous";
  EXPECT_TRUE(writer->append(6, 0, p));
  EXPECT_EQ(writer->last_appended(), 6);
}

TEST_F(JournalTest, RotatesFilesAndReadsAcrossThem) {
  JournalOptions o = options();
  o.max_file_bytes = 4096;
  write_range(o, 0, 2999);
  EXPECT_GT(journal_files(folder_).size(), 10u);
  JournalScan scan;
  const auto seen = read_all(scan);
  EXPECT_EQ(seen.size(), 3000u);
  EXPECT_EQ(scan.damage, JournalDamage::kNone) << scan.detail;
  EXPECT_EQ(scan.files, journal_files(folder_).size());
}

TEST_F(JournalTest, ReadsOnlyTheSuffixAfterASequence) {
  write_range(options(), 0, 99);
  std::vector<std::int64_t> seen;
  scan_journal(
      folder_, 89, [&](const JournalRecord& r) { seen.push_back(r.sequence); }, false);
  ASSERT_EQ(seen.size(), 10u);
  EXPECT_EQ(seen.front(), 90);
}

TEST_F(JournalTest, SyncPoliciesMoveTheDurableSequence) {
  std::string error;
  JournalOptions o = options(SyncPolicy::kEveryN);
  o.sync_every_records = 4;
  auto writer = JournalWriter::open(o, 0, kConfig, error);
  ASSERT_TRUE(writer);
  const auto p = payload_for(0);
  for (int s = 0; s < 3; ++s)
    ASSERT_TRUE(writer->append(s, 0, p));
  EXPECT_EQ(writer->durable_sequence(), -1) << "three records: not yet synced";
  ASSERT_TRUE(writer->append(3, 0, p));
  EXPECT_EQ(writer->durable_sequence(), 3);
  EXPECT_EQ(writer->syncs(), 1u);

  fs::remove_all(folder_);
  o.sync = SyncPolicy::kEveryMicros;
  o.sync_every_us = 1000;
  writer = JournalWriter::open(o, 0, kConfig, error);
  ASSERT_TRUE(writer->append(0, 0, p));
  ASSERT_TRUE(writer->end_of_batch(1000));
  EXPECT_EQ(writer->durable_sequence(), 0) << "1000 us since the start: synced";
  ASSERT_TRUE(writer->append(1, 0, p));
  ASSERT_TRUE(writer->end_of_batch(1500));
  EXPECT_EQ(writer->durable_sequence(), 0) << "500 us since the last sync: not yet";
  ASSERT_TRUE(writer->end_of_batch(2000));
  EXPECT_EQ(writer->durable_sequence(), 1);
}

// Truncates the newest journal file by `bytes`.
void chop(const fs::path& folder, std::uintmax_t bytes) {
  const auto files = journal_files(folder);
  const auto size = fs::file_size(files.back());
  fs::resize_file(files.back(), size - bytes);
}

void flip_byte(const fs::path& file, std::uintmax_t offset) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(c ^ 0x10));
}

TEST_F(JournalTest, TornTailAtEveryCutPointIsDetectedAndCut) {
  // Cut the last frame at every byte boundary: never a misread record, always the same prefix.
  write_range(options(), 0, 49);
  const auto file = journal_files(folder_).back();
  const auto full = fs::file_size(file);
  const auto original = [&] {
    std::ifstream in(file, std::ios::binary);
    return std::vector<char>(std::istreambuf_iterator<char>(in), {});
  }();
  const std::uintmax_t last_frame = 24 + 8 + 49 % 57;
  for (std::uintmax_t cut = 1; cut < last_frame; ++cut) {
    {
      std::ofstream out(file, std::ios::binary | std::ios::trunc);
      out.write(original.data(), static_cast<std::streamsize>(full - cut));
    }
    JournalScan scan;
    const auto seen = read_all(scan, /*cut=*/true);
    ASSERT_EQ(seen.size(), 49u) << "cut " << cut;
    EXPECT_EQ(scan.damage, JournalDamage::kTornTail);
    EXPECT_TRUE(scan.truncated);
    EXPECT_EQ(fs::file_size(file), full - last_frame);
    JournalScan again;
    EXPECT_EQ(read_all(again).size(), 49u);
    EXPECT_EQ(again.damage, JournalDamage::kNone) << "clean after the cut";
  }
}

TEST_F(JournalTest, CorruptByteInTheMiddleIsReportedNotSkipped) {
  write_range(options(), 0, 99);
  const auto file = journal_files(folder_).back();
  const auto size_before = fs::file_size(file);
  flip_byte(file, 40 + kConfig.size() + 24 + 3);  // inside the first frame's payload
  JournalScan scan;
  const auto seen = read_all(scan, /*cut=*/true);
  EXPECT_TRUE(seen.empty());
  EXPECT_EQ(scan.damage, JournalDamage::kCorruptMiddle) << scan.detail;
  EXPECT_FALSE(scan.truncated) << "corruption is never cut away silently";
  EXPECT_EQ(fs::file_size(file), size_before);
}

TEST_F(JournalTest, CorruptOlderFileIsCorruptionNotATornTail) {
  JournalOptions o = options();
  o.max_file_bytes = 2048;
  write_range(o, 0, 199);
  const auto files = journal_files(folder_);
  ASSERT_GT(files.size(), 2u);
  fs::resize_file(files[0], fs::file_size(files[0]) - 5);
  JournalScan scan;
  read_all(scan, /*cut=*/true);
  EXPECT_EQ(scan.damage, JournalDamage::kCorruptMiddle);
  EXPECT_EQ(scan.damaged_file, files[0]);
  EXPECT_FALSE(scan.truncated);
}

TEST_F(JournalTest, BadFileHeaderIsRejected) {
  write_range(options(), 0, 9);
  flip_byte(journal_files(folder_).back(), 2);
  JournalScan scan;
  EXPECT_TRUE(read_all(scan).empty());
  EXPECT_EQ(scan.damage, JournalDamage::kBadFileHeader);
}

TEST_F(JournalTest, AppendsResumeInANewFileAfterACut) {
  write_range(options(), 0, 19);
  chop(folder_, 3);
  JournalScan scan;
  read_all(scan, true);
  ASSERT_EQ(scan.last_sequence, 18);
  write_range(options(), 19, 29);
  JournalScan after;
  const auto seen = read_all(after);
  EXPECT_EQ(seen.size(), 30u);
  EXPECT_EQ(after.damage, JournalDamage::kNone) << after.detail;
}

// The byte offset of frame `sequence` in a file whose first frame is `first` (the test payloads
// are 8 + sequence % 57 bytes).
std::uintmax_t frame_offset(std::int64_t first, std::int64_t sequence) {
  std::uintmax_t offset = sizeof(JournalFileHeader) + kConfig.size();
  for (std::int64_t s = first; s < sequence; ++s)
    offset += sizeof(FrameHeader) + 8 + static_cast<std::uintmax_t>(s % 57);
  return offset;
}

std::int64_t first_sequence_of(const fs::path& file) {
  return std::stoll(file.filename().string().substr(kJournalPrefix.size()));
}

void write_bytes(const fs::path& file, std::uintmax_t offset, const std::vector<char>& bytes) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

TEST_F(JournalTest, FlippedLengthBitMidNewestFileIsCorruptionAndNothingIsCut) {
  write_range(options(), 0, 199);
  const auto file = journal_files(folder_).back();
  const auto size_before = fs::file_size(file);
  const auto damaged_at = frame_offset(0, 100);
  flip_byte(file, damaged_at);  // the length field of frame 100: the frames after it stay valid
  JournalScan scan;
  const auto seen = read_all(scan, /*cut=*/true);
  EXPECT_EQ(seen.size(), 100u) << "the frames before the damage are read";
  EXPECT_EQ(scan.damage, JournalDamage::kCorruptMiddle) << scan.detail;
  EXPECT_FALSE(scan.truncated);
  EXPECT_EQ(fs::file_size(file), size_before) << "valid frames after the damage must survive";
  EXPECT_EQ(scan.valid_bytes, damaged_at);
  EXPECT_NE(scan.detail.find(file.string() + " at byte " + std::to_string(damaged_at)),
            std::string::npos)
      << scan.detail;
  EXPECT_NE(scan.detail.find("input 101"), std::string::npos) << "names the frame that follows";
}

TEST_F(JournalTest, ZeroedBlockMidNewestFileIsCorruptionAndNothingIsCut) {
  write_range(options(), 0, 399);
  const auto file = journal_files(folder_).back();
  const auto size_before = fs::file_size(file);
  ASSERT_GT(size_before, frame_offset(0, 100) + 4096 + 1000);
  write_bytes(file, frame_offset(0, 100), std::vector<char>(4096, 0));
  JournalScan scan;
  read_all(scan, /*cut=*/true);
  EXPECT_EQ(scan.damage, JournalDamage::kCorruptMiddle) << scan.detail;
  EXPECT_FALSE(scan.truncated);
  EXPECT_EQ(fs::file_size(file), size_before);
}

TEST_F(JournalTest, ZeroedTailOfTheNewestFileIsStillATornTail) {
  // A crash can leave zeros after the last write: nothing valid follows, so it is torn, and cut.
  write_range(options(), 0, 99);
  const auto file = journal_files(folder_).back();
  const auto end = fs::file_size(file);
  write_bytes(file, frame_offset(0, 90), std::vector<char>(end - frame_offset(0, 90) + 300, 0));
  JournalScan scan;
  EXPECT_EQ(read_all(scan, /*cut=*/true).size(), 90u);
  EXPECT_EQ(scan.damage, JournalDamage::kTornTail) << scan.detail;
  EXPECT_EQ(scan.torn_bytes, end + 300 - frame_offset(0, 90));
  EXPECT_TRUE(scan.truncated);
  EXPECT_EQ(fs::file_size(file), frame_offset(0, 90));
}

TEST_F(JournalTest, MissingMiddleFileIsAGap) {
  JournalOptions o = options();
  o.max_file_bytes = 4096;
  write_range(o, 0, 999);
  const auto files = journal_files(folder_);
  ASSERT_GT(files.size(), 4u);
  fs::remove(files[2]);
  JournalScan scan;
  const auto seen = read_all(scan, /*cut=*/true);
  EXPECT_EQ(scan.damage, JournalDamage::kSequenceGap) << scan.detail;
  EXPECT_EQ(scan.damaged_file, files[3]);
  EXPECT_EQ(static_cast<std::int64_t>(seen.size()), first_sequence_of(files[2]));
  EXPECT_NE(scan.detail.find(files[1].filename().string()), std::string::npos) << scan.detail;
  EXPECT_NE(scan.detail.find(fmt::format("inputs {} to {} are missing", first_sequence_of(files[2]),
                                         first_sequence_of(files[3]) - 1)),
            std::string::npos)
      << scan.detail;
}

TEST_F(JournalTest, FramesCutAtABoundaryFromAnOlderFileAreAGap) {
  JournalOptions o = options();
  o.max_file_bytes = 8192;
  write_range(o, 0, 999);
  const auto files = journal_files(folder_);
  ASSERT_GT(files.size(), 3u);
  // The last 20 whole frames of the second file: the file itself still reads clean.
  const std::int64_t first = first_sequence_of(files[1]);
  const std::int64_t next = first_sequence_of(files[2]);
  fs::resize_file(files[1], frame_offset(first, next - 20));
  JournalScan scan;
  read_all(scan);
  EXPECT_EQ(scan.damage, JournalDamage::kSequenceGap) << scan.detail;
  EXPECT_EQ(scan.damaged_file, files[2]);
  EXPECT_NE(scan.detail.find(fmt::format("inputs {} to {} are missing", next - 20, next - 1)),
            std::string::npos)
      << scan.detail;
}

TEST_F(JournalTest, FramesCutFromInsideAFileAreAGap) {
  write_range(options(), 0, 99);
  const auto file = journal_files(folder_).back();
  std::vector<char> bytes = [&] {
    std::ifstream in(file, std::ios::binary);
    return std::vector<char>(std::istreambuf_iterator<char>(in), {});
  }();
  bytes.erase(bytes.begin() + static_cast<std::ptrdiff_t>(frame_offset(0, 40)),
              bytes.begin() + static_cast<std::ptrdiff_t>(frame_offset(0, 50)));
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  JournalScan scan;
  EXPECT_EQ(read_all(scan, /*cut=*/true).size(), 40u);
  EXPECT_EQ(scan.damage, JournalDamage::kSequenceGap) << scan.detail;
  EXPECT_FALSE(scan.truncated);
  EXPECT_NE(scan.detail.find("inputs 40 to 49 are missing"), std::string::npos) << scan.detail;
}

TEST_F(JournalTest, AFileOfAnotherConfigurationIsRefusedBeforeItsRecordsAreRead) {
  write_range(options(), 0, 9);
  const std::string other = "risk.max_accounts=16\ninstruments=0\n";
  int visited = 0;
  const JournalScan scan = scan_journal(
      folder_, -1, [&](const JournalRecord&) { ++visited; }, true, &other);
  EXPECT_EQ(scan.damage, JournalDamage::kConfigMismatch);
  EXPECT_EQ(visited, 0);
  EXPECT_NE(scan.detail.find("risk.max_accounts: 8 in the journal, 16 in the configuration"),
            std::string::npos)
      << scan.detail;
  const JournalScan same = scan_journal(
      folder_, -1, [](const JournalRecord&) {}, false, &kConfig);
  EXPECT_EQ(same.damage, JournalDamage::kNone) << same.detail;
  EXPECT_EQ(same.config_text, kConfig);
}

TEST_F(JournalTest, FilesOfDifferentConfigurationsInOneFolderAreRefused) {
  JournalOptions o = options();
  write_range(o, 0, 9);
  std::string error;
  auto writer = JournalWriter::open(o, 10, "risk.max_accounts=16\ninstruments=0\n", error);
  ASSERT_TRUE(writer) << error;
  ASSERT_TRUE(writer->append(10, 0, payload_for(10)));
  ASSERT_TRUE(writer->sync());
  writer.reset();
  JournalScan scan;
  EXPECT_EQ(read_all(scan).size(), 10u);
  EXPECT_EQ(scan.damage, JournalDamage::kConfigMismatch) << scan.detail;
}

TEST_F(JournalTest, AJournalOfAnOlderFormatIsRefusedByName) {
  write_range(options(), 0, 9);
  const auto file = journal_files(folder_).back();
  write_bytes(file, 8, {1, 0, 0, 0});  // format version 1
  JournalScan scan;
  EXPECT_TRUE(read_all(scan, /*cut=*/true).empty());
  EXPECT_EQ(scan.damage, JournalDamage::kBadFileHeader);
  EXPECT_NE(scan.detail.find("journal format version 1; this build reads version 2"),
            std::string::npos)
      << scan.detail;
}

}  // namespace
}  // namespace backstop::pipeline

namespace backstop::pipeline {
namespace {

// The fuzzer's seed journals are written by an independent encoder (a Python script following
// journal_format.hpp); the reader must accept the whole one and cut the torn one.
TEST(JournalFormat, IndependentlyEncodedSeedsReadAsDocumented) {
  namespace fs = std::filesystem;
  const fs::path seeds = fs::path(BACKSTOP_SOURCE_DIR) / "tests/fuzz/corpus/journal";
  const fs::path folder =
      fs::temp_directory_path() / ("backstop-journal-seed-" + std::to_string(::getpid()));
  for (const auto& [name, records, damage] :
       {std::tuple{"five_records.log", 5u, JournalDamage::kNone},
        std::tuple{"torn_tail.log", 4u, JournalDamage::kTornTail}}) {
    fs::remove_all(folder);
    fs::create_directories(folder);
    fs::copy_file(seeds / name, folder / journal_file_name(0));
    std::vector<std::int64_t> sequences;
    const JournalScan scan = scan_journal(
        folder, -1, [&](const JournalRecord& r) { sequences.push_back(r.sequence); }, false);
    EXPECT_EQ(scan.records, records) << name;
    EXPECT_EQ(scan.damage, damage) << name;
    for (std::size_t i = 0; i < sequences.size(); ++i)
      EXPECT_EQ(sequences[i], std::int64_t(i));
  }
  fs::remove_all(folder);
}

}  // namespace
}  // namespace backstop::pipeline
