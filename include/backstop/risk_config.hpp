// Construction-time configuration of the risk engine: capacities and instruments. Cold; read once
// by the thread that builds the engine. validate_config() is the only place that rejects loudly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backstop/instrument.hpp"
#include "backstop/waterfall_config.hpp"

namespace backstop {

inline constexpr std::uint32_t kMaxAccounts = 1u << 30;
inline constexpr std::uint32_t kMaxPositionsPerAccount = 16;
inline constexpr std::uint32_t kMaxAssets = 16;
// Products the hot path forms stay within these bounds (checked here, once), so 128-bit
// intermediates never overflow: |q|*mult*price (linear) and |q|*mult (inverse) are at most 2^62
// Money, prices at most 2^40 ticks, single amounts at most 2^60.
inline constexpr std::int64_t kMaxNotional = std::int64_t{1} << 62;
inline constexpr std::int64_t kMaxPriceTicks = std::int64_t{1} << 40;
inline constexpr std::int64_t kMaxAmount = std::int64_t{1} << 60;

struct RiskConfig {
  std::uint32_t max_accounts = 1024;
  std::uint32_t positions_per_account = 4;  // open positions an account may hold at once
  std::uint32_t asset_count = 1;
  std::int64_t max_abs_funding_rate_e8 = 1'000'000;  // 1% per funding event
  std::vector<InstrumentSpec> instruments;
  VenueConventions venue;     // for every instrument without its own (venue_conventions.hpp)
  WaterfallConfig waterfall;  // liquidation and the loss waterfall (waterfall.hpp)
  // End every event's outputs with the state it left (state_feed.hpp), for a consumer off the hot
  // path such as fund sizing. Outputs only: the state is the same either way.
  bool state_feed = false;
};

// Empty when valid; otherwise "key: reason" for the first invalid value, the key named as the
// TOML configuration file names it (docs/configuration.md): `risk.max_accounts`,
// `instrument[0].max_price`, `waterfall.mode`. Symbols must be unique.
std::string validate_config(const RiskConfig& config);

// Whether an instrument's price band and position limit keep every product within kMaxNotional.
bool instrument_bounds_ok(ContractKind kind, std::int64_t multiplier, std::int64_t max_price,
                          std::int64_t max_position) noexcept;

}  // namespace backstop
