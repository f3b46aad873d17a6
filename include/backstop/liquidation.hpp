// Liquidation (docs/design.md §5, tier 0): how a flagged account's positions leave it.
//   takeover - the asset's backstop account takes every position over at the mark. Closing at the
//     mark leaves the defaulter's equity E as its balance. If E >= 0 the liquidation fee (rate x
//     closed notional, at most E) and the rest of the surplus go to the insurance fund; if E < 0
//     the deficit -E goes down the funding tiers (funding_tiers.hpp).
//   order - first reduce-only IOC LiquidationOrders at the bankruptcy price, then, after
//     `order_timeout_ns` of event time, whatever the matching engine's fills left is taken over.
//   partial (`partial` on, the account liquidatable but not bankrupt: equity E > 0) - positions in
//     takeover order (last slot first); for each, the smallest lot count k in 1..|q| such that
//     after moving k lots to the backstop at the mark and charging the liquidation fee on their
//     notional (rounded up, capped at the equity) the equity is at least the initial margin of what
//     the account still holds; if even the whole position is not enough, all of it moves and the
//     next position is planned the same way. No surplus transfer: the account keeps its equity.
//     Should the account still not be healthy (rounding dust), the rest is liquidated in full.
//     Order mode sends those k lots as the orders; at the timeout the same rule is re-evaluated. A
//     bankrupt account (E <= 0) is always liquidated in full.
// Owned by the risk engine thread; no allocation. Cost: O(P) per liquidation, plus O(P log |q|)
// for a partial plan, plus the funding tiers.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>

#include "backstop/funding_tiers.hpp"
#include "backstop/waterfall_context.hpp"

