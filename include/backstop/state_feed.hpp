// The account-state feed (docs/sizing.md): with RiskConfig::state_feed on, every event's outputs
// end with the state it left behind - each account it touched (balance, then every open position)
// and each instrument whose mark or funding index it moved - so that a consumer off the hot path
// (fund sizing) keeps an exact copy of the risk state from the output stream alone, without
// reading the engine's memory. Plain 40-byte records, so that an OutputEvent carries one.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>

namespace backstop {

enum class StateKind : std::uint8_t {
  // An account's balance and how many kPosition records follow (its open positions, all of them:
  // a position not listed is closed).
  kAccount = 1,
  kPosition = 2,    // one open position of the kAccount record before it
  kInstrument = 3,  // an instrument's mark and funding indices after the event
  kFunds = 4,       // an asset's insurance fund and default fund, when the event changed either
};

struct AccountState {
  std::int64_t balance;
  std::int64_t position_count;
  std::int64_t reserved;
};
struct PositionState {  // as Position (account.hpp): qty never 0
  std::int64_t qty;
  std::int64_t cost;
  std::int64_t funding_snapshot;
};
struct InstrumentMarks {  // as InstrumentState (instrument.hpp)
  std::int64_t mark;
  std::int64_t long_funding_index;
  std::int64_t short_funding_index;
};

struct FundLevels {
  std::int64_t insurance;
  std::int64_t default_fund;
  std::int64_t venue_tranche;
};

struct StateRecord {
  StateKind kind;
  std::uint8_t asset;        // kAccount, kPosition: the account's settlement asset; kFunds
  std::uint16_t instrument;  // kPosition, kInstrument
  std::uint32_t reserved;
  std::uint64_t account;  // external id; 0 for kInstrument
  union {
    AccountState account_state;
    PositionState position;
    InstrumentMarks marks;
    FundLevels funds;
  };
};
static_assert(sizeof(StateRecord) == 40);
static_assert(std::is_trivially_copyable_v<StateRecord>);

// Which accounts the current event touched, each once, in the order first touched (so that the
// feed is deterministic): the risk engine's refresh watcher calls touch() after every exact
// evaluation, and every change to an account's balance or positions ends in one. Off (no tables,
// touch() a predictable branch) unless the feed is configured. Owned by the risk engine thread.
class StateTouches {
 public:
  // Cold: sizes the tables for `accounts` slots and turns the tracking on.
  void enable(std::uint32_t accounts) {
    stamp_ = std::make_unique<std::uint32_t[]>(accounts);
    slots_ = std::make_unique<std::uint32_t[]>(accounts);
    capacity_ = accounts;
  }
  bool enabled() const noexcept { return capacity_ != 0; }

  void begin_event() noexcept {
    count_ = 0;
    if (++epoch_ == 0) [[unlikely]] {  // every 2^32 events: stamps from the last round are stale
      std::fill_n(stamp_.get(), capacity_, 0u);
      epoch_ = 1;
    }
  }
  void touch(std::uint32_t slot) noexcept {
    if (capacity_ == 0 || stamp_[slot] == epoch_) return;
    stamp_[slot] = epoch_;
    slots_[count_++] = slot;  // at most once per slot per event: never beyond capacity_
  }
  std::span<const std::uint32_t> accounts() const noexcept { return {slots_.get(), count_}; }

 private:
  std::unique_ptr<std::uint32_t[]> stamp_;  // per slot: the epoch it was last touched in
  std::unique_ptr<std::uint32_t[]> slots_;
  std::uint32_t capacity_ = 0;
  std::uint32_t count_ = 0;
  std::uint32_t epoch_ = 0;
};

}  // namespace backstop
