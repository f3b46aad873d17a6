// The replay driver's own book of its traders: who may still be drawn as a fill's counterparty
// (a pool per settlement asset; a retired trader leaves it), each trader's position per instrument
// as the driver placed it, and the one draw of a counterparty with room to trade in a direction.
// Internal to the replay; the generating thread owns it. Cost: O(1) per draw try (a random pick
// and a room check on a 16-byte record), O(1) to retire.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "backstop/account.hpp"
#include "backstop/instrument.hpp"
#include "backstop/money.hpp"
#include "replay/instrument_map.hpp"
#include "replay/population.hpp"
#include "replay/replay.hpp"
#include "replay/rng.hpp"

namespace backstop::replay {

// What a draw reads of a trader, packed (16 bytes, not Trader's 48): the draws pick traders at
// random, so this table's size decides how many of them miss the cache.
struct DrawTarget {
  std::int64_t target_notional;
  Bias bias;
};

// Lots an account may still trade in direction `buy` without passing its target (or flat, for the
// direction it only reduces in).
inline std::int64_t room(const DrawTarget& t, std::int64_t position, bool buy,
                         const InstrumentSpec& s, std::int64_t ticks) {
  const bool opens = (t.bias == Bias::kLong) == buy;
  // No price below one tick reaches a draw (the time line drops them); none would divide by zero.
  if (ticks <= 0) return 0;
  if (!opens)
    return t.bias == Bias::kLong ? std::max<std::int64_t>(position, 0)
                                 : std::max<std::int64_t>(-position, 0);
  Int128 cap = s.kind == ContractKind::kInversePerpetual
                   ? div_truncated(Int128{t.target_notional} * ticks, s.multiplier)
                   : div_truncated(t.target_notional, Int128{ticks} * s.multiplier);
  cap = std::min<Int128>(cap, s.max_position.raw());
  const std::int64_t held = t.bias == Bias::kLong ? position : -position;
  return std::max<std::int64_t>(0, static_cast<std::int64_t>(cap) - held);
}

class TraderBook {
 public:
  struct Draw {
    std::uint32_t trader = kNoSlot;  // kNoSlot: none found
    std::int64_t room = 0;           // lots it may trade
  };

  // Every trader in its asset's pool, flat in each of `instruments` instruments.
  void assign(std::vector<Trader> traders, std::size_t instruments) {
    traders_ = std::move(traders);
    instruments_ = instruments;
    pool_index_.assign(traders_.size(), kNoSlot);
    draw_targets_.reserve(traders_.size());
    for (const Trader& t : traders_)
      draw_targets_.push_back(DrawTarget{t.target_notional, t.bias});
    for (std::uint32_t i = 0; i < traders_.size(); ++i) {
      pool_index_[i] = static_cast<std::uint32_t>(by_asset_[traders_[i].asset].size());
      by_asset_[traders_[i].asset].push_back(i);
    }
    positions_.assign(traders_.size() * instruments_, 0);
  }

  [[nodiscard]] const std::vector<Trader>& traders() const noexcept { return traders_; }
  // The traders of `asset` still drawn, in an order that is a function of the input.
  [[nodiscard]] const std::vector<std::uint32_t>& pool(std::uint8_t asset) const {
    return by_asset_[asset];
  }
  [[nodiscard]] std::int64_t& position(std::uint32_t trader, std::uint16_t instrument) {
    return positions_[trader * instruments_ + instrument];
  }

  // Up to kMaxDraws uniform picks from the pool of `spec`'s settlement asset for a trader with
  // room to trade in direction `buy` at `ticks`: the first such trader and its room. A pick of
  // `exclude` is refused but counts as a try.
  [[nodiscard]] Draw draw(Rng& rng, std::uint16_t instrument, bool buy, const InstrumentSpec& spec,
                          std::int64_t ticks, std::uint32_t exclude = kNoSlot) const {
    const std::vector<std::uint32_t>& pool = by_asset_[spec.settlement_asset];
    Draw found;
    for (int d = 0; d < kMaxDraws && found.trader == kNoSlot && !pool.empty(); ++d) {
      const std::uint32_t c = pool[rng.below(pool.size())];
      if (c == exclude) continue;
      const std::int64_t r =
          room(draw_targets_[c], positions_[c * instruments_ + instrument], buy, spec, ticks);
      if (r > 0) found = Draw{c, r};
    }
    return found;
  }

  // Starts loading the records the next kPrefetchDraws picks from `asset`'s pool will read (in the
  // next trade, most likely of the same instrument), so that those cache misses overlap the
  // engine's work. `rng` is a copy of the draws' generator: the real draws do not advance. A
  // hint: changes nothing.
  void prefetch_draws(Rng rng, std::uint8_t asset, std::uint16_t instrument) const {
    const std::vector<std::uint32_t>& pool = by_asset_[asset];
    if (pool.empty()) return;
    for (int k = 0; k < kPrefetchDraws; ++k) {
      const std::uint32_t c = pool[rng.below(pool.size())];
      __builtin_prefetch(draw_targets_.data() + c);
      __builtin_prefetch(positions_.data() + c * instruments_ + instrument);
    }
  }

  // Takes `trader` out of its pool for good; false when it was already out.
  bool retire(std::uint32_t trader) {
    if (pool_index_[trader] == kNoSlot) return false;
    // Swap-remove: O(1), and the pool's order stays a function of the input.
    std::vector<std::uint32_t>& pool = by_asset_[traders_[trader].asset];
    const std::uint32_t at = pool_index_[trader];
    const std::uint32_t last = pool.back();
    pool[at] = last;
    pool_index_[last] = at;
    pool.pop_back();
    pool_index_[trader] = kNoSlot;
    return true;
  }

  // The trader with account id `id`, kNoSlot when `id` is no trader's (a backstop, a member).
  [[nodiscard]] std::uint32_t trader_of(std::uint64_t id) const noexcept {
    return id >= 1 && id <= traders_.size() ? static_cast<std::uint32_t>(id - 1) : kNoSlot;
  }
  // traders()[t].id (draw_population numbers them 1, 2, ...), without touching the record.
  [[nodiscard]] static std::uint64_t trader_id(std::uint32_t t) noexcept {
    return std::uint64_t{t} + 1;
  }

 private:
  static constexpr int kPrefetchDraws = 6;

  std::vector<Trader> traders_;
  std::vector<DrawTarget> draw_targets_;  // per trader, for room()
  std::array<std::vector<std::uint32_t>, kReplayAssetCount> by_asset_;
  std::vector<std::uint32_t> pool_index_;  // per trader: its index in by_asset_, kNoSlot: retired
  std::vector<std::int64_t> positions_;    // traders x instruments
  std::size_t instruments_ = 0;
};

}  // namespace backstop::replay
