#include "marketdata/reader.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "marketdata/line_source.hpp"

namespace backstop::marketdata {
namespace {

namespace fs = std::filesystem;

struct ReadAll {
  ReadStatus open_status = ReadStatus::kNotOpen;
  ReadStatus end_status = ReadStatus::kNotOpen;
  Format format = Format::kAuto;
  std::vector<MarketRecord> records;
  ReadStats stats;
  std::string error;
};

ReadAll finish(MarketReader& reader, ReadStatus open_status) {
  ReadAll out;
  out.open_status = open_status;
  out.format = reader.format();
  if (open_status == ReadStatus::kOk) {
    MarketRecord r;
    while ((out.end_status = reader.next(r)) == ReadStatus::kOk)
      out.records.push_back(r);
  }
  out.stats = reader.stats();
  out.error = reader.error();
  return out;
}

ReadAll read_memory(std::string_view name, std::string_view contents, ReaderOptions options = {}) {
  MarketReader reader;
  const ReadStatus s = reader.try_open_memory(name, contents, std::move(options));
  return finish(reader, s);
}

ReadAll read_path(const std::string& path, ReaderOptions options = {}) {
  MarketReader reader;
  const ReadStatus s = reader.try_open(path, std::move(options));
  return finish(reader, s);
}

Decimal dec(std::string_view text) {
  Decimal d;
  EXPECT_EQ(try_parse_decimal(text, d), DecimalError::kOk) << text;
  return d;
}

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("backstop_readers_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name, std::string_view contents) const {
    const std::string p = (path_ / name).string();
    std::ofstream(p, std::ios::binary)
        .write(contents.data(), static_cast<std::streamsize>(contents.size()));
    return p;
  }
  std::string gz_file(const std::string& name, std::string_view contents) const {
    const std::string p = (path_ / name).string();
    gzFile f = gzopen(p.c_str(), "wb");
    EXPECT_NE(f, nullptr);
    if (!contents.empty()) {
      EXPECT_EQ(gzwrite(f, contents.data(), static_cast<unsigned>(contents.size())),
                static_cast<int>(contents.size()));
    }
    gzclose(f);
    return p;
  }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

// ---- Binance public data ---------------------------------------------------------------------

constexpr std::string_view kTradesBody =
    "5266583935,61800.30,0.006,370.8018,1723161256322,false,true\n"
    "5266583936,61800.20,0.199,12298.2398,1723161256344,true,true\n";

TEST(BinanceTradesReader, ReadsWithAndWithoutHeader) {
  const std::string with_header =
      "id,price,qty,quote_qty,time,is_buyer_maker,is_best_match\n" + std::string(kTradesBody);
  for (const std::string& text : {with_header, std::string(kTradesBody)}) {
    const ReadAll r = read_memory("BTCUSDT-trades-2024-08-08.csv", text);
    ASSERT_EQ(r.open_status, ReadStatus::kOk) << r.error;
    EXPECT_EQ(r.end_status, ReadStatus::kEnd);
    EXPECT_EQ(r.format, Format::kBinanceTrades);
    ASSERT_EQ(r.records.size(), 2u);
    const MarketRecord& a = r.records[0];
    EXPECT_EQ(a.kind, RecordKind::kTrade);
    EXPECT_EQ(a.id, 5266583935u);
    EXPECT_EQ(a.price, dec("61800.30"));
    EXPECT_EQ(a.size, dec("0.006"));
    EXPECT_EQ(a.amount, dec("370.8018"));
    EXPECT_EQ(a.ts_ns, 1723161256322000000);
    EXPECT_EQ(a.side, MarketSide::kBuy);  // buyer not maker: the buyer took
    EXPECT_EQ(a.symbol.view(), "BTCUSDT");
    EXPECT_EQ(r.records[1].side, MarketSide::kSell);
    EXPECT_EQ(r.stats.malformed, 0u);
  }
}

TEST(BinanceTradesReader, ReadsSixColumnFuturesLayoutAndMicroseconds) {
  const ReadAll r = read_memory("x.csv",
                                "id,price,qty,quote_qty,time,is_buyer_maker\n"
                                "1,100.5,2,201,1760054400000000,True\n");
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].ts_ns, 1760054400000000000);  // µs told apart from ms by magnitude
  EXPECT_EQ(r.records[0].side, MarketSide::kSell);
  const ReadAll h = read_memory("x.csv", "1,100.5,2,201,1760054400000,false\n");
  EXPECT_EQ(h.format, Format::kBinanceTrades);
  ASSERT_EQ(h.records.size(), 1u);
  EXPECT_EQ(h.records[0].ts_ns, 1760054400000000000);
}

TEST(BinanceAggTradesReader, ReadsWithAndWithoutHeader) {
  const std::string body = "26129,0.01633102,4.70443515,27781,27781,1498793709153,true,true\n";
  for (const std::string& text :
       {"agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker,"
        "is_best_match\n" +
            body,
        body}) {
    const ReadAll r = read_memory("ETHBTC-aggTrades-2017-06-30.csv", text);
    ASSERT_EQ(r.open_status, ReadStatus::kOk) << r.error;
    EXPECT_EQ(r.format, Format::kBinanceAggTrades);
    ASSERT_EQ(r.records.size(), 1u);
    EXPECT_EQ(r.records[0].id, 26129u);
    EXPECT_EQ(r.records[0].price, dec("0.01633102"));
    EXPECT_EQ(r.records[0].size, dec("4.70443515"));
    EXPECT_EQ(r.records[0].ts_ns, 1498793709153000000);
    EXPECT_EQ(r.records[0].side, MarketSide::kSell);
    EXPECT_EQ(r.records[0].symbol.view(), "ETHBTC");
  }
}

constexpr std::string_view kKlineHeader =
    "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,"
    "taker_buy_quote_volume,ignore\n";
constexpr std::string_view kKlineBody =
    "1760054400000,121662,121737.53736410,121662,121689.00965205,0,1760054459999,0,60,0,0,0\n"
    "1760054460000,121689.00965205,121728.24075549,121679.20000000,121728.24075549,0,"
    "1760054519999,0,60,0,0,0\n";

