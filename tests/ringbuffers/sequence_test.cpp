#include "ringbuffers/sequence.hpp"

#include <gtest/gtest.h>

namespace ringbuffers {
namespace {

TEST(Sequence, StartsBeforeTheFirstSlot) {
  Sequence s;
  EXPECT_EQ(s.get(), -1);
  Sequence t(41);
  EXPECT_EQ(t.get(), 41);
}

TEST(Sequence, SetAndCompareExchange) {
  Sequence s;
  s.set(7);
  EXPECT_EQ(s.get(), 7);
  std::int64_t expected = 7;
  while (!s.compare_exchange(expected, 9)) {
  }
  EXPECT_EQ(s.get(), 9);
  std::int64_t stale = 3;
  EXPECT_FALSE(s.compare_exchange(stale, 10));
  EXPECT_EQ(stale, 9);  // a failed CAS reports the current value
  EXPECT_EQ(s.fetch_add(5), 9);
  EXPECT_EQ(s.get(), 14);
}

TEST(Sequence, SitsAloneOnItsCacheLines) {
  Sequence pair[2];
  const auto a = reinterpret_cast<std::uintptr_t>(&pair[0]);
  const auto b = reinterpret_cast<std::uintptr_t>(&pair[1]);
  EXPECT_EQ(a % kCacheLinePad, 0u);
  EXPECT_EQ(b - a, kCacheLinePad);
}

TEST(SequenceGroup, MinimumOfMembersOrFloorWhenEmpty) {
  SequenceGroup group;
  EXPECT_TRUE(group.empty());
  EXPECT_EQ(group.minimum(123), 123);
  Sequence a(10), b(4), c(8);
  group.add(a);
  group.add(b);
  group.add(c);
  EXPECT_EQ(group.minimum(123), 4);
  b.set(20);
  EXPECT_EQ(group.minimum(123), 8);
}

}  // namespace
}  // namespace ringbuffers
