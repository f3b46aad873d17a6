// The trigger index of one instrument (docs/design.md §4): two intrusive binary heaps of trigger
// prices, longs (max-heap: fire when the mark falls to or below the largest trigger) and shorts
// (min-heap: fire when the mark rises to or above the smallest). Both heaps share one pre-allocated
// array of `capacity` entries: the long heap grows from the front, the short heap from the back
// (its k-th element lives at capacity-1-k), which is safe because an account holds at most one
// position per instrument, so longs + shorts <= accounts <= capacity. Intrusive: each Position
// stores its heap side and index, so an update or removal is O(log n) with no lookup. Owned by the
// risk engine thread. Cost: peek O(1); insert / update / erase / pop O(log n). A mark tick that
// fires nothing costs two peeks.
#pragma once

#include <cstdint>

#include "backstop/account.hpp"

namespace backstop {

struct TriggerEntry {
  std::int64_t trigger;    // price in ticks
  std::uint32_t position;  // slot in the engine's position pool
  std::uint32_t reserved;
};
static_assert(sizeof(TriggerEntry) == 16);

class LiquidationIndex {
 public:
  LiquidationIndex() noexcept = default;
  // `storage` holds `capacity` entries and outlives the index; `positions` is the position pool
  // whose heap_side / heap_index fields this index maintains.
  LiquidationIndex(TriggerEntry* storage, std::uint32_t capacity, Position* positions) noexcept
      : entries_(storage), capacity_(capacity), positions_(positions) {}

  std::uint32_t long_count() const noexcept { return long_count_; }
  std::uint32_t capacity() const noexcept { return capacity_; }
  std::uint32_t short_count() const noexcept { return short_count_; }

  // Inserts, or moves to the new key, the trigger of position `pos` on `side` (kLong or kShort).
  // Precondition: if the position is already in a heap, it is on the same side.
  void upsert(std::uint32_t pos, HeapSide side, std::int64_t trigger) noexcept {
    Position& p = positions_[pos];
    p.trigger = trigger;
    if (p.heap_side == HeapSide::kNone) {
      const std::uint32_t i = side == HeapSide::kLong ? long_count_++ : short_count_++;
      p.heap_side = side;
      at(side, i) = TriggerEntry{trigger, pos, 0};
      p.heap_index = i;
      sift_up(side, i);
      return;
    }
    const std::uint32_t i = p.heap_index;
    const std::int64_t old = at(side, i).trigger;
    at(side, i).trigger = trigger;
    if (before(side, trigger, old)) {
      sift_up(side, i);
    } else {
      sift_down(side, i);
    }
  }

  // Moves the position's trigger only if `trigger` is more conservative (closer to the mark: higher
  // for a long, lower for a short) than the one it has; otherwise keeps the stored one, which is
  // then still safe (its non-firing range lies inside the new one's). A trigger made stale this way
  // fires early and is refreshed exactly then. Inserts when the position has no trigger on `side`.
  // Cost: no heap access when nothing moves, else a sift-up, which is short because it climbs only
  // as far as the new key's rank.
  void tighten(std::uint32_t pos, HeapSide side, std::int64_t trigger) noexcept {
    const Position& p = positions_[pos];
    if (p.heap_side == side) {
      // The position's copy of its key: no cache miss into the heap when nothing moves.
      const std::int64_t old = p.trigger;
      if (side == HeapSide::kLong ? trigger <= old : trigger >= old) return;
    } else if (p.heap_side != HeapSide::kNone) {
      erase(pos);
    }
    upsert(pos, side, trigger);
  }

  // Starts loading the position's heap entry, its parent and its children ahead of a tighten() or
  // an erase(), so that the cache misses of several positions overlap instead of queueing (at 1M
  // accounts the heaps are far larger than the caches).
  void prefetch(std::uint32_t pos) const noexcept {
    const Position& p = positions_[pos];
    if (p.heap_side == HeapSide::kNone) return;
    const std::uint32_t i = p.heap_index;
    const std::uint32_t parent = i == 0 ? 0 : (i - 1) / 2;
    const bool is_long = p.heap_side == HeapSide::kLong;
    const std::uint32_t n = is_long ? long_count_ : short_count_;
    const auto line = [this, is_long](std::uint32_t k) {
      __builtin_prefetch(is_long ? entries_ + k : entries_ + (capacity_ - 1 - k), 1);
    };
    line(i);
    line(parent);
    if (2 * i + 1 < n) line(2 * i + 1);
    if (2 * i + 2 < n) line(2 * i + 2);
  }

  // Starts loading the position rows of the last `count` entries of `side`: erase() moves the
  // last entry into the hole and writes its position's back-pointer, a row nothing else has
  // touched, so closing `count` positions in a row (ranked ADL) takes those misses together.
  void prefetch_tail(HeapSide side, std::uint32_t count) const noexcept {
    const std::uint32_t n = side == HeapSide::kLong ? long_count_ : short_count_;
    for (std::uint32_t k = 0; k < count && k < n; ++k) {
      const std::uint32_t i = n - 1 - k;
      const TriggerEntry& e = side == HeapSide::kLong ? entries_[i] : entries_[capacity_ - 1 - i];
      __builtin_prefetch(positions_ + e.position, 1);
    }
  }

