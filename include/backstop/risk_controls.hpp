// The risk controls and the two fund triggers (docs/waterfall.md#risk-controls). The sizing layer
// decides off the hot path; its decisions enter as RiskControl input events (events.hpp), applied
// here by apply_risk_control, so that the journal replays them:
//   fee share        per asset, the share (ppm) of each fill's fees moved from the fee pool to the
//                    insurance fund, rounded up (the solvency buffer gets the unit);
//   ADL mode         per instrument, a deficit of a liquidation holding it goes to tier 6 before
//                    the insurance fund (and the default fund), which cover what tier 6 leaves;
//   liquidation hold per instrument until an event time: flagged accounts holding it are not acted
//                    on (hold), or are taken over without orders (takeover only);
//   contribution     a member's default-fund contribution set to a target: an increase from its
//                    free collateral, the rest a receivable; a decrease nets what it owes first,
//                    then refunds to its balance;
//   replenishment    a call on a member, a receivable into its contribution, paid later with a
//                    kAssessmentPayment fund deposit.
// The triggers, configured in WaterfallConfig, act inside the event that needs them: the exposure
// cap sends a takeover beyond it to ADL (liquidation.hpp); the drawdown trigger keeps tier 3 above
// its level and switches the asset to ADL until the fund recovers. Every change is an audit record
// with its numbers. Owned by the risk engine thread; no allocation. Cost: O(1) per control, O(P)
// per flagged account while a hold may be in force, O(assets) per event with the drawdown trigger.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>

#include "backstop/adl_policies.hpp"
#include "backstop/events.hpp"
#include "backstop/waterfall_context.hpp"

