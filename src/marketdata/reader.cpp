#include "marketdata/reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <new>
#include <span>
#include <utility>

#include "marketdata/json_scan.hpp"
#include "marketdata/line_source.hpp"
#include "marketdata/text_fields.hpp"

namespace backstop::marketdata {

std::string_view to_string(RecordKind kind) noexcept {
  switch (kind) {
    case RecordKind::kTrade:
      return "trade";
    case RecordKind::kMarkPrice:
      return "mark";
    case RecordKind::kIndexPrice:
      return "index";
    case RecordKind::kFundingRate:
      return "funding";
    case RecordKind::kOpenInterest:
      return "open-interest";
    case RecordKind::kLiquidation:
      return "liquidation";
    case RecordKind::kCandle:
      return "candle";
    case RecordKind::kDepth:
      return "depth";
  }
  return "?";
}

std::string_view to_string(MarketSide side) noexcept {
  switch (side) {
    case MarketSide::kUnknown:
      return "unknown";
    case MarketSide::kBuy:
      return "buy";
    case MarketSide::kSell:
      return "sell";
  }
  return "?";
}

namespace {

constexpr std::array<std::pair<Format, std::string_view>, 13> kFormatNames = {{
    {Format::kAuto, "auto"},
    {Format::kBinanceTrades, "binance-trades"},
    {Format::kBinanceAggTrades, "binance-aggtrades"},
    {Format::kBinanceKlines, "binance-klines"},
    {Format::kBinanceFundingRate, "binance-funding"},
    {Format::kBinanceBookDepth, "binance-bookdepth"},
    {Format::kBinanceCaptureTrades, "binance-capture-trades"},
    {Format::kBinanceStream, "binance-stream"},
    {Format::kTardisTrades, "tardis-trades"},
    {Format::kTardisLiquidations, "tardis-liquidations"},
    {Format::kTardisDerivativeTicker, "tardis-derivative-ticker"},
    {Format::kBitmexLiquidations, "bitmex-liquidations"},
    {Format::kCoinApiCandles, "coinapi-candles"},
}};

}  // namespace

std::string_view to_string(Format format) noexcept {
  for (const auto& [f, name] : kFormatNames) {
    if (f == format) return name;
  }
  return "?";
}

bool try_parse_format(std::string_view name, Format& out) noexcept {
  for (const auto& [f, n] : kFormatNames) {
    if (iequals(n, name)) {
      out = f;
      return true;
    }
  }
  return false;
}

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

std::string_view base_name(std::string_view path) noexcept {
  const std::size_t slash = path.find_last_of('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool contains(std::string_view hay, std::string_view needle) noexcept {
  return hay.find(needle) != std::string_view::npos;
}

bool starts_with_ci(std::string_view text, std::string_view prefix) noexcept {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

std::string_view strip_bom(std::string_view s) noexcept {
  if (s.starts_with("\xEF\xBB\xBF")) s.remove_prefix(3);
  return s;
}

bool is_alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

bool is_number(std::string_view s) noexcept {
  Decimal d;
  return try_parse_decimal(s, d) == DecimalError::kOk;
}

bool is_bool_word(std::string_view s) noexcept {
  return iequals(s, "true") || iequals(s, "false");
}
bool is_side_word(std::string_view s) noexcept {
  return iequals(s, "buy") || iequals(s, "sell");
}

}  // namespace

std::string_view symbol_from_file_name(std::string_view path) noexcept {
  const std::string_view name = base_name(path);
  // Tokens split at '_', '-', '.', ' '; the symbol is the first all-capital token of 5+
  // characters with a letter, joined with a following PERP or delivery date (BTCUSD_250328).
  std::size_t pos = 0;
  auto next_token = [&](std::size_t& start) -> std::string_view {
    while (pos < name.size() &&
           (name[pos] == '_' || name[pos] == '-' || name[pos] == '.' || name[pos] == ' ')) {
      ++pos;
    }
    start = pos;
    while (pos < name.size() && name[pos] != '_' && name[pos] != '-' && name[pos] != '.' &&
           name[pos] != ' ') {
      ++pos;
    }
    return name.substr(start, pos - start);
  };
  for (;;) {
    std::size_t start = 0;
    const std::string_view token = next_token(start);
    if (token.empty()) return {};
    const bool upper = std::all_of(token.begin(), token.end(),
                                   [](char c) { return (c >= 'A' && c <= 'Z') || is_digit(c); });
    const bool has_letter = std::any_of(token.begin(), token.end(), is_alpha);
    if (token.size() >= 5 && upper && has_letter) {
      const std::size_t save = pos;
      std::size_t next_start = 0;
      const std::string_view suffix = next_token(next_start);
      const bool delivery =
          suffix.size() == 6 && std::all_of(suffix.begin(), suffix.end(), is_digit);
      if (next_start == start + token.size() + 1 && name[start + token.size()] == '_' &&
          (suffix == "PERP" || delivery)) {
        return name.substr(start, token.size() + 1 + suffix.size());
      }
      pos = save;
      return token;
    }
  }
}

Format detect_format(std::string_view path, std::string_view first_line) noexcept {
  const std::string_view name = base_name(path);
  const std::string_view line = trim(strip_bom(first_line));
  if (line.empty()) return Format::kAuto;
  if (line.front() == '[') return Format::kCoinApiCandles;
  if (line.front() == '{') {
    return contains(line, "time_period_start") || !contains(line, "\"e\"") ? Format::kCoinApiCandles
                                                                           : Format::kBinanceStream;
  }
  {
    std::size_t i = 0;
    while (i < line.size() && is_digit(line[i]))
      ++i;
    if (i > 0 && i + 1 < line.size() && line[i] == ' ' && line[i + 1] == '{')
      return Format::kBinanceStream;
  }
  const bool liquidation_name = contains(name, "liquidation");
  // Header lines.
  if (starts_with_ci(line, "exchange,symbol,timestamp,local_timestamp,")) {
    if (contains(line, "mark_price") || contains(line, "funding_rate"))
      return Format::kTardisDerivativeTicker;
    return liquidation_name ? Format::kTardisLiquidations : Format::kTardisTrades;
  }
  if (starts_with_ci(line, "local_ts_ns,")) return Format::kBinanceCaptureTrades;
  if (starts_with_ci(line, "open_time,")) return Format::kBinanceKlines;
  if (starts_with_ci(line, "agg_trade_id,")) return Format::kBinanceAggTrades;
  if (starts_with_ci(line, "id,price,")) return Format::kBinanceTrades;
  if (starts_with_ci(line, "calc_time,") || starts_with_ci(line, "funding_time,")) {
    return Format::kBinanceFundingRate;
  }
  if (starts_with_ci(line, "timestamp,percentage,")) return Format::kBinanceBookDepth;
  if (starts_with_ci(line, "timestamp_ms,") && contains(line, "leavesQty"))
    return Format::kBitmexLiquidations;
  // Headerless: the shape of the first data line, helped by words in the file name.
  std::array<std::string_view, 16> f{};
  const std::size_t n = split_csv(line, f.data(), f.size());
  const bool first_alpha = n > 0 && !f[0].empty() && is_alpha(f[0][0]);
  if (first_alpha && n == 11) return Format::kTardisDerivativeTicker;
  if (first_alpha && n == 8)
    return liquidation_name ? Format::kTardisLiquidations : Format::kTardisTrades;
  if (n == 7 && is_number(f[0]) && f[0].size() >= 19 && is_side_word(f[6])) {
    return Format::kBinanceCaptureTrades;
  }
  if (n == 7 && is_number(f[0]) && is_side_word(f[3]) && liquidation_name)
    return Format::kBitmexLiquidations;
  std::int64_t ignored_ns = 0;
  if (contains(name, "bookDepth") || (n >= 4 && n <= 5 && parse_utc_datetime(f[0], ignored_ns))) {
    return Format::kBinanceBookDepth;
  }
  if (contains(name, "fundingRate") || n == 3) return Format::kBinanceFundingRate;
  if (contains(name, "aggTrades") || (n >= 7 && is_bool_word(f[6]) && !is_bool_word(f[5]))) {
    return Format::kBinanceAggTrades;
  }
  if ((n == 6 || n == 7) && is_bool_word(f[5])) return Format::kBinanceTrades;
  if (n >= 9 && std::all_of(f.begin(), f.begin() + 9, is_number)) return Format::kBinanceKlines;
  return Format::kAuto;
}

namespace {

// Logical columns of the CSV formats; Impl::column says where each sits in a line (from the
// header when there is one, else the format's default positions).
enum class Col : std::uint8_t {
  kExchange,
  kSymbol,
  kTime,
  kTime2,
  kLocalTime,
  kId,
  kPrice,
  kQty,
  kQuoteQty,
  kBuyerMaker,
  kSide,
  kOpen,
  kHigh,
  kLow,
  kClose,
  kVolume,
  kQuoteVolume,
  kCount,
  kPercentage,
  kDepth,
  kNotional,
  kWap,
  kFundingRate,
  kFundingInterval,
  kOpenInterest,
  kIndexPrice,
  kMarkPrice,
  kColCount,
};

struct ColumnSpec {
  Col col;
  std::int8_t default_index;  // position when the file has no header
  bool required;
  std::array<std::string_view, 3> names;  // header spellings
};

constexpr std::size_t kMaxFields = 24;

constexpr ColumnSpec kBinanceTradesCols[] = {
    {Col::kId, 0, true, {"id"}},
    {Col::kPrice, 1, true, {"price"}},
    {Col::kQty, 2, true, {"qty", "quantity"}},
    {Col::kQuoteQty, 3, false, {"quote_qty", "quoteQty"}},
    {Col::kTime, 4, true, {"time"}},
    {Col::kBuyerMaker, 5, true, {"is_buyer_maker", "isBuyerMaker"}},
};
constexpr ColumnSpec kBinanceAggTradesCols[] = {
    {Col::kId, 0, true, {"agg_trade_id", "a"}},
    {Col::kPrice, 1, true, {"price", "p"}},
    {Col::kQty, 2, true, {"quantity", "qty", "q"}},
    {Col::kTime, 5, true, {"transact_time", "time", "T"}},
    {Col::kBuyerMaker, 6, true, {"is_buyer_maker", "m"}},
};
constexpr ColumnSpec kBinanceKlinesCols[] = {
    {Col::kTime, 0, true, {"open_time"}},
    {Col::kOpen, 1, true, {"open"}},
    {Col::kHigh, 2, true, {"high"}},
    {Col::kLow, 3, true, {"low"}},
    {Col::kClose, 4, true, {"close"}},
    {Col::kVolume, 5, false, {"volume"}},
    {Col::kTime2, 6, false, {"close_time"}},
    {Col::kQuoteVolume, 7, false, {"quote_volume", "quote_asset_volume"}},
    {Col::kCount, 8, false, {"count", "number_of_trades"}},
};
constexpr ColumnSpec kBinanceFundingCols[] = {
    {Col::kTime, 0, true, {"calc_time", "funding_time", "fundingTime"}},
    {Col::kFundingInterval, 1, false, {"funding_interval_hours"}},
    {Col::kSymbol, -1, false, {"symbol"}},
    {Col::kFundingRate, 2, true, {"last_funding_rate", "funding_rate", "fundingRate"}},
};
// The older layout funding_time,symbol,funding_rate when it comes without a header.
constexpr ColumnSpec kBinanceFundingOldCols[] = {
    {Col::kTime, 0, true, {"funding_time"}},
    {Col::kSymbol, 1, false, {"symbol"}},
    {Col::kFundingRate, 2, true, {"funding_rate"}},
};
constexpr ColumnSpec kBinanceBookDepthCols[] = {
    {Col::kTime, 0, true, {"timestamp"}},
    {Col::kPercentage, 1, true, {"percentage"}},
    {Col::kDepth, 2, true, {"depth"}},
    {Col::kNotional, 3, true, {"notional"}},
    {Col::kWap, 4, false, {"weighted_avg_price"}},
};
constexpr ColumnSpec kCaptureTradesCols[] = {
    {Col::kLocalTime, 0, false, {"local_ts_ns"}},
    {Col::kTime2, 1, false, {"event_time_ms"}},
    {Col::kTime, 2, true, {"trade_time_ms"}},
    {Col::kId, 3, true, {"trade_id"}},
    {Col::kPrice, 4, true, {"price"}},
    {Col::kQty, 5, true, {"qty", "qty_contracts"}},
    {Col::kSide, 6, true, {"taker_side"}},
};
constexpr ColumnSpec kTardisTradesCols[] = {
    {Col::kExchange, 0, false, {"exchange"}},
    {Col::kSymbol, 1, true, {"symbol"}},
    {Col::kTime, 2, true, {"timestamp"}},
    {Col::kLocalTime, 3, false, {"local_timestamp"}},
    {Col::kId, 4, false, {"id"}},
    {Col::kSide, 5, true, {"side"}},
    {Col::kPrice, 6, true, {"price"}},
    {Col::kQty, 7, true, {"amount"}},
};
constexpr ColumnSpec kTardisTickerCols[] = {
    {Col::kExchange, 0, false, {"exchange"}},
    {Col::kSymbol, 1, true, {"symbol"}},
    {Col::kTime, 2, true, {"timestamp"}},
    {Col::kLocalTime, 3, false, {"local_timestamp"}},
    {Col::kTime2, 4, false, {"funding_timestamp"}},
    {Col::kFundingRate, 5, false, {"funding_rate"}},
    {Col::kOpenInterest, 7, false, {"open_interest"}},
    {Col::kIndexPrice, 9, false, {"index_price"}},
    {Col::kMarkPrice, 10, false, {"mark_price"}},
};
constexpr ColumnSpec kBitmexLiquidationCols[] = {
    {Col::kTime, 0, true, {"timestamp_ms"}},
    {Col::kSymbol, 2, true, {"symbol"}},
    {Col::kSide, 3, true, {"side"}},
    {Col::kPrice, 4, true, {"price"}},
    {Col::kQty, 5, true, {"leavesQty", "qty"}},
};

std::span<const ColumnSpec> columns_of(Format f) noexcept {
  switch (f) {
    case Format::kBinanceTrades:
      return kBinanceTradesCols;
    case Format::kBinanceAggTrades:
      return kBinanceAggTradesCols;
    case Format::kBinanceKlines:
      return kBinanceKlinesCols;
    case Format::kBinanceFundingRate:
      return kBinanceFundingCols;
    case Format::kBinanceBookDepth:
      return kBinanceBookDepthCols;
    case Format::kBinanceCaptureTrades:
      return kCaptureTradesCols;
    case Format::kTardisTrades:
    case Format::kTardisLiquidations:
      return kTardisTradesCols;
    case Format::kTardisDerivativeTicker:
      return kTardisTickerCols;
    case Format::kBitmexLiquidations:
      return kBitmexLiquidationCols;
    default:
      return {};
  }
}

CandleSeries series_from_file_name(std::string_view path) noexcept {
  const std::string_view name = base_name(path);
  if (contains(name, "markPrice")) return CandleSeries::kMark;
  if (contains(name, "indexPrice")) return CandleSeries::kIndex;
  if (contains(name, "premiumIndex")) return CandleSeries::kPremium;
  if (contains(name, "priceKline")) return CandleSeries::kUnknown;
  return CandleSeries::kTrade;
}

// Records one line can produce: a Tardis derivative_ticker line or a markPriceUpdate yields up to
// four (funding, open interest, index, mark).
constexpr std::size_t kMaxBatch = 4;

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

  std::array<std::int8_t, static_cast<std::size_t>(Col::kColCount)> column{};
  std::size_t min_fields = 0;
  std::array<std::string_view, kMaxFields> fields{};
  std::size_t field_count = 0;

  std::array<MarketRecord, kMaxBatch> batch{};
  std::size_t batch_size = 0;
  std::size_t batch_pos = 0;

  Symbol default_symbol;
  CandleSeries series = CandleSeries::kTrade;

  // Why the current line was rejected: a literal, plus the offending field's name and text.
  const char* reason = nullptr;
  std::string_view bad_field;
  std::string_view bad_text;

  // CoinAPI JSON: the current line and how far it has been consumed, the object being
  // assembled across lines (its capacity is reused) and its nesting state.
  std::string_view json_line;
  std::size_t json_pos = 0;
  bool json_line_active = false;
  std::string json_object;
  int json_depth = 0;
  bool json_in_string = false;
  bool json_escape = false;
  std::uint64_t json_start_line = 0;

  std::uint64_t next_progress = 0;

  // --- setup ---------------------------------------------------------------------------------

  ReadStatus fail(ReadStatus status, std::string message) {
    final_status = status;
    error = std::move(message);
    return status;
  }

  ReadStatus start(ReaderOptions opts) {
    options = std::move(opts);
    stats = ReadStats{};
    error.clear();
    final_status = ReadStatus::kOk;
    batch_size = batch_pos = 0;
    json_line_active = false;
    json_depth = 0;
    json_in_string = json_escape = false;
    json_object.clear();
    next_progress = options.progress_interval_bytes;
    default_symbol =
        Symbol::from(options.default_symbol.empty() ? symbol_from_file_name(source.name())
                                                    : std::string_view(options.default_symbol));
    series = series_from_file_name(source.name());
    format = options.format;
    open = true;

    // The first non-blank line settles the format and tells whether there is a header.
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
      break;
    }
    if (format == Format::kAuto) format = detect_format(source.name(), pending_line);
    if (format == Format::kAuto) {
      return fail(ReadStatus::kUnknownFormat,
                  where("cannot tell the format from the file name or the first line"));
    }
    const std::span<const ColumnSpec> specs = columns_of(format);
    if (specs.empty()) return ReadStatus::kOk;  // JSON formats
    field_count = split_csv(pending_line, fields.data(), fields.size());
    const std::size_t seen = std::min(field_count, fields.size());
    bool header = false;
    for (const ColumnSpec& spec : specs) {
      for (std::string_view n : spec.names) {
        if (!n.empty() && seen > 0 && trim(fields[0]) == n) header = true;
      }
    }
    if (header) {
      ++stats.header_lines;
      has_pending = false;
      return map_columns_from_header(specs, seen);
    }
    if (format == Format::kBinanceFundingRate && field_count >= 3 && !fields[1].empty() &&
        is_alpha(fields[1][0])) {
      map_default_columns(kBinanceFundingOldCols);
    } else {
      map_default_columns(specs);
    }
    return ReadStatus::kOk;
  }

  void map_default_columns(std::span<const ColumnSpec> specs) {
    column.fill(-1);
    min_fields = 0;
    for (const ColumnSpec& spec : specs) {
      column[static_cast<std::size_t>(spec.col)] = spec.default_index;
      if (spec.required && spec.default_index >= 0) {
        min_fields = std::max(min_fields, static_cast<std::size_t>(spec.default_index) + 1);
      }
    }
  }

  ReadStatus map_columns_from_header(std::span<const ColumnSpec> specs, std::size_t seen) {
    column.fill(-1);
    min_fields = 0;
    for (const ColumnSpec& spec : specs) {
      for (std::size_t i = 0; i < seen && column[static_cast<std::size_t>(spec.col)] < 0; ++i) {
        const std::string_view h = trim(fields[i]);
        for (std::string_view n : spec.names) {
          if (!n.empty() && h == n) {
            column[static_cast<std::size_t>(spec.col)] = static_cast<std::int8_t>(i);
            break;
          }
        }
      }
      const std::int8_t at = column[static_cast<std::size_t>(spec.col)];
      if (spec.required && at < 0) {
        return fail(ReadStatus::kBadHeader,
                    where(fmt::format("header lacks column '{}' needed by {}", spec.names[0],
                                      to_string(format))));
      }
      if (spec.required) min_fields = std::max(min_fields, static_cast<std::size_t>(at) + 1);
    }
    return ReadStatus::kOk;
  }

  std::string where(std::string_view what) const {
    return fmt::format("{}:{}: {}", source.name(), source.line_number(), what);
  }

  // --- per line ------------------------------------------------------------------------------

  std::string_view get(Col c) const noexcept {
    const std::int8_t at = column[static_cast<std::size_t>(c)];
    if (at < 0 || static_cast<std::size_t>(at) >= field_count ||
        static_cast<std::size_t>(at) >= fields.size()) {
      return {};
    }
    // Some real files pad a field with a space (Binance bookDepth 2025-10-10 line 25883).
    return trim(fields[static_cast<std::size_t>(at)]);
  }

  bool reject(const char* why, std::string_view field = {}, std::string_view text = {}) noexcept {
    reason = why;
    bad_field = field;
    bad_text = text;
    return false;
  }

  bool decimal(Col c, std::string_view label, Decimal& out, bool optional = false) noexcept {
    const std::string_view text = get(c);
    if (text.empty() && optional) {
      out = Decimal{};
      return true;
    }
    switch (try_parse_decimal(text, out)) {
      case DecimalError::kOk:
        return true;
      case DecimalError::kEmpty:
        return reject("empty number", label, text);
      case DecimalError::kOverflow:
        return reject("number out of range", label, text);
      case DecimalError::kMalformed:
        break;
    }
    return reject("not a number", label, text);
  }

  bool time(Col c, std::string_view label, std::int64_t& ns, bool optional = false) noexcept {
    const std::string_view text = get(c);
    if (text.empty() && optional) {
      ns = 0;
      return true;
    }
    if (parse_epoch_ns(text, ns) || parse_utc_datetime(text, ns)) return true;
    return reject("bad timestamp", label, text);
  }

  bool side_word(Col c, std::string_view label, MarketSide& side) noexcept {
    const std::string_view text = get(c);
    if (iequals(text, "buy")) {
      side = MarketSide::kBuy;
    } else if (iequals(text, "sell")) {
      side = MarketSide::kSell;
    } else if (iequals(text, "unknown") || text.empty()) {
      side = MarketSide::kUnknown;
    } else {
      return reject("bad side", label, text);
    }
    return true;
  }

  bool buyer_maker(MarketSide& side) noexcept {
    // The buyer was the maker, so the taker sold.
    const std::string_view text = get(Col::kBuyerMaker);
    if (iequals(text, "true")) {
      side = MarketSide::kSell;
    } else if (iequals(text, "false")) {
      side = MarketSide::kBuy;
    } else {
      return reject("bad boolean", "is_buyer_maker", text);
    }
    return true;
  }

  MarketRecord& emit(RecordKind kind) noexcept {
    MarketRecord& r = batch[batch_size++];
    r = MarketRecord{};
    r.kind = kind;
    r.symbol = default_symbol;
    return r;
  }

  void symbol_column(MarketRecord& r) const noexcept {
    const std::string_view s = get(Col::kSymbol);
    if (!s.empty()) r.symbol = Symbol::from(s);
  }

  bool parse_csv(std::string_view line) noexcept {
    field_count = split_csv(line, fields.data(), fields.size());
    if (field_count < min_fields) return reject("too few fields");
    if (field_count > fields.size()) return reject("too many fields");
    switch (format) {
      case Format::kBinanceTrades:
      case Format::kBinanceAggTrades: {
        MarketRecord& r = emit(RecordKind::kTrade);
        if (!parse_uint64(get(Col::kId), r.id)) return reject("bad trade id", "id", get(Col::kId));
        return decimal(Col::kPrice, "price", r.price) && decimal(Col::kQty, "qty", r.size) &&
               decimal(Col::kQuoteQty, "quote_qty", r.amount, true) &&
               time(Col::kTime, "time", r.ts_ns) && buyer_maker(r.side);
      }
      case Format::kBinanceKlines: {
        MarketRecord& r = emit(RecordKind::kCandle);
        r.series = series;
        if (!time(Col::kTime, "open_time", r.ts_ns) ||
            !time(Col::kTime2, "close_time", r.aux_ts_ns, true) ||
            !decimal(Col::kOpen, "open", r.open) || !decimal(Col::kHigh, "high", r.high) ||
            !decimal(Col::kLow, "low", r.low) || !decimal(Col::kClose, "close", r.price) ||
            !decimal(Col::kVolume, "volume", r.size, true) ||
            !decimal(Col::kQuoteVolume, "quote_volume", r.amount, true)) {
          return false;
        }
        const std::string_view count = get(Col::kCount);
        if (!count.empty() && !parse_int64(count, r.count))
          return reject("bad count", "count", count);
        return true;
      }
      case Format::kBinanceFundingRate: {
        MarketRecord& r = emit(RecordKind::kFundingRate);
        symbol_column(r);
        if (!time(Col::kTime, "funding_time", r.ts_ns) ||
            !decimal(Col::kFundingRate, "funding_rate", r.price)) {
          return false;
        }
        r.aux_ts_ns = r.ts_ns;  // Binance lists the rate at the funding time it settled
        const std::string_view hours = get(Col::kFundingInterval);
        if (!hours.empty() && !parse_int64(hours, r.count)) {
          return reject("bad funding interval", "funding_interval_hours", hours);
        }
        return true;
      }
      case Format::kBinanceBookDepth: {
        MarketRecord& r = emit(RecordKind::kDepth);
        return time(Col::kTime, "timestamp", r.ts_ns) &&
               decimal(Col::kPercentage, "percentage", r.band_pct) &&
               decimal(Col::kDepth, "depth", r.size) &&
               decimal(Col::kNotional, "notional", r.amount) &&
               decimal(Col::kWap, "weighted_avg_price", r.price, true);
      }
      case Format::kBinanceCaptureTrades: {
        MarketRecord& r = emit(RecordKind::kTrade);
        if (!parse_uint64(get(Col::kId), r.id))
          return reject("bad trade id", "trade_id", get(Col::kId));
        return time(Col::kTime, "trade_time_ms", r.ts_ns) &&
               time(Col::kTime2, "event_time_ms", r.aux_ts_ns, true) &&
               time(Col::kLocalTime, "local_ts_ns", r.local_ts_ns, true) &&
               decimal(Col::kPrice, "price", r.price) && decimal(Col::kQty, "qty", r.size) &&
               side_word(Col::kSide, "taker_side", r.side);
      }
      case Format::kTardisTrades:
      case Format::kTardisLiquidations: {
        MarketRecord& r =
            emit(format == Format::kTardisTrades ? RecordKind::kTrade : RecordKind::kLiquidation);
        symbol_column(r);
        // Non-numeric ids (BitMEX UUIDs) are legal and kept as 0.
        if (!parse_uint64(get(Col::kId), r.id)) r.id = 0;
        return time(Col::kTime, "timestamp", r.ts_ns) &&
               time(Col::kLocalTime, "local_timestamp", r.local_ts_ns, true) &&
               side_word(Col::kSide, "side", r.side) && decimal(Col::kPrice, "price", r.price) &&
               decimal(Col::kQty, "amount", r.size);
      }
      case Format::kTardisDerivativeTicker:
        return parse_ticker();
      case Format::kBitmexLiquidations: {
        MarketRecord& r = emit(RecordKind::kLiquidation);
        symbol_column(r);
        return time(Col::kTime, "timestamp_ms", r.ts_ns) && side_word(Col::kSide, "side", r.side) &&
               decimal(Col::kPrice, "price", r.price) && decimal(Col::kQty, "leavesQty", r.size);
      }
      default:
        return reject("format has no CSV parser");
    }
  }

  bool parse_ticker() noexcept {
    // Tardis leaves a field empty when the exchange did not send it; each non-empty one becomes
    // its own record, in this order: funding rate, open interest, index, mark.
    std::int64_t ts = 0;
    std::int64_t local = 0;
    std::int64_t funding_ts = 0;
    if (!time(Col::kTime, "timestamp", ts) ||
        !time(Col::kLocalTime, "local_timestamp", local, true) ||
        !time(Col::kTime2, "funding_timestamp", funding_ts, true)) {
      return false;
    }
    struct Item {
      Col col;
      RecordKind kind;
      std::string_view label;
    };
    static constexpr Item kItems[] = {
        {Col::kFundingRate, RecordKind::kFundingRate, "funding_rate"},
        {Col::kOpenInterest, RecordKind::kOpenInterest, "open_interest"},
        {Col::kIndexPrice, RecordKind::kIndexPrice, "index_price"},
        {Col::kMarkPrice, RecordKind::kMarkPrice, "mark_price"},
    };
    for (const Item& item : kItems) {
      if (get(item.col).empty()) continue;
      MarketRecord& r = emit(item.kind);
      symbol_column(r);
      r.ts_ns = ts;
      r.local_ts_ns = local;
      Decimal& target = item.kind == RecordKind::kOpenInterest ? r.size : r.price;
      if (!decimal(item.col, item.label, target)) return false;
      if (item.kind == RecordKind::kFundingRate) r.aux_ts_ns = funding_ts;
    }
    if (batch_size == 0) ++stats.skipped;  // a line with nothing we read
    return true;
  }

  // --- Binance websocket capture -------------------------------------------------------------

  bool json_decimal(const JsonValue& v, std::string_view label, Decimal& out) noexcept {
    // Binance sends prices as strings and some rates as numbers; both are read exactly.
    if (v.type != JsonType::kString && v.type != JsonType::kNumber)
      return reject("not a number", label, v.text);
    if (try_parse_decimal(v.text, out) != DecimalError::kOk)
      return reject("not a number", label, v.text);
    return true;
  }

  bool json_time(const JsonValue& v, std::string_view label, std::int64_t& ns) noexcept {
    if (v.type != JsonType::kNumber || !parse_epoch_ns(v.text, ns))
      return reject("bad timestamp", label, v.text);
    return true;
  }

  static bool is_book_stream_name(std::string_view name) noexcept {
    return name.ends_with("@bookTicker") || contains(name, "@depth");
  }

  // The usual shape of a capture line after its timestamp, {"stream":"<name>",...: a book stream
  // is known by its name before the JSON scanner walks the line (three of four lines of the
  // capture in ../shared/data are book streams). Any other shape goes to the scanner, which
  // skips the same lines.
  static bool is_book_stream_line(std::string_view rest) noexcept {
    constexpr std::string_view kPrefix = R"({"stream":")";
    while (!rest.empty() && rest.front() == ' ')
      rest.remove_prefix(1);
    if (!rest.starts_with(kPrefix)) return false;
    rest.remove_prefix(kPrefix.size());
    const auto* quote = static_cast<const char*>(std::memchr(rest.data(), '"', rest.size()));
    if (quote == nullptr) return false;
    const std::string_view name(rest.data(), static_cast<std::size_t>(quote - rest.data()));
    // An escape in the name: left to the scanner path.
    if (name.find('\\') != std::string_view::npos) return false;
    return is_book_stream_name(name);
  }

