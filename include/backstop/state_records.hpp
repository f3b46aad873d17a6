// The record kinds of the engine's persistent state (docs/design.md §8). Each part of the engine
// lists its canonical state once, as calls v(Record{...}, fields...) in a fixed order (Ledger::
// visit_state, WaterfallState::visit, AdlQuantilePublisher::visit); the snapshot writer and reader,
// the state digest and the tests' state comparison (tests/support/state_list.hpp) are visitors of
// that one list. A visitor tells the records apart
// by these tag types: the digest hashes the canonical ones and skips StatisticRecord and
// MemberRecord, the snapshot keeps them all. Plain values; any thread.
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

namespace backstop {

struct InstrumentRecord {
  std::uint16_t instrument;
};
struct AccountRecord {
  std::uint32_t slot;
};
struct PositionRecord {
  std::uint32_t slot;
  std::uint32_t index;  // j of the account's positions
};
struct FundsRecord {
  std::uint8_t asset;
};
struct WaterfallFundsRecord {
  std::uint8_t asset;
};
struct WaterfallAccountRecord {
  std::uint32_t slot;
};
struct WaterfallInstrumentRecord {
  std::uint16_t instrument;
};
// How many default-fund members, then each member's slot in first-contribution order.
struct MemberCountRecord {};
struct MemberRecord {
  std::uint32_t index;
};
// The periodic ADL-quantile output's clock (canonical only while the output is `on`), then whether
// the table of last published quantiles follows (1) or not (0), then its entries.
struct AdlQuantileClockRecord {
  bool on;
};
struct QuantileTableRecord {};
struct PublishedQuantileRecord {
  std::uint32_t slot;
  std::uint16_t instrument;
};
// The risk controls' state (control_state.hpp): per asset, then the drawdown window's samples of
// that asset, then per instrument.
struct ControlAssetRecord {
  std::uint8_t asset;
};
struct DrawdownSampleRecord {
  std::uint8_t asset;
  std::uint32_t index;  // oldest first
};
struct ControlInstrumentRecord {
  std::uint16_t instrument;
};
// A dated future's settlement price (0: not settled; docs/futures.md), per instrument.
struct SettlementRecord {
  std::uint16_t instrument;
};
// Counters kept across a restore but not part of what a digest compares.
struct StatisticRecord {};

// `x` as const when the describing object is (describe(Self&, V&) runs for both).
template <class Self, class T>
constexpr auto& as_self(T& x) noexcept {
  if constexpr (std::is_const_v<Self>) {
    return std::as_const(x);
  } else {
    return x;
  }
}

}  // namespace backstop