namespace backstop {

// ---- What the waterfall asks ----

// Whether account `slot` holds an instrument under a liquidation hold of `mode` at `time_ns`.
inline bool under_hold(const WaterfallContext& ctx, std::uint32_t slot, HoldMode mode,
                       std::int64_t time_ns) noexcept {
  const ControlState& c = ctx.state.controls;
  if (time_ns >= c.holds_until_ns) return false;
  for (const Position& p : ctx.ledger.positions(slot)) {
    if (c.hold_mode[p.instrument] == static_cast<std::uint8_t>(mode) &&
        time_ns < c.hold_until_ns[p.instrument]) {
      return true;
    }
  }
  return false;
}

// The ADL mode of a deficit left by the positions `taken`: the strongest of their instruments'
// modes; at least kSkipInsurance while the drawdown trigger holds the asset, or when a position
// went over the exposure cap.
inline AdlMode deficit_adl_mode(const WaterfallContext& ctx, std::uint8_t asset,
                                std::span<const TakenPosition> taken) noexcept {
  const ControlState& c = ctx.state.controls;
  std::uint8_t mode = c.drawdown_adl[asset] != 0 ? 1 : 0;
  for (const TakenPosition& t : taken) {
    mode = std::max(mode, c.adl_mode[t.instrument]);
    if (t.over_cap) mode = std::max<std::uint8_t>(mode, 1);
  }
  return static_cast<AdlMode>(mode);
}

// ---- Fee share ----

// A fill's fees (taker + maker; nothing of a net rebate) just went to the fee pool: the asset's
// share, ceil(fees x ppm / 1e6), moves on to the insurance fund.
inline void share_fees(WaterfallContext& ctx, std::uint16_t instrument,
                       std::int64_t fees) noexcept {
  const std::uint8_t asset = ctx.ledger.risk(instrument).settlement_asset;
  const std::int64_t ppm = ctx.state.controls.fee_share_ppm[asset];
  if (fees <= 0 || ppm == 0) return;
  const auto share = static_cast<std::int64_t>(div_round_up(Int128{fees} * ppm, kRateScale));
  const std::int64_t fund = ctx.ledger.insurance(asset);
  ctx.transfer(WaterfallKind::kFeeShare, 0, WaterfallReason::kFee, asset, instrument, 0,
               Party::kFeePool, Party::kInsurance, share, Shown::kTo, fund, fund + share);
  ctx.ledger.move_fee_to_insurance(asset, Money{share});
}

// ---- The drawdown trigger ----

namespace risk_controls_detail {

inline std::int64_t ppm_of(std::int64_t max, std::int64_t ppm) noexcept {
  return static_cast<std::int64_t>(div_round_up(Int128{max} * ppm, kRateScale));
}
inline std::int64_t release_ppm(const WaterfallConfig& cfg) noexcept {
  return cfg.drawdown_release_ppm != 0 ? cfg.drawdown_release_ppm
                                       : kRateScale - cfg.drawdown_ppm / 2;
}
inline void switch_drawdown(WaterfallContext& ctx, std::uint8_t asset, bool on, std::int64_t max,
                            std::int64_t level) noexcept {
  ctx.state.controls.drawdown_adl[asset] = on ? 1 : 0;
  ctx.record(on ? WaterfallKind::kDrawdownOn : WaterfallKind::kDrawdownOff, 3,
             WaterfallReason::kControl, asset, kNoInstrument, 0, ctx.ledger.insurance(asset), max,
             level);
}

}  // namespace risk_controls_detail

// The level tier 3 may not draw the insurance fund below: ceil((1e6 - drawdown_ppm) / 1e6 x the
// window's highest sample), the fund now sampled first; 0 with the trigger off.
inline std::int64_t drawdown_level(WaterfallContext& ctx, std::uint8_t asset,
                                   std::int64_t time_ns) noexcept {
  const WaterfallConfig& cfg = ctx.config;
  if (cfg.drawdown_ppm == 0) return 0;
  ControlState& c = ctx.state.controls;
  const std::int64_t fund = ctx.ledger.insurance(asset);
  c.note_level(asset, time_ns, fund, cfg.drawdown_window_ns);
  return risk_controls_detail::ppm_of(c.window_max(asset, fund), kRateScale - cfg.drawdown_ppm);
}

// A tier-3 draw stopped at the drawdown level with a deficit left: the asset goes to ADL now.
inline void drawdown_reached(WaterfallContext& ctx, std::uint8_t asset,
                             std::int64_t level) noexcept {
  ControlState& c = ctx.state.controls;
  if (c.drawdown_adl[asset] != 0) return;
  risk_controls_detail::switch_drawdown(ctx, asset, true,
                                        c.window_max(asset, ctx.ledger.insurance(asset)), level);
}

// After every accepted event with the trigger configured: each asset's fund sampled; below its
// drawdown level the asset goes to ADL, at or above its release level it comes back.
inline void drawdown_after_event(WaterfallContext& ctx, std::int64_t time_ns) noexcept {
  using namespace risk_controls_detail;
  const WaterfallConfig& cfg = ctx.config;
  ControlState& c = ctx.state.controls;
  for (std::uint32_t k = 0; k < ctx.ledger.asset_count(); ++k) {
    const auto asset = static_cast<std::uint8_t>(k);
    const std::int64_t fund = ctx.ledger.insurance(asset);
    c.note_level(asset, time_ns, fund, cfg.drawdown_window_ns);
    const std::int64_t max = c.window_max(asset, fund);
    if (c.drawdown_adl[asset] == 0) {
      const std::int64_t level = ppm_of(max, kRateScale - cfg.drawdown_ppm);
      if (fund < level) switch_drawdown(ctx, asset, true, max, level);
    } else {
      const std::int64_t level = ppm_of(max, release_ppm(cfg));
      if (fund >= level) switch_drawdown(ctx, asset, false, max, level);
    }
  }
}

// ---- The exposure cap ----

// The backstop account's taken-over notional: Σ |value at the mark| of its positions.
inline Int128 backstop_exposure(const WaterfallContext& ctx, std::uint32_t backstop) noexcept {
  Int128 total = 0;
  for (const Position& p : ctx.ledger.positions(backstop)) {
    const Int128 v =
        value_down(ctx.ledger.risk(p.instrument), p.qty, ctx.ledger.state(p.instrument).mark);
    total += v < 0 ? -v : v;
  }
  return total;
}

// The cap: exposure_cap_ppm / 1e6 of the asset's insurance fund, rounded down (the tighter way).
inline Int128 exposure_cap(const WaterfallContext& ctx, std::uint8_t asset) noexcept {
  const Int128 fund = std::max<std::int64_t>(0, ctx.ledger.insurance(asset));
  return div_round_down(fund * ctx.config.exposure_cap_ppm, kRateScale);
}

// The cap's running check over one liquidation's takeovers: each takeover's notional at the mark
// is admitted (counted in) while the backstop's exposure stays within the cap, else recorded as
// kExposureCap and refused (the caller closes it against the opposite side).
class ExposureCapCheck {
 public:
  ExposureCapCheck(const WaterfallContext& ctx, std::uint8_t asset, std::uint32_t backstop) noexcept
      : capped_(ctx.config.exposure_cap_ppm != 0 && backstop != kNoSlot),
        exposure_(capped_ ? backstop_exposure(ctx, backstop) : 0),
        cap_(capped_ ? exposure_cap(ctx, asset) : 0),
        asset_(asset) {}

