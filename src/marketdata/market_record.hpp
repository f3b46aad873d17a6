// The neutral record every market-data reader produces, whatever the file format: one trade, one
// mark/index print, one funding rate, one open-interest reading, one liquidation, one candle or one
// book-depth band. Trivially copyable so that batches can be memcpy'd into rings. Plain data: owned
// by whichever thread holds it. Cost: none (about 200 bytes, no pointers).
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#include "marketdata/decimal.hpp"

namespace backstop::marketdata {

enum class RecordKind : std::uint8_t {
  kTrade = 0,
  kMarkPrice = 1,
  kIndexPrice = 2,
  kFundingRate = 3,
  kOpenInterest = 4,
  kLiquidation = 5,
  kCandle = 6,
  kDepth = 7,
};

// For trades: the taker's side (the aggressor). For liquidations: the side of the liquidation
// order (BitMEX "Sell" = a long position being closed).
enum class MarketSide : std::uint8_t { kUnknown = 0, kBuy = 1, kSell = 2 };

// What a candle's prices are prices of. Binance "priceKline" files do not say whether they hold
// mark or index prices (PROVENANCE.md), so they are kUnknown.
enum class CandleSeries : std::uint8_t {
  kTrade = 0,
  kMark = 1,
  kIndex = 2,
  kPremium = 3,
  kUnknown = 4,
};

// Instrument name as the exchange spells it ("BTCUSDT", "BTCUSD_PERP", "XBTUSD"), NUL-padded.
// Names longer than 15 characters are cut (no listed instrument comes close).
struct Symbol {
  static constexpr std::size_t kCapacity = 16;
  char text[kCapacity] = {};

  static Symbol from(std::string_view name) noexcept {
    Symbol s;
    const std::size_t n = name.size() < kCapacity - 1 ? name.size() : kCapacity - 1;
    if (n != 0) std::memcpy(s.text, name.data(), n);
    return s;
  }
  std::string_view view() const noexcept {
    return std::string_view(text, ::strnlen(text, kCapacity));
  }
  bool empty() const noexcept { return text[0] == '\0'; }
  friend bool operator==(const Symbol& a, const Symbol& b) noexcept {
    return std::memcmp(a.text, b.text, kCapacity) == 0;
  }
};

struct MarketRecord {
  // Exchange time in ns since the Unix epoch (UTC): the trade time T / event time E, the bar's open
  // time for candles, the snapshot time for depth. Never the capturing host's clock, which was
  // ~1.27 s off in the hftbacktest captures (PROVENANCE.md).
  std::int64_t ts_ns = 0;
  // Second time, by kind. Candle: the bar's close time as the file gives it (Binance: open +
  // interval - 1 ms; CoinAPI: time_period_end). FundingRate: the funding time the rate applies at
  // (0 when the file does not say). Trade from a websocket capture: the message's event time E.
  // Otherwise 0.
  std::int64_t aux_ts_ns = 0;
  // The capturing host's receive time when the file has one (Tardis local_timestamp, capture
  // prefix), else 0. For diagnostics only; do not order by it.
  std::int64_t local_ts_ns = 0;
  // Trade: trade id (aggregate id for aggTrades) when numeric, 0 when absent or not a number
  // (BitMEX UUIDs). Otherwise 0.
  std::uint64_t id = 0;
  // Candle: number of trades (Binance count, CoinAPI trades_count; mark-price klines count price
  // samples). FundingRate: funding interval in hours when given. Otherwise 0.
  std::int64_t count = 0;

  // Trade, Liquidation: price. MarkPrice, IndexPrice: the price. FundingRate: the rate (a
  // fraction per interval, e.g. 0.0001). Candle: close. Depth: the file's weighted average price
  // of the band (zero when absent). OpenInterest: zero.
  Decimal price;
  // Trade, Liquidation: quantity in the instrument's unit (coins, or contracts for inverse and
  // BitMEX). OpenInterest: open interest (contracts). Candle: base volume. Depth: cumulative
  // quantity from mid to the band.
  Decimal size;
  // Trade: quote quantity when the file gives it. Candle: quote volume. Depth: cumulative notional
  // from mid to the band. Otherwise zero.
  Decimal amount;
  // Candle only: open, high, low (close is `price`).
  Decimal open;
  Decimal high;
  Decimal low;
  // Depth only: the band as a signed percentage from mid: -5 = bids down to 5 % below mid, 1 =
  // asks up to 1 % above.
  Decimal band_pct;

  Symbol symbol;
  RecordKind kind = RecordKind::kTrade;
  MarketSide side = MarketSide::kUnknown;
  CandleSeries series = CandleSeries::kTrade;  // meaningful for candles only
};

static_assert(std::is_trivially_copyable_v<MarketRecord>);

std::string_view to_string(RecordKind kind) noexcept;
std::string_view to_string(MarketSide side) noexcept;

}  // namespace backstop::marketdata
