// AdlRanking (docs/design.md §5, tier 6): hands out the opposite side's positions one at a time
// in exactly the order a full sort by (score desc, account id asc) would give, without scoring or
// sorting every position when ADL fires. Single-position accounts untouched since the last rebuild
// are scored from frozen inputs (AdlParams, one cache line each); a binary tree of sub-bands of the
// mark band keeps, per sub-band, only the accounts whose score bound can reach its top; a query
// scores the current sub-band's list in bound order until the best candidate beats the next bound
// (threshold algorithm), so it is exact. Touched accounts are kept fresh in an overlay; a funding
// index move, a mark outside the band or a full overlay makes the cache
// unusable until the next rebuild. docs/design.md §5 has the structure and its exactness argument.
// Owned by the risk engine thread. Every table is allocated by the constructor; a query allocates
// nothing. Cost: a query O(s log s), s = the entries scored; a rebuild O(n log n), cold
// (adl_ranking.cpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>

#include "backstop/adl_score.hpp"
#include "backstop/huge_array.hpp"
#include "backstop/instrument.hpp"
#include "backstop/money.hpp"
#include "backstop/waterfall_config.hpp"

namespace backstop {

// The mark-interval tree's shape for a population of `accounts`: `leaves` sub-bands per
// (instrument, side), each holding at most `capacity` entries, `witnesses` = capacity / 2.
struct AdlTreeShape {
  std::uint32_t depth;
  std::uint32_t capacity;
  static AdlTreeShape for_accounts(std::uint32_t accounts) noexcept {
    std::uint32_t cap = 64;
    while (cap < 1024 && cap * 256u < accounts)
      cap *= 2;
    std::uint32_t depth = 0;
    while (depth < 11 && (std::uint64_t{2} << depth) * cap <= std::uint64_t{4} * accounts)
      ++depth;
    return AdlTreeShape{depth, cap};
  }
};

class AdlRanking {
 public:
  struct Candidate {
    double score;
    std::uint64_t id;
    std::uint32_t slot;
    // The position's size in lots (unsigned) when the candidate was scored: it lets the caller
    // plan how many counterparties a deficit needs without reading the engine's rows first.
    std::int64_t lots = 0;
  };
  // One eligible position of a pro-rata allocation (scratch; cold layout).
  struct Share {
    std::uint32_t slot;
    std::uint64_t id;
    std::int64_t size;
    std::int64_t lots;
    std::int64_t remainder;
  };
  struct Band {
    std::int64_t lo = 0;
    std::int64_t hi = -1;
    std::int64_t long_index = 0;
    std::int64_t short_index = 0;
  };

  AdlRanking() = default;
  // Cold: allocates every table for `instruments` x 2 sides x `accounts`, and overlays of
  // `overlay_capacity` entries per side.
  AdlRanking(std::uint32_t instruments, std::uint32_t accounts, std::uint32_t overlay_capacity,
             std::int64_t band_ppm);

  // How far ahead of the scan a record is prefetched: scoring one entry is far shorter than a
  // DRAM miss, so several must be in flight.
  static constexpr std::uint32_t kPrefetchAhead = 8;

  Share* pro_rata_scratch() noexcept { return shares_.get(); }
  Candidate* sort_scratch() noexcept { return exact_.get(); }
  bool valid() const noexcept { return valid_; }
  std::uint64_t rebuilds() const noexcept { return rebuilds_; }
  std::uint64_t scanned() const noexcept { return scanned_; }
  std::uint64_t fallbacks() const noexcept { return fallbacks_; }
  std::uint32_t leaves() const noexcept { return leaves_; }
  std::uint32_t leaf_capacity() const noexcept { return leaf_capacity_; }
  std::int64_t band_lo(std::uint16_t instrument) const noexcept { return band_[instrument].lo; }
  std::int64_t band_hi(std::uint16_t instrument) const noexcept { return band_[instrument].hi; }
  // Whether the owner should rebuild soon (off the hot path): enough cached accounts went stale
  // to eat into a sub-band's witnesses, a query had to fall back to the full band order, or an
  // overlay is half full. Only a hint: the cache stays exact either way.
  bool wants_rebuild() const noexcept { return valid_ && wants_rebuild_; }

