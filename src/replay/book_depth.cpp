#include "replay/book_depth.hpp"

#include <algorithm>
#include <cmath>

#include "backstop/money.hpp"

namespace backstop::replay {

namespace {

constexpr std::int64_t kPpm = 1'000'000;

// D(x): lots within `x_ppm` of mid, rounded down (less liquidity: the venue's favour).
std::int64_t depth_at(const std::array<std::int64_t, kDepthBands>& c, std::int64_t x_ppm) {
  if (x_ppm >= kDepthBands * kDepthBandPpm) return c[kDepthBands - 1];
  const auto k = static_cast<std::size_t>(x_ppm / kDepthBandPpm);
  const std::int64_t lo = k == 0 ? 0 : c[k - 1];
  const Int128 part = Int128{c[k] - lo} * (x_ppm - static_cast<std::int64_t>(k) * kDepthBandPpm);
  return lo + static_cast<std::int64_t>(part / kDepthBandPpm);
}

}  // namespace

DepthFill walk_depth(const std::array<std::int64_t, kDepthBands>& c, std::int64_t consumed,
                     bool sell, std::int64_t mark_ticks, std::int64_t limit_ticks,
                     std::int64_t lots_wanted) noexcept {
  const std::int64_t gap = sell ? mark_ticks - limit_ticks : limit_ticks - mark_ticks;
  if (gap <= 0 || lots_wanted <= 0 || mark_ticks <= 0) return {};
  // How far from mid the limit lets the walk go, rounded down.
  const std::int64_t x_max = static_cast<std::int64_t>(
      std::min<Int128>(Int128{gap} * kPpm / mark_ticks, kDepthBands * kDepthBandPpm));
  const std::int64_t q = std::min(lots_wanted, depth_at(c, x_max) - consumed);
  if (q <= 0) return {};
  // Σ offset (ppm x lots) over the lots [consumed, consumed + q): per band, the integral of the
  // linear offset curve, rounded up.
  const std::int64_t y0 = consumed;
  const std::int64_t y1 = consumed + q;
  Int128 offset = 0;
  for (std::size_t k = 0; k < kDepthBands; ++k) {
    const std::int64_t lo = k == 0 ? 0 : c[k - 1];
    const std::int64_t hi = c[k];
    const std::int64_t a = std::max(y0, lo);
    const std::int64_t b = std::min(y1, hi);
    if (hi <= lo || a >= b) continue;
    const Int128 base = Int128{b - a} * static_cast<std::int64_t>(k) * kDepthBandPpm;
    const Int128 rise =
        Int128{kDepthBandPpm} * (Int128{b - lo} * (b - lo) - Int128{a - lo} * (a - lo));
    offset += base + div_round_up(rise, Int128{2} * (hi - lo));
  }
  const Int128 scale = Int128{q} * kPpm;
  std::int64_t ticks = 0;
  if (sell) {
    ticks = static_cast<std::int64_t>(div_round_down(Int128{mark_ticks} * (scale - offset), scale));
    ticks = std::max(ticks, limit_ticks);
  } else {
    ticks = static_cast<std::int64_t>(div_round_up(Int128{mark_ticks} * (scale + offset), scale));
    ticks = std::min(ticks, limit_ticks);
  }
  return DepthFill{q, std::max<std::int64_t>(1, ticks)};
}

std::array<std::int64_t, kDepthBands> depth_in_lots(
    const std::array<double, kDepthBands>& side_notional, const MappedInstrument& m,
    std::int64_t mark_ticks) noexcept {
  const InstrumentSpec& spec = m.spec;
  const double usd_per_lot = spec.kind == ContractKind::kInversePerpetual
                                 ? static_cast<double>(m.contract_usd)
                                 : static_cast<double>(mark_ticks) *
                                       static_cast<double>(spec.multiplier) *
                                       std::pow(10.0, asset_money_exponent(spec.settlement_asset));
  std::array<std::int64_t, kDepthBands> lots{};
  for (std::size_t k = 0; k < kDepthBands; ++k) {
    const double v = usd_per_lot > 0 ? std::floor(side_notional[k] / usd_per_lot) : 0;
    lots[k] = std::max(k == 0 ? 0 : lots[k - 1], static_cast<std::int64_t>(std::min(v, 1e15)));
  }
  return lots;
}

}  // namespace backstop::replay
