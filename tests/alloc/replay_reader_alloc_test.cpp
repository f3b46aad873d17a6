// The readers' parse loop must not allocate per line: after the first records (buffers sized,
// zlib's inflate state set up), reading the rest of an input performs no heap allocation at all,
// neither operator new nor malloc (zlib and fmt allocate through malloc). This binary replaces both
// with counting versions, as tests/alloc/risk_engine_alloc_test.cpp does.
#include <gtest/gtest.h>
#include <zlib.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <new>
#include <string>

#include "marketdata/reader.hpp"

#include "alloc/counting_allocator.hpp"

namespace backstop::marketdata {
namespace {

// Reads `warmup` records, then counts allocations while reading the rest.
std::uint64_t allocations_after_warmup(MarketReader& reader, int warmup, std::uint64_t& records) {
  MarketRecord r;
  records = 0;
  for (int i = 0; i < warmup; ++i) {
    EXPECT_EQ(reader.next(r), ReadStatus::kOk);
    ++records;
  }
  const std::uint64_t before = allocation_count();
  while (reader.next(r) == ReadStatus::kOk)
    ++records;
  return allocation_count() - before;
}

TEST(ReaderAllocations, CsvParseLoopDoesNotAllocate) {
  std::string text = "id,price,qty,quote_qty,time,is_buyer_maker\n";
  for (int i = 0; i < 20000; ++i) {
    text += std::to_string(1000 + i) + ",61800.3" + std::to_string(i % 10) + ",0.006,370.8," +
            std::to_string(1723161256322 + i) + (i % 2 != 0 ? ",true\n" : ",false\n");
  }
  MarketReader reader;
  ASSERT_EQ(reader.try_open_memory("BTCUSDT-trades.csv", text), ReadStatus::kOk);
  std::uint64_t records = 0;
  EXPECT_EQ(allocations_after_warmup(reader, 10, records), 0u);
  EXPECT_EQ(records, 20000u);
}

TEST(ReaderAllocations, GzipStreamParseLoopDoesNotAllocate) {
  std::string text;
  for (int i = 0; i < 20000; ++i) {
    text +=
        std::to_string(1723161255088176367LL + i) +
        R"( {"stream":"btcusdt@trade","data":{"e":"trade","E":1723161256322,"T":1723161256322,"s":"BTCUSDT","t":)" +
        std::to_string(5266583935LL + i) +
        R"(,"p":"61800.30","q":"0.006","X":"MARKET","m":false}})" + "\n";
    if (i % 3 == 0)
      text += R"(1 {"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","b":"1"}})"
              "\n";
  }
  const std::string path =
      (std::filesystem::temp_directory_path() / "backstop_alloc_stream.jsonl.gz").string();
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, text.data(), static_cast<unsigned>(text.size())),
            static_cast<int>(text.size()));
  gzclose(f);
  MarketReader reader;
  ASSERT_EQ(reader.try_open(path), ReadStatus::kOk);
  std::uint64_t records = 0;
  EXPECT_EQ(allocations_after_warmup(reader, 10, records), 0u);
  EXPECT_EQ(records, 20000u);
  std::filesystem::remove(path);
}

TEST(ReaderAllocations, MalformedLinesBeyondTheMessageCapDoNotAllocate) {
  std::string text = "id,price,qty,quote_qty,time,is_buyer_maker\n";
  for (int i = 0; i < 5000; ++i)
    text += "1,abc,1,1,1723161256322,true\n";
  ReaderOptions options;
  options.max_messages = 3;
  MarketReader reader;
  ASSERT_EQ(reader.try_open_memory("BTCUSDT-trades.csv", text, options), ReadStatus::kOk);
  MarketRecord r;
  // The first few malformed lines format their messages; the rest are only counted.
  const std::uint64_t before = allocation_count();
  EXPECT_EQ(reader.next(r), ReadStatus::kEnd);
  const std::uint64_t during = allocation_count() - before;
  EXPECT_LE(during, 3u * 4u);  // a handful per kept message, none per dropped line
  EXPECT_EQ(reader.stats().malformed, 5000u);
  EXPECT_EQ(reader.stats().messages_dropped, 4997u);
}

}  // namespace
}  // namespace backstop::marketdata
