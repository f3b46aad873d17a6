// The backstop accounts: per settlement asset, the account that takes a liquidated account's
// positions over (WaterfallConfig::backstop_accounts; 0: none). It is never liquidated itself and
// never an ADL counterparty. O(1) lookups; the risk engine thread.
#pragma once

#include <cstdint>

#include "backstop/ledger.hpp"
#include "backstop/waterfall_config.hpp"

namespace backstop {

inline bool is_backstop(const Ledger& ledger, const WaterfallConfig& config,
                        std::uint32_t slot) noexcept {
  const Account& a = ledger.account(slot);
  const auto& ids = config.backstop_accounts;
  return a.asset < ids.size() && ids[a.asset] != 0 && ids[a.asset] == a.id;
}

// The backstop account's slot for `asset`; kNoSlot when none is configured or opened.
inline std::uint32_t backstop_slot(const Ledger& ledger, const WaterfallConfig& config,
                                   std::uint8_t asset) noexcept {
  const auto& ids = config.backstop_accounts;
  if (asset >= ids.size() || ids[asset] == 0) return kNoSlot;
  return ledger.find_slot(ids[asset]);
}

}  // namespace backstop
