// Anti-procyclicality (docs/sizing.md, "Anti-procyclicality"): EMIR RTS 153/2013 Art. 28's three
// tools, one of them configured, so that a requirement does not jump up in a crisis (when members
// can least post it) after falling in calm. (a) a buffer on the requirement, drawn down while the
// figure rises sharply; (b) a weight of at least 25 % on the observations of the stressed window;
// (c) a floor at the figure over a long (10-year) lookback. Owned by the sizing consumer's thread
// (cold). Cost: (a) O(1) per figure; (b) O(n log n); (c) two historical figures.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "sizing/var_es.hpp"

namespace backstop::sizing {

enum class ApcTool : std::uint8_t {
  kNone = 0,
  kBuffer = 1,          // Art. 28(1)(a)
  kStressedWeight = 2,  // Art. 28(1)(b)
  kLookbackFloor = 3,   // Art. 28(1)(c)
};

struct ApcConfig {
  ApcTool tool = ApcTool::kBuffer;
  double buffer = 0.25;  // (a): the requirement is (1 + buffer) x the figure in calm
  // (a): a figure at least (1 + stress_rise) x the previous one starts a stress, which lasts while
  // the figure keeps rising.
  double stress_rise = 0.10;
  double stressed_weight = 0.25;  // (b): the stressed window's share of the total weight
  // (b), (c): the current figure is over the latest `lookback` scenarios (0: all).
  std::size_t lookback = 0;
  std::size_t stressed_window = 0;  // (b): its length in scenarios (0: lookback's)
  // (c): the floor is the figure over the latest `floor_lookback` scenarios, 10 years' worth (0,
  // or more than there are: all loaded).
  std::size_t floor_lookback = 0;
};

enum class ApcConfigError : std::uint8_t {
  kNone = 0,
  kNegativeBuffer = 1,
  kStressedWeightOutOfRange = 2,  // Art. 28(1)(b) asks for at least 0.25; must be below 1
  kNegativeStressRise = 3,
};
[[nodiscard]] ApcConfigError validate(const ApcConfig& config) noexcept;

// (a) The buffered requirement over successive figures. In calm: (1 + buffer) x figure. In stress
// (see ApcConfig::stress_rise) the previous requirement holds as long as it covers (1 + buffer) x
// figure at most and the figure at least: max(figure, min((1 + buffer) x figure, previous)), so the
// buffer absorbs the rise; it is rebuilt when the figure stops rising.
class BufferedRequirement {
 public:
  explicit BufferedRequirement(const ApcConfig& config) noexcept : config_(config) {}
  double update(double figure) noexcept;
  bool in_stress() const noexcept { return in_stress_; }

 private:
  ApcConfig config_;
  bool started_ = false;
  bool in_stress_ = false;
  double previous_figure_ = 0;
  double previous_requirement_ = 0;
};

// (b) The stressed window: the `window` consecutive scenarios of the loaded history with the
// largest sum of squared losses of this portfolio (its most volatile period; the earliest on a
// tie). Returns its first index. Precondition: 0 < window <= losses.size().
std::size_t worst_window_start(std::span<const double> losses, std::size_t window) noexcept;

// (b) VaR / ES of the weighted sample: the latest `lookback` losses share 1 - stressed_weight
// equally, the stressed window's losses share stressed_weight equally (a scenario in both counts
// in both). `losses` are in time order, all loaded scenarios. nullopt for an empty sample.
std::optional<TailFigures> stressed_weighted_var_es(std::span<const double> losses,
                                                    const ApcConfig& apc,
                                                    const VarEsConfig& config);

// (c) Each figure is the larger of that over the latest `lookback` losses and that over the latest
// `floor_lookback` losses. nullopt for an empty sample.
std::optional<TailFigures> lookback_floored_var_es(std::span<const double> losses,
                                                   const ApcConfig& apc, const VarEsConfig& config);

// The figures the configured tool gives for losses in time order (all loaded scenarios): kNone
// and kBuffer, the historical figures over the latest `lookback` (the buffer then applies to the
// requirement, through BufferedRequirement); kStressedWeight, (b); kLookbackFloor, (c). nullopt
// for an empty sample.
std::optional<TailFigures> apc_var_es(std::span<const double> losses, const ApcConfig& apc,
                                      const VarEsConfig& config);

}  // namespace backstop::sizing
