// Auto-deleveraging ranking (DESIGN §5, tier 6): the scores venues publish (BitMEX, Binance,
// Hyperliquid) and AdlRanking, which hands out the opposite side's positions one at a time in
// exactly the order a full sort by (score desc, account id asc) would give - without sorting, or
// even scoring, every position when ADL fires. Owned by the risk engine thread. Memory is
// allocated by the constructor only.
//
// How it is exact and fast (threshold algorithm over bound-ordered streams):
// - rebuild() (cold, O(n log n); called when ADL finds the cache unusable, or periodically by the
//   owner off the hot path) stores, per instrument and side, every eligible position's account in
//   descending order of an UPPER BOUND of its score that holds for any mark inside a band
//   [mark*(1-band), mark*(1+band)] around the mark at rebuild time. For an account holding one
//   position, equity, notional, PnL, entry/mark and MM are each monotone in the mark, so the bound
//   is the score formula with every factor at its worst band end (floating-point division and
//   multiplication of positives are monotone, so the bound is never below the computed score). An
//   account holding several positions depends on other instruments' marks: its bound is +inf.
// - An account touched after the rebuild (fill, deposit, withdraw, trigger refresh, liquidation,
//   ADL) gets a fresh bound pushed into a small per-side overlay max-heap (versioned: older
//   entries of the same account are dropped when met), and its cache entry counts as stale. An
//   overlay overflow, a funding or socialized-loss index move, or a mark outside the band makes
//   the cache unusable until the next rebuild.
// - next() merges the two bound-ordered streams (cache cursor, overlay heap), scoring each
//   popped account exactly into a candidate max-heap, until the best exact candidate is strictly
//   greater than both streams' next bound (ties keep scanning, so the lower account id wins);
//   then it is the true next one: every account not yet scored has score <= bound < it.
//   end() puts the overlay entries it popped but did not use back, and advances the cache's start
//   past its stale prefix, so consumed counterparties are never rescanned.
// Cost of next(): O(s log s), s = entries popped; s is close to the counterparties returned when
// the bound is tight (single-position accounts, a mark near the rebuild mark), which is what makes
// a 10-counterparty allocation among 1M positions take microseconds (bench adl).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>

#include "backstop/account.hpp"
#include "backstop/money.hpp"
#include "backstop/waterfall_config.hpp"

