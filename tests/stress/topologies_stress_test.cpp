// Threaded stress of every ring topology Backstop uses: at least 10 million events each (override
// with BACKSTOP_STRESS_EVENTS), nothing lost, nothing duplicated, per-producer order kept, stage
// outputs seen downstream. Also built with ThreadSanitizer by scripts/test.sh.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <thread>
#include <vector>

#include "ringbuffers/ringbuffers.hpp"

namespace ringbuffers {
namespace {

std::int64_t stress_events() {
  if (const char* v = std::getenv("BACKSTOP_STRESS_EVENTS")) return std::atoll(v);
  return 10'000'000;
}

struct Event {
  std::int64_t producer = 0;  // who published it
  std::int64_t index = 0;     // its position in that producer's own stream
  std::int64_t payload = 0;   // a function of (producer, index), so corruption shows
  std::int64_t stage_a = 0;   // written by an upstream stage, checked downstream
  std::int64_t stage_b = 0;
};

constexpr std::int64_t payload_of(std::int64_t producer, std::int64_t index) {
  return index * 7919 + producer * 104729 + 1;
}

// Counts, sums and checks order per producer; what every terminal consumer does.
struct Verifier {
  static constexpr int kMaxProducers = 4;
  std::array<std::int64_t, kMaxProducers> next_index{};
  std::int64_t count = 0;
  std::int64_t payload_sum = 0;
  std::int64_t order_errors = 0;
  std::int64_t payload_errors = 0;

