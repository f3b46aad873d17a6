#include "replay/instrument_map.hpp"

#include <algorithm>
#include <cmath>

#include "backstop/risk_config.hpp"

namespace backstop::replay {

using marketdata::Decimal;
using marketdata::FixedResult;
using marketdata::FixedStatus;
using marketdata::Rounding;
using marketdata::to_double;
using marketdata::to_fixed;

namespace {

// Binance BTCUSDT-like brackets in USD notional (Money = 1e-6 USD), used for every linear symbol.
std::vector<MarginBracket> linear_brackets() {
  return {{Money{50'000'000'000}, 8'000, 4'000},
          {Money{250'000'000'000}, 10'000, 5'000},
          {Money{1'000'000'000'000}, 20'000, 10'000},
          {Money{0}, 50'000, 25'000}};
}
// Binance COIN-M BTCUSD-like brackets in BTC notional (Money = 1 sat): 5 / 10 / 20 BTC.
std::vector<MarginBracket> inverse_brackets() {
  return {{Money{500'000'000}, 5'000, 2'500},
          {Money{1'000'000'000}, 10'000, 5'000},
          {Money{2'000'000'000}, 20'000, 10'000},
          {Money{0}, 50'000, 25'000}};
}

std::int64_t pow10(int e) noexcept {
  std::int64_t v = 1;
  for (int i = 0; i < e; ++i)
    v *= 10;
  return v;
}

int floor_log10(double v) noexcept {
  return static_cast<int>(std::floor(std::log10(v)));
}

}  // namespace

std::string_view asset_name(std::uint8_t asset) noexcept {
  return asset == kBtcAsset ? "BTC" : "USD";
}

int asset_money_exponent(std::uint8_t asset) noexcept {
  return asset == kBtcAsset ? kBtcMoneyExponent : kUsdMoneyExponent;
}

bool is_inverse_symbol(std::string_view symbol) noexcept {
  return symbol == "BTCUSD_PERP" || symbol == "XBTUSD";
}

void observe_price(InstrumentObservation& o, Decimal price, bool trade) noexcept {
  if (price.mantissa <= 0) return;
  const double v = to_double(price);
  if (!o.has_first_price) {
    o.first_price = price;
    o.has_first_price = true;
    o.min_price = o.max_price = v;
    o.min_trade_price_exponent = o.min_series_price_exponent = 0;
  }
  o.min_price = std::min(o.min_price, v);
  o.max_price = std::max(o.max_price, v);
  if (trade) {
    o.min_trade_price_exponent = std::min<int>(o.min_trade_price_exponent, price.exponent);
  } else {
    o.min_series_price_exponent = std::min<int>(o.min_series_price_exponent, price.exponent);
  }
}

void observe_size(InstrumentObservation& o, Decimal size) noexcept {
  if (size.mantissa > 0) o.min_size_exponent = std::min<int>(o.min_size_exponent, size.exponent);
}

MappedInstrument map_instrument(const InstrumentObservation& o, double shock_low,
                                double shock_high) {
  MappedInstrument m;
  InstrumentSpec& s = m.spec;
  s.symbol = o.symbol;
  const double first = o.has_first_price ? to_double(o.first_price) : 1.0;
  int tick = o.has_trades ? o.min_trade_price_exponent
                          : std::max(o.min_series_price_exponent, floor_log10(first) - 6);
  tick = std::clamp(tick, -8, 0);
  m.price_exponent = tick;
  s.tick_size_e8 = pow10(8 + tick);
  std::int64_t max_position = 0;
  // Clamped to the engine's price bound while still doubles: a cast of a double beyond int64 is
  // undefined.
  const auto max_ticks = static_cast<double>(kMaxPriceTicks);
  const double lo =
      std::clamp(std::floor(o.min_price * std::pow(10.0, -tick) * shock_low / 4), 1.0, max_ticks);
  const double hi =
      std::clamp(std::ceil(o.max_price * std::pow(10.0, -tick) * shock_high * 4), 1.0, max_ticks);
  s.min_price = Price{static_cast<std::int64_t>(lo)};
  s.max_price = Price{static_cast<std::int64_t>(hi)};
  if (is_inverse_symbol(o.symbol)) {
    s.kind = ContractKind::kInversePerpetual;
    s.settlement_asset = kBtcAsset;
    m.contract_usd = o.symbol == "XBTUSD" ? 1 : 100;
    m.lot_exponent = 0;
    s.lot_size_e8 = 100'000'000;
    // One contract at p ticks is worth contract_usd / (p * 10^tick) BTC = contract_usd *
    // 10^(8 - tick) / p satoshi.
    s.multiplier = m.contract_usd * pow10(8 - tick);
    s.brackets = inverse_brackets();
    max_position = kMaxNotional / s.multiplier;
  } else {
    s.kind = ContractKind::kLinearPerpetual;
    s.settlement_asset = kUsdAsset;
    int lot = o.has_trades ? o.min_size_exponent : floor_log10(1.0 / first) + 1;
    // Money per tick*lot = 10^(6 + tick + lot) must be a whole number.
    lot = std::clamp(lot, -6 - tick, 0);
    m.lot_exponent = lot;
    s.lot_size_e8 = pow10(8 + lot);
    s.multiplier = pow10(6 + tick + lot);
    s.brackets = linear_brackets();
    max_position =
        static_cast<std::int64_t>(kMaxNotional / (Int128{s.multiplier} * s.max_price.raw()));
  }
  s.max_position = Qty{std::min<std::int64_t>(max_position, 1'000'000'000'000)};
  bool exact = true;
  s.initial_mark = Price{
      std::clamp(price_to_ticks(m, o.first_price, exact), s.min_price.raw(), s.max_price.raw())};
  return m;
}

std::int64_t price_to_ticks(const MappedInstrument& m, Decimal price, bool& exact) noexcept {
  const FixedResult r = to_fixed(price, -m.price_exponent, Rounding::kNearest);
  if (r.status != FixedStatus::kExact) exact = false;
  return r.value;
}

std::int64_t size_to_lots(const MappedInstrument& m, Decimal size, bool& exact) noexcept {
  const FixedResult r = to_fixed(size, -m.lot_exponent, Rounding::kNearest);
  if (r.status != FixedStatus::kExact) exact = false;
  if (r.value == 0 && size.mantissa > 0) {
    exact = false;
    return 1;
  }
  return r.value;
}

}  // namespace backstop::replay
