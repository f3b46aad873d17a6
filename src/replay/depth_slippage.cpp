#include "replay/depth_slippage.hpp"

#include <limits>
#include <vector>

#include "backstop/margin.hpp"
#include "backstop/money.hpp"

namespace backstop::replay {

namespace {

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

std::optional<sizing::SlippageCurve> curve_of(const std::array<double, kDepthBands>& side,
                                              const MappedInstrument& m, const InstrumentRisk& risk,
                                              std::int64_t mark_ticks) {
  const std::array<std::int64_t, kDepthBands> lots = depth_in_lots(side, m, mark_ticks);
  std::vector<sizing::SlippagePoint> points;
  Int128 previous = 0;
  Int128 cost = 0;  // in units of 1/200 of money: (j - 1/2) % of a notional is (2j - 1) / 200
  for (std::size_t k = 0; k < kDepthBands; ++k) {
    const Int128 value = value_down(risk, lots[k], mark_ticks);
    const Int128 v = value < 0 ? -value : value;
    if (v <= previous) continue;  // an empty band adds no point
    cost += (v - previous) * static_cast<std::int64_t>(2 * k + 1);
    previous = v;
    if (v > kInt64Max) break;
    points.push_back(
        {static_cast<std::int64_t>(v), static_cast<std::int64_t>(div_round_up(cost, Int128{200}))});
  }
  if (!sizing::SlippageCurve::validate(points).empty()) return std::nullopt;
  return sizing::SlippageCurve(std::move(points));
}

}  // namespace

DepthSlippage depth_slippage(const DepthSnapshot& d, const MappedInstrument& m,
                             const InstrumentRisk& risk, std::int64_t mark_ticks) {
  return {curve_of(d.bid_notional, m, risk, mark_ticks),
          curve_of(d.ask_notional, m, risk, mark_ticks)};
}

}  // namespace backstop::replay