  // An account's state changed: its cache entries are stale from now on. O(1). Follow with
  // push_fresh() for each of its positions if it is an eligible counterparty.
  void touch(std::uint32_t slot) noexcept {
    std::uint64_t& w = touched_[slot >> 6];
    const std::uint64_t bit = std::uint64_t{1} << (slot & 63);
    if ((w & bit) == 0 && record_[slot].cached != 0 && ++stale_ >= witnesses_ / 2) {
      wants_rebuild_ = true;
    }
    w |= bit;
    ++record_[slot].version;
  }
  // The fresh state of a touched, healthy account's position: its params when it holds one
  // position, nullptr when it holds several (then it is scored through eval()). O(1).
  void push_fresh(std::uint16_t instrument, std::uint32_t side, std::uint32_t slot,
                  const AdlParams* params) noexcept {
    const std::size_t k = std::size_t{instrument} * 2 + side;
    std::uint32_t& n = overlay_size_[k];
    Fresh* o = overlay_.get() + k * overlay_capacity_;
    if (n == overlay_capacity_) {
      // Drop the entries of accounts touched again since (cold, amortized over the pushes).
      std::uint32_t live = 0;
      for (std::uint32_t j = 0; j < n; ++j) {
        if (o[j].version == record_[o[j].slot].version) o[live++] = o[j];
      }
      n = live;
      if (n == overlay_capacity_) {
        valid_ = false;
        return;
      }
    }
    if (n * 2 >= overlay_capacity_) wants_rebuild_ = true;
    Fresh& f = o[n++];
    f.slot = slot;
    f.version = record_[slot].version;
    f.has_params = params != nullptr;
    if (params != nullptr) f.params = *params;
  }

  // Whether the cache of `instrument` is usable at `mark` with these funding indices.
  bool usable(std::uint16_t instrument, std::int64_t mark, std::int64_t long_index,
              std::int64_t short_index) const noexcept {
    const Band& b = band_[instrument];
    return valid_ && mark >= b.lo && mark <= b.hi && long_index == b.long_index &&
           short_index == b.short_index;
  }

  // ---- rebuild (cold): begin_rebuild, then per instrument set_band and per side add() for every
  // eligible position and finish_side(), then finish_rebuild. ----
  void begin_rebuild() noexcept;
  void set_band(std::uint16_t instrument, std::int64_t mark, std::int64_t long_index,
                std::int64_t short_index) noexcept {
    const Int128 d = Int128{mark} * band_ppm_ / 1'000'000;
    const auto lo = static_cast<std::int64_t>(mark - d);
    band_[instrument] =
        Band{lo < 1 ? 1 : lo, static_cast<std::int64_t>(mark + d), long_index, short_index};
  }
  // One eligible position: `bound` holds over the whole band, `exact` is its score at the mark,
  // `params` its frozen inputs when the account holds only this position (else nullptr).
  void add(std::uint16_t instrument, std::uint32_t side, std::uint32_t slot, double bound,
           double exact, std::uint64_t id, const AdlParams* params) noexcept {
    const std::size_t k = std::size_t{instrument} * 2 + side;
    const std::uint32_t n = counts_[k]++;
    bounds_[k * accounts_ + n] = bound;
    slots_[k * accounts_ + n] = slot;
    exact_[n] = Candidate{exact, id, slot};
    if (params != nullptr) {
      record_[slot].params = *params;
      record_[slot].cached = 1;
    }
  }
  // Sorts one (instrument, side) by bound, derives each account's quantile from the exact scores
  // (rank r of n: 5 for the top fifth, down to 1), and builds the sub-band lists.
  void finish_side(std::uint16_t instrument, std::uint32_t side, const InstrumentRisk& risk,
                   AdlScore score) noexcept;
  void finish_rebuild() noexcept {
    valid_ = true;
    ++rebuilds_;
  }

