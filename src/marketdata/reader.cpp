// MarketReader: opens the input, settles its format and columns from the first line, then hands
// each line to the format's parser (formats.hpp) and the records it produced out one at a time.
// Malformed lines are counted, described and skipped (or stop the read); nothing throws out.
#include "marketdata/reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <new>
#include <utility>

#include "marketdata/formats.hpp"
#include "marketdata/line_source.hpp"
#include "marketdata/record_checks.hpp"

namespace backstop::marketdata {

std::string_view to_string(ReadStatus status) noexcept {
  switch (status) {
    case ReadStatus::kOk:
      return "ok";
    case ReadStatus::kEnd:
      return "end";
    case ReadStatus::kOpenFailed:
      return "open failed";
    case ReadStatus::kUnknownFormat:
      return "unknown format";
    case ReadStatus::kBadHeader:
      return "bad header";
    case ReadStatus::kMalformed:
      return "malformed line";
    case ReadStatus::kIoError:
      return "I/O error";
    case ReadStatus::kOutOfMemory:
      return "out of memory";
    case ReadStatus::kNotOpen:
      return "not open";
  }
  return "?";
}

namespace {

// The columns of a CSV format (empty for the JSON formats).
std::span<const ColumnSpec> columns_of(Format f) noexcept {
  switch (f) {
    case Format::kBinanceTrades:
      return binance_trades_columns();
    case Format::kBinanceAggTrades:
      return binance_agg_trades_columns();
    case Format::kBinanceKlines:
      return binance_klines_columns();
    case Format::kBinanceFundingRate:
      return binance_funding_columns();
    case Format::kBinanceBookDepth:
      return binance_book_depth_columns();
    case Format::kBinanceCaptureTrades:
      return binance_capture_trades_columns();
    case Format::kTardisTrades:
    case Format::kTardisLiquidations:
      return tardis_trades_columns();
    case Format::kTardisDerivativeTicker:
      return tardis_derivative_ticker_columns();
    case Format::kBitmexLiquidations:
      return bitmex_liquidations_columns();
    default:
      return {};
  }
}

// One CSV line through its format's parser.
bool parse_csv_line(Format f, LineParser& p, std::string_view line) noexcept {
  if (!p.split(line)) return false;
  switch (f) {
    case Format::kBinanceTrades:
    case Format::kBinanceAggTrades:
      return parse_binance_trade(p);
    case Format::kBinanceKlines:
      return parse_binance_kline(p);
    case Format::kBinanceFundingRate:
      return parse_binance_funding(p);
    case Format::kBinanceBookDepth:
      return parse_binance_book_depth(p);
    case Format::kBinanceCaptureTrades:
      return parse_binance_capture_trade(p);
    case Format::kTardisTrades:
      return parse_tardis_trade(p, RecordKind::kTrade);
    case Format::kTardisLiquidations:
      return parse_tardis_trade(p, RecordKind::kLiquidation);
    case Format::kTardisDerivativeTicker:
      return parse_tardis_derivative_ticker(p);
    case Format::kBitmexLiquidations:
      return parse_bitmex_liquidation(p);
    default:
      return p.reject("format has no CSV parser");
  }
}

}  // namespace

struct MarketReader::Impl {
  LineSource source;
  ReaderOptions options;
  ReadStats stats;
  std::string error;
  Format format = Format::kAuto;
  ReadStatus final_status = ReadStatus::kOk;  // sticky once not kOk
  bool open = false;

  // The first line, read at open for detection and not yet consumed.
  std::string_view pending_line;
  bool has_pending = false;

  LineParser parser;
  PriceReference reference;  // the file's recent prices, for the plausibility rule
  CoinApiObjects coinapi;    // the CoinAPI format's objects, assembled across lines

  std::uint64_t next_progress = 0;

  ReadStatus fail(ReadStatus status, std::string message) {
    final_status = status;
    error = std::move(message);
    return status;
  }

  std::string where(std::string_view what) const {
    return fmt::format("{}:{}: {}", source.name(), source.line_number(), what);
  }

