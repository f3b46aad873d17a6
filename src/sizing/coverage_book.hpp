// CoverageBook: live Cover-1 / Cover-2 / EMIR Art. 42(3) requirements under stress scenarios
// (docs/coverage.md). Per account, its stressed equity under every scenario, at scenario prices
// fixed at the last full recompute (reference mark x (1 + shock), so that marks moving do not
// change the vectors); per scenario, the K largest stressed deficits and an upper bound on every
// account outside that list. A touched account is revalued alone (O(S x K)); a scenario is
// rescanned over all accounts only when its list no longer proves the three largest deficits. A
// full recompute re-centres the prices on the current marks: on request, when a mark leaves the
// band around its reference, or when a funding index moves (accrued funding is in every vector).
//
// Money is exact: stressed equity is computed with the core's value_down at integer scenario
// prices, rounded in the venue's favour (a long valued at the scenario price rounded down, a short
// at the price rounded up; slippage rounded up), so a deficit is never understated.
//
// Reads the AccountMirror it is given (which must outlive it). Cold code, owned by the sizing
// consumer's thread. Memory: 8 bytes x accounts x scenarios, plus O(scenarios x K).
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "backstop/money.hpp"
#include "sizing/account_mirror.hpp"
#include "sizing/scenario_set.hpp"

namespace backstop::sizing {

// The cost of closing `notional` (Money) of one instrument within the liquidation horizon, from the
// book depth the caller supplies: piecewise linear through (0, 0) and the given points, extended
// beyond the last point at the last segment's slope; rounded up (a cost to the account).
struct SlippagePoint {
  std::int64_t notional;
  std::int64_t cost;
};
class SlippageCurve {
 public:
  // Error (empty when valid): notionals strictly increasing and positive, costs non-decreasing and
  // non-negative, at least one point.
  static std::string validate(const std::vector<SlippagePoint>& points);
  // Precondition: validate(points) is empty.
  explicit SlippageCurve(std::vector<SlippagePoint> points) : points_(std::move(points)) {}
  Int128 cost(Int128 notional) const noexcept;

 private:
  std::vector<SlippagePoint> points_;
};

struct CoverageOptions {
  // The settlement asset whose accounts the book covers (deficits in different assets do not add
  // up: one book per asset). Accounts of other assets have no deficit here.
  std::uint8_t asset = 0;
  std::uint32_t top_k = 8;      // deficits kept per scenario; at least 3
  double recentre_band = 0.01;  // a mark this far (fraction) from its reference re-centres
  // Per instrument, the cost of closing a long (selling into the bids) and a short (buying from the
  // asks); empty (or shorter than the instrument count) means no slippage.
  std::vector<std::optional<SlippageCurve>> sell_slippage;
  std::vector<std::optional<SlippageCurve>> buy_slippage;
};

inline constexpr std::uint32_t kNoScenario = std::numeric_limits<std::uint32_t>::max();

// One requirement and what gives it: the scenario (kNoScenario when the requirement is 0) and the
// accounts whose deficits make it up (external ids, largest deficit first).
struct CoverFigure {
  Int128 amount = 0;
  std::uint32_t scenario = kNoScenario;
  std::uint8_t account_count = 0;
  std::array<std::uint64_t, 3> accounts{};
  std::array<std::int64_t, 3> deficits{};
};

struct Requirements {
  CoverFigure cover1;  // max over scenarios of the largest deficit
  CoverFigure cover2;  // max over scenarios of the two largest together
  CoverFigure emir;    // max over scenarios of max(largest, second + third)
};

// (insurance fund + default fund available) / requirement. With no requirement (0) the ratio is
// not a number but "no requirement": has_requirement false.
struct CoverageRatio {
  bool has_requirement = false;
  double ratio = 0;
};
CoverageRatio coverage_ratio(std::int64_t insurance_fund, std::int64_t default_fund_available,
                             Int128 requirement) noexcept;
std::string to_string(const CoverageRatio& r);

class CoverageBook {
 public:
  // Error (empty when valid) for options the book cannot work with: top_k < 3, a negative or
  // non-finite band, slippage for more instruments than the mirror has, a scenario set of another
  // instrument count.
  static std::string validate(const AccountMirror& mirror, const ScenarioSet& scenarios,
                              const CoverageOptions& options);
  // Precondition: validate(...) is empty. Runs a full recompute at the mirror's current marks.
  CoverageBook(const AccountMirror& mirror, const ScenarioSet& scenarios, CoverageOptions options);

