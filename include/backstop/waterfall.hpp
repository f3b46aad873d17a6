// The loss waterfall (docs/design.md §5, docs/waterfall.md): after every event the risk engine
// hands its flagged (liquidatable or bankrupt) accounts to run_waterfall(), which liquidates them
// in ascending account id order, and again any account a step pushed under water (cascades):
// liquidation.hpp (takeover, order, partial), then for a deficit the funding tiers
// (funding_tiers.hpp) and the per-instrument ADL or socialized loss (adl_policies.hpp). Every money
// movement is a WaterfallRecord in the audit trail (execution order). Also the FundDeposit event
// and the withdrawal gate. Owned by the risk engine thread; no allocation, no exceptions.
#pragma once

#include <cstdint>

#include "backstop/events.hpp"
#include "backstop/liquidation.hpp"
#include "backstop/reject_code.hpp"
#include "backstop/risk_controls.hpp"
#include "backstop/waterfall_context.hpp"

namespace backstop {

namespace waterfall_detail {

// Whether the waterfall acts on flagged account `slot` now: not a backstop; an account without
// positions only for a negative balance; with positions only when its asset has a backstop, none
// of them under a liquidation hold, and in order mode only before its orders or once their
// deadline passed (at once under a takeover-only hold: risk_controls.hpp).
inline bool eligible(const WaterfallContext& ctx, std::uint32_t slot,
                     std::int64_t time_ns) noexcept {
  const Account& a = ctx.ledger.account(slot);
  if (a.status == AccountStatus::kHealthy || ctx.is_backstop(slot)) return false;
  if (a.position_count == 0) return a.balance < 0;
  if (ctx.backstop_slot(a.asset) == kNoSlot) return false;
  if (under_hold(ctx, slot, HoldMode::kHold, time_ns)) return false;
  if (ctx.config.mode == LiquidationMode::kOrder &&
      !under_hold(ctx, slot, HoldMode::kTakeoverOnly, time_ns)) {
    const std::int64_t d = ctx.state.deadline_ns[slot];
    return d == 0 || time_ns >= d;
  }
  return true;
}

inline constexpr std::int64_t kMaxAmountForFunds = std::int64_t{1} << 60;

}  // namespace waterfall_detail

// Liquidates every eligible flagged account, cascades included. Precondition: mode != kOff.
inline void run_waterfall(WaterfallContext& ctx, std::int64_t time_ns) noexcept {
  for (;;) {
    std::uint32_t best = kNoSlot;
    for (const std::uint32_t slot : ctx.ledger.flagged()) {
      if (!waterfall_detail::eligible(ctx, slot, time_ns)) continue;
      if (best == kNoSlot || ctx.ledger.account(slot).id < ctx.ledger.account(best).id) best = slot;
    }
    if (best == kNoSlot) return;
    if (ctx.config.mode == LiquidationMode::kOrder && ctx.state.deadline_ns[best] == 0 &&
        !under_hold(ctx, best, HoldMode::kTakeoverOnly, time_ns)) {
      emit_liquidation_orders(ctx, best, time_ns);
      continue;
    }
    liquidate(ctx, best, time_ns);
  }
}

// Whether withdrawals of `asset` are gated: bad debt outstanding, or a bankrupt account not yet
// resolved.
inline bool deficit_unresolved(const WaterfallContext& ctx, std::uint8_t asset) noexcept {
  if (!ctx.config.gate_withdrawals || ctx.config.mode == LiquidationMode::kOff) return false;
  if (ctx.state.bad_debt[asset] > 0) return true;
  for (const std::uint32_t slot : ctx.ledger.flagged()) {
    const Account& a = ctx.ledger.account(slot);
    if (a.asset == asset && a.status == AccountStatus::kBankrupt) return true;
  }
  return false;
}

// kFundDeposit: money into a fund - insurance, venue tranche, bad-debt recovery (new money, so net
// deposits grow) - or from an account's balance (default-fund contribution, assessment payment).
inline RejectCode fund_deposit(WaterfallContext& ctx, const Event& e) noexcept {
  const FundDepositPayload& f = e.fund;
  const std::int64_t amount = f.amount.raw();
  if (amount <= 0) return RejectCode::kNonPositiveAmount;
  if (amount > waterfall_detail::kMaxAmountForFunds) return RejectCode::kValueOverflow;
  Ledger& ledger = ctx.ledger;
  WaterfallState& w = ctx.state;
  std::uint32_t slot = kNoSlot;
  std::uint8_t asset = f.asset;
  if (f.fund == FundKind::kDefaultFund || f.fund == FundKind::kAssessmentPayment) {
    slot = ledger.find_slot(f.account);
    if (slot == kNoSlot) return RejectCode::kUnknownAccount;
    asset = ledger.account(slot).asset;
    if (amount > ledger.account(slot).balance) return RejectCode::kInsufficientBalance;
    const AccountMargin m = ledger.margin(slot);
    if (m.equity - amount < m.initial) return RejectCode::kInsufficientMargin;
    if (f.fund == FundKind::kAssessmentPayment && amount > w.owed[slot]) {
      return RejectCode::kInsufficientBalance;
    }
  } else if (asset >= ledger.asset_count()) {
    return RejectCode::kInvalidConfig;
  }
  // The receiving fund's figure before, then the record, then the move.
  const auto deposit = [&](std::uint8_t tier, Party from, Party to, std::int64_t before,
                           std::int64_t after) {
    ctx.transfer(WaterfallKind::kFundDeposit, tier, WaterfallReason::kDeposit, asset, kNoInstrument,
                 f.account, from, to, amount, Shown::kTo, before, after);
  };
  switch (f.fund) {
    case FundKind::kInsurance:
      ledger.add_net_deposits(asset, f.amount);
      deposit(0, Party::kOutside, Party::kInsurance, ledger.insurance(asset),
              ledger.insurance(asset) + amount);
      ledger.add_insurance(asset, f.amount);
      return RejectCode::kOk;
    case FundKind::kVenueTranche:
      ledger.add_net_deposits(asset, f.amount);
      deposit(0, Party::kOutside, Party::kVenueTranche, w.venue_tranche[asset],
              w.venue_tranche[asset] + amount);
      w.venue_tranche[asset] += amount;
      return RejectCode::kOk;
    case FundKind::kRecoverBadDebt:
      if (amount > w.bad_debt[asset]) return RejectCode::kInsufficientBalance;
      ledger.add_net_deposits(asset, f.amount);
      ctx.transfer(WaterfallKind::kFundDeposit, 8, WaterfallReason::kDeposit, asset, kNoInstrument,
                   0, Party::kOutside, Party::kBadDebt, amount, Shown::kTo, w.bad_debt[asset],
                   w.bad_debt[asset] - amount);
      w.bad_debt[asset] -= amount;
      return RejectCode::kOk;
    case FundKind::kDefaultFund:
      if (w.committed[slot] == 0) w.members[w.member_count++] = slot;  // first contribution
      ledger.credit(slot, Money{-amount});
      deposit(0, Party::kAccount, Party::kDefaultFund, w.contribution[slot],
              w.contribution[slot] + amount);
      w.contribution[slot] += amount;
      w.committed[slot] += amount;
      w.default_fund[asset] += amount;
      ctx.refresh(slot);
      return RejectCode::kOk;
    case FundKind::kAssessmentPayment:
      ledger.credit(slot, Money{-amount});
      deposit(7, Party::kAccount, Party::kReceivable, w.owed[slot], w.owed[slot] - amount);
      w.owed[slot] -= amount;
      w.receivable[asset] -= amount;
      ctx.refresh(slot);
      return RejectCode::kOk;
  }
  return RejectCode::kInvalidConfig;
}

}  // namespace backstop
