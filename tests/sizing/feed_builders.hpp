// Builders of account-state feed records and small venues for the sizing tests. Test support only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backstop/risk_config.hpp"
#include "backstop/state_feed.hpp"
#include "sizing/account_mirror.hpp"

namespace backstop::sizing::testing {

inline InstrumentSpec simple_spec(std::string symbol, ContractKind kind, std::int64_t multiplier,
                                  std::int64_t mark, std::uint8_t asset = 0) {
  InstrumentSpec s;
  s.symbol = std::move(symbol);
  s.kind = kind;
  s.settlement_asset = asset;
  s.multiplier = multiplier;
  s.min_price = Price{1};
  s.max_price = Price{1'000'000'000};
  s.initial_mark = Price{mark};
  s.max_position = Qty{1'000'000};
  s.brackets = {{Money{0}, 10'000, 5'000}};
  return s;
}

inline StateRecord account_record(std::uint64_t id, std::int64_t balance, std::int64_t positions,
                                  std::uint8_t asset = 0) {
  StateRecord r{};
  r.kind = StateKind::kAccount;
  r.asset = asset;
  r.account = id;
  r.account_state = AccountState{balance, positions, 0};
  return r;
}

inline StateRecord position_record(std::uint64_t id, std::uint16_t instrument, std::int64_t qty,
                                   std::int64_t cost, std::int64_t funding_snapshot = 0,
                                   std::uint8_t asset = 0) {
  StateRecord r{};
  r.kind = StateKind::kPosition;
  r.asset = asset;
  r.instrument = instrument;
  r.account = id;
  r.position = PositionState{qty, cost, funding_snapshot};
  return r;
}

inline StateRecord instrument_record(std::uint16_t instrument, std::int64_t mark,
                                     std::int64_t long_index = 0, std::int64_t short_index = 0) {
  StateRecord r{};
  r.kind = StateKind::kInstrument;
  r.instrument = instrument;
  r.marks = InstrumentMarks{mark, long_index, short_index};
  return r;
}

struct HeldPosition {
  std::uint16_t instrument;
  std::int64_t qty;
  std::int64_t cost;
};

// One account's whole state as the feed sends it: the kAccount record, then its positions.
inline std::vector<StateRecord> account_group(std::uint64_t id, std::int64_t balance,
                                              const std::vector<HeldPosition>& positions,
                                              std::uint8_t asset = 0) {
  std::vector<StateRecord> out{
      account_record(id, balance, static_cast<std::int64_t>(positions.size()), asset)};
  for (const HeldPosition& p : positions)
    out.push_back(position_record(id, p.instrument, p.qty, p.cost, 0, asset));
  return out;
}

}  // namespace backstop::sizing::testing
