// InflatingFile against zlib as the reference: the same content for plain files, single and
// concatenated gzip members, any read size; typed failures for truncated, corrupt and trailing
// input; and the real capture in ../shared/data inflated byte for byte as zlib does.
#include "replay/inflating_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace backstop::replay {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("backstop_inflate_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string write(const std::string& name, const std::string& bytes) const {
    const std::string p = (path_ / name).string();
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

// One gzip member of `text`, written by zlib at `level`.
std::string gzip_member(const std::string& text, int level = 6) {
  z_stream s{};
  EXPECT_EQ(deflateInit2(&s, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&s, text.size()) + 64, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  s.avail_in = static_cast<uInt>(text.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&s, Z_FINISH), Z_STREAM_END);
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

// The content as zlib's gzread sees it (it reads concatenated members and plain files too).
std::string zlib_content(const std::string& path) {
  std::string out;
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) return out;
  char buf[1 << 16];
  int n = 0;
  while ((n = gzread(f, buf, sizeof buf)) > 0)
    out.append(buf, static_cast<std::size_t>(n));
  gzclose(f);
  return out;
}

struct Drained {
  std::string content;
  bool failed = false;
  std::string error;
};

// Reads everything with read sizes drawn from `rng` (1 byte up to 300 KiB).
Drained drain(const std::string& path, std::mt19937_64& rng) {
  Drained d;
  InflatingFile f;
  if (!f.try_open(path)) {
    d.failed = true;
    d.error = f.error();
    return d;
  }
  std::vector<char> buf(300 * 1024);
  for (;;) {
    const std::size_t want = 1 + rng() % (rng() % 2 == 0 ? 17 : buf.size());
    const long got = f.read(buf.data(), want);
    if (got < 0) {
      d.failed = true;
      d.error = f.error();
      return d;
    }
    if (got == 0) return d;
    EXPECT_LE(static_cast<std::size_t>(got), want);
    d.content.append(buf.data(), static_cast<std::size_t>(got));
  }
}

std::string random_text(std::mt19937_64& rng, std::size_t bytes) {
  // Lines of digits and a few words: compressible like market data, not trivially.
  std::string s;
  while (s.size() < bytes) {
    s += std::to_string(rng() % 1000000000);
    s += rng() % 4 == 0 ? ",true\n" : ",61800.30,0.006\n";
  }
  s.resize(bytes);
  return s;
}

TEST(InflatingFile, PlainAndGzipFilesReadAsZlibReadsThemAtAnyReadSize) {
  TempDir dir;
  std::mt19937_64 rng(2026);
  for (int round = 0; round < 12; ++round) {
    const std::size_t size = round == 0 ? 0 : round == 1 ? 1 : rng() % 2'000'000;
    const std::string text = random_text(rng, size);
    const int level = static_cast<int>(rng() % 10);
    for (const std::string& path :
         {dir.write("plain_" + std::to_string(round), text),
          dir.write("gz_" + std::to_string(round) + ".gz", gzip_member(text, level))}) {
      const Drained d = drain(path, rng);
      ASSERT_FALSE(d.failed) << path << ": " << d.error;
      ASSERT_EQ(d.content.size(), text.size()) << path;
      ASSERT_TRUE(d.content == text) << path;
      ASSERT_TRUE(d.content == zlib_content(path)) << path;
    }
  }
}

