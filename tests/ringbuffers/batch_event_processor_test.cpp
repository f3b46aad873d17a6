#include "ringbuffers/batch_event_processor.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <thread>
#include <vector>

#include "ringbuffers/ring_buffer.hpp"

namespace ringbuffers {
namespace {

struct Slot {
  std::int64_t value = 0;
};

struct RecordingHandler {
  std::vector<std::int64_t> values;
  std::vector<bool> end_flags;
  int starts = 0;
  int shutdowns = 0;
  void on_start() noexcept { ++starts; }
  void on_shutdown() noexcept { ++shutdowns; }
  void on_event(Slot& slot, std::int64_t, bool end_of_batch) noexcept {
    values.push_back(slot.value);
    end_flags.push_back(end_of_batch);
  }
};

using Ring = SingleProducerRing<Slot, YieldingWait>;

TEST(BatchEventProcessor, HandsAWholePublishedBatchWithOneEndFlag) {
  Ring ring(16);
  Ring::Barrier barrier(ring.sequencer(), {});
  RecordingHandler handler;
  handler.values.reserve(16);
  BatchEventProcessor processor(ring, barrier, handler);
  ring.add_gating_sequence(processor.sequence());

  // Publish five events as one batch before the consumer starts: it must see them as one batch.
  const std::int64_t hi = ring.next(5);
  for (std::int64_t s = hi - 4; s <= hi; ++s)
    ring[s].value = s * 10;
  ring.publish(hi - 4, hi);

  std::thread consumer([&] { processor.run(); });
  drain_then_halt(processor, hi);
  consumer.join();

  ASSERT_EQ(handler.values, (std::vector<std::int64_t>{0, 10, 20, 30, 40}));
  EXPECT_EQ(handler.end_flags, (std::vector<bool>{false, false, false, false, true}));
  EXPECT_EQ(handler.starts, 1);
  EXPECT_EQ(handler.shutdowns, 1);
  EXPECT_EQ(processor.sequence().get(), 4);
  EXPECT_FALSE(processor.running());
}

// Logs prefetch hints (negative values) and events (positive) in the order the processor gives
// them.
struct PrefetchingHandler {
  std::vector<std::int64_t> log;
  void prefetch(const Slot& slot) noexcept { log.push_back(-slot.value); }
  void on_event(Slot& slot, std::int64_t, bool) noexcept { log.push_back(slot.value); }
};

TEST(BatchEventProcessor, PrefetchesEachEventOnceAFixedDistanceAheadWithinItsBatch) {
  using Processor = BatchEventProcessor<Ring, PrefetchingHandler>;
  constexpr std::int64_t kDistance = Processor::kPrefetchDistance;
  Ring ring(64);
  Ring::Barrier barrier(ring.sequencer(), {});
  PrefetchingHandler handler;
  handler.log.reserve(1024);
  Processor processor(ring, barrier, handler);
  ring.add_gating_sequence(processor.sequence());
  std::thread consumer([&] { processor.run(); });

  // Batches shorter than, as long as and longer than the distance; each published whole and
  // handled before the next, so the processor sees exactly these batches.
  std::vector<std::int64_t> expected;
  std::int64_t value = 1;
  for (const std::int64_t size : {1, 2, 3, 4, 5, 9, 17, 1, 40}) {
    const std::int64_t hi = ring.next(size);
    const std::int64_t lo = hi - size + 1;
    std::vector<std::int64_t> values;
    for (std::int64_t s = lo; s <= hi; ++s) {
      ring[s].value = value;
      values.push_back(value++);
    }
    // The reference: the first `distance` hinted up front, then before each event the one
    // `distance` later, while it is in the batch.
    const auto n = static_cast<std::int64_t>(values.size());
    for (std::int64_t k = 0; k < std::min(n, kDistance); ++k)
      expected.push_back(-values[static_cast<std::size_t>(k)]);
    for (std::int64_t k = 0; k < n; ++k) {
      if (k + kDistance < n) expected.push_back(-values[static_cast<std::size_t>(k + kDistance)]);
      expected.push_back(values[static_cast<std::size_t>(k)]);
    }
    ring.publish(lo, hi);
    while (processor.sequence().get() < hi)
      std::this_thread::yield();
  }
  processor.halt();
  consumer.join();
  EXPECT_EQ(handler.log, expected);
}

TEST(BatchEventProcessor, HaltBeforeRunReturnsAtOnce) {
  Ring ring(4);
  Ring::Barrier barrier(ring.sequencer(), {});
  RecordingHandler handler;
  BatchEventProcessor processor(ring, barrier, handler);
  processor.halt();
  processor.run();  // must not hang
  EXPECT_EQ(handler.starts, 0);
}

TEST(BatchEventProcessor, HaltsWhileWaitingForData) {
  Ring ring(4);
  Ring::Barrier barrier(ring.sequencer(), {});
  RecordingHandler handler;
  BatchEventProcessor processor(ring, barrier, handler);
  std::thread consumer([&] { processor.run(); });
  while (!processor.running())
    std::this_thread::yield();
  processor.halt();
  consumer.join();
  EXPECT_TRUE(handler.values.empty());
  EXPECT_EQ(handler.shutdowns, 1);
}

TEST(BatchEventProcessor, HaltWakesABlockedConsumer) {
  SingleProducerRing<Slot, BlockingWait> ring(4);
  SingleProducerRing<Slot, BlockingWait>::Barrier barrier(ring.sequencer(), {});
  RecordingHandler handler;
  BatchEventProcessor processor(ring, barrier, handler);
  std::thread consumer([&] { processor.run(); });
  while (!processor.running())
    std::this_thread::yield();
  ring.publish_event([](Slot& s) { s.value = 5; });
  drain_then_halt(processor, 0);
  consumer.join();
  EXPECT_EQ(handler.values, std::vector<std::int64_t>{5});
}

TEST(BatchEventProcessor, ProducerWaitsForAGatingConsumerAcrossWrapAround) {
  // A ring of 4 carrying 1000 events: the producer must wrap 250 times, each time waiting for the
  // consumer, and the consumer must see every value once, in order.
  Ring ring(4);
  Ring::Barrier barrier(ring.sequencer(), {});
  RecordingHandler handler;
  handler.values.reserve(1000);
  handler.end_flags.reserve(1000);
  BatchEventProcessor processor(ring, barrier, handler);
  ring.add_gating_sequence(processor.sequence());
  std::thread consumer([&] { processor.run(); });
  for (std::int64_t i = 0; i < 1000; ++i)
    ring.publish_event([&](Slot& s) { s.value = i; });
  drain_then_halt(processor, 999);
  consumer.join();
  ASSERT_EQ(handler.values.size(), 1000u);
  for (std::int64_t i = 0; i < 1000; ++i)
    ASSERT_EQ(handler.values[i], i);
}

TEST(BatchEventProcessor, ConsumerMayChooseItsOwnWaitStrategy) {
  // A busy-spin ring (the risk engine's) read by a sleeping consumer (a cold journal or audit log).
  using BusyRing = SingleProducerRing<Slot, BusySpinWait>;
  BusyRing ring(8);
  BusyRing::BarrierWith<SleepingWait> barrier(ring.sequencer(), {});
  RecordingHandler handler;
  handler.values.reserve(100);
  handler.end_flags.reserve(100);
  BatchEventProcessor processor(ring, barrier, handler);
  ring.add_gating_sequence(processor.sequence());
  std::thread consumer([&] { processor.run(); });
  for (std::int64_t i = 0; i < 100; ++i)
    ring.publish_event([&](Slot& s) { s.value = i; });
  drain_then_halt(processor, 99);
  consumer.join();
  ASSERT_EQ(handler.values.size(), 100u);
  EXPECT_EQ(handler.values.back(), 99);
}

TEST(SequenceBarrier, DependentConsumerWaitsForItsUpstream) {
  SingleProducerRing<Slot> ring(8);
  Sequence upstream;
  SingleProducerRing<Slot>::Barrier barrier(ring.sequencer(), {&upstream});
  for (int i = 0; i < 3; ++i)
    ring.publish(ring.next());
  upstream.set(1);
  EXPECT_EQ(barrier.wait_for(0), 1) << "bounded by the upstream consumer, not the cursor (2)";
  barrier.alert();
  EXPECT_EQ(barrier.wait_for(2), kAlerted);
  barrier.clear_alert();
  upstream.set(2);
  EXPECT_EQ(barrier.wait_for(2), 2);
}

}  // namespace
}  // namespace ringbuffers