TEST(BinanceKlinesReader, ReadsMarkPriceKlinesWithAndWithoutHeader) {
  for (const std::string& text :
       {std::string(kKlineHeader) + std::string(kKlineBody), std::string(kKlineBody)}) {
    const ReadAll r = read_memory("BTCUSD_PERP-markPriceKlines-1m-2025-10-10.csv", text);
    ASSERT_EQ(r.open_status, ReadStatus::kOk) << r.error;
    EXPECT_EQ(r.format, Format::kBinanceKlines);
    ASSERT_EQ(r.records.size(), 2u);
    const MarketRecord& c = r.records[0];
    EXPECT_EQ(c.kind, RecordKind::kCandle);
    EXPECT_EQ(c.series, CandleSeries::kMark);
    EXPECT_EQ(c.ts_ns, 1760054400000000000);
    EXPECT_EQ(c.aux_ts_ns, 1760054459999000000);
    EXPECT_EQ(c.open, dec("121662"));
    EXPECT_EQ(c.high, dec("121737.5373641"));
    EXPECT_EQ(c.low, dec("121662"));
    EXPECT_EQ(c.price, dec("121689.00965205"));
    EXPECT_EQ(c.count, 60);
    EXPECT_EQ(c.symbol.view(), "BTCUSD_PERP");
    EXPECT_EQ(r.stats.header_lines, text.starts_with("open_time") ? 1u : 0u);
  }
}

TEST(BinanceKlinesReader, TellsSeriesFromFileName) {
  const std::string text(kKlineBody);
  EXPECT_EQ(read_memory("BTCUSDT-1m-2025-10-10.csv", text).records.at(0).series,
            CandleSeries::kTrade);
  EXPECT_EQ(read_memory("BTCUSDT-indexPriceKlines-1m.csv", text).records.at(0).series,
            CandleSeries::kIndex);
  EXPECT_EQ(read_memory("BTCUSDT-premiumIndexKlines-1m.csv", text).records.at(0).series,
            CandleSeries::kPremium);
  EXPECT_EQ(read_memory("binance_um_BTCUSDT_priceKline_5m.csv", text).records.at(0).series,
            CandleSeries::kUnknown);
}

TEST(BinanceFundingReader, ReadsBothLayoutsWithAndWithoutHeader) {
  struct Case {
    std::string text;
    std::string_view symbol;
    std::int64_t interval;
  };
  const Case cases[] = {
      {"calc_time,funding_interval_hours,last_funding_rate\n1760054400000,8,0.00010000\n"
       "1760083200000,8,1e-05\n",
       "BTCUSDT", 8},
      {"1760054400000,8,0.00010000\n1760083200000,8,1e-05\n", "BTCUSDT", 8},
      {"funding_time,symbol,funding_rate\n1760054400000,ETHUSDT,0.00010000\n1760083200000,ETHUSDT,"
       "1e-05\n",
       "ETHUSDT", 0},
      {"1760054400000,ETHUSDT,0.00010000\n1760083200000,ETHUSDT,1e-05\n", "ETHUSDT", 0},
  };
  for (const Case& c : cases) {
    const ReadAll r = read_memory("BTCUSDT-fundingRate-2025-10.csv", c.text);
    ASSERT_EQ(r.open_status, ReadStatus::kOk) << r.error;
    EXPECT_EQ(r.format, Format::kBinanceFundingRate) << c.text;
    ASSERT_EQ(r.records.size(), 2u) << c.text << r.stats.messages.size();
    EXPECT_EQ(r.records[0].kind, RecordKind::kFundingRate);
    EXPECT_EQ(r.records[0].price, dec("0.0001"));
    EXPECT_EQ(r.records[1].price, (Decimal{1, -5}));
    EXPECT_EQ(r.records[1].ts_ns, 1760083200000000000);
    EXPECT_EQ(r.records[1].aux_ts_ns, 1760083200000000000);
    EXPECT_EQ(r.records[0].symbol.view(), c.symbol);
    EXPECT_EQ(r.records[0].count, c.interval);
  }
}

TEST(BinanceBookDepthReader, ReadsWithAndWithoutHeader) {
  const std::string body =
      "2025-10-10 00:00:07,-5,8243.012,979983314.2056,118886.556783564\n"
      "2025-10-10 00:00:07,1,2843.5,345000000.1\n";
  for (const std::string& text :
       {"timestamp,percentage,depth,notional,weighted_avg_price\n" + body, body}) {
    const ReadAll r = read_memory("BTCUSDT-bookDepth-2025-10-10.csv", text);
    ASSERT_EQ(r.open_status, ReadStatus::kOk) << r.error;
    EXPECT_EQ(r.format, Format::kBinanceBookDepth);
    ASSERT_EQ(r.records.size(), 2u);
    const MarketRecord& d = r.records[0];
    EXPECT_EQ(d.kind, RecordKind::kDepth);
    EXPECT_EQ(d.ts_ns, 1760054407000000000);
    EXPECT_EQ(d.band_pct, dec("-5"));
    EXPECT_EQ(d.size, dec("8243.012"));
    EXPECT_EQ(d.amount, dec("979983314.2056"));
    EXPECT_EQ(d.price, dec("118886.556783564"));
    EXPECT_EQ(r.records[1].price, Decimal{});  // no weighted_avg_price column on that line
    EXPECT_EQ(r.records[1].band_pct, dec("1"));
  }
}

// ---- Binance captures ------------------------------------------------------------------------

