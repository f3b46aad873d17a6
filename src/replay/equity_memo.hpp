// EquityMemo: one account's equity, recomputed only when an input of it moved. RiskEngine::margin()
// is a pure function of the account's balance, its positions (instrument, lots, cost, funding
// snapshot) and those instruments' marks and funding indices of the position's side, so the memo
// compares exactly those and gives the very value margin() would. The synchronous replay samples
// the backstop's equity after every event, and most events (fills between traders) leave all of
// it unchanged. Internal to the replay; the thread that owns the RiskEngine. Cost: O(positions)
// compares per call, plus margin() when something moved.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "backstop/risk_engine.hpp"

namespace backstop::replay {

class EquityMemo {
 public:
  std::int64_t equity(const RiskEngine& risk, std::uint32_t slot) {
    const Account& account = risk.account(slot);
    const std::span<const Position> positions = risk.positions(slot);
    bool same = valid_ && account.balance == balance_ && positions.size() == count_;
    for (std::size_t j = 0; same && j < positions.size(); ++j)
      same = key_of(risk, positions[j]) == keys_[j];
    if (same) return equity_;
    equity_ = clamp_to_int64(risk.slot_margin(slot).equity);
    balance_ = account.balance;
    count_ = positions.size();
    for (std::size_t j = 0; j < positions.size(); ++j)
      keys_[j] = key_of(risk, positions[j]);
    valid_ = true;
    return equity_;
  }

 private:
  struct Key {
    std::int64_t qty;
    std::int64_t cost;
    std::int64_t funding_snapshot;
    std::int64_t mark;
    std::int64_t funding_index;
    std::uint16_t instrument;
    bool operator==(const Key&) const = default;
  };
  static Key key_of(const RiskEngine& risk, const Position& p) {
    const InstrumentState& s = risk.instrument_state(p.instrument);
    return Key{p.qty,       p.cost, p.funding_snapshot, s.mark, funding_index_for(s, p.qty),
               p.instrument};
  }
  bool valid_ = false;
  std::int64_t balance_ = 0;
  std::size_t count_ = 0;
  std::int64_t equity_ = 0;
  std::array<Key, kMaxPositionsPerAccount> keys_{};
};

}  // namespace backstop::replay
