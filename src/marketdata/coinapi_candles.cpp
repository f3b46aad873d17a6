// CoinAPI OHLCV JSON: an array of candle objects with time_period_start/_end,
// price_open/_high/_low/_close, volume_traded and trades_count, pretty-printed over many lines or
// one object a line. The objects are cut out of the text by brace depth (strings and escapes
// respected) and each is read with the JSON scanner.
#include "marketdata/formats.hpp"

namespace backstop::marketdata {

void CoinApiObjects::reset() noexcept {
  active_ = false;
  depth_ = 0;
  in_string_ = escape_ = false;
  object_.clear();
}

bool CoinApiObjects::next_object(LineParser& p, std::uint64_t line_number, bool& malformed) {
  malformed = false;
  const std::string_view line = line_;
  std::size_t i = pos_;
  std::size_t segment = i;
  while (i < line.size()) {
    const char c = line[i];
    if (depth_ == 0) {
      if (c == '{') {
        object_.clear();
        depth_ = 1;
        start_line_ = line_number;
        segment = i;
      } else if (c != ' ' && c != '\t' && c != '[' && c != ']' && c != ',') {
        pos_ = line.size();
        active_ = false;
        malformed = true;
        p.reject("unexpected character outside a candle object");
        return false;
      }
      ++i;
      continue;
    }
    if (in_string_) {
      if (escape_) {
        escape_ = false;
      } else if (c == '\\') {
        escape_ = true;
      } else if (c == '"') {
        in_string_ = false;
      }
    } else if (c == '"') {
      in_string_ = true;
    } else if (c == '{' || c == '[') {
      ++depth_;
    } else if (c == '}' || c == ']') {
      if (--depth_ == 0) {
        object_.append(line.substr(segment, i + 1 - segment));
        pos_ = i + 1;
        return true;
      }
    }
    ++i;
  }
  if (depth_ > 0) {
    object_.append(line.substr(segment));
    object_.push_back('\n');
  }
  pos_ = line.size();
  active_ = false;
  return false;
}

bool CoinApiObjects::take_unterminated() noexcept {
  if (depth_ == 0) return false;
  depth_ = 0;
  return true;
}

bool parse_coinapi_candle(LineParser& p, std::string_view object) noexcept {
  JsonObjectScanner scanner(object);
  std::string_view key;
  JsonValue value;
  MarketRecord& r = p.emit(RecordKind::kCandle);
  r.series = CandleSeries::kTrade;
  bool has_start = false, has_open = false, has_high = false, has_low = false, has_close = false;
  for (;;) {
    const JsonStep step = scanner.next(key, value);
    if (step == JsonStep::kError) return p.reject(scanner.error());
    if (step == JsonStep::kEnd) break;
    if (key == "time_period_start") {
      if (value.type != JsonType::kString || !parse_utc_datetime(value.text, r.ts_ns)) {
        return p.reject("bad timestamp", key, value.text);
      }
      has_start = true;
    } else if (key == "time_period_end") {
      if (value.type != JsonType::kString || !parse_utc_datetime(value.text, r.aux_ts_ns)) {
        return p.reject("bad timestamp", key, value.text);
      }
    } else if (key == "price_open") {
      if (!p.json_decimal(value, key, r.open)) return false;
      has_open = true;
    } else if (key == "price_high") {
      if (!p.json_decimal(value, key, r.high)) return false;
      has_high = true;
    } else if (key == "price_low") {
      if (!p.json_decimal(value, key, r.low)) return false;
      has_low = true;
    } else if (key == "price_close") {
      if (!p.json_decimal(value, key, r.price)) return false;
      has_close = true;
    } else if (key == "volume_traded") {
      if (!p.json_decimal(value, key, r.size)) return false;
    } else if (key == "trades_count") {
      if (value.type != JsonType::kNumber || !parse_int64(value.text, r.count)) {
        return p.reject("bad count", key, value.text);
      }
    }
  }
  if (!has_start || !has_open || !has_high || !has_low || !has_close) {
    return p.reject("candle lacks time_period_start or a price_open/high/low/close");
  }
  return true;
}

}  // namespace backstop::marketdata
