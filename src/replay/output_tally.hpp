// OutputTally: counts the engine's outputs into the replay's summary (flags, liquidations,
// bankruptcies, fund draws per asset), forwards each to the caller's on_output hook, and keeps the
// outputs the generator reacts to for the reaction gate. The same handler serves the synchronous
// and the threaded run. Internal to the replay; the replay's calling thread. Cost: O(1) per output.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "pipeline/output_event.hpp"
#include "replay/instrument_map.hpp"
#include "replay/replay.hpp"

namespace backstop::replay {

// The waterfall records the generator reacts to (EventBuilder::react).
inline bool reacts_to(WaterfallKind k) noexcept {
  return k == WaterfallKind::kLiquidationOrder || k == WaterfallKind::kTakeover ||
         k == WaterfallKind::kAdlClose;
}

struct OutputTally {
  ReplaySummary& summary;
  // Per account id: bit 0 flagged liquidatable, bit 1 bankrupt, bit 2 liquidated.
  std::vector<std::uint8_t>& seen;
  const std::function<void(const OutputEvent&)>& forward;
  std::deque<OutputEvent>* reactions = nullptr;  // the outputs the generator reacts to
  bool keep_state = false;      // the state feed's records too, for the sizing stage
  std::uint64_t processed = 0;  // inputs applied and their outputs counted (threaded mode)
  std::array<std::int64_t, kReplayAssetCount> fees{};
  std::array<std::int64_t, kReplayAssetCount> insurance_drawn{};
  std::array<std::int64_t, kReplayAssetCount> default_fund_drawn{};

  std::uint8_t& flags_of(std::uint64_t id) { return seen[id < seen.size() ? id : 0]; }

  void on_waterfall(const WaterfallRecord& r) {
    const std::size_t a = r.asset < kReplayAssetCount ? r.asset : 0;
    switch (r.kind) {
      case WaterfallKind::kTakeover: {
        std::uint8_t& flags = flags_of(r.account);
        if ((flags & 4u) == 0) ++summary.accounts_liquidated;
        flags |= 4u;
        break;
      }
      case WaterfallKind::kLiquidationFee:
      case WaterfallKind::kSurplus:
        fees[a] += r.amount;
        break;
      case WaterfallKind::kInsuranceDraw:
        ++summary.insurance_draws;
        insurance_drawn[a] += r.amount;
        break;
      case WaterfallKind::kDefaultFundDraw:
        ++summary.default_fund_draws;
        default_fund_drawn[a] += r.amount;
        break;
      case WaterfallKind::kSocializedLoss:
        ++summary.socializations;
        break;
      default:
        break;
    }
  }

  void on_risk(const RiskOutput& r) {
    std::uint8_t& flags = flags_of(r.account);
    switch (r.type) {
      case OutputType::kBecameLiquidatable:
        ++summary.became_liquidatable;
        if ((flags & 1u) == 0) ++summary.flagged;
        flags |= 1u;
        break;
      case OutputType::kBecameBankrupt:
        ++summary.became_bankrupt;
        if ((flags & 1u) == 0) ++summary.flagged;
        if ((flags & 2u) == 0) ++summary.bankruptcies;
        flags |= 3u;
        break;
      case OutputType::kRecovered:
        ++summary.recovered;
        break;
      case OutputType::kUnderInitialMargin:
        ++summary.under_initial_margin;
        break;
    }
  }

  void operator()(const OutputEvent& out) {
    if (forward) forward(out);
    switch (out.kind) {
      case OutputKind::kRejected:
        ++summary.rejections;
        return;
      case OutputKind::kProcessed:  // not asked for (EngineConfig::acknowledge_inputs is off)
        return;
      case OutputKind::kWaterfall:
        on_waterfall(out.waterfall);
        if (reactions != nullptr && (keep_state || reacts_to(out.waterfall.kind)))
          reactions->push_back(out);
        return;
      case OutputKind::kAdlQuantile:
        return;
      case OutputKind::kState:  // the sizing stage's, through the gate
        if (keep_state && reactions != nullptr) reactions->push_back(out);
        return;
      case OutputKind::kRisk:
        on_risk(out.risk);
        // A recovery cancels a pending liquidation order.
        if (out.risk.type == OutputType::kRecovered && reactions != nullptr)
          reactions->push_back(out);
        return;
    }
  }
};

}  // namespace backstop::replay
