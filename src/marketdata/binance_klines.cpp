// Binance public-data klines (klines, markPriceKlines, indexPriceKlines, premiumIndexKlines,
// priceKline): one candle a line, header optional. What the prices are prices of is told by the
// file name only.
#include "marketdata/formats.hpp"

namespace backstop::marketdata {

namespace {

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

}  // namespace

std::span<const ColumnSpec> binance_klines_columns() noexcept {
  return kBinanceKlinesCols;
}

CandleSeries series_from_file_name(std::string_view path) noexcept {
  const std::string_view name = base_name(path);
  if (contains(name, "markPrice")) return CandleSeries::kMark;
  if (contains(name, "indexPrice")) return CandleSeries::kIndex;
  if (contains(name, "premiumIndex")) return CandleSeries::kPremium;
  if (contains(name, "priceKline")) return CandleSeries::kUnknown;
  return CandleSeries::kTrade;
}

bool parse_binance_kline(LineParser& p) noexcept {
  MarketRecord& r = p.emit(RecordKind::kCandle);
  r.series = p.series;
  if (!p.time(Col::kTime, "open_time", r.ts_ns) ||
      !p.time(Col::kTime2, "close_time", r.aux_ts_ns, true) ||
      !p.decimal(Col::kOpen, "open", r.open) || !p.decimal(Col::kHigh, "high", r.high) ||
      !p.decimal(Col::kLow, "low", r.low) || !p.decimal(Col::kClose, "close", r.price) ||
      !p.decimal(Col::kVolume, "volume", r.size, true) ||
      !p.decimal(Col::kQuoteVolume, "quote_volume", r.amount, true)) {
    return false;
  }
  const std::string_view count = p.get(Col::kCount);
  if (!count.empty() && !parse_int64(count, r.count)) return p.reject("bad count", "count", count);
  return true;
}

}  // namespace backstop::marketdata