  bool parse_stream(std::string_view line) noexcept {
    std::int64_t local_ns = 0;
    // The capture's own timestamp, read as it is scanned: up to 19 digits fit in 64 unsigned bits.
    std::size_t i = 0;
    std::uint64_t local = 0;
    while (i < line.size() && is_digit(line[i])) {
      local = local * 10 + static_cast<std::uint64_t>(line[i] - '0');
      ++i;
    }
    if (i > 0) {
      if (i <= 19 && local <= static_cast<std::uint64_t>(INT64_MAX)) {
        local_ns = epoch_to_ns(static_cast<std::int64_t>(local));
      } else if (!parse_epoch_ns(line.substr(0, i), local_ns)) {
        return reject("bad local timestamp");
      }
      line.remove_prefix(i);
    }
    if (is_book_stream_line(line)) {
      ++stats.skipped;
      return true;
    }
    JsonObjectScanner top(line);
    std::string_view key;
    JsonValue value;
    EventFields ev;
    bool has_data = false;
    bool bare = false;
    bool snapshot = false;
    for (;;) {
      JsonStep step = top.next_key(key);
      if (step == JsonStep::kError) return reject(top.error());
      if (step == JsonStep::kEnd) break;
      if (key == "data") {
        // Read the event in place with a child scanner rather than scanning it twice.
        JsonObjectScanner child(top.pending_value_text());
        if (!top.pending_value_text().starts_with('{')) return reject("'data' is not an object");
        if (!scan_event(child, ev)) return false;
        has_data = true;
        step = top.skip_value(child.end_offset());
      } else {
        step = top.value(value);
      }
      if (step == JsonStep::kError) return reject(top.error());
      if (key == "stream") {
        // Book streams are counted and skipped before their (long) payload is scanned.
        if (is_book_stream_name(value.text)) {
          ++stats.skipped;
          return true;
        }
      } else if (key == "e") {
        bare = true;
      } else if (key == "lastUpdateId") {
        snapshot = true;
      }
    }
    if (trim(line.substr(top.end_offset())).size() != 0) {
      return reject("text after the JSON object");
    }
    if (!has_data) {
      if (snapshot && !bare) {
        // A REST order-book snapshot ({"lastUpdateId":..,"bids":..,"asks":..}) that capture
        // tools write to seed the book: well formed, but not something we read.
        ++stats.skipped;
        return true;
      }
      if (!bare) return reject("no 'data' object");
      JsonObjectScanner again(line);
      if (!scan_event(again, ev)) return false;
    }
    return build_event(ev, local_ns);
  }