  // Re-centres the scenario prices on the mirror's current marks and revalues every account.
  void recompute();
  // Revalues one account (its slot in the mirror) at the fixed scenario prices: O(S x K).
  void update_account(std::uint32_t slot);
  // New slippage curves for instrument i (the book depth moved): applied by the next sync(), which
  // then recomputes fully. Precondition: i < the mirror's instrument count.
  void set_slippage(std::uint16_t i, std::optional<SlippageCurve> sell,
                    std::optional<SlippageCurve> buy);
  // Applies what the mirror says changed since its last clear_changes(): a full recompute if an
  // instrument's funding index moved, its mark left the band or its slippage changed, else each
  // changed account alone.
  // Returns whether it recomputed fully. The caller then calls mirror.clear_changes().
  bool sync();

  // The three requirements (rescans first any scenario whose list no longer proves its three
  // largest deficits).
  const Requirements& requirements();

  // The reference model for tests: every account revalued and every scenario's deficits sorted
  // from scratch, at the same scenario prices. O(accounts x scenarios x log).
  Requirements verify_requirements() const;

  std::size_t scenario_count() const noexcept { return scenario_count_; }
  std::uint32_t account_count() const noexcept { return account_count_; }
  // Stressed equity after slippage of account `slot` under scenario s.
  std::int64_t stressed_equity(std::uint32_t slot, std::size_t s) const noexcept {
    return equity_[std::size_t{slot} * scenario_count_ + s];
  }
  // max(0, -stressed_equity): the account's stressed deficit.
  std::int64_t deficit(std::uint32_t slot, std::size_t s) const noexcept;
  // The scenario prices of instrument i (in ticks): for longs (rounded down) and shorts (up).
  std::int64_t long_price(std::uint16_t i, std::size_t s) const noexcept {
    return long_price_[i * scenario_count_ + s];
  }
  std::int64_t short_price(std::uint16_t i, std::size_t s) const noexcept {
    return short_price_[i * scenario_count_ + s];
  }
  std::int64_t reference_mark(std::uint16_t i) const noexcept { return reference_[i].mark; }
  std::uint64_t full_recomputes() const noexcept { return full_recomputes_; }
  std::uint64_t scenario_rescans() const noexcept { return rescans_; }

 private:
  using Key = unsigned __int128;  // (deficit << 32) | ~slot: larger deficit, then smaller slot
  static Key key_of(std::int64_t deficit, std::uint32_t slot) noexcept {
    return (Key(static_cast<std::uint64_t>(deficit)) << 32) | static_cast<std::uint32_t>(~slot);
  }
  static std::uint32_t slot_of_key(Key k) noexcept { return ~static_cast<std::uint32_t>(k); }
  void to_ids(Requirements& r) const noexcept;
  void set_prices();
  // The curve that closing position p pays: selling into the bids for a long, buying for a short.
  const std::optional<SlippageCurve>& slippage_of(const Position& p) const noexcept {
    return p.qty > 0 ? options_.sell_slippage[p.instrument] : options_.buy_slippage[p.instrument];
  }
  void evaluate(std::uint32_t slot, std::int64_t* out, std::vector<Int128>& scratch) const;
  bool evaluate_fast(std::uint32_t slot, std::int64_t* out) const noexcept;
  static void consider(CoverFigure& f, Int128 amount, std::uint32_t s,
                       std::span<const std::uint64_t> ids, std::span<const std::int64_t> deficits);
  void grow_to(std::uint32_t accounts);
  void rescan(std::size_t s);
  void place(std::size_t s, std::uint32_t slot, std::int64_t deficit) noexcept;
  bool proven(std::size_t s) const noexcept;

  const AccountMirror* mirror_;
  const ScenarioSet* scenarios_;
  CoverageOptions options_;
  std::size_t scenario_count_;
  std::uint32_t account_count_ = 0;

  std::vector<InstrumentState> reference_;  // marks and funding at the last full recompute
  std::vector<std::int64_t> long_price_;    // [instrument * S + s]
  std::vector<std::int64_t> short_price_;
  std::vector<std::int64_t> max_price_;  // per instrument, over scenarios
  std::vector<std::int64_t> equity_;     // [slot * S + s]
  std::vector<Int128> scratch_;          // S, for the 128-bit path

  std::vector<Key> top_;                 // [s * K + j], sorted descending
  std::vector<std::uint32_t> top_size_;  // per scenario
  std::vector<Key> bound_;               // per scenario: every outside account's key is <= it
  std::vector<std::uint8_t> dirty_;      // per scenario: needs a rescan
  std::vector<std::uint32_t> listed_;    // per account: how many scenarios' lists hold it
  bool any_dirty_ = false;
  Requirements requirements_;
  bool requirements_stale_ = true;
  bool slippage_changed_ = false;
  std::uint64_t full_recomputes_ = 0;
  std::uint64_t rescans_ = 0;
};

}  // namespace backstop::sizing
