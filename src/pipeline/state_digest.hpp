// A 64-bit digest (XXH3) of the risk engine's canonical state: what a recovery must reproduce and
// what two runs on the same input must agree on. Hashes the canonical records of the engine's one
// state list (RiskEngine::visit_state) field by field (never struct bytes, whose padding is
// undefined); derived state (trigger heaps, the flagged list's order) is not in that list. Cold:
// O(accounts + positions); the owning thread.
#pragma once

#include <cstdint>
#include <string>

#include "backstop/risk_engine.hpp"

namespace backstop::pipeline {

[[nodiscard]] std::uint64_t state_digest(const RiskEngine& risk);

// The digest as 16 lowercase hex digits, as the CLI prints it.
[[nodiscard]] std::string digest_hex(std::uint64_t digest);

}  // namespace backstop::pipeline