  // The flat fields of a Binance event that the readers use; views into the line.
  struct EventFields {
    JsonValue e, ev_time, trade_time, sym, id, agg_id, price, qty, maker, index, rate, order;
    bool has_e = false, has_E = false, has_T = false, has_s = false, has_t = false, has_a = false,
         has_p = false, has_q = false, has_m = false, has_i = false, has_r = false, has_o = false;
  };

  bool scan_event(JsonObjectScanner& scanner, EventFields& f) noexcept {
    std::string_view key;
    JsonValue value;
    for (;;) {
      const JsonStep step = scanner.next(key, value);
      if (step == JsonStep::kError) return reject(scanner.error());
      if (step == JsonStep::kEnd) return true;
      if (key.size() != 1) continue;
      switch (key[0]) {
        case 'e':
          f.e = value, f.has_e = true;
          break;
        case 'E':
          f.ev_time = value, f.has_E = true;
          break;
        case 'T':
          f.trade_time = value, f.has_T = true;
          break;
        case 's':
          f.sym = value, f.has_s = true;
          break;
        case 't':
          f.id = value, f.has_t = true;
          break;
        case 'a':
          f.agg_id = value, f.has_a = true;
          break;
        case 'p':
          f.price = value, f.has_p = true;
          break;
        case 'q':
          f.qty = value, f.has_q = true;
          break;
        case 'm':
          f.maker = value, f.has_m = true;
          break;
        case 'i':
          f.index = value, f.has_i = true;
          break;
        case 'r':
          f.rate = value, f.has_r = true;
          break;
        case 'o':
          f.order = value, f.has_o = true;
          break;
        default:
          break;
      }
    }
  }

