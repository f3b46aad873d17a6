// The checks every reader applies to the numbers of a record (record_checks.hpp): impossible
// values (zero or negative prices and sizes, a candle's low above its high), numbers out of range,
// and prices far from the file's own recent prices make the line malformed, named by file and line.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "marketdata/reader.hpp"

namespace backstop::marketdata {
namespace {

struct Read {
  std::vector<MarketRecord> records;
  ReadStats stats;
  ReadStatus end = ReadStatus::kNotOpen;
  std::string error;
};

Read read(std::string_view name, const std::string& text, bool fatal = false) {
  MarketReader reader;
  ReaderOptions options;
  options.fatal_malformed = fatal;
  Read out;
  out.end = reader.try_open_memory(name, text, options);
  if (out.end == ReadStatus::kOk) {
    MarketRecord r;
    while ((out.end = reader.next(r)) == ReadStatus::kOk)
      out.records.push_back(r);
  }
  out.stats = reader.stats();
  out.error = reader.error();
  return out;
}

constexpr std::string_view kTrades = "BTCUSDT-trades-2024-08-08.csv";
constexpr std::string_view kKlines = "BTCUSDT-priceKline-5m-2025-10-10.csv";

// A Binance trades file of `n` trades near 60,000 with line `bad_line` (1-based, after the header)
// replaced by a trade at `price` and size `qty`.
std::string trades(int n, int bad_line, std::string_view price, std::string_view qty = "0.010") {
  std::string text = "id,price,qty,quote_qty,time,is_buyer_maker\n";
  for (int i = 1; i <= n; ++i) {
    const bool bad = i + 1 == bad_line;
    text += fmt::format("{},{},{},600,{},true\n", i,
                        bad ? std::string(price) : fmt::format("{}.5", 60'000 + i % 7),
                        bad ? std::string(qty) : "0.010", 1'723'075'200'000 + i);
  }
  return text;
}

// A klines file of `n` candles near 60,000 with line `bad_line` replaced by `candle`
// ("open,high,low,close").
std::string klines(int n, int bad_line, std::string_view candle) {
  std::string text = "open_time,open,high,low,close,volume,close_time\n";
  for (int i = 1; i <= n; ++i) {
    const std::int64_t t = 1'760'054'400'000 + std::int64_t{i} * 300'000;
    const std::string ohlc =
        i + 1 == bad_line ? std::string(candle) : std::string("60000,60100,59900,60050");
    text += fmt::format("{},{},1.5,{}\n", t, ohlc, t + 299'999);
  }
  return text;
}

// The one malformed line's message, or "" when there is not exactly one.
std::string only_message(const Read& r) {
  return r.stats.malformed == 1 && r.stats.messages.size() == 1 ? r.stats.messages[0] : "";
}

TEST(RecordChecks, ZeroAndNegativeTradePricesAndSizesAreMalformedLines) {
  for (const auto& [price, qty, why] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"0", "0.010", "price must be > 0 in 'price': '0'"},
           {"-60000", "0.010", "price must be > 0 in 'price': '-60000'"},
           {"60000", "0", "size must be > 0 in 'size': '0'"},
           {"60000", "-1", "size must be > 0 in 'size': '-1'"}}) {
    const Read r = read(kTrades, trades(50, 20, price, qty));
    EXPECT_EQ(r.end, ReadStatus::kEnd);
    EXPECT_EQ(r.records.size(), 49u) << price << " " << qty;
    EXPECT_EQ(only_message(r), fmt::format("{}:20: {}", kTrades, why));
  }
}

TEST(RecordChecks, ImpossibleCandlesAreMalformedLines) {
  for (const auto& [candle, why] : std::vector<std::pair<std::string, std::string>>{
           {"0,0,0,0", "price must be > 0 in 'open': '0'"},
           {"60000,60100,-5,60050", "price must be > 0 in 'low': '-5'"},
           {"60000,59000,61000,60050", "low above high in 'low': '61000'"},
           {"60000,60100,59900,0", "price must be > 0 in 'close': '0'"},
           {"62000,60100,59900,60050", "open outside [low, high] in 'open': '62000'"}}) {
    const Read r = read(kKlines, klines(40, 10, candle));
    EXPECT_EQ(r.records.size(), 39u) << candle;
    EXPECT_EQ(only_message(r), fmt::format("{}:10: {}", kKlines, why));
  }
}

TEST(RecordChecks, NumbersOutOfRangeAreMalformedLines) {
  for (const std::string price : {"1e30", "9e18", "1e15", "1000000000001"}) {
    const Read r = read(kTrades, trades(50, 30, price));
    EXPECT_EQ(r.records.size(), 49u) << price;
    EXPECT_EQ(
        only_message(r),
        fmt::format("{}:30: price out of range [1e-8, 1e12] in 'price': '{}'", kTrades, price));
  }
  const Read big = read(kTrades, trades(50, 30, "60000.5", "1e16"));
  EXPECT_EQ(only_message(big),
            fmt::format("{}:30: out of range [0, 1e15] in 'size': '1e16'", kTrades));
  // A funding rate is a fraction of the notional per interval: more than 100 % is no rate.
  const Read funding = read("BTCUSDT-fundingRate-2025-10.csv",
                            "calc_time,funding_interval_hours,last_funding_rate\n"
                            "1759276800000,8,0.0001\n1759305600000,8,2.5\n");
  EXPECT_EQ(funding.records.size(), 1u);
  EXPECT_NE(only_message(funding).find(":3: funding rate out of range"), std::string::npos)
      << only_message(funding);
}

TEST(RecordChecks, TimesBeyondInt64NanosecondsAreMalformed) {
  // 99,999,999,999 s is in the year 5138: in ns it overflows int64.
  const Read seconds = read(kTrades,
                            "1,60000,0.01,600,99999999999,true\n"
                            "2,60000,0.01,600,1723075200000,true\n");
  EXPECT_EQ(seconds.records.size(), 1u);
  EXPECT_EQ(only_message(seconds),
            fmt::format("{}:1: bad timestamp in 'time': '99999999999'", kTrades));
  const Read iso =
      read("ETHUSD-coinapi.json", R"([{"time_period_start":"9999-01-01T00:00:00Z","price_open":1,)"
                                  R"("price_high":1,"price_low":1,"price_close":1}])");
  EXPECT_EQ(iso.records.size(), 0u);
  EXPECT_EQ(iso.stats.malformed, 1u);
}

TEST(RecordChecks, PricesFarFromTheFilesOwnRangeAreMalformed) {
  // More than 10x below or above the median of the recent prices: malformed.
  for (const std::string price : {"0.00000001", "5000", "700000"}) {
    const Read r = read(kTrades, trades(80, 60, price));
    EXPECT_EQ(r.records.size(), 79u) << price;
    EXPECT_EQ(only_message(r),
              fmt::format("{}:60: price more than 10x away from the file's recent prices in "
                          "'price': '{}'",
                          kTrades, price))
        << price;
  }
  // Within the factor: a real move, kept.
  EXPECT_EQ(read(kTrades, trades(80, 60, "6500")).stats.malformed, 0u);
  EXPECT_EQ(read(kTrades, trades(80, 60, "550000")).stats.malformed, 0u);
}

TEST(RecordChecks, ALastingMoveBecomesTheReference) {
  // The price drops 20x and stays there: the first prints at the new level are refused, then the
  // window's median moves and the rest are read.
  std::string text;
  for (int i = 1; i <= 100; ++i) {
    text += fmt::format("{},{},0.01,600,{},true\n", i, i <= 40 ? "60000" : "3000",
                        1'723'075'200'000 + i);
  }
  const Read r = read(kTrades, text);
  EXPECT_GT(r.stats.malformed, 0u);
  // At most half the reference window (31 prices) plus one refresh interval (8) of them.
  EXPECT_LE(r.stats.malformed, 31u / 2 + 8u);
  ASSERT_FALSE(r.records.empty());
  EXPECT_EQ(to_double(r.records.back().price), 3000.0);
}

TEST(RecordChecks, EachSymbolHasItsOwnReference) {
  // A BitMEX dump mixes symbols whose prices differ by orders of magnitude.
  std::string text = "timestamp_ms,timestamp_iso,symbol,side,price,leavesQty,orderID\n";
  for (int i = 0; i < 40; ++i) {
    const bool xbt = i % 2 == 0;
    text += fmt::format("{},2019-11-14T00:00:00.000Z,{},Sell,{},100,x\n", 1'573'689'600'000 + i,
                        xbt ? "XBTUSD" : "XRPZ19", xbt ? "8600.5" : "0.00003241");
  }
  const Read r = read("bitmex_liquidations_2019-11-14.csv", text);
  EXPECT_EQ(r.stats.malformed, 0u) << (r.stats.messages.empty() ? "" : r.stats.messages[0]);
  EXPECT_EQ(r.records.size(), 40u);
}

TEST(RecordChecks, StrictReadingStopsAtTheFirstImpossibleRecord) {
  const Read r = read(kKlines, klines(40, 10, "0,0,0,0"), /*fatal=*/true);
  EXPECT_EQ(r.end, ReadStatus::kMalformed);
  EXPECT_EQ(r.records.size(), 8u);
  EXPECT_EQ(r.error, fmt::format("{}:10: price must be > 0 in 'open': '0'", kKlines));
}

}  // namespace
}  // namespace backstop::marketdata
