// Market-data readers: open a file (plain or gzip) or a memory buffer in one of the formats users
// already have (Binance public data and websocket captures, Tardis/BitMEX CSV, CoinAPI JSON),
// detect the format from the header line and the file name unless told, and pull neutral
// MarketRecords one at a time. Malformed lines are counted and reported with file and line number,
// then skipped, or stop the read when ReaderOptions::fatal_malformed is set. Nothing throws out of
// this API (allocation failure included): every outcome is a ReadStatus. Each format's parser is a
// file of its own behind this one interface (formats.hpp).
//
// Usage:
//   MarketReader reader;
//   if (reader.try_open(path) != ReadStatus::kOk) { report(reader.error()); return; }
//   MarketRecord r;
//   ReadStatus s;
//   while ((s = reader.next(r)) == ReadStatus::kOk) { ... }
//   if (s != ReadStatus::kEnd) report(reader.error());
//   reader.stats().malformed, reader.stats().messages ...
//
// Owned by one thread (the one that reads). Cost: per record one pass over its line with no
// heap allocation (fields are string_views into the line buffer; numbers go through
// try_parse_decimal and std::from_chars); one block read per 256 KiB of input.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "marketdata/market_record.hpp"

namespace backstop::marketdata {

enum class Format : std::uint8_t {
  kAuto = 0,  // detect from the first line and the file name
  // Binance public data (data.binance.vision), header optional:
  kBinanceTrades = 1,       // id,price,qty,quote_qty,time,is_buyer_maker[,is_best_match]
  kBinanceAggTrades = 2,    // agg_trade_id,price,quantity,first_trade_id,last_trade_id,
                            // transact_time,is_buyer_maker[,is_best_match]
  kBinanceKlines = 3,       // open_time,open,high,low,close,volume,close_time,quote_volume,count,
                            // ... (klines, markPriceKlines, indexPriceKlines, priceKline)
  kBinanceFundingRate = 4,  // calc_time,funding_interval_hours,last_funding_rate, or the older
                            // funding_time,symbol,funding_rate
  kBinanceBookDepth = 5,    // timestamp,percentage,depth,notional[,weighted_avg_price]
  // CSV extracted from Binance websocket captures (shared/data): local_ts_ns,event_time_ms,
  // trade_time_ms,trade_id,price,qty|qty_contracts,taker_side
  kBinanceCaptureTrades = 6,
  // A websocket capture: per line a local receive time in ns, a space, then a combined-stream
  // message {"stream":..,"data":{..}} (or a bare event object). Reads trade, aggTrade,
  // markPriceUpdate and forceOrder events; bookTicker, depthUpdate, REST book snapshots
  // ({"lastUpdateId":..}) and other events are counted in ReadStats::skipped and produce no
  // record (book messages are skipped by stream name, before their payload is scanned).
  kBinanceStream = 7,
  // Tardis.dev normalized CSV (header required by Tardis, optional here). A derivative_ticker
  // line yields one record per non-empty field, in this order: FundingRate (aux_ts_ns = the
  // funding_timestamp it applies at), OpenInterest, IndexPrice, MarkPrice; last_price and
  // predicted_funding_rate are not read. Consumers dedupe repeated values if they care.
  kTardisTrades = 8,             // exchange,symbol,timestamp,local_timestamp,id,side,price,amount
  kTardisLiquidations = 9,       // same columns, one liquidation per line
  kTardisDerivativeTicker = 10,  // exchange,symbol,timestamp,local_timestamp,funding_timestamp,
                                 // funding_rate,predicted_funding_rate,open_interest,last_price,
                                 // index_price,mark_price
  // BitMEX liquidation-table dump: timestamp_ms,timestamp_iso,symbol,side,price,leavesQty,orderID
  kBitmexLiquidations = 11,
  // CoinAPI OHLCV JSON: an array of candle objects (pretty-printed over many lines, or JSON lines)
  // with time_period_start/_end, price_open/_high/_low/_close, volume_traded, trades_count.
  kCoinApiCandles = 12,
};

std::string_view to_string(Format format) noexcept;
// Accepts the names to_string produces ("binance-trades", "tardis-trades", ...), for a CLI flag.
[[nodiscard]] bool try_parse_format(std::string_view name, Format& out) noexcept;
// Decides the format from the file name (any path) and the file's first non-blank line; kAuto
// when neither says. A header line decides first; without one, the shape of the data line (column
// count, which columns are numbers, booleans, buy/sell or a date-time), helped by file-name words
// (aggTrades, bookDepth, fundingRate, liquidation) where shapes collide.
[[nodiscard]] Format detect_format(std::string_view path, std::string_view first_line) noexcept;
// The instrument named in a file name, e.g. "BTCUSD_PERP" in
// "binance_cm_BTCUSD_PERP_markPrice_1m_2025-10-10.csv"; empty when none is found.
[[nodiscard]] std::string_view symbol_from_file_name(std::string_view path) noexcept;

enum class ReadStatus : std::uint8_t {
  kOk = 0,             // opened, or a record was produced
  kEnd = 1,            // no more records
  kOpenFailed = 2,     // the file cannot be opened
  kUnknownFormat = 3,  // kAuto and the format cannot be detected
  kBadHeader = 4,      // the header lacks a column the format needs
  kMalformed = 5,      // a malformed line with fatal_malformed set
  kIoError = 6,        // read or decompression error (e.g. truncated gzip)
  kOutOfMemory = 7,
  kNotOpen = 8,
};

std::string_view to_string(ReadStatus status) noexcept;

struct ReadStats {
  std::uint64_t lines = 0;         // physical lines read, blank and header lines included
  std::uint64_t header_lines = 0;  // header lines recognised and not parsed as data
  std::uint64_t records = 0;       // records returned by next()
  std::uint64_t malformed = 0;     // lines (or JSON objects) rejected as malformed
  std::uint64_t skipped = 0;       // well-formed input that maps to no record (bookTicker, depth)
  // "file:line: reason" for the first ReaderOptions::max_messages malformed lines.
  std::vector<std::string> messages;
  std::uint64_t messages_dropped = 0;  // malformed lines beyond max_messages
};

// Called with the input bytes consumed so far (compressed bytes for gzip) and the input's size
// (0 when unknown), about every progress_interval_bytes and once at the end. The library draws
// nothing; the CLI decides whether and how to show it.
using ProgressFn = std::function<void(std::uint64_t bytes_done, std::uint64_t bytes_total)>;

struct ReaderOptions {
  Format format = Format::kAuto;
  bool fatal_malformed = false;  // stop at the first malformed line with ReadStatus::kMalformed
  std::size_t max_messages = 20;
  // Instrument for files that carry none (Binance public data); when empty, it is taken from
  // the file name. Files with a symbol column or field always use it.
  std::string default_symbol;
  ProgressFn progress;
  std::uint64_t progress_interval_bytes = 1 << 20;
};

class MarketReader {
 public:
  MarketReader();
  ~MarketReader();
  MarketReader(MarketReader&&) noexcept;
  MarketReader& operator=(MarketReader&&) noexcept;
  MarketReader(const MarketReader&) = delete;
  MarketReader& operator=(const MarketReader&) = delete;