TEST(BinanceCaptureTradesReader, ReadsWithAndWithoutHeader) {
  const std::string body =
      "1723161256419684465,1723161257687,1723161257679,849714402,61804.8,4,buy\n"
      "1723161257497220164,1723161258760,1723161258748,849714403,61804.8,1,sell\n";
  for (const std::string& text :
       {"local_ts_ns,event_time_ms,trade_time_ms,trade_id,price,qty_contracts,taker_side\n" + body,
        body}) {
    const ReadAll r = read_memory("binance-coinm_BTCUSD_PERP_trades.csv", text);
    ASSERT_EQ(r.open_status, ReadStatus::kOk) << r.error;
    EXPECT_EQ(r.format, Format::kBinanceCaptureTrades);
    ASSERT_EQ(r.records.size(), 2u);
    const MarketRecord& t = r.records[0];
    EXPECT_EQ(t.ts_ns, 1723161257679000000);  // trade time T, not the local clock
    EXPECT_EQ(t.aux_ts_ns, 1723161257687000000);
    EXPECT_EQ(t.local_ts_ns, 1723161256419684465);
    EXPECT_EQ(t.id, 849714402u);
    EXPECT_EQ(t.price, dec("61804.8"));
    EXPECT_EQ(t.size, dec("4"));
    EXPECT_EQ(t.side, MarketSide::kBuy);
    EXPECT_EQ(r.records[1].side, MarketSide::kSell);
    EXPECT_EQ(t.symbol.view(), "BTCUSD_PERP");
  }
}

TEST(BinanceStreamReader, ReadsTradesAndSkipsBookMessages) {
  const std::string text =
      R"(1723161255030314667 {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1,"b":[["1","2"]],"a":[]}})"
      "\n"
      R"(1723161255088169167 {"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":5,"s":"BTCUSDT","b":"61800.20","B":"2.507","a":"61800.30","A":"2.510","T":1723161256313,"E":1723161256313}})"
      "\n"
      R"(1723161255088176367 {"stream":"btcusdt@trade","data":{"e":"trade","E":1723161256322,"T":1723161256321,"s":"BTCUSDT","t":5266583935,"p":"61800.30","q":"0.006","X":"MARKET","m":false}})"
      "\n"
      R"(1723161255319702566 {"lastUpdateId":5123107852948,"E":1723161256501,"T":1723161256493,"bids":[["61800.20","2.909"]],"asks":[]})"
      "\n"
      R"({"e":"trade","E":1723161256400,"T":1723161256400,"s":"BTCUSDT","t":5266583936,"p":"61800.2","q":"1","m":true})"
      "\n";
  const ReadAll r = read_memory("capture.jsonl", text);
  ASSERT_EQ(r.open_status, ReadStatus::kOk) << r.error;
  EXPECT_EQ(r.format, Format::kBinanceStream);
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.stats.skipped, 3u);
  EXPECT_EQ(r.stats.malformed, 0u);
  const MarketRecord& t = r.records[0];
  EXPECT_EQ(t.kind, RecordKind::kTrade);
  EXPECT_EQ(t.ts_ns, 1723161256321000000);
  EXPECT_EQ(t.aux_ts_ns, 1723161256322000000);
  EXPECT_EQ(t.local_ts_ns, 1723161255088176367);
  EXPECT_EQ(t.id, 5266583935u);
  EXPECT_EQ(t.price, dec("61800.3"));
  EXPECT_EQ(t.side, MarketSide::kBuy);
  EXPECT_EQ(t.symbol.view(), "BTCUSDT");
  EXPECT_EQ(r.records[1].side, MarketSide::kSell);
  EXPECT_EQ(r.records[1].local_ts_ns, 0);
}

TEST(BinanceStreamReader, ReadsMarkPriceAggTradeAndForceOrder) {
  const std::string text =
      R"(1 {"stream":"btcusdt@markPrice","data":{"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15000000","i":"11784.62659091","P":"11784.25641265","r":"0.00038167","T":1562306400000}})"
      "\n"
      R"(2 {"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":123456789,"s":"BNBBTC","a":5933014,"p":"0.001","q":"100","f":100,"l":105,"T":123456785,"m":true}})"
      "\n"
      R"(3 {"stream":"!forceOrder@arr","data":{"e":"forceOrder","E":1568014460893,"o":{"s":"BTCUSDT","S":"SELL","o":"LIMIT","f":"IOC","q":"0.014","p":"9910","ap":"9910.5","X":"FILLED","l":"0.014","z":"0.014","T":1568014460893}}})"
      "\n";
  const ReadAll r = read_memory("stream.jsonl", text);
  ASSERT_EQ(r.open_status, ReadStatus::kOk) << r.error;
  ASSERT_EQ(r.records.size(), 5u) << (r.stats.messages.empty() ? "" : r.stats.messages[0]);
  EXPECT_EQ(r.records[0].kind, RecordKind::kFundingRate);
  EXPECT_EQ(r.records[0].price, dec("0.00038167"));
  EXPECT_EQ(r.records[0].aux_ts_ns, 1562306400000000000);
  EXPECT_EQ(r.records[1].kind, RecordKind::kIndexPrice);
  EXPECT_EQ(r.records[1].price, dec("11784.62659091"));
  EXPECT_EQ(r.records[2].kind, RecordKind::kMarkPrice);
  EXPECT_EQ(r.records[2].price, dec("11794.15"));
  EXPECT_EQ(r.records[2].ts_ns, 1562305380000000000);
  EXPECT_EQ(r.records[3].kind, RecordKind::kTrade);
  EXPECT_EQ(r.records[3].id, 5933014u);
  EXPECT_EQ(r.records[3].side, MarketSide::kSell);
  EXPECT_EQ(r.records[4].kind, RecordKind::kLiquidation);
  EXPECT_EQ(r.records[4].side, MarketSide::kSell);
  EXPECT_EQ(r.records[4].price, dec("9910.5"));  // the average fill price
  EXPECT_EQ(r.records[4].size, dec("0.014"));
}

