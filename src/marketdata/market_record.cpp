#include "marketdata/market_record.hpp"

namespace backstop::marketdata {

std::string_view to_string(RecordKind kind) noexcept {
  switch (kind) {
    case RecordKind::kTrade:
      return "trade";
    case RecordKind::kMarkPrice:
      return "mark";
    case RecordKind::kIndexPrice:
      return "index";
    case RecordKind::kFundingRate:
      return "funding";
    case RecordKind::kOpenInterest:
      return "open-interest";
    case RecordKind::kLiquidation:
      return "liquidation";
    case RecordKind::kCandle:
      return "candle";
    case RecordKind::kDepth:
      return "depth";
  }
  return "?";
}

std::string_view to_string(MarketSide side) noexcept {
  switch (side) {
    case MarketSide::kUnknown:
      return "unknown";
    case MarketSide::kBuy:
      return "buy";
    case MarketSide::kSell:
      return "sell";
  }
  return "?";
}

}  // namespace backstop::marketdata
