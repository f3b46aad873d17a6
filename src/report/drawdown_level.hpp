// The engine's fund-drawdown level (docs/waterfall.md, "Drawdown") recomputed from a series of
// insurance-fund samples, for the HTML report's fund chart: at sample i,
//   L_i = ceil(M_i x (10^6 - X) / 10^6),  M_i = max{ fund_j : t_i - W <= t_j <= t_i },
// X the trigger's drawdown in ppm, W its window. The window is the engine's (a sample exactly W old
// still counts). Exact in integers (128-bit product), rounded up as the engine rounds its level:
// the conservative reading of how close the fund came to the trigger (rounded down, the fund would
// look a unit safer than it is).
// Pure function; the calling thread. Cost: O(samples) (a monotonic queue of the window's maxima).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace backstop::report {

struct FundSample {
  std::int64_t time_ns = 0;
  std::int64_t fund = 0;  // the asset's Money, >= 0
};

// One level per sample, in the samples' order. Preconditions: times non-decreasing,
// 0 < drawdown_ppm < 10^6, window_ns > 0.
[[nodiscard]] std::vector<std::int64_t> drawdown_levels(std::span<const FundSample> samples,
                                                        std::int64_t drawdown_ppm,
                                                        std::int64_t window_ns);

}  // namespace backstop::report