TEST(BinanceStreamReader, ReportsBrokenJsonAsMalformed) {
  const std::string text =
      R"(1 {"stream":"btcusdt@trade","data":{"e":"trade","E":1,"T":1,"s":"X","t":1,"p":"1","q":"1","m":false}})"
      "\n"
      R"(2 {"stream":"btcusdt@trade","data":{"e":"trade","E":1,"T":1,"s":"X","t":1,"p":"1","q":"1","m":false})"
      "\n"
      R"(3 {"stream":"btcusdt@trade","data":{"e":"trade","E":1,"T":1,"s":"X","t":1,"p":"abc","q":"1","m":false}})"
      "\n"
      R"(4 {"stream":"btcusdt@trade","data":{"e":"trade","E":1,"T":1,"s":"X","t":1,"p":"1","q":"1"}})"
      "\n"
      R"(5 {"stream":"btcusdt@trade","data":{"e":"trade","E":1,"T":1,"s":"X","t":1,"p":"1","q":"1","m":false}} x)"
      "\n"
      R"(6 {"stream":"btcusdt@trade","data":{"e":"trade","s":"X","t":1,"p":"1","q":"1","m":false}})"
      "\n";
  const ReadAll r = read_memory("stream.jsonl", text);
  EXPECT_EQ(r.end_status, ReadStatus::kEnd);
  EXPECT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.stats.malformed, 5u);
  ASSERT_EQ(r.stats.messages.size(), 5u);
  EXPECT_NE(r.stats.messages[0].find("stream.jsonl:2: "), std::string::npos) << r.stats.messages[0];
  EXPECT_NE(r.stats.messages[1].find("stream.jsonl:3: not a number in 'p': 'abc'"),
            std::string::npos)
      << r.stats.messages[1];
  EXPECT_NE(r.stats.messages[2].find(":4: "), std::string::npos);
  EXPECT_NE(r.stats.messages[3].find(":5: text after"), std::string::npos);
  EXPECT_NE(r.stats.messages[4].find(":6: trade without"), std::string::npos)
      << r.stats.messages[4];
}

// ---- Tardis / BitMEX -------------------------------------------------------------------------

TEST(TardisTradesReader, ReadsWithAndWithoutHeader) {
  const std::string body =
      "gemini,BTCUSD,1760054406843000,1760054406899497,1713679388902077,buy,121758.75,0.01428928\n"
      "bitmex,XBTUSD,1760054406844000,1760054406899498,7f6b1c2e-0c3a-4e6e-9b8c-1d2e3f4a5b6c,sell,"
      "121758.5,100\n"
      "bitmex,XBTUSD,1760054406845000,,,unknown,121758.5,100\n";
  for (const std::string& text :
       {"exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n" + body, body}) {
    const ReadAll r = read_memory("tardis_trades_2025-10-10.csv", text);
    ASSERT_EQ(r.open_status, ReadStatus::kOk) << r.error;
    EXPECT_EQ(r.format, Format::kTardisTrades);
    ASSERT_EQ(r.records.size(), 3u) << (r.stats.messages.empty() ? "" : r.stats.messages[0]);
    EXPECT_EQ(r.records[0].ts_ns, 1760054406843000000);
    EXPECT_EQ(r.records[0].local_ts_ns, 1760054406899497000);
    EXPECT_EQ(r.records[0].id, 1713679388902077u);
    EXPECT_EQ(r.records[0].symbol.view(), "BTCUSD");
    EXPECT_EQ(r.records[0].size, dec("0.01428928"));
    EXPECT_EQ(r.records[1].id, 0u);  // a UUID is not a number
    EXPECT_EQ(r.records[1].side, MarketSide::kSell);
    EXPECT_EQ(r.records[1].symbol.view(), "XBTUSD");
    EXPECT_EQ(r.records[2].side, MarketSide::kUnknown);
    EXPECT_EQ(r.records[2].local_ts_ns, 0);
  }
  const ReadAll liq =
      read_memory("bitmex_liquidations_2019-11-14.csv",
                  "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"
                  "bitmex,XBTUSD,1573704949024000,1573704949100000,abc,sell,8462,177058\n");
  EXPECT_EQ(liq.format, Format::kTardisLiquidations);
  ASSERT_EQ(liq.records.size(), 1u);
  EXPECT_EQ(liq.records[0].kind, RecordKind::kLiquidation);
}

TEST(TardisDerivativeTickerReader, SplitsALineIntoFundingOpenInterestIndexAndMark) {
  const std::string body =
      "bitmex,ETHUSD,1585699199651000,1585699202577291,1585713600000000,0.0001,0.001654,45921455,"
      "133.25,133.14,133.15\n"
      "bitmex,ETHUSD,1585699200000000,1585699204834359,,,,,133.25,,133.13\n";
  for (const std::string& text : {"exchange,symbol,timestamp,local_timestamp,funding_timestamp,"
                                  "funding_rate,predicted_funding_rate,"
                                  "open_interest,last_price,index_price,mark_price\n" +
                                      body,
                                  body}) {
    const ReadAll r = read_memory("bitmex_derivative_ticker_2020-04-01_ETHUSD.csv", text);
    ASSERT_EQ(r.open_status, ReadStatus::kOk) << r.error;
    EXPECT_EQ(r.format, Format::kTardisDerivativeTicker);
    ASSERT_EQ(r.records.size(), 5u);
    EXPECT_EQ(r.records[0].kind, RecordKind::kFundingRate);
    EXPECT_EQ(r.records[0].price, dec("0.0001"));
    EXPECT_EQ(r.records[0].aux_ts_ns, 1585713600000000000);
    EXPECT_EQ(r.records[1].kind, RecordKind::kOpenInterest);
    EXPECT_EQ(r.records[1].size, dec("45921455"));
    EXPECT_EQ(r.records[2].kind, RecordKind::kIndexPrice);
    EXPECT_EQ(r.records[2].price, dec("133.14"));
    EXPECT_EQ(r.records[3].kind, RecordKind::kMarkPrice);
    EXPECT_EQ(r.records[3].price, dec("133.15"));
    EXPECT_EQ(r.records[3].ts_ns, 1585699199651000000);
    EXPECT_EQ(r.records[3].symbol.view(), "ETHUSD");
    EXPECT_EQ(r.records[4].kind, RecordKind::kMarkPrice);  // empty fields give no records
    EXPECT_EQ(r.records[4].price, dec("133.13"));
  }
}

