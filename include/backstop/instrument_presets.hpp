// Ready-made instrument specifications shaped like Binance's BTC perpetuals (tick, lot, leverage
// brackets), for the CLI's harnesses, the replay's default venue and tests. Cold; any thread.
#pragma once

#include "backstop/instrument.hpp"

namespace backstop::presets {

// BTCUSDT-like linear perpetual: tick 0.1 USDT, lot 0.001 BTC, Money = 1e-6 USDT, so one lot moves
// 0.1 * 0.001 USDT = 100 Money per tick. Brackets at 50k / 250k / 1M USDT of notional.
inline InstrumentSpec btcusdt_linear(std::uint8_t settlement_asset = 0) {
  InstrumentSpec s;
  s.symbol = "BTCUSDT";
  s.kind = ContractKind::kLinearPerpetual;
  s.settlement_asset = settlement_asset;
  s.multiplier = 100;
  s.tick_size_e8 = 10'000'000;
  s.lot_size_e8 = 100'000;
  s.min_price = Price{1};
  s.max_price = Price{100'000'000};  // 10M USDT
  s.initial_mark = Price{600'000};   // 60,000 USDT
  s.max_position = Qty{1'000'000};   // 1,000 BTC
  s.brackets = {{Money{50'000'000'000}, 8'000, 4'000},
                {Money{250'000'000'000}, 10'000, 5'000},
                {Money{1'000'000'000'000}, 20'000, 10'000},
                {Money{0}, 50'000, 25'000}};
  return s;
}

// BTCUSD COIN-M-like inverse perpetual: contract 100 USD, tick 0.1 USD, Money = 1 satoshi. One
// contract at p ticks is worth 100 / (0.1 p) BTC = 1e11 / p sat, so multiplier = 1e11. Brackets at
// 5 / 10 / 20 BTC of notional.
inline InstrumentSpec btcusd_inverse(std::uint8_t settlement_asset = 1) {
  InstrumentSpec s;
  s.symbol = "BTCUSD_PERP";
  s.kind = ContractKind::kInversePerpetual;
  s.settlement_asset = settlement_asset;
  s.multiplier = 100'000'000'000;
  s.tick_size_e8 = 10'000'000;
  s.lot_size_e8 = 100'000'000;
  s.min_price = Price{10};
  s.max_price = Price{100'000'000};
  s.initial_mark = Price{500'000};  // 50,000 USD
  s.max_position = Qty{10'000'000};
  s.brackets = {{Money{500'000'000}, 5'000, 2'500},
                {Money{1'000'000'000}, 10'000, 5'000},
                {Money{2'000'000'000}, 20'000, 10'000},
                {Money{0}, 50'000, 25'000}};
  return s;
}

}  // namespace backstop::presets
