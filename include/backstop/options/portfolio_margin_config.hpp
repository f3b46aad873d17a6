// The scenario grid of portfolio margin, Deribit style (docs/options.md): its parameters, their
// validation, and the scenario each index of the grid stands for. Header-only. Cost: O(1) per call.
//
// Defaults are Deribit's published model for BTC:
// - underlying moves of +/-16 % in 9 evenly spaced buckets (4 steps a side and 0), each with the
//   volatility up, unchanged and down; an extended table of -66 %, -33 %, +50 %, +100 % ... +500 %
//   on volatility up only, counted at a fraction ("Portfolio Margin", support.deribit.com, article
//   25944756247837);
// - volatility shocks sigma * (1 + 0.5 * (30 / days)^p) up, floored at 50 % vol, and
//   sigma * (1 - 0.25 * (30 / days)^p) down, floored at 0, with p = 0.3 under 30 days and 0.13
//   beyond (Deribit's BTC parameters as docs.oreome.com "Advanced Risk Scenarios" lists them);
// - a contingency of 0.01 coin per net short option per strike, i.e. 1 % of the underlying per
//   contract of 1 coin (deribit.com/pages/docs/portfoliomargin).
// Deribit does not publish its extended-table fraction and dampener as one figure; here they are
// one configured fraction (default 1/3), and the initial margin is a configured multiple of the
// maintenance margin (default 1.3).
#pragma once

#include <array>
#include <cstdint>

#include "backstop/money.hpp"
#include "backstop/options/option_status.hpp"

namespace backstop {

inline constexpr std::size_t kMaxExtendedMoves = 16;
inline constexpr std::uint32_t kMaxPriceSteps = 64;

enum class VolatilityShock : std::uint8_t { kUp = 0, kUnchanged = 1, kDown = 2 };

struct PortfolioMarginConfig {
  // All rates and fractions in millionths (kRateScale).
  std::int64_t price_range_ppm = 160'000;  // the grid's largest move, each way
  std::uint32_t price_steps = 4;           // buckets a side; the grid has 2 * steps + 1 moves
  std::int64_t volatility_up_ppm = 500'000;
  std::int64_t volatility_down_ppm = 250'000;
  std::int64_t volatility_up_floor_ppm = 500'000;  // sigma after an up shock is at least this
  std::int64_t reference_days = 30;                // the tenor where the shock is its nominal size
  std::int64_t short_term_power_ppm = 300'000;     // p under reference_days
  std::int64_t long_term_power_ppm = 130'000;      // p at and beyond reference_days
  std::array<std::int64_t, kMaxExtendedMoves> extended_moves_ppm = {
      -660'000, -330'000, 500'000, 1'000'000, 2'000'000, 3'000'000, 4'000'000, 5'000'000};
  std::uint32_t extended_move_count = 8;
  std::int64_t extended_fraction_ppm = 333'333;   // share of an extended scenario's loss counted
  std::int64_t option_contingency_ppm = 10'000;   // of the underlying per net short contract
  std::int64_t initial_multiple_ppm = 1'300'000;  // IM = MM x this
};

// kOk, or kInvalidConfig when a parameter is out of its range: a range in (0, 100 %), 1 to 64
// steps, shocks and powers >= 0 (the down shock at most 100 %), reference_days > 0, extended moves
// above -100 % and at most kMaxExtendedMoves, the fraction in [0, 100 %], the contingency >= 0 and
// the initial multiple at least 1.
inline constexpr OptionStatus validate_portfolio_margin_config(
    const PortfolioMarginConfig& c) noexcept {
  const bool valid =
      c.price_range_ppm > 0 && c.price_range_ppm < kRateScale && c.price_steps >= 1 &&
      c.price_steps <= kMaxPriceSteps && c.volatility_up_ppm >= 0 &&
      c.volatility_up_ppm <= 100 * kRateScale && c.volatility_down_ppm >= 0 &&
      c.volatility_down_ppm <= kRateScale && c.volatility_up_floor_ppm >= 0 &&
      c.volatility_up_floor_ppm <= 100 * kRateScale && c.reference_days > 0 &&
      c.short_term_power_ppm >= 0 && c.short_term_power_ppm <= 10 * kRateScale &&
      c.long_term_power_ppm >= 0 && c.long_term_power_ppm <= 10 * kRateScale &&
      c.extended_move_count <= kMaxExtendedMoves && c.extended_fraction_ppm >= 0 &&
      c.extended_fraction_ppm <= kRateScale && c.option_contingency_ppm >= 0 &&
      c.option_contingency_ppm <= kRateScale && c.initial_multiple_ppm >= kRateScale &&
      c.initial_multiple_ppm <= 100 * kRateScale;
  if (!valid) return OptionStatus::kInvalidConfig;
  for (std::uint32_t i = 0; i < c.extended_move_count; ++i) {
    const std::int64_t m = c.extended_moves_ppm[i];
    if (m <= -kRateScale || m > 100 * kRateScale) return OptionStatus::kInvalidConfig;
  }
  return OptionStatus::kOk;
}

// The grid's moves, each with three volatility shocks, then the extended moves (volatility up).
inline constexpr std::uint32_t grid_move_count(const PortfolioMarginConfig& c) noexcept {
  return 2 * c.price_steps + 1;
}
inline constexpr std::uint32_t scenario_count(const PortfolioMarginConfig& c) noexcept {
  return grid_move_count(c) * 3 + c.extended_move_count;
}

struct PortfolioScenario {
  std::int64_t move_ppm;  // the underlying's relative move, millionths
  VolatilityShock shock;
  bool extended;  // its loss counts at extended_fraction_ppm
};

// Scenario `index` < scenario_count(c): index = move * 3 + shock over the grid (moves from -range
// to +range; a move is range * (i - steps) / steps, truncated toward 0), then the extended moves in
// their configured order.
inline constexpr PortfolioScenario portfolio_scenario(const PortfolioMarginConfig& c,
                                                      std::uint32_t index) noexcept {
  const std::uint32_t grid = grid_move_count(c) * 3;
  if (index >= grid) {
    return PortfolioScenario{c.extended_moves_ppm[index - grid], VolatilityShock::kUp, true};
  }
  const auto step = static_cast<std::int64_t>(index / 3) - static_cast<std::int64_t>(c.price_steps);
  return PortfolioScenario{c.price_range_ppm * step / static_cast<std::int64_t>(c.price_steps),
                           static_cast<VolatilityShock>(index % 3), false};
}

// The underlying's price in a scenario: floor(price * (1 + move)), at least 1 tick.
inline constexpr std::int64_t shocked_price(std::int64_t price_ticks,
                                            std::int64_t move_ppm) noexcept {
  const Int128 p = div_round_down(Int128{price_ticks} * (kRateScale + move_ppm), kRateScale);
  return p < 1 ? 1 : clamp_to_int64(p);
}

}  // namespace backstop
