// What a format's parser (formats.hpp) works with for one input line: the line's CSV fields and
// where each logical column sits in them, the records the line produced, and, when the line is
// rejected, why. The MarketReader owns one and hands it to its format's parser line after line;
// one thread. Cost: the accessors are inline, one lookup and trim per field; numbers and times
// parse in one pass with no allocation.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "marketdata/decimal.hpp"
#include "marketdata/json_scan.hpp"
#include "marketdata/market_record.hpp"
#include "marketdata/text_fields.hpp"

namespace backstop::marketdata {

// Logical columns of the CSV formats; LineParser::column says where each sits in a line (from the
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

inline constexpr std::size_t kMaxFields = 24;
// Records one line can produce: a Tardis derivative_ticker line or a markPriceUpdate yields up to
// four (funding, open interest, index, mark).
inline constexpr std::size_t kMaxBatch = 4;

struct LineParser {
  // Set when the file is opened.
  Symbol default_symbol;  // for records whose line names no instrument
  CandleSeries series = CandleSeries::kTrade;
  std::array<std::int8_t, static_cast<std::size_t>(Col::kColCount)> column{};
  std::size_t min_fields = 0;

  // The current CSV line.
  std::array<std::string_view, kMaxFields> fields{};
  std::size_t field_count = 0;

  // What the line produced; the reader hands the records out from batch_pos.
  std::array<MarketRecord, kMaxBatch> batch{};
  std::size_t batch_size = 0;
  std::size_t batch_pos = 0;

  // Why the line was rejected: a literal, plus the offending field's name and text.
  const char* reason = nullptr;
  std::string_view bad_field;
  std::string_view bad_text;
  DecimalText number_text{};  // bad_text's storage when it shows a parsed number

  void start_line() noexcept {
    batch_size = batch_pos = 0;
    reason = nullptr;
    bad_field = bad_text = {};
  }

  // Splits `line` into fields; false (rejected) when it has too few or too many.
  bool split(std::string_view line) noexcept {
    field_count = split_csv(line, fields.data(), fields.size());
    if (field_count < min_fields) return reject("too few fields");
    if (field_count > fields.size()) return reject("too many fields");
    return true;
  }

  // --- columns ----------------------------------------------------------------------------------

  void map_default_columns(std::span<const ColumnSpec> specs) noexcept {
    column.fill(-1);
    min_fields = 0;
    for (const ColumnSpec& spec : specs) {
      column[static_cast<std::size_t>(spec.col)] = spec.default_index;
      if (spec.required && spec.default_index >= 0) {
        min_fields = std::max(min_fields, static_cast<std::size_t>(spec.default_index) + 1);
      }
    }
  }

  // Columns by name from the header in the first `seen` fields. Returns the first required column
  // the header lacks, nullptr when none.
  const ColumnSpec* map_columns_from_header(std::span<const ColumnSpec> specs,
                                            std::size_t seen) noexcept {
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
      if (spec.required && at < 0) return &spec;
      if (spec.required) min_fields = std::max(min_fields, static_cast<std::size_t>(at) + 1);
    }
    return nullptr;
  }

  // --- fields -----------------------------------------------------------------------------------

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

  // Rejects a parsed number, shown as format_decimal writes it, since its text in the line is no
  // longer at hand.
  bool reject_number(const char* why, std::string_view field, Decimal value) noexcept {
    return reject(why, field, format_decimal(value, number_text));
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

  void symbol_column(MarketRecord& r) const noexcept {
    const std::string_view s = get(Col::kSymbol);
    if (!s.empty()) r.symbol = Symbol::from(s);
  }

  // --- JSON values ------------------------------------------------------------------------------

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

  // --- records ----------------------------------------------------------------------------------

  MarketRecord& emit(RecordKind kind) noexcept {
    MarketRecord& r = batch[batch_size++];
    r = MarketRecord{};
    r.kind = kind;
    r.symbol = default_symbol;
    return r;
  }
};

}  // namespace backstop::marketdata
