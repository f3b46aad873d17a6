#include "backstop/liquidation_index.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <vector>

#include "backstop/id_map.hpp"
#include "backstop/margin.hpp"
#include "support/engine_checks.hpp"

namespace backstop {
namespace {

struct Fixture {
  explicit Fixture(std::uint32_t n)
      : entries(n), positions(n), index(entries.data(), n, positions.data()) {
    for (std::uint32_t i = 0; i < n; ++i) {
      positions[i] = Position{1, 0, 0, 0, kNoSlot, 0, HeapSide::kNone, 0};
    }
  }
  std::vector<TriggerEntry> entries;
  std::vector<Position> positions;
  LiquidationIndex index;
};

TEST(LiquidationIndex, EmptyFiresNothing) {
  Fixture f(4);
  EXPECT_EQ(f.index.pop_fired_long(1), kNoSlot);
  EXPECT_EQ(f.index.pop_fired_short(1'000'000), kNoSlot);
  EXPECT_TRUE(checks::verify_heaps(f.index, f.positions));
}

TEST(LiquidationIndex, FiresLongWhenMarkFallsThroughTrigger) {
  Fixture f(4);
  f.index.upsert(0, HeapSide::kLong, 100);
  f.index.upsert(1, HeapSide::kLong, 90);
  EXPECT_EQ(f.index.pop_fired_long(101), kNoSlot);
  EXPECT_EQ(f.index.pop_fired_long(100), 0u);  // at the trigger: fires
  EXPECT_EQ(f.index.pop_fired_long(95), kNoSlot);
  EXPECT_EQ(f.index.pop_fired_long(50), 1u);
  EXPECT_EQ(f.positions[0].heap_side, HeapSide::kNone);
}

TEST(LiquidationIndex, FiresShortWhenMarkRisesThroughTrigger) {
  Fixture f(4);
  f.index.upsert(2, HeapSide::kShort, 200);
  f.index.upsert(3, HeapSide::kShort, 210);
  EXPECT_EQ(f.index.pop_fired_short(199), kNoSlot);
  EXPECT_EQ(f.index.pop_fired_short(205), 2u);
  EXPECT_EQ(f.index.pop_fired_short(205), kNoSlot);
  EXPECT_EQ(f.index.pop_fired_short(kShortNever - 1), 3u);
}

TEST(LiquidationIndex, FullCapacityHoldsBothSidesInOneArray) {
  constexpr std::uint32_t n = 64;
  Fixture f(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    f.index.upsert(i, i % 3 == 0 ? HeapSide::kShort : HeapSide::kLong, 1000 + i);
  }
  EXPECT_EQ(f.index.long_count() + f.index.short_count(), n);
  EXPECT_TRUE(checks::verify_heaps(f.index, f.positions));
}

TEST(LiquidationIndex, TightenMovesOnlyTowardTheMark) {
  Fixture f(4);
  f.index.upsert(0, HeapSide::kLong, 100);
  f.index.tighten(0, HeapSide::kLong, 90);  // looser: kept at 100
  EXPECT_EQ(f.positions[0].trigger, 100);
  f.index.tighten(0, HeapSide::kLong, 110);  // tighter: moves
  EXPECT_EQ(f.positions[0].trigger, 110);
  f.index.tighten(0, HeapSide::kShort, 300);  // side change: re-inserted on the other side
  EXPECT_EQ(f.positions[0].heap_side, HeapSide::kShort);
  EXPECT_EQ(f.index.long_count(), 0u);
  EXPECT_TRUE(checks::verify_heaps(f.index, f.positions));
}

// Random upserts, erases and pops against a multiset: the fired positions are exactly those with
// a trigger at or beyond the mark, in priority order.
TEST(LiquidationIndex, PropertyAgainstSortedReference) {
  constexpr std::uint32_t n = 512;
  Fixture f(n);
  std::mt19937_64 rng(3);
  std::map<std::uint32_t, std::pair<HeapSide, std::int64_t>> ref;
  for (int step = 0; step < 200'000; ++step) {
    const std::uint32_t pos = static_cast<std::uint32_t>(rng() % n);
    const int op = static_cast<int>(rng() % 10);
    if (op < 6) {
      const HeapSide side =
          ref.count(pos) ? ref[pos].first : (rng() % 2 ? HeapSide::kLong : HeapSide::kShort);
      const std::int64_t t = static_cast<std::int64_t>(rng() % 10'000);
      f.index.upsert(pos, side, t);
      ref[pos] = {side, t};
    } else if (op < 8) {
      f.index.erase(pos);
      ref.erase(pos);
    } else {
      const std::int64_t mark = static_cast<std::int64_t>(rng() % 10'000);
      const bool longs = op == 8;
      std::multiset<std::int64_t> expect;
      for (const auto& [p, st] : ref) {
        if (longs && st.first == HeapSide::kLong && st.second >= mark) expect.insert(st.second);
        if (!longs && st.first == HeapSide::kShort && st.second <= mark) expect.insert(st.second);
      }
      std::multiset<std::int64_t> got;
      std::int64_t last = longs ? kShortNever : -1;
      for (std::uint32_t p;
           (p = longs ? f.index.pop_fired_long(mark) : f.index.pop_fired_short(mark)) != kNoSlot;) {
        const std::int64_t t = ref[p].second;
        ASSERT_TRUE(longs ? t <= last : t >= last);  // priority order
        last = t;
        got.insert(t);
        ref.erase(p);
      }
      ASSERT_EQ(got, expect);
    }
    if (step % 1000 == 0) {
      ASSERT_TRUE(checks::verify_heaps(f.index, f.positions));
    }
  }
}

TEST(IdMap, FindsWhatWasInsertedAndNothingElse) {
  std::vector<std::uint64_t> keys;
  IdMap map(1000);
  std::mt19937_64 rng(5);
  for (std::uint32_t i = 0; i < 1000; ++i) {
    keys.push_back(rng());
    map.insert(keys.back(), i);
  }
  auto key_of = [&](std::uint32_t slot) { return keys[slot]; };
  for (std::uint32_t i = 0; i < 1000; ++i)
    EXPECT_EQ(map.find(keys[i], key_of), i);
  EXPECT_EQ(map.find(12345, key_of), kNoSlot);
  // Sequential ids (the common case) spread too.
  IdMap seq(1000);
  for (std::uint32_t i = 0; i < 1000; ++i)
    seq.insert(i + 1, i);
  auto seq_key = [](std::uint32_t slot) { return std::uint64_t{slot} + 1; };
  for (std::uint32_t i = 0; i < 1000; ++i)
    EXPECT_EQ(seq.find(i + 1, seq_key), i);
  EXPECT_EQ(seq.find(0, seq_key), kNoSlot);
}

}  // namespace
}  // namespace backstop
