// Tardis.dev normalized derivative_ticker: exchange,symbol,timestamp,local_timestamp,
// funding_timestamp,funding_rate,predicted_funding_rate,open_interest,last_price,index_price,
// mark_price, header optional. Each non-empty field of funding rate, open interest, index and mark
// becomes a record of its own.
#include "marketdata/formats.hpp"

namespace backstop::marketdata {

namespace {

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

}  // namespace

std::span<const ColumnSpec> tardis_derivative_ticker_columns() noexcept {
  return kTardisTickerCols;
}

bool parse_tardis_derivative_ticker(LineParser& p) noexcept {
  // Tardis leaves a field empty when the exchange did not send it; each non-empty one becomes
  // its own record, in this order: funding rate, open interest, index, mark.
  std::int64_t ts = 0;
  std::int64_t local = 0;
  std::int64_t funding_ts = 0;
  if (!p.time(Col::kTime, "timestamp", ts) ||
      !p.time(Col::kLocalTime, "local_timestamp", local, true) ||
      !p.time(Col::kTime2, "funding_timestamp", funding_ts, true)) {
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
    if (p.get(item.col).empty()) continue;
    MarketRecord& r = p.emit(item.kind);
    p.symbol_column(r);
    r.ts_ns = ts;
    r.local_ts_ns = local;
    Decimal& target = item.kind == RecordKind::kOpenInterest ? r.size : r.price;
    if (!p.decimal(item.col, item.label, target)) return false;
    if (item.kind == RecordKind::kFundingRate) r.aux_ts_ns = funding_ts;
  }
  return true;  // a line with none of them is counted as skipped
}

}  // namespace backstop::marketdata
