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

#include "replay/reader.hpp"

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);
}

namespace {
std::atomic<std::uint64_t> g_allocations{0};
void count() noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

extern "C" {
void* malloc(std::size_t n) {
  count();
  return __libc_malloc(n);
}
void* calloc(std::size_t k, std::size_t n) {
  count();
  return __libc_calloc(k, n);
}
void* realloc(void* p, std::size_t n) {
  count();
  return __libc_realloc(p, n);
}
void* aligned_alloc(std::size_t a, std::size_t n) {
  count();
  return __libc_memalign(a, n);
}
void* memalign(std::size_t a, std::size_t n) {
  count();
  return __libc_memalign(a, n);
}
int posix_memalign(void** out, std::size_t a, std::size_t n) {
  count();
  *out = __libc_memalign(a, n);
  return *out == nullptr ? 12 /* ENOMEM */ : 0;
}
void free(void* p) {
  __libc_free(p);
}
}

void* operator new(std::size_t n) {
  count();
  if (void* p = __libc_malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  count();
  if (void* p = __libc_malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a) {
  count();
  if (void* p = __libc_memalign(static_cast<std::size_t>(a), n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) {
  count();
  if (void* p = __libc_memalign(static_cast<std::size_t>(a), n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  __libc_free(p);
}
void operator delete[](void* p) noexcept {
  __libc_free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  __libc_free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  __libc_free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  __libc_free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  __libc_free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  __libc_free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  __libc_free(p);
}

namespace backstop::replay {
namespace {

// Reads `warmup` records, then counts allocations while reading the rest.
std::uint64_t allocations_after_warmup(MarketReader& reader, int warmup, std::uint64_t& records) {
  MarketRecord r;
  records = 0;
  for (int i = 0; i < warmup; ++i) {
    EXPECT_EQ(reader.next(r), ReadStatus::kOk);
    ++records;
  }
  const std::uint64_t before = g_allocations.load(std::memory_order_relaxed);
  while (reader.next(r) == ReadStatus::kOk)
    ++records;
  return g_allocations.load(std::memory_order_relaxed) - before;
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
  const std::uint64_t before = g_allocations.load(std::memory_order_relaxed);
  EXPECT_EQ(reader.next(r), ReadStatus::kEnd);
  const std::uint64_t during = g_allocations.load(std::memory_order_relaxed) - before;
  EXPECT_LE(during, 3u * 4u);  // a handful per kept message, none per dropped line
  EXPECT_EQ(reader.stats().malformed, 5000u);
  EXPECT_EQ(reader.stats().messages_dropped, 4997u);
}

}  // namespace
}  // namespace backstop::replay
