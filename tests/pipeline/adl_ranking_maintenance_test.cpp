// The ADL ranking kept ready off the liquidation path: the risk thread rebuilds an unusable ranking
// between batches (rate-limited by events per open position), Engine::maintain() does so in
// synchronous mode, and since the ranking is exact whenever it is rebuilt, outputs are the same as
// a run that rebuilds it only inside ADL.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "core/test_support.hpp"
#include "pipeline/engine.hpp"
#include "pipeline/gapping_stream.hpp"

namespace backstop {
namespace {

constexpr std::uint64_t kBackstop = 1'000;

EngineConfig ranked_engine_config() {
  EngineConfig c = test::gapping_engine_config(kBackstop);
  c.risk.waterfall.policy = AdlPolicy::kRanked;
  return c;
}

std::vector<Event> stream(std::uint64_t seed, std::size_t events, std::uint32_t n,
                          bool gaps = true) {
  return test::gapping_stream(kBackstop, seed, events, n, gaps);
}

// A synchronous run that never calls maintain(): every rebuild happens inside an ADL.
struct SyncReference {
  std::vector<OutputEvent> outputs;
  std::uint64_t rebuilds = 0;
};

SyncReference run_synchronously(const EngineConfig& config, const std::vector<Event>& events) {
  SyncReference ref;
  Engine engine(config);
  for (const Event& e : events)
    (void)engine.process(e, [&](const OutputEvent& o) { ref.outputs.push_back(o); });
  ref.rebuilds = engine.risk().adl_ranking().rebuilds();
  return ref;
}

void expect_same_outputs(const std::vector<OutputEvent>& outputs,
                         const std::vector<OutputEvent>& expected) {
  ASSERT_EQ(outputs.size(), expected.size());
  for (std::size_t i = 0; i < outputs.size(); ++i)
    ASSERT_EQ(std::memcmp(&outputs[i], &expected[i], sizeof(OutputEvent)), 0) << i;
}

TEST(AdlRankingMaintenance, SynchronousMaintainRebuildsOnlyAnUnusableRanking) {
  Engine engine(ranked_engine_config());
  auto ignore = [](const OutputEvent&) {};
  const auto events = stream(11, 400, 20, false);
  for (const Event& e : events)
    ASSERT_EQ(engine.process(e, ignore).status, PublishStatus::kAccepted);
  const RiskEngine& risk = engine.risk();
  const std::uint64_t before = risk.adl_ranking().rebuilds();
  // No liquidation yet, so never built: unusable.
  ASSERT_TRUE(risk.adl_ranking_unusable());
  EXPECT_TRUE(engine.maintain());
  EXPECT_EQ(risk.adl_ranking().rebuilds(), before + 1);
  EXPECT_FALSE(risk.adl_ranking_unusable());
  // Usable now: nothing to do.
  EXPECT_FALSE(engine.maintain());
  EXPECT_EQ(risk.adl_ranking().rebuilds(), before + 1);
  // A mark 3 % away leaves the ±2 % band: unusable again, and rebuilt.
  const std::int64_t mark = risk.instrument_state(0).mark;
  ASSERT_EQ(engine.process(make_mark(0, Price{mark + mark * 3 / 100}, 1'000), ignore).status,
            PublishStatus::kAccepted);
  EXPECT_TRUE(risk.adl_ranking_unusable());
  EXPECT_TRUE(engine.maintain());
  EXPECT_FALSE(risk.adl_ranking_unusable());
  EXPECT_EQ(risk.adl_ranking().rebuilds(), before + 2);
}

TEST(AdlRankingMaintenance, NothingToMaintainWithoutRankedAdl) {
  EngineConfig config = ranked_engine_config();
  config.risk.waterfall.policy = AdlPolicy::kSocialized;
  Engine engine(config);
  auto ignore = [](const OutputEvent&) {};
  for (const Event& e : stream(11, 400, 20, true))
    ASSERT_EQ(engine.process(e, ignore).status, PublishStatus::kAccepted);
  EXPECT_FALSE(engine.risk().adl_ranking_unusable());
  EXPECT_FALSE(engine.maintain());
  EXPECT_EQ(engine.risk().adl_ranking().rebuilds(), 0u);
}

TEST(AdlRankingMaintenance, ThreadedRiskThreadRebuildsBetweenBatchesWithTheSameOutputs) {
  const EngineConfig config = ranked_engine_config();
  const auto events = stream(5, 12'000, 100, true);
  const SyncReference ref = run_synchronously(config, events);
  const std::vector<OutputEvent>& expected = ref.outputs;
  std::size_t adl_closes = 0;
  for (const OutputEvent& o : expected) {
    adl_closes += o.kind == OutputKind::kWaterfall && o.waterfall.kind == WaterfallKind::kAdlClose;
  }
  ASSERT_GT(adl_closes, 0u) << "the stream must deleverage";
  ASSERT_GT(ref.rebuilds, 0u);

  Engine engine(config);
  const std::vector<OutputEvent> outputs = test::run_threaded(engine, events, expected.size());
  EXPECT_GT(engine.risk().adl_ranking().rebuilds(), 0u);
  expect_same_outputs(outputs, expected);
}

TEST(AdlRankingMaintenance, ThreadedRiskThreadBuildsTheRankingWithoutAnyAdl) {
  // No gaps, so no liquidation and no inline rebuild: only the risk thread's between-batch
  // maintenance can build the ranking (it starts unbuilt, hence unusable).
  const EngineConfig config = ranked_engine_config();
  const auto events = stream(7, 2'000, 50, false);
  const SyncReference ref = run_synchronously(config, events);
  ASSERT_EQ(ref.rebuilds, 0u) << "the stream must not liquidate";
  Engine engine(config);
  const std::vector<OutputEvent> outputs = test::run_threaded(engine, events, ref.outputs.size());
  EXPECT_GT(engine.risk().adl_ranking().rebuilds(), 0u);
  expect_same_outputs(outputs, ref.outputs);
}

TEST(AdlRankingMaintenance, OffTheRiskThreadRebuildsOnlyInsideAdlWithTheSameOutputs) {
  // maintain_adl_ranking = false: the threaded engine rebuilds exactly as synchronous mode does,
  // the same number of times, with the same outputs; without any ADL, never.
  EngineConfig config = ranked_engine_config();
  config.maintain_adl_ranking = false;
  for (const bool gaps : {true, false}) {
    const auto events = stream(gaps ? 5 : 7, gaps ? 12'000 : 2'000, gaps ? 100 : 50, gaps);
    const SyncReference ref = run_synchronously(config, events);
    EXPECT_EQ(ref.rebuilds > 0, gaps);
    Engine engine(config);
    const std::vector<OutputEvent> outputs = test::run_threaded(engine, events, ref.outputs.size());
    EXPECT_EQ(engine.risk().adl_ranking().rebuilds(), ref.rebuilds) << "gaps " << gaps;
    expect_same_outputs(outputs, ref.outputs);
  }
}

}  // namespace
}  // namespace backstop