  ReadStatus start(ReaderOptions opts) {
    options = std::move(opts);
    stats = ReadStats{};
    error.clear();
    final_status = ReadStatus::kOk;
    parser.batch_size = parser.batch_pos = 0;
    coinapi.reset();
    reference.reset();
    next_progress = options.progress_interval_bytes;
    parser.default_symbol =
        Symbol::from(options.default_symbol.empty() ? symbol_from_file_name(source.name())
                                                    : std::string_view(options.default_symbol));
    parser.series = series_from_file_name(source.name());
    format = options.format;
    open = true;
    const ReadStatus first = read_first_line();
    if (first != ReadStatus::kOk || !has_pending) return first;
    if (format == Format::kAuto) format = detect_format(source.name(), pending_line);
    if (format == Format::kAuto) {
      return fail(ReadStatus::kUnknownFormat,
                  where("cannot tell the format from the file name or the first line"));
    }
    return map_columns();
  }

  // The first non-blank line, which settles the format and tells whether there is a header; an
  // empty input opens with no pending line.
  ReadStatus read_first_line() {
    has_pending = false;
    for (;;) {
      std::string_view line;
      const LineStatus ls = source.next_line(line);
      if (ls == LineStatus::kError) return fail(ReadStatus::kIoError, where(source.error()));
      if (ls == LineStatus::kEnd) return ReadStatus::kOk;  // empty input: no records
      ++stats.lines;
      if (source.line_number() == 1) line = strip_bom(line);
      if (trim(line).empty()) continue;
      pending_line = line;
      has_pending = true;
      return ReadStatus::kOk;
    }
  }

  // A CSV format's columns: from the header when the first line is one (then it is consumed),
  // else the format's default positions.
  ReadStatus map_columns() {
    const std::span<const ColumnSpec> specs = columns_of(format);
    if (specs.empty()) return ReadStatus::kOk;  // JSON formats
    parser.field_count = split_csv(pending_line, parser.fields.data(), parser.fields.size());
    const std::size_t seen = std::min(parser.field_count, parser.fields.size());
    bool header = false;
    for (const ColumnSpec& spec : specs) {
      for (std::string_view n : spec.names) {
        if (!n.empty() && seen > 0 && trim(parser.fields[0]) == n) header = true;
      }
    }
    if (!header) {
      parser.map_default_columns(format == Format::kBinanceFundingRate
                                     ? binance_funding_headerless_columns(parser)
                                     : specs);
      return ReadStatus::kOk;
    }
    ++stats.header_lines;
    has_pending = false;
    if (const ColumnSpec* missing = parser.map_columns_from_header(specs, seen)) {
      return fail(ReadStatus::kBadHeader, where(fmt::format("header lacks column '{}' needed by {}",
                                                            missing->names[0], to_string(format))));
    }
    return ReadStatus::kOk;
  }

  void report_progress(bool final_call) {
    if (!options.progress) return;
    const std::uint64_t done = source.bytes_consumed();
    if (!final_call && done < next_progress) return;
    next_progress = done + std::max<std::uint64_t>(options.progress_interval_bytes, 1);
    options.progress(final_call && source.total_bytes() != 0 ? source.total_bytes() : done,
                     source.total_bytes());
  }

  // Records a malformed line; false when the read must stop.
  bool malformed_line(std::uint64_t line_number) {
    ++stats.malformed;
    parser.batch_size = parser.batch_pos = 0;
    const bool keep = stats.messages.size() < options.max_messages;
    if (!keep && !options.fatal_malformed) {
      // Past the cap a bad line is only counted: a file of garbage costs no allocation per line.
      ++stats.messages_dropped;
      return true;
    }
    std::string message = fmt::format("{}:{}: {}", source.name(), line_number,
                                      parser.reason != nullptr ? parser.reason : "malformed");
    if (!parser.bad_field.empty() && parser.bad_text.empty()) {
      message += fmt::format(" in '{}'", parser.bad_field);
    } else if (!parser.bad_field.empty()) {
      constexpr std::size_t kShown = 40;
      message +=
          fmt::format(" in '{}': '{}'{}", parser.bad_field, parser.bad_text.substr(0, kShown),
                      parser.bad_text.size() > kShown ? "..." : "");
    }
    if (options.fatal_malformed) fail(ReadStatus::kMalformed, message);
    if (keep) stats.messages.push_back(std::move(message));
    return !options.fatal_malformed;
  }

  // After a parser ran on a line (or object) that started at `line_number`: its records are checked
  // (record_checks.hpp); a parse that yields no record is well-formed input we do not read. False
  // when the read must stop.
  bool parsed(bool ok, std::uint64_t line_number) {
    if (!ok || !check_records(parser, reference)) return malformed_line(line_number);
    if (parser.batch_size == 0) ++stats.skipped;
    return true;
  }

