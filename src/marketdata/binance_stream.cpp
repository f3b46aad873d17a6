// Binance websocket captures: per line a local receive time in ns, a space, then a combined-stream
// message {"stream":..,"data":{..}} or a bare event object. trade, aggTrade, markPriceUpdate and
// forceOrder events become records; book streams (bookTicker, depth), REST book snapshots and
// other events parse and yield none. Book streams, three of four lines of a typical capture, are
// known by their stream name before their payload is scanned.
#include <cstring>

#include "marketdata/formats.hpp"

namespace backstop::marketdata {

namespace {

// The flat fields of a Binance event that the readers use; views into the line.
struct EventFields {
  JsonValue e, ev_time, trade_time, sym, id, agg_id, price, qty, maker, index, rate, order;
  bool has_e = false, has_E = false, has_T = false, has_s = false, has_t = false, has_a = false,
       has_p = false, has_q = false, has_m = false, has_i = false, has_r = false, has_o = false;
};

bool is_book_stream_name(std::string_view name) noexcept {
  return name.ends_with("@bookTicker") || contains(name, "@depth");
}

// The usual shape of a capture line after its timestamp, {"stream":"<name>",...: a book stream
// is known by its name before the JSON scanner walks the line. Any other shape goes to the
// scanner, which skips the same lines.
bool is_book_stream_line(std::string_view rest) noexcept {
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

// Reads the capture's own timestamp off the front of `line` into `local_ns` (0 when there is
// none), digit by digit as it is scanned: up to 19 digits fit in 64 unsigned bits.
bool take_local_time(LineParser& p, std::string_view& line, std::int64_t& local_ns) noexcept {
  local_ns = 0;
  std::size_t i = 0;
  std::uint64_t local = 0;
  while (i < line.size() && is_ascii_digit(line[i])) {
    local = local * 10 + static_cast<std::uint64_t>(line[i] - '0');
    ++i;
  }
  if (i == 0) return true;
  const bool fits = i <= 19 && local <= static_cast<std::uint64_t>(INT64_MAX);
  if (fits ? !try_epoch_to_ns(static_cast<std::int64_t>(local), local_ns)
           : !parse_epoch_ns(line.substr(0, i), local_ns)) {
    return p.reject("bad local timestamp");
  }
  line.remove_prefix(i);
  return true;
}

bool scan_event(LineParser& p, JsonObjectScanner& scanner, EventFields& f) noexcept {
  std::string_view key;
  JsonValue value;
  for (;;) {
    const JsonStep step = scanner.next(key, value);
    if (step == JsonStep::kError) return p.reject(scanner.error());
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

// What the top-level object of a line holds besides its event.
struct MessageShape {
  bool has_data = false;  // a combined-stream message: the event was read from "data"
  bool bare = false;      // a bare event object ("e" at the top)
  bool snapshot = false;  // a REST book snapshot ("lastUpdateId")
  bool book = false;      // a book stream, known by its name
};

// Walks the line's top-level object; the "data" event is read in place with a child scanner
// rather than scanned twice. Stops early at a book stream's name.
bool scan_message(LineParser& p, JsonObjectScanner& top, EventFields& ev,
                  MessageShape& shape) noexcept {
  std::string_view key;
  JsonValue value;
  for (;;) {
    JsonStep step = top.next_key(key);
    if (step == JsonStep::kError) return p.reject(top.error());
    if (step == JsonStep::kEnd) return true;
    if (key == "data") {
      JsonObjectScanner child(top.pending_value_text());
      if (!top.pending_value_text().starts_with('{')) return p.reject("'data' is not an object");
      if (!scan_event(p, child, ev)) return false;
      shape.has_data = true;
      step = top.skip_value(child.end_offset());
    } else {
      step = top.value(value);
    }
    if (step == JsonStep::kError) return p.reject(top.error());
    if (key == "stream") {
      // Book streams are skipped before their (long) payload is scanned.
      if (is_book_stream_name(value.text)) {
        shape.book = true;
        return true;
      }
    } else if (key == "e") {
      shape.bare = true;
    } else if (key == "lastUpdateId") {
      shape.snapshot = true;
    }
  }
}

bool parse_force_order(LineParser& p, std::string_view text, std::int64_t event_ns,
                       std::int64_t local_ns) noexcept {
  JsonObjectScanner scanner(text);
  std::string_view key;
  JsonValue value;
  MarketRecord& r = p.emit(RecordKind::kLiquidation);
  r.ts_ns = event_ns;
  r.local_ts_ns = local_ns;
  Decimal avg;
  bool has_price = false, has_qty = false;
  for (;;) {
    const JsonStep step = scanner.next(key, value);
    if (step == JsonStep::kError) return p.reject(scanner.error());
    if (step == JsonStep::kEnd) break;
    if (key == "s" && value.type == JsonType::kString) {
      r.symbol = Symbol::from(value.text);
    } else if (key == "S") {
      if (iequals(value.text, "buy")) {
        r.side = MarketSide::kBuy;
      } else if (iequals(value.text, "sell")) {
        r.side = MarketSide::kSell;
      } else {
        return p.reject("bad side", "S", value.text);
      }
    } else if (key == "p") {
      if (!p.json_decimal(value, "p", r.price)) return false;
      has_price = true;
    } else if (key == "ap") {
      if (!p.json_decimal(value, "ap", avg)) return false;
    } else if (key == "q") {
      if (!p.json_decimal(value, "q", r.size)) return false;
      has_qty = true;
    } else if (key == "T") {
      if (!p.json_time(value, "T", r.ts_ns)) return false;
    }
  }
  if (!has_price || !has_qty) return p.reject("forceOrder without p or q");
  // The average fill price is what the liquidation actually traded at; p is the order's limit.
  if (avg.mantissa != 0) r.price = avg;
  return true;
}

bool build_trade(LineParser& p, const EventFields& f, const Symbol& symbol, std::int64_t event_ns,
                 std::int64_t local_ns) noexcept {
  const bool agg = f.e.text == "aggTrade";
  if (!f.has_p || !f.has_q || !f.has_m || !(agg ? f.has_a : f.has_t) || !(f.has_T || f.has_E)) {
    return p.reject("trade without p, q, m, id or time");
  }
  MarketRecord& r = p.emit(RecordKind::kTrade);
  r.symbol = symbol;
  r.local_ts_ns = local_ns;
  r.aux_ts_ns = event_ns;
  r.ts_ns = event_ns;
  if (f.has_T && !p.json_time(f.trade_time, "T", r.ts_ns)) return false;
  const JsonValue& idv = agg ? f.agg_id : f.id;
  if (idv.type != JsonType::kNumber || !parse_uint64(idv.text, r.id))
    return p.reject("bad trade id", "t", idv.text);
  if (f.maker.type != JsonType::kTrue && f.maker.type != JsonType::kFalse)
    return p.reject("bad boolean", "m", f.maker.text);
  // m: the buyer was the maker, so the taker sold.
  r.side = f.maker.type == JsonType::kTrue ? MarketSide::kSell : MarketSide::kBuy;
  return p.json_decimal(f.price, "p", r.price) && p.json_decimal(f.qty, "q", r.size);
}

bool build_mark_price_update(LineParser& p, const EventFields& f, const Symbol& symbol,
                             std::int64_t event_ns, std::int64_t local_ns) noexcept {
  if (!f.has_p || !f.has_E) return p.reject("markPriceUpdate without p or E");
  if (f.has_r && !f.rate.text.empty()) {
    MarketRecord& r = p.emit(RecordKind::kFundingRate);
    r.symbol = symbol;
    r.ts_ns = event_ns;
    r.local_ts_ns = local_ns;
    if (!p.json_decimal(f.rate, "r", r.price)) return false;
    // T is the next funding time, the one this rate will settle at.
    if (f.has_T && !p.json_time(f.trade_time, "T", r.aux_ts_ns)) return false;
  }
  if (f.has_i && !f.index.text.empty()) {
    MarketRecord& r = p.emit(RecordKind::kIndexPrice);
    r.symbol = symbol;
    r.ts_ns = event_ns;
    r.local_ts_ns = local_ns;
    if (!p.json_decimal(f.index, "i", r.price)) return false;
  }
  MarketRecord& r = p.emit(RecordKind::kMarkPrice);
  r.symbol = symbol;
  r.ts_ns = event_ns;
  r.local_ts_ns = local_ns;
  return p.json_decimal(f.price, "p", r.price);
}

// The records of one event; an event of another type parses and yields none.
bool build_event(LineParser& p, const EventFields& f, std::int64_t local_ns) noexcept {
  if (!f.has_e || f.e.type != JsonType::kString) return p.reject("event without 'e'");
  std::int64_t event_ns = 0;
  if (f.has_E && !p.json_time(f.ev_time, "E", event_ns)) return false;
  const Symbol symbol =
      f.has_s && f.sym.type == JsonType::kString ? Symbol::from(f.sym.text) : p.default_symbol;
  if (f.e.text == "trade" || f.e.text == "aggTrade")
    return build_trade(p, f, symbol, event_ns, local_ns);
  if (f.e.text == "markPriceUpdate")
    return build_mark_price_update(p, f, symbol, event_ns, local_ns);
  if (f.e.text == "forceOrder") {
    if (!f.has_o || f.order.type != JsonType::kObject) return p.reject("forceOrder without 'o'");
    return parse_force_order(p, f.order.text, event_ns, local_ns);
  }
  return true;
}

}  // namespace

bool parse_binance_stream_line(LineParser& p, std::string_view line) noexcept {
  std::int64_t local_ns = 0;
  if (!take_local_time(p, line, local_ns)) return false;
  if (is_book_stream_line(line)) return true;
  JsonObjectScanner top(line);
  EventFields ev;
  MessageShape shape;
  if (!scan_message(p, top, ev, shape)) return false;
  if (shape.book) return true;
  if (trim(line.substr(top.end_offset())).size() != 0) {
    return p.reject("text after the JSON object");
  }
  if (!shape.has_data) {
    // A REST order-book snapshot ({"lastUpdateId":..,"bids":..,"asks":..}) that capture tools
    // write to seed the book: well formed, but not something we read.
    if (shape.snapshot && !shape.bare) return true;
    if (!shape.bare) return p.reject("no 'data' object");
    JsonObjectScanner again(line);
    if (!scan_event(p, again, ev)) return false;
  }
  return build_event(p, ev, local_ns);
}

}  // namespace backstop::marketdata
