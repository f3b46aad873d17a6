// Zero allocation on the hot path: this binary replaces the global operator new/delete and the C
// allocator (malloc, calloc, realloc, aligned variants) with counting versions, builds a risk
// engine and its population (start-up may allocate), then processes 1,000,000 events - marks with
// crashes, fills, deposits, withdrawals, funding, invalid input, pre-trade checks, liquidations -
// and expects the counter not to move.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <vector>

#include "backstop/risk_engine.hpp"
#include "core/stream_gen.hpp"
#include "support/engine_checks.hpp"

#include "alloc/counting_allocator.hpp"

namespace backstop {
namespace {

TEST(RiskEngineAllocation, CounterSeesAnAllocation) {
  const std::uint64_t before = allocation_count();
  auto* p = new int(5);
  delete p;
  void* q = std::malloc(16);
  std::free(q);
  EXPECT_EQ(allocation_count() - before, 2u);
}

TEST(RiskEngineAllocation, OneMillionEventsAllocateNothing) {
  test::StreamGenerator gen(77, 3, 2000);
  RiskEngine engine(gen.config());
  for (const Event& e : gen.setup())
    ASSERT_EQ(engine.process(e).code, RejectCode::kOk);

  std::uint64_t ok = 0, rejected = 0, outputs = 0, refused = 0, closes = 0;
  std::uint64_t mix = 12345;
  const std::uint64_t before = allocation_count();
  for (std::uint32_t k = 0; k < 1'000'000; ++k) {
    Event e = gen.next();
    mix = mix * 6364136223846793005ull + 1442695040888963407ull;
    if (e.type == EventType::kFill &&
        engine.check_order(e.fill.taker, e.instrument, e.side, e.fill.qty, e.fill.price).code !=
            RejectCode::kOk) {
      ++refused;
      e = gen.next();
    }
    // The market closes a flagged account's first position now and then (no waterfall yet).
    const auto flagged = engine.liquidatable();
    if (!flagged.empty() && (mix >> 33) % 2 == 0) {
      const std::uint32_t slot = flagged[(mix >> 40) % flagged.size()];
      const auto positions = engine.positions(slot);
      const std::uint32_t other = static_cast<std::uint32_t>((mix >> 20) % engine.account_count());
      if (!positions.empty() && other != slot &&
          engine.account(other).asset == engine.account(slot).asset) {
        const Position& p = positions[0];
        e = make_fill(p.instrument, p.qty > 0 ? Side::kSell : Side::kBuy, engine.account(slot).id,
                      engine.account(other).id, Price{engine.instrument_state(p.instrument).mark},
                      Qty{p.qty > 0 ? p.qty : -p.qty});
        ++closes;
      } else if (positions.empty()) {
        e = make_deposit(engine.account(slot).id, Money{1 - engine.account(slot).balance});
      }
    }
    const EventResult r = engine.process(e);
    (r.code == RejectCode::kOk ? ok : rejected) += 1;
    outputs += r.output_count;
  }
  const std::uint64_t allocations = allocation_count() - before;
  EXPECT_EQ(allocations, 0u);
  // The run must have exercised the paths it claims to.
  EXPECT_GT(ok, 800'000u);
  EXPECT_GT(rejected, 0u);
  EXPECT_GT(outputs, 1000u);
  EXPECT_GT(closes, 0u);
  EXPECT_TRUE(checks::verify_index(engine));
  std::printf("events ok=%llu rejected=%llu outputs=%llu refused_orders=%llu closes=%llu\n",
              static_cast<unsigned long long>(ok), static_cast<unsigned long long>(rejected),
              static_cast<unsigned long long>(outputs), static_cast<unsigned long long>(refused),
              static_cast<unsigned long long>(closes));
}

// The same with liquidation and the whole waterfall on: takeovers, fund draws, ranked
// ADL through the ranking cache (rebuilt on demand inside process()), pro-rata ADL and socialized
// loss, 300,000 events after start-up, no allocation. With `partial`, liquidatable accounts that
// are not bankrupt are reduced to initial margin instead (partial_liquidations > 0), and the
// periodic ADL-quantile output publishes every 1,000 events. With `balances`, every balance
// movement is an audit record too (WaterfallConfig::audit_balances).
void run_waterfall_without_allocation(bool partial, bool balances = false) {
  test::StreamGenerator gen(91, 3, 2000);
  RiskConfig config = gen.config();
  // A backstop must have a position slot for each of its asset's instruments (validate_config).
  config.positions_per_account = std::max<std::uint32_t>(config.positions_per_account, 3);
  const std::vector<Event> setup = gen.setup();
  test::first_accounts_as_backstops(config.waterfall, setup);
  config.waterfall.mode = LiquidationMode::kTakeover;
  config.waterfall.instrument_policy = {AdlPolicy::kRanked, AdlPolicy::kProRata,
                                        AdlPolicy::kSocialized};
  config.waterfall.assessment = true;
  config.waterfall.adl_dirty_capacity = 256;
  config.waterfall.partial = partial;
  config.waterfall.audit_balances = balances;
  // The periodic ADL-quantile output too (a ranking rebuild and a publication every 1,000 events).
  if (partial) config.waterfall.adl_quantile_interval_ns = 1'000;
  RiskEngine engine(config);
  for (const Event& e : setup)
    ASSERT_EQ(engine.process(e).code, RejectCode::kOk);
  for (std::uint8_t a = 0; a < 2; ++a) {
    ASSERT_EQ(engine
                  .process(make_deposit(config.waterfall.backstop_accounts[a],
                                        Money{std::int64_t{1} << 55}))
                  .code,
              RejectCode::kOk);
  }
  engine.refresh_adl_ranking();
  std::uint64_t records = 0;
  std::uint64_t quantiles = 0;
  const std::uint64_t before = allocation_count();
  for (std::uint32_t k = 0; k < 300'000; ++k) {
    engine.process(gen.next());
    records += engine.waterfall_records().size();
    quantiles += engine.adl_quantile_records().size();
  }
  EXPECT_EQ(allocation_count() - before, 0u);
  EXPECT_GT(engine.waterfall_state().liquidations, 0u);
  EXPECT_GT(records, 0u);
  EXPECT_TRUE(checks::verify_index(engine));
  if (partial) {
    EXPECT_GT(engine.waterfall_state().partial_liquidations, 0u);
    EXPECT_GT(quantiles, 0u);
  }
  std::printf("waterfall: liquidations=%llu partial=%llu adl_fills=%llu records=%llu\n",
              static_cast<unsigned long long>(engine.waterfall_state().liquidations),
              static_cast<unsigned long long>(engine.waterfall_state().partial_liquidations),
              static_cast<unsigned long long>(engine.waterfall_state().adl_fills),
              static_cast<unsigned long long>(records));
}

TEST(RiskEngineAllocation, WaterfallAndAdlAllocateNothing) {
  run_waterfall_without_allocation(false);
}

TEST(RiskEngineAllocation, PartialLiquidationAllocatesNothing) {
  run_waterfall_without_allocation(true);
}

TEST(RiskEngineAllocation, BalanceAuditRecordsAllocateNothing) {
  run_waterfall_without_allocation(false, true);
}

}  // namespace
}  // namespace backstop
