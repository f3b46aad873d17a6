// AdlRanking's cold half: allocation, the rebuild's sorting and the sub-band tree, and the
// warming helpers' page walk. Nothing here runs when ADL allocates a deficit.
#include "backstop/adl_ranking.hpp"

#include <algorithm>
#include <functional>

namespace backstop {

AdlRanking::AdlRanking(std::uint32_t instruments, std::uint32_t accounts,
                       std::uint32_t overlay_capacity, std::int64_t band_ppm)
    : instruments_(instruments),
      accounts_(accounts),
      overlay_capacity_(overlay_capacity),
      band_ppm_(band_ppm) {
  const AdlTreeShape shape = AdlTreeShape::for_accounts(accounts);
  depth_ = shape.depth;
  leaves_ = 1u << depth_;
  leaf_capacity_ = shape.capacity;
  witnesses_ = leaf_capacity_ / 2;
  const std::size_t sides = std::size_t{instruments} * 2;
  const std::size_t leaf_entries = sides * leaves_ * leaf_capacity_;
  bounds_ = make_huge_array<double>(sides * accounts);
  slots_ = make_huge_array<std::uint32_t>(sides * accounts);
  counts_ = std::make_unique<std::uint32_t[]>(sides);
  start_ = std::make_unique<std::uint32_t[]>(sides);
  leaf_bounds_ = make_huge_array<double>(leaf_entries);
  leaf_slots_ = make_huge_array<std::uint32_t>(leaf_entries);
  leaf_size_ = std::make_unique<std::uint32_t[]>(sides * leaves_);
  leaf_start_ = std::make_unique<std::uint32_t[]>(sides * leaves_);
  leaf_floor_ = std::make_unique<double[]>(sides * leaves_);
  overlay_ = std::make_unique<Fresh[]>(sides * overlay_capacity);
  overlay_size_ = std::make_unique<std::uint32_t[]>(sides);
  band_ = std::make_unique<Band[]>(instruments);
  quantile_ = make_huge_array<std::uint8_t>(std::size_t{instruments} * accounts);
  record_ = make_huge_array<Record>(accounts);
  touched_ = make_huge_array<std::uint64_t>(accounts / 64 + 1);
  heap_ = make_huge_array<Candidate>(accounts);
  exact_ = make_huge_array<Candidate>(accounts);
  shares_ = make_huge_array<Share>(accounts);
  upper_ = make_huge_array<double>(accounts);
  lower_ = make_huge_array<double>(accounts);
  stack_capacity_ = std::size_t{accounts} * 3;
  stack_ = make_huge_array<std::uint32_t>(stack_capacity_);
}

void AdlRanking::begin_rebuild() noexcept {
  for (std::size_t k = 0; k < std::size_t{instruments_} * 2; ++k) {
    counts_[k] = 0;
    start_[k] = 0;
    overlay_size_[k] = 0;
  }
  // Every earlier touch is forgotten: the rebuild sees current state.
  std::fill(touched_.get(), touched_.get() + accounts_ / 64 + 1, std::uint64_t{0});
  for (std::uint32_t s = 0; s < accounts_; ++s)
    record_[s].cached = 0;
  stale_ = 0;
  wants_rebuild_ = false;
}

void AdlRanking::finish_side(std::uint16_t instrument, std::uint32_t side,
                             const InstrumentRisk& risk, AdlScore score) noexcept {
  const std::size_t k = std::size_t{instrument} * 2 + side;
  const std::uint32_t n = counts_[k];
  double* b = bounds_.get() + k * accounts_;
  std::uint32_t* s = slots_.get() + k * accounts_;
  // The tree's root list, in slot order (as add() is called in slot order; sorted otherwise):
  // every node's list stays in slot order, so the build reads the records in address order
  // instead of missing the cache on each. A copy: the build reorders its lists.
  std::copy(s, s + n, stack_.get());
  if (!std::is_sorted(stack_.get(), stack_.get() + n)) std::sort(stack_.get(), stack_.get() + n);
  Candidate* c = heap_.get();
  for (std::uint32_t j = 0; j < n; ++j)
    c[j] = Candidate{b[j], 0, s[j]};
  std::sort(c, c + n, [](const Candidate& x, const Candidate& y) { return x.score > y.score; });
  for (std::uint32_t j = 0; j < n; ++j) {
    b[j] = c[j].score;
    s[j] = c[j].slot;
  }
  std::sort(exact_.get(), exact_.get() + n, Better{});
  for (std::uint32_t r = 0; r < n; ++r) {
    quantile_[std::size_t{instrument} * accounts_ + exact_[r].slot] =
        static_cast<std::uint8_t>(5 - (std::uint64_t{r} * 5) / n);
  }
  build_node(instrument, side, risk, score, 0, 0, stack_.get(), n, stack_capacity_, -kAdlInfinity);
}

std::uint64_t AdlRanking::touch_pages() const noexcept {
  const std::size_t sides = std::size_t{instruments_} * 2;
  const std::size_t leaf_entries = sides * leaves_ * leaf_capacity_;
  using backstop::touch_pages;
  return touch_pages(bounds_.get(), sides * accounts_ * sizeof(double)) +
         touch_pages(slots_.get(), sides * accounts_ * sizeof(std::uint32_t)) +
         touch_pages(leaf_bounds_.get(), leaf_entries * sizeof(double)) +
         touch_pages(leaf_slots_.get(), leaf_entries * sizeof(std::uint32_t)) +
         touch_pages(record_.get(), std::size_t{accounts_} * sizeof(Record)) +
         touch_pages(touched_.get(), (accounts_ / 64 + 1) * sizeof(std::uint64_t)) +
         touch_pages(heap_.get(), std::size_t{accounts_} * sizeof(Candidate)) +
         touch_pages(overlay_.get(), sides * overlay_capacity_ * sizeof(Fresh));
}

std::size_t AdlRanking::memory_bytes() const noexcept {
  const std::size_t sides = std::size_t{instruments_} * 2;
  return sides * accounts_ * (sizeof(double) + 4) +
         sides * leaves_ * (std::size_t{leaf_capacity_} * (sizeof(double) + 4) + 16) +
         sides * overlay_capacity_ * sizeof(Fresh) + std::size_t{instruments_} * accounts_ +
         std::size_t{accounts_} *
             (sizeof(Record) + 2 * sizeof(Candidate) + sizeof(Share) + 2 * sizeof(double) + 3 * 4) +
         accounts_ / 8;
}

void AdlRanking::build_node(std::uint16_t instrument, std::uint32_t side,
                            const InstrumentRisk& risk, AdlScore score, std::uint32_t depth,
                            std::uint32_t j, std::uint32_t* in, std::uint32_t n, std::size_t room,
                            double floor) noexcept {
  const std::int64_t a = edge(instrument, depth, j);
  const std::int64_t z = edge(instrument, depth, j + 1);
  for (std::uint32_t t = 0; t < n; ++t) {
    if (t + 8 < n) __builtin_prefetch(&record_[in[t + 8]]);
    const Record& rec = record_[in[t]];
    if (rec.cached == 0) {
      upper_[t] = kAdlInfinity;
      lower_[t] = -kAdlInfinity;
      continue;
    }
    const AdlInputs ia = adl_inputs_at(risk, score, rec.params, a);
    const AdlInputs iz = adl_inputs_at(risk, score, rec.params, z);
    upper_[t] = adl_score_bound(score, ia, iz, AdlBound::kUpper);
    lower_[t] = adl_score_bound(score, ia, iz, AdlBound::kLower);
  }
  double threshold = -kAdlInfinity;
  if (n > witnesses_) {
    double* l = lower_.get();
    std::nth_element(l, l + (witnesses_ - 1), l + n, std::greater<double>());
    threshold = l[witnesses_ - 1];
  }
  std::uint32_t kept = 0;
  for (std::uint32_t t = 0; t < n; ++t) {
    if (upper_[t] >= threshold) {
      upper_[kept] = upper_[t];
      in[kept++] = in[t];
    } else {
      floor = std::max(floor, upper_[t]);
    }
  }
  if (depth == depth_) {
    store_leaf(std::size_t{instrument} * 2 + side, j, in, kept, floor);
    return;
  }
  // Children work on copies above this list on the stack; without room they fall back.
  if (room < std::size_t{kept} * 2) {
    for (std::uint32_t leaf = j << (depth_ - depth); leaf < (j + 1) << (depth_ - depth); ++leaf) {
      store_leaf(std::size_t{instrument} * 2 + side, leaf, in, 0, kAdlInfinity);
    }
    return;
  }
  for (std::uint32_t child = 0; child < 2; ++child) {
    std::uint32_t* copy = in + kept;
    std::copy(in, in + kept, copy);
    build_node(instrument, side, risk, score, depth + 1, 2 * j + child, copy, kept, room - kept,
               floor);
  }
}

void AdlRanking::store_leaf(std::size_t k, std::uint32_t leaf, const std::uint32_t* in,
                            std::uint32_t kept, double floor) noexcept {
  Candidate* c = heap_.get();
  for (std::uint32_t t = 0; t < kept; ++t)
    c[t] = Candidate{upper_[t], 0, in[t]};
  auto by_bound = [](const Candidate& x, const Candidate& y) { return x.score > y.score; };
  if (kept > leaf_capacity_) {
    std::nth_element(c, c + leaf_capacity_, c + kept, by_bound);
    for (std::uint32_t t = leaf_capacity_; t < kept; ++t)
      floor = std::max(floor, c[t].score);
    kept = leaf_capacity_;
  }
  std::sort(c, c + kept, by_bound);
  const std::size_t at = k * leaves_ + leaf;
  double* b = leaf_bounds_.get() + at * leaf_capacity_;
  std::uint32_t* s = leaf_slots_.get() + at * leaf_capacity_;
  for (std::uint32_t t = 0; t < kept; ++t) {
    b[t] = c[t].score;
    s[t] = c[t].slot;
  }
  leaf_size_[at] = kept;
  leaf_start_[at] = 0;
  leaf_floor_[at] = floor;
}

}  // namespace backstop
