#include "pipeline/snapshot_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

namespace backstop::pipeline {
namespace {

namespace fs = std::filesystem;

// The header's size (docs/journal.md); these snapshots carry a short configuration text after it.
constexpr std::streamoff kHeaderBytes = 56;
constexpr std::string_view kConfig = "risk.max_accounts=8\n";
constexpr std::streamoff kPayloadAt = kHeaderBytes + static_cast<std::streamoff>(kConfig.size());

class SnapshotFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = fs::temp_directory_path() /
              ("backstop-snap-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(folder_);
  }
  void TearDown() override { fs::remove_all(folder_); }

  static std::vector<std::byte> payload(std::size_t n, int salt) {
    std::vector<std::byte> p(n);
    for (std::size_t i = 0; i < n; ++i)
      p[i] = static_cast<std::byte>((i * 7 + salt) & 0xFF);
    return p;
  }
  void write(std::int64_t sequence, const std::vector<std::byte>& p) {
    std::string error;
    ASSERT_TRUE(write_snapshot(folder_, sequence, kConfig, p, error)) << error;
  }
  void corrupt(std::int64_t sequence, std::streamoff offset) {
    std::fstream f(folder_ / snapshot_file_name(sequence),
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(offset);
    f.put('\x7f');
  }
  fs::path folder_;
};

TEST_F(SnapshotFileTest, LoadsTheNewestValidSnapshot) {
  write(100, payload(1000, 1));
  write(250, payload(2000, 2));
  std::vector<std::string> passed_over;
  const auto s = load_latest_snapshot(folder_, 1000, passed_over);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->sequence, 250);
  EXPECT_EQ(s->payload, payload(2000, 2));
  EXPECT_EQ(s->config_text, kConfig);
  EXPECT_TRUE(passed_over.empty());
  EXPECT_FALSE(fs::exists(folder_ / (snapshot_file_name(250) + ".tmp"))) << "no temporary left";
}

TEST_F(SnapshotFileTest, CorruptPayloadFallsBackToAnOlderSnapshotAndSaysWhy) {
  write(100, payload(1000, 1));
  write(250, payload(2000, 2));
  corrupt(250, kPayloadAt + 500);
  std::vector<std::string> passed_over;
  const auto s = load_latest_snapshot(folder_, 1000, passed_over);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->sequence, 100);
  ASSERT_EQ(passed_over.size(), 1u);
  EXPECT_NE(passed_over[0].find("payload CRC mismatch"), std::string::npos) << passed_over[0];
}

TEST_F(SnapshotFileTest, CorruptHeaderTruncationAndFutureSequencesArePassedOver) {
  write(100, payload(10, 1));
  write(200, payload(10, 2));
  write(300, payload(10, 3));
  write(400, payload(10, 4));
  write(500, payload(10, 5));
  corrupt(400, 3);                                                     // magic
  fs::resize_file(folder_ / snapshot_file_name(300), kPayloadAt + 5);  // truncated payload
  std::vector<std::string> passed_over;
  const auto s = load_latest_snapshot(folder_, 150, passed_over);  // journal ends at 150
  ASSERT_TRUE(s);
  EXPECT_EQ(s->sequence, 100);
  ASSERT_EQ(passed_over.size(), 4u);
  EXPECT_NE(passed_over[0].find("beyond the journal"), std::string::npos) << passed_over[0];
  EXPECT_NE(passed_over[1].find("bad header"), std::string::npos) << passed_over[1];
  EXPECT_NE(passed_over[2].find("payload length"), std::string::npos) << passed_over[2];
  EXPECT_NE(passed_over[3].find("beyond the journal"), std::string::npos) << passed_over[3];
}

TEST_F(SnapshotFileTest, NoValidSnapshotMeansNone) {
  std::vector<std::string> passed_over;
  EXPECT_FALSE(load_latest_snapshot(folder_, 10, passed_over));
  write(5, payload(10, 1));
  corrupt(5, kPayloadAt);
  EXPECT_FALSE(load_latest_snapshot(folder_, 10, passed_over));
  EXPECT_EQ(passed_over.size(), 1u);
}

TEST_F(SnapshotFileTest, ConfigurationTextIsCoveredByTheHeaderCrc) {
  write(100, payload(10, 1));
  corrupt(100, kHeaderBytes + 3);  // inside the configuration text
  std::vector<std::string> passed_over;
  EXPECT_FALSE(load_latest_snapshot(folder_, 1000, passed_over));
  ASSERT_EQ(passed_over.size(), 1u);
  EXPECT_NE(passed_over[0].find("bad header"), std::string::npos) << passed_over[0];
}

TEST_F(SnapshotFileTest, ASnapshotOfAnotherVersionIsNamedAsSuch) {
  write(100, payload(10, 1));
  {
    std::fstream f(folder_ / snapshot_file_name(100),
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(8);
    const char version_one[4] = {1, 0, 0, 0};
    f.write(version_one, 4);
  }
  std::vector<std::string> passed_over;
  EXPECT_FALSE(load_latest_snapshot(folder_, 1000, passed_over));
  ASSERT_EQ(passed_over.size(), 1u);
  EXPECT_NE(passed_over[0].find("version 1 (this build reads 2)"), std::string::npos)
      << passed_over[0];
}

}  // namespace
}  // namespace backstop::pipeline
