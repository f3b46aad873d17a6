// Reads every real file in ../shared/data and checks what it yields against values taken from
// the files independently: a plain zlib loop counting lines, std::stod/std::stoll on the raw
// fields, and facts stated in PROVENANCE.md. Skipped when the data folder is absent.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "marketdata/reader.hpp"
#include "marketdata/text_fields.hpp"

namespace backstop::marketdata {
namespace {

namespace fs = std::filesystem;

const std::string kDataDir = BACKSTOP_SHARED_DATA_DIR;

#define REQUIRE_DATA_FILE(path)                                                               \
  do {                                                                                        \
    if (!fs::exists(path)) {                                                                  \
      GTEST_SKIP() << "real market data not found: " << (path)                                \
                   << " (the shared data folder ../shared/data is absent; nothing to check)"; \
    }                                                                                         \
  } while (false)

std::string data_path(const std::string& name) {
  return kDataDir + "/" + name;
}

// The file's lines, decompressed with a plain gzread loop that shares no code with LineSource.
std::vector<std::string> raw_lines(const std::string& path) {
  std::vector<std::string> lines;
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) return lines;
  std::string current;
  char buf[1 << 16];
  int n = 0;
  while ((n = gzread(f, buf, sizeof buf)) > 0) {
    for (int i = 0; i < n; ++i) {
      if (buf[i] == '\n') {
        lines.push_back(current);
        current.clear();
      } else {
        current += buf[i];
      }
    }
  }
  if (!current.empty()) lines.push_back(current);
  gzclose(f);
  return lines;
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out(1);
  for (char c : line) {
    if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

struct Read {
  ReadStatus status = ReadStatus::kNotOpen;
  Format format = Format::kAuto;
  std::vector<MarketRecord> records;
  ReadStats stats;
};

Read read(const std::string& path) {
  Read out;
  MarketReader reader;
  out.status = reader.try_open(path);
  if (out.status == ReadStatus::kOk) {
    MarketRecord r;
    while ((out.status = reader.next(r)) == ReadStatus::kOk)
      out.records.push_back(r);
  }
  out.format = reader.format();
  out.stats = reader.stats();
  return out;
}

Decimal dec(std::string_view text) {
  Decimal d;
  EXPECT_EQ(try_parse_decimal(text, d), DecimalError::kOk) << text;
  return d;
}

std::int64_t utc_ns(const char* text) {
  std::int64_t ns = 0;
  EXPECT_TRUE(parse_utc_datetime(text, ns)) << text;
  return ns;
}

// Cents, rounded to nearest: how PROVENANCE.md quotes prices.
std::int64_t cents(Decimal d) {
  return to_fixed(d, 2, Rounding::kNearest).value;
}

bool close_to(Decimal d, const std::string& text) {
  const double expected = std::stod(text);
  return std::fabs(to_double(d) - expected) <= 1e-12 * std::max(1.0, std::fabs(expected));
}

TEST(RealData, EveryFileReadsToTheEndWithoutMalformedLines) {
  REQUIRE_DATA_FILE(kDataDir);
  int files = 0;
  for (const auto& entry : fs::directory_iterator(kDataDir)) {
    const std::string name = entry.path().filename().string();
    if (name == "PROVENANCE.md") continue;
    ++files;
    const Read r = read(entry.path().string());
    EXPECT_EQ(r.status, ReadStatus::kEnd) << name;
    EXPECT_NE(r.format, Format::kAuto) << name;
    EXPECT_EQ(r.stats.malformed, 0u)
        << name << ": " << (r.stats.messages.empty() ? "" : r.stats.messages[0]);
    EXPECT_FALSE(r.records.empty()) << name;
    EXPECT_EQ(r.stats.lines, raw_lines(entry.path().string()).size()) << name;
    // Exchange time never goes backwards within a file, and every record names its instrument.
    for (std::size_t i = 1; i < r.records.size(); ++i) {
      ASSERT_GE(r.records[i].ts_ns, r.records[i - 1].ts_ns) << name << " record " << i;
    }
    for (const MarketRecord& rec : r.records)
      ASSERT_FALSE(rec.symbol.empty()) << name;
  }
  EXPECT_GE(files, 14);  // the files PROVENANCE.md lists
}

// The two CSVs made from the hftbacktest captures: every record against its raw line.
void check_capture_trades(const std::string& name, std::uint64_t first_id, std::uint64_t last_id,
                          std::string_view symbol) {
  const std::string path = data_path(name);
  const Read r = read(path);
  ASSERT_EQ(r.status, ReadStatus::kEnd);
  EXPECT_EQ(r.format, Format::kBinanceCaptureTrades);
  const std::vector<std::string> lines = raw_lines(path);
  ASSERT_EQ(r.records.size(), lines.size() - 1);
  ASSERT_EQ(r.records.size(), last_id - first_id + 1);  // no gaps, as PROVENANCE.md states
  for (std::size_t i = 0; i < r.records.size(); ++i) {
    const MarketRecord& rec = r.records[i];
    const std::vector<std::string> f = split(lines[i + 1]);
    ASSERT_EQ(rec.id, first_id + i);
    ASSERT_EQ(rec.id, std::stoull(f[3]));
    ASSERT_EQ(rec.local_ts_ns, std::stoll(f[0]));
    ASSERT_EQ(rec.aux_ts_ns, std::stoll(f[1]) * 1000000);
    ASSERT_EQ(rec.ts_ns, std::stoll(f[2]) * 1000000);
    ASSERT_TRUE(close_to(rec.price, f[4])) << lines[i + 1];
    ASSERT_TRUE(close_to(rec.size, f[5])) << lines[i + 1];
    ASSERT_EQ(rec.side, f[6] == "buy" ? MarketSide::kBuy : MarketSide::kSell);
    ASSERT_EQ(rec.symbol.view(), symbol);
    // The capture host's clock ran about 1.27 s behind the exchange (PROVENANCE.md).
    ASSERT_GT(rec.aux_ts_ns - rec.local_ts_ns, 1'000'000'000);
    ASSERT_LT(rec.aux_ts_ns - rec.local_ts_ns, 1'600'000'000);
  }
  // BTC at about 61.6-61.8k on 2024-08-08/09.
  for (const MarketRecord& rec : r.records) {
    ASSERT_GE(cents(rec.price), 6150000);
    ASSERT_LE(cents(rec.price), 6190000);
  }
}

TEST(RealData, UsdmCaptureTradesMatchTheirLinesAndHaveNoIdGaps) {
  REQUIRE_DATA_FILE(data_path("binance-usdm_BTCUSDT_2024-08-08_trades.csv"));
  check_capture_trades("binance-usdm_BTCUSDT_2024-08-08_trades.csv", 5266583935u, 5266605247u,
                       "BTCUSDT");
}

TEST(RealData, CoinmCaptureTradesMatchTheirLinesAndHaveNoIdGaps) {
  REQUIRE_DATA_FILE(
      data_path("binance-coinm_BTCUSD_PERP_2024-08-08T2354_to_08-09T0005_trades.csv"));
  check_capture_trades("binance-coinm_BTCUSD_PERP_2024-08-08T2354_to_08-09T0005_trades.csv",
                       849714402u, 849719636u, "BTCUSD_PERP");
}

TEST(RealData, StreamCaptureYieldsExactlyTheTradesOfItsCsv) {
  const std::string stream = data_path("binance-usdm_BTCUSDT_2024-08-08T2354_stream.jsonl.gz");
  const std::string csv = data_path("binance-usdm_BTCUSDT_2024-08-08_trades.csv");
  REQUIRE_DATA_FILE(stream);
  REQUIRE_DATA_FILE(csv);
  const Read s = read(stream);
  const Read c = read(csv);
  ASSERT_EQ(s.status, ReadStatus::kEnd);
  EXPECT_EQ(s.format, Format::kBinanceStream);
  // Independent census of the capture's lines by stream name.
  std::size_t trades = 0, others = 0;
  const std::vector<std::string> lines = raw_lines(stream);
  for (const std::string& line : lines) {
    (line.find("\"stream\":\"btcusdt@trade\"") != std::string::npos ? trades : others)++;
  }
  EXPECT_EQ(trades, 21313u);
  EXPECT_EQ(s.stats.lines, lines.size());
  EXPECT_EQ(s.stats.skipped, others);  // bookTicker, depth and the one REST snapshot
  ASSERT_EQ(s.records.size(), c.records.size());
  for (std::size_t i = 0; i < s.records.size(); ++i) {
    const MarketRecord& a = s.records[i];
    const MarketRecord& b = c.records[i];
    ASSERT_EQ(a.id, b.id);
    ASSERT_EQ(a.ts_ns, b.ts_ns);
    ASSERT_EQ(a.aux_ts_ns, b.aux_ts_ns);
    ASSERT_EQ(a.local_ts_ns, b.local_ts_ns);
    ASSERT_EQ(a.price, b.price);
    ASSERT_EQ(a.size, b.size);
    ASSERT_EQ(a.side, b.side);
    ASSERT_EQ(a.symbol, b.symbol);
  }
}

// Binance kline files: one bar per interval, contiguous, each against its raw line.
void check_klines(const std::string& name, std::int64_t interval_ms, std::size_t bars,
                  CandleSeries series, std::string_view symbol, const Read& r) {
  ASSERT_EQ(r.status, ReadStatus::kEnd) << name;
  EXPECT_EQ(r.format, Format::kBinanceKlines);
  const std::vector<std::string> lines = raw_lines(data_path(name));
  ASSERT_EQ(r.records.size(), bars);
  ASSERT_EQ(lines.size(), bars + 1);
  for (std::size_t i = 0; i < bars; ++i) {
    const MarketRecord& c = r.records[i];
    const std::vector<std::string> f = split(lines[i + 1]);
    ASSERT_EQ(c.kind, RecordKind::kCandle);
    ASSERT_EQ(c.series, series);
    ASSERT_EQ(c.symbol.view(), symbol);
    ASSERT_EQ(c.ts_ns, std::stoll(f[0]) * 1000000);
    ASSERT_EQ(c.aux_ts_ns, std::stoll(f[6]) * 1000000);
    ASSERT_EQ(c.aux_ts_ns - c.ts_ns, interval_ms * 1000000 - 1000000);
    if (i > 0) {
      ASSERT_EQ(c.ts_ns - r.records[i - 1].ts_ns, interval_ms * 1000000);
    }
    ASSERT_TRUE(close_to(c.open, f[1]) && close_to(c.high, f[2]) && close_to(c.low, f[3]) &&
                close_to(c.price, f[4]))
        << lines[i + 1];
    ASSERT_EQ(c.count, std::stoll(f[8]));
    ASSERT_LE(to_double(c.low), to_double(c.open));
    ASSERT_GE(to_double(c.high), to_double(c.price));
  }
}

TEST(RealData, MarkPriceKlinesShowTheOctober10Crash) {
  const std::string d10 = "binance_cm_BTCUSD_PERP_markPrice_1m_2025-10-10.csv";
  const std::string d09 = "binance_cm_BTCUSD_PERP_markPrice_1m_2025-10-09.csv";
  REQUIRE_DATA_FILE(data_path(d10));
  REQUIRE_DATA_FILE(data_path(d09));
  const Read r10 = read(data_path(d10));
  const Read r09 = read(data_path(d09));
  check_klines(d10, 60000, 1440, CandleSeries::kMark, "BTCUSD_PERP", r10);
  check_klines(d09, 60000, 1440, CandleSeries::kMark, "BTCUSD_PERP", r09);
  EXPECT_EQ(r10.records.front().ts_ns, utc_ns("2025-10-10 00:00:00"));
  EXPECT_EQ(r10.records.back().ts_ns, utc_ns("2025-10-10 23:59:00"));
  // PROVENANCE.md: 121,662 -> low 102,497.49 at 21:20 UTC -> 112,992.6.
  EXPECT_EQ(r10.records.front().open, dec("121662"));
  EXPECT_EQ(r10.records.back().price, dec("112992.6"));
  const auto low = std::min_element(
      r10.records.begin(), r10.records.end(),
      [](const auto& a, const auto& b) { return to_double(a.low) < to_double(b.low); });
  EXPECT_EQ(cents(low->low), 10249749);
  EXPECT_EQ(low->low, dec("102497.48513403"));
  EXPECT_EQ(low->ts_ns, utc_ns("2025-10-10 21:20:00"));
  // The calm day before ends where the crash day starts.
  EXPECT_EQ(r09.records.front().ts_ns, utc_ns("2025-10-09 00:00:00"));
  EXPECT_EQ(r09.records.back().price, r10.records.front().open);
}

TEST(RealData, FiveMinutePriceKlinesCoverTwoDays) {
  const std::string d10 = "binance_um_BTCUSDT_priceKline_5m_2025-10-10.csv";
  const std::string d11 = "binance_um_BTCUSDT_priceKline_5m_2025-10-11.csv";
  REQUIRE_DATA_FILE(data_path(d10));
  REQUIRE_DATA_FILE(data_path(d11));
  const Read r10 = read(data_path(d10));
  const Read r11 = read(data_path(d11));
  check_klines(d10, 300000, 288, CandleSeries::kUnknown, "BTCUSDT", r10);
  check_klines(d11, 300000, 288, CandleSeries::kUnknown, "BTCUSDT", r11);
  EXPECT_EQ(r10.records.front().open, dec("121582.7910045"));
  EXPECT_EQ(r10.records.back().price, dec("112722"));
  EXPECT_EQ(r11.records.front().ts_ns, r10.records.back().ts_ns + 300'000'000'000);
  EXPECT_EQ(r11.records.back().price, dec("110579.2"));
  for (const MarketRecord& c : r10.records)
    ASSERT_EQ(c.size, Decimal{});  // volume 0 (PROVENANCE.md)
}

TEST(RealData, BookDepthHasTenBandsPerSnapshot) {
  const std::string path = data_path("binance_um_BTCUSDT_bookDepth_2025-10-10.csv");
  REQUIRE_DATA_FILE(path);
  const Read r = read(path);
  ASSERT_EQ(r.status, ReadStatus::kEnd);
  EXPECT_EQ(r.format, Format::kBinanceBookDepth);
  const std::vector<std::string> lines = raw_lines(path);
  ASSERT_EQ(r.records.size(), lines.size() - 1);
  EXPECT_EQ(r.records.size(), 28790u);
  std::map<std::int64_t, int> bands_per_snapshot;
  for (std::size_t i = 0; i < r.records.size(); ++i) {
    const MarketRecord& d = r.records[i];
    const std::vector<std::string> f = split(lines[i + 1]);
    ASSERT_EQ(d.kind, RecordKind::kDepth);
    ASSERT_TRUE(close_to(d.band_pct, f[1]) && close_to(d.size, f[2]) && close_to(d.amount, f[3]) &&
                close_to(d.price, f[4]))
        << lines[i + 1];
    const auto band = to_fixed(d.band_pct, 0, Rounding::kDown);
    ASSERT_EQ(band.status, FixedStatus::kExact);
    ASSERT_TRUE(band.value != 0 && band.value >= -5 && band.value <= 5);
    ASSERT_GE(d.ts_ns, utc_ns("2025-10-10 00:00:00"));
    ASSERT_LT(d.ts_ns, utc_ns("2025-10-11 00:00:00"));
    ++bands_per_snapshot[d.ts_ns];
  }
  EXPECT_EQ(r.records.front().ts_ns, utc_ns("2025-10-10 00:00:07"));
  EXPECT_EQ(r.records.back().ts_ns, utc_ns("2025-10-10 23:59:30"));
  EXPECT_EQ(r.records.back().price, dec("115798.332997037"));
  // The line at 21:34:32 with a leading space (line 25883) is read, not rejected.
  EXPECT_EQ(bands_per_snapshot[utc_ns("2025-10-10 21:34:32")], 10);
  std::size_t full = 0;
  for (const auto& [ts, n] : bands_per_snapshot)
    full += n == 10 ? 1 : 0;
  EXPECT_EQ(full * 10, r.records.size());
}

TEST(RealData, BitmexDerivativeTickerGivesMarkIndexFundingAndOpenInterest) {
  const std::string path = data_path("bitmex_derivative_ticker_2020-04-01_ETHUSD.csv.gz");
  REQUIRE_DATA_FILE(path);
  const Read r = read(path);
  ASSERT_EQ(r.status, ReadStatus::kEnd);
  EXPECT_EQ(r.format, Format::kTardisDerivativeTicker);
  const std::vector<std::string> lines = raw_lines(path);
  ASSERT_EQ(r.records.size(), (lines.size() - 1) * 4);  // no empty fields in this file
  std::map<RecordKind, std::size_t> kinds;
  std::set<std::int64_t> funding_times;
  double lo = 1e9, hi = 0;
  for (std::size_t i = 0; i < r.records.size(); ++i) {
    const MarketRecord& rec = r.records[i];
    const std::vector<std::string> f = split(lines[i / 4 + 1]);
    ++kinds[rec.kind];
    ASSERT_EQ(rec.symbol.view(), "ETHUSD");
    ASSERT_EQ(rec.ts_ns, std::stoll(f[2]) * 1000);
    ASSERT_EQ(rec.local_ts_ns, std::stoll(f[3]) * 1000);
    switch (rec.kind) {
      case RecordKind::kFundingRate:
        ASSERT_TRUE(close_to(rec.price, f[5]));
        ASSERT_EQ(rec.aux_ts_ns, std::stoll(f[4]) * 1000);
        funding_times.insert(rec.aux_ts_ns);
        break;
      case RecordKind::kOpenInterest:
        ASSERT_TRUE(close_to(rec.size, f[7]));
        break;
      case RecordKind::kIndexPrice:
        ASSERT_TRUE(close_to(rec.price, f[9]));
        break;
      case RecordKind::kMarkPrice:
        ASSERT_TRUE(close_to(rec.price, f[10]));
        lo = std::min(lo, to_double(rec.price));
        hi = std::max(hi, to_double(rec.price));
        break;
      default:
        FAIL() << "unexpected kind";
    }
  }
  EXPECT_EQ(kinds[RecordKind::kMarkPrice], 23519u);
  // PROVENANCE.md: ETH about 129-137 on 2020-04-01; funding at 04:00, 12:00 and 20:00 UTC.
  EXPECT_GE(lo, 128.5);  // the low print is 128.98
  EXPECT_LE(hi, 137.5);
  EXPECT_EQ(funding_times,
            (std::set<std::int64_t>{utc_ns("2020-04-01 04:00:00"), utc_ns("2020-04-01 12:00:00"),
                                    utc_ns("2020-04-01 20:00:00"), utc_ns("2020-04-02 04:00:00")}));
  EXPECT_EQ(r.records[3].price, dec("133.15"));
  EXPECT_EQ(r.records.back().price, dec("136.04"));
}

TEST(RealData, BitmexLiquidationsMatchTheirLines) {
  const std::string path = data_path("bitmex_liquidations_2019-11-14_to_16.csv");
  REQUIRE_DATA_FILE(path);
  const Read r = read(path);
  ASSERT_EQ(r.status, ReadStatus::kEnd);
  EXPECT_EQ(r.format, Format::kBitmexLiquidations);
  const std::vector<std::string> lines = raw_lines(path);
  ASSERT_EQ(r.records.size(), lines.size() - 1);
  EXPECT_EQ(r.records.size(), 117u);
  std::size_t sells = 0;
  for (std::size_t i = 0; i < r.records.size(); ++i) {
    const MarketRecord& rec = r.records[i];
    const std::vector<std::string> f = split(lines[i + 1]);
    ASSERT_EQ(rec.kind, RecordKind::kLiquidation);
    ASSERT_EQ(rec.ts_ns, std::stoll(f[0]) * 1000000);
    std::int64_t iso_ns = 0;
    ASSERT_TRUE(parse_utc_datetime(f[1], iso_ns));
    ASSERT_EQ(rec.ts_ns, iso_ns);  // the two time columns agree
    ASSERT_EQ(rec.symbol.view(), f[2]);
    ASSERT_EQ(rec.side, f[3] == "Sell" ? MarketSide::kSell : MarketSide::kBuy);
    ASSERT_TRUE(close_to(rec.price, f[4]) && close_to(rec.size, f[5]));
    if (rec.symbol.view() == "XBTUSD") {
      ASSERT_GE(to_double(rec.price), 8000.0);  // BTC about 8.4-8.5k in mid-November 2019
      ASSERT_LE(to_double(rec.price), 9000.0);
    }
    sells += rec.side == MarketSide::kSell ? 1 : 0;
  }
  EXPECT_EQ(sells, 72u);
}

void check_gemini(const std::string& name, std::string_view symbol, const char* first_price,
                  const char* last_price) {
  const std::string path = data_path(name);
  const Read r = read(path);
  ASSERT_EQ(r.status, ReadStatus::kEnd);
  EXPECT_EQ(r.format, Format::kTardisTrades);
  const std::vector<std::string> lines = raw_lines(path);
  ASSERT_EQ(r.records.size(), lines.size() - 1);
  for (std::size_t i = 0; i < r.records.size(); ++i) {
    const MarketRecord& t = r.records[i];
    const std::vector<std::string> f = split(lines[i + 1]);
    ASSERT_EQ(t.symbol.view(), symbol);
    ASSERT_EQ(t.ts_ns, std::stoll(f[2]) * 1000);  // µs
    ASSERT_EQ(t.local_ts_ns, std::stoll(f[3]) * 1000);
    ASSERT_EQ(t.id, std::stoull(f[4]));
    ASSERT_EQ(t.side, f[5] == "buy" ? MarketSide::kBuy : MarketSide::kSell);
    ASSERT_TRUE(close_to(t.price, f[6]) && close_to(t.size, f[7])) << lines[i + 1];
    ASSERT_GE(t.ts_ns, utc_ns("2025-10-10 00:00:00"));
    ASSERT_LT(t.ts_ns, utc_ns("2025-10-11 00:00:00"));
  }
  EXPECT_EQ(r.records.front().price, dec(first_price));
  EXPECT_EQ(r.records.back().price, dec(last_price));
}

TEST(RealData, GeminiTradesMatchTheirLines) {
  REQUIRE_DATA_FILE(data_path("gemini_spot_BTCUSD_trades_2025-10-10.csv.gz"));
  REQUIRE_DATA_FILE(data_path("gemini_spot_ETHUSD_trades_2025-10-10.csv.gz"));
  check_gemini("gemini_spot_BTCUSD_trades_2025-10-10.csv.gz", "BTCUSD", "121758.75", "113063.2");
  check_gemini("gemini_spot_ETHUSD_trades_2025-10-10.csv.gz", "ETHUSD", "4368.7", "3943.01");
}

void check_coinapi(const std::string& name, const char* day, const char* first_open,
                   const char* low, const char* low_at) {
  const std::string path = data_path(name);
  const Read r = read(path);
  ASSERT_EQ(r.status, ReadStatus::kEnd);
  EXPECT_EQ(r.format, Format::kCoinApiCandles);
  std::size_t objects = 0;
  for (const std::string& line : raw_lines(path))
    objects += line.find("time_period_start") != std::string::npos;
  ASSERT_EQ(r.records.size(), objects);
  ASSERT_EQ(r.records.size(), 144u);  // a day of 10-minute bars
  for (std::size_t i = 0; i < r.records.size(); ++i) {
    const MarketRecord& c = r.records[i];
    ASSERT_EQ(c.kind, RecordKind::kCandle);
    ASSERT_EQ(c.symbol.view(), "ETHUSD");
    ASSERT_EQ(c.aux_ts_ns - c.ts_ns, 600'000'000'000);
    if (i > 0) {
      ASSERT_EQ(c.ts_ns, r.records[i - 1].aux_ts_ns);
    }
    ASSERT_GT(c.count, 0);
  }
  EXPECT_EQ(r.records.front().ts_ns, utc_ns((std::string(day) + " 00:00:00").c_str()));
  EXPECT_EQ(r.records.front().open, dec(first_open));
  const auto lowest = std::min_element(
      r.records.begin(), r.records.end(),
      [](const auto& a, const auto& b) { return to_double(a.low) < to_double(b.low); });
  EXPECT_EQ(lowest->low, dec(low));
  EXPECT_EQ(lowest->ts_ns, utc_ns((std::string(day) + " " + low_at).c_str()));
}

TEST(RealData, CoinApiCandlesShowBlackThursdayAndMay19) {
  REQUIRE_DATA_FILE(data_path("coinapi_ETHUSD_10min_2020-03-12_stablesims.json"));
  REQUIRE_DATA_FILE(data_path("coinapi_ETHUSD_10min_2021-05-19_stablesims.json"));
  // PROVENANCE.md: 195.21 -> 101.01 and 3,375.69 -> 1,862.04.
  check_coinapi("coinapi_ETHUSD_10min_2020-03-12_stablesims.json", "2020-03-12", "195.21", "101.01",
                "23:20:00");
  check_coinapi("coinapi_ETHUSD_10min_2021-05-19_stablesims.json", "2021-05-19", "3375.69",
                "1862.04", "13:10:00");
}

}  // namespace
}  // namespace backstop::marketdata
