// The conservation check of docs/design.md §2, exact, usable outside tests (the replay CLI runs it
// periodically and at the end): per asset, Σ balances + Σ accrued funding still owed to accounts
// - Σ cost bases + insurance fund + fee pool + default fund + venue tranche - assessments owed
// - bad debt = net deposits (each waterfall fund equal to the sum of its per-account parts), and
// per instrument open interest nets to zero and agrees with the engine's running total. (Σ q*w(m)
// is 0 at any common mark, so the cost bases carry the positions' part; socialized losses are
// charged to balances; the same identity as tests/core/test_support.hpp.) Cold: O(accounts +
// positions) per call; the thread that owns the RiskEngine.
#pragma once

#include <cstdint>
#include <string>

#include "backstop/risk_engine.hpp"

namespace backstop::replay {

struct ConservationResult {
  bool ok = true;
  // When not ok: "asset 0: lhs ... != net deposits ..." or "instrument 1: open interest ...".
  std::string detail;
};

[[nodiscard]] bool conservation_holds(const RiskEngine& engine) noexcept;
[[nodiscard]] ConservationResult check_conservation(const RiskEngine& engine);

}  // namespace backstop::replay
