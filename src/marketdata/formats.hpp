// The per-format parsers MarketReader (reader.hpp) dispatches to, one file each, named after the
// format. A CSV format gives its columns (header spellings, positions without a header) and parses
// the fields LineParser split; the JSON formats parse a line (Binance stream) or an object
// assembled over lines (CoinAPI) themselves. Every parser writes its records into the LineParser
// and returns true, or rejects the line with a reason and returns false; a line that parses and
// yields no record is counted as skipped by the reader. One thread (the reader's); no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "marketdata/line_parser.hpp"

namespace backstop::marketdata {

// Binance public data: trades and aggTrades (binance_trades.cpp).
std::span<const ColumnSpec> binance_trades_columns() noexcept;
std::span<const ColumnSpec> binance_agg_trades_columns() noexcept;
bool parse_binance_trade(LineParser& p) noexcept;

// Binance klines of any series (binance_klines.cpp); the file name tells the series.
std::span<const ColumnSpec> binance_klines_columns() noexcept;
CandleSeries series_from_file_name(std::string_view path) noexcept;
bool parse_binance_kline(LineParser& p) noexcept;

// Binance funding rates (binance_funding.cpp). Without a header, the first line's fields tell the
// older funding_time,symbol,funding_rate layout from the current one.
std::span<const ColumnSpec> binance_funding_columns() noexcept;
std::span<const ColumnSpec> binance_funding_headerless_columns(const LineParser& first) noexcept;
bool parse_binance_funding(LineParser& p) noexcept;

// Binance bookDepth snapshots, one band per line (binance_book_depth.cpp).
std::span<const ColumnSpec> binance_book_depth_columns() noexcept;
bool parse_binance_book_depth(LineParser& p) noexcept;

// Trades extracted from Binance websocket captures (binance_capture_trades.cpp).
std::span<const ColumnSpec> binance_capture_trades_columns() noexcept;
bool parse_binance_capture_trade(LineParser& p) noexcept;

// A Binance websocket capture line: local time, then a stream message (binance_stream.cpp).
bool parse_binance_stream_line(LineParser& p, std::string_view line) noexcept;

// Tardis.dev trades and liquidations, one record a line (tardis_trades.cpp); `kind` says which.
std::span<const ColumnSpec> tardis_trades_columns() noexcept;
bool parse_tardis_trade(LineParser& p, RecordKind kind) noexcept;

// Tardis.dev derivative_ticker: up to four records a line (tardis_derivative_ticker.cpp).
std::span<const ColumnSpec> tardis_derivative_ticker_columns() noexcept;
bool parse_tardis_derivative_ticker(LineParser& p) noexcept;

// BitMEX liquidation-table dumps (bitmex_liquidations.cpp).
std::span<const ColumnSpec> bitmex_liquidations_columns() noexcept;
bool parse_bitmex_liquidation(LineParser& p) noexcept;

// CoinAPI OHLCV JSON (coinapi_candles.cpp): candle objects, pretty-printed over many lines or one
// a line, inside an array or not. CoinApiObjects cuts the text into objects as lines come;
// parse_coinapi_candle reads one.
class CoinApiObjects {
 public:
  void reset() noexcept;
  // Starts consuming `line` (which must outlive the calls that follow).
  void feed(std::string_view line) noexcept {
    line_ = line;
    pos_ = 0;
    active_ = true;
  }
  // Whether some of the fed line is left to consume.
  [[nodiscard]] bool active() const noexcept { return active_; }
  // Consumes the fed line until one object completes (true: object() holds it, started on line
  // start_line()) or the line ends (false, and active() becomes false). Text outside an object
  // that is not array punctuation rejects the rest of the line: `malformed` is set and `p` says
  // why.
  [[nodiscard]] bool next_object(LineParser& p, std::uint64_t line_number, bool& malformed);
  // An object was open when the input ended; clears it.
  [[nodiscard]] bool take_unterminated() noexcept;
  [[nodiscard]] std::string_view object() const noexcept { return object_; }
  [[nodiscard]] std::uint64_t start_line() const noexcept { return start_line_; }

 private:
  std::string_view line_;
  std::size_t pos_ = 0;
  bool active_ = false;
  std::string object_;  // assembled across lines; its capacity is reused
  int depth_ = 0;
  bool in_string_ = false;
  bool escape_ = false;
  std::uint64_t start_line_ = 0;
};
bool parse_coinapi_candle(LineParser& p, std::string_view object) noexcept;

}  // namespace backstop::marketdata
