// Binance public-data trades and aggTrades (data.binance.vision): one trade a line, header
// optional. The two files differ only in their columns.
#include "marketdata/formats.hpp"

namespace backstop::marketdata {

namespace {

constexpr ColumnSpec kBinanceTradesCols[] = {
    {Col::kId, 0, true, {"id"}},
    {Col::kPrice, 1, true, {"price"}},
    {Col::kQty, 2, true, {"qty", "quantity"}},
    {Col::kQuoteQty, 3, false, {"quote_qty", "quoteQty"}},
    {Col::kTime, 4, true, {"time"}},
    {Col::kBuyerMaker, 5, true, {"is_buyer_maker", "isBuyerMaker"}},
};
constexpr ColumnSpec kBinanceAggTradesCols[] = {
    {Col::kId, 0, true, {"agg_trade_id", "a"}},
    {Col::kPrice, 1, true, {"price", "p"}},
    {Col::kQty, 2, true, {"quantity", "qty", "q"}},
    {Col::kTime, 5, true, {"transact_time", "time", "T"}},
    {Col::kBuyerMaker, 6, true, {"is_buyer_maker", "m"}},
};

bool buyer_maker(LineParser& p, MarketSide& side) noexcept {
  // The buyer was the maker, so the taker sold.
  const std::string_view text = p.get(Col::kBuyerMaker);
  if (iequals(text, "true")) {
    side = MarketSide::kSell;
  } else if (iequals(text, "false")) {
    side = MarketSide::kBuy;
  } else {
    return p.reject("bad boolean", "is_buyer_maker", text);
  }
  return true;
}

}  // namespace

std::span<const ColumnSpec> binance_trades_columns() noexcept {
  return kBinanceTradesCols;
}

std::span<const ColumnSpec> binance_agg_trades_columns() noexcept {
  return kBinanceAggTradesCols;
}

bool parse_binance_trade(LineParser& p) noexcept {
  MarketRecord& r = p.emit(RecordKind::kTrade);
  if (!parse_uint64(p.get(Col::kId), r.id)) return p.reject("bad trade id", "id", p.get(Col::kId));
  return p.decimal(Col::kPrice, "price", r.price) && p.decimal(Col::kQty, "qty", r.size) &&
         p.decimal(Col::kQuoteQty, "quote_qty", r.amount, true) &&
         p.time(Col::kTime, "time", r.ts_ns) && buyer_maker(p, r.side);
}

}  // namespace backstop::marketdata