  bool build_event(const EventFields& f, std::int64_t local_ns) noexcept {
    const auto& [e, ev_time, trade_time, sym, id, agg_id, price, qty, maker, index, rate, order,
                 has_e, has_E, has_T, has_s, has_t, has_a, has_p, has_q, has_m, has_i, has_r,
                 has_o] = f;
    if (!has_e || e.type != JsonType::kString) return reject("event without 'e'");
    std::int64_t event_ns = 0;
    if (has_E && !json_time(ev_time, "E", event_ns)) return false;
    const Symbol symbol =
        has_s && sym.type == JsonType::kString ? Symbol::from(sym.text) : default_symbol;
    if (e.text == "trade" || e.text == "aggTrade") {
      const bool agg = e.text == "aggTrade";
      if (!has_p || !has_q || !has_m || !(agg ? has_a : has_t) || !(has_T || has_E)) {
        return reject("trade without p, q, m, id or time");
      }
      MarketRecord& r = emit(RecordKind::kTrade);
      r.symbol = symbol;
      r.local_ts_ns = local_ns;
      r.aux_ts_ns = event_ns;
      r.ts_ns = event_ns;
      if (has_T && !json_time(trade_time, "T", r.ts_ns)) return false;
      const JsonValue& idv = agg ? agg_id : id;
      if (idv.type != JsonType::kNumber || !parse_uint64(idv.text, r.id))
        return reject("bad trade id", "t", idv.text);
      if (maker.type != JsonType::kTrue && maker.type != JsonType::kFalse)
        return reject("bad boolean", "m", maker.text);
      // m: the buyer was the maker, so the taker sold.
      r.side = maker.type == JsonType::kTrue ? MarketSide::kSell : MarketSide::kBuy;
      return json_decimal(price, "p", r.price) && json_decimal(qty, "q", r.size);
    }
    if (e.text == "markPriceUpdate") {
      if (!has_p || !has_E) return reject("markPriceUpdate without p or E");
      if (has_r && !rate.text.empty()) {
        MarketRecord& r = emit(RecordKind::kFundingRate);
        r.symbol = symbol;
        r.ts_ns = event_ns;
        r.local_ts_ns = local_ns;
        if (!json_decimal(rate, "r", r.price)) return false;
        // T is the next funding time, the one this rate will settle at.
        if (has_T && !json_time(trade_time, "T", r.aux_ts_ns)) return false;
      }
      if (has_i && !index.text.empty()) {
        MarketRecord& r = emit(RecordKind::kIndexPrice);
        r.symbol = symbol;
        r.ts_ns = event_ns;
        r.local_ts_ns = local_ns;
        if (!json_decimal(index, "i", r.price)) return false;
      }
      MarketRecord& r = emit(RecordKind::kMarkPrice);
      r.symbol = symbol;
      r.ts_ns = event_ns;
      r.local_ts_ns = local_ns;
      return json_decimal(price, "p", r.price);
    }
    if (e.text == "forceOrder") {
      if (!has_o || order.type != JsonType::kObject) return reject("forceOrder without 'o'");
      return parse_force_order(order.text, event_ns, local_ns);
    }
    ++stats.skipped;
    return true;
  }

