#include "sizing/contributions.hpp"

#include <algorithm>
#include <limits>
#include <numeric>

namespace backstop::sizing {
namespace {

using Entry = detail::ApportionEntry;

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

enum class BoundKind : std::uint8_t { kFloor, kCap };

// Whether a's bound binds no later than b's as the pro-rata level moves: for floors the larger
// floor / weight first (a zero weight first of all: its pro-rata figure is zero), for caps the
// smaller cap / weight first (a zero weight last: it pays nothing and never reaches a cap). Ties go
// to the lower account id so that the order, and with it every output, is independent of the
// input order.
bool binds_first(const Entry& a, const Entry& b, BoundKind kind) noexcept {
  if ((a.weight == 0) != (b.weight == 0)) {
    return (a.weight == 0) == (kind == BoundKind::kFloor);
  }
  if (a.weight != 0) {
    // bound_a / weight_a against bound_b / weight_b; each product is below 2^126.
    const Int128 lhs = Int128{a.bound} * b.weight;
    const Int128 rhs = Int128{b.bound} * a.weight;
    if (lhs != rhs) return kind == BoundKind::kFloor ? lhs > rhs : lhs < rhs;
  }
  return a.account < b.account;
}

// Splits `total` over `entries` pro rata to their weights, each entry at least (floors) or at most
// (caps) its bound. Preconditions: entries sorted by account, unique; weights and bounds >= 0;
// Σ weights in int64 and positive; for floors Σ bounds < total, for caps Σ bounds of the
// positive-weight entries > total (so some entry is left unbound and the split has a solution).
void apportion(Int128 total, std::span<Entry> entries, std::span<std::uint32_t> order,
               BoundKind kind) noexcept {
  std::iota(order.begin(), order.end(), std::uint32_t{0});
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return binds_first(entries[a], entries[b], kind);
  });
  Int128 rest = total;
  Int128 rest_weight = 0;
  for (const Entry& e : entries)
    rest_weight += e.weight;
  for (Entry& e : entries) {
    e.amount = 0;
    e.remainder = 0;
    e.at_bound = false;
  }
  // The bound of the entry at the front of the order binds iff its bound is at least (floors) or
  // at most (caps) its pro-rata part of what is left, computed over the entries not yet bound.
  // Each binding moves the level the same way the order goes, so the bound entries are a prefix.
  std::size_t first_free = 0;
  for (; first_free < order.size(); ++first_free) {
    Entry& e = entries[order[first_free]];
    const Int128 bound_scaled = Int128{e.bound} * rest_weight;
    const Int128 pro_rata_scaled = rest * e.weight;
    const bool binds = kind == BoundKind::kFloor
                           ? (e.weight == 0 || bound_scaled >= pro_rata_scaled)
                           : (e.weight != 0 && bound_scaled <= pro_rata_scaled);
    if (!binds) break;
    e.amount = e.bound;
    e.at_bound = true;
    rest -= e.bound;
    rest_weight -= e.weight;
  }
  // rest_weight > 0 here: the preconditions leave a positive-weight entry unbound.
  Int128 handed_out = 0;
  for (std::size_t i = first_free; i < order.size(); ++i) {
    Entry& e = entries[order[i]];
    const Int128 scaled = rest * e.weight;  // below 2^126
    e.amount = static_cast<std::int64_t>(scaled / rest_weight);
    e.remainder = scaled % rest_weight;
    handed_out += e.amount;
  }
  // Rounding down left fewer units than there are entries with a non-zero remainder; one each to
  // the largest remainders.
  const auto left_over = static_cast<std::size_t>(rest - handed_out);
  const auto free_begin = order.begin() + static_cast<std::ptrdiff_t>(first_free);
  std::sort(free_begin, order.end(), [&](std::uint32_t a, std::uint32_t b) {
    if (entries[a].remainder != entries[b].remainder) {
      return entries[a].remainder > entries[b].remainder;
    }
    return entries[a].account < entries[b].account;
  });
  for (std::size_t i = 0; i < left_over; ++i) {
    ++entries[order[first_free + i]].amount;
  }
}

// Sorts by account and checks for duplicates; returns kOk or kDuplicateAccount.
ApportionStatus sort_by_account(std::span<Entry> entries) noexcept {
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.account < b.account; });
  for (std::size_t i = 1; i < entries.size(); ++i) {
    if (entries[i - 1].account == entries[i].account) return ApportionStatus::kDuplicateAccount;
  }
  return ApportionStatus::kOk;
}

// Makes every weight one when they are all zero; false when they add up past int64.
bool normalise_weights(std::span<Entry> entries) noexcept {
  Int128 sum = 0;
  for (const Entry& e : entries)
    sum += e.weight;
  if (sum > kInt64Max) return false;
  if (sum == 0) {
    for (Entry& e : entries)
      e.weight = 1;
  }
  return true;
}

}  // namespace

const char* describe(ApportionStatus status) noexcept {
  switch (status) {
    case ApportionStatus::kOk:
      return "ok";
    case ApportionStatus::kTooManyMembers:
      return "more members than the configured capacity";
    case ApportionStatus::kDuplicateAccount:
      return "an account is listed twice";
    case ApportionStatus::kNegativeInput:
      return "a negative amount, share, floor or cap";
    case ApportionStatus::kNoMembers:
      return "an amount to split and no member to split it over";
    case ApportionStatus::kSumPastInt64:
      return "the shares or the floors add up past the int64 range";
  }
  return "unknown";
}

