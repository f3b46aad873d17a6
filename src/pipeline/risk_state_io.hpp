// Saves the risk engine's canonical state into bytes and restores it into a freshly built engine
// with the same configuration: the payload of a snapshot file. The bytes are the engine's one
// state list (RiskEngine::visit_state) field by field, after a header with the shape the state
// must fit; derived state (the id map, trigger heaps, the flagged list, the ADL ranking) is rebuilt
// on load, so a restored engine has the same digest and produces the same outputs as the one
// saved. Cold: O(accounts + positions); the owning thread, with the engine idle.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "backstop/risk_engine.hpp"

namespace backstop {

struct RiskStateIo {
  // 2: the waterfall's state; 3: committed shares; 4: the partial-liquidation count; 5: the
  // periodic ADL-quantile output's clock and last published quantiles; 6: per instrument the
  // socialized charges per side (were per-lot indices); 7: the risk controls' state and the
  // drawdown window (control_state.hpp); 8: per instrument a dated future's settlement price
  // (docs/futures.md). An older format is refused ("format N unknown").
  static constexpr std::uint32_t kFormat = 8;

  static void save(const RiskEngine& risk, std::vector<std::byte>& out);

  // Precondition: `risk` is freshly constructed (no event processed). False with `error` set when
  // the bytes are malformed or do not fit this engine's configuration; `risk` must then be thrown
  // away.
  static bool load(RiskEngine& risk, const std::vector<std::byte>& bytes, std::string& error);
};

}  // namespace backstop