namespace backstop {

// What a score needs of one position and its account, exact, at one mark.
struct AdlInputs {
  Int128 value;        // q*w(mark) (signed)
  Int128 cost;         // the cost basis C (signed)
  Int128 balance;      // the account's wallet balance
  Int128 equity;       // the account's equity
  Int128 maintenance;  // the position's MM
  bool linear;
};

inline constexpr double kAdlInfinity = std::numeric_limits<double>::infinity();

namespace adl_detail {
inline double to_d(Int128 v) noexcept {
  return static_cast<double>(v);
}
inline double abs_d(Int128 v) noexcept {
  return v < 0 ? -to_d(v) : to_d(v);
}
inline double pnl_ratio(const AdlInputs& in) noexcept {
  const double c = abs_d(in.cost);
  return c > 0 ? to_d(in.value - in.cost) / c : 0.0;
}
// mark / entry: linear value/cost = q*m*M / (q*e*M); inverse cost/value = (-qM/e) / (-qM/m).
inline double mark_over_entry(const AdlInputs& in) noexcept {
  if (in.cost == 0 || in.value == 0) return 1.0;
  return in.linear ? to_d(in.value) / to_d(in.cost) : to_d(in.cost) / to_d(in.value);
}
inline double floor1(Int128 v) noexcept {
  return v < 1 ? 1.0 : to_d(v);
}
}  // namespace adl_detail

// The ranking score of one position (higher: deleveraged first). Equity and wallet enter through
// max(1, x) so that an account at or below zero ranks as maximally leveraged, and every score is
// monotone in each input (which the bound relies on).
inline double adl_score(AdlScore score, const AdlInputs& in) noexcept {
  using namespace adl_detail;
  switch (score) {
    case AdlScore::kBitmex: {
      const double pnl = pnl_ratio(in);
      const double lev = abs_d(in.value) / floor1(in.equity);
      if (lev == 0) return 0;
      return pnl > 0 ? pnl * lev : pnl / lev;
    }
    case AdlScore::kBinance: {
      const Int128 upnl = in.value - in.cost;
      const double u = upnl > 0 ? to_d(upnl) : 0.0;
      return u / floor1(in.balance) * (to_d(in.maintenance) / floor1(in.equity));
    }
    case AdlScore::kHyperliquid:
      return mark_over_entry(in) * (abs_d(in.value) / floor1(in.equity));
  }
  return 0;
}

// An upper bound of adl_score over every mark between the two ends `a` and `b` (inputs of the same
// single-position account at the two band ends; balance and cost the same in both).
inline double adl_score_bound(AdlScore score, const AdlInputs& a, const AdlInputs& b) noexcept {
  using namespace adl_detail;
  const double v_hi = std::max(abs_d(a.value), abs_d(b.value));
  const double d_lo = std::min(floor1(a.equity), floor1(b.equity));
  double bound = 0;
  switch (score) {
    case AdlScore::kBitmex: {
      const double pnl_hi = std::max(pnl_ratio(a), pnl_ratio(b));
      if (v_hi == 0) return 0;
      bound = pnl_hi > 0 ? pnl_hi * (v_hi / d_lo) : pnl_hi / (v_hi / d_lo);
      break;
    }
    case AdlScore::kBinance: {
      const Int128 u = std::max(a.value - a.cost, b.value - b.cost);
      const double mm = std::max(to_d(a.maintenance), to_d(b.maintenance));
      bound = (u > 0 ? to_d(u) : 0.0) / floor1(a.balance) * (mm / d_lo);
      break;
    }
    case AdlScore::kHyperliquid:
      bound = std::max(mark_over_entry(a), mark_over_entry(b)) * (v_hi / d_lo);
      break;
  }
  // Slack against any double-rounding difference between the two evaluation orders.
  return bound >= 0 ? bound * (1 + 1e-12) + 1e-300 : bound * (1 - 1e-12) + 1e-300;
}

// Side index of the ranking: 0 = long positions, 1 = short positions.
inline constexpr std::uint32_t adl_side_of(std::int64_t qty) noexcept {
  return qty > 0 ? 0 : 1;
}

class AdlRanking {
 public:
  struct Candidate {
    double score;
    std::uint64_t id;
    std::uint32_t slot;
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
             std::int64_t band_ppm)
      : instruments_(instruments),
        accounts_(accounts),
        overlay_capacity_(overlay_capacity),
        band_ppm_(band_ppm) {
    const std::size_t sides = std::size_t{instruments} * 2;
    bounds_ = std::make_unique<double[]>(sides * accounts);
    slots_ = std::make_unique<std::uint32_t[]>(sides * accounts);
    counts_ = std::make_unique<std::uint32_t[]>(sides);
    start_ = std::make_unique<std::uint32_t[]>(sides);
    overlay_ = std::make_unique<Entry[]>(sides * overlay_capacity);
    overlay_size_ = std::make_unique<std::uint32_t[]>(sides);
    band_ = std::make_unique<Band[]>(instruments);
    quantile_ = std::make_unique<std::uint8_t[]>(std::size_t{instruments} * accounts);
    touched_epoch_ = std::make_unique<std::uint32_t[]>(accounts);
    version_ = std::make_unique<std::uint32_t[]>(accounts);
    seen_epoch_ = std::make_unique<std::uint32_t[]>(accounts);
    heap_ = std::make_unique<Candidate[]>(accounts);
    popped_ = std::make_unique<Entry[]>(overlay_capacity);
    order_ = std::make_unique<std::uint64_t[]>(accounts);
    exact_ = std::make_unique<Candidate[]>(accounts);
    shares_ = std::make_unique<Share[]>(accounts);
  }

  Share* pro_rata_scratch() noexcept { return shares_.get(); }
  Candidate* sort_scratch() noexcept { return exact_.get(); }
  bool valid() const noexcept { return valid_; }
  void invalidate() noexcept { valid_ = false; }
  std::uint64_t rebuilds() const noexcept { return rebuilds_; }
  std::uint64_t scanned() const noexcept { return scanned_; }
  std::int64_t band_lo(std::uint16_t instrument) const noexcept { return band_[instrument].lo; }
  std::int64_t band_hi(std::uint16_t instrument) const noexcept { return band_[instrument].hi; }

