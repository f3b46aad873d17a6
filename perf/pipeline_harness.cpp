// `backstop bench pipeline`: the whole Engine end to end. Loads N accounts with positions, then one
// thread (standing in for the matching engine) publishes marks and fills at a fixed rate and polls
// the outputs between publishes, while the risk thread applies them; the publish -> output latency
// of every event (its kProcessed acknowledgement) goes into a histogram. The final state digest is
// checked against synchronous mode on the same events, and the run fails when they differ.
// Two busy threads (publisher/poller on CPU 0, risk engine on CPU 1); the journal thread, when on,
// sleeps between batches.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include "backstop/instrument_presets.hpp"
#include "harnesses.hpp"
#include "latency_histogram.hpp"
#include "pipeline/engine.hpp"
#include "pipeline/state_digest.hpp"
#include "ring_scenarios.hpp"
#include "thread_tools.hpp"

namespace backstop::perf {
namespace {

constexpr std::int64_t kStartMark = 600'000;  // 60,000 USDT in 0.1 ticks

EngineConfig harness_config(std::int64_t accounts, const BenchOptions& options) {
  EngineConfig c;
  c.risk.max_accounts = static_cast<std::uint32_t>(accounts);
  c.risk.positions_per_account = 4;
  c.risk.asset_count = 1;
  c.risk.instruments = {presets::btcusdt_linear(0)};
  c.input_ring_size = 1 << 16;
  c.output_ring_size = 1 << 18;
  c.risk_cpu = 1;
  c.acknowledge_inputs = true;
  if (!options.journal_dir.empty()) {
    c.journal.folder = options.journal_dir;
    c.journal.start = JournalStart::kFresh;  // a benchmark run never continues another journal
    c.journal.sync = SyncPolicy::kEveryMicros;
    c.journal.sync_every_us = 1000;
  }
  return c;
}

// Accounts with 10,000 USDT each and one position (pairs trade 0.01-0.1 BTC with each other):
// leverage stays low enough that the measured marks (a random walk of +-0.05 %) fire nothing.
std::vector<Event> load_events(std::int64_t accounts) {
  std::vector<Event> events;
  events.reserve(static_cast<std::size_t>(accounts) * 3);
  for (std::int64_t a = 1; a <= accounts; ++a) {
    events.push_back(make_open_account(static_cast<std::uint64_t>(a), 0));
    events.push_back(make_deposit(static_cast<std::uint64_t>(a), Money{10'000'000'000}));
  }
  std::mt19937_64 rng(42);
  for (std::int64_t a = 1; a + 1 <= accounts; a += 2) {
    events.push_back(make_fill(0, Side::kBuy, static_cast<std::uint64_t>(a),
                               static_cast<std::uint64_t>(a + 1), Price{kStartMark},
                               Qty{static_cast<std::int64_t>(10 + rng() % 90)}));
  }
  return events;
}

// The measured stream: 1 mark in 4, the rest small fills between random accounts near the mark.
std::vector<Event> measured_events(std::int64_t accounts, std::int64_t count) {
  std::vector<Event> events;
  events.reserve(static_cast<std::size_t>(count));
  std::mt19937_64 rng(7);
  std::int64_t mark = kStartMark;
  for (std::int64_t i = 0; i < count; ++i) {
    if (i % 4 == 0) {
      mark += static_cast<std::int64_t>(rng() % 61) - 30;
      events.push_back(make_mark(0, Price{mark}, i));
    } else {
      const auto taker = 1 + rng() % static_cast<std::uint64_t>(accounts);
      auto maker = 1 + rng() % static_cast<std::uint64_t>(accounts);
      if (maker == taker) maker = 1 + maker % static_cast<std::uint64_t>(accounts);
      events.push_back(make_fill(0, rng() % 2 ? Side::kBuy : Side::kSell, taker, maker,
                                 Price{mark + static_cast<std::int64_t>(rng() % 5) - 2},
                                 Qty{static_cast<std::int64_t>(1 + rng() % 5)}, Money{200},
                                 Money{100}, i));
    }
  }
  return events;
}

struct PipelineRun {
  LatencyHistogram latency;
  double seconds = 0;
  std::uint64_t digest = 0;
  std::uint64_t ring_full = 0;
  std::uint64_t rejected = 0;
};

void load(Engine& engine, const std::vector<Event>& events) {
  for (const Event& e : events)
    (void)engine.process(e, [](const OutputEvent&) {});
}

PipelineRun run_threaded(const EngineConfig& config, const std::vector<Event>& preload,
                         const std::vector<Event>& events, std::int64_t rate) {
  PipelineRun run;
  Engine engine(config);
  load(engine, preload);
  const std::int64_t base = engine.last_input_sequence() + 1;
  // Publish stamps, indexed by input sequence: written before the publish, read after the output
  // that the publish caused, so the ring's release/acquire chain orders them.
  std::vector<std::uint64_t> stamps(events.size(), 0);
  pin_current_thread(0);
  engine.start();
  const std::uint64_t start = now_ns();
  const double interval_ns = rate > 0 ? 1e9 / static_cast<double>(rate) : 0;
  std::size_t acked = 0;
  const auto on_output = [&](const OutputEvent& out) {
    if (out.kind != OutputKind::kProcessed) return;
    const auto index = static_cast<std::size_t>(out.input_sequence - base);
    run.latency.record(now_ns() - stamps[index]);
    ++acked;
  };
  for (std::size_t i = 0; i < events.size();) {
    if (rate > 0) {
      // Open loop: event i is due at start + i / rate; poll while waiting for its time. Latency is
      // measured from when it was due, not from when it got in, so a stall that delays later
      // publishes is charged to them too (no coordinated omission).
      const auto due = start + static_cast<std::uint64_t>(static_cast<double>(i) * interval_ns);
      while (now_ns() < due)
        engine.poll(on_output);
      stamps[i] = due;
    } else {
      stamps[i] = now_ns();
    }
    const PublishResult r = engine.try_publish(events[i]);
    if (r.status == PublishStatus::kAccepted) {
      ++i;
    } else if (r.status == PublishStatus::kRingFull) {
      ++run.ring_full;
    } else {
      ++run.rejected;
      ++i;
    }
    engine.poll(on_output);
  }
  while (acked < events.size() - run.rejected)
    engine.poll(on_output);
  run.seconds = static_cast<double>(now_ns() - start) / 1e9;
  engine.stop();
  run.digest = pipeline::state_digest(engine.risk());
  return run;
}

std::uint64_t run_sync_digest(const EngineConfig& config, const std::vector<Event>& preload,
                              const std::vector<Event>& events) {
  EngineConfig sync_config = config;
  sync_config.journal = JournalOptions{};
  Engine engine(sync_config);
  load(engine, preload);
  load(engine, events);
  return pipeline::state_digest(engine.risk());
}

}  // namespace

int run_pipeline_harness(const BenchOptions& options) {
  const std::int64_t accounts = options.accounts > 0 ? options.accounts : 1'000'000;
  const std::int64_t rate = options.rate;
  const double scale = options.seconds > 0 ? options.seconds : 1.0;
  // About two seconds of events at the requested rate; 4M events as fast as possible.
  const auto count = static_cast<std::int64_t>(
      scale * (rate > 0 ? std::clamp<double>(2.0 * static_cast<double>(rate), 1e5, 4e6) : 4e6));

  const EngineConfig config = harness_config(accounts, options);
  const std::vector<Event> preload = load_events(accounts);
  const std::vector<Event> events = measured_events(accounts, count);
  if (!options.journal_dir.empty()) {
    // Refused before anything runs: the folder must be usable and hold no journal (never deleted).
    try {
      pipeline::prepare_journal_folder(config.journal);
    } catch (const std::exception& e) {
      fmt::print(stderr, "backstop bench pipeline: --journal {}: {}\n", options.journal_dir,
                 e.what());
      return 2;
    }
  }

  LatencyHistogram floor;
  atomic_round_trips(200'000, floor);
  PipelineRun run = run_threaded(config, preload, events, rate);
  const std::uint64_t expected = run_sync_digest(config, preload, events);
  const bool digest_match = run.digest == expected;
  const double throughput = static_cast<double>(events.size()) / run.seconds;
  const auto& h = run.latency;

  if (options.json) {
    fmt::print(
        "{{\"rate\":{},\"accounts\":{},\"events\":{},\"journal\":{},\"throughput_eps\":{:.0f},"
        "\"p50_ns\":{},\"p99_ns\":{},\"p999_ns\":{},\"max_ns\":{},\"floor_rtt_p50_ns\":{},"
        "\"p50_to_floor_ratio\":{:.2f},\"ring_full_retries\":{},\"digest\":\"{}\","
        "\"digest_match\":{}}}\n",
        rate, accounts, events.size(), options.journal_dir.empty() ? "false" : "true", throughput,
        h.percentile(0.5), h.percentile(0.99), h.percentile(0.999), h.max(), floor.percentile(0.5),
        static_cast<double>(h.percentile(0.5)) / static_cast<double>(floor.percentile(0.5)),
        run.ring_full, pipeline::digest_hex(run.digest), digest_match ? "true" : "false");
  } else {
    fmt::print("pipeline: {} accounts, {} events, rate {}, journal {}\n", accounts, events.size(),
               rate > 0 ? fmt::format("{}/s", rate) : std::string("as fast as possible"),
               options.journal_dir.empty() ? "off" : "on (fdatasync every 1 ms)");
    fmt::print("  throughput            {:>10.0f} events/s\n", throughput);
    fmt::print("  publish -> output ns  p50 {}  p99 {}  p99.9 {}  max {}\n", h.percentile(0.5),
               h.percentile(0.99), h.percentile(0.999), h.max());
    fmt::print("  cross-core floor ns   p50 {} (bare two-atomic round trip, same run)\n",
               floor.percentile(0.5));
    fmt::print("  ring-full retries     {}\n", run.ring_full);
    fmt::print("  digest {} {} synchronous mode\n", pipeline::digest_hex(run.digest),
               digest_match ? "==" : "!=");
  }
  return digest_match ? 0 : 1;
}

}  // namespace backstop::perf