  // The quantile (1-5, 5 = first in line) of `slot`'s position in `instrument` as of the last
  // rebuild; 0 when it had none then.
  std::uint8_t quantile(std::uint16_t instrument, std::uint32_t slot) const noexcept {
    return quantile_[std::size_t{instrument} * accounts_ + slot];
  }
  void clear_quantiles(std::uint16_t instrument) noexcept {
    std::fill(quantile_.get() + std::size_t{instrument} * accounts_,
              quantile_.get() + (std::size_t{instrument} + 1) * accounts_, std::uint8_t{0});
  }

  // ---- extraction (hot). Precondition: usable() at `mark`. `eval(slot, Candidate&)` scores an
  // account's position exactly from the engine's state and returns false when it is not eligible
  // (used for accounts holding several positions). begin(), next() until enough or kNoSlot,
  // end(). ----
  void begin(std::uint16_t instrument, std::uint32_t side, std::int64_t mark,
             const InstrumentRisk& risk, AdlScore score) noexcept {
    ++seen_;
    side_ = std::size_t{instrument} * 2 + side;
    risk_ = &risk;
    score_ = score;
    mark_ = mark;
    leaf_ = side_ * leaves_ + leaf_of(instrument, mark);
    in_leaf_ = true;
    cursor_ = leaf_start_[leaf_];
    heap_size_ = 0;
    overlay_loaded_ = false;
  }

  // The next account in rank order into `out` (its slot, score, id and size); false when the side
  // is exhausted.
  template <class Eval>
  bool next(Eval&& eval, Candidate& out) noexcept {
    if (!overlay_loaded_) load_overlay(eval);
    for (;;) {
      const std::uint32_t* s;
      const double* b;
      std::uint32_t n;
      double floor;
      if (in_leaf_) {
        s = leaf_slots_.get() + leaf_ * leaf_capacity_;
        b = leaf_bounds_.get() + leaf_ * leaf_capacity_;
        n = leaf_size_[leaf_];
        floor = leaf_floor_[leaf_];
      } else {
        s = slots_.get() + side_ * accounts_;
        b = bounds_.get() + side_ * accounts_;
        n = counts_[side_];
        floor = -kAdlInfinity;
      }
      while (cursor_ < n && is_touched(s[cursor_]))
        ++cursor_;
      const double bound = cursor_ < n ? b[cursor_] : floor;
      if (heap_size_ > 0 && heap_[0].score > bound) break;
      if (cursor_ < n) {
        if (cursor_ + kPrefetchAhead < n) __builtin_prefetch(&record_[s[cursor_ + kPrefetchAhead]]);
        ++scanned_;
        consider(s[cursor_++], eval);
        continue;
      }
      if (floor == -kAdlInfinity) break;  // every eligible account has been scored
      // The sub-band's list ran out above its floor: go on in the whole band's order (exact, as
      // every account not scored yet is in it; slower).
      in_leaf_ = false;
      cursor_ = start_[side_];
      ++fallbacks_;
      wants_rebuild_ = true;
    }
    if (heap_size_ == 0) return false;
    out = heap_[0];
    std::pop_heap(heap_.get(), heap_.get() + heap_size_, Worse{});
    --heap_size_;
    return true;
  }

  // Skips the stale prefixes of the sub-band and band orders for good (a stale entry stays stale
  // until the next rebuild).
  void end() noexcept {
    const std::uint32_t* ls = leaf_slots_.get() + leaf_ * leaf_capacity_;
    std::uint32_t& lst = leaf_start_[leaf_];
    while (lst < leaf_size_[leaf_] && is_touched(ls[lst]))
      ++lst;
    const std::uint32_t* s = slots_.get() + side_ * accounts_;
    std::uint32_t& st = start_[side_];
    while (st < counts_[side_] && is_touched(s[st]))
      ++st;
  }

