// The replay's engine-phase progress: called every kEngineProgressEvents events, in order, and
// once at the end with done == total, in both modes.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "replay/replay.hpp"

namespace backstop::replay {
namespace {

void expect_progress(bool threaded) {
  ReplayOptions o;
  o.accounts = 300;
  o.threaded = threaded;
  std::vector<std::uint64_t> done;
  std::uint64_t total = 0;
  o.engine_progress = [&](std::uint64_t d, std::uint64_t t) {
    done.push_back(d);
    total = t;
  };
  std::string error;
  const std::optional<ReplaySummary> s = run_replay(o, error);
  ASSERT_TRUE(s) << error;
  ASSERT_FALSE(done.empty());
  EXPECT_EQ(total, s->events);
  EXPECT_EQ(done.back(), s->events);
  EXPECT_GE(done.size(), s->events / kEngineProgressEvents);
  for (std::size_t k = 1; k < done.size(); ++k)
    EXPECT_LE(done[k - 1], done[k]);
}

TEST(ReplayProgress, ReportsEngineProgressUpToTheLastEventSynchronously) {
  expect_progress(false);
}

TEST(ReplayProgress, ReportsEngineProgressUpToTheLastEventThreaded) {
  expect_progress(true);
}

}  // namespace
}  // namespace backstop::replay
