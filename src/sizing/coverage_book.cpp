#include "sizing/coverage_book.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/core.h>

#include "backstop/margin.hpp"

namespace backstop::sizing {

namespace {

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
// Below this, sums of a few such terms cannot overflow int64 (the fast path's test).
constexpr Int128 kFastReach = Int128{1} << 61;

Int128 abs128(Int128 v) noexcept {
  return v < 0 ? -v : v;
}

std::int64_t clamp_to_int64(Int128 v) noexcept {
  // Beyond ±2^63 only in the 128-bit path for absurd shocks. Clamping an equity that low keeps
  // the deficit at its largest representable value, never smaller than an in-range one.
  if (v > kInt64Max) return kInt64Max;
  if (v < -kInt64Max) return -kInt64Max;
  return static_cast<std::int64_t>(v);
}

// floor(n / d) for d > 0, as value_down has it for an inverse contract.
inline std::int64_t floor_div(std::int64_t n, std::int64_t d) noexcept {
  const std::int64_t q = n / d;
  return (n % d != 0 && n < 0) ? q - 1 : q;
}

}  // namespace

std::string SlippageCurve::validate(const std::vector<SlippagePoint>& points) {
  if (points.empty()) return "slippage: at least one (notional, cost) point";
  std::int64_t notional = 0;
  std::int64_t cost = 0;
  for (std::size_t k = 0; k < points.size(); ++k) {
    if (points[k].notional <= notional)
      return fmt::format("slippage[{}].notional: must be positive and increasing", k);
    if (points[k].cost < cost)
      return fmt::format("slippage[{}].cost: must be non-negative and non-decreasing", k);
    notional = points[k].notional;
    cost = points[k].cost;
  }
  return {};
}

Int128 SlippageCurve::cost(Int128 notional) const noexcept {
  if (notional <= 0) return 0;
  std::size_t k = 0;
  while (k + 1 < points_.size() && points_[k].notional < notional)
    ++k;
  const Int128 n0 = k == 0 ? 0 : points_[k - 1].notional;
  const Int128 c0 = k == 0 ? 0 : points_[k - 1].cost;
  const Int128 n1 = points_[k].notional;
  const Int128 c1 = points_[k].cost;
  // Rounded up: the slippage is a cost to the account, never understated.
  return c0 + div_round_up((c1 - c0) * (notional - n0), n1 - n0);
}

CoverageRatio coverage_ratio(std::int64_t insurance_fund, std::int64_t default_fund_available,
                             Int128 requirement) noexcept {
  if (requirement <= 0) return CoverageRatio{false, 0};
  const Int128 funds = Int128{insurance_fund} + default_fund_available;
  return CoverageRatio{true, static_cast<double>(funds) / static_cast<double>(requirement)};
}

std::string to_string(const CoverageRatio& r) {
  if (!r.has_requirement) return "infinite (no requirement)";
  return fmt::format("{:.6f}", r.ratio);
}

std::string CoverageBook::validate(const AccountMirror& mirror, const ScenarioSet& scenarios,
                                   const CoverageOptions& options) {
  if (options.top_k < 3) return "coverage.top_k: must be at least 3";
  if (!std::isfinite(options.recentre_band) || options.recentre_band < 0)
    return "coverage.recentre_band: must be a non-negative fraction";
  if (options.sell_slippage.size() > mirror.instrument_count() ||
      options.buy_slippage.size() > mirror.instrument_count())
    return "coverage.slippage: more curves than instruments";
  if (scenarios.instrument_count() != mirror.instrument_count())
    return fmt::format("coverage: scenarios for {} instruments, the mirror has {}",
                       scenarios.instrument_count(), mirror.instrument_count());
  return {};
}

CoverageBook::CoverageBook(const AccountMirror& mirror, const ScenarioSet& scenarios,
                           CoverageOptions options)
    : mirror_(&mirror),
      scenarios_(&scenarios),
      options_(std::move(options)),
      scenario_count_(scenarios.size()) {
  options_.sell_slippage.resize(mirror.instrument_count());
  options_.buy_slippage.resize(mirror.instrument_count());
  const std::size_t s = scenario_count_;
  const std::size_t n = mirror.instrument_count();
  reference_.resize(n);
  long_price_.resize(n * s);
  short_price_.resize(n * s);
  max_price_.resize(n);
  scratch_.resize(s);
  top_.resize(s * options_.top_k);
  top_size_.resize(s);
  bound_.resize(s);
  dirty_.resize(s);
  recompute();
}

void CoverageBook::set_prices() {
  const std::size_t S = scenario_count_;
  for (std::uint16_t i = 0; i < reference_.size(); ++i) {
    reference_[i] = mirror_->state(i);
    const Int128 mark = reference_[i].mark;
    std::int64_t highest = 1;
    for (std::size_t s = 0; s < S; ++s) {
      // The factor in 1e-9, so that the prices are exact integer arithmetic on the mark.
      constexpr std::int64_t kScale = 1'000'000'000;
      const double factor = (1.0 + scenarios_->shocks(s)[i]) * static_cast<double>(kScale);
      const Int128 f = std::max<Int128>(
          0, static_cast<Int128>(std::llround(std::min(factor, static_cast<double>(kInt64Max)))));
      const Int128 product = mark * f;
      // Longs lose at the lower price, shorts at the higher: each side gets its worse rounding.
      const std::int64_t lo = clamp_to_int64(std::max<Int128>(1, div_round_down(product, kScale)));
      const std::int64_t hi = clamp_to_int64(std::max<Int128>(1, div_round_up(product, kScale)));
      long_price_[i * S + s] = lo;
      short_price_[i * S + s] = hi;
      highest = std::max(highest, hi);
    }
    max_price_[i] = highest;
  }
}

bool CoverageBook::evaluate_fast(std::uint32_t slot, std::int64_t* out) const noexcept {
  const std::size_t S = scenario_count_;
  const auto positions = mirror_->positions(slot);
  Int128 base = mirror_->balance(slot);
  Int128 reach = 0;
  for (const Position& p : positions) {
    const InstrumentRisk& r = mirror_->risk(p.instrument);
    if (slippage_of(p)) return false;
    const InstrumentState& st = mirror_->state(p.instrument);
    base -= Int128{p.cost} + Int128{p.qty} * (funding_index_for(st, p.qty) - p.funding_snapshot);
    const Int128 qm = abs128(Int128{p.qty} * r.multiplier);
    // |value| <= |q|*mult*price (linear), <= |q|*mult (inverse: prices are >= 1).
    reach += r.kind == ContractKind::kLinearPerpetual ? qm * max_price_[p.instrument] : qm;
  }
  if (reach + abs128(base) >= kFastReach) return false;
  const auto b = static_cast<std::int64_t>(base);
  for (std::size_t s = 0; s < S; ++s)
    out[s] = b;
  for (const Position& p : positions) {
    const InstrumentRisk& r = mirror_->risk(p.instrument);
    const std::int64_t qm = p.qty * r.multiplier;
    const std::int64_t* price =
        (p.qty > 0 ? long_price_.data() : short_price_.data()) + p.instrument * S;
    if (r.kind == ContractKind::kLinearPerpetual) {
      for (std::size_t s = 0; s < S; ++s)
        out[s] += qm * price[s];
    } else {
      for (std::size_t s = 0; s < S; ++s)
        out[s] += floor_div(-qm, price[s]);
    }
  }
  return true;
}

void CoverageBook::evaluate(std::uint32_t slot, std::int64_t* out,
                            std::vector<Int128>& scratch) const {
  const std::size_t S = scenario_count_;
  if (mirror_->asset(slot) != options_.asset) {
    std::fill(out, out + S, 0);
    return;
  }
  if (evaluate_fast(slot, out)) return;
  Int128 base = mirror_->balance(slot);
  for (const Position& p : mirror_->positions(slot)) {
    const InstrumentState& st = mirror_->state(p.instrument);
    base -= Int128{p.cost} + Int128{p.qty} * (funding_index_for(st, p.qty) - p.funding_snapshot);
  }
  std::fill(scratch.begin(), scratch.end(), base);
  for (const Position& p : mirror_->positions(slot)) {
    const InstrumentRisk& r = mirror_->risk(p.instrument);
    const std::optional<SlippageCurve>& slip = slippage_of(p);
    const std::int64_t* price =
        (p.qty > 0 ? long_price_.data() : short_price_.data()) + p.instrument * S;
    for (std::size_t s = 0; s < S; ++s) {
      const Int128 value = value_down(r, p.qty, price[s]);
      scratch[s] += value;
      // The closed notional is the position's value at the scenario price.
      if (slip) scratch[s] -= slip->cost(abs128(value));
    }
  }
  for (std::size_t s = 0; s < S; ++s)
    out[s] = clamp_to_int64(scratch[s]);
}

std::int64_t CoverageBook::deficit(std::uint32_t slot, std::size_t s) const noexcept {
  const std::int64_t e = stressed_equity(slot, s);
  return e < 0 ? -e : 0;
}

bool CoverageBook::proven(std::size_t s) const noexcept {
  // The three largest deficits are known when the list holds three, or when no outside account
  // can have a positive deficit (the missing ones are then 0).
  return top_size_[s] >= 3 || (bound_[s] >> 32) == 0;
}

void CoverageBook::place(std::size_t s, std::uint32_t slot, std::int64_t deficit) noexcept {
  const std::uint32_t K = options_.top_k;
  Key* top = top_.data() + s * K;
  std::uint32_t& n = top_size_[s];
  const Key tag = static_cast<std::uint32_t>(~slot);
  // Most accounts are in no list: the search is skipped for them.
  if (listed_[slot] != 0) {
    for (std::uint32_t j = 0; j < n; ++j) {
      if (static_cast<std::uint32_t>(top[j]) == tag) {
        std::copy(top + j + 1, top + n, top + j);
        --n;
        --listed_[slot];
        break;
      }
    }
  }
  if (deficit > 0) {
    const Key key = key_of(deficit, slot);
    if (key > bound_[s]) {
      if (n == K) {
        if (key < top[K - 1]) {
          bound_[s] = key;  // it stays outside: it is now the best known outside key
          goto check;
        }
        bound_[s] = top[K - 1];  // pushed out of the list
        --listed_[slot_of_key(top[K - 1])];
        --n;
      }
      std::uint32_t j = n;
      while (j > 0 && top[j - 1] < key) {
        top[j] = top[j - 1];
        --j;
      }
      top[j] = key;
      ++n;
      ++listed_[slot];
    }
  }
check:
  if (!proven(s) && !dirty_[s]) {
    dirty_[s] = 1;
    any_dirty_ = true;
  }
}

void CoverageBook::rescan(std::size_t s) {
  const Key* top = top_.data() + s * options_.top_k;
  for (std::uint32_t j = 0; j < top_size_[s]; ++j)
    --listed_[slot_of_key(top[j])];
  top_size_[s] = 0;
  bound_[s] = 0;
  for (std::uint32_t slot = 0; slot < account_count_; ++slot) {
    const std::int64_t d = deficit(slot, s);
    if (d == 0) continue;
    // Not in the list (emptied above), so place() finds nothing to remove.
    place(s, slot, d);
  }
  dirty_[s] = 0;
  ++rescans_;
}

void CoverageBook::recompute() {
  slippage_changed_ = false;
  set_prices();
  const std::size_t S = scenario_count_;
  account_count_ = mirror_->account_count();
  // Every row is overwritten below: no need to clear it first.
  equity_.resize(std::size_t{account_count_} * S);
  listed_.assign(account_count_, 0);
  std::fill(top_size_.begin(), top_size_.end(), 0);
  std::fill(bound_.begin(), bound_.end(), Key{0});
  const std::uint32_t K = options_.top_k;
  // Per scenario: the smallest deficit in a full list (0 until full), and the best deficit kept
  // outside it below that floor with its first slot (slots rise, so the first is the best key).
  std::vector<std::int64_t> floor(S, 0);
  std::vector<std::int64_t> outside(S, 0);
  std::vector<std::uint32_t> outside_slot(S, 0);
  for (std::uint32_t slot = 0; slot < account_count_; ++slot) {
    std::int64_t* row = equity_.data() + std::size_t{slot} * S;
    evaluate(slot, row, scratch_);
    for (std::size_t s = 0; s < S; ++s) {
      if (row[s] >= 0) continue;
      const std::int64_t d = -row[s];
      if (d < floor[s]) {
        if (d > outside[s]) {
          outside[s] = d;
          outside_slot[s] = slot;
        }
        continue;
      }
      place(s, slot, d);
      if (top_size_[s] == K) floor[s] = static_cast<std::int64_t>(top_[s * K + K - 1] >> 32);
    }
  }
  for (std::size_t s = 0; s < S; ++s) {
    if (outside[s] > 0) bound_[s] = std::max(bound_[s], key_of(outside[s], outside_slot[s]));
  }
  // After a scan of every account each list is exact (a bound only rises when a list is full).
  std::fill(dirty_.begin(), dirty_.end(), 0);
  any_dirty_ = false;
  requirements_stale_ = true;
  ++full_recomputes_;
}

void CoverageBook::grow_to(std::uint32_t accounts) {
  const std::size_t S = scenario_count_;
  const std::uint32_t first = account_count_;
  equity_.resize(std::size_t{accounts} * S, 0);
  listed_.resize(accounts, 0);
  account_count_ = accounts;
  for (std::uint32_t slot = first; slot < accounts; ++slot) {
    std::int64_t* row = equity_.data() + std::size_t{slot} * S;
    evaluate(slot, row, scratch_);
    for (std::size_t s = 0; s < S; ++s) {
      if (row[s] < 0) place(s, slot, -row[s]);
    }
  }
}

void CoverageBook::update_account(std::uint32_t slot) {
  requirements_stale_ = true;
  if (slot >= account_count_) {
    grow_to(slot + 1);  // a new account: valued once there
    return;
  }
  const std::size_t S = scenario_count_;
  std::int64_t* row = equity_.data() + std::size_t{slot} * S;
  evaluate(slot, row, scratch_);
  const bool listed = listed_[slot] != 0;
  for (std::size_t s = 0; s < S; ++s) {
    const std::int64_t d = row[s] < 0 ? -row[s] : 0;
    // Outside every list and not above the bound: nothing about scenario s changes.
    if (!listed && (d == 0 || key_of(d, slot) <= bound_[s])) continue;
    place(s, slot, d);
  }
}

void CoverageBook::set_slippage(std::uint16_t i, std::optional<SlippageCurve> sell,
                                std::optional<SlippageCurve> buy) {
  options_.sell_slippage[i] = std::move(sell);
  options_.buy_slippage[i] = std::move(buy);
  slippage_changed_ = true;
}

bool CoverageBook::sync() {
  if (slippage_changed_) {
    recompute();
    return true;
  }
  for (const std::uint16_t i : mirror_->changed_instruments()) {
    const InstrumentState& now = mirror_->state(i);
    const InstrumentState& ref = reference_[i];
    const bool funding_moved = now.long_funding_index != ref.long_funding_index ||
                               now.short_funding_index != ref.short_funding_index;
    const double drift =
        std::abs(static_cast<double>(now.mark - ref.mark)) / static_cast<double>(ref.mark);
    if (funding_moved || drift > options_.recentre_band) {
      recompute();
      return true;
    }
  }
  for (const std::uint32_t slot : mirror_->changed_accounts())
    update_account(slot);
  return false;
}

void CoverageBook::consider(CoverFigure& f, Int128 amount, std::uint32_t s,
                            std::span<const std::uint64_t> ids,
                            std::span<const std::int64_t> deficits) {
  if (amount <= f.amount) return;  // ties keep the earlier scenario; 0 is no requirement
  f.amount = amount;
  f.scenario = s;
  f.account_count = static_cast<std::uint8_t>(ids.size());
  f.accounts = {};
  f.deficits = {};
  std::copy(ids.begin(), ids.end(), f.accounts.begin());
  std::copy(deficits.begin(), deficits.end(), f.deficits.begin());
}

namespace {

// One scenario's contribution to the three requirements, from its three largest deficits (ids and
// deficits, largest first; fewer than three when fewer accounts have a deficit).
template <class Consider>
void consider_scenario(Requirements& out, std::uint32_t s, std::span<const std::uint64_t> ids,
                       std::span<const std::int64_t> d, Consider&& consider) {
  const std::size_t n = ids.size();
  const auto at = [&](std::size_t j) -> Int128 { return j < n ? d[j] : 0; };
  consider(out.cover1, at(0), s, ids.first(std::min<std::size_t>(n, 1)),
           d.first(std::min<std::size_t>(n, 1)));
  consider(out.cover2, at(0) + at(1), s, ids.first(std::min<std::size_t>(n, 2)),
           d.first(std::min<std::size_t>(n, 2)));
  // EMIR Art. 42(3): the largest, or the second and third together if larger.
  if (at(0) >= at(1) + at(2)) {
    consider(out.emir, at(0), s, ids.first(std::min<std::size_t>(n, 1)),
             d.first(std::min<std::size_t>(n, 1)));
  } else {
    const std::size_t m = std::min<std::size_t>(n, 3) - 1;
    consider(out.emir, at(1) + at(2), s, ids.subspan(1, m), d.subspan(1, m));
  }
}

}  // namespace

void CoverageBook::to_ids(Requirements& r) const noexcept {
  for (CoverFigure* f : {&r.cover1, &r.cover2, &r.emir}) {
    for (std::uint32_t j = 0; j < f->account_count; ++j)
      f->accounts[j] = mirror_->id_of(static_cast<std::uint32_t>(f->accounts[j]));
  }
}

const Requirements& CoverageBook::requirements() {
  if (any_dirty_) {
    for (std::size_t s = 0; s < scenario_count_; ++s) {
      if (dirty_[s]) rescan(s);
    }
    any_dirty_ = false;
  }
  if (!requirements_stale_) return requirements_;
  // First the best scenario of each requirement from the amounts alone (ties keep the earlier
  // scenario), then its accounts, so that the loop over scenarios copies nothing.
  const std::uint32_t K = options_.top_k;
  const auto deficit_at = [&](std::size_t s, std::uint32_t j) -> Int128 {
    return j < top_size_[s] ? static_cast<Int128>(top_[s * K + j] >> 32) : 0;
  };
  Int128 best1 = 0, best2 = 0, best_emir = 0;
  std::size_t s1 = kNoScenario, s2 = kNoScenario, s_emir = kNoScenario;
  for (std::size_t s = 0; s < scenario_count_; ++s) {
    const Int128 d0 = deficit_at(s, 0), d1 = deficit_at(s, 1), d2 = deficit_at(s, 2);
    if (d0 > best1) best1 = d0, s1 = s;
    if (d0 + d1 > best2) best2 = d0 + d1, s2 = s;
    const Int128 emir = std::max(d0, d1 + d2);
    if (emir > best_emir) best_emir = emir, s_emir = s;
  }
  Requirements out;
  std::array<std::uint64_t, 3> ids{};
  std::array<std::int64_t, 3> d{};
  for (const std::size_t s : {s1, s2, s_emir}) {
    if (s == kNoScenario) continue;
    const Key* keys = top_.data() + s * K;
    const std::size_t n = std::min<std::uint32_t>(top_size_[s], 3);
    for (std::size_t j = 0; j < n; ++j) {
      ids[j] = slot_of_key(keys[j]);  // slots until the end: ids only for the winners
      d[j] = static_cast<std::int64_t>(keys[j] >> 32);
    }
    Requirements one;
    consider_scenario(one, static_cast<std::uint32_t>(s), std::span{ids}.first(n),
                      std::span<const std::int64_t>{d}.first(n), &CoverageBook::consider);
    if (s == s1) out.cover1 = one.cover1;
    if (s == s2) out.cover2 = one.cover2;
    if (s == s_emir) out.emir = one.emir;
  }
  to_ids(out);
  requirements_ = out;
  requirements_stale_ = false;
  return requirements_;
}

Requirements CoverageBook::verify_requirements() const {
  const std::size_t S = scenario_count_;
  const std::uint32_t accounts = mirror_->account_count();
  std::vector<std::int64_t> rows(std::size_t{accounts} * S);
  std::vector<Int128> scratch(S);
  for (std::uint32_t slot = 0; slot < accounts; ++slot)
    evaluate(slot, rows.data() + std::size_t{slot} * S, scratch);
  Requirements out;
  std::vector<std::pair<std::int64_t, std::uint32_t>> column;
  std::array<std::uint64_t, 3> ids{};
  std::array<std::int64_t, 3> d{};
  for (std::size_t s = 0; s < S; ++s) {
    column.clear();
    for (std::uint32_t slot = 0; slot < accounts; ++slot) {
      const std::int64_t e = rows[std::size_t{slot} * S + s];
      if (e < 0) column.emplace_back(-e, slot);
    }
    // Larger deficit first, then the earlier slot.
    std::sort(column.begin(), column.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    const std::size_t n = std::min<std::size_t>(column.size(), 3);
    for (std::size_t j = 0; j < n; ++j) {
      ids[j] = column[j].second;
      d[j] = column[j].first;
    }
    consider_scenario(out, static_cast<std::uint32_t>(s), std::span{ids}.first(n),
                      std::span<const std::int64_t>{d}.first(n), &CoverageBook::consider);
  }
  to_ids(out);
  return out;
}

}  // namespace backstop::sizing
