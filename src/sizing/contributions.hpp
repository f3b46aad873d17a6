// Members' default-fund contributions and the replenishment call (docs/triggers.md,
// "Contributions"): a requirement split pro rata to each member's share, with a floor per member
// (or, for a call, a cap per member), so that the parts add up exactly to the whole. Exact
// integers, 128-bit intermediates, remainders by largest remainder with ties to the lower account
// id; the same inputs in any order give the same outputs. Owned by the sizing consumer's thread;
// scratch is allocated at construction for a fixed number of members, so a computation allocates
// nothing. Cost per call: O(n log n) for n members.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "backstop/account.hpp"
#include "backstop/money.hpp"

namespace backstop::sizing {

namespace detail {
struct ApportionEntry {  // scratch: one member during a split
  std::uint64_t account;
  std::int64_t weight;
  std::int64_t bound;
  std::int64_t amount;
  Int128 remainder;
  bool at_bound;
};
}  // namespace detail

// What a member's share is measured in (EMIR Art. 42(2): contributions proportional to exposure).
enum class ContributionBasis : std::uint8_t {
  kStressedDeficit = 0,  // its stressed deficit under the requirement's scenario
  kInitialMargin = 1,    // its initial margin
};

enum class ApportionStatus : std::uint8_t {
  kOk = 0,
  kTooManyMembers = 1,    // more members than the capacity given at construction
  kDuplicateAccount = 2,  // one account listed twice
  kNegativeInput = 3,     // a negative amount, share, floor or cap
  kNoMembers = 4,         // something to split and nobody to split it over
  kSumPastInt64 = 5,      // the shares or the floors add up past the int64 range
};

const char* describe(ApportionStatus status) noexcept;

// One member's input to the contribution split; the calculator's basis picks which exposure is
// its share.
struct MemberExposure {
  AccountId account;
  Money stressed_deficit;  // >= 0
  Money initial_margin;    // >= 0
  Money floor;             // >= 0: the least it contributes
};

struct MemberContribution {
  AccountId account;
  Money amount;
  bool at_floor;  // pays its floor: its pro-rata figure was at or below it
};

struct ContributionResult {
  ApportionStatus status = ApportionStatus::kOk;
  // What is split: the requirement, or the sum of the floors when that is larger (each member
  // then pays exactly its floor).
  Money total{0};
};

// Contributions: floors first, then the rest pro rata over the members above their floor.
// Exactly: each member pays max(floor, λ × share), with the one λ that makes the amounts add up to
// the requirement; the members whose floor binds pay it exactly, the others split
// requirement − Σ(their floors) pro rata to their shares, each rounded down, and the units left by
// rounding go one each to the largest remainders (ties: lower account id first). So a member above
// its floor pays within one unit of its exact pro-rata figure, and never less than its floor. If
// every share is zero, each member's share counts as one (an equal split above the floors).
class ContributionCalculator {
 public:
  ContributionCalculator(std::size_t max_members, ContributionBasis basis);

  // On any status but kOk, contributions() is empty.
  [[nodiscard]] ContributionResult compute(Money requirement,
                                           std::span<const MemberExposure> members) noexcept;

  // The last computation's contributions, in account id order.
  std::span<const MemberContribution> contributions() const noexcept {
    return {contributions_.data(), count_};
  }

  ContributionBasis basis() const noexcept { return basis_; }

 private:
  ContributionBasis basis_;
  std::vector<detail::ApportionEntry> entries_;
  std::vector<std::uint32_t> order_;
  std::vector<MemberContribution> contributions_;
  std::size_t count_ = 0;
};

// How a member's part of a replenishment call is capped.
enum class ReplenishmentCapKind : std::uint8_t {
  kNone = 0,                    // uncapped
  kMultipleOfContribution = 1,  // cap = its default-fund contribution × multiple (rounded up)
  kAbsolute = 2,                // the same fixed amount for every member
};

struct ReplenishmentCap {
  ReplenishmentCapKind kind = ReplenishmentCapKind::kMultipleOfContribution;
  std::int64_t multiple_ppm = 1'000'000;  // for kMultipleOfContribution: 1× by default
  Money absolute{0};                      // for kAbsolute
};

struct MemberCallShare {
  AccountId account;
  Money stressed_share;  // its share of the stressed requirement (its stressed deficit), >= 0
  Money contribution;    // its current default-fund contribution (for a cap by multiple), >= 0
};

struct MemberCall {
  AccountId account;
  Money amount;
  Money cap;    // int64 max when uncapped
  bool capped;  // pays its cap: its pro-rata figure was at or above it
};

struct ReplenishmentResult {
  ApportionStatus status = ApportionStatus::kOk;
  Money asked{0};     // the amount the call is for
  Money called{0};    // Σ of what members are called for: asked, or Σ caps when that is less
  Money uncalled{0};  // asked − called: what the caps leave uncovered
};

// A replenishment call: members pay pro rata to their share of the stressed requirement, each at
// most its cap. Exactly: each pays min(cap, μ × share) with the one μ that makes the amounts add up
// to the amount asked; if the caps add up to less, everyone pays its cap and the rest is reported
// uncalled. Rounding as for contributions (down, then largest remainders, ties to the lower
// account id), so the parts add up exactly to what is called. Members with no share pay nothing;
// if every share is zero, each counts as one (an equal split under the caps).
class ReplenishmentCalculator {
 public:
  ReplenishmentCalculator(std::size_t max_members, ReplenishmentCap cap);

  [[nodiscard]] ReplenishmentResult compute(Money amount,
                                            std::span<const MemberCallShare> members) noexcept;

  std::span<const MemberCall> calls() const noexcept { return {calls_.data(), count_}; }

 private:
  ReplenishmentCap cap_;
  std::vector<detail::ApportionEntry> entries_;
  std::vector<std::uint32_t> order_;
  std::vector<MemberCall> calls_;
  std::size_t count_ = 0;
};

}  // namespace backstop::sizing