TEST(InflatingFile, ConcatenatedMembersReadAsOneContent) {
  TempDir dir;
  std::mt19937_64 rng(11);
  std::string text;
  std::string file;
  for (int m = 0; m < 5; ++m) {
    // Members of any size, an empty one included, so boundaries fall anywhere in a block.
    const std::string part = random_text(rng, m == 2 ? 0 : rng() % 400'000);
    text += part;
    file += gzip_member(part);
  }
  const std::string path = dir.write("cat.gz", file);
  const Drained d = drain(path, rng);
  ASSERT_FALSE(d.failed) << d.error;
  EXPECT_TRUE(d.content == text);
  EXPECT_TRUE(d.content == zlib_content(path));
}

TEST(InflatingFile, TruncatedGzipFailsWithAReasonAtEveryCut) {
  TempDir dir;
  std::mt19937_64 rng(5);
  const std::string text = random_text(rng, 300'000);
  const std::string gz = gzip_member(text);
  // Cuts inside the header, the deflate data and the 8-byte trailer.
  for (std::size_t cut : {std::size_t{3}, std::size_t{11}, gz.size() / 3, gz.size() / 2,
                          gz.size() - 8, gz.size() - 3, gz.size() - 1}) {
    const Drained d = drain(dir.write("cut.gz", gz.substr(0, cut)), rng);
    EXPECT_TRUE(d.failed) << "cut at " << cut;
    EXPECT_FALSE(d.error.empty()) << "cut at " << cut;
    EXPECT_LT(d.content.size(), text.size() + 1) << "cut at " << cut;
  }
}

TEST(InflatingFile, CorruptTrailerAndDataAreReportedNotReturnedAsContent) {
  TempDir dir;
  std::mt19937_64 rng(9);
  const std::string text = random_text(rng, 200'000);
  const std::string gz = gzip_member(text);

  std::string bad_crc = gz;
  bad_crc[gz.size() - 8] = static_cast<char>(bad_crc[gz.size() - 8] ^ 0x5a);
  const Drained c = drain(dir.write("crc.gz", bad_crc), rng);
  EXPECT_TRUE(c.failed);
  EXPECT_NE(c.error.find("CRC"), std::string::npos) << c.error;

  std::string bad_size = gz;
  bad_size[gz.size() - 1] = static_cast<char>(bad_size[gz.size() - 1] ^ 0x01);
  EXPECT_TRUE(drain(dir.write("size.gz", bad_size), rng).failed);

  // Flipped bytes in the deflate data: either an invalid stream or a CRC mismatch, never success.
  for (int k = 0; k < 20; ++k) {
    std::string bad = gz;
    const std::size_t at = 20 + rng() % (gz.size() - 40);
    bad[at] = static_cast<char>(bad[at] ^ (1 + rng() % 255));
    const Drained d = drain(dir.write("flip.gz", bad), rng);
    EXPECT_TRUE(d.failed) << "flip at " << at;
    EXPECT_FALSE(d.error.empty());
  }
}

TEST(InflatingFile, BytesAfterTheLastMemberThatAreNotAMemberFail) {
  TempDir dir;
  std::mt19937_64 rng(3);
  const std::string text = random_text(rng, 50'000);
  const Drained d = drain(dir.write("tail.gz", gzip_member(text) + "garbage\n"), rng);
  EXPECT_TRUE(d.failed);
  EXPECT_NE(d.error.find("after the last gzip member"), std::string::npos) << d.error;
  EXPECT_TRUE(d.content == text);
}

TEST(InflatingFile, MissingFileAndUnreadableInputFailOnOpen) {
  InflatingFile f;
  EXPECT_FALSE(f.try_open("/nonexistent/backstop/file.gz"));
  EXPECT_FALSE(f.error().empty());
  char buf[16];
  EXPECT_EQ(f.read(buf, sizeof buf), 0);  // not open: no content
}

TEST(InflatingFile, ProgressCountsCompressedBytesUpToTheFileSize) {
  TempDir dir;
  std::mt19937_64 rng(1);
  const std::string gz = gzip_member(random_text(rng, 1'000'000));
  const std::string path = dir.write("p.gz", gz);
  InflatingFile f;
  ASSERT_TRUE(f.try_open(path));
  EXPECT_TRUE(f.is_gzip());
  std::vector<char> buf(64 * 1024);
  std::uint64_t last = 0;
  while (f.read(buf.data(), buf.size()) > 0) {
    EXPECT_GE(f.bytes_consumed(), last);
    last = f.bytes_consumed();
  }
  EXPECT_EQ(f.bytes_consumed(), gz.size());
}

TEST(InflatingFile, RealCaptureInflatesAsZlibDoes) {
  const std::string path = std::string(BACKSTOP_SHARED_DATA_DIR) +
                           "/binance-usdm_BTCUSDT_2024-08-08T2354_stream.jsonl.gz";
  if (!fs::exists(path)) GTEST_SKIP() << path << " absent (../shared/data not mounted)";
  std::mt19937_64 rng(77);
  const Drained d = drain(path, rng);
  ASSERT_FALSE(d.failed) << d.error;
  const std::string reference = zlib_content(path);
  EXPECT_EQ(d.content.size(), reference.size());
  EXPECT_TRUE(d.content == reference);
}

}  // namespace
}  // namespace backstop::replay