TEST(BitmexLiquidationsReader, ReadsWithAndWithoutHeader) {
  const std::string body =
      "1573704949024,2019-11-14T04:15:49.024Z,ETHUSD,Sell,186.7,5250,d0292a27-86fc-fb2e-5b99-"
      "0b8bcb130352\n"
      "1573913630123,2019-11-16T14:13:50.123Z,XBTUSD,Buy,8462,177058,3bdd2be3-8d8a-4579-d316-"
      "720dfef92be8\n";
  for (const std::string& text :
       {"timestamp_ms,timestamp_iso,symbol,side,price,leavesQty,orderID\n" + body, body}) {
    const ReadAll r = read_memory("bitmex_liquidations_2019-11-14_to_16.csv", text);
    ASSERT_EQ(r.open_status, ReadStatus::kOk) << r.error;
    EXPECT_EQ(r.format, Format::kBitmexLiquidations);
    ASSERT_EQ(r.records.size(), 2u);
    EXPECT_EQ(r.records[0].kind, RecordKind::kLiquidation);
    EXPECT_EQ(r.records[0].ts_ns, 1573704949024000000);
    EXPECT_EQ(r.records[0].side, MarketSide::kSell);
    EXPECT_EQ(r.records[0].price, dec("186.7"));
    EXPECT_EQ(r.records[0].size, dec("5250"));
    EXPECT_EQ(r.records[1].symbol.view(), "XBTUSD");
    EXPECT_EQ(r.records[1].side, MarketSide::kBuy);
  }
}

// ---- CoinAPI ---------------------------------------------------------------------------------

constexpr std::string_view kCandleA =
    R"({"time_period_start": "2020-03-12T00:00:00.0000000Z", "time_period_end": "2020-03-12T00:10:00.0000000Z",)"
    R"( "time_open": "2020-03-12T00:04:55.9304460Z", "price_open": 195.210000000, "price_high": 195.430000000,)"
    R"( "price_low": 194.380000000, "price_close": 194.520000000, "volume_traded": 69.682075400, "trades_count": 27})";
constexpr std::string_view kCandleB =
    R"({"time_period_start":"2020-03-12T00:10:00Z","time_period_end":"2020-03-12T00:20:00Z",)"
    R"("price_open":193.56,"price_high":194.24,"price_low":193.56,"price_close":193.93,"volume_traded":1,"trades_count":14})";

void expect_two_candles(const ReadAll& r) {
  ASSERT_EQ(r.open_status, ReadStatus::kOk) << r.error;
  EXPECT_EQ(r.format, Format::kCoinApiCandles);
  ASSERT_EQ(r.records.size(), 2u) << (r.stats.messages.empty() ? "" : r.stats.messages[0]);
  EXPECT_EQ(r.records[0].kind, RecordKind::kCandle);
  EXPECT_EQ(r.records[0].ts_ns, 1583971200000000000);
  EXPECT_EQ(r.records[0].aux_ts_ns, 1583971800000000000);
  EXPECT_EQ(r.records[0].open, dec("195.21"));
  EXPECT_EQ(r.records[0].high, dec("195.43"));
  EXPECT_EQ(r.records[0].low, dec("194.38"));
  EXPECT_EQ(r.records[0].price, dec("194.52"));
  EXPECT_EQ(r.records[0].size, dec("69.6820754"));
  EXPECT_EQ(r.records[0].count, 27);
  EXPECT_EQ(r.records[1].price, dec("193.93"));
  EXPECT_EQ(r.records[0].symbol.view(), "ETHUSD");
  EXPECT_EQ(r.stats.malformed, 0u);
}

TEST(CoinApiReader, ReadsPrettyPrintedMinifiedAndJsonLines) {
  std::string pretty = "[\n";
  for (std::string_view c : {kCandleA, kCandleB}) {
    // One member per line, as the real files are laid out.
    std::string obj(c);
    std::string spread;
    for (char ch : obj) {
      spread += ch;
      if (ch == ',' || ch == '{') spread += "\n    ";
    }
    pretty += "  " + spread + (c == kCandleA ? ",\n" : "\n");
  }
  pretty += "]\n";
  expect_two_candles(read_memory("coinapi_ETHUSD_10min.json", pretty));
  expect_two_candles(read_memory("coinapi_ETHUSD_10min.json",
                                 "[" + std::string(kCandleA) + "," + std::string(kCandleB) + "]"));
  expect_two_candles(read_memory("coinapi_ETHUSD_10min.jsonl",
                                 std::string(kCandleA) + "\n" + std::string(kCandleB) + "\n"));
}

TEST(CoinApiReader, ReportsBadObjectsAtTheirFirstLine) {
  const std::string text = "[\n" + std::string(kCandleA) +
                           ",\n{\n\"time_period_start\": \"bad\",\n\"price_open\": 1\n},\n" +
                           std::string(kCandleB) + ",\n{\"price_open\": 1,\n";
  const ReadAll r = read_memory("coinapi_ETHUSD.json", text);
  EXPECT_EQ(r.end_status, ReadStatus::kEnd);
  EXPECT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.stats.malformed, 2u);
  ASSERT_EQ(r.stats.messages.size(), 2u);
  EXPECT_NE(r.stats.messages[0].find("coinapi_ETHUSD.json:3: bad timestamp"), std::string::npos)
      << r.stats.messages[0];
  EXPECT_NE(r.stats.messages[1].find(":8: unterminated"), std::string::npos) << r.stats.messages[1];
}

// ---- gzip, files, edge cases -----------------------------------------------------------------

