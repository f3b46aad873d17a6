#include "sizing/liquidation_horizon.hpp"

#include <algorithm>
#include <cmath>

namespace backstop::sizing {

HorizonConfigError validate(const LiquidationHorizonConfig& config) noexcept {
  if (config.mpor_ns <= 0) return HorizonConfigError::kNonPositiveMpor;
  if (!(config.participation > 0 && config.participation <= 1)) {
    return HorizonConfigError::kParticipationOutOfRange;
  }
  if (config.max_horizon_ns < config.mpor_ns) return HorizonConfigError::kMaxBelowMpor;
  return HorizonConfigError::kNone;
}

std::int64_t liquidation_horizon_ns(const LiquidationHorizonConfig& config, double position,
                                    double adv_per_day) noexcept {
  const double size = std::fabs(position);
  if (size == 0) return config.mpor_ns;
  if (!(adv_per_day > 0) || !std::isfinite(size)) return config.max_horizon_ns;
  const double days = size / (config.participation * adv_per_day);
  const double ns = std::ceil(days * static_cast<double>(kNsPerDay));
  // Compared in double before converting, so that a huge ratio cannot overflow the int64.
  if (!(ns < static_cast<double>(config.max_horizon_ns))) return config.max_horizon_ns;
  return std::max(config.mpor_ns, static_cast<std::int64_t>(ns));
}

std::int64_t horizon_intervals(std::int64_t horizon_ns, std::int64_t interval_ns) noexcept {
  const std::int64_t whole = horizon_ns / interval_ns + (horizon_ns % interval_ns != 0 ? 1 : 0);
  return std::max<std::int64_t>(1, whole);
}

}  // namespace backstop::sizing