  // Cold: reads the first `count` entries of each heap (its top levels: every sift passes through
  // them), e.g. after a long cold job pushed them out of the caches. Returns a sum of what it
  // read, for the caller to keep.
  std::uint64_t warm(std::uint32_t count) const noexcept {
    std::uint64_t sum = 0;
    for (std::uint32_t k = 0; k < long_count_ && k < count; k += 4)
      sum += static_cast<std::uint64_t>(entries_[k].trigger);
    for (std::uint32_t k = 0; k < short_count_ && k < count; k += 4)
      sum += static_cast<std::uint64_t>(entries_[capacity_ - 1 - k].trigger);
    return sum;
  }

  // Removes the position's trigger if it has one.
  void erase(std::uint32_t pos) noexcept {
    Position& p = positions_[pos];
    const HeapSide side = p.heap_side;
    if (side == HeapSide::kNone) return;
    remove_at(side, p.heap_index);
  }

  // The position whose long trigger has fired at `mark`, removed from the heap; kNoSlot if none.
  // Whether a mark at `mark` fires any trigger (the two peeks pop_fired_* start with).
  bool fires_at(std::int64_t mark) const noexcept {
    return (long_count_ != 0 && entries_[0].trigger >= mark) ||
           (short_count_ != 0 && entries_[capacity_ - 1].trigger <= mark);
  }

  std::uint32_t pop_fired_long(std::int64_t mark) noexcept {
    if (long_count_ == 0 || at(HeapSide::kLong, 0).trigger < mark) return kNoSlot;
    const std::uint32_t pos = at(HeapSide::kLong, 0).position;
    remove_at(HeapSide::kLong, 0);
    return pos;
  }

  std::uint32_t pop_fired_short(std::int64_t mark) noexcept {
    if (short_count_ == 0 || at(HeapSide::kShort, 0).trigger > mark) return kNoSlot;
    const std::uint32_t pos = at(HeapSide::kShort, 0).position;
    remove_at(HeapSide::kShort, 0);
    return pos;
  }

  // A position was copied into slot `to` (account compaction); points its heap entry at the new
  // slot.
  void relocate(std::uint32_t to) noexcept {
    const Position& p = positions_[to];
    at(p.heap_side, p.heap_index).position = to;
  }

  // The k-th entry of a side, k < count; for iteration (funding rebuild, checks), in heap order.
  const TriggerEntry& entry(HeapSide side, std::uint32_t k) const noexcept {
    return side == HeapSide::kLong ? entries_[k] : entries_[capacity_ - 1 - k];
  }

 private:
  TriggerEntry& at(HeapSide side, std::uint32_t k) noexcept {
    return side == HeapSide::kLong ? entries_[k] : entries_[capacity_ - 1 - k];
  }
  // True when trigger a must sit above b: the long heap fires its largest trigger first, the short
  // heap its smallest.
  static bool before(HeapSide side, std::int64_t a, std::int64_t b) noexcept {
    return side == HeapSide::kLong ? a > b : a < b;
  }

  void place(HeapSide side, std::uint32_t i, const TriggerEntry& e) noexcept {
    at(side, i) = e;
    positions_[e.position].heap_index = i;
  }

  void sift_up(HeapSide side, std::uint32_t i) noexcept {
    const TriggerEntry e = at(side, i);
    while (i > 0) {
      const std::uint32_t parent = (i - 1) / 2;
      if (!before(side, e.trigger, at(side, parent).trigger)) break;
      place(side, i, at(side, parent));
      i = parent;
    }
    place(side, i, e);
  }

  void sift_down(HeapSide side, std::uint32_t i) noexcept {
    const std::uint32_t n = side == HeapSide::kLong ? long_count_ : short_count_;
    const TriggerEntry e = at(side, i);
    for (;;) {
      std::uint32_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && before(side, at(side, child + 1).trigger, at(side, child).trigger)) {
        ++child;
      }
      if (!before(side, at(side, child).trigger, e.trigger)) break;
      place(side, i, at(side, child));
      i = child;
    }
    place(side, i, e);
  }

  void remove_at(HeapSide side, std::uint32_t i) noexcept {
    Position& removed = positions_[at(side, i).position];
    removed.heap_side = HeapSide::kNone;
    removed.heap_index = kNoSlot;
    std::uint32_t& n = side == HeapSide::kLong ? long_count_ : short_count_;
    const std::uint32_t last = --n;
    if (i == last) return;
    const TriggerEntry moved = at(side, last);
    const std::int64_t old = at(side, i).trigger;
    place(side, i, moved);
    if (before(side, moved.trigger, old)) {
      sift_up(side, i);
    } else {
      sift_down(side, i);
    }
  }

  TriggerEntry* entries_ = nullptr;
  std::uint32_t capacity_ = 0;
  std::uint32_t long_count_ = 0;
  std::uint32_t short_count_ = 0;
  Position* positions_ = nullptr;
};

}  // namespace backstop
