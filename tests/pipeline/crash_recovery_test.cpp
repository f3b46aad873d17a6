// Crash recovery: a child process runs the threaded engine with a journal at full speed and is
// killed with SIGKILL at a random moment, 24 times. Each time the parent rebuilds an engine on the
// same journal folder and checks that (1) nothing the child saw acknowledged as durable is lost,
// (2) the journal holds exactly a prefix of the input stream, (3) the recovered state's digest and
// the journal's replayed outputs equal an uninterrupted run over that prefix, and (4) after the
// rest of the stream is published to the recovered engine, the final digest equals the
// uninterrupted run's.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>
#include <vector>

#include "core/test_support.hpp"
#include "pipeline/engine.hpp"
#include "pipeline/journal_reader.hpp"
#include "pipeline/state_digest.hpp"

namespace backstop {
namespace {

namespace fs = std::filesystem;

EngineConfig crash_config(const fs::path& folder) {
  EngineConfig c;
  c.risk = test::two_instrument_config(128);
  c.input_ring_size = 4096;
  c.output_ring_size = 1 << 16;
  c.risk_cpu = -1;
  c.journal.folder = folder;
  c.journal.sync = SyncPolicy::kEveryMicros;
  c.journal.sync_every_us = 500;
  c.journal.max_file_bytes = 1 << 20;  // several rotations per run
  return c;
}

std::vector<Event> crash_stream(std::size_t n) {
  std::mt19937_64 rng(2026);
  std::vector<Event> out;
  for (std::uint64_t a = 1; a <= 128; ++a) {
    out.push_back(make_open_account(a, 0));
    out.push_back(
        make_deposit(a, Money{static_cast<std::int64_t>(500 + rng() % 3000) * 1'000'000}));
  }
  std::int64_t mark = 600'000;
  while (out.size() < n) {
    const auto t = static_cast<std::int64_t>(out.size());
    if (rng() % 3 == 0) {
      mark = std::max<std::int64_t>(10'000, mark + static_cast<std::int64_t>(rng() % 1201) - 600);
      out.push_back(make_mark(0, Price{mark}, t));
    } else {
      const std::uint64_t taker = 1 + rng() % 128;
      const std::uint64_t maker = 1 + (taker + rng() % 127) % 128;
      out.push_back(make_fill(0, rng() % 2 ? Side::kBuy : Side::kSell, taker, maker,
                              Price{mark + static_cast<std::int64_t>(rng() % 11) - 5},
                              Qty{static_cast<std::int64_t>(1 + rng() % 200)}, Money{300},
                              Money{100}, t));
    }
  }
  return out;
}

bool same_bytes(const Event& a, const Event& b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

// Shared with the child: the highest input sequence it saw acknowledged as durable.
struct Shared {
  std::atomic<std::int64_t> acked_durable{-1};
  std::atomic<std::int64_t> published{-1};
};

[[noreturn]] void child_main(const fs::path& folder, const std::vector<Event>& events,
                             Shared* shared) {
  Engine engine(crash_config(folder));
  const std::size_t first = static_cast<std::size_t>(engine.last_input_sequence() + 1);
  engine.start();
  for (std::size_t i = first; i < events.size();) {
    if (engine.try_publish(events[i]).status == PublishStatus::kAccepted) {
      shared->published.store(static_cast<std::int64_t>(i), std::memory_order_relaxed);
      ++i;
    }
    engine.poll([](const OutputEvent&) {});
    shared->acked_durable.store(engine.durable_input_sequence(), std::memory_order_release);
  }
  for (;;) {  // stay alive, acknowledging, until killed
    engine.poll([](const OutputEvent&) {});
    shared->acked_durable.store(engine.durable_input_sequence(), std::memory_order_release);
  }
}

std::uint64_t digest_of_prefix(const std::vector<Event>& events, std::size_t count) {
  EngineConfig c = crash_config({});
  c.journal = JournalOptions{};
  Engine engine(c);
  for (std::size_t i = 0; i < count; ++i)
    (void)engine.process(events[i], [](const OutputEvent&) {});
  return pipeline::state_digest(engine.risk());
}

TEST(CrashRecovery, SigkillAtRandomPointsLosesNothingDurableAndRecoversTheSameState) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "fork() under ThreadSanitizer is not supported; covered by the normal build";
#endif
  const std::vector<Event> events = crash_stream(400'000);
  // The uninterrupted run: outputs per input and the final digest.
  std::vector<std::vector<OutputEvent>> expected_outputs(events.size());
  std::uint64_t expected_final = 0;
  {
    EngineConfig c = crash_config({});
    c.journal = JournalOptions{};
    Engine engine(c);
    for (std::size_t i = 0; i < events.size(); ++i)
      (void)engine.process(events[i],
                           [&](const OutputEvent& o) { expected_outputs[i].push_back(o); });
    expected_final = pipeline::state_digest(engine.risk());
  }

  auto* shared = static_cast<Shared*>(
      mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(shared, MAP_FAILED);
  std::mt19937_64 rng(99);
  int recoveries_with_torn_tail = 0;
  std::int64_t max_recovered = 0;
  int mid_stream = 0;
  constexpr int kKills = 24;
  for (int round = 0; round < kKills; ++round) {
    const fs::path folder =
        fs::temp_directory_path() / ("backstop-crash-" + std::to_string(::getpid()));
    fs::remove_all(folder);
    new (shared) Shared{};
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) child_main(folder, events, shared);
    // Kill somewhere between "barely started" and "well into the stream".
    std::this_thread::sleep_for(std::chrono::microseconds(2'000 + rng() % 100'000));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "round " << round;
    const std::int64_t acked = shared->acked_durable.load(std::memory_order_acquire);
    const std::int64_t published = shared->published.load(std::memory_order_relaxed);
    mid_stream += published + 1 < static_cast<std::int64_t>(events.size()) ? 1 : 0;

    // (2) The journal is exactly a prefix of the stream, and its outputs replay identically.
    std::vector<Event> journaled;
    pipeline::scan_journal(
        folder, -1,
        [&](const pipeline::JournalRecord& r) {
          Event e;
          std::memcpy(&e, r.payload.data(), sizeof e);
          journaled.push_back(e);
        },
        false);
    ASSERT_LE(journaled.size(), events.size());
    for (std::size_t i = 0; i < journaled.size(); ++i)
      ASSERT_TRUE(same_bytes(journaled[i], events[i])) << "round " << round << " record " << i;

    // Recovery by constructing an engine on the folder.
    Engine recovered(crash_config(folder));
    const RecoveryReport& report = recovered.recovery();
    recoveries_with_torn_tail += report.torn_tail_cut ? 1 : 0;
    // (1) Nothing acknowledged as durable is lost.
    ASSERT_GE(report.last_sequence, acked) << "round " << round << ": lost durable input";
    ASSERT_LE(static_cast<std::size_t>(report.last_sequence + 1), journaled.size());
    const auto prefix = static_cast<std::size_t>(report.last_sequence + 1);
    max_recovered = std::max<std::int64_t>(max_recovered, report.last_sequence);
    // (3) Same state as the uninterrupted run over the prefix, and same outputs when replayed.
    ASSERT_EQ(pipeline::state_digest(recovered.risk()), digest_of_prefix(events, prefix))
        << "round " << round << " prefix " << prefix;
    {
      EngineConfig c = crash_config({});
      c.journal = JournalOptions{};
      Engine replay(c);
      std::size_t i = 0;
      for (; i < prefix; ++i) {
        std::vector<OutputEvent> got;
        (void)replay.process(journaled[i], [&](const OutputEvent& o) { got.push_back(o); });
        ASSERT_EQ(got.size(), expected_outputs[i].size()) << "round " << round << " input " << i;
        for (std::size_t k = 0; k < got.size(); ++k)
          ASSERT_EQ(std::memcmp(&got[k], &expected_outputs[i][k], sizeof(OutputEvent)), 0);
      }
    }
    // (4) Carry on: the rest of the stream through the recovered engine ends where the
    // uninterrupted run ends.
    recovered.start();
    for (std::size_t i = prefix; i < events.size();) {
      if (recovered.try_publish(events[i]).status == PublishStatus::kAccepted) ++i;
      recovered.poll([](const OutputEvent&) {});
    }
    recovered.stop();
    ASSERT_EQ(pipeline::state_digest(recovered.risk()), expected_final) << "round " << round;
    fs::remove_all(folder);
  }
  munmap(shared, sizeof(Shared));
  // The kills must have landed mid-stream, not all before the first sync or after the end.
  EXPECT_GT(max_recovered, 1000);
  EXPECT_GT(mid_stream, kKills / 2) << "most kills must land while the child is publishing";
  RecordProperty("torn_tails_cut", recoveries_with_torn_tail);
}

}  // namespace
}  // namespace backstop
