#include "report/drawdown_level.hpp"

#include <deque>

#include "backstop/money.hpp"

namespace backstop::report {

std::vector<std::int64_t> drawdown_levels(std::span<const FundSample> samples,
                                          std::int64_t drawdown_ppm, std::int64_t window_ns) {
  std::vector<std::int64_t> levels;
  levels.reserve(samples.size());
  // Indices of the window's samples whose fund is higher than every later one's: the front is
  // the window's maximum.
  std::deque<std::size_t> maxima;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const FundSample& s = samples[i];
    while (!maxima.empty() && samples[maxima.back()].fund <= s.fund)
      maxima.pop_back();
    maxima.push_back(i);
    // Only a sample older than t - W leaves, as in the engine's window (ControlState::note_level)
    // (written as a difference of two ordered times, which cannot overflow).
    while (s.time_ns - samples[maxima.front()].time_ns > window_ns)
      maxima.pop_front();
    const std::int64_t high = samples[maxima.front()].fund;
    levels.push_back(static_cast<std::int64_t>(
        div_round_up(Int128{high} * (kRateScale - drawdown_ppm), kRateScale)));
  }
  return levels;
}

}  // namespace backstop::report
