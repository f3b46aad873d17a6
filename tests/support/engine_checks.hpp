// Full recomputations over the risk engine's public state, for tests and as the benchmarks' naive
// baselines: what the incremental structures must always agree with. Cold; O(everything).
#pragma once

#include <cstdint>
#include <span>

#include "backstop/liquidation_index.hpp"
#include "backstop/risk_engine.hpp"

namespace backstop::checks {

// Brute-force rescan: evaluates every account and counts those with equity < MM.
// O(accounts * P).
inline std::uint32_t rescan_liquidatable(const RiskEngine& e) noexcept {
  std::uint32_t n = 0;
  for (std::uint32_t a = 0; a < e.account_count(); ++a) {
    const AccountMargin m = e.slot_margin(a);
    n += m.equity < m.maintenance ? 1u : 0u;
  }
  return n;
}

// Each side of `index` is a heap (longs: largest trigger on top; shorts: smallest) whose entries
// point at positions of `pool` that point back at them with the same key. O(n).
inline bool verify_heaps(const LiquidationIndex& index, std::span<const Position> pool) noexcept {
  for (HeapSide side : {HeapSide::kLong, HeapSide::kShort}) {
    const std::uint32_t n = side == HeapSide::kLong ? index.long_count() : index.short_count();
    for (std::uint32_t i = 0; i < n; ++i) {
      const TriggerEntry& e = index.entry(side, i);
      if (e.position >= pool.size()) return false;
      const Position& p = pool[e.position];
      if (p.heap_side != side || p.heap_index != i || p.trigger != e.trigger) return false;
      if (i == 0) continue;
      const std::int64_t parent = index.entry(side, (i - 1) / 2).trigger;
      if (side == HeapSide::kLong ? e.trigger > parent : e.trigger < parent) return false;
    }
  }
  return std::uint64_t{index.long_count()} + index.short_count() <= index.capacity();
}

// Every heap is a heap with correct back-pointers, every open position of a healthy account is in
// the heap of its side, and no flagged account has a trigger. O(accounts * P + n).
inline bool verify_index(const RiskEngine& e) noexcept {
  const std::span<const Position> pool = e.position_pool();
  for (std::uint32_t i = 0; i < e.instrument_count(); ++i) {
    if (!verify_heaps(e.liquidation_index(static_cast<std::uint16_t>(i)), pool)) return false;
  }
  for (std::uint32_t a = 0; a < e.account_count(); ++a) {
    const bool flagged = e.account(a).status != AccountStatus::kHealthy;
    if (flagged != (e.account(a).flagged_index != kNoSlot)) return false;
    for (const Position& p : e.positions(a)) {
      if (p.qty == 0) return false;
      const HeapSide want =
          flagged ? HeapSide::kNone : (p.qty > 0 ? HeapSide::kLong : HeapSide::kShort);
      if (p.heap_side != want) return false;
    }
  }
  return true;
}

}  // namespace backstop::checks