TEST(ReaderFiles, GzipReadsTheSameAsPlain) {
  TempDir dir;
  std::string text(kKlineHeader);
  for (int i = 0; i < 5000; ++i) {
    text += fmt::format("{},100.{},101,99,100.5,0,{},0,60,0,0,0\n", 1760054400000 + i * 60000LL, i,
                        1760054400000 + i * 60000LL + 59999);
  }
  const ReadAll plain = read_path(dir.file("BTCUSDT-markPriceKlines-1m.csv", text));
  const ReadAll gz = read_path(dir.gz_file("BTCUSDT-markPriceKlines-1m.csv.gz", text));
  ASSERT_EQ(plain.end_status, ReadStatus::kEnd) << plain.error;
  ASSERT_EQ(gz.end_status, ReadStatus::kEnd) << gz.error;
  ASSERT_EQ(plain.records.size(), 5000u);
  ASSERT_EQ(gz.records.size(), 5000u);
  for (std::size_t i = 0; i < plain.records.size(); ++i) {
    ASSERT_EQ(std::memcmp(&plain.records[i], &gz.records[i], sizeof(MarketRecord)), 0) << i;
  }
  EXPECT_EQ(gz.records[4999].open, dec("100.4999"));
}

TEST(ReaderFiles, TruncatedGzipIsAnIoErrorNotACrash) {
  TempDir dir;
  std::string text;
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i)
    text += fmt::format("{},{},1,{},1760054400000,false\n", i, rng() % 100000, rng());
  const std::string path = dir.gz_file("BTCUSDT-trades.csv.gz", text);
  const auto size = fs::file_size(path);
  fs::resize_file(path, size / 2);
  const ReadAll r = read_path(path);
  ASSERT_EQ(r.open_status, ReadStatus::kOk);
  EXPECT_EQ(r.end_status, ReadStatus::kIoError);
  EXPECT_LT(r.records.size(), 20000u);
  EXPECT_FALSE(r.error.empty());
}

TEST(ReaderFiles, LinesAcrossBlocksAndLongerThanABlockAreWhole) {
  TempDir dir;
  // A JSON line longer than the 256 KiB block, between short lines, forces the buffer to grow;
  // many short lines make lines straddle block boundaries.
  std::string big_depth = R"(1 {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","b":[)";
  for (int i = 0; i < 40000; ++i)
    big_depth += R"(["61800.20","2.909"],)";
  big_depth += R"(["1","1"]],"a":[]}})";
  std::string text;
  int trades = 0;
  for (int i = 0; i < 3000; ++i) {
    if (i == 1500) text += big_depth + "\n";
    text += fmt::format(
        R"({} {{"stream":"btcusdt@trade","data":{{"e":"trade","E":1,"T":1723161256321,"s":"BTCUSDT","t":{},"p":"61800.30","q":"0.006","m":false}}}})",
        i, 1000 + i);
    text += "\n";
    ++trades;
  }
  ASSERT_GT(big_depth.size(), LineSource::kBlockBytes);
  for (const std::string& path :
       {dir.file("stream.jsonl", text), dir.gz_file("stream.jsonl.gz", text)}) {
    const ReadAll r = read_path(path);
    ASSERT_EQ(r.end_status, ReadStatus::kEnd) << r.error;
    ASSERT_EQ(r.records.size(), static_cast<std::size_t>(trades));
    EXPECT_EQ(r.stats.skipped, 1u);
    EXPECT_EQ(r.stats.lines, 3001u);
    for (int i = 0; i < trades; ++i)
      ASSERT_EQ(r.records[i].id, 1000u + i);
  }
}

TEST(ReaderFiles, EmptyAndHeaderOnlyFilesYieldNoRecords) {
  TempDir dir;
  for (const std::string& path :
       {dir.file("empty.csv", ""), dir.gz_file("empty.csv.gz", ""),
        dir.file("blank.csv", "\n\n  \n"),
        dir.file("BTCUSDT-trades.csv", "id,price,qty,quote_qty,time,is_buyer_maker\n"),
        dir.gz_file("gemini_trades.csv.gz",
                    "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"),
        dir.file("coinapi.json", "[\n]\n")}) {
    const ReadAll r = read_path(path);
    EXPECT_EQ(r.open_status, ReadStatus::kOk) << path << " " << r.error;
    EXPECT_EQ(r.end_status, ReadStatus::kEnd) << path << " " << r.error;
    EXPECT_TRUE(r.records.empty()) << path;
    EXPECT_EQ(r.stats.malformed, 0u) << path;
  }
}

TEST(ReaderFiles, ReportsMissingFilesAndUnknownFormats) {
  TempDir dir;
  const ReadAll missing = read_path(dir.file("x", "") + ".does-not-exist");
  EXPECT_EQ(missing.open_status, ReadStatus::kOpenFailed);
  EXPECT_NE(missing.error.find("does-not-exist"), std::string::npos);
  const ReadAll unknown = read_path(dir.file("notes.txt", "hello world\n"));
  EXPECT_EQ(unknown.open_status, ReadStatus::kUnknownFormat);
  EXPECT_NE(unknown.error.find("notes.txt:1"), std::string::npos) << unknown.error;
  // A header that lacks a needed column.
  ReaderOptions options;
  options.format = Format::kBinanceKlines;
  const ReadAll bad_header = read_memory("k.csv", "open_time,open,high,low\n1,2,3,4\n", options);
  EXPECT_EQ(bad_header.open_status, ReadStatus::kBadHeader);
  EXPECT_NE(bad_header.error.find("'close'"), std::string::npos) << bad_header.error;
  MarketReader never_opened;
  MarketRecord rec;
  EXPECT_EQ(never_opened.next(rec), ReadStatus::kNotOpen);
}

TEST(ReaderFiles, FormatOverrideBeatsDetection) {
  // Without a header or telling name, a 3-column line would be taken for funding rates.
  ReaderOptions options;
  options.format = Format::kBinanceBookDepth;
  options.default_symbol = "ETHUSDT";
  const ReadAll r = read_memory("data.csv", "1760054407000,-1,5,6\n", options);
  ASSERT_EQ(r.open_status, ReadStatus::kOk) << r.error;
  EXPECT_EQ(r.format, Format::kBinanceBookDepth);
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].kind, RecordKind::kDepth);
  EXPECT_EQ(r.records[0].symbol.view(), "ETHUSDT");
}

