#include "ringbuffers/ring_buffer.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace ringbuffers {
namespace {

struct Slot {
  std::int64_t value = 0;
};

TEST(RingBuffer, IndexesWrapAroundWithTheMask) {
  SingleProducerRing<Slot> ring(8);
  EXPECT_EQ(ring.size(), 8);
  EXPECT_EQ(&ring[0], &ring[8]);
  EXPECT_EQ(&ring[3], &ring[8 * 1000 + 3]);
  EXPECT_NE(&ring[0], &ring[1]);
}

TEST(RingBuffer, SlotsAreCacheLineAligned) {
  SingleProducerRing<Slot> ring(4);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(&ring[0]) % kCacheLinePad, 0u);
}

TEST(RingBuffer, RejectsSizesThatAreNotPowersOfTwo) {
  EXPECT_DEATH({ SingleProducerRing<Slot> ring(6); }, "not a positive power of two");
  EXPECT_DEATH({ SingleProducerRing<Slot> ring(0); }, "not a positive power of two");
}

TEST(SingleProducerSequencer, ClaimsAndPublishesInOrder) {
  SingleProducerRing<Slot> ring(8);
  EXPECT_EQ(ring.cursor(), -1);
  const std::int64_t s0 = ring.next();
  EXPECT_EQ(s0, 0);
  ring[s0].value = 100;
  EXPECT_EQ(ring.cursor(), -1) << "a claimed slot is not visible before publish";
  ring.publish(s0);
  EXPECT_EQ(ring.cursor(), 0);
  EXPECT_EQ(ring.next(3), 3) << "next(n) returns the highest of n claimed slots";
  ring.publish(1, 3);
  EXPECT_EQ(ring.cursor(), 3);
}

TEST(SingleProducerSequencer, TryNextReportsAFullRingWithoutClaiming) {
  SingleProducerRing<Slot> ring(4);
  Sequence consumer;  // a consumer that has read nothing yet
  ring.add_gating_sequence(consumer);
  for (int i = 0; i < 4; ++i) {
    const auto s = ring.try_next();
    ASSERT_TRUE(s.has_value());
    ring.publish(*s);
  }
  EXPECT_FALSE(ring.try_next().has_value()) << "the fifth slot would overwrite unread slot 0";
  EXPECT_EQ(ring.remaining_capacity(), 0);
  consumer.set(0);  // slot 0 read
  const auto s = ring.try_next();
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(*s, 4);
  EXPECT_FALSE(ring.try_next().has_value());
}

TEST(SingleProducerSequencer, BatchClaimNeedsRoomForTheWholeBatch) {
  SingleProducerRing<Slot> ring(8);
  Sequence consumer;
  ring.add_gating_sequence(consumer);
  auto hi = ring.try_next(5);
  ASSERT_TRUE(hi.has_value());
  ring.publish(0, *hi);
  EXPECT_FALSE(ring.try_next(4).has_value()) << "only 3 free slots";
  hi = ring.try_next(3);
  ASSERT_TRUE(hi.has_value());
  EXPECT_EQ(*hi, 7);
  consumer.set(3);
  hi = ring.try_next(4);
  ASSERT_TRUE(hi.has_value());
  EXPECT_EQ(*hi, 11);
}

TEST(SingleProducerSequencer, GatedOnTheSlowestOfSeveralConsumers) {
  SingleProducerRing<Slot> ring(4);
  Sequence fast, slow;
  ring.add_gating_sequence(fast);
  ring.add_gating_sequence(slow);
  for (int i = 0; i < 4; ++i)
    ring.publish(ring.next());
  fast.set(3);
  EXPECT_FALSE(ring.try_next().has_value()) << "the slow consumer still holds slot 0";
  slow.set(1);
  EXPECT_TRUE(ring.try_next(2).has_value());
  EXPECT_FALSE(ring.try_next().has_value());
}

TEST(MultiProducerSequencer, ConsumersSeeOnlyContiguouslyPublishedSlots) {
  MultiProducerRing<Slot> ring(8);
  Sequence consumer;
  ring.add_gating_sequence(consumer);
  auto& sequencer = ring.sequencer();
  const std::int64_t a = ring.next();  // 0
  const std::int64_t b = ring.next();  // 1
  const std::int64_t c = ring.next();  // 2
  EXPECT_EQ(ring.cursor(), 2) << "the multi-producer cursor is the claim counter";
  ring.publish(c);
  ring.publish(a);
  EXPECT_TRUE(sequencer.is_available(a));
  EXPECT_FALSE(sequencer.is_available(b));
  EXPECT_EQ(sequencer.highest_published(0, 2), 0) << "slot 1 is claimed but unwritten";
  ring.publish(b);
  EXPECT_EQ(sequencer.highest_published(0, 2), 2);
}

TEST(MultiProducerSequencer, AvailabilityFlagsTellLapsApart) {
  MultiProducerRing<Slot> ring(4);
  auto& sequencer = ring.sequencer();
  Sequence consumer;
  ring.add_gating_sequence(consumer);
  for (int i = 0; i < 4; ++i)
    ring.publish(ring.next());
  consumer.set(3);
  EXPECT_TRUE(sequencer.is_available(0));
  EXPECT_FALSE(sequencer.is_available(4)) << "slot 0 of the next lap is not published yet";
  ring.publish(ring.next());
  EXPECT_TRUE(sequencer.is_available(4));
  EXPECT_FALSE(sequencer.is_available(0)) << "lap 0's flag is gone once lap 1 reuses the slot";
}

TEST(MultiProducerSequencer, TryNextReportsFullAndBatchClaims) {
  MultiProducerRing<Slot> ring(4);
  Sequence consumer;
  ring.add_gating_sequence(consumer);
  auto hi = ring.try_next(3);
  ASSERT_TRUE(hi.has_value());
  EXPECT_EQ(*hi, 2);
  ring.publish(0, 2);
  EXPECT_FALSE(ring.try_next(2).has_value());
  hi = ring.try_next(1);
  ASSERT_TRUE(hi.has_value());
  ring.publish(*hi);
  EXPECT_FALSE(ring.try_next().has_value());
  EXPECT_EQ(ring.remaining_capacity(), 0);
  consumer.set(1);
  EXPECT_EQ(ring.remaining_capacity(), 2);
  hi = ring.try_next(2);
  ASSERT_TRUE(hi.has_value());
  EXPECT_EQ(*hi, 5);
}

}  // namespace
}  // namespace ringbuffers
