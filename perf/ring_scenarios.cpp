#include "ring_scenarios.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "ringbuffers/ringbuffers.hpp"
#include "thread_tools.hpp"

namespace backstop::perf {
namespace {

using ringbuffers::BatchEventProcessor;
using ringbuffers::BusySpinWait;
using ringbuffers::drain_then_halt;
using ringbuffers::Sequence;
using ringbuffers::YieldingWait;

template <class Event>
struct SummingHandler {
  std::int64_t sum = 0;
  void on_event(Event& e, std::int64_t, bool) noexcept { sum += e.value; }
};

constexpr std::int64_t expected_sum(std::int64_t n) {
  return n * (n - 1) / 2;
}

template <class Event>
ThroughputResult run_1p1c(std::int64_t events, int batch) {
  using Ring = ringbuffers::SingleProducerRing<Event, BusySpinWait>;
  Ring ring(kRingSize);
  typename Ring::Barrier barrier(ring.sequencer(), {});
  SummingHandler<Event> handler;
  BatchEventProcessor consumer(ring, barrier, handler);
  ring.add_gating_sequence(consumer.sequence());
  events -= events % batch;

  std::atomic<bool> go{false};
  std::thread consumer_thread([&] {
    pin_current_thread(1);
    consumer.run();
  });
  std::uint64_t start = 0;
  std::thread producer([&] {
    pin_current_thread(0);
    while (!go.load(std::memory_order_acquire)) {
    }
    start = now_ns();
    if (batch == 1) {
      for (std::int64_t i = 0; i < events; ++i) {
        const std::int64_t s = ring.next();
        ring[s].value = i;
        ring.publish(s);
      }
    } else {
      for (std::int64_t i = 0; i < events; i += batch) {
        const std::int64_t hi = ring.next(batch);
        const std::int64_t lo = hi - batch + 1;
        for (std::int64_t s = lo; s <= hi; ++s)
          ring[s].value = i + (s - lo);
        ring.publish(lo, hi);
      }
    }
  });
  go.store(true, std::memory_order_release);
  producer.join();
  // The clock stops when the consumer has seen the last event, not when the producer is done.
  while (consumer.sequence().get() < events - 1) {
  }
  const std::uint64_t end = now_ns();
  consumer.halt();
  consumer_thread.join();
  ThroughputResult r;
  r.events_per_s = static_cast<double>(events) * 1e9 / static_cast<double>(end - start);
  r.checksum_ok = handler.sum == expected_sum(events);
  return r;
}

}  // namespace

ThroughputResult ring_throughput_8b(std::int64_t events, int batch) {
  return run_1p1c<Event8>(events, batch);
}
ThroughputResult ring_throughput_64b(std::int64_t events, int batch) {
  return run_1p1c<Event64>(events, batch);
}

ThroughputResult ring_throughput_3p1c(std::int64_t per_producer) {
  using Ring = ringbuffers::MultiProducerRing<Event8, YieldingWait>;
  Ring ring(kRingSize);
  Ring::Barrier barrier(ring.sequencer(), {});
  SummingHandler<Event8> handler;
  BatchEventProcessor consumer(ring, barrier, handler);
  ring.add_gating_sequence(consumer.sequence());
  std::thread consumer_thread([&] {
    pin_current_thread(1);
    consumer.run();
  });
  const std::uint64_t start = now_ns();
  std::thread producers[3];
  for (int p = 0; p < 3; ++p) {
    producers[p] = std::thread([&, p] {
      pin_current_thread(0);
      for (std::int64_t i = 0; i < per_producer; ++i) {
        ring.publish_event([&](Event8& e) { e.value = p * per_producer + i; });
      }
    });
  }
  for (auto& t : producers)
    t.join();
  const std::int64_t total = 3 * per_producer;
  while (consumer.sequence().get() < total - 1)
    std::this_thread::yield();
  const std::uint64_t end = now_ns();
  consumer.halt();
  consumer_thread.join();
  ThroughputResult r;
  r.events_per_s = static_cast<double>(total) * 1e9 / static_cast<double>(end - start);
  r.checksum_ok = handler.sum == expected_sum(total);
  return r;
}

ThroughputResult ring_throughput_diamond(std::int64_t events) {
  struct Slot {
    std::int64_t value = 0;
    std::int64_t risk = 0;
  };
  struct Journal {
    std::int64_t sum = 0;
    void on_event(Slot& e, std::int64_t, bool) noexcept { sum += e.value; }
  };
  struct Risk {
    void on_event(Slot& e, std::int64_t, bool) noexcept { e.risk = e.value * 2; }
  };
  struct Output {
    std::int64_t sum = 0;
    void on_event(Slot& e, std::int64_t, bool) noexcept { sum += e.risk; }
  };
  using Ring = ringbuffers::SingleProducerRing<Slot, YieldingWait>;
  Ring ring(kRingSize);
  Journal journal;
  Risk risk;
  Output output;
  Ring::Barrier bj(ring.sequencer(), {}), br(ring.sequencer(), {});
  BatchEventProcessor pj(ring, bj, journal);
  BatchEventProcessor pr(ring, br, risk);
  Ring::Barrier bo(ring.sequencer(), {&pj.sequence(), &pr.sequence()});
  BatchEventProcessor po(ring, bo, output);
  ring.add_gating_sequence(po.sequence());
  std::thread tj([&] { pj.run(); });
  std::thread tr([&] {
    pin_current_thread(1);
    pr.run();
  });
  std::thread to([&] { po.run(); });
  const std::uint64_t start = now_ns();
  std::thread producer([&] {
    pin_current_thread(0);
    for (std::int64_t i = 0; i < events; ++i) {
      ring.publish_event([&](Slot& e) { e.value = i; });
    }
  });
  producer.join();
  drain_then_halt(po, events - 1);
  const std::uint64_t end = now_ns();
  pj.halt();
  pr.halt();
  tj.join();
  tr.join();
  to.join();
  ThroughputResult r;
  r.events_per_s = static_cast<double>(events) * 1e9 / static_cast<double>(end - start);
  r.checksum_ok = journal.sum == expected_sum(events) && output.sum == 2 * expected_sum(events);
  return r;
}

ThroughputResult blocking_queue_throughput(std::int64_t events) {
  // The textbook bounded blocking queue (what LMAX compared against: ArrayBlockingQueue): a mutex,
  // a deque, and a condition variable for "not empty" and one for "not full".
  std::mutex mutex;
  std::condition_variable not_empty, not_full;
  std::deque<std::int64_t> queue;
  std::int64_t sum = 0;
  const std::uint64_t start = now_ns();
  std::thread consumer([&] {
    pin_current_thread(1);
    for (std::int64_t received = 0; received < events; ++received) {
      std::unique_lock lock(mutex);
      not_empty.wait(lock, [&] { return !queue.empty(); });
      sum += queue.front();
      queue.pop_front();
      lock.unlock();
      not_full.notify_one();
    }
  });
  std::thread producer([&] {
    pin_current_thread(0);
    for (std::int64_t i = 0; i < events; ++i) {
      std::unique_lock lock(mutex);
      not_full.wait(lock, [&] { return static_cast<std::int64_t>(queue.size()) < kRingSize; });
      queue.push_back(i);
      lock.unlock();
      not_empty.notify_one();
    }
  });
  producer.join();
  consumer.join();
  const std::uint64_t end = now_ns();
  ThroughputResult r;
  r.events_per_s = static_cast<double>(events) * 1e9 / static_cast<double>(end - start);
  r.checksum_ok = sum == expected_sum(events);
  return r;
}

ThroughputResult spinning_mutex_queue_throughput(std::int64_t events) {
  // A stronger variant of the baseline: the same mutex and deque, but both sides poll instead of
  // sleeping on condition variables, so no futex call is ever made.
  std::mutex mutex;
  std::deque<std::int64_t> queue;
  std::int64_t sum = 0;
  const std::uint64_t start = now_ns();
  std::thread consumer([&] {
    pin_current_thread(1);
    for (std::int64_t received = 0; received < events;) {
      std::unique_lock lock(mutex);
      if (queue.empty()) continue;
      sum += queue.front();
      queue.pop_front();
      ++received;
    }
  });
  std::thread producer([&] {
    pin_current_thread(0);
    for (std::int64_t i = 0; i < events;) {
      std::unique_lock lock(mutex);
      if (static_cast<std::int64_t>(queue.size()) >= kRingSize) continue;
      queue.push_back(i++);
    }
  });
  producer.join();
  consumer.join();
  const std::uint64_t end = now_ns();
  ThroughputResult r;
  r.events_per_s = static_cast<double>(events) * 1e9 / static_cast<double>(end - start);
  r.checksum_ok = sum == expected_sum(events);
  return r;
}

void ring_round_trips(std::int64_t samples, LatencyHistogram& histogram) {
  using Ring = ringbuffers::SingleProducerRing<Event8, BusySpinWait>;
  Ring ping(1024), pong(1024);
  // The echo side is a normal consumer: every ping it handles, it publishes back as a pong.
  struct Echo {
    Ring& out;
    void on_event(Event8& e, std::int64_t, bool) noexcept {
      out.publish_event([&](Event8& reply) { reply.value = e.value; });
    }
  } echo{pong};
  Ring::Barrier ping_barrier(ping.sequencer(), {});
  BatchEventProcessor echoer(ping, ping_barrier, echo);
  ping.add_gating_sequence(echoer.sequence());
  // The caller reads pongs itself through a barrier, and marks them read with its own sequence.
  Sequence pong_read;
  pong.add_gating_sequence(pong_read);
  Ring::Barrier pong_barrier(pong.sequencer(), {});

  std::thread echo_thread([&] {
    pin_current_thread(1);
    echoer.run();
  });
  std::thread caller([&] {
    pin_current_thread(0);
    const std::int64_t warmup = samples / 10 + 1000;
    for (std::int64_t i = 0; i < warmup + samples; ++i) {
      const std::uint64_t t0 = now_ns();
      ping.publish_event([&](Event8& e) { e.value = i; });
      const std::int64_t got = pong_barrier.wait_for(i);
      const std::uint64_t t1 = now_ns();
      pong_read.set(got);
      if (i >= warmup) histogram.record(t1 - t0);
    }
  });
  caller.join();
  echoer.halt();
  echo_thread.join();
}

void atomic_round_trips(std::int64_t samples, LatencyHistogram& histogram) {
  // Two bare atomics, each alone on its cache lines: the least any cross-core handoff can cost.
  alignas(ringbuffers::kCacheLinePad) std::atomic<std::int64_t> ping{-1};
  alignas(ringbuffers::kCacheLinePad) std::atomic<std::int64_t> pong{-1};
  const std::int64_t warmup = samples / 10 + 1000;
  const std::int64_t total = warmup + samples;
  std::thread echo([&] {
    pin_current_thread(1);
    for (std::int64_t i = 0; i < total; ++i) {
      // Acquire/release pairs: ping's store by the caller with this load, and pong's store here
      // with the caller's load; the same orders the ring uses.
      while (ping.load(std::memory_order_acquire) != i) {
      }
      pong.store(i, std::memory_order_release);
    }
  });
  std::thread caller([&] {
    pin_current_thread(0);
    for (std::int64_t i = 0; i < total; ++i) {
      const std::uint64_t t0 = now_ns();
      ping.store(i, std::memory_order_release);
      while (pong.load(std::memory_order_acquire) != i) {
      }
      const std::uint64_t t1 = now_ns();
      if (i >= warmup) histogram.record(t1 - t0);
    }
  });
  caller.join();
  echo.join();
}

}  // namespace backstop::perf