TEST(ReaderFiles, HandlesCrlfBomAndBlankLines) {
  const std::string text =
      "\xEF\xBB\xBFlocal_ts_ns,event_time_ms,trade_time_ms,trade_id,price,qty,taker_side\r\n"
      "1723161255088176367,1723161256322,1723161256322,5266583935,61800.30,0.006,buy\r\n"
      "\r\n"
      "1723161255088230567,1723161256344,1723161256344,5266583936,61800.30,0.199,sell";  // no final
                                                                                         // \n
  const ReadAll r = read_memory("binance-usdm_BTCUSDT_trades.csv", text);
  ASSERT_EQ(r.open_status, ReadStatus::kOk) << r.error;
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[1].side, MarketSide::kSell);
  EXPECT_EQ(r.stats.lines, 4u);
  EXPECT_EQ(r.stats.header_lines, 1u);
}

constexpr std::string_view kMixedTrades =
    "id,price,qty,quote_qty,time,is_buyer_maker\n"          // line 1
    "1,100,1,100,1760054400000,true\n"                      // 2 ok
    "2,abc,1,100,1760054400000,true\n"                      // 3 bad price
    "3,100,1\n"                                             // 4 too few fields
    "4,100,1,100,1760054400000,maybe\n"                     // 5 bad boolean
    "5,100,1,100,1760054400000,false\n"                     // 6 ok
    "x,100,1,100,1760054400000,false\n"                     // 7 bad id
    "7,100,1,100,17600544000x0,false\n"                     // 8 bad time
    "8,100,99999999999999999999,100,1760054400000,false\n"  // 9 overflow
    "9,100,1,100,1760054400000,false\n";                    // 10 ok

TEST(ReaderMalformed, CountsSkipsAndNamesTheLines) {
  const ReadAll r = read_memory("BTCUSDT-trades.csv", kMixedTrades);
  EXPECT_EQ(r.end_status, ReadStatus::kEnd);
  ASSERT_EQ(r.records.size(), 3u);
  EXPECT_EQ(r.records[0].id, 1u);
  EXPECT_EQ(r.records[1].id, 5u);
  EXPECT_EQ(r.records[2].id, 9u);
  EXPECT_EQ(r.stats.malformed, 6u);
  EXPECT_EQ(r.stats.records, 3u);
  EXPECT_EQ(r.stats.lines, 10u);
  ASSERT_EQ(r.stats.messages.size(), 6u);
  const char* expected[] = {
      "BTCUSDT-trades.csv:3: not a number in 'price': 'abc'",
      "BTCUSDT-trades.csv:4: too few fields",
      "BTCUSDT-trades.csv:5: bad boolean in 'is_buyer_maker': 'maybe'",
      "BTCUSDT-trades.csv:7: bad trade id in 'id': 'x'",
      "BTCUSDT-trades.csv:8: bad timestamp in 'time': '17600544000x0'",
      "BTCUSDT-trades.csv:9: number out of range in 'qty': '99999999999999999999'",
  };
  for (std::size_t i = 0; i < 6; ++i)
    EXPECT_EQ(r.stats.messages[i], expected[i]);
}

TEST(ReaderMalformed, KeepsTheFirstMessagesAndCountsTheRest) {
  ReaderOptions options;
  options.max_messages = 2;
  const ReadAll r = read_memory("BTCUSDT-trades.csv", kMixedTrades, options);
  EXPECT_EQ(r.stats.malformed, 6u);
  EXPECT_EQ(r.stats.messages.size(), 2u);
  EXPECT_EQ(r.stats.messages_dropped, 4u);
}

TEST(ReaderMalformed, FatalFlagStopsAtTheFirstBadLine) {
  ReaderOptions options;
  options.fatal_malformed = true;
  MarketReader reader;
  ASSERT_EQ(reader.try_open_memory("BTCUSDT-trades.csv", kMixedTrades, options), ReadStatus::kOk);
  MarketRecord r;
  ASSERT_EQ(reader.next(r), ReadStatus::kOk);
  EXPECT_EQ(r.id, 1u);
  EXPECT_EQ(reader.next(r), ReadStatus::kMalformed);
  EXPECT_EQ(reader.error(), "BTCUSDT-trades.csv:3: not a number in 'price': 'abc'");
  EXPECT_EQ(reader.next(r), ReadStatus::kMalformed);  // sticky
  EXPECT_EQ(reader.stats().malformed, 1u);
}

TEST(ReaderMalformed, RandomGarbageNeverCrashesAnyFormat) {
  // Property: for every format, lines made of random pieces of valid lines and random bytes
  // produce records or malformed counts, never a crash or an exception.
  std::mt19937_64 rng(12345);
  const std::string alphabet = "0123456789.,-+eE\"{}[]:truefalsbuy \t\\xT";
  for (int f = 1; f <= static_cast<int>(Format::kCoinApiCandles); ++f) {
    std::string text;
    for (int line = 0; line < 300; ++line) {
      const std::size_t len = rng() % 120;
      for (std::size_t i = 0; i < len; ++i)
        text += alphabet[rng() % alphabet.size()];
      text += (rng() % 50 == 0) ? "" : "\n";
    }
    ReaderOptions options;
    options.format = static_cast<Format>(f);
    ReadAll r;
    EXPECT_NO_THROW(r = read_memory("fuzz", text, options));
    EXPECT_TRUE(r.open_status == ReadStatus::kOk || r.open_status == ReadStatus::kBadHeader) << f;
    if (r.open_status == ReadStatus::kOk) {
      EXPECT_EQ(r.end_status, ReadStatus::kEnd) << f;
      EXPECT_EQ(r.stats.records, r.records.size());
    }
  }
}

