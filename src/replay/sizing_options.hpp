// What the replay's fund sizing is asked to do (sizing_stage.hpp, docs/sizing.md): the return
// interval and decision cadence, the VaR / ES method and levels, the liquidation horizon, the
// stress scenarios and the coverage tiers. Plain data; cold.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sizing/anti_procyclicality.hpp"
#include "sizing/contributions.hpp"
#include "sizing/coverage_tiers.hpp"
#include "sizing/liquidation_horizon.hpp"
#include "sizing/price_deviation.hpp"
#include "sizing/return_history.hpp"
#include "sizing/scenario_set.hpp"
#include "sizing/var_es.hpp"

namespace backstop::replay {

enum class VarMethod : std::uint8_t { kHistorical = 0, kFiltered = 1, kParametric = 2 };

inline constexpr std::size_t kTopAccounts = 20;  // accounts the report lists, by VaR

struct SizingOptions {
  std::int64_t interval_ns = sizing::kDefaultReturnIntervalNs;  // returns and decisions
  std::size_t history_capacity = 1 << 20;                       // returns per instrument
  // Market-data files of earlier days (the replayed instruments' marks, candles or trades) loaded
  // into the return history before the replay's own marks; they should end before it starts.
  std::vector<std::string> history_files;
  VarMethod method = VarMethod::kHistorical;
  sizing::VarEsConfig var;
  // Anti-procyclicality (EMIR RTS 153/2013 Art. 28; anti_procyclicality.hpp) on the historical and
  // filtered figures: none unless asked.
  sizing::ApcConfig apc = [] {
    sizing::ApcConfig c;
    c.tool = sizing::ApcTool::kNone;
    return c;
  }();
  sizing::EwmaConfig ewma;
  sizing::LiquidationHorizonConfig horizon;
  // Horizon windows the history must hold for overlapping h-interval returns; with fewer, the
  // one-interval returns are scaled by sqrt(h) (the square-root-of-time rule).
  std::size_t min_horizon_windows = 250;
  sizing::GridOptions grid;
  // The worst historical moves over the margin period of risk in the loaded history
  // (history_files): per underlying, this many of its largest falls and of its largest rises. 0:
  // none.
  std::uint32_t historical_per_side = 1;
  // Slippage from the book depth in the input (docs/coverage.md): each sample takes the latest
  // snapshot's curves.
  bool depth_slippage = true;
  std::string scenarios_toml;  // named scenarios (a TOML document); empty: none
  std::string scenarios_source = "scenarios";
  sizing::CoverageTierConfig tiers;
  double recentre_band = 0.01;
  bool send_controls = true;  // publish the tier changes' RiskControl inputs
  // Default-fund contributions (docs/triggers.md): recomputed every this much event time and on
  // each tier change, the requirement being the part of Cover-2 the insurance fund does not
  // cover, split over the clearing members by `contribution_basis`, each at least
  // `contribution_floor`; sent as contribution targets. 0: never.
  std::int64_t contribution_interval_ns = 3'600'000'000'000;
  sizing::ContributionBasis contribution_basis = sizing::ContributionBasis::kStressedDeficit;
  std::int64_t contribution_floor = 0;
  // The price-deviation guard (docs/triggers.md): a mark beyond the band from the last trade
  // print holds the instrument's liquidations (or sends them to takeover only) for a bounded time,
  // the hold sent just before that mark. Empty: off.
  std::optional<sizing::PriceDeviationConfig> deviation;
};

}  // namespace backstop::replay