  // Cold, right after a rebuild (which streamed every table through the caches): reads what the
  // next query on (`instrument`, `side`) at `mark` reads first - the head of its sub-band's list,
  // those entries' records and the stale bitmap - and hands each of the first `count` listed
  // slots to `row`, so that the owner loads its own rows for them. Changes nothing; returns a sum
  // of what it read (for the caller to keep, so the reads are not optimized away).
  template <class Row>
  std::uint64_t warm(std::uint16_t instrument, std::uint32_t side, std::int64_t mark,
                     std::uint32_t count, Row&& row) const noexcept {
    std::uint64_t sum = 0;
    for (std::uint32_t w = 0; w < accounts_ / 64 + 1; w += 8)
      sum += touched_[w];
    const std::size_t k = std::size_t{instrument} * 2 + side;
    const std::size_t leaf = k * leaves_ + leaf_of(instrument, mark);
    const std::uint32_t* s = leaf_slots_.get() + leaf * leaf_capacity_;
    const double* b = leaf_bounds_.get() + leaf * leaf_capacity_;
    const std::uint32_t n = std::min(leaf_size_[leaf], leaf_start_[leaf] + count);
    for (std::uint32_t j = leaf_start_[leaf]; j < n; ++j) {
      sum += record_[s[j]].version + static_cast<std::uint64_t>(b[j] > 0);
      row(s[j]);
    }
    return sum;
  }

  // Cold: backstop::touch_pages over every table a query reads.
  std::uint64_t touch_pages() const noexcept;

  std::size_t memory_bytes() const noexcept;

  // (score desc, id asc): the full-sort order.
  static bool better(const Candidate& x, const Candidate& y) noexcept {
    return x.score != y.score ? x.score > y.score : x.id < y.id;
  }

 private:
  // Per account slot, one cache line: what scoring an untouched cached entry reads.
  struct alignas(64) Record {
    AdlParams params;
    std::uint32_t version = 0;  // bumped by every touch
    std::uint32_t seen = 0;     // the query that scored it last
    std::uint8_t cached = 0;    // params are those of the last rebuild
  };
  // A touched account's fresh state (overlay entry).
  struct Fresh {
    AdlParams params;
    std::uint32_t slot;
    std::uint32_t version;
    bool has_params;
  };
  // Function objects rather than function pointers, so that the sorts and heaps inline them.
  struct Better {
    bool operator()(const Candidate& x, const Candidate& y) const noexcept { return better(x, y); }
  };
  struct Worse {
    bool operator()(const Candidate& x, const Candidate& y) const noexcept { return better(y, x); }
  };

  bool is_touched(std::uint32_t slot) const noexcept {
    return (touched_[slot >> 6] >> (slot & 63)) & 1u;
  }

  // The mark edges of the sub-bands: node j of depth d covers [edge(d, j), edge(d, j + 1)].
  std::int64_t edge(std::uint16_t instrument, std::uint32_t depth, std::uint32_t j) const noexcept {
    const Band& b = band_[instrument];
    return b.lo + static_cast<std::int64_t>((Int128{b.hi - b.lo} * j) >> depth);
  }
  std::uint32_t leaf_of(std::uint16_t instrument, std::int64_t mark) const noexcept {
    const Band& b = band_[instrument];
    std::uint32_t j = 0;
    if (b.hi > b.lo) {
      const Int128 x = (Int128{mark - b.lo} << depth_) / (b.hi - b.lo);
      j = x >= leaves_ ? leaves_ - 1 : static_cast<std::uint32_t>(x);
    }
    while (j > 0 && edge(instrument, depth_, j) > mark)
      --j;
    while (j + 1 < leaves_ && edge(instrument, depth_, j + 1) < mark)
      ++j;
    return j;
  }

  template <class Eval>
  void load_overlay(Eval& eval) noexcept {
    overlay_loaded_ = true;
    const Fresh* o = overlay_.get() + side_ * overlay_capacity_;
    const std::uint32_t n = overlay_size_[side_];
    for (std::uint32_t j = 0; j < n; ++j) {
      const Fresh& f = o[j];
      Record& rec = record_[f.slot];
      if (f.version != rec.version || rec.seen == seen_) continue;
      rec.seen = seen_;
      Candidate c{0, 0, f.slot};
      if (f.has_params) {
        c.score = adl_score(score_, adl_inputs_at(*risk_, score_, f.params, mark_));
        c.id = f.params.id;
        c.lots = f.params.qty < 0 ? -f.params.qty : f.params.qty;
      } else if (!eval(f.slot, c)) {
        continue;
      }
      push_candidate(c);
    }
  }

