// The conventions in which venues differ when they margin and liquidate the same position
// (docs/conventions.md): what the maintenance margin is measured on, how a bracket table applies,
// whether the closing fee is part of the bankruptcy and liquidation prices, what a close better
// than bankruptcy pays, and where a liquidation order is limited. A venue sets them once
// (RiskConfig::venue, the `[venue]` TOML section, or a preset: venue_presets.hpp); an instrument
// may override them (InstrumentSpec::conventions). Cold configuration; the engine copies the
// resolved set into each instrument's hot parameters (InstrumentRisk::conventions).
#pragma once

#include <cstdint>

namespace backstop {

// What the maintenance margin (and the bracket it falls in) is measured on.
enum class MarginBasis : std::uint8_t {
  kMarkValue = 0,   // |q| x value at the mark: moves with the mark (Binance, BitMEX, dYdX)
  kEntryValue = 1,  // |q| x value at the average entry price: fixed while the position is (Bybit,
                    // KuCoin classic isolated margin)
};

// How a bracket (risk-limit tier) table turns a notional into a margin.
enum class TierRule : std::uint8_t {
  // N x rate(N) - cum(N), the "maintenance amount" keeping the margin continuous across brackets
  // (Binance).
  kContinuous = 0,
  // N x rate(N): the whole position at its tier's rate, so the margin jumps at a tier's edge
  // (Bybit and KuCoin risk limits, BitMEX).
  kWholePosition = 1,
};

// What a liquidation close better than the bankruptcy price leaves (the account's equity after
// the close, E >= 0) pays; F = liquidation_fee_rate x the closed notional (WaterfallConfig).
enum class SurplusRule : std::uint8_t {
  kAllToInsurance = 0,  // min(F, E), then the rest of E, to the insurance fund (BitMEX, Binance)
  // min(E, surplus_fee_cap_rate x the closed notional) to the insurance fund, the rest back to the
  // trader (dYdX v4: max_liquidation_fee_ppm).
  kFeeCapped = 1,
  kFeeOnly = 2,  // min(F, E) to the insurance fund, the rest back to the trader
};

// The limit price of a LiquidationOrder (order mode).
enum class OrderLimit : std::uint8_t {
  kBankruptcy = 0,  // the bankruptcy price of the lots it closes
  // dYdX v4's fillable price: the bankruptcy price moved toward the mark by the spread-to-
  // maintenance-margin ratio (fillable_spread_ratio) scaled by how far under water the account is.
  kFillable = 1,
};

struct VenueConventions {
  MarginBasis maintenance_basis = MarginBasis::kMarkValue;
  TierRule tiers = TierRule::kContinuous;
  // Millionths of the notional: the fee to close, included in the margin requirements (on the
  // value at the mark) and in the bankruptcy price (on the value at that price), so also in the
  // liquidation price (Bybit, Phemex: the taker fee); 0: not included.
  std::int64_t closing_fee_rate = 0;
  SurplusRule surplus = SurplusRule::kAllToInsurance;
  std::int64_t surplus_fee_cap_rate = 0;  // kFeeCapped: millionths of the closed notional
  OrderLimit order_limit = OrderLimit::kBankruptcy;
  std::int64_t fillable_spread_ratio = 0;  // kFillable: millionths (dYdX's SMMR 1.5: 1'500'000)

  bool operator==(const VenueConventions&) const = default;
};

}  // namespace backstop
