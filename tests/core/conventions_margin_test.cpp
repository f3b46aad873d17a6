// Margin under each venue convention (docs/conventions.md): the maintenance margin on the entry
// value, whole-position tiers, the closing fee in the requirement, and triggers that stay
// conservative under every combination (including the jump at a whole-position tier's edge).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "backstop/instrument_presets.hpp"
#include "backstop/margin.hpp"
#include "backstop/risk_config.hpp"
#include "backstop/venue_presets.hpp"

namespace backstop {
namespace {

InstrumentRisk risk_of(const InstrumentSpec& spec, const VenueConventions& c) {
  return make_instrument_risk(spec, c);
}

Position opened(const InstrumentRisk& r, std::int64_t q, std::int64_t price) {
  Position p{0, 0, 0, 0, kNoSlot, 0, HeapSide::kNone, 0};
  apply_trade(r, InstrumentState{price, 0, 0, 0, 0}, p, q, price);
  return p;
}

// btcusdt_linear: 100 Money per lot per tick; brackets 50k / 250k / 1M USDT at 0.4 / 0.5 / 1.0 /
// 2.5 % maintenance. 1 BTC (1000 lots) bought at 60,000 USDT: entry value 60,000 USDT = 6e10
// Money, in the second bracket.
TEST(ConventionsMargin, EntryValueMarginStaysWhileTheMarkMoves) {
  VenueConventions c;
  c.maintenance_basis = MarginBasis::kEntryValue;
  const InstrumentRisk r = risk_of(presets::btcusdt_linear(), c);
  const Position p = opened(r, 1000, 600'000);
  ASSERT_EQ(p.cost, 60'000'000'000);
  // 60,000 x 0.5 % - (50,000 x (0.5 % - 0.4 %)) = 300 - 50 = 250 USDT, at any mark.
  for (const std::int64_t mark : {300'000, 600'000, 1'200'000}) {
    EXPECT_EQ(evaluate_position(r, InstrumentState{mark, 0, 0, 0, 0}, p).maintenance,
              Int128{250'000'000})
        << mark;
  }
  // On the mark value it moves: at 30,000 USDT the notional is in the first bracket, 0.4 %.
  const InstrumentRisk on_mark = risk_of(presets::btcusdt_linear(), VenueConventions{});
  EXPECT_EQ(evaluate_position(on_mark, InstrumentState{300'000, 0, 0, 0, 0}, p).maintenance,
            Int128{120'000'000});
}

TEST(ConventionsMargin, WholePositionTierHasNoContinuityDeduction) {
  VenueConventions c;
  c.maintenance_basis = MarginBasis::kEntryValue;
  c.tiers = TierRule::kWholePosition;
  const InstrumentRisk whole = risk_of(presets::btcusdt_linear(), c);
  c.tiers = TierRule::kContinuous;
  const InstrumentRisk continuous = risk_of(presets::btcusdt_linear(), c);
  const InstrumentState s{600'000, 0, 0, 0, 0};
  // 60,000 USDT: the whole position at 0.5 % = 300 USDT (continuous: 250).
  const Position p = opened(whole, 1000, 600'000);
  EXPECT_EQ(evaluate_position(whole, s, p).maintenance, Int128{300'000'000});
  EXPECT_EQ(evaluate_position(continuous, s, p).maintenance, Int128{250'000'000});
  // At the first cap exactly (entry value 50,000 USDT) both are 0.4 %; one tick above, the whole
  // position jumps to 0.5 %.
  EXPECT_EQ(maintenance_margin(whole, 1000, 50'000'000'000, 600'000), Int128{200'000'000});
  EXPECT_EQ(maintenance_margin(whole, 1000, 50'000'100'000, 600'000), Int128{250'000'500});
  EXPECT_EQ(maintenance_margin(continuous, 1000, 50'000'100'000, 600'000), Int128{200'000'500});
}

TEST(ConventionsMargin, WholePositionTiersOnTheMarkValueAreRefused) {
  RiskConfig config;
  config.instruments.push_back(presets::btcusdt_linear());
  config.venue.tiers = TierRule::kWholePosition;
  EXPECT_EQ(validate_config(config),
            "venue.tiers: whole_position needs maintenance_basis = entry_value");
  config.venue.maintenance_basis = MarginBasis::kEntryValue;
  EXPECT_EQ(validate_config(config), "");
}

TEST(ConventionsMargin, ClosingFeeIsPartOfTheRequirement) {
  VenueConventions c;
  c.closing_fee_rate = 550;  // 0.055 %
  const InstrumentRisk r = risk_of(presets::btcusdt_linear(), c);
  const Position p = opened(r, 1000, 600'000);
  const PositionRisk pr = evaluate_position(r, InstrumentState{600'000, 0, 0, 0, 0}, p);
  // 250 USDT maintenance + 60,000 x 0.055 % = 33 USDT; initial 0.5 %... 60,000 x 1 % - 100 = 500
  // + 33.
  EXPECT_EQ(pr.maintenance, Int128{283'000'000});
  EXPECT_EQ(pr.initial, Int128{533'000'000});
}

TEST(ConventionsMargin, InverseEntryValueIsTheCostInCoin) {
  VenueConventions c;
  c.maintenance_basis = MarginBasis::kEntryValue;
  const InstrumentRisk r = risk_of(presets::btcusd_inverse(), c);
  // 100 contracts of 100 USD at 50,000 USD: 0.2 BTC = 2e7 sat, first bracket (5 BTC), 0.25 %.
  const Position p = opened(r, 100, 500'000);
  ASSERT_EQ(p.cost, -20'000'000);
  for (const std::int64_t mark : {250'000, 500'000, 1'000'000}) {
    EXPECT_EQ(evaluate_position(r, InstrumentState{mark, 0, 0, 0, 0}, p).maintenance,
              Int128{50'000})
        << mark;
  }
}

// Every combination of the margin conventions, both contract kinds: at every mark short of the
// trigger the position's contribution to E - MM has lost at most its budget.
TEST(ConventionsMargin, PropertyTriggerNeverLateUnderEveryConvention) {
  std::vector<VenueConventions> sets;
  for (const MarginBasis basis : {MarginBasis::kMarkValue, MarginBasis::kEntryValue}) {
    for (const TierRule tiers : {TierRule::kContinuous, TierRule::kWholePosition}) {
      for (const std::int64_t fee : {0, 750}) {
        if (tiers == TierRule::kWholePosition && basis == MarginBasis::kMarkValue) continue;
        VenueConventions c;
        c.maintenance_basis = basis;
        c.tiers = tiers;
        c.closing_fee_rate = fee;
        sets.push_back(c);
      }
    }
  }
  std::mt19937_64 rng(2026);
  for (const VenueConventions& c : sets) {
    for (const InstrumentSpec& spec : {presets::btcusdt_linear(), presets::btcusd_inverse()}) {
      const InstrumentRisk r = risk_of(spec, c);
      for (int i = 0; i < 1500; ++i) {
        const std::int64_t m0 = 100'000 + static_cast<std::int64_t>(rng() % 1'000'000);
        // Sizes spread over every bracket: up to ~30M USDT (linear), ~60 BTC (inverse).
        std::int64_t q = 1 + static_cast<std::int64_t>(rng() % 300'000);
        if (rng() % 2) q = -q;
        const Position p = opened(r, q, m0 + static_cast<std::int64_t>(rng() % 20'001) - 10'000);
        auto g = [&](std::int64_t m) {
          const PositionRisk pr = evaluate_position(r, InstrumentState{m, 0, 0, 0, 0}, p);
          return pr.contribution - pr.maintenance;
        };
        const Int128 g0 = g(m0);
        const Int128 budget = static_cast<Int128>(rng() % 500'000'000'000ull);
        const std::int64_t t = position_trigger(r, q, m0, budget, true);
        const auto check = [&](std::int64_t m) {
          ASSERT_LE(g0 - g(m), budget)
              << "q=" << q << " m0=" << m0 << " m=" << m << " t=" << t
              << " basis=" << int(c.maintenance_basis) << " tiers=" << int(c.tiers);
        };
        if (q > 0) {
          ASSERT_LT(t, m0);
          if (t + 1 < m0) check(t + 1);
          for (int k = 0; k < 16 && t + 1 < m0; ++k)
            check(t + 1 + static_cast<std::int64_t>(rng() % (m0 - t - 1)));
        } else {
          ASSERT_GT(t, m0);
          const std::int64_t far = std::min<std::int64_t>(t - 1, 4 * m0);
          if (far > m0) check(far);
          for (int k = 0; k < 16 && far > m0; ++k)
            check(m0 + 1 + static_cast<std::int64_t>(rng() % (far - m0)));
        }
        if (::testing::Test::HasFatalFailure()) return;
      }
    }
  }
}

}  // namespace
}  // namespace backstop
