// BitMEX liquidation-table dumps: timestamp_ms,timestamp_iso,symbol,side,price,leavesQty,orderID,
// one liquidation order a line, header optional.
#include "marketdata/formats.hpp"

namespace backstop::marketdata {

namespace {

constexpr ColumnSpec kBitmexLiquidationCols[] = {
    {Col::kTime, 0, true, {"timestamp_ms"}},
    {Col::kSymbol, 2, true, {"symbol"}},
    {Col::kSide, 3, true, {"side"}},
    {Col::kPrice, 4, true, {"price"}},
    {Col::kQty, 5, true, {"leavesQty", "qty"}},
};

}  // namespace

std::span<const ColumnSpec> bitmex_liquidations_columns() noexcept {
  return kBitmexLiquidationCols;
}

bool parse_bitmex_liquidation(LineParser& p) noexcept {
  MarketRecord& r = p.emit(RecordKind::kLiquidation);
  p.symbol_column(r);
  return p.time(Col::kTime, "timestamp_ms", r.ts_ns) && p.side_word(Col::kSide, "side", r.side) &&
         p.decimal(Col::kPrice, "price", r.price) && p.decimal(Col::kQty, "leavesQty", r.size);
}

}  // namespace backstop::marketdata