  void check(const Event& e) noexcept {
    if (e.index != next_index[e.producer]) ++order_errors;
    next_index[e.producer] = e.index + 1;
    if (e.payload != payload_of(e.producer, e.index)) ++payload_errors;
    payload_sum += e.payload;
    ++count;
  }
};

std::int64_t expected_sum(std::int64_t producers, std::int64_t per_producer) {
  std::int64_t sum = 0;
  for (std::int64_t p = 0; p < producers; ++p)
    for (std::int64_t i = 0; i < per_producer; ++i)
      sum += payload_of(p, i);
  return sum;
}

void expect_all_seen(const Verifier& v, std::int64_t producers, std::int64_t per_producer) {
  EXPECT_EQ(v.count, producers * per_producer) << "events lost or duplicated";
  EXPECT_EQ(v.order_errors, 0) << "a producer's events arrived out of order";
  EXPECT_EQ(v.payload_errors, 0) << "an event was corrupted in its slot";
  EXPECT_EQ(v.payload_sum, expected_sum(producers, per_producer));
  for (std::int64_t p = 0; p < producers; ++p)
    EXPECT_EQ(v.next_index[p], per_producer);
}

struct VerifyingHandler {
  Verifier verifier;
  void on_event(Event& e, std::int64_t, bool) noexcept { verifier.check(e); }
};

template <class Ring>
void produce(Ring& ring, std::int64_t producer, std::int64_t count) {
  for (std::int64_t i = 0; i < count; ++i) {
    ring.publish_event([&](Event& e) {
      e.producer = producer;
      e.index = i;
      e.payload = payload_of(producer, i);
    });
  }
}

// The producer claims in batches of up to 16 through try_next, exercising the non-blocking path and
// batch publish under contention.
template <class Ring>
void produce_batched_try(Ring& ring, std::int64_t producer, std::int64_t count) {
  std::int64_t i = 0;
  while (i < count) {
    const std::int64_t n = std::min<std::int64_t>(16, count - i);
    const auto hi = ring.try_next(n);
    if (!hi) {
      std::this_thread::yield();
      continue;
    }
    for (std::int64_t s = *hi - n + 1; s <= *hi; ++s, ++i) {
      Event& e = ring[s];
      e.producer = producer;
      e.index = i;
      e.payload = payload_of(producer, i);
    }
    ring.publish(*hi - n + 1, *hi);
  }
}

TEST(RingTopologyStress, OneProducerOneConsumerBusySpin) {
  const std::int64_t n = stress_events();
  SingleProducerRing<Event, BusySpinWait> ring(1024);
  decltype(ring)::Barrier barrier(ring.sequencer(), {});
  VerifyingHandler handler;
  BatchEventProcessor consumer(ring, barrier, handler);
  ring.add_gating_sequence(consumer.sequence());
  std::thread t([&] { consumer.run(); });
  produce(ring, 0, n);
  drain_then_halt(consumer, n - 1);
  t.join();
  expect_all_seen(handler.verifier, 1, n);
}

TEST(RingTopologyStress, ThreeProducersOneConsumer) {
  const std::int64_t per = stress_events() / 3 + 1;
  MultiProducerRing<Event, YieldingWait> ring(1024);
  decltype(ring)::Barrier barrier(ring.sequencer(), {});
  VerifyingHandler handler;
  BatchEventProcessor consumer(ring, barrier, handler);
  ring.add_gating_sequence(consumer.sequence());
  std::thread t([&] { consumer.run(); });
  std::vector<std::thread> producers;
  producers.emplace_back([&] { produce(ring, 0, per); });
  producers.emplace_back([&] { produce(ring, 1, per); });
  producers.emplace_back([&] { produce_batched_try(ring, 2, per); });
  for (auto& p : producers)
    p.join();
  drain_then_halt(consumer, 3 * per - 1);
  t.join();
  expect_all_seen(handler.verifier, 3, per);
}

TEST(RingTopologyStress, OneProducerThreeConsumersBroadcast) {
  const std::int64_t n = stress_events();
  SingleProducerRing<Event, YieldingWait> ring(1024);
  decltype(ring)::Barrier b0(ring.sequencer(), {}), b1(ring.sequencer(), {}),
      b2(ring.sequencer(), {});
  VerifyingHandler h0, h1, h2;
  BatchEventProcessor c0(ring, b0, h0), c1(ring, b1, h1), c2(ring, b2, h2);
  ring.add_gating_sequence(c0.sequence());
  ring.add_gating_sequence(c1.sequence());
  ring.add_gating_sequence(c2.sequence());
  std::thread t0([&] { c0.run(); }), t1([&] { c1.run(); }), t2([&] { c2.run(); });
  produce(ring, 0, n);
  drain_then_halt(c0, n - 1);
  drain_then_halt(c1, n - 1);
  drain_then_halt(c2, n - 1);
  t0.join();
  t1.join();
  t2.join();
  expect_all_seen(h0.verifier, 1, n);
  expect_all_seen(h1.verifier, 1, n);
  expect_all_seen(h2.verifier, 1, n);
}

// Stage A writes stage_a from the payload; stage B checks it and writes stage_b; stage C checks
// both.
struct StageA {
  void on_event(Event& e, std::int64_t, bool) noexcept { e.stage_a = e.payload * 3; }
};
struct StageB {
  std::int64_t errors = 0;
  void on_event(Event& e, std::int64_t, bool) noexcept {
    if (e.stage_a != e.payload * 3) ++errors;
    e.stage_b = e.stage_a + 1;
  }
};
struct StageC {
  Verifier verifier;
  std::int64_t errors = 0;
  void on_event(Event& e, std::int64_t, bool) noexcept {
    if (e.stage_a != e.payload * 3 || e.stage_b != e.payload * 3 + 1) ++errors;
    verifier.check(e);
  }
};

TEST(RingTopologyStress, ThreeStagePipelineBlocking) {
  const std::int64_t n = stress_events();
  using Ring = SingleProducerRing<Event, BlockingWait>;
  Ring ring(1024);
  StageA a;
  StageB b;
  StageC c;
  Ring::Barrier ba(ring.sequencer(), {});
  BatchEventProcessor pa(ring, ba, a);
  Ring::Barrier bb(ring.sequencer(), {&pa.sequence()});
  BatchEventProcessor pb(ring, bb, b);
  Ring::Barrier bc(ring.sequencer(), {&pb.sequence()});
  BatchEventProcessor pc(ring, bc, c);
  ring.add_gating_sequence(pc.sequence());
  std::thread ta([&] { pa.run(); }), tb([&] { pb.run(); }), tc([&] { pc.run(); });
  produce(ring, 0, n);
  drain_then_halt(pc, n - 1);
  pa.halt();
  pb.halt();
  ta.join();
  tb.join();
  tc.join();
  EXPECT_EQ(b.errors, 0) << "stage B read a slot before stage A had written it";
  EXPECT_EQ(c.errors, 0) << "stage C read a slot before an upstream stage had written it";
  expect_all_seen(c.verifier, 1, n);
}

// The diamond Backstop runs: journal and risk both read the input; the output stage follows both.
struct JournalStage {
  std::int64_t checksum = 0;
  void on_event(Event& e, std::int64_t, bool) noexcept {
    checksum = checksum * 31 + e.payload;
    e.stage_a = e.payload ^ 0x5a5a;  // "durable" mark
  }
};
struct RiskStage {
  void on_event(Event& e, std::int64_t, bool) noexcept { e.stage_b = e.payload * 2; }
};

TEST(RingTopologyStress, DiamondJournalAndRiskThenOutput) {
  const std::int64_t n = stress_events();
  // As in the engine: the ring spins for the risk stage; journal and output wait their own way.
  using Ring = SingleProducerRing<Event, YieldingWait>;
  Ring ring(1024);
  JournalStage journal;
  RiskStage risk;
  struct OutputStage {
    Verifier verifier;
    std::int64_t errors = 0;
    std::int64_t checksum = 0;
    void on_event(Event& e, std::int64_t, bool) noexcept {
      if (e.stage_a != (e.payload ^ 0x5a5a) || e.stage_b != e.payload * 2) ++errors;
      checksum = checksum * 31 + e.payload;
      verifier.check(e);
    }
  } out;
  Ring::BarrierWith<SleepingWait> bj(ring.sequencer(), {});
  Ring::Barrier br(ring.sequencer(), {});
  BatchEventProcessor pj(ring, bj, journal);
  BatchEventProcessor pr(ring, br, risk);
  Ring::Barrier bo(ring.sequencer(), {&pj.sequence(), &pr.sequence()});
  BatchEventProcessor po(ring, bo, out);
  ring.add_gating_sequence(po.sequence());
  std::thread tj([&] { pj.run(); }), tr([&] { pr.run(); }), to([&] { po.run(); });
  produce(ring, 0, n);
  drain_then_halt(po, n - 1);
  pj.halt();
  pr.halt();
  tj.join();
  tr.join();
  to.join();
  EXPECT_EQ(out.errors, 0) << "output read a slot before journal and risk were both done";
  EXPECT_EQ(out.checksum, journal.checksum) << "journal and output saw different streams";
  expect_all_seen(out.verifier, 1, n);
}

}  // namespace
}  // namespace ringbuffers
