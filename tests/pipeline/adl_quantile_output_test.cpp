// The periodic ADL-quantile output through the pipeline: kAdlQuantile outputs come after each
// input's other outputs, identical in threaded and synchronous mode, and a snapshot carries the
// output's clock and last published quantiles so that a restored engine publishes the same
// records.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "core/test_support.hpp"
#include "pipeline/engine.hpp"
#include "pipeline/gapping_stream.hpp"
#include "pipeline/risk_state_io.hpp"
#include "pipeline/state_digest.hpp"

namespace backstop {
namespace {

constexpr std::uint64_t kBackstop = 1'000;

EngineConfig quantile_engine_config() {
  EngineConfig c = test::gapping_engine_config(kBackstop);
  c.risk.waterfall.adl_quantile_interval_ns = 400;
  return c;
}

std::vector<Event> stream(std::uint64_t seed, std::size_t events, std::uint32_t n,
                          bool gaps = true) {
  return test::gapping_stream(kBackstop, seed, events, n, gaps);
}

TEST(AdlQuantileOutput, ThreadedPipelineGivesTheSameQuantileOutputsAsSynchronousMode) {
  const EngineConfig config = quantile_engine_config();
  const auto events = stream(5, 12'000, 100);
  std::vector<OutputEvent> expected;
  {
    Engine engine(config);
    for (const Event& e : events)
      (void)engine.process(e, [&](const OutputEvent& o) { expected.push_back(o); });
  }
  std::size_t quantiles = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (expected[i].kind != OutputKind::kAdlQuantile) continue;
    ++quantiles;
    const AdlQuantileRecord& q = expected[i].adl_quantile;
    EXPECT_NE(q.old_quantile, q.new_quantile);
    EXPECT_LE(q.new_quantile, 5);
    EXPECT_EQ(q.time_ns, expected[i].input_time_ns);
    // After the input's other outputs, in ascending (account, instrument) order.
    if (i + 1 < expected.size() && expected[i + 1].input_sequence == expected[i].input_sequence) {
      ASSERT_EQ(expected[i + 1].kind, OutputKind::kAdlQuantile);
      const AdlQuantileRecord& n = expected[i + 1].adl_quantile;
      EXPECT_TRUE(q.account < n.account || (q.account == n.account && q.instrument < n.instrument));
    }
  }
  ASSERT_GT(quantiles, 100u) << "the stream must move quantiles";

  Engine engine(config);
  const std::vector<OutputEvent> outputs = test::run_threaded(engine, events, expected.size());
  ASSERT_EQ(outputs.size(), expected.size());
  for (std::size_t i = 0; i < outputs.size(); ++i)
    ASSERT_EQ(std::memcmp(&outputs[i], &expected[i], sizeof(OutputEvent)), 0) << i;
}

TEST(AdlQuantileOutput, RestoredSnapshotPublishesTheSameRecords) {
  const RiskConfig config = quantile_engine_config().risk;
  const auto events = stream(9, 12'000, 100);
  RiskEngine a(config);
  // Cut between two due times, after at least one publication.
  const std::size_t cut = 5'123;
  for (std::size_t i = 0; i < cut; ++i)
    (void)a.process(events[i]);
  std::vector<std::byte> bytes;
  RiskStateIo::save(a, bytes);
  RiskEngine b(config);
  std::string error;
  ASSERT_TRUE(RiskStateIo::load(b, bytes, error)) << error;
  ASSERT_EQ(pipeline::state_digest(a), pipeline::state_digest(b));
  std::size_t published = 0;
  for (std::size_t i = cut; i < events.size(); ++i) {
    ASSERT_EQ(a.process(events[i]).code, b.process(events[i]).code) << i;
    const auto x = a.adl_quantile_records();
    const auto y = b.adl_quantile_records();
    ASSERT_EQ(x.size(), y.size()) << i;
    for (std::size_t k = 0; k < x.size(); ++k)
      ASSERT_EQ(std::memcmp(&x[k], &y[k], sizeof(AdlQuantileRecord)), 0) << i;
    published += x.size();
  }
  EXPECT_GT(published, 0u);
  EXPECT_EQ(pipeline::state_digest(a), pipeline::state_digest(b));
}

TEST(AdlQuantileOutput, TheOutputClockIsInTheDigest) {
  // Two engines that differ only in whether the last event reached a due time digest differently
  // (the next due time moved).
  const RiskConfig config = quantile_engine_config().risk;
  const auto events = stream(3, 2'000, 50);
  RiskEngine a(config);
  RiskEngine b(config);
  for (const Event& e : events) {
    (void)a.process(e);
    (void)b.process(e);
  }
  ASSERT_EQ(pipeline::state_digest(a), pipeline::state_digest(b));
  const auto last = static_cast<std::int64_t>(events.size()) - 1;  // due next at 2,000
  (void)a.process(make_deposit(1, Money{1}, 10'000));              // reaches it
  (void)b.process(make_deposit(1, Money{1}, last));                // does not
  EXPECT_TRUE(b.adl_quantile_records().empty());
  EXPECT_NE(pipeline::state_digest(a), pipeline::state_digest(b));
}

}  // namespace
}  // namespace backstop
