// InflatingFile against zlib as the reference: the same content for plain files, single and
// concatenated gzip members (zlib-written and with hand-built headers carrying every optional
// field), any read size and any input block size; typed failures for truncated, corrupt and
// trailing input; and the real capture in ../shared/data inflated byte for byte as zlib does.
#include "marketdata/inflating_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace backstop::marketdata {
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

// Flags of a gzip header (RFC 1952 §2.3.1).
constexpr unsigned char kFhcrc = 0x02;
constexpr unsigned char kFextra = 0x04;
constexpr unsigned char kFname = 0x08;
constexpr unsigned char kFcomment = 0x10;

void put_le(std::string& out, std::uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i)
    out += static_cast<char>((v >> (8 * i)) & 0xff);
}

// One gzip member of `text` with its header built by hand: the optional fields that `flags` names
// (zlib's deflate writes none of them), raw deflate data from zlib, the CRC-32 and size trailer.
std::string gzip_member_with_header(const std::string& text, unsigned char flags) {
  std::string out = {'\x1f', '\x8b', '\x08', static_cast<char>(flags)};
  put_le(out, 1723161255, 4);  // modification time
  out += '\0';                 // extra flags
  out += '\x03';               // OS: Unix
  if (flags & kFextra) {
    const std::string extra = "Bk\x04\0tick";  // one subfield: id "Bk", 4 bytes
    put_le(out, static_cast<std::uint32_t>(extra.size()), 2);
    out += extra;
  }
  if (flags & kFname) out += std::string("binance-usdm_BTCUSDT_stream.jsonl") + '\0';
  if (flags & kFcomment) out += std::string("captured for the replay tests") + '\0';
  if (flags & kFhcrc) {
    const uLong crc =
        crc32(0, reinterpret_cast<const Bytef*>(out.data()), static_cast<uInt>(out.size()));
    put_le(out, static_cast<std::uint32_t>(crc & 0xffff), 2);
  }
  z_stream s{};
  EXPECT_EQ(deflateInit2(&s, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);  // raw deflate
  std::string body(deflateBound(&s, text.size()) + 64, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  s.avail_in = static_cast<uInt>(text.size());
  s.next_out = reinterpret_cast<Bytef*>(body.data());
  s.avail_out = static_cast<uInt>(body.size());
  EXPECT_EQ(deflate(&s, Z_FINISH), Z_STREAM_END);
  body.resize(s.total_out);
  deflateEnd(&s);
  out += body;
  put_le(out,
         static_cast<std::uint32_t>(
             crc32(0, reinterpret_cast<const Bytef*>(text.data()), static_cast<uInt>(text.size()))),
         4);
  put_le(out, static_cast<std::uint32_t>(text.size()), 4);
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

// Reads everything with read sizes drawn from `rng` (1 byte up to 300 KiB), the file read
// `input_block_bytes` at a time.
Drained drain(const std::string& path, std::mt19937_64& rng,
              std::size_t input_block_bytes = InflatingFile::kInputBlockBytes) {
  Drained d;
  InflatingFile f(input_block_bytes);
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

TEST(InflatingFile, HeadersWithOptionalFieldsReadWhereverTheInputBlocksSplitThem) {
  // Each member's header (with FEXTRA, FNAME, FCOMMENT, FHCRC in turn and together) is cut by the
  // file's read blocks at every offset across the block sizes below: igzip's own header parse
  // inside isal_inflate lost the flags when a header straddled two reads.
  TempDir dir;
  std::mt19937_64 rng(19);
  const unsigned char flag_sets[] = {0,
                                     kFextra,
                                     kFname,
                                     kFcomment,
                                     kFhcrc,
                                     kFname | kFhcrc,
                                     kFextra | kFname | kFcomment | kFhcrc};
  std::string text;
  std::string file;
  for (const unsigned char flags : flag_sets) {
    const std::string part = random_text(rng, 1 + rng() % 3000);
    text += part;
    file += gzip_member_with_header(part, flags);
  }
  const std::string path = dir.write("headers.gz", file);
  ASSERT_TRUE(zlib_content(path) == text);  // the hand-built members are valid gzip
  for (const std::size_t block :
       {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}, std::size_t{10},
        std::size_t{11}, std::size_t{13}, std::size_t{29}, std::size_t{64}, std::size_t{1000},
        InflatingFile::kInputBlockBytes}) {
    const Drained d = drain(path, rng, block);
    ASSERT_FALSE(d.failed) << "block " << block << ": " << d.error;
    ASSERT_TRUE(d.content == text) << "block " << block;
  }
}

TEST(InflatingFile, SmallInputBlocksReadLargeAndConcatenatedMembersAsZlibDoes) {
  TempDir dir;
  std::mt19937_64 rng(23);
  std::string text;
  std::string file;
  for (int m = 0; m < 4; ++m) {
    const std::string part = random_text(rng, m == 1 ? 0 : rng() % 200'000);
    text += part;
    file += m % 2 == 0 ? gzip_member(part, static_cast<int>(rng() % 10))
                       : gzip_member_with_header(part, kFname | kFhcrc);
  }
  const std::string path = dir.write("small_blocks.gz", file);
  for (const std::size_t block : {std::size_t{1}, std::size_t{5}, std::size_t{97}}) {
    const Drained d = drain(path, rng, block);
    ASSERT_FALSE(d.failed) << "block " << block << ": " << d.error;
    EXPECT_TRUE(d.content == text) << "block " << block;
  }
}

TEST(InflatingFile, BadHeadersFailWithTheirReason) {
  TempDir dir;
  std::mt19937_64 rng(29);
  const std::string text = random_text(rng, 5000);

  std::string reserved = gzip_member(text);
  reserved[3] = static_cast<char>(reserved[3] | 0x20);  // a reserved flag bit (zlib refuses it too)
  const Drained r = drain(dir.write("reserved.gz", reserved), rng);
  EXPECT_TRUE(r.failed);
  EXPECT_NE(r.error.find("reserved flag"), std::string::npos) << r.error;
  EXPECT_TRUE(r.content.empty());

  std::string header_crc = gzip_member_with_header(text, kFname | kFhcrc);
  const std::size_t hcrc_at = 10 + std::string("binance-usdm_BTCUSDT_stream.jsonl").size() + 1;
  header_crc[hcrc_at] = static_cast<char>(header_crc[hcrc_at] ^ 0x11);
  for (const std::size_t block : {std::size_t{3}, InflatingFile::kInputBlockBytes}) {
    const Drained h = drain(dir.write("hcrc.gz", header_crc), rng, block);
    EXPECT_TRUE(h.failed) << "block " << block;
    EXPECT_NE(h.error.find("header's CRC"), std::string::npos) << h.error;
    EXPECT_TRUE(h.content.empty());
  }

  std::string method = gzip_member(text);
  method[2] = '\x07';  // not deflate
  const Drained m = drain(dir.write("method.gz", method), rng);
  EXPECT_TRUE(m.failed);
  EXPECT_NE(m.error.find("not deflate"), std::string::npos) << m.error;
}

TEST(InflatingFile, AMemberWithOptionalFieldsCutAnywhereFails) {
  // Every cut from the third byte on (two bytes or fewer are a plain file) and before the last:
  // inside the fixed header, each optional field, the deflate data and the trailer.
  TempDir dir;
  std::mt19937_64 rng(31);
  const std::string text = random_text(rng, 400);
  const std::string gz = gzip_member_with_header(text, kFextra | kFname | kFcomment | kFhcrc);
  for (std::size_t cut = 2; cut < gz.size(); ++cut) {
    for (const std::size_t block :
         {std::size_t{1}, std::size_t{4}, InflatingFile::kInputBlockBytes}) {
      const Drained d = drain(dir.write("cut.gz", gz.substr(0, cut)), rng, block);
      ASSERT_TRUE(d.failed) << "cut at " << cut << ", block " << block;
      EXPECT_FALSE(d.error.empty());
      EXPECT_LT(d.content.size(), text.size() + 1);
    }
  }
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
}  // namespace backstop::marketdata
