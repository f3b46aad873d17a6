// Tardis.dev normalized trades and liquidations:
// exchange,symbol,timestamp,local_timestamp,id,side,price,amount, one trade or liquidation a line,
// header optional (Tardis writes one).
#include "marketdata/formats.hpp"

namespace backstop::marketdata {

namespace {

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

}  // namespace

std::span<const ColumnSpec> tardis_trades_columns() noexcept {
  return kTardisTradesCols;
}

bool parse_tardis_trade(LineParser& p, RecordKind kind) noexcept {
  MarketRecord& r = p.emit(kind);
  p.symbol_column(r);
  // Non-numeric ids (BitMEX UUIDs) are legal and kept as 0.
  if (!parse_uint64(p.get(Col::kId), r.id)) r.id = 0;
  return p.time(Col::kTime, "timestamp", r.ts_ns) &&
         p.time(Col::kLocalTime, "local_timestamp", r.local_ts_ns, true) &&
         p.side_word(Col::kSide, "side", r.side) && p.decimal(Col::kPrice, "price", r.price) &&
         p.decimal(Col::kQty, "amount", r.size);
}

}  // namespace backstop::marketdata