  template <class Eval>
  void consider(std::uint32_t slot, Eval& eval) noexcept {
    Record& rec = record_[slot];
    if (rec.seen == seen_) return;
    rec.seen = seen_;
    Candidate c{0, 0, slot};
    if (rec.cached != 0) {
      c.score = adl_score(score_, adl_inputs_at(*risk_, score_, rec.params, mark_));
      c.id = rec.params.id;
      c.lots = rec.params.qty < 0 ? -rec.params.qty : rec.params.qty;
    } else if (!eval(slot, c)) {
      return;
    }
    push_candidate(c);
  }
  void push_candidate(const Candidate& c) noexcept {
    heap_[heap_size_++] = c;
    std::push_heap(heap_.get(), heap_.get() + heap_size_, Worse{});
  }

  // Cold. Node j of `depth` receives in[0..n) (every account that may rank in its top
  // `witnesses_` somewhere in its sub-band; every other one scores <= floor there). Its upper and
  // lower bounds over the sub-band give T = the witnesses_-th largest lower bound: at every mark
  // in it, witnesses_ accounts score >= T, so one whose upper bound is < T never ranks in its top
  // witnesses_ and is dropped (the floor rises to its bound). Leaves store what is left, sorted by
  // their own upper bound. `room` is the stack space from `in` on.
  void build_node(std::uint16_t instrument, std::uint32_t side, const InstrumentRisk& risk,
                  AdlScore score, std::uint32_t depth, std::uint32_t j, std::uint32_t* in,
                  std::uint32_t n, std::size_t room, double floor) noexcept;
  // A leaf's list: the `kept` accounts in `in`, their bounds in upper_, sorted by bound; beyond
  // the capacity the lowest bounds are dropped (the floor rises to them).
  void store_leaf(std::size_t k, std::uint32_t leaf, const std::uint32_t* in, std::uint32_t kept,
                  double floor) noexcept;

  std::uint32_t instruments_ = 0;
  std::uint32_t accounts_ = 0;
  std::uint32_t overlay_capacity_ = 0;
  std::int64_t band_ppm_ = 0;
  std::uint32_t depth_ = 0;
  std::uint32_t leaves_ = 1;
  std::uint32_t leaf_capacity_ = 0;
  std::uint32_t witnesses_ = 0;
  bool valid_ = false;
  bool wants_rebuild_ = false;
  std::uint32_t stale_ = 0;
  std::uint32_t seen_ = 1;
  std::size_t side_ = 0;
  std::size_t leaf_ = 0;
  bool in_leaf_ = true;
  bool overlay_loaded_ = false;
  const InstrumentRisk* risk_ = nullptr;
  AdlScore score_ = AdlScore::kBitmex;
  std::int64_t mark_ = 0;
  std::uint32_t cursor_ = 0;
  std::uint32_t heap_size_ = 0;
  std::uint64_t rebuilds_ = 0;
  std::uint64_t scanned_ = 0;
  std::uint64_t fallbacks_ = 0;
  std::size_t stack_capacity_ = 0;
  HugeArray<double> bounds_;
  HugeArray<std::uint32_t> slots_;
  std::unique_ptr<std::uint32_t[]> counts_;
  std::unique_ptr<std::uint32_t[]> start_;
  HugeArray<double> leaf_bounds_;
  HugeArray<std::uint32_t> leaf_slots_;
  std::unique_ptr<std::uint32_t[]> leaf_size_;
  std::unique_ptr<std::uint32_t[]> leaf_start_;
  std::unique_ptr<double[]> leaf_floor_;
  std::unique_ptr<Fresh[]> overlay_;
  std::unique_ptr<std::uint32_t[]> overlay_size_;
  std::unique_ptr<Band[]> band_;
  HugeArray<std::uint8_t> quantile_;
  HugeArray<Record> record_;
  HugeArray<std::uint64_t> touched_;
  HugeArray<Candidate> heap_;
  HugeArray<Candidate> exact_;
  HugeArray<Share> shares_;
  HugeArray<double> upper_;
  HugeArray<double> lower_;
  HugeArray<std::uint32_t> stack_;
};

}  // namespace backstop
