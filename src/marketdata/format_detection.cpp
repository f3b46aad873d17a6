// Format names, format detection from a file's name and first line, and the instrument named in a
// file name (declared in reader.hpp).
#include <algorithm>
#include <array>
#include <utility>

#include "marketdata/reader.hpp"
#include "marketdata/text_fields.hpp"

namespace backstop::marketdata {

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

// Tokens of a file name split at '_', '-', '.', ' '.
bool is_name_separator(char c) noexcept {
  return c == '_' || c == '-' || c == '.' || c == ' ';
}

// JSON lines: CoinAPI candles, a bare Binance stream event, or a capture's timestamped message.
Format detect_json(std::string_view line) noexcept {
  if (line.front() == '[') return Format::kCoinApiCandles;
  if (line.front() == '{') {
    return contains(line, "time_period_start") || !contains(line, "\"e\"") ? Format::kCoinApiCandles
                                                                           : Format::kBinanceStream;
  }
  std::size_t i = 0;
  while (i < line.size() && is_ascii_digit(line[i]))
    ++i;
  if (i > 0 && i + 1 < line.size() && line[i] == ' ' && line[i + 1] == '{')
    return Format::kBinanceStream;
  return Format::kAuto;
}

Format detect_header(std::string_view line, bool liquidation_name) noexcept {
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
  return Format::kAuto;
}

// Headerless: the shape of the first data line, helped by words in the file name.
Format detect_data_line(std::string_view name, std::string_view line,
                        bool liquidation_name) noexcept {
  std::array<std::string_view, 16> f{};
  const std::size_t n = split_csv(line, f.data(), f.size());
  const bool first_alpha = n > 0 && !f[0].empty() && is_ascii_alpha(f[0][0]);
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

std::string_view symbol_from_file_name(std::string_view path) noexcept {
  const std::string_view name = base_name(path);
  // The symbol is the first all-capital token of 5+ characters with a letter, joined with a
  // following PERP or delivery date (BTCUSD_250328).
  std::size_t pos = 0;
  auto next_token = [&](std::size_t& start) -> std::string_view {
    while (pos < name.size() && is_name_separator(name[pos]))
      ++pos;
    start = pos;
    while (pos < name.size() && !is_name_separator(name[pos]))
      ++pos;
    return name.substr(start, pos - start);
  };
  for (;;) {
    std::size_t start = 0;
    const std::string_view token = next_token(start);
    if (token.empty()) return {};
    const bool upper = std::all_of(token.begin(), token.end(), [](char c) {
      return (c >= 'A' && c <= 'Z') || is_ascii_digit(c);
    });
    const bool has_letter = std::any_of(token.begin(), token.end(), is_ascii_alpha);
    if (token.size() >= 5 && upper && has_letter) {
      const std::size_t save = pos;
      std::size_t next_start = 0;
      const std::string_view suffix = next_token(next_start);
      const bool delivery =
          suffix.size() == 6 && std::all_of(suffix.begin(), suffix.end(), is_ascii_digit);
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
  const Format json = detect_json(line);
  if (json != Format::kAuto) return json;
  const bool liquidation_name = contains(name, "liquidation");
  const Format header = detect_header(line, liquidation_name);
  if (header != Format::kAuto) return header;
  return detect_data_line(name, line, liquidation_name);
}

}  // namespace backstop::marketdata
