// Trades extracted from Binance websocket captures as CSV:
// local_ts_ns,event_time_ms,trade_time_ms,trade_id,price,qty|qty_contracts,taker_side, header
// optional.
#include "marketdata/formats.hpp"

namespace backstop::marketdata {

namespace {

constexpr ColumnSpec kCaptureTradesCols[] = {
    {Col::kLocalTime, 0, false, {"local_ts_ns"}},
    {Col::kTime2, 1, false, {"event_time_ms"}},
    {Col::kTime, 2, true, {"trade_time_ms"}},
    {Col::kId, 3, true, {"trade_id"}},
    {Col::kPrice, 4, true, {"price"}},
    {Col::kQty, 5, true, {"qty", "qty_contracts"}},
    {Col::kSide, 6, true, {"taker_side"}},
};

}  // namespace

std::span<const ColumnSpec> binance_capture_trades_columns() noexcept {
  return kCaptureTradesCols;
}

bool parse_binance_capture_trade(LineParser& p) noexcept {
  MarketRecord& r = p.emit(RecordKind::kTrade);
  if (!parse_uint64(p.get(Col::kId), r.id))
    return p.reject("bad trade id", "trade_id", p.get(Col::kId));
  return p.time(Col::kTime, "trade_time_ms", r.ts_ns) &&
         p.time(Col::kTime2, "event_time_ms", r.aux_ts_ns, true) &&
         p.time(Col::kLocalTime, "local_ts_ns", r.local_ts_ns, true) &&
         p.decimal(Col::kPrice, "price", r.price) && p.decimal(Col::kQty, "qty", r.size) &&
         p.side_word(Col::kSide, "taker_side", r.side);
}

}  // namespace backstop::marketdata
