// The ADL ranking cache against a full sort, over random streams with crashes, spikes, funding,
// deposits and withdrawals (tests/core/stream_gen.hpp), every tier and policy switched on: two
// engines see the same events, one ranking through AdlRanking, the other by scoring and sorting
// every opposite position each time (WaterfallConfig::adl_full_sort). Two schedules: a tiny
// overlay and a narrow band, so that invalidations and inline rebuilds happen mid-stream; and the
// default band with rebuilds only when adl_refresh_due() says so, so that queries run on sub-band
// lists at marks far from the rebuild mark, with stale witnesses and fallbacks to the whole band.
// After every event: the same reject code, the same waterfall records to the unit (same
// counterparties, lots and amounts, in the same order), the same balances, conservation
// (docs/design.md §2) and a valid trigger index.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "backstop/risk_engine.hpp"
#include "stream_gen.hpp"
#include "support/engine_checks.hpp"
#include "test_support.hpp"

namespace backstop {
namespace {

struct PairStats {
  std::uint64_t adl_fills = 0;
  std::uint64_t liquidations = 0;
  std::uint64_t records = 0;
  std::uint64_t fallbacks = 0;
  std::uint64_t scanned = 0;
  std::uint64_t rebuilds = 0;
};

enum class Schedule { kNarrowBand, kDefaultBandWhenDue };

PairStats run_pair(std::uint64_t seed, std::uint32_t instruments, std::uint32_t accounts,
                   std::uint32_t events, Schedule schedule = Schedule::kNarrowBand) {
  test::StreamGenerator gen(seed, instruments, accounts);
  RiskConfig config = gen.config();
  // The backstop may come to hold every instrument (validate_config requires the slots).
  config.positions_per_account = std::max<std::uint32_t>(config.positions_per_account, instruments);
  const std::vector<Event> setup = gen.setup();
  test::first_accounts_as_backstops(config.waterfall, setup);
  std::mt19937_64 rng(seed ^ 0xad1u);
  WaterfallConfig& w = config.waterfall;
  w.mode = LiquidationMode::kTakeover;
  w.liquidation_fee_rate = static_cast<std::int64_t>(rng() % 10'000);
  w.policy = AdlPolicy::kRanked;
  w.score = static_cast<AdlScore>(seed % 3);
  w.price = seed % 4 == 3 ? AdlPrice::kMark : AdlPrice::kBankruptcy;
  // Some instruments pro-rata or socialized, the rest ranked.
  for (std::uint32_t i = 0; i < instruments; ++i) {
    const std::uint32_t roll = static_cast<std::uint32_t>(rng() % 6);
    w.instrument_policy.push_back(roll == 0   ? AdlPolicy::kProRata
                                  : roll == 1 ? AdlPolicy::kSocialized
                                              : AdlPolicy::kRanked);
  }
  w.insurance_cap_per_account = rng() % 2 == 0 ? 0 : 50'000'000;
  w.assessment = true;
  w.assessment_cap = 10'000'000;
  if (schedule == Schedule::kNarrowBand) {
    w.adl_band_ppm = 5'000;
    w.adl_dirty_capacity = 64;
  }
  RiskConfig reference_config = config;
  reference_config.waterfall.adl_full_sort = true;
  RiskEngine engine(config);
  RiskEngine reference(reference_config);
  PairStats run;
  auto step = [&](const Event& e) {
    const EventResult a = engine.process(e);
    const EventResult b = reference.process(e);
    EXPECT_EQ(a.code, b.code);
    const auto ra = engine.waterfall_records();
    const auto rb = reference.waterfall_records();
    EXPECT_EQ(ra.size(), rb.size());
    if (ra.size() == rb.size() && !ra.empty()) {
      EXPECT_EQ(std::memcmp(ra.data(), rb.data(), ra.size_bytes()), 0)
          << "records differ at seed " << seed;
    }
    for (const WaterfallRecord& r : ra)
      run.adl_fills += r.kind == WaterfallKind::kAdlFill;
    run.records += ra.size();
    EXPECT_TRUE(test::conservation_holds(engine));
  };
  for (const Event& e : setup)
    step(e);
  // Fund the backstops and the funds; a few default-fund members.
  for (std::uint8_t asset = 0; asset < 2; ++asset) {
    const std::uint64_t b = config.waterfall.backstop_accounts[asset];
    if (b != 0)
      step(make_deposit(b, Money{asset == 0 ? 1'000'000'000'000'000 : 1'000'000'000'000}));
    step(make_fund_deposit(FundKind::kInsurance, asset,
                           Money{static_cast<std::int64_t>(rng() % 1'000'000'000)}));
    step(make_fund_deposit(FundKind::kVenueTranche, asset,
                           Money{1 + static_cast<std::int64_t>(rng() % 100'000'000)}));
  }
  for (std::uint32_t k = 0; k < 20; ++k) {
    step(make_fund_deposit(FundKind::kDefaultFund, 0,
                           Money{1'000 + static_cast<std::int64_t>(rng() % 1'000'000)},
                           gen.account_id(static_cast<std::uint32_t>(rng() % accounts))));
  }
  for (std::uint32_t k = 0; k < events; ++k) {
    step(gen.next());
    if (::testing::Test::HasFailure()) break;
    // The owner's off-hot-path refresh, on one engine only: it must not matter.
    if (schedule == Schedule::kNarrowBand ? k % 997 == 0 : engine.adl_refresh_due()) {
      engine.refresh_adl_ranking();
    }
  }
  EXPECT_TRUE(checks::verify_index(engine));
  EXPECT_TRUE(checks::verify_index(reference));
  for (std::uint32_t a = 0; a < engine.account_count(); ++a) {
    EXPECT_EQ(engine.account(a).balance, reference.account(a).balance);
  }
  run.liquidations = engine.waterfall_state().liquidations;
  run.fallbacks = engine.adl_ranking().fallbacks();
  run.scanned = engine.adl_ranking().scanned();
  run.rebuilds = engine.adl_ranking().rebuilds();
  return run;
}

class WaterfallDifferential : public ::testing::TestWithParam<int> {};

TEST_P(WaterfallDifferential, RankingCacheAllocatesExactlyAsAFullSort) {
  const int seed = GetParam();
  const PairStats r =
      run_pair(static_cast<std::uint64_t>(seed) * 104729 + 17, 1 + seed % 3, 300, 25'000);
  ::testing::Test::RecordProperty("liquidations", static_cast<int>(r.liquidations));
  ::testing::Test::RecordProperty("adl_fills", static_cast<int>(r.adl_fills));
  EXPECT_GT(r.liquidations, 0u);
}

INSTANTIATE_TEST_SUITE_P(Seeds, WaterfallDifferential, ::testing::Range(0, 16));

class WaterfallDifferentialDefaultBand : public ::testing::TestWithParam<int> {};

PairStats run_default_band(int seed) {
  return run_pair(static_cast<std::uint64_t>(seed) * 104729 + 17, 1 + seed % 3, 300, 25'000,
                  Schedule::kDefaultBandWhenDue);
}

TEST_P(WaterfallDifferentialDefaultBand, SubBandListsAllocateExactlyAsAFullSort) {
  const PairStats r = run_default_band(GetParam());
  ::testing::Test::RecordProperty("adl_fills", static_cast<int>(r.adl_fills));
  ::testing::Test::RecordProperty("fallbacks", static_cast<int>(r.fallbacks));
  ::testing::Test::RecordProperty("rebuilds", static_cast<int>(r.rebuilds));
  EXPECT_GT(r.liquidations, 0u);
}

INSTANTIATE_TEST_SUITE_P(Seeds, WaterfallDifferentialDefaultBand, ::testing::Range(0, 16));

// Over those seeds, the sub-band lists served ranked ADL and also ran out (fell back to the whole
// band's order), so both paths were compared with the full sort.
TEST(WaterfallDifferentialDefaultBandCoverage, ExercisesSubBandsAndFallbacks) {
  std::uint64_t fills = 0;
  std::uint64_t scanned = 0;
  std::uint64_t fallbacks = 0;
  for (int seed = 0; seed < 16; ++seed) {
    const PairStats r = run_default_band(seed);
    fills += r.adl_fills;
    scanned += r.scanned;
    fallbacks += r.fallbacks;
  }
  std::printf("adl fills %llu, entries scanned %llu, fallbacks %llu\n",
              static_cast<unsigned long long>(fills), static_cast<unsigned long long>(scanned),
              static_cast<unsigned long long>(fallbacks));
  EXPECT_GT(fills, 0u);
  EXPECT_GT(scanned, 0u);
  EXPECT_GT(fallbacks, 0u);
}

}  // namespace
}  // namespace backstop
