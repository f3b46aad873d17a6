// The risk engine's cold half: construction (validation, every table) and the end of a restore.
#include "backstop/risk_engine.hpp"

#include <stdexcept>

namespace backstop {
namespace {

// Audit records one event may write: with liquidation off only fund deposits write any.
std::size_t audit_capacity(const RiskConfig& config) {
  const WaterfallConfig& w = config.waterfall;
  if (w.mode == LiquidationMode::kOff) return 256;
  return w.audit_capacity != 0 ? w.audit_capacity : 4 * std::size_t{config.max_accounts} + 256;
}

}  // namespace

const RiskConfig& RiskEngine::validated(const RiskConfig& config) {
  const std::string error = validate_config(config);
  if (!error.empty()) throw std::invalid_argument(error);
  return config;
}

RiskEngine::RiskEngine(const RiskConfig& config)
    : wf_config_(validated(config).waterfall),
      max_abs_funding_rate_e8_(config.max_abs_funding_rate_e8),
      ledger_(config),
      audit_(audit_capacity(config)),
      adl_(ledger_, wf_config_, wf_state_),
      waterfall_{ledger_, wf_config_, wf_state_, audit_, adl_},
      quantiles_(ledger_, adl_, wf_config_) {
  wf_state_.allocate(config.max_accounts, static_cast<std::uint32_t>(config.instruments.size()));
}

std::string RiskEngine::finish_restore() {
  const std::uint32_t accounts = account_count();
  if (wf_state_.member_count > accounts) return "bad member list";
  for (std::uint32_t k = 0; k < wf_state_.member_count; ++k) {
    if (wf_state_.members[k] >= accounts) return "bad member list";
  }
  std::string error = quantiles_.check_restored();
  if (error.empty()) error = ledger_.rebuild_derived(waterfall_);
  if (!error.empty()) return error;
  adl_.rebuild();
  ledger_.clear_outputs();
  return {};
}

}  // namespace backstop