  // Opens the file, reads its first line and settles the format. An empty or header-only file
  // opens fine and yields no records.
  [[nodiscard]] ReadStatus try_open(const std::string& path, ReaderOptions options = {});
  // The same over `contents`, which must outlive the reader; `name` stands in for the file name
  // in detection and messages.
  [[nodiscard]] ReadStatus try_open_memory(std::string_view name, std::string_view contents,
                                           ReaderOptions options = {});

  // kOk with `out` set, kEnd after the last record, or an error status (then error() says what;
  // every later call returns the same status). Precondition: try_open returned kOk.
  [[nodiscard]] ReadStatus next(MarketRecord& out);

  Format format() const noexcept;
  const ReadStats& stats() const noexcept;
  // "file:line: reason" for the last failure, "" when none.
  const std::string& error() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads a whole file, calling visit(const MarketRecord&) for each record. Returns kEnd when the
// file was read to the end (malformed lines skipped unless fatal), else the failing status.
template <class Visitor>
[[nodiscard]] ReadStatus try_read_file(const std::string& path, const ReaderOptions& options,
                                       Visitor&& visit, ReadStats* stats = nullptr) {
  MarketReader reader;
  ReadStatus status = reader.try_open(path, options);
  if (status == ReadStatus::kOk) {
    MarketRecord record;
    while ((status = reader.next(record)) == ReadStatus::kOk)
      visit(record);
  }
  if (stats != nullptr) *stats = reader.stats();
  return status;
}

}  // namespace backstop::marketdata