ContributionCalculator::ContributionCalculator(std::size_t max_members, ContributionBasis basis)
    : basis_(basis), entries_(max_members), order_(max_members), contributions_(max_members) {}

ContributionResult ContributionCalculator::compute(
    Money requirement, std::span<const MemberExposure> members) noexcept {
  count_ = 0;
  if (members.size() > entries_.size()) return {ApportionStatus::kTooManyMembers, Money{0}};
  if (requirement.raw() < 0) return {ApportionStatus::kNegativeInput, Money{0}};
  if (members.empty()) {
    return {requirement.raw() == 0 ? ApportionStatus::kOk : ApportionStatus::kNoMembers, Money{0}};
  }
  const std::span<Entry> entries(entries_.data(), members.size());
  Int128 floors = 0;
  for (std::size_t i = 0; i < members.size(); ++i) {
    const MemberExposure& m = members[i];
    if (m.stressed_deficit.raw() < 0 || m.initial_margin.raw() < 0 || m.floor.raw() < 0) {
      return {ApportionStatus::kNegativeInput, Money{0}};
    }
    const Money share =
        basis_ == ContributionBasis::kStressedDeficit ? m.stressed_deficit : m.initial_margin;
    entries[i] =
        Entry{static_cast<std::uint64_t>(m.account), share.raw(), m.floor.raw(), 0, 0, false};
    floors += m.floor.raw();
  }
  if (floors > kInt64Max) return {ApportionStatus::kSumPastInt64, Money{0}};
  if (const ApportionStatus s = sort_by_account(entries); s != ApportionStatus::kOk) return {s};
  if (!normalise_weights(entries)) return {ApportionStatus::kSumPastInt64, Money{0}};

  Int128 total = requirement.raw();
  if (floors >= total) {
    // The floors alone cover the requirement: the requirement becomes Σ floors, each pays its own.
    total = floors;
    for (Entry& e : entries) {
      e.amount = e.bound;
      e.at_bound = true;
    }
  } else {
    apportion(total, entries, std::span(order_.data(), entries.size()), BoundKind::kFloor);
  }
  for (const Entry& e : entries) {
    contributions_[count_++] = {AccountId{e.account}, Money{e.amount}, e.at_bound};
  }
  return {ApportionStatus::kOk, Money{static_cast<std::int64_t>(total)}};
}

ReplenishmentCalculator::ReplenishmentCalculator(std::size_t max_members, ReplenishmentCap cap)
    : cap_(cap), entries_(max_members), order_(max_members), calls_(max_members) {}

ReplenishmentResult ReplenishmentCalculator::compute(
    Money amount, std::span<const MemberCallShare> members) noexcept {
  count_ = 0;
  ReplenishmentResult result;
  result.asked = amount;
  if (members.size() > entries_.size()) {
    result.status = ApportionStatus::kTooManyMembers;
    return result;
  }
  if (amount.raw() < 0 || cap_.multiple_ppm < 0 || cap_.absolute.raw() < 0) {
    result.status = ApportionStatus::kNegativeInput;
    return result;
  }
  if (members.empty()) {
    result.status = amount.raw() == 0 ? ApportionStatus::kOk : ApportionStatus::kNoMembers;
    return result;
  }
  const std::span<Entry> entries(entries_.data(), members.size());
  for (std::size_t i = 0; i < members.size(); ++i) {
    const MemberCallShare& m = members[i];
    if (m.stressed_share.raw() < 0 || m.contribution.raw() < 0) {
      result.status = ApportionStatus::kNegativeInput;
      return result;
    }
    std::int64_t cap = kInt64Max;
    if (cap_.kind == ReplenishmentCapKind::kAbsolute) cap = cap_.absolute.raw();
    if (cap_.kind == ReplenishmentCapKind::kMultipleOfContribution) {
      // Rounded up: the cap limits a charge, and the venue's rounding lets it charge the unit.
      cap =
          clamp_to_int64(div_round_up(Int128{m.contribution.raw()} * cap_.multiple_ppm, 1'000'000));
    }
    entries[i] =
        Entry{static_cast<std::uint64_t>(m.account), m.stressed_share.raw(), cap, 0, 0, false};
  }
  if (const ApportionStatus s = sort_by_account(entries); s != ApportionStatus::kOk) {
    result.status = s;
    return result;
  }
  if (!normalise_weights(entries)) {
    result.status = ApportionStatus::kSumPastInt64;
    return result;
  }
  // Only members with a share can be called: the others' pro-rata figure is zero.
  Int128 callable = 0;
  for (const Entry& e : entries) {
    if (e.weight > 0) callable += e.bound;
  }
  if (callable <= amount.raw()) {
    for (Entry& e : entries) {
      e.amount = e.weight > 0 ? e.bound : 0;
      e.at_bound = e.weight > 0;
    }
    result.called = Money{static_cast<std::int64_t>(callable)};
  } else {
    apportion(amount.raw(), entries, std::span(order_.data(), entries.size()), BoundKind::kCap);
    result.called = amount;
  }
  result.uncalled = result.asked - result.called;
  for (const Entry& e : entries) {
    calls_[count_++] = {AccountId{e.account}, Money{e.amount}, Money{e.bound}, e.at_bound};
  }
  return result;
}

}  // namespace backstop::sizing