  bool parse_force_order(std::string_view text, std::int64_t event_ns,
                         std::int64_t local_ns) noexcept {
    JsonObjectScanner scanner(text);
    std::string_view key;
    JsonValue value;
    MarketRecord& r = emit(RecordKind::kLiquidation);
    r.ts_ns = event_ns;
    r.local_ts_ns = local_ns;
    Decimal avg;
    bool has_price = false, has_qty = false;
    for (;;) {
      const JsonStep step = scanner.next(key, value);
      if (step == JsonStep::kError) return reject(scanner.error());
      if (step == JsonStep::kEnd) break;
      if (key == "s" && value.type == JsonType::kString) {
        r.symbol = Symbol::from(value.text);
      } else if (key == "S") {
        if (iequals(value.text, "buy")) {
          r.side = MarketSide::kBuy;
        } else if (iequals(value.text, "sell")) {
          r.side = MarketSide::kSell;
        } else {
          return reject("bad side", "S", value.text);
        }
      } else if (key == "p") {
        if (!json_decimal(value, "p", r.price)) return false;
        has_price = true;
      } else if (key == "ap") {
        if (!json_decimal(value, "ap", avg)) return false;
      } else if (key == "q") {
        if (!json_decimal(value, "q", r.size)) return false;
        has_qty = true;
      } else if (key == "T") {
        if (!json_time(value, "T", r.ts_ns)) return false;
      }
    }
    if (!has_price || !has_qty) return reject("forceOrder without p or q");
    // The average fill price is what the liquidation actually traded at; p is the order's limit.
    if (avg.mantissa != 0) r.price = avg;
    return true;
  }

