// The account-state feed (docs/sizing.md): with RiskConfig::state_feed on, every event's outputs
// end with the state it left behind - each account it touched (balance, then every open position)
// and each instrument whose mark or funding index it moved - so that a consumer off the hot path
// (fund sizing) keeps an exact copy of the risk state from the output stream alone, without
// reading the engine's memory. Plain 40-byte records, so that an OutputEvent carries one.
#pragma once

#include <cstdint>
#include <type_traits>

namespace backstop {

enum class StateKind : std::uint8_t {
  // An account's balance and how many kPosition records follow (its open positions, all of them:
  // a position not listed is closed).
  kAccount = 1,
  kPosition = 2,    // one open position of the kAccount record before it
  kInstrument = 3,  // an instrument's mark and funding indices after the event
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

struct StateRecord {
  StateKind kind;
  std::uint8_t asset;        // kAccount, kPosition: the account's settlement asset
  std::uint16_t instrument;  // kPosition, kInstrument
  std::uint32_t reserved;
  std::uint64_t account;  // external id; 0 for kInstrument
  union {
    AccountState account_state;
    PositionState position;
    InstrumentMarks marks;
  };
};
static_assert(sizeof(StateRecord) == 40);
static_assert(std::is_trivially_copyable_v<StateRecord>);

}  // namespace backstop
