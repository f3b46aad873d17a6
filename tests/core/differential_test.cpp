// The risk engine against the brute-force reference model, after every event: same reject codes,
// same liquidatable and bankrupt sets, same balances, funds and margins, outputs that name exactly
// the accounts whose status changed, and conservation (docs/design.md §2). 1,000,000+ events in
// total; and streams whose instrument 0 is a dated future that expires and settles mid-stream
// (docs/futures.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "backstop/risk_engine.hpp"
#include "backstop/venue_presets.hpp"
#include "differ.hpp"
#include "reference_model.hpp"
#include "stream_gen.hpp"
#include "support/engine_checks.hpp"
#include "test_support.hpp"

namespace backstop {
namespace {

// A dated future in a stream: instrument 0 expires at event time `expiry_ns` (the generator's
// clock counts events), is settled once at a price near its mark after `settle_after_ns`, and the
// settlement is also tried too early and again afterwards (both refused in both models). The
// generator keeps sending fills, marks and funding for it, which must be refused alike.
struct DatedFuture {
  std::int64_t expiry_ns = 0;  // 0: every instrument is a perpetual
  std::int64_t settle_after_ns = 0;
};

struct SettlementSeen {
  bool settled = false;
  std::int64_t open_interest = 0;  // at the settlement
};

SettlementSeen run_stream(std::uint64_t seed, std::uint32_t instruments, std::uint32_t accounts,
                          std::uint32_t events, const VenueConventions& venue = VenueConventions{},
                          DatedFuture dated = {}) {
  SettlementSeen seen;
  test::StreamGenerator gen(seed, instruments, accounts);
  RiskConfig config = gen.config();
  config.venue = venue;
  config.instruments[0].expiry_ns = dated.expiry_ns;
  test::Differ d(config);
  for (const Event& e : gen.setup()) {
    d.step(e);
    if (::testing::Test::HasFatalFailure()) return seen;
  }
  // Without the waterfall nothing closes a liquidatable account, so the test plays the
  // market's part: now and then a flagged account's position is closed at the mark against a random
  // account of the same asset, or its owner tops it up. This keeps the flagged set realistic and
  // exercises the reduce / close paths on accounts under water.
  std::mt19937_64 rng(seed ^ 0x5eed);
  const auto& accts = d.reference.accounts();
  std::int64_t now_ns = 0;
  bool tried_early = false;
  for (std::uint32_t k = 0; k < events; ++k) {
    Event e = gen.next();
    now_ns = std::max(now_ns, e.time_ns);
    if (dated.expiry_ns != 0) {
      const std::int64_t mark = d.engine.instrument_state(0).mark;
      const InstrumentSpec& s = config.instruments[0];
      const auto near_mark = [&] {
        const double jump = std::normal_distribution<double>(0, 0.02)(rng);
        return std::clamp(mark + static_cast<std::int64_t>(double(mark) * jump), s.min_price.raw(),
                          s.max_price.raw());
      };
      if (!tried_early && now_ns >= dated.expiry_ns / 2) {
        tried_early = true;
        d.step(make_settlement(0, Price{mark}, now_ns));  // before expiry: kNotExpired
        if (::testing::Test::HasFatalFailure()) return seen;
      }
      if (!seen.settled && now_ns >= dated.settle_after_ns) {
        seen.open_interest = d.engine.instrument_state(0).open_interest;
        d.step(make_settlement(0, Price{near_mark()}, now_ns));
        if (::testing::Test::HasFatalFailure()) return seen;
        seen.settled = is_settled(d.engine.instrument_state(0));
        d.step(make_settlement(0, Price{mark}, now_ns));  // twice: kInstrumentSettled
        if (::testing::Test::HasFatalFailure()) return seen;
      }
    }
    if (!d.liq.empty() && rng() % 2 == 0) {
      const std::uint64_t id = d.liq[rng() % d.liq.size()];
      const test::ReferenceModel::Acct* a = d.reference.find_const(id);
      const test::ReferenceModel::Acct& other = accts[rng() % accts.size()];
      if (!a->positions.empty() && other.asset == a->asset && other.id != id && rng() % 4 != 0) {
        const auto& [instrument, pos] = *a->positions.begin();
        const std::int64_t mark = d.engine.instrument_state(instrument).mark;
        e = make_fill(instrument, pos.qty > 0 ? Side::kSell : Side::kBuy, id, other.id, Price{mark},
                      Qty{pos.qty > 0 ? pos.qty : -pos.qty});
      } else if (a->positions.empty() || rng() % 2 == 0) {
        e = make_deposit(id, Money{1 + (a->balance < 0 ? -a->balance : a->balance / 4)});
      }
    }
    // The matching engine's pre-trade check: most orders that the account cannot afford never
    // trade (both the taker's and the resting maker's); a few trade anyway, as after a price jump.
    if (e.type == EventType::kFill && rng() % 10 != 0) {
      const Side maker_side = e.side == Side::kBuy ? Side::kSell : Side::kBuy;
      if (d.engine.check_order(e.fill.taker, e.instrument, e.side, e.fill.qty, e.fill.price).code !=
              RejectCode::kOk ||
          d.engine.check_order(e.fill.maker, e.instrument, maker_side, e.fill.qty, e.fill.price)
                  .code != RejectCode::kOk) {
        ++d.refused_orders;
        e = gen.next();
      }
    }
    d.step(e);
    if (::testing::Test::HasFatalFailure()) return seen;
  }
  EXPECT_TRUE(checks::verify_index(d.engine));
  // The stream must have exercised what it is meant to catch.
  EXPECT_GT(d.outputs_seen, 0u);
  EXPECT_GT(d.accepted, d.events / 2);
  ::testing::Test::RecordProperty("events", static_cast<int>(d.events));
  ::testing::Test::RecordProperty("max_liquidatable", static_cast<int>(d.max_liquidatable));
  ::testing::Test::RecordProperty("outputs", static_cast<int>(d.outputs_seen));
  ::testing::Test::RecordProperty("refused_orders", static_cast<int>(d.refused_orders));
  ::testing::Test::RecordProperty("triggers_fired", static_cast<int>(d.engine.triggers_fired()));
  return seen;
}

// 24 seeds x 42,000 events + set-up = 1,000,000+ events; instruments 1-5; 1,000-1,500 accounts.
class DifferentialTest : public ::testing::TestWithParam<int> {};

TEST_P(DifferentialTest, EngineMatchesBruteForceAfterEveryEvent) {
  const int seed = GetParam();
  run_stream(static_cast<std::uint64_t>(seed) * 7919 + 1, 1 + seed % 5,
             1000 + static_cast<std::uint32_t>(seed % 3) * 250, 42'000);
}

INSTANTIATE_TEST_SUITE_P(Seeds, DifferentialTest, ::testing::Range(0, 24));

// Instrument 0 a dated future that expires a third of the way in and settles halfway, at a price
// up to a few percent off its mark: 8 seeds x 24,000 events, 1-3 instruments; instrument 0 is
// inverse for seeds 1, 3 and 7, linear for the others (checked, so that both kinds stay covered).
class DatedFutureDifferential : public ::testing::TestWithParam<int> {};

TEST_P(DatedFutureDifferential, SettlementMatchesBruteForceAfterEveryEvent) {
  const int seed = GetParam();
  const auto stream_seed = static_cast<std::uint64_t>(seed) * 6151 + 3;
  const std::uint32_t instruments = 1 + static_cast<std::uint32_t>(seed % 3);
  const bool inverse = seed == 1 || seed == 3 || seed == 7;
  EXPECT_EQ(test::StreamGenerator(stream_seed, instruments, 900).config().instruments[0].kind,
            inverse ? ContractKind::kInversePerpetual : ContractKind::kLinearPerpetual);
  const SettlementSeen seen = run_stream(stream_seed, instruments, 900, 24'000, VenueConventions{},
                                         DatedFuture{8'000, 12'000});
  if (::testing::Test::HasFatalFailure()) return;
  EXPECT_TRUE(seen.settled);
  EXPECT_GT(seen.open_interest, 0) << "the future must have open positions when it settles";
}

INSTANTIATE_TEST_SUITE_P(Seeds, DatedFutureDifferential, ::testing::Range(0, 8));

// The same under every venue preset (venue_presets.hpp), whose margin conventions the reference
// model computes its own way: 6 presets x 3 seeds x 15,000 events.
class PresetDifferential : public ::testing::TestWithParam<std::tuple<const char*, int>> {};

TEST_P(PresetDifferential, EngineMatchesBruteForceAfterEveryEvent) {
  const auto [venue, seed] = GetParam();
  const std::optional<VenueConventions> conventions = presets::venue_by_name(venue);
  ASSERT_TRUE(conventions.has_value()) << venue;
  run_stream(static_cast<std::uint64_t>(seed) * 104'729 + 7, 1 + seed % 3, 800, 15'000,
             *conventions);
}

INSTANTIATE_TEST_SUITE_P(Venues, PresetDifferential,
                         ::testing::Combine(::testing::Values("binance", "bybit", "bitmex", "dydx",
                                                              "hyperliquid", "drift"),
                                            ::testing::Range(0, 3)),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param)) + "_" +
                                  std::to_string(std::get<1>(info.param));
                         });

}  // namespace
}  // namespace backstop
