#include "backstop/margin.hpp"

#include <gtest/gtest.h>

#include <random>

#include "test_support.hpp"

namespace backstop {
namespace {

TEST(Margin, BracketContinuityAmountsMatchBinance) {
  const InstrumentRisk r = make_instrument_risk(test::linear_btcusdt());
  // Binance BTCUSDT: cum 0, 50, 1300 USDT; scaled here by kRateScale, in 1e-6 USDT.
  EXPECT_EQ(r.brackets[1].cum_maintenance, Int128{50'000'000} * kRateScale);
  EXPECT_EQ(r.brackets[2].cum_maintenance, Int128{1'300'000'000} * kRateScale);
}

TEST(Margin, LinearMaintenanceUsesTheBracketHoldingTheNotional) {
  const InstrumentRisk r = make_instrument_risk(test::linear_btcusdt());
  // 1 BTC (1000 lots) at 60,000 USDT: notional 60,000 -> bracket 2: 60,000*0.5% - 50 = 250 USDT.
  EXPECT_EQ(maintenance_margin(r, 1000, /*cost=*/0, 600'000), Int128{250'000'000});
  // IM: 60,000*1% - 50,000*(1%-0.8%) = 600 - 100 = 500 USDT.
  EXPECT_EQ(initial_margin(r, 1000, /*cost=*/0, 600'000), Int128{500'000'000});
  // 0.5 BTC at 60,000: 30,000 USDT in bracket 1: 120 USDT.
  EXPECT_EQ(maintenance_margin(r, 500, /*cost=*/0, 600'000), Int128{120'000'000});
  EXPECT_EQ(bracket_at(r, 500, 600'000), 0u);
  EXPECT_EQ(bracket_at(r, 1000, 600'000), 1u);
}

TEST(Margin, MaintenanceIsContinuousAtEveryCap) {
  const InstrumentRisk r = make_instrument_risk(test::linear_btcusdt());
  // 50,000 USDT exactly = 500 lots at 100,000 USDT (1,000,000 ticks): both formulas give 200 USDT.
  EXPECT_EQ(maintenance_margin(r, 500, /*cost=*/0, 1'000'000), Int128{200'000'000});
  EXPECT_EQ(maintenance_margin(r, 500, /*cost=*/0, 1'000'001) -
                maintenance_margin(r, 500, /*cost=*/0, 1'000'000),
            Int128{250});  // 0.5% of the 50,000 units a tick adds, rounded up
}

TEST(Margin, InversePnlIsInTheBaseCoin) {
  const InstrumentRisk r = make_instrument_risk(test::inverse_btcusd());
  InstrumentState s{500'000, 0, 0, 0, 0};
  Position p{0, 0, 0, 0, kNoSlot, 1, HeapSide::kNone, 0};
  // Long 10 contracts (1,000 USD) at 50,000 USD: worth 0.02 BTC.
  apply_trade(r, s, p, 10, 500'000);
  EXPECT_EQ(p.cost, -2'000'000);
  // Mark 40,000: 1000*(1/50000 - 1/40000) = -0.005 BTC.
  s.mark = 400'000;
  EXPECT_EQ(evaluate_position(r, s, p).contribution, Int128{-500'000});
  // Notional 0.025 BTC in bracket 0: MM = 0.025 * 0.25% = 6,250 sat.
  EXPECT_EQ(evaluate_position(r, s, p).maintenance, Int128{6'250});
}

TEST(Margin, TradeLifecycleOpenAddReduceCloseFlip) {
  const InstrumentRisk r = make_instrument_risk(test::linear_btcusdt());
  const InstrumentState s{600'000, 0, 0, 0, 0};
  Position p{0, 0, 0, 0, kNoSlot, 0, HeapSide::kNone, 0};
  TradeOutcome t = apply_trade(r, s, p, 1000, 600'000);  // open 1 BTC at 60,000
  EXPECT_EQ(p.qty, 1000);
  EXPECT_EQ(p.cost, 60'000'000'000);
  t = apply_trade(r, s, p, 1000, 620'000);  // add 1 BTC at 62,000
  EXPECT_EQ(p.cost, 122'000'000'000);
  EXPECT_EQ(t.realized, 0);
  t = apply_trade(r, s, p, -500, 630'000);  // sell 0.5 at 63,000: entry 61,000, +1,000 USDT
  EXPECT_EQ(t.realized, Int128{1'000'000'000});
  EXPECT_EQ(p.qty, 1500);
  EXPECT_EQ(p.cost, 91'500'000'000);
  t = apply_trade(r, s, p, -2500, 600'000);  // close 1.5 (-1,500 USDT) and go short 1 BTC
  EXPECT_EQ(t.realized, Int128{-1'500'000'000});
  EXPECT_EQ(p.qty, -1000);
  EXPECT_EQ(p.cost, -60'000'000'000);
  t = apply_trade(r, s, p, 1000, 590'000);  // close the short at 59,000: +1,000 USDT
  EXPECT_EQ(t.realized, Int128{1'000'000'000});
  EXPECT_EQ(p.qty, 0);
  EXPECT_EQ(p.cost, 0);
}

TEST(Margin, RoundingNeverCreatesMoneyAcrossBothSides) {
  const InstrumentRisk r = make_instrument_risk(test::inverse_btcusd());
  const InstrumentState s{500'000, 0, 0, 0, 0};
  std::mt19937_64 rng(7);
  Position a{0, 0, 0, 0, kNoSlot, 1, HeapSide::kNone, 0};
  Position b{0, 0, 0, 0, kNoSlot, 1, HeapSide::kNone, 0};
  for (int i = 0; i < 100000; ++i) {
    const std::int64_t d = static_cast<std::int64_t>(rng() % 2001) - 1000;
    if (d == 0) continue;
    const std::int64_t price = 300'000 + static_cast<std::int64_t>(rng() % 400'000);
    const TradeOutcome ta = apply_trade(r, s, a, d, price);
    const TradeOutcome tb = apply_trade(r, s, b, -d, price);
    const Int128 dust = -((ta.realized - ta.cost_delta) + (tb.realized - tb.cost_delta));
    ASSERT_GE(dust, 0);
    ASSERT_LE(dust, 4);
    ASSERT_EQ(a.qty, -b.qty);
  }
}

// The trigger is conservative: at every mark short of it, the position's contribution to E - MM has
// lost at most its budget; and it is not absurdly early (within a few ticks of the exact crossing
// for a single-bracket move).
TEST(Margin, PropertyTriggerNeverLate) {
  std::mt19937_64 rng(11);
  for (const InstrumentSpec& spec : {test::linear_btcusdt(), test::inverse_btcusd()}) {
    const InstrumentRisk r = make_instrument_risk(spec);
    for (int i = 0; i < 3000; ++i) {
      const std::int64_t m0 = 100'000 + static_cast<std::int64_t>(rng() % 1'000'000);
      std::int64_t q = 1 + static_cast<std::int64_t>(rng() % 5000);
      if (rng() % 2) q = -q;
      const InstrumentState s0{m0, 0, 0, 0, 0};
      Position p{0, 0, 0, 0, kNoSlot, 0, HeapSide::kNone, 0};
      apply_trade(r, s0, p, q, m0 + static_cast<std::int64_t>(rng() % 20001) - 10000);
      auto g = [&](std::int64_t m) {
        const InstrumentState s{m, 0, 0, 0, 0};
        const PositionRisk pr = evaluate_position(r, s, p);
        return pr.contribution - pr.maintenance;
      };
      const Int128 g0 = g(m0);
      const Int128 budget = static_cast<Int128>(rng() % 50'000'000'000ull);
      const std::int64_t t = position_trigger(r, q, m0, budget, true);
      if (q > 0) {
        ASSERT_LT(t, m0);
        if (t + 1 <= m0) {
          ASSERT_LE(g0 - g(t + 1), budget) << "q=" << q << " m0=" << m0;
        }
        for (int k = 0; k < 8 && t + 1 + k < m0; ++k) {
          const std::int64_t m = t + 1 + static_cast<std::int64_t>(rng() % (m0 - t - 1));
          ASSERT_LE(g0 - g(m), budget);
        }
      } else {
        ASSERT_GT(t, m0);
        if (t != kShortNever && t - 1 <= 2 * r.max_price) {
          ASSERT_LE(g0 - g(t - 1), budget) << "q=" << q << " m0=" << m0;
        }
      }
    }
  }
}

}  // namespace
}  // namespace backstop
