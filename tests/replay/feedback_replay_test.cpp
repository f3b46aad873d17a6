// The replay reacting to the engine: with book depth in the input, liquidation runs in
// order mode and the replay fills the engine's liquidation orders from the depth (within their
// limit, reduce-only, against the book's account) and the rest is taken over; the backstop
// unwinds its inventory into later trades and a backstop under water is reported; threaded ==
// synchronous on the crash-day files with depth. Real-data tests skip when ../shared/data is
// absent.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "replay/conservation.hpp"
#include "replay/instrument_map.hpp"
#include "replay/replay.hpp"

namespace backstop::replay {
namespace {

const std::string kData = BACKSTOP_SHARED_DATA_DIR;
const std::string kKlines = kData + "/binance_um_BTCUSDT_priceKline_5m_2025-10-10.csv";
const std::string kDepth = kData + "/binance_um_BTCUSDT_bookDepth_2025-10-10.csv";
const std::string kMarks = kData + "/binance_cm_BTCUSD_PERP_markPrice_1m_2025-10-10.csv";

#define REQUIRE_FILES()                                                                   \
  do {                                                                                    \
    for (const std::string& f : {kKlines, kDepth, kMarks}) {                              \
      if (!std::filesystem::exists(f)) GTEST_SKIP() << f << " absent: nothing to replay"; \
    }                                                                                     \
  } while (false)

ReplaySummary run(const ReplayOptions& options) {
  std::string error;
  const std::optional<ReplaySummary> s = run_replay(options, error);
  EXPECT_TRUE(s.has_value()) << error;
  return s.value_or(ReplaySummary{});
}

TEST(ReplayDepth, WithoutDepthTheReplayTakesOver) {
  REQUIRE_FILES();
  ReplayOptions o;
  o.accounts = 500;
  o.files = {kKlines};
  const ReplaySummary s = run(o);
  EXPECT_EQ(s.liquidation_mode, "takeover");
  ASSERT_EQ(s.instruments.size(), 1u);
  EXPECT_EQ(s.instruments[0].liquidation_orders, 0u);
  EXPECT_EQ(s.instruments[0].depth_fills, 0u);
  EXPECT_EQ(s.assets[0].market_account, 0u);
}

// Every depth fill answers a liquidation order of its taker: the book's account is the maker, no
// fee, the price no worse for the account than its limit and no better than the mark, the size
// no more than the order's; conservation holds after every event.
TEST(ReplayDepth, LiquidationOrdersAreFilledFromTheDepthWithinTheirLimit) {
  REQUIRE_FILES();
  ReplayOptions o;
  o.accounts = 500;
  o.files = {kKlines, kDepth};
  struct Order {
    std::int64_t lots;
    std::int64_t limit;
  };
  std::map<std::uint64_t, Order> orders;  // account -> its latest liquidation order
  std::int64_t mark = 0;
  std::uint64_t depth_fills = 0;
  std::int64_t depth_lots = 0;
  std::uint64_t bad = 0;
  std::uint64_t checked = 0;
  std::uint64_t first_bad_conservation = UINT64_MAX;
  std::uint64_t market = 0;
  o.on_output = [&](const OutputEvent& out) {
    if (out.kind == OutputKind::kWaterfall &&
        out.waterfall.kind == WaterfallKind::kLiquidationOrder) {
      orders[out.waterfall.account] = Order{out.waterfall.amount, out.waterfall.before};
    }
  };
  o.after_event = [&](const RiskEngine& engine, const Event& e) {
    if (first_bad_conservation == UINT64_MAX && !conservation_holds(engine))
      first_bad_conservation = checked;
    ++checked;
    if (e.type == EventType::kMarkPrice) mark = e.mark.mark.raw();
    // The book's account: the ids after the backstops and the clearing members (USD: asset 0).
    if (e.type == EventType::kDeposit &&
        e.transfer.account == o.accounts + 1u + kReplayAssetCount +
                                  std::uint64_t{kReplayAssetCount} * kClearingMembers) {
      market = e.transfer.account;
    }
    if (e.type != EventType::kFill || market == 0 || e.fill.maker != market) return;
    ++depth_fills;
    depth_lots += e.fill.qty.raw();
    const auto it = orders.find(e.fill.taker);
    if (it == orders.end()) {
      ++bad;
      return;
    }
    const bool sell = e.side == Side::kSell;
    const std::int64_t p = e.fill.price.raw();
    if (sell != (it->second.lots < 0)) ++bad;
    if (e.fill.qty.raw() > (it->second.lots < 0 ? -it->second.lots : it->second.lots)) ++bad;
    if (sell ? (p < it->second.limit || p > mark) : (p > it->second.limit || p < mark)) ++bad;
    if (e.fill.taker_fee.raw() != 0 || e.fill.maker_fee.raw() != 0) ++bad;
  };
  const ReplaySummary s = run(o);
  EXPECT_EQ(s.liquidation_mode, "order");
  ASSERT_EQ(s.instruments.size(), 1u);
  const InstrumentSummary& n = s.instruments[0];
  EXPECT_GT(n.depth_snapshots, 2'000u);  // about every 30 s for a day
  EXPECT_GT(n.liquidation_orders, 0u);
  EXPECT_GT(n.depth_fills, 0u);
  EXPECT_EQ(depth_fills, n.depth_fills);
  EXPECT_EQ(depth_lots, n.depth_filled_lots);
  EXPECT_EQ(bad, 0u);
  EXPECT_EQ(s.assets[0].market_account, market);
  EXPECT_GT(s.assets[0].slippage_cost, 0);
  EXPECT_EQ(first_bad_conservation, UINT64_MAX)
      << "conservation broke at event " << first_bad_conservation;
  EXPECT_TRUE(s.conservation_ok) << s.conservation_detail;
}

TEST(ReplayDepth, ThreadedAndSynchronousGiveTheSameDigestWithDepth) {
  REQUIRE_FILES();
  ReplayOptions o;
  o.accounts = 500;
  o.files = {kKlines, kDepth, kMarks};
  const ReplaySummary sync = run(o);
  o.threaded = true;
  const ReplaySummary thr = run(o);
  EXPECT_EQ(sync.liquidation_mode, "order");
  EXPECT_EQ(sync.digest, thr.digest);
  EXPECT_EQ(sync.liquidations, thr.liquidations);
  EXPECT_EQ(sync.fills, thr.fills);
  ASSERT_EQ(sync.instruments.size(), thr.instruments.size());
  for (std::size_t i = 0; i < sync.instruments.size(); ++i) {
    EXPECT_EQ(sync.instruments[i].depth_filled_lots, thr.instruments[i].depth_filled_lots);
    EXPECT_EQ(sync.instruments[i].backstop_unwound_lots, thr.instruments[i].backstop_unwound_lots);
  }
  EXPECT_TRUE(thr.conservation_ok) << thr.conservation_detail;
}

TEST(ReplayBackstop, UnwindsItsInventoryIntoLaterTrades) {
  ReplayOptions o;
  o.accounts = 2'000;
  const ReplaySummary s = run(o);
  ASSERT_EQ(s.instruments.size(), 1u);
  const InstrumentSummary& n = s.instruments[0];
  EXPECT_GT(n.backstop_taken_lots, 0);
  EXPECT_GT(n.backstop_unwound_lots, 0);
  EXPECT_LE(n.backstop_unwound_lots, n.backstop_taken_lots);
  const std::int64_t held =
      n.backstop_position_end < 0 ? -n.backstop_position_end : n.backstop_position_end;
  EXPECT_LT(held, n.backstop_taken_lots);
  const AssetSummary& a = s.assets[0];
  EXPECT_GT(a.backstop_equity_start, 0);
  EXPECT_LE(a.backstop_equity_min, a.backstop_equity_start);
  EXPECT_LE(a.backstop_equity_min, a.backstop_equity_end);
  // The JSON carries them.
  const std::string json = summary_json(s, false);
  EXPECT_NE(json.find("\"backstop_equity_min\": {\"USD\": " +
                      std::to_string(a.backstop_equity_min) + "}"),
            std::string::npos);
  EXPECT_NE(json.find("\"backstop_unwound_lots\": " + std::to_string(n.backstop_unwound_lots)),
            std::string::npos);
}

TEST(ReplayBackstop, ABackstopUnderWaterIsReportedAsTheVenuesLoss) {
  ReplaySummary s;
  s.waterfall_wired = true;
  AssetSummary a;
  a.name = "USD";
  a.money_exponent = -6;
  a.backstop_account = 10'001;
  a.backstop_equity_start = 5'000'000;
  a.backstop_equity_min = -2'500'000;
  a.backstop_equity_end = -1'000'000;
  s.assets.push_back(a);
  const std::string text = summary_text(s);
  EXPECT_NE(text.find("went under water: equity down to -2.500000"), std::string::npos) << text;
  EXPECT_NE(text.find("still -1.000000 at the end"), std::string::npos) << text;
  EXPECT_NE(text.find("the venue's own loss"), std::string::npos) << text;
  s.assets[0].backstop_equity_min = 0;
  s.assets[0].backstop_equity_end = 0;
  EXPECT_EQ(summary_text(s).find("under water"), std::string::npos);
}

}  // namespace
}  // namespace backstop::replay
