// Binance public-data funding rates: calc_time,funding_interval_hours,last_funding_rate, or the
// older funding_time,symbol,funding_rate; header optional. One rate a line, listed at the funding
// time it settled.
#include "marketdata/formats.hpp"

namespace backstop::marketdata {

namespace {

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

}  // namespace

std::span<const ColumnSpec> binance_funding_columns() noexcept {
  return kBinanceFundingCols;
}

std::span<const ColumnSpec> binance_funding_headerless_columns(const LineParser& first) noexcept {
  // A word in the second field is the older layout's symbol.
  if (first.field_count >= 3 && !first.fields[1].empty() && is_ascii_alpha(first.fields[1][0])) {
    return kBinanceFundingOldCols;
  }
  return kBinanceFundingCols;
}

bool parse_binance_funding(LineParser& p) noexcept {
  MarketRecord& r = p.emit(RecordKind::kFundingRate);
  p.symbol_column(r);
  if (!p.time(Col::kTime, "funding_time", r.ts_ns) ||
      !p.decimal(Col::kFundingRate, "funding_rate", r.price)) {
    return false;
  }
  r.aux_ts_ns = r.ts_ns;  // Binance lists the rate at the funding time it settled
  const std::string_view hours = p.get(Col::kFundingInterval);
  if (!hours.empty() && !parse_int64(hours, r.count)) {
    return p.reject("bad funding interval", "funding_interval_hours", hours);
  }
  return true;
}

}  // namespace backstop::marketdata