  // --- CoinAPI JSON candles ------------------------------------------------------------------

  // Consumes json_line from json_pos until one object completes (true) or the line ends (false).
  // Structural errors outside objects reject the rest of the line.
  bool coinapi_step(bool& malformed) noexcept {
    malformed = false;
    const std::string_view line = json_line;
    std::size_t i = json_pos;
    std::size_t segment = i;
    while (i < line.size()) {
      const char c = line[i];
      if (json_depth == 0) {
        if (c == '{') {
          json_object.clear();
          json_depth = 1;
          json_start_line = source.line_number();
          segment = i;
        } else if (c != ' ' && c != '\t' && c != '[' && c != ']' && c != ',') {
          json_pos = line.size();
          malformed = true;
          reject("unexpected character outside a candle object");
          return false;
        }
        ++i;
        continue;
      }
      if (json_in_string) {
        if (json_escape) {
          json_escape = false;
        } else if (c == '\\') {
          json_escape = true;
        } else if (c == '"') {
          json_in_string = false;
        }
      } else if (c == '"') {
        json_in_string = true;
      } else if (c == '{' || c == '[') {
        ++json_depth;
      } else if (c == '}' || c == ']') {
        if (--json_depth == 0) {
          json_object.append(line.substr(segment, i + 1 - segment));
          json_pos = i + 1;
          return true;
        }
      }
      ++i;
    }
    if (json_depth > 0) {
      json_object.append(line.substr(segment));
      json_object.push_back('\n');
    }
    json_pos = line.size();
    return false;
  }

