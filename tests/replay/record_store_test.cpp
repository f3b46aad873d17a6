// The replay's compact record store against the records pushed into it: whole records come back
// exactly, prints with the fields the store keeps and the others at their defaults, in order,
// through both operator[] and for_each; seeded random mixes and every real file.
#include "replay/record_store.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <vector>

#include "marketdata/reader.hpp"

namespace backstop::replay {
namespace {

using marketdata::CandleSeries;
using marketdata::Decimal;
using marketdata::MarketReader;
using marketdata::MarketRecord;
using marketdata::MarketSide;
using marketdata::ReadStatus;
using marketdata::RecordKind;
using marketdata::Symbol;

// Field by field (the struct's padding is not part of a record).
void expect_same_record(const MarketRecord& a, const MarketRecord& b, std::size_t i) {
  SCOPED_TRACE(::testing::Message() << "record " << i);
  EXPECT_EQ(a.ts_ns, b.ts_ns);
  EXPECT_EQ(a.aux_ts_ns, b.aux_ts_ns);
  EXPECT_EQ(a.local_ts_ns, b.local_ts_ns);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.count, b.count);
  EXPECT_EQ(a.price, b.price);
  EXPECT_EQ(a.size, b.size);
  EXPECT_EQ(a.amount, b.amount);
  EXPECT_EQ(a.open, b.open);
  EXPECT_EQ(a.high, b.high);
  EXPECT_EQ(a.low, b.low);
  EXPECT_EQ(a.band_pct, b.band_pct);
  EXPECT_EQ(a.symbol.view(), b.symbol.view());
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.side, b.side);
  EXPECT_EQ(a.series, b.series);
}

// What the store must give back for `r`: itself, or for a print only what a print keeps.
MarketRecord expected_back(const MarketRecord& r, bool kept_whole) {
  if (kept_whole || !RecordStore::is_print(r.kind)) return r;
  MarketRecord e;
  e.kind = r.kind;
  e.ts_ns = r.ts_ns;
  e.price = r.price;
  e.size = r.size;
  e.side = r.side;
  e.symbol = r.symbol;
  return e;
}

void expect_store_gives_back(const RecordStore& store, const std::vector<MarketRecord>& pushed,
                             const std::vector<bool>& kept_whole) {
  ASSERT_EQ(store.size(), pushed.size());
  for (std::size_t i = 0; i < pushed.size(); ++i)
    expect_same_record(store[i], expected_back(pushed[i], kept_whole[i]), i);
  std::size_t i = 0;
  store.for_each([&](const MarketRecord& r) {
    ASSERT_LT(i, pushed.size());
    expect_same_record(r, expected_back(pushed[i], kept_whole[i]), i);
    ++i;
  });
  EXPECT_EQ(i, pushed.size());
}

Decimal random_decimal(std::mt19937_64& rng) {
  return Decimal{static_cast<std::int64_t>(rng()),
                 static_cast<std::int8_t>(static_cast<int>(rng() % 37) - 18)};
}

MarketRecord random_record(std::mt19937_64& rng, int symbols) {
  MarketRecord r;
  r.kind = static_cast<RecordKind>(rng() % 8);
  r.ts_ns = static_cast<std::int64_t>(rng());
  r.aux_ts_ns = static_cast<std::int64_t>(rng());
  r.local_ts_ns = static_cast<std::int64_t>(rng());
  r.id = rng();
  r.count = static_cast<std::int64_t>(rng());
  r.price = random_decimal(rng);
  r.size = random_decimal(rng);
  r.amount = random_decimal(rng);
  r.open = random_decimal(rng);
  r.high = random_decimal(rng);
  r.low = random_decimal(rng);
  r.band_pct = random_decimal(rng);
  r.symbol = Symbol::from(fmt::format("SYM{}", rng() % static_cast<std::uint64_t>(symbols)));
  r.side = static_cast<MarketSide>(rng() % 3);
  r.series = static_cast<CandleSeries>(rng() % 5);
  return r;
}

TEST(RecordStore, GivesBackRandomMixesInOrder) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    std::mt19937_64 rng(seed);
    // Runs of one symbol, as files give them, and switches between a few.
    const int symbols = 1 + static_cast<int>(seed % 5);
    RecordStore store;
    std::vector<MarketRecord> pushed;
    for (int i = 0; i < 2'000; ++i) {
      pushed.push_back(random_record(rng, symbols));
      store.push(pushed.back());
    }
    std::size_t whole = 0;
    for (const MarketRecord& r : pushed)
      whole += RecordStore::is_print(r.kind) ? 0 : 1;
    EXPECT_EQ(store.whole_records(), whole);
    expect_store_gives_back(store, pushed, std::vector<bool>(pushed.size(), false));
  }
}

TEST(RecordStore, KeepsPrintsWholeOnceTheSymbolTableIsFull) {
  RecordStore store;
  std::vector<MarketRecord> pushed;
  std::vector<bool> kept_whole;
  std::mt19937_64 rng(7);
  for (std::size_t s = 0; s < RecordStore::kMaxSymbols + 10; ++s) {
    MarketRecord r = random_record(rng, 1);
    r.kind = RecordKind::kTrade;
    r.symbol = Symbol::from(fmt::format("S{}", s));
    pushed.push_back(r);
    kept_whole.push_back(s >= RecordStore::kMaxSymbols);
    store.push(r);
  }
  // A known symbol still packs after the table is full.
  pushed.push_back(pushed.front());
  kept_whole.push_back(false);
  store.push(pushed.back());
  EXPECT_EQ(store.whole_records(), 10u);
  expect_store_gives_back(store, pushed, kept_whole);
}

TEST(RecordStore, GivesBackEveryRealFile) {
  const std::filesystem::path dir = BACKSTOP_SHARED_DATA_DIR;
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << dir << " is absent";
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".md") continue;
    SCOPED_TRACE(entry.path().string());
    MarketReader reader;
    if (reader.try_open(entry.path().string()) != ReadStatus::kOk) continue;
    RecordStore store;
    std::vector<MarketRecord> pushed;
    MarketRecord r;
    while (reader.next(r) == ReadStatus::kOk) {
      pushed.push_back(r);
      store.push(r);
    }
    expect_store_gives_back(store, pushed, std::vector<bool>(pushed.size(), false));
    ++files;
  }
  EXPECT_GT(files, 10);
}

}  // namespace
}  // namespace backstop::replay