TEST(ReaderProgress, ReportsGrowingByteCountsAndTheTotal) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 200000; ++i)
    text += fmt::format("{},100.5,1,100.5,1760054400000,false\n", i);
  const std::string path = dir.gz_file("BTCUSDT-trades.csv.gz", text);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> calls;
  ReaderOptions options;
  options.progress_interval_bytes = 64 * 1024;
  options.progress = [&](std::uint64_t done, std::uint64_t total) {
    calls.emplace_back(done, total);
  };
  const ReadAll r = read_path(path, options);
  ASSERT_EQ(r.end_status, ReadStatus::kEnd);
  EXPECT_EQ(r.records.size(), 200000u);
  ASSERT_GE(calls.size(), 2u);
  const std::uint64_t total = fs::file_size(path);
  for (std::size_t i = 1; i < calls.size(); ++i) {
    EXPECT_LE(calls[i - 1].first, calls[i].first);
    EXPECT_EQ(calls[i].second, total);
  }
  EXPECT_EQ(calls.back().first, total);
}

TEST(ReaderApi, TryReadFileVisitsEveryRecord) {
  TempDir dir;
  const std::string path = dir.file("BTCUSDT-trades.csv", std::string(kTradesBody));
  std::vector<std::uint64_t> ids;
  ReadStats stats;
  const ReadStatus s = try_read_file(
      path, {}, [&](const MarketRecord& r) { ids.push_back(r.id); }, &stats);
  EXPECT_EQ(s, ReadStatus::kEnd);
  EXPECT_EQ(ids, (std::vector<std::uint64_t>{5266583935u, 5266583936u}));
  EXPECT_EQ(stats.records, 2u);
}

TEST(ReaderApi, DetectsFormatsFromHeaderNameAndShape) {
  struct Case {
    const char* path;
    const char* line;
    Format expected;
  };
  const Case cases[] = {
      {"x.csv", "exchange,symbol,timestamp,local_timestamp,id,side,price,amount",
       Format::kTardisTrades},
      {"liquidations.csv", "exchange,symbol,timestamp,local_timestamp,id,side,price,amount",
       Format::kTardisLiquidations},
      {"x.csv", "exchange,symbol,timestamp,local_timestamp,funding_timestamp,funding_rate",
       Format::kTardisDerivativeTicker},
      {"x.csv", "bitmex,ETHUSD,1,2,3,0.1,0.1,4,5,6,7", Format::kTardisDerivativeTicker},
      {"x.csv", "gemini,BTCUSD,1,2,3,buy,1,1", Format::kTardisTrades},
      {"x.csv", "local_ts_ns,event_time_ms,trade_time_ms,trade_id,price,qty,taker_side",
       Format::kBinanceCaptureTrades},
      {"x.csv", "1723161255088176367,1723161256322,1723161256322,5266583935,61800.30,0.006,buy",
       Format::kBinanceCaptureTrades},
      {"x.csv", "open_time,open,high,low,close,volume", Format::kBinanceKlines},
      {"x.csv", "1,2,3,4,5,6,7,8,9,10,11,12", Format::kBinanceKlines},
      {"x.csv", "agg_trade_id,price,quantity", Format::kBinanceAggTrades},
      {"x.csv", "1,0.1,2,3,4,1498793709153,true,true", Format::kBinanceAggTrades},
      {"x-aggTrades-y.csv", "1,0.1,2,3,4,1498793709153,true", Format::kBinanceAggTrades},
      {"x.csv", "id,price,qty,quote_qty,time,is_buyer_maker", Format::kBinanceTrades},
      {"x.csv", "1,0.1,2,3,1498793709153,true,true", Format::kBinanceTrades},
      {"x.csv", "calc_time,funding_interval_hours,last_funding_rate", Format::kBinanceFundingRate},
      {"x.csv", "funding_time,symbol,funding_rate", Format::kBinanceFundingRate},
      {"x.csv", "timestamp,percentage,depth,notional,weighted_avg_price",
       Format::kBinanceBookDepth},
      {"x.csv", "2025-10-10 00:00:07,-5,8243.012,979983314.2056,118886.556783564",
       Format::kBinanceBookDepth},
      {"x.csv", "timestamp_ms,timestamp_iso,symbol,side,price,leavesQty,orderID",
       Format::kBitmexLiquidations},
      {"x.json", "[", Format::kCoinApiCandles},
      {"x.json", R"({"time_period_start":"2020"})", Format::kCoinApiCandles},
      {"x.jsonl", R"(17 {"stream":"a","data":{}})", Format::kBinanceStream},
      {"x.jsonl", R"({"e":"trade"})", Format::kBinanceStream},
      {"x.txt", "hello", Format::kAuto},
      {"x.txt", "", Format::kAuto},
  };
  for (const Case& c : cases)
    EXPECT_EQ(detect_format(c.path, c.line), c.expected) << c.path << " | " << c.line;
}

TEST(ReaderApi, NamesFormatsAndSymbols) {
  for (int f = 0; f <= static_cast<int>(Format::kCoinApiCandles); ++f) {
    Format back = Format::kAuto;
    ASSERT_TRUE(try_parse_format(to_string(static_cast<Format>(f)), back)) << f;
    EXPECT_EQ(back, static_cast<Format>(f));
  }
  Format ignored;
  EXPECT_FALSE(try_parse_format("nope", ignored));
  EXPECT_EQ(symbol_from_file_name("/a/b/binance_cm_BTCUSD_PERP_markPrice_1m_2025-10-10.csv"),
            "BTCUSD_PERP");
  EXPECT_EQ(symbol_from_file_name("binance_um_BTCUSDT_bookDepth_2025-10-10.csv"), "BTCUSDT");
  EXPECT_EQ(symbol_from_file_name("BTCUSD_250328-1m-2025-01-01.csv"), "BTCUSD_250328");
  EXPECT_EQ(symbol_from_file_name("ETHBTC-aggTrades-2017-06-30.csv"), "ETHBTC");
  EXPECT_EQ(symbol_from_file_name("coinapi_ETHUSD_10min_2020-03-12_stablesims.json"), "ETHUSD");
  EXPECT_EQ(symbol_from_file_name("data-2025-10-10.csv"), "");
}

}  // namespace
}  // namespace backstop::marketdata