  // Whether taking `lots` of `instrument` from the account `id` over stays within the cap.
  bool admit(WaterfallContext& ctx, std::uint64_t id, std::uint16_t instrument,
             std::int64_t lots) noexcept {
    if (!capped_) return true;
    const Int128 v =
        value_down(ctx.ledger.risk(instrument), lots, ctx.ledger.state(instrument).mark);
    const Int128 notional = v < 0 ? -v : v;
    if (exposure_ + notional <= cap_) {
      exposure_ += notional;
      return true;
    }
    ctx.record(WaterfallKind::kExposureCap, 0, WaterfallReason::kControl, asset_, instrument, id,
               static_cast<std::int64_t>(notional), static_cast<std::int64_t>(exposure_),
               static_cast<std::int64_t>(cap_));
    return false;
  }

 private:
  bool capped_;
  Int128 exposure_;
  Int128 cap_;
  std::uint8_t asset_;
};

// A position that went over the cap: taken over at the mark like any, its deficit share through
// tier 6 first (deficit_adl_mode); what the backstop still holds of it afterwards is closed against
// the opposite side at the mark, paying nothing (by the instrument's pro-rata policy, else ranked).
inline void close_over_cap(WaterfallContext& ctx, std::uint32_t slot, std::uint32_t backstop,
                           const TakenPosition& t) noexcept {
  using namespace adl_policy_detail;
  const std::int64_t bq = ctx.ledger.position_qty(backstop, t.instrument);
  if (bq == 0 || (bq > 0) != (t.qty > 0)) return;
  const std::int64_t abs_t = t.qty < 0 ? -t.qty : t.qty;
  const std::int64_t lots = std::min(abs_t, bq < 0 ? -bq : bq);
  const AdlShare share{0, abs_t};
  const std::uint32_t side = adl_side_of(-t.qty);
  const WaterfallConfig& cfg = ctx.config;
  const AdlPolicy policy = t.instrument < cfg.instrument_policy.size()
                               ? cfg.instrument_policy[t.instrument]
                               : cfg.policy;
  if (policy == AdlPolicy::kProRata) {
    pro_rata_adl(ctx, slot, backstop, t, lots, share, side);
  } else if (cfg.adl_full_sort) {
    full_sort_adl(ctx, slot, backstop, t, lots, share, side);
  } else {
    ranked_adl(ctx, slot, backstop, t, lots, share, side);
  }
}

// ---- The RiskControl event ----

namespace risk_controls_detail {

inline void record_control(WaterfallContext& ctx, ControlKind kind, std::uint8_t asset,
                           std::uint16_t instrument, std::uint64_t account, std::int64_t before,
                           std::int64_t after) noexcept {
  ctx.record(WaterfallKind::kControl, 0, WaterfallReason::kControl, asset, instrument, account,
             static_cast<std::int64_t>(kind), before, after);
}

// A member's contribution grows by `amount`, from `from` (its balance, or a receivable).
inline void add_contribution(WaterfallContext& ctx, std::uint32_t slot, std::int64_t amount,
                             bool receivable) noexcept {
  WaterfallState& w = ctx.state;
  const Account& a = ctx.ledger.account(slot);
  if (w.committed[slot] == 0) w.members[w.member_count++] = slot;  // first contribution
  if (receivable) {
    ctx.transfer(WaterfallKind::kAssessment, 7, WaterfallReason::kControl, a.asset, kNoInstrument,
                 a.id, Party::kReceivable, Party::kDefaultFund, amount, Shown::kFrom, w.owed[slot],
                 w.owed[slot] + amount);
    w.owed[slot] += amount;
    w.receivable[a.asset] += amount;
  } else {
    ctx.transfer(WaterfallKind::kContribution, 0, WaterfallReason::kControl, a.asset, kNoInstrument,
                 a.id, Party::kAccount, Party::kDefaultFund, amount, Shown::kTo,
                 w.contribution[slot], w.contribution[slot] + amount);
    ctx.ledger.credit(slot, Money{-amount});
  }
  w.contribution[slot] += amount;
  w.committed[slot] += amount;
  w.default_fund[a.asset] += amount;
}

// What the member can pay now without going under initial margin: min(balance, equity - IM), >= 0.
inline std::int64_t free_collateral(const WaterfallContext& ctx, std::uint32_t slot) noexcept {
  const AccountMargin m = ctx.ledger.margin(slot);
  const Int128 free = std::min<Int128>(ctx.ledger.account(slot).balance, m.equity - m.initial);
  return free > 0 ? static_cast<std::int64_t>(free) : 0;
}

inline RejectCode set_contribution(WaterfallContext& ctx, std::uint32_t slot,
                                   std::int64_t target) noexcept {
  WaterfallState& w = ctx.state;
  const Account& a = ctx.ledger.account(slot);
  const std::int64_t before = w.contribution[slot];
  record_control(ctx, ControlKind::kContributionTarget, a.asset, kNoInstrument, a.id, before,
                 target);
  if (target > before) {
    const std::int64_t need = target - before;
    const std::int64_t paid = std::min(need, free_collateral(ctx, slot));
    if (paid > 0) add_contribution(ctx, slot, paid, false);
    if (need > paid) add_contribution(ctx, slot, need - paid, true);
  } else if (target < before) {
    // A decrease first cancels what the member owes (a set-off), then refunds the rest.
    const std::int64_t release = before - target;
    const std::int64_t netted = std::min(release, w.owed[slot]);
    if (netted > 0) {
      ctx.transfer(WaterfallKind::kContribution, 0, WaterfallReason::kControl, a.asset,
                   kNoInstrument, a.id, Party::kDefaultFund, Party::kReceivable, netted,
                   Shown::kFrom, w.contribution[slot], w.contribution[slot] - netted);
      w.contribution[slot] -= netted;
      w.owed[slot] -= netted;
      w.receivable[a.asset] -= netted;
    }
    if (release > netted) {
      const std::int64_t refund = release - netted;
      ctx.transfer(WaterfallKind::kContribution, 0, WaterfallReason::kControl, a.asset,
                   kNoInstrument, a.id, Party::kDefaultFund, Party::kAccount, refund, Shown::kFrom,
                   w.contribution[slot], w.contribution[slot] - refund);
      w.contribution[slot] -= refund;
      ctx.ledger.credit(slot, Money{refund});
    }
    w.default_fund[a.asset] -= release;
  }
  ctx.refresh(slot);
  return RejectCode::kOk;
}

}  // namespace risk_controls_detail

// kRiskControl: validates, then applies and records; a refusal changes nothing.
inline RejectCode apply_risk_control(WaterfallContext& ctx, const Event& e) noexcept {
  using namespace risk_controls_detail;
  const RiskControlPayload& c = e.control;
  ControlState& s = ctx.state.controls;
  Ledger& ledger = ctx.ledger;
  const auto mode_ok = [&c] { return c.value >= 0 && c.value <= 2; };
  switch (c.kind) {
    case ControlKind::kFeeShare: {
      if (c.asset >= ledger.asset_count()) return RejectCode::kUnknownAsset;
      if (c.value < 0 || c.value > kRateScale) return RejectCode::kControlOutOfRange;
      record_control(ctx, c.kind, c.asset, kNoInstrument, 0, s.fee_share_ppm[c.asset], c.value);
      s.fee_share_ppm[c.asset] = c.value;
      return RejectCode::kOk;
    }
    case ControlKind::kAdlMode: {
      if (e.instrument >= ledger.instrument_count()) return RejectCode::kUnknownInstrument;
      if (!mode_ok()) return RejectCode::kControlOutOfRange;
      record_control(ctx, c.kind, ledger.risk(e.instrument).settlement_asset, e.instrument, 0,
                     s.adl_mode[e.instrument], c.value);
      s.adl_mode[e.instrument] = static_cast<std::uint8_t>(c.value);
      return RejectCode::kOk;
    }
    case ControlKind::kLiquidationHold: {
      if (e.instrument >= ledger.instrument_count()) return RejectCode::kUnknownInstrument;
      if (!mode_ok() || (c.value != 0 && c.until_ns <= e.time_ns)) {
        return RejectCode::kControlOutOfRange;
      }
      const std::int64_t until = c.value == 0 ? 0 : c.until_ns;
      const std::int64_t old_until =
          s.hold_mode[e.instrument] != 0 ? s.hold_until_ns[e.instrument] : 0;
      ctx.record(WaterfallKind::kLiquidationHold, 0, WaterfallReason::kControl,
                 ledger.risk(e.instrument).settlement_asset, e.instrument, 0, c.value, old_until,
                 until);
      s.hold_mode[e.instrument] = static_cast<std::uint8_t>(c.value);
      s.hold_until_ns[e.instrument] = until;
      s.holds_until_ns = std::max(s.holds_until_ns, until);
      return RejectCode::kOk;
    }
    case ControlKind::kContributionTarget: {
      const std::uint32_t slot = ledger.find_slot(c.account);
      if (slot == kNoSlot) return RejectCode::kUnknownAccount;
      if (c.value < 0 || c.value > kMaxAmount) return RejectCode::kControlOutOfRange;
      if (c.value > ctx.state.contribution[slot] &&
          Int128{ctx.state.committed[slot]} + c.value > kMaxNotional) {
        return RejectCode::kValueOverflow;
      }
      return set_contribution(ctx, slot, c.value);
    }
    case ControlKind::kReplenishmentCall: {
      const std::uint32_t slot = ledger.find_slot(c.account);
      if (slot == kNoSlot) return RejectCode::kUnknownAccount;
      if (c.value <= 0) return RejectCode::kNonPositiveAmount;
      if (c.value > kMaxAmount) return RejectCode::kControlOutOfRange;
      if (Int128{ctx.state.committed[slot]} + c.value > kMaxNotional ||
          Int128{ctx.state.owed[slot]} + c.value > kMaxNotional) {
        return RejectCode::kValueOverflow;
      }
      const Account& a = ledger.account(slot);
      record_control(ctx, c.kind, a.asset, kNoInstrument, a.id, ctx.state.owed[slot],
                     ctx.state.owed[slot] + c.value);
      add_contribution(ctx, slot, c.value, true);
      return RejectCode::kOk;
    }
  }
  return RejectCode::kUnknownControl;
}

}  // namespace backstop
