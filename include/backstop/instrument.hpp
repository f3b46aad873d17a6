// Instruments: the cold specification a venue configures (InstrumentSpec) and the hot parameters
// the risk engine derives from it at start-up (InstrumentRisk: multiplier, brackets with the
// continuity amounts `cum` precomputed), plus the per-instrument state that events move
// (InstrumentState). Owned by the risk engine thread. Lookups are O(1); a bracket search is
// O(brackets) <= kMaxBrackets.
//
// Two contract kinds, one formula: a position of q lots has the signed value q*w(m) at mark m, and
// unrealized PnL q*w(m) - C where C is the cost basis (Σ of q*w(price) over its fills).
//   linear perpetual   w(m) = m*mult          mult = Money per (tick * lot); PnL in the quote asset
//   inverse perpetual  w(m) = -mult/m         mult = Money * ticks per lot;  PnL in the base coin,
//                                             q*mult*(1/entry - 1/mark) as BitMEX XBTUSD / Binance
//                                             COIN-M
// Both are increasing in m, so a long always loses when the mark falls and a short when it rises.
//
// Either kind may be a dated future (InstrumentSpec::expiry_ns != 0): valued the same way, no
// funding, and closed once for all by a settlement event at or after its expiry (docs/futures.md).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "backstop/money.hpp"
#include "backstop/venue_conventions.hpp"

namespace backstop {

enum class ContractKind : std::uint8_t {
  kLinearPerpetual = 0,
  kInversePerpetual = 1,
};

inline constexpr std::size_t kMaxBrackets = 12;

// One leverage bracket (Binance-style): applies to notionals up to `notional_cap` (inclusive); the
// last bracket's cap is ignored (unbounded). Rates are in millionths (kRateScale).
struct MarginBracket {
  Money notional_cap;
  std::int64_t initial_rate;
  std::int64_t maintenance_rate;
};

// Cold configuration of one instrument, read at start-up.
struct InstrumentSpec {
  std::string symbol;
  ContractKind kind = ContractKind::kLinearPerpetual;
  std::uint8_t settlement_asset = 0;  // index into the venue's assets (USDT, BTC, ...)
  std::int64_t multiplier = 1;        // see the header comment for its unit per kind
  std::int64_t tick_size_e8 = 0;      // descriptive: tick size in 1e-8 of the quote currency
  std::int64_t lot_size_e8 = 0;       // descriptive: lot size in 1e-8 of the base (or contracts)
  Price min_price{1};                 // the price band: marks and fills outside are rejected
  Price max_price{1};
  Price initial_mark{1};  // the mark before the first MarkPrice event
  Qty max_position{1};    // |position| limit per account, in lots
  std::vector<MarginBracket> brackets;
  // This instrument's conventions where they differ from the venue's (RiskConfig::venue).
  std::optional<VenueConventions> conventions;
  // A dated future's expiry, ns since the epoch (event time); 0: a perpetual (docs/futures.md).
  std::int64_t expiry_ns = 0;
};

// A bracket with its continuity amounts. cum_* are scaled by kRateScale so that they stay integers:
// MM(N) = (N*maintenance_rate - cum_mm) / kRateScale, continuous across brackets and convex in N.
struct BracketParams {
  std::int64_t notional_cap;  // Money; the last bracket's is INT64_MAX
  std::int64_t initial_rate;
  std::int64_t maintenance_rate;
  Int128 cum_initial;
  Int128 cum_maintenance;
};

// Hot, read-only parameters of one instrument.
struct InstrumentRisk {
  ContractKind kind;
  std::uint8_t settlement_asset;
  std::uint8_t bracket_count;
  std::int64_t multiplier;
  std::int64_t min_price;
  std::int64_t max_price;
  std::int64_t max_position;
  std::array<BracketParams, kMaxBrackets> brackets;
  VenueConventions conventions;  // resolved: the instrument's own, else the venue's
  std::int64_t expiry_ns;        // a dated future's expiry; 0: a perpetual
};

// What events move: the mark and the cumulative funding indices (Money per lot, integer). Longs pay
// `long_funding_index` deltas, shorts receive `short_funding_index` deltas; the long index is
// rounded up and the short index down at each funding event, and the difference times open interest
// goes to the insurance fund then (docs/design.md §2: remainders to the insurance fund). A dated
// future, once settled, keeps its settlement price (and that as its mark) and no position.
struct InstrumentState {
  std::int64_t mark;
  std::int64_t long_funding_index;
  std::int64_t short_funding_index;
  std::int64_t open_interest;     // Σ of long positions' lots (= Σ of short lots)
  std::int64_t settlement_price;  // a dated future's, once settled (prices are >= 1); 0 before
};

inline constexpr bool is_settled(const InstrumentState& s) noexcept {
  return s.settlement_price != 0;
}

inline constexpr std::int64_t funding_index_for(const InstrumentState& s,
                                                std::int64_t qty) noexcept {
  return qty > 0 ? s.long_funding_index : s.short_funding_index;
}

// Derives the hot parameters; `venue` applies unless the spec has its own conventions (and with
// TierRule::kWholePosition the continuity amounts are 0). Precondition: the config passed
// validate_config() (risk_config.hpp).
InstrumentRisk make_instrument_risk(const InstrumentSpec& spec,
                                    const VenueConventions& venue = VenueConventions{});

}  // namespace backstop
