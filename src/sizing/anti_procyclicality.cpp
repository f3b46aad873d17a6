#include "sizing/anti_procyclicality.hpp"

#include <algorithm>

namespace backstop::sizing {

namespace {

std::span<const double> latest(std::span<const double> losses, std::size_t count) noexcept {
  if (count == 0 || count >= losses.size()) return losses;
  return losses.subspan(losses.size() - count);
}

}  // namespace

ApcConfigError validate(const ApcConfig& config) noexcept {
  if (!(config.buffer >= 0)) return ApcConfigError::kNegativeBuffer;
  if (!(config.stressed_weight >= 0 && config.stressed_weight < 1)) {
    return ApcConfigError::kStressedWeightOutOfRange;
  }
  if (!(config.stress_rise >= 0)) return ApcConfigError::kNegativeStressRise;
  return ApcConfigError::kNone;
}

double BufferedRequirement::update(double figure) noexcept {
  const double buffered = (1 + config_.buffer) * figure;
  if (!started_) {
    in_stress_ = false;
  } else if (figure >= (1 + config_.stress_rise) * previous_figure_ && figure > previous_figure_) {
    in_stress_ = true;
  } else if (figure <= previous_figure_) {
    in_stress_ = false;
  }
  const double requirement =
      in_stress_ ? std::max(figure, std::min(buffered, previous_requirement_)) : buffered;
  started_ = true;
  previous_figure_ = figure;
  previous_requirement_ = requirement;
  return requirement;
}

std::size_t worst_window_start(std::span<const double> losses, std::size_t window) noexcept {
  // A sliding sum keeps the search O(n); only a strictly larger sum moves the choice, so the
  // earliest window wins a tie.
  double sum = 0;
  for (std::size_t k = 0; k < window; ++k)
    sum += losses[k] * losses[k];
  double best = sum;
  std::size_t best_start = 0;
  for (std::size_t start = 1; start + window <= losses.size(); ++start) {
    const double leaving = losses[start - 1];
    const double entering = losses[start + window - 1];
    sum += entering * entering - leaving * leaving;
    if (sum > best) {
      best = sum;
      best_start = start;
    }
  }
  return best_start;
}

std::optional<TailFigures> stressed_weighted_var_es(std::span<const double> losses,
                                                    const ApcConfig& apc,
                                                    const VarEsConfig& config) {
  if (losses.empty()) return std::nullopt;
  const std::span<const double> current = latest(losses, apc.lookback);
  const std::size_t window =
      std::min(losses.size(), apc.stressed_window > 0 ? apc.stressed_window : current.size());
  const std::size_t start = worst_window_start(losses, window);
  std::vector<WeightedLoss> sample;
  sample.reserve(current.size() + window);
  const double current_weight = (1 - apc.stressed_weight) / static_cast<double>(current.size());
  const double stressed_weight = apc.stressed_weight / static_cast<double>(window);
  for (const double loss : current)
    sample.push_back({loss, current_weight});
  if (apc.stressed_weight > 0) {
    for (std::size_t k = start; k < start + window; ++k) {
      sample.push_back({losses[k], stressed_weight});
    }
  }
  return weighted_var_es(sample, config);
}

std::optional<TailFigures> lookback_floored_var_es(std::span<const double> losses,
                                                   const ApcConfig& apc,
                                                   const VarEsConfig& config) {
  if (losses.empty()) return std::nullopt;
  const std::span<const double> current_view = latest(losses, apc.lookback);
  const std::span<const double> floor_view = latest(losses, apc.floor_lookback);
  std::vector<double> current(current_view.begin(), current_view.end());
  std::vector<double> floor(floor_view.begin(), floor_view.end());
  TailFigures out = *historical_var_es(current, config);
  const TailFigures long_run = *historical_var_es(floor, config);
  if (long_run.var > out.var) {
    out.var = long_run.var;
    out.var_resolved = long_run.var_resolved;
  }
  if (long_run.es > out.es) {
    out.es = long_run.es;
    out.es_resolved = long_run.es_resolved;
  }
  return out;
}

std::optional<TailFigures> apc_var_es(std::span<const double> losses, const ApcConfig& apc,
                                      const VarEsConfig& config) {
  switch (apc.tool) {
    case ApcTool::kStressedWeight:
      return stressed_weighted_var_es(losses, apc, config);
    case ApcTool::kLookbackFloor:
      return lookback_floored_var_es(losses, apc, config);
    case ApcTool::kNone:
    case ApcTool::kBuffer:
      break;
  }
  const std::span<const double> current = latest(losses, apc.lookback);
  std::vector<double> sample(current.begin(), current.end());
  return historical_var_es(sample, config);
}

}  // namespace backstop::sizing
