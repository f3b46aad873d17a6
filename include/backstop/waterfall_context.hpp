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
#include "backstop/state_feed.hpp"
#include "backstop/waterfall_config.hpp"
#include "backstop/waterfall_records.hpp"
#include "backstop/waterfall_state.hpp"

namespace backstop {

// A position the backstop took over from a defaulter, as tier 6 needs it.
struct TakenPosition {
  std::uint16_t instrument;
  std::int64_t qty;       // the defaulter's signed position, now the backstop's
  Int128 loss;            // max(0, -its contribution to equity) before the close
  bool over_cap = false;  // went over the exposure cap: to ADL (risk_controls.hpp)
};

struct WaterfallContext {
  Ledger& ledger;
  const WaterfallConfig& config;
  WaterfallState& state;
  AuditTrail& audit;
  AdlSchedule& adl;
  StateTouches& touches;  // the account-state feed's (state_feed.hpp)

  // ---- RefreshWatcher ----
  void refreshed(std::uint32_t slot, const AccountMargin& m) noexcept {
    adl.on_touch(slot, m);
    touches.touch(slot);
  }
  // Recovered: a pending order-mode takeover is off.
  void recovered(std::uint32_t slot) noexcept { state.deadline_ns[slot] = 0; }

  void refresh(std::uint32_t slot) noexcept {
    Evaluation ev;
    ledger.refresh(slot, ev, *this);
  }

  // A record that moves no money (an order, a takeover's lots, a deficit opened, ...).
  void record(WaterfallKind kind, std::uint8_t tier, WaterfallReason reason, std::uint8_t asset,
              std::uint16_t instrument, std::uint64_t account, std::int64_t amount,
              std::int64_t before, std::int64_t after) noexcept {
    push(WaterfallRecord{kind, tier, reason, asset, instrument, 0, Shown::kNeither, account, amount,
                         before, after});
  }

  // A money movement of `amount` (>= 0) from `from` to `to`; before/after are `shown`'s figure.
  void transfer(WaterfallKind kind, std::uint8_t tier, WaterfallReason reason, std::uint8_t asset,
                std::uint16_t instrument, std::uint64_t account, Party from, Party to,
                std::int64_t amount, Shown shown, std::int64_t before,
                std::int64_t after) noexcept {
    push(WaterfallRecord{kind, tier, reason, asset, instrument, pack_parties(from, to), shown,
                         account, amount, before, after});
  }

  // A trade, with its settlement legs recorded when config.audit_balances (Ledger::trade).
  void trade(std::uint32_t first, std::uint32_t second, std::uint16_t instrument, Qty delta,
             Price price, std::uint8_t tier) noexcept {
    const TradeSettlement t = ledger.trade(first, second, instrument, delta, price);
    if (config.audit_balances) record_trade(t, tier);
  }

  // The settlement legs of a trade (docs/audit.md): per side its realized PnL, settled funding and
  // fee, each with the account's balance as it moves, then the rounding dust to the insurance
  // fund. Zero legs are left out.
  void record_trade(const TradeSettlement& t, std::uint8_t tier) noexcept {
    for (const TradeSide& side : {t.first, t.second}) {
      const Account& a = ledger.account(side.slot);
      std::int64_t balance = a.balance - side.realized + side.funding + side.fee;
      leg(WaterfallKind::kRealizedPnl, tier, t, a.id, Party::kPositions, Party::kAccount,
          side.realized, balance);
      leg(WaterfallKind::kFundingSettled, tier, t, a.id, Party::kAccount, Party::kPositions,
          side.funding, balance);
      leg(WaterfallKind::kTradeFee, tier, t, a.id, Party::kAccount, Party::kFeePool, side.fee,
          balance);
    }
    if (t.dust != 0) {
      const std::int64_t fund = ledger.insurance(t.asset);
      transfer(WaterfallKind::kTradeDust, tier, WaterfallReason::kRounding, t.asset, t.instrument,
               0, Party::kPositions, Party::kInsurance, t.dust, Shown::kTo, fund - t.dust, fund);
    }
  }

  // Moves `amount` from account `slot` to the insurance fund, recorded with the account's balance
  // before and after.
  void to_insurance(std::uint32_t slot, std::int64_t amount, WaterfallKind kind, std::uint8_t tier,
                    WaterfallReason reason) noexcept {
    const Account& a = ledger.account(slot);
    transfer(kind, tier, reason, a.asset, kNoInstrument, a.id, Party::kAccount, Party::kInsurance,
             amount, Shown::kFrom, a.balance, a.balance - amount);
    ledger.credit(slot, Money{-amount});
    ledger.add_insurance(a.asset, Money{amount});
  }

  // The rounding excess of a pro-rata or per-lot charge (charged beyond what it covered), from the
  // cover to the insurance fund, recorded with the fund before and after (one convention for
  // tiers 5, 6 and 7). The caller has taken it from wherever the charge sits in the ledger.
  void remainder_to_insurance(std::uint8_t asset, std::uint16_t instrument, std::uint8_t tier,
                              std::int64_t excess) noexcept {
    const std::int64_t fund = ledger.insurance(asset);
    transfer(WaterfallKind::kRemainder, tier, WaterfallReason::kRounding, asset, instrument, 0,
             Party::kCover, Party::kInsurance, excess, Shown::kTo, fund, fund + excess);
    ledger.add_insurance(asset, Money{excess});
  }

  // What a cover credits the defaulter, from the cover (audit_balances only: the tier's own
  // records name who paid).
  void cover_paid(std::uint32_t slot, std::uint16_t instrument, std::uint8_t tier,
                  std::int64_t amount) noexcept {
    if (!config.audit_balances || amount == 0) return;
    const Account& a = ledger.account(slot);
    transfer(WaterfallKind::kCoverPaid, tier, WaterfallReason::kCover, a.asset, instrument, a.id,
             Party::kCover, Party::kAccount, amount, Shown::kNeither, 0, 0);
  }

  bool is_backstop(std::uint32_t slot) const noexcept {
    return backstop::is_backstop(ledger, config, slot);
  }
  std::uint32_t backstop_slot(std::uint8_t asset) const noexcept {
    return backstop::backstop_slot(ledger, config, asset);
  }

  void push(const WaterfallRecord& r) noexcept {
    if (!audit.push(r)) ++state.records_dropped;
  }

  // One settlement leg of `signed_amount` between an account and a fund or the positions, the
  // sides swapped when it is negative, shown with the account's balance (`balance` moves on).
  void leg(WaterfallKind kind, std::uint8_t tier, const TradeSettlement& t, std::uint64_t id,
           Party from, Party to, std::int64_t signed_amount, std::int64_t& balance) noexcept {
    if (signed_amount == 0) return;
    const bool swap = signed_amount < 0;
    const Party f = swap ? to : from;
    const Party r = swap ? from : to;
    const std::int64_t amount = swap ? -signed_amount : signed_amount;
    const bool account_pays = f == Party::kAccount;
    const std::int64_t after = account_pays ? balance - amount : balance + amount;
    const WaterfallReason reason =
        kind == WaterfallKind::kTradeFee ? WaterfallReason::kFee : WaterfallReason::kSettlement;
    transfer(kind, tier, reason, t.asset, t.instrument, id, f, r, amount,
             account_pays ? Shown::kFrom : Shown::kTo, balance, after);
    balance = after;
  }
};

}  // namespace backstop
