// The periodic ADL-quantile output (WaterfallConfig::adl_quantile_interval_ns): on hand-checkable
// rankings, the engine publishes one record per position whose quantile changed since the last
// publication, in (account id, instrument) order, at event times that reach each due time.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "backstop/risk_engine.hpp"
#include "test_support.hpp"

namespace backstop {
namespace {

constexpr std::uint64_t kBackstop = 1;
constexpr std::uint64_t kLong = 2;
constexpr std::uint64_t kShort1 = 11;  // shorts 11..20: kShort1 + i has balance 1,000 (i + 1)

RiskConfig quantile_config(std::int64_t interval_ns) {
  RiskConfig c;
  c.max_accounts = 32;
  c.positions_per_account = 2;
  c.asset_count = 1;
  c.instruments = {test::toy()};
  c.waterfall.mode = LiquidationMode::kTakeover;
  c.waterfall.backstop_accounts = {kBackstop};
  c.waterfall.adl_quantile_interval_ns = interval_ns;
  return c;
}

struct Venue {
  explicit Venue(const RiskConfig& c) : e(c) {}
  RiskEngine e;
  std::vector<AdlQuantileRecord> published;  // of the last event

  void ok(const Event& ev) {
    ASSERT_EQ(e.process(ev).code, RejectCode::kOk);
    EXPECT_TRUE(test::conservation_holds(e));
    const auto records = e.adl_quantile_records();
    published.assign(records.begin(), records.end());
  }
  std::uint8_t quantile(std::uint64_t id) const {
    for (const AdlQuantileRecord& r : published)
      if (r.account == id) return r.new_quantile;
    return 0xFF;  // not published
  }
};

// Ten shorts of 1 lot sold at 10,000 to one long; at mark 9,000 each short's BitMEX score is
// pnl% x leverage = 0.1 x 9,000 / equity, equity = its balance + 1,000: the smaller the balance,
// the higher the score. Balances 1,000 .. 10,000 put kShort1 first: ranks 0-1 get quantile 5,
// 2-3 get 4, 4-5 get 3, 6-7 get 2, 8-9 get 1 (rank r of n: 5 - 5r/n).
void ten_shorts(Venue& v, std::int64_t t) {
  v.ok(make_open_account(kBackstop, 0, MarginMode::kCross, t));
  v.ok(make_open_account(kLong, 0, MarginMode::kCross, t));
  v.ok(make_deposit(kLong, Money{1'000'000}, t));
  for (std::uint64_t i = 0; i < 10; ++i) {
    v.ok(make_open_account(kShort1 + i, 0, MarginMode::kCross, t));
    v.ok(make_deposit(kShort1 + i, Money{1'000 * static_cast<std::int64_t>(i + 1)}, t));
    v.ok(
        make_fill(0, Side::kBuy, kLong, kShort1 + i, Price{10'000}, Qty{1}, Money{0}, Money{0}, t));
  }
  v.ok(make_mark(0, Price{9'000}, t));
}

TEST(AdlQuantileOutput, FirstPublicationRanksTenShortsIntoFifths) {
  Venue v(quantile_config(1'000));
  ten_shorts(v, 0);  // the clock starts at the first event (t = 0): first due at 1,000
  EXPECT_TRUE(v.published.empty());
  v.ok(make_mark(0, Price{9'000}, 999));
  EXPECT_TRUE(v.published.empty());
  v.ok(make_mark(0, Price{9'000}, 1'000));
  // Every position is new: the long (alone on its side: 5) and the ten shorts.
  ASSERT_EQ(v.published.size(), 11u);
  EXPECT_EQ(v.published[0].account, kLong);
  EXPECT_EQ(v.published[0].new_quantile, 5);
  const std::uint8_t want[10] = {5, 5, 4, 4, 3, 3, 2, 2, 1, 1};
  for (std::uint64_t i = 0; i < 10; ++i) {
    const AdlQuantileRecord& r = v.published[1 + i];
    EXPECT_EQ(r.account, kShort1 + i);  // ascending account id
    EXPECT_EQ(r.instrument, 0);
    EXPECT_EQ(r.old_quantile, 0);
    EXPECT_EQ(r.new_quantile, want[i]) << "short " << i;
    EXPECT_EQ(r.qty, -1);
    EXPECT_EQ(r.time_ns, 1'000);
    // The query agrees with what was published.
    EXPECT_EQ(v.e.adl_quantile(v.e.find_account(kShort1 + i), 0), want[i]);
  }
  // Nothing changed: the next due time publishes nothing.
  v.ok(make_mark(0, Price{9'000}, 2'000));
  EXPECT_TRUE(v.published.empty());
  EXPECT_EQ(v.e.adl_quantiles_dropped(), 0u);
}

TEST(AdlQuantileOutput, OnlyChangedPositionsArePublished) {
  Venue v(quantile_config(1'000));
  ten_shorts(v, 0);
  v.ok(make_mark(0, Price{9'000}, 1'000));
  ASSERT_EQ(v.published.size(), 11u);
  // kShort1 deposits 100,000: its score drops to the lowest. New order: shorts 2..10, then 1:
  // 2 r0 -> 5 (was 5), 3 r1 -> 5 (4), 4 r2 -> 4 (4), 5 r3 -> 4 (3), 6 r4 -> 3 (3), 7 r5 -> 3 (2),
  // 8 r6 -> 2 (2), 9 r7 -> 2 (1), 10 r8 -> 1 (1), 1 r9 -> 1 (5).
  v.ok(make_deposit(kShort1, Money{100'000}, 1'500));
  EXPECT_TRUE(v.published.empty());  // not due yet
  v.ok(make_mark(0, Price{9'000}, 2'000));
  ASSERT_EQ(v.published.size(), 5u);
  const std::uint64_t ids[5] = {kShort1, kShort1 + 2, kShort1 + 4, kShort1 + 6, kShort1 + 8};
  const std::uint8_t from[5] = {5, 4, 3, 2, 1};
  const std::uint8_t to[5] = {1, 5, 4, 3, 2};
  for (int k = 0; k < 5; ++k) {
    EXPECT_EQ(v.published[k].account, ids[k]);
    EXPECT_EQ(v.published[k].old_quantile, from[k]);
    EXPECT_EQ(v.published[k].new_quantile, to[k]);
  }
  // Short 10 (balance 10,000, quantile 1) buys its lot back: its position is gone (-> 0). Nine
  // shorts remain, 5 - 5r/9 gives 5 5 4 4 3 3 2 2 1 to the same order: nothing else changes.
  v.ok(make_fill(0, Side::kBuy, kShort1 + 9, kLong, Price{9'000}, Qty{1}, Money{0}, Money{0},
                 2'500));
  v.ok(make_mark(0, Price{9'000}, 3'000));
  ASSERT_EQ(v.published.size(), 1u);
  EXPECT_EQ(v.published[0].account, kShort1 + 9);
  EXPECT_EQ(v.published[0].old_quantile, 1);
  EXPECT_EQ(v.published[0].new_quantile, 0);
  EXPECT_EQ(v.published[0].qty, 0);
}

TEST(AdlQuantileOutput, DueTimeAdvancesByWholeIntervalsOfEventTime) {
  Venue v(quantile_config(1'000));
  ten_shorts(v, 500);  // first due at 1,500
  v.ok(make_mark(0, Price{9'000}, 1'499));
  EXPECT_TRUE(v.published.empty());
  v.ok(make_mark(0, Price{9'000}, 7'200));  // reaches 1,500: next due 7,500 (not 8,200)
  EXPECT_EQ(v.published.size(), 11u);
  EXPECT_EQ(v.published[0].time_ns, 7'200);
  v.ok(make_deposit(kShort1, Money{100'000}, 7'300));
  v.ok(make_mark(0, Price{9'000}, 7'499));
  EXPECT_TRUE(v.published.empty());
  v.ok(make_mark(0, Price{9'000}, 7'500));
  EXPECT_EQ(v.published.size(), 5u);
}

TEST(AdlQuantileOutput, IntervalOffPublishesNothing) {
  Venue v(quantile_config(0));
  ten_shorts(v, 0);
  for (std::int64_t t = 1'000; t <= 10'000; t += 1'000) {
    v.ok(make_mark(0, Price{9'000}, t));
    EXPECT_TRUE(v.published.empty());
  }
  v.e.refresh_adl_ranking();  // the query still works
  EXPECT_EQ(v.e.adl_quantile(v.e.find_account(kShort1), 0), 5);
}

TEST(AdlQuantileOutput, CapacityDropsAreCountedAndPublishedLater) {
  RiskConfig c = quantile_config(1'000);
  c.waterfall.adl_quantile_capacity = 4;
  Venue v(c);
  ten_shorts(v, 0);
  v.ok(make_mark(0, Price{9'000}, 1'000));
  ASSERT_EQ(v.published.size(), 4u);  // the four lowest (account id, instrument)
  EXPECT_EQ(v.published[0].account, kLong);
  EXPECT_EQ(v.published[3].account, kShort1 + 2);
  EXPECT_EQ(v.e.adl_quantiles_dropped(), 7u);
  v.ok(make_mark(0, Price{9'000}, 2'000));  // the next four still unpublished
  ASSERT_EQ(v.published.size(), 4u);
  EXPECT_EQ(v.published[0].account, kShort1 + 3);
  EXPECT_EQ(v.published[0].new_quantile, 4);
  v.ok(make_mark(0, Price{9'000}, 3'000));
  ASSERT_EQ(v.published.size(), 3u);
  EXPECT_EQ(v.published[2].account, kShort1 + 9);
  EXPECT_EQ(v.e.adl_quantiles_dropped(), 7u + 3u);
}

}  // namespace
}  // namespace backstop