namespace backstop {

// Partial liquidation: how many lots of each position (indexed by position slot j) go to the
// backstop, and the fee each move pays.
struct PartialPlan {
  std::array<std::int64_t, kMaxPositionsPerAccount> lots;  // unsigned; 0: the position stays
  std::array<std::int64_t, kMaxPositionsPerAccount> fee;
};

// Plans a partial liquidation of `slot` from the current marks without changing anything; false
// (nothing planned) when the account is bankrupt (equity <= 0), which is liquidated in full.
// Positions in takeover order (last slot first); for each, the smallest k in 1..|q| with
//   E - fee(k) >= IM(others still held) + IM(|q| - k),
// fee(k) = min(ceil(rate x |notional of k lots at the mark|), E), E the equity before this
// position (a transfer at the mark leaves equity unchanged but for the fee). If even k = |q| is
// not enough, all of it goes, E drops by that fee, and the next position is planned the same way.
//
// Why a binary search finds the smallest k: g(k) = E - fee(k) - IM(|q| - k) - IM(others) is
// non-decreasing in k. IM is convex in the size (bracket rates never decrease, validate_config),
// so each lot sold frees at least the lowest bracket's IM rate x the lot's notional, and
// validate_config requires the fee rate to be below that rate when `partial` is on, so each lot
// costs less fee than it frees margin. Where the cap binds (fee(k) = E) g(k) = -IM(rest) <= 0 and
// still non-decreasing. Both terms are rounded up to whole units, so the integer g follows the
// real one to within a unit or two; a step of one lot moves g by (IM rate - fee rate) x the lot's
// notional, which is many units for any real contract. E - fee(|q|) >= 0 = IM(0), so the last
// position is always enough.
inline bool plan_partial(const WaterfallContext& ctx, std::uint32_t slot,
                         PartialPlan& plan) noexcept {
  const Ledger& ledger = ctx.ledger;
  const AccountMargin m = ledger.margin(slot);
  if (m.equity <= 0) return false;
  Int128 equity = m.equity;
  Int128 im_held = m.initial;  // IM of every position not yet planned away
  const std::int64_t rate = ctx.config.liquidation_fee_rate;
  const std::span<const Position> held = ledger.positions(slot);
  plan.lots.fill(0);
  plan.fee.fill(0);
  for (std::size_t j = held.size(); j-- > 0;) {
    const Position& p = held[j];
    const InstrumentRisk& r = ledger.risk(p.instrument);
    const std::int64_t mark = ledger.state(p.instrument).mark;
    const std::int64_t abs_q = p.qty < 0 ? -p.qty : p.qty;
    const Int128 im_others = im_held - initial_margin(r, p.qty, p.cost, mark);
    const auto fee = [&](std::int64_t k) {
      const Int128 v = value_down(r, p.qty > 0 ? k : -k, mark);
      return std::min<Int128>(div_round_up((v < 0 ? -v : v) * rate, kRateScale), equity);
    };
    const auto enough = [&](std::int64_t k) {
      const std::int64_t rest = p.qty > 0 ? abs_q - k : k - abs_q;
      return equity - fee(k) >=
             im_others + initial_margin(r, rest, cost_after_closing(p.qty, p.cost, k), mark);
    };
    if (!enough(abs_q)) {
      plan.lots[j] = abs_q;
      plan.fee[j] = static_cast<std::int64_t>(fee(abs_q));
      equity -= plan.fee[j];
      im_held = im_others;
      continue;
    }
    std::int64_t lo = 1;  // enough(hi) holds throughout
    std::int64_t hi = abs_q;
    while (lo < hi) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      if (enough(mid)) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    plan.lots[j] = lo;
    plan.fee[j] = static_cast<std::int64_t>(fee(lo));
    return true;
  }
  return true;
}

// Order mode: records a reduce-only LiquidationOrder per position to close (the partial plan's
// lots, or all of it) at its bankruptcy price, and sets the takeover deadline.
inline void emit_liquidation_orders(WaterfallContext& ctx, std::uint32_t slot,
                                    std::int64_t time_ns) noexcept {
  const Account& a = ctx.ledger.account(slot);
  PartialPlan plan{};
  const bool partial = ctx.config.partial && plan_partial(ctx, slot, plan);
  const std::span<const Position> held = ctx.ledger.positions(slot);
  for (std::size_t j = 0; j < held.size(); ++j) {
    const Position& p = held[j];
    std::int64_t lots = p.qty;
    if (partial) {
      if (plan.lots[j] == 0) continue;  // not needed to restore initial margin
      lots = p.qty > 0 ? plan.lots[j] : -plan.lots[j];
    }
    ctx.record(WaterfallKind::kLiquidationOrder, 0, WaterfallReason::kTransfer, a.asset,
               p.instrument, a.id, -lots, ctx.ledger.solve_price(slot, p.instrument, false).raw(),
               0);
  }
  const std::int64_t t = time_ns + ctx.config.order_timeout_ns;
  ctx.state.deadline_ns[slot] = t == 0 ? 1 : t;
}

namespace liquidation_detail {

// The backstop takes `lots` (signed, as the defaulter holds them) of the defaulter's position in
// `instrument` over at the mark, recorded with the defaulter's balance around the close.
inline void take_over(WaterfallContext& ctx, std::uint32_t slot, std::uint32_t backstop,
                      std::uint16_t instrument, std::int64_t lots) noexcept {
  Ledger& ledger = ctx.ledger;
  const Account& a = ledger.account(slot);
  const std::int64_t before = a.balance;
  ctx.trade(slot, backstop, instrument, Qty{-lots}, Price{ledger.state(instrument).mark}, 0);
  ctx.record(WaterfallKind::kTakeover, 0, WaterfallReason::kTransfer, a.asset, instrument, a.id,
             lots, before, a.balance);
}

// Carries out a partial plan: the backstop takes the planned lots over at the mark, each move
// paying its fee (never more than the equity left) to the insurance fund; no surplus transfer.
// True when the account is healthy afterwards.
inline bool reduce_partially(WaterfallContext& ctx, std::uint32_t slot) noexcept {
  PartialPlan plan;
  if (!plan_partial(ctx, slot, plan)) return false;
  Ledger& ledger = ctx.ledger;
  const std::uint32_t backstop = ctx.backstop_slot(ledger.account(slot).asset);
  // Last slot first: a position closed whole is the last one, so no other position moves.
  for (std::uint32_t j = ledger.account(slot).position_count; j-- > 0;) {
    if (plan.lots[j] == 0) continue;
    const Position p = ledger.positions(slot)[j];
    take_over(ctx, slot, backstop, p.instrument, p.qty > 0 ? plan.lots[j] : -plan.lots[j]);
    // The transfer's rounding dust (a unit or two) may leave less equity than planned.
    const auto fee = static_cast<std::int64_t>(
        std::max<Int128>(0, std::min<Int128>(plan.fee[j], ledger.margin(slot).equity)));
    if (fee > 0)
      ctx.to_insurance(slot, fee, WaterfallKind::kLiquidationFee, 0, WaterfallReason::kFee);
  }
  ctx.refresh(slot);
  if (backstop != kNoSlot) ctx.refresh(backstop);
  return ledger.account(slot).status == AccountStatus::kHealthy;
}

// A non-negative equity after the takeover: the liquidation fee on the closed notional, then the
// rest of the surplus, to the insurance fund.
inline void collect_surplus(WaterfallContext& ctx, std::uint32_t slot, Int128 notional) noexcept {
  const std::int64_t equity = ctx.ledger.account(slot).balance;
  const Int128 fee_full = div_round_up(notional * ctx.config.liquidation_fee_rate, kRateScale);
  const auto fee = static_cast<std::int64_t>(std::min<Int128>(fee_full, equity));
  if (fee > 0)
    ctx.to_insurance(slot, fee, WaterfallKind::kLiquidationFee, 0, WaterfallReason::kFee);
  if (equity - fee > 0) {
    ctx.to_insurance(slot, equity - fee, WaterfallKind::kSurplus, 0, WaterfallReason::kSurplus);
  }
}

}  // namespace liquidation_detail

// Liquidates `slot`: partially when configured and enough, else in full - every position taken
// over by the backstop at the mark, then the surplus collected or the deficit covered.
inline void liquidate(WaterfallContext& ctx, std::uint32_t slot, std::int64_t time_ns) noexcept {
  using namespace liquidation_detail;
  WaterfallState& w = ctx.state;
  w.deadline_ns[slot] = 0;
  ++w.liquidations;
  if (ctx.config.partial && reduce_partially(ctx, slot)) {
    ++w.partial_liquidations;
    return;
  }
  Ledger& ledger = ctx.ledger;
  const std::int64_t balance_start = ledger.account(slot).balance;
  std::array<TakenPosition, kMaxPositionsPerAccount> taken{};
  std::uint32_t taken_count = 0;
  Int128 notional = 0;
  const std::uint32_t backstop = ctx.backstop_slot(ledger.account(slot).asset);
  while (ledger.account(slot).position_count > 0) {
    const Position p = ledger.positions(slot).back();
    const InstrumentRisk& r = ledger.risk(p.instrument);
    const InstrumentState& s = ledger.state(p.instrument);
    const PositionRisk pr = evaluate_position(r, s, p);
    const Int128 v = value_down(r, p.qty, s.mark);
    notional += v < 0 ? -v : v;
    taken[taken_count++] =
        TakenPosition{p.instrument, p.qty, pr.contribution < 0 ? -pr.contribution : 0};
    take_over(ctx, slot, backstop, p.instrument, p.qty);
  }
  const std::int64_t equity = ledger.account(slot).balance;
  if (equity >= 0) {
    collect_surplus(ctx, slot, notional);
  } else {
    cover_deficit(ctx, slot, -equity, balance_start, {taken.data(), taken_count}, backstop,
                  time_ns);
  }
  ctx.refresh(slot);
  if (backstop != kNoSlot) ctx.refresh(backstop);
}

}  // namespace backstop