  bool parse_candle_object(std::string_view text) noexcept {
    JsonObjectScanner scanner(text);
    std::string_view key;
    JsonValue value;
    MarketRecord& r = emit(RecordKind::kCandle);
    r.series = CandleSeries::kTrade;
    bool has_start = false, has_open = false, has_high = false, has_low = false, has_close = false;
    for (;;) {
      const JsonStep step = scanner.next(key, value);
      if (step == JsonStep::kError) return reject(scanner.error());
      if (step == JsonStep::kEnd) break;
      if (key == "time_period_start") {
        if (value.type != JsonType::kString || !parse_utc_datetime(value.text, r.ts_ns)) {
          return reject("bad timestamp", key, value.text);
        }
        has_start = true;
      } else if (key == "time_period_end") {
        if (value.type != JsonType::kString || !parse_utc_datetime(value.text, r.aux_ts_ns)) {
          return reject("bad timestamp", key, value.text);
        }
      } else if (key == "price_open") {
        if (!json_decimal(value, key, r.open)) return false;
        has_open = true;
      } else if (key == "price_high") {
        if (!json_decimal(value, key, r.high)) return false;
        has_high = true;
      } else if (key == "price_low") {
        if (!json_decimal(value, key, r.low)) return false;
        has_low = true;
      } else if (key == "price_close") {
        if (!json_decimal(value, key, r.price)) return false;
        has_close = true;
      } else if (key == "volume_traded") {
        if (!json_decimal(value, key, r.size)) return false;
      } else if (key == "trades_count") {
        if (value.type != JsonType::kNumber || !parse_int64(value.text, r.count)) {
          return reject("bad count", key, value.text);
        }
      }
    }
    if (!has_start || !has_open || !has_high || !has_low || !has_close) {
      return reject("candle lacks time_period_start or a price_open/high/low/close");
    }
    return true;
  }

