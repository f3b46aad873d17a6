// Book depth as liquidity for liquidation orders: Binance bookDepth snapshots (the cumulative depth
// from mid to ±1 … 5 %) and the walk that turns one reduce-only IOC order into a fill size and a
// volume-weighted fill price. Cold code, the replay's generating thread. Cost: O(kDepthBands) per
// walk.
//
// The model: within a band the book is spread evenly over its 1 % of price, so the cumulative
// depth D(x) is piecewise linear in the offset x from mid (D(0) = 0, D(k %) = the file's figure
// for band k). A walk that starts `consumed` lots deep (what earlier orders took from the same
// snapshot) and takes q lots fills at the mean offset of that stretch of the curve; it stops at
// the order's limit (the bankruptcy price) or at the fifth band, whichever is nearer. The offset
// is summed rounded up and the price rounded to the tick against the liquidated account (a seller
// gets less, a buyer pays more): the venue's favour. The limit is never crossed.
#pragma once

#include <array>
#include <cstdint>

#include "replay/instrument_map.hpp"

namespace backstop::replay {

inline constexpr int kDepthBands = 5;
inline constexpr std::int64_t kDepthBandPpm = 10'000;  // each band is 1 % of mid

struct DepthSnapshot {
  std::int64_t ts_ns = 0;
  // Cumulative notional in the file's quote currency (USD(T)) from mid to k+1 % below (bids) and
  // above (asks); zero where the file gave no band.
  std::array<double, kDepthBands> bid_notional{};
  std::array<double, kDepthBands> ask_notional{};
};

struct DepthFill {
  std::int64_t lots = 0;   // 0: nothing within the limit
  std::int64_t ticks = 0;  // the volume-weighted fill price
};

// One side of a snapshot (cumulative USD(T) notional per band) in lots at `mark_ticks`, rounded
// down (less liquidity: the venue's favour) and non-decreasing. A linear lot is worth mark x
// multiplier in the USD asset's money units, an inverse one its contract's USD.
[[nodiscard]] std::array<std::int64_t, kDepthBands> depth_in_lots(
    const std::array<double, kDepthBands>& side_notional, const MappedInstrument& m,
    std::int64_t mark_ticks) noexcept;

// `cumulative_lots`: the depth of the side the order takes (bids for a sell), in lots, per band,
// non-decreasing. `sell`: the order sells (closes a long). Preconditions: mark_ticks > 0,
// lots_wanted > 0, 0 <= consumed.
[[nodiscard]] DepthFill walk_depth(const std::array<std::int64_t, kDepthBands>& cumulative_lots,
                                   std::int64_t consumed, bool sell, std::int64_t mark_ticks,
                                   std::int64_t limit_ticks, std::int64_t lots_wanted) noexcept;

}  // namespace backstop::replay
