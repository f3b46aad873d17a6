// The fund-drawdown trigger (docs/triggers.md, "Fund drawdown"): when a fund (an asset's or an
// instrument's insurance fund) has lost more than a configured fraction of its highest level
// within a rolling window, switch that scope to "ADL before the fund is spent"; switch back, with
// hysteresis, when the drawdown has come down to the leave threshold. The window maximum is exact,
// kept by a monotonic deque in a ring whose capacity is fixed at construction. Owned by the
// sizing consumer's thread; an observation costs amortized O(1), no allocation after construction.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "backstop/money.hpp"
#include "sizing/threshold_trigger.hpp"

namespace backstop::sizing {

inline constexpr std::int64_t kNanosPerHour = 3'600'000'000'000;

struct FundDrawdownConfig {
  std::int64_t window_ns = 8 * kNanosPerHour;
  std::int64_t enter_ppm = 300'000;  // on when the fund has lost more than this
  std::int64_t leave_ppm = 200'000;  // off again when the drawdown is at or below this
  // Deque entries (a power of two, at least 2): one per level that is still the window maximum of
  // some suffix.
  std::uint32_t capacity = 1024;
};

// Bybit's rule since December 2025: more than 30 % lost in 8 hours. The venue publishes no
// switch-off rule; ours leaves at two thirds of the entry threshold.
inline constexpr FundDrawdownConfig kBybitFundDrawdown{8 * kNanosPerHour, 300'000, 200'000, 1024};
// Binance's earlier rule: more than 7.5 % lost in 8 hours; the same two-thirds switch-off.
inline constexpr FundDrawdownConfig kBinanceOldFundDrawdown{8 * kNanosPerHour, 75'000, 50'000,
                                                            1024};

TriggerConfigError validate(const FundDrawdownConfig& config) noexcept;

// One switch of a scope's "ADL before the fund is spent".
struct FundDrawdownChange {
  std::int64_t time_ns;
  std::uint32_t scope;  // the asset or instrument whose fund this is, as the caller numbers it
  bool adl_first;       // the new state: true = switched on
  Money level;          // the fund's level observed
  Money window_max;     // the highest level in force during the window
  std::int64_t drawdown_ppm;   // (window_max − level) / window_max, rounded up
  std::int64_t threshold_ppm;  // the threshold crossed: enter_ppm or leave_ppm
};

// The fund level is taken as a step function of the observations: each level holds from its
// observation until the next one. The window max at time t is the maximum of that function over
// (t − window, t], so a level observed before the window still counts while it was in force, and a
// level replaced at exactly t − window no longer does. The drawdown is
// (window_max − level) / window_max, zero when window_max is zero.
//
// Capacity: the deque holds only levels not exceeded by a later one, so a full ring needs that many
// strictly decreasing levels within one window. If it is full anyway, its two oldest entries merge
// into one that keeps the older (higher) level until the younger one's end: the window max then
// stays at the older level a little longer than exact, never lower, so the drawdown is never
// understated and ADL comes on no later than exact. merged_entries() counts such merges.
class FundDrawdownTrigger {
 public:
  // Precondition: validate(config) == kNone.
  FundDrawdownTrigger(std::uint32_t scope, FundDrawdownConfig config);

  // Observes the fund's level at time_ns. Refuses a negative level and a time earlier than the
  // last accepted one.
  [[nodiscard]] TriggerOutcome<FundDrawdownChange> observe(std::int64_t time_ns,
                                                           Money level) noexcept;

  bool adl_first() const noexcept { return trigger_.active(); }
  Money window_max() const noexcept;
  std::uint64_t merged_entries() const noexcept { return merged_entries_; }

 private:
  struct Entry {
    std::int64_t level;
    std::int64_t end_ns;  // when the next observation replaced this level; int64 max while current
  };

  Entry& at(std::uint32_t i) noexcept { return ring_[(head_ + i) & mask_]; }
  const Entry& at(std::uint32_t i) const noexcept { return ring_[(head_ + i) & mask_]; }
  void expire(std::int64_t time_ns) noexcept;
  void push(std::int64_t time_ns, std::int64_t level) noexcept;

  std::uint32_t scope_;
  FundDrawdownConfig config_;
  ThresholdTrigger<ExactRatio> trigger_;
  std::vector<Entry> ring_;
  std::uint32_t mask_;
  std::uint32_t head_ = 0;
  std::uint32_t size_ = 0;
  std::int64_t last_time_ns_ = std::numeric_limits<std::int64_t>::min();
  std::uint64_t merged_entries_ = 0;
};

}  // namespace backstop::sizing
