// Binance public-data bookDepth: timestamp,percentage,depth,notional[,weighted_avg_price], one
// band of a snapshot a line (the cumulative depth from mid to the band), header optional.
#include "marketdata/formats.hpp"

namespace backstop::marketdata {

namespace {

constexpr ColumnSpec kBinanceBookDepthCols[] = {
    {Col::kTime, 0, true, {"timestamp"}},
    {Col::kPercentage, 1, true, {"percentage"}},
    {Col::kDepth, 2, true, {"depth"}},
    {Col::kNotional, 3, true, {"notional"}},
    {Col::kWap, 4, false, {"weighted_avg_price"}},
};

}  // namespace

std::span<const ColumnSpec> binance_book_depth_columns() noexcept {
  return kBinanceBookDepthCols;
}

bool parse_binance_book_depth(LineParser& p) noexcept {
  MarketRecord& r = p.emit(RecordKind::kDepth);
  return p.time(Col::kTime, "timestamp", r.ts_ns) &&
         p.decimal(Col::kPercentage, "percentage", r.band_pct) &&
         p.decimal(Col::kDepth, "depth", r.size) &&
         p.decimal(Col::kNotional, "notional", r.amount) &&
         p.decimal(Col::kWap, "weighted_avg_price", r.price, true);
}

}  // namespace backstop::marketdata