  // --- driver --------------------------------------------------------------------------------

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
    batch_size = batch_pos = 0;
    const bool keep = stats.messages.size() < options.max_messages;
    if (!keep && !options.fatal_malformed) {
      // Past the cap a bad line is only counted: a file of garbage costs no allocation per line.
      ++stats.messages_dropped;
      return true;
    }
    std::string message = fmt::format("{}:{}: {}", source.name(), line_number,
                                      reason != nullptr ? reason : "malformed");
    if (!bad_field.empty()) {
      constexpr std::size_t kShown = 40;
      message += fmt::format(" in '{}': '{}'{}", bad_field, bad_text.substr(0, kShown),
                             bad_text.size() > kShown ? "..." : "");
    }
    if (options.fatal_malformed) fail(ReadStatus::kMalformed, message);
    if (keep) stats.messages.push_back(std::move(message));
    return !options.fatal_malformed;
  }

  ReadStatus next(MarketRecord& out) {
    if (!open) return ReadStatus::kNotOpen;
    for (;;) {
      if (batch_pos < batch_size) {
        out = batch[batch_pos++];
        ++stats.records;
        return ReadStatus::kOk;
      }
      if (final_status != ReadStatus::kOk) return final_status;
      batch_size = batch_pos = 0;
      reason = nullptr;
      bad_field = bad_text = {};

      if (format == Format::kCoinApiCandles && json_line_active) {
        bool bad = false;
        if (coinapi_step(bad)) {
          if (!parse_candle_object(json_object) && !malformed_line(json_start_line))
            return final_status;
          continue;
        }
        json_line_active = false;
        if (bad && !malformed_line(source.line_number())) return final_status;
        continue;
      }

      std::string_view line;
      if (has_pending) {
        line = pending_line;
        has_pending = false;
      } else {
        const LineStatus ls = source.next_line(line);
        if (ls == LineStatus::kError) return fail(ReadStatus::kIoError, where(source.error()));
        if (ls == LineStatus::kEnd) {
          if (format == Format::kCoinApiCandles && json_depth > 0) {
            json_depth = 0;
            reason = "unterminated JSON object at end of file";
            if (!malformed_line(json_start_line)) return final_status;
          }
          report_progress(true);
          final_status = ReadStatus::kEnd;
          return ReadStatus::kEnd;
        }
        ++stats.lines;
        if ((stats.lines & 1023) == 0) report_progress(false);
      }
      if (format == Format::kCoinApiCandles) {
        json_line = line;
        json_pos = 0;
        json_line_active = true;
        continue;
      }
      if (trim(line).empty()) continue;
      const bool ok = format == Format::kBinanceStream ? parse_stream(line) : parse_csv(line);
      if (!ok && !malformed_line(source.line_number())) return final_status;
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
