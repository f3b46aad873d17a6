// What every step of the waterfall works on: the ledger (through its interface), the waterfall's
// configuration, state and audit trail, and the ADL schedule; and the few moves every tier makes:
// record an audit entry, move money to the insurance fund, refresh an account. It is also the
// ledger's refresh watcher, so that every refresh keeps the ADL ranking fresh and a recovered
// account's order-mode deadline is dropped. Owned by the risk engine thread; no allocation.
#pragma once

#include <cstdint>

#include "backstop/adl_schedule.hpp"
#include "backstop/backstop_account.hpp"
#include "backstop/ledger.hpp"
#include "backstop/waterfall_config.hpp"
#include "backstop/waterfall_records.hpp"
#include "backstop/waterfall_state.hpp"

namespace backstop {

// A position the backstop took over from a defaulter, as tier 6 needs it.
struct TakenPosition {
  std::uint16_t instrument;
  std::int64_t qty;  // the defaulter's signed position, now the backstop's
  Int128 loss;       // max(0, -its contribution to equity) before the close
};

struct WaterfallContext {
  Ledger& ledger;
  const WaterfallConfig& config;
  WaterfallState& state;
  AuditTrail& audit;
  AdlSchedule& adl;

  // ---- RefreshWatcher ----
  void refreshed(std::uint32_t slot, const AccountMargin& m) noexcept { adl.on_touch(slot, m); }
  // Recovered: a pending order-mode takeover is off.
  void recovered(std::uint32_t slot) noexcept { state.deadline_ns[slot] = 0; }

  void refresh(std::uint32_t slot) noexcept {
    Evaluation ev;
    ledger.refresh(slot, ev, *this);
  }

  void record(WaterfallKind kind, std::uint8_t tier, WaterfallReason reason, std::uint8_t asset,
              std::uint16_t instrument, std::uint64_t account, std::int64_t amount,
              std::int64_t before, std::int64_t after) noexcept {
    if (!audit.push(WaterfallRecord{kind, tier, reason, asset, instrument, 0, account, amount,
                                    before, after})) {
      ++state.records_dropped;
    }
  }

  // Moves `amount` from account `slot` to the insurance fund, recorded with the account's balance
  // before and after.
  void to_insurance(std::uint32_t slot, std::int64_t amount, WaterfallKind kind, std::uint8_t tier,
                    WaterfallReason reason) noexcept {
    const Account& a = ledger.account(slot);
    record(kind, tier, reason, a.asset, kNoInstrument, a.id, amount, a.balance, a.balance - amount);
    ledger.credit(slot, Money{-amount});
    ledger.add_insurance(a.asset, Money{amount});
  }

  // The rounding excess of a pro-rata charge (charged beyond what it covered) to the insurance
  // fund, recorded with the fund before and after.
  void remainder_to_insurance(std::uint8_t asset, std::uint16_t instrument, std::uint8_t tier,
                              std::int64_t excess) noexcept {
    const std::int64_t fund = ledger.insurance(asset);
    record(WaterfallKind::kRemainder, tier, WaterfallReason::kRounding, asset, instrument, 0,
           excess, fund, fund + excess);
    ledger.add_insurance(asset, Money{excess});
  }

  bool is_backstop(std::uint32_t slot) const noexcept {
    return backstop::is_backstop(ledger, config, slot);
  }
  std::uint32_t backstop_slot(std::uint8_t asset) const noexcept {
    return backstop::backstop_slot(ledger, config, asset);
  }
};

}  // namespace backstop