  // The next CoinAPI object of the fed line through the parser; false when the read must stop.
  bool next_coinapi_object() {
    bool bad = false;
    if (coinapi.next_object(parser, source.line_number(), bad)) {
      return parsed(parse_coinapi_candle(parser, coinapi.object()), coinapi.start_line());
    }
    return !bad || malformed_line(source.line_number());
  }

  // The next line into `line`: the pending first line, else one from the source. kEnd at the end
  // of the input (after an unterminated CoinAPI object is reported), or the failing status.
  ReadStatus next_line(std::string_view& line) {
    if (has_pending) {
      line = pending_line;
      has_pending = false;
      return ReadStatus::kOk;
    }
    const LineStatus ls = source.next_line(line);
    if (ls == LineStatus::kError) return fail(ReadStatus::kIoError, where(source.error()));
    if (ls == LineStatus::kEnd) {
      if (format == Format::kCoinApiCandles && coinapi.take_unterminated()) {
        parser.reason = "unterminated JSON object at end of file";
        if (!malformed_line(coinapi.start_line())) return final_status;
      }
      report_progress(true);
      final_status = ReadStatus::kEnd;
      return ReadStatus::kEnd;
    }
    ++stats.lines;
    if ((stats.lines & 1023) == 0) report_progress(false);
    return ReadStatus::kOk;
  }

  ReadStatus next(MarketRecord& out) {
    if (!open) return ReadStatus::kNotOpen;
    for (;;) {
      if (parser.batch_pos < parser.batch_size) {
        out = parser.batch[parser.batch_pos++];
        ++stats.records;
        return ReadStatus::kOk;
      }
      if (final_status != ReadStatus::kOk) return final_status;
      parser.start_line();
      if (format == Format::kCoinApiCandles && coinapi.active()) {
        if (!next_coinapi_object()) return final_status;
        continue;
      }
      std::string_view line;
      const ReadStatus status = next_line(line);
      if (status != ReadStatus::kOk) return status;
      if (format == Format::kCoinApiCandles) {
        coinapi.feed(line);
        continue;
      }
      if (trim(line).empty()) continue;
      const bool ok = format == Format::kBinanceStream ? parse_binance_stream_line(parser, line)
                                                       : parse_csv_line(format, parser, line);
      if (!parsed(ok, source.line_number())) return final_status;
    }
  }
};

MarketReader::MarketReader() = default;
MarketReader::~MarketReader() = default;
MarketReader::MarketReader(MarketReader&&) noexcept = default;
MarketReader& MarketReader::operator=(MarketReader&&) noexcept = default;

ReadStatus MarketReader::try_open(const std::string& path, ReaderOptions options) {
  try {
    impl_ = std::make_unique<Impl>();
    if (!impl_->source.try_open_file(path)) {
      impl_->open = false;
      impl_->error = fmt::format("{}: cannot open: {}", path, impl_->source.error());
      impl_->final_status = ReadStatus::kOpenFailed;
      return ReadStatus::kOpenFailed;
    }
    return impl_->start(std::move(options));
  } catch (const std::bad_alloc&) {
    return ReadStatus::kOutOfMemory;
  } catch (...) {
    return ReadStatus::kIoError;
  }
}

ReadStatus MarketReader::try_open_memory(std::string_view name, std::string_view contents,
                                         ReaderOptions options) {
  try {
    impl_ = std::make_unique<Impl>();
    impl_->source.open_memory(name, contents);
    return impl_->start(std::move(options));
  } catch (const std::bad_alloc&) {
    return ReadStatus::kOutOfMemory;
  } catch (...) {
    return ReadStatus::kIoError;
  }
}

ReadStatus MarketReader::next(MarketRecord& out) {
  if (!impl_) return ReadStatus::kNotOpen;
  try {
    return impl_->next(out);
  } catch (const std::bad_alloc&) {
    impl_->final_status = ReadStatus::kOutOfMemory;
    return ReadStatus::kOutOfMemory;
  } catch (...) {
    impl_->final_status = ReadStatus::kIoError;
    return ReadStatus::kIoError;
  }
}

Format MarketReader::format() const noexcept {
  return impl_ ? impl_->format : Format::kAuto;
}

const ReadStats& MarketReader::stats() const noexcept {
  static const ReadStats kEmpty;
  return impl_ ? impl_->stats : kEmpty;
}

const std::string& MarketReader::error() const noexcept {
  static const std::string kNone;
  return impl_ ? impl_->error : kNone;
}

}  // namespace backstop::marketdata
