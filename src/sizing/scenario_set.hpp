// Stress scenarios for the coverage book (docs/coverage.md): each scenario is one joint move of
// every instrument, a price shock as a fraction of the reference mark (-0.30 = the mark falls 30
// %). Instruments of one underlying (BTCUSDT, BTCUSD_PERP, XBTUSD) always move together: a scenario
// is built per underlying and then spread to its instruments. Three sources, appended in the order
// they are added: a SPAN-style grid of fractions of a scan range, the worst historical moves of
// given joint horizon-return series, and named hypothetical scenarios from a TOML file.
// Cold code, built once at start-up or on a reload; owned by the sizing consumer's thread.
// Cost: O(scenarios x instruments) memory and construction time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backstop/instrument.hpp"

namespace backstop::sizing {

// Which underlying each instrument moves with. Indices into `names`; one entry per instrument.
struct UnderlyingMap {
  std::vector<std::string> names;  // BTC, ETH, ... in first-seen order
  std::vector<std::uint32_t> of_instrument;
};

// The base asset of a symbol: the part before a '_' or '-' suffix (BTCUSD_PERP, BTC-PERP), minus a
// quote currency suffix (USDT, USDC, BUSD, FDUSD, USD); XBT is BTC (BitMEX's name).
std::string base_asset_of(std::string_view symbol);

// Instruments grouped by the base asset of their symbols (base_asset_of).
UnderlyingMap underlyings_by_base_asset(std::span<const InstrumentSpec> instruments);

// The SPAN-style grid: for k = 1..steps the fractions ±scan_range·k/steps (default ±5 % … ±50 %).
struct GridOptions {
  double scan_range = 0.50;
  std::uint32_t steps = 10;
  bool all_underlyings_together = true;  // one scenario per fraction moving every underlying
  bool each_underlying_alone = true;     // one per fraction and underlying, the others still
};

// The worst historical moves: for each underlying (its first instrument's series), the `per_side`
// times of its largest fall and of its largest rise; each picked time becomes one scenario with
// every instrument's return at that time (the joint move, so correlation is kept).
struct HistoricalOptions {
  std::uint32_t per_side = 1;
  // labels[t], when given (one per time), names time t in the scenario's name (e.g. its UTC time);
  // otherwise the name says `t=<index>`.
  std::vector<std::string> labels;
};

class ScenarioSet {
 public:
  explicit ScenarioSet(UnderlyingMap underlyings);

  // Appends the grid. Returns an error message (empty when added): steps 0, scan_range outside
  // (0, 1) (a fall of 100 % or more leaves no price).
  std::string add_grid(const GridOptions& options);

  // Appends the worst historical moves. `returns_by_instrument[i]` is instrument i's horizon
  // returns (fractions) over time; all series equally long and time-aligned. Errors: wrong series
  // count, unequal lengths, a return <= -1 or not finite.
  std::string add_historical(std::span<const std::span<const double>> returns_by_instrument,
                             const HistoricalOptions& options);

  // Appends the named scenarios of a TOML document:
  //   [[scenario]]
  //   name = "2025-10-10 at 2x"
  //   shock = { BTC = -0.30, ETHUSDT = -0.45 }
  // A key is an underlying (every instrument of it moves) or an instrument symbol (that instrument
  // only, overriding its underlying's shock); instruments not named do not move. Errors name the
  // source and line: "file.toml:3: scenario[0].shock.DOGE: no such underlying or instrument".
  // Nothing is appended unless the whole document is valid.
  std::string add_toml(std::string_view text, std::string_view source,
                       std::span<const InstrumentSpec> instruments);

  // Appends one scenario from per-underlying shocks (one per underlying name).
  std::string add(std::string name, std::span<const double> shock_by_underlying);

  std::size_t size() const noexcept { return names_.size(); }
  std::size_t instrument_count() const noexcept { return underlyings_.of_instrument.size(); }
  const std::string& name(std::size_t s) const { return names_[s]; }
  // The shocks of scenario s, one per instrument.
  std::span<const double> shocks(std::size_t s) const noexcept {
    return {shocks_.data() + s * instrument_count(), instrument_count()};
  }
  const UnderlyingMap& underlyings() const noexcept { return underlyings_; }

 private:
  void push(std::string name, std::span<const double> shock_by_instrument);

  UnderlyingMap underlyings_;
  std::vector<std::string> names_;
  std::vector<double> shocks_;  // scenario-major: [s * instruments + i]
};

}  // namespace backstop::sizing