  // An account's state changed: its cache entries are stale from now on. O(1). Follow with
  // push_fresh() for each of its positions.
  void touch(std::uint32_t slot) noexcept {
    touched_epoch_[slot] = epoch_;
    ++version_[slot];
  }
  // A fresh bound for a touched account's position. O(log overlay).
  void push_fresh(std::uint16_t instrument, std::uint32_t side, std::uint32_t slot,
                  double bound) noexcept {
    const std::size_t k = std::size_t{instrument} * 2 + side;
    std::uint32_t& n = overlay_size_[k];
    if (n == overlay_capacity_) {
      valid_ = false;
      return;
    }
    Entry* h = overlay_.get() + k * overlay_capacity_;
    h[n++] = Entry{bound, slot, version_[slot]};
    std::push_heap(h, h + n, lower_bound_first);
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
  void begin_rebuild() noexcept {
    ++epoch_;  // every earlier touch is forgotten: the rebuild sees current state
    for (std::size_t k = 0; k < std::size_t{instruments_} * 2; ++k) {
      counts_[k] = 0;
      start_[k] = 0;
      overlay_size_[k] = 0;
    }
  }
  void set_band(std::uint16_t instrument, std::int64_t mark, std::int64_t long_index,
                std::int64_t short_index) noexcept {
    const Int128 d = Int128{mark} * band_ppm_ / 1'000'000;
    const auto lo = static_cast<std::int64_t>(mark - d);
    band_[instrument] =
        Band{lo < 1 ? 1 : lo, static_cast<std::int64_t>(mark + d), long_index, short_index};
  }
  void add(std::uint16_t instrument, std::uint32_t side, std::uint32_t slot, double bound,
           double exact, std::uint64_t id) noexcept {
    const std::size_t k = std::size_t{instrument} * 2 + side;
    const std::uint32_t n = counts_[k]++;
    bounds_[k * accounts_ + n] = bound;
    slots_[k * accounts_ + n] = slot;
    exact_[n] = Candidate{exact, id, slot};
  }
  // Sorts one (instrument, side) by bound and derives each account's quantile from the exact
  // scores (rank r of n: 5 for the top fifth, down to 1).
  void finish_side(std::uint16_t instrument, std::uint32_t side) noexcept {
    const std::size_t k = std::size_t{instrument} * 2 + side;
    const std::uint32_t n = counts_[k];
    double* b = bounds_.get() + k * accounts_;
    std::uint32_t* s = slots_.get() + k * accounts_;
    for (std::uint32_t j = 0; j < n; ++j)
      order_[j] = j;
    std::sort(order_.get(), order_.get() + n,
              [&](std::uint64_t x, std::uint64_t y) { return b[x] > b[y]; });
    for (std::uint32_t j = 0; j < n; ++j)
      heap_[j] = Candidate{b[order_[j]], 0, s[order_[j]]};
    for (std::uint32_t j = 0; j < n; ++j) {
      b[j] = heap_[j].score;
      s[j] = heap_[j].slot;
    }
    std::sort(exact_.get(), exact_.get() + n, better);
    for (std::uint32_t r = 0; r < n; ++r) {
      quantile_[std::size_t{instrument} * accounts_ + exact_[r].slot] =
          static_cast<std::uint8_t>(5 - (std::uint64_t{r} * 5) / n);
    }
  }
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

  // ---- extraction (hot). Precondition: usable(). `eval(slot, Candidate&)` scores an account's
  // position exactly and returns false when it is not eligible (no position on this side, flagged,
  // excluded). begin(), next() until enough or kNoSlot, end(). ----
  void begin(std::uint16_t instrument, std::uint32_t side) noexcept {
    ++seen_;
    side_ = std::size_t{instrument} * 2 + side;
    cursor_ = start_[side_];
    heap_size_ = 0;
    popped_count_ = 0;
  }

  // The next account in rank order, or kNoSlot when the side is exhausted.
  template <class Eval>
  std::uint32_t next(Eval&& eval) noexcept {
    const std::uint32_t n = counts_[side_];
    const double* b = bounds_.get() + side_ * accounts_;
    const std::uint32_t* s = slots_.get() + side_ * accounts_;
    Entry* h = overlay_.get() + side_ * overlay_capacity_;
    std::uint32_t& hn = overlay_size_[side_];
    for (;;) {
      while (cursor_ < n && touched_epoch_[s[cursor_]] == epoch_)
        ++cursor_;
      while (hn > 0 && h[0].version != version_[h[0].slot]) {
        std::pop_heap(h, h + hn, lower_bound_first);  // an older entry of a re-touched account
        --hn;
      }
      const double from_cache = cursor_ < n ? b[cursor_] : -kAdlInfinity;
      const double from_overlay = hn > 0 ? h[0].bound : -kAdlInfinity;
      if (cursor_ == n && hn == 0) break;
      if (heap_size_ > 0 && heap_[0].score > std::max(from_cache, from_overlay)) break;
      ++scanned_;
      if (hn > 0 && from_overlay >= from_cache) {
        std::pop_heap(h, h + hn, lower_bound_first);
        --hn;
        popped_[popped_count_++] = h[hn];
        consider(h[hn].slot, eval);
      } else {
        consider(s[cursor_++], eval);
      }
    }
    if (heap_size_ == 0) return kNoSlot;
    const std::uint32_t slot = heap_[0].slot;
    std::pop_heap(heap_.get(), heap_.get() + heap_size_, worse);
    --heap_size_;
    return slot;
  }

  // Restores the overlay entries popped but not consumed, and skips the cache's stale prefix for
  // good (a stale entry stays stale until the next rebuild).
  void end() noexcept {
    Entry* h = overlay_.get() + side_ * overlay_capacity_;
    std::uint32_t& hn = overlay_size_[side_];
    for (std::uint32_t j = 0; j < popped_count_; ++j) {
      const Entry& e = popped_[j];
      if (e.version != version_[e.slot] || hn == overlay_capacity_) continue;
      h[hn++] = e;
      std::push_heap(h, h + hn, lower_bound_first);
    }
    const std::uint32_t* s = slots_.get() + side_ * accounts_;
    std::uint32_t& st = start_[side_];
    while (st < counts_[side_] && touched_epoch_[s[st]] == epoch_)
      ++st;
  }

  std::size_t memory_bytes() const noexcept {
    return std::size_t{instruments_} * 2 * accounts_ * (sizeof(double) + 4) +
           std::size_t{instruments_} * 2 * overlay_capacity_ * sizeof(Entry) +
           std::size_t{instruments_} * accounts_ +
           std::size_t{accounts_} * (12 + 2 * sizeof(Candidate) + 8 + sizeof(Share));
  }

  // (score desc, id asc): the full-sort order.
  static bool better(const Candidate& x, const Candidate& y) noexcept {
    return x.score != y.score ? x.score > y.score : x.id < y.id;
  }

 private:
  struct Entry {
    double bound;
    std::uint32_t slot;
    std::uint32_t version;
  };
  static bool lower_bound_first(const Entry& x, const Entry& y) noexcept {
    return x.bound < y.bound;
  }
  static bool worse(const Candidate& x, const Candidate& y) noexcept { return better(y, x); }

  template <class Eval>
  void consider(std::uint32_t slot, Eval& eval) noexcept {
    if (seen_epoch_[slot] == seen_) return;
    seen_epoch_[slot] = seen_;
    Candidate c{0, 0, slot};
    if (!eval(slot, c)) return;
    heap_[heap_size_++] = c;
    std::push_heap(heap_.get(), heap_.get() + heap_size_, worse);
  }

  std::uint32_t instruments_ = 0;
  std::uint32_t accounts_ = 0;
  std::uint32_t overlay_capacity_ = 0;
  std::int64_t band_ppm_ = 0;
  bool valid_ = false;
  std::uint32_t epoch_ = 1;
  std::uint32_t seen_ = 1;
  std::size_t side_ = 0;
  std::uint32_t cursor_ = 0;
  std::uint32_t heap_size_ = 0;
  std::uint32_t popped_count_ = 0;
  std::uint64_t rebuilds_ = 0;
  std::uint64_t scanned_ = 0;
  std::unique_ptr<double[]> bounds_;
  std::unique_ptr<std::uint32_t[]> slots_;
  std::unique_ptr<std::uint32_t[]> counts_;
  std::unique_ptr<std::uint32_t[]> start_;
  std::unique_ptr<Entry[]> overlay_;
  std::unique_ptr<std::uint32_t[]> overlay_size_;
  std::unique_ptr<Band[]> band_;
  std::unique_ptr<std::uint8_t[]> quantile_;
  std::unique_ptr<std::uint32_t[]> touched_epoch_;
  std::unique_ptr<std::uint32_t[]> version_;
  std::unique_ptr<std::uint32_t[]> seen_epoch_;
  std::unique_ptr<Candidate[]> heap_;
  std::unique_ptr<Entry[]> popped_;
  std::unique_ptr<std::uint64_t[]> order_;
  std::unique_ptr<Candidate[]> exact_;
  std::unique_ptr<Share[]> shares_;
};

}  // namespace backstop
