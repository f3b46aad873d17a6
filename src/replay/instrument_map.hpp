// Instrument mapping for replays: from the symbols and numbers found in market-data files to the
// engine's InstrumentSpecs, and the exact conversions from the files' Decimals to ticks and lots.
// Cold code; the replay's building thread. Cost: O(1) per conversion (one multiply or divide).
//
// Contract kind by symbol: BTCUSD_PERP (Binance COIN-M, 100 USD per contract) and XBTUSD (BitMEX,
// 1 USD per contract) are inverse perpetuals settled in BTC (asset 1, Money = 1 satoshi); every
// other symbol - BTCUSDT, Gemini spot BTCUSD / ETHUSD, CoinAPI ETHUSD candles, BitMEX ETHUSD - is
// replayed as a linear USD(T)-margined perpetual (asset 0, Money = 1e-6 USD). BitMEX ETHUSD is in
// truth a quanto settled in XBT; replaying it as linear USD is an approximation we accept here.
//
// Tick and lot (powers of ten, so that Decimal -> integer is a shift of the exponent):
//   tick  with trades: the finest price step found in the file's trade prices, so every trade
//         price converts exactly; series only (marks, candles): the finest step in the series but
//         no finer than ~1 ppm of the first price (mark klines carry 8 decimals of interpolation)
//   lot   linear: the finest size step in the trades, but no finer than the multiplier allows
//         (Money per tick*lot = 10^(6 + tick_exp + lot_exp) must be an integer >= 1); without
//         trades a lot of about 1 USD. Inverse: one contract.
// Conversions: prices round to the nearest tick (ties away from zero: exact for trade prices by
// construction, at most half a tick off for interpolated marks); sizes round to the nearest lot
// and a non-zero size never rounds to 0 (it becomes 1 lot). Both are counted when inexact.
// Price band: [first/4 .. last*4] of the observed range (after the shock, if any), so that every
// print of the file and of its shock fits; max_position: the largest |q| with every product
// within the engine's 2^62 bound (risk_config.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "backstop/instrument.hpp"
#include "marketdata/decimal.hpp"

namespace backstop::replay {

inline constexpr std::uint8_t kUsdAsset = 0;  // Money = 1e-6 USD (USDT treated as USD)
inline constexpr std::uint8_t kBtcAsset = 1;  // Money = 1 satoshi
inline constexpr std::uint32_t kReplayAssetCount = 2;
inline constexpr int kUsdMoneyExponent = -6;
inline constexpr int kBtcMoneyExponent = -8;

std::string_view asset_name(std::uint8_t asset) noexcept;
int asset_money_exponent(std::uint8_t asset) noexcept;

// What the replay saw of one symbol, gathered in one pass over the records.
struct InstrumentObservation {
  std::string symbol;
  bool has_trades = false;  // trade (or liquidation) prints: their prices set the tick
  int min_trade_price_exponent = 0;
  int min_series_price_exponent = 0;
  int min_size_exponent = 0;
  marketdata::Decimal
      first_price;  // first price seen (any kind), for the initial mark and the BTC rate
  bool has_first_price = false;
  double min_price = 0;  // the observed range, for the price band only (not money)
  double max_price = 0;
};

void observe_price(InstrumentObservation& o, marketdata::Decimal price, bool trade) noexcept;
void observe_size(InstrumentObservation& o, marketdata::Decimal size) noexcept;

struct MappedInstrument {
  InstrumentSpec spec;
  int price_exponent = 0;         // tick = 10^price_exponent of the quote currency
  int lot_exponent = 0;           // linear: lot = 10^lot_exponent of the base; inverse: 0
  std::int64_t contract_usd = 0;  // inverse: USD per contract
};

bool is_inverse_symbol(std::string_view symbol) noexcept;

// `shock_low` / `shock_high` widen the observed range by the shock's factor bounds (1 when none).
MappedInstrument map_instrument(const InstrumentObservation& o, double shock_low,
                                double shock_high);

// Nearest tick; `exact` is cleared when the price was not on the tick grid.
std::int64_t price_to_ticks(const MappedInstrument& m, marketdata::Decimal price,
                            bool& exact) noexcept;
// Nearest lot, at least 1 for a non-zero size; `exact` cleared when rounded.
std::int64_t size_to_lots(const MappedInstrument& m, marketdata::Decimal size,
                          bool& exact) noexcept;

}  // namespace backstop::replay
