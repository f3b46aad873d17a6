// Accounts and their positions, as stored in the risk engine's pre-allocated pools. Plain
// aggregates (public fields, Google-style struct names without the trailing underscore), trivially
// copyable, so that a snapshot or an off-hot-path scenario revaluation can copy the pools with
// memcpy. Owned by the risk engine thread; no functions here cost more than a few loads.
//
// Each account owns `positions_per_account` consecutive Position slots (capacity from
// configuration): positions [0, position_count) are open, compacted on close. An account holds at
// most one position per instrument. Isolated margin is modelled as a separate account (sub-account)
// whose `mode` says so: the engine margins every account as one cross-margin pool, so an isolated
// position is simply the only position of its own account, and moving collateral in or out of it is
// a Withdraw + Deposit pair.
#pragma once

#include <cstdint>
#include <limits>

namespace backstop {

enum class AccountStatus : std::uint8_t {
  kHealthy = 0,       // equity >= maintenance margin
  kLiquidatable = 1,  // 0 <= equity < maintenance margin
  kBankrupt = 2,      // equity < 0 (also liquidatable)
};

enum class MarginMode : std::uint8_t {
  kCross = 0,
  kIsolated = 1,  // a sub-account holding one isolated position (see the header comment)
};

enum class HeapSide : std::uint8_t {
  kNone = 0,
  kLong = 1,   // in its instrument's long trigger heap (fires when the mark falls to the trigger)
  kShort = 2,  // in the short heap (fires when the mark rises to the trigger)
};

// The venue's external id of an account, as a strong type for the embedder's queries
// (RiskEngine::margin, liquidation_price, bankruptcy_price): an id is never taken for an internal
// slot (a uint32) by an implicit conversion. AccountId{42}; static_cast<std::uint64_t> back.
enum class AccountId : std::uint64_t {};

inline constexpr std::uint32_t kNoSlot = std::numeric_limits<std::uint32_t>::max();

struct Position {
  std::int64_t qty;               // signed lots; never 0 for an open position
  std::int64_t cost;              // signed cost basis C (Money): upnl = q*w(mark) - C
  std::int64_t funding_snapshot;  // the funding index of its side when last settled
  std::int64_t trigger;           // copy of its heap key (derived), read without touching the heap
  std::uint32_t heap_index;       // slot in its instrument's trigger heap, kNoSlot if none
  std::uint16_t instrument;
  HeapSide heap_side;
  std::uint8_t reserved;
};
static_assert(sizeof(Position) == 40);

struct Account {
  std::uint64_t id;             // the venue's external id
  std::int64_t balance;         // wallet balance (Money): deposits - withdrawals + realized - fees
  std::uint32_t flagged_index;  // index in the engine's liquidatable list, kNoSlot if healthy
  std::uint8_t asset;           // settlement asset of this wallet
  std::uint8_t position_count;
  AccountStatus status;
  MarginMode mode;
};
static_assert(sizeof(Account) == 24);

}  // namespace backstop
