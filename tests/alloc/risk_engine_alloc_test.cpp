// Zero allocation on the hot path: this binary replaces the global operator new/delete and the C
// allocator (malloc, calloc, realloc, aligned variants) with counting versions, builds a risk
// engine and its population (start-up may allocate), then processes 1,000,000 events - marks with
// crashes, fills, deposits, withdrawals, funding, invalid input, pre-trade checks, liquidations, a
// dated future's settlement - and expects the counter not to move.
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
// movement is an audit record too (WaterfallConfig::audit_balances). With `controls`, the exposure
// cap and the drawdown trigger are on and every 97th event is a RiskControl of each kind in turn.
void run_waterfall_without_allocation(bool partial, bool balances = false, bool controls = false) {
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
  if (controls) {
    config.waterfall.exposure_cap_ppm = 1'000'000;
    config.waterfall.drawdown_ppm = 300'000;
    config.waterfall.drawdown_window_ns = 5'000;
    config.waterfall.drawdown_capacity = 64;
  }
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
  std::uint64_t accepted_controls = 0;
  for (std::uint32_t k = 0; k < 300'000; ++k) {
    const Event e = gen.next();
    engine.process(e);
    if (controls && k % 97 == 0) {
      const std::uint64_t id = gen.account_id(k % 2000);
      const std::uint16_t instrument = static_cast<std::uint16_t>(k % 3);
      Event c;
      switch ((k / 97) % 5) {
        case 0:
          c = make_fee_share(static_cast<std::uint8_t>(k % 2), k % 500'000, e.time_ns);
          break;
        case 1:
          c = make_adl_mode(instrument, static_cast<AdlMode>(k % 3), e.time_ns);
          break;
        case 2:
          c = make_liquidation_hold(instrument, static_cast<HoldMode>(k % 3), e.time_ns + 50,
                                    e.time_ns);
          break;
        case 3:
          c = make_contribution_target(id, Money{static_cast<std::int64_t>(k % 100'000)},
                                       e.time_ns);
          break;
        default:
          c = make_replenishment_call(id, Money{1 + k % 1'000}, e.time_ns);
          break;
      }
      accepted_controls += engine.process(c).code == RejectCode::kOk;
    }
    records += engine.waterfall_records().size();
    quantiles += engine.adl_quantile_records().size();
  }
  EXPECT_EQ(allocation_count() - before, 0u);
  EXPECT_GT(engine.waterfall_state().liquidations, 0u);
  if (controls) {
    EXPECT_GT(accepted_controls, 2'000u);
  }
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

TEST(RiskEngineAllocation, RiskControlsAndFundTriggersAllocateNothing) {
  run_waterfall_without_allocation(false, true, true);
}

// A dated future in steady state (docs/futures.md): instrument 0 expires at event time 100,000 and
// settles at its mark at 150,000, with the waterfall and the balance legs on; the stream goes on
// after it (its fills, marks and funding for the settled future refused). Nothing allocates, the
// settlement included.
TEST(RiskEngineAllocation, DatedFutureSettlementAllocatesNothing) {
  test::StreamGenerator gen(93, 3, 2000);
  RiskConfig config = gen.config();
  config.positions_per_account = std::max<std::uint32_t>(config.positions_per_account, 3);
  const std::vector<Event> setup = gen.setup();
  test::first_accounts_as_backstops(config.waterfall, setup);
  config.waterfall.mode = LiquidationMode::kTakeover;
  config.waterfall.audit_balances = true;
  config.instruments[0].expiry_ns = 100'000;
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
  std::int64_t open_interest_settled = -1;
  std::uint64_t refused_after = 0;
  const std::uint64_t before = allocation_count();
  for (std::uint32_t k = 0; k < 300'000; ++k) {
    const Event e = gen.next();
    const RejectCode code = engine.process(e).code;
    refused_after +=
        open_interest_settled >= 0 && e.instrument == 0 && code == RejectCode::kInstrumentSettled;
    if (open_interest_settled < 0 && e.time_ns >= 150'000) {
      open_interest_settled = engine.instrument_state(0).open_interest;
      const Event s = make_settlement(0, Price{engine.instrument_state(0).mark}, e.time_ns);
      ASSERT_EQ(engine.process(s).code, RejectCode::kOk);
    }
  }
  EXPECT_EQ(allocation_count() - before, 0u);
  EXPECT_GT(open_interest_settled, 0) << "the settlement must close open positions";
  EXPECT_TRUE(is_settled(engine.instrument_state(0)));
  EXPECT_GT(refused_after, 0u);
  EXPECT_TRUE(checks::verify_index(engine));
}

}  // namespace
}  // namespace backstop
