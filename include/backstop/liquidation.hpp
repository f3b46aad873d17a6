// Liquidation (docs/design.md §5, tier 0): how a flagged account's positions leave it.
//   takeover - the asset's backstop account takes every position over at the mark. Closing at the
//     mark leaves the defaulter's equity E as its balance. If E >= 0 the instrument's SurplusRule
//     says what goes to the insurance fund (by default the liquidation fee, rate x closed
//     notional at most E, and the rest of the surplus; SurplusBasis); if E < 0 the deficit -E goes
//     down the funding tiers (funding_tiers.hpp).
//   order - first reduce-only IOC LiquidationOrders at the bankruptcy price of the lots they close
//     (or dYdX's fillable price: liquidation_order_limit), then, after `order_timeout_ns` of event
//     time, whatever the matching engine's fills left is taken over. A fill answering an order
//     (make_liquidation_fill) pays what a takeover close pays (settle_liquidation_fill).
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
#include <optional>
#include <span>

#include "backstop/close_prices.hpp"
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

// The limit of a LiquidationOrder closing `lots` (signed like the position) of the account's
// position in `instrument`, per the instrument's OrderLimit (venue_conventions.hpp): the bankruptcy
// price of those lots (close_prices.hpp), or dYdX v4's fillable price. When no price in the band
// leaves the account solvent, the band's far edge (a sell at max_price, a buy at min_price): the
// order hardly fills and the rest is taken over at the timeout.
inline std::int64_t liquidation_order_limit(const Ledger& ledger, std::uint32_t slot,
                                            std::uint16_t instrument, std::int64_t lots) noexcept {
  const InstrumentRisk& r = ledger.risk(instrument);
  const std::optional<Price> p = r.conventions.order_limit == OrderLimit::kFillable
                                     ? fillable_price(ledger, slot, instrument)
                                     : bankruptcy_price(ledger, slot, instrument, lots);
  if (p) return p->raw();
  return lots > 0 ? r.max_price : r.min_price;
}

// Order mode: records a reduce-only LiquidationOrder per position to close (the partial plan's
// lots, or all of it) at its limit (liquidation_order_limit), and sets the takeover deadline. A
// fill answering one (make_liquidation_fill) is settled by settle_liquidation_fill.
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
               p.instrument, a.id, -lots,
               liquidation_order_limit(ctx.ledger, slot, p.instrument, lots), 0);
  }
  const std::int64_t t = time_ns + ctx.config.order_timeout_ns;
  ctx.state.deadline_ns[slot] = t == 0 ? 1 : t;
}

// What a liquidation close better than bankruptcy pays the insurance fund, per the SurplusRule of
// each closed position's instrument (venue_conventions.hpp), gathered over the closes of one
// liquidation: the fee part (the liquidation fee rate of the notional closed under kAllToInsurance
// and kFeeOnly, surplus_fee_cap_rate of it under kFeeCapped, each rounded up once), and whether the
// rest of the surplus goes to the fund too (kAllToInsurance). The default conventions give the
// single fee ceil(rate x Σ notional), then all the rest.
struct SurplusBasis {
  Int128 fee_notional = 0;       // notional charged at WaterfallConfig::liquidation_fee_rate
  Int128 capped_fee_scaled = 0;  // Σ notional x surplus_fee_cap_rate (kRateScale units)
  bool rest_to_insurance = false;

  void add(const InstrumentRisk& r, Int128 notional) noexcept {
    switch (r.conventions.surplus) {
      case SurplusRule::kAllToInsurance:
        fee_notional += notional;
        rest_to_insurance = true;
        break;
      case SurplusRule::kFeeCapped:
        capped_fee_scaled += notional * r.conventions.surplus_fee_cap_rate;
        break;
      case SurplusRule::kFeeOnly:
        fee_notional += notional;
        break;
    }
  }
  Int128 fee(std::int64_t liquidation_fee_rate) const noexcept {
    return div_round_up(fee_notional * liquidation_fee_rate, kRateScale) +
           div_round_up(capped_fee_scaled, kRateScale);
  }
};

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
// Lots that would take the backstop's exposure beyond the cap (risk_controls.hpp) are closed
// against the opposite side at the mark, as a full liquidation's are. True when the account is
// healthy afterwards.
inline bool reduce_partially(WaterfallContext& ctx, std::uint32_t slot) noexcept {
  PartialPlan plan;
  if (!plan_partial(ctx, slot, plan)) return false;
  Ledger& ledger = ctx.ledger;
  const std::uint8_t asset = ledger.account(slot).asset;
  const std::uint32_t backstop = ctx.backstop_slot(asset);
  ExposureCapCheck cap(ctx, asset, backstop);
  // Last slot first: a position closed whole is the last one, so no other position moves.
  for (std::uint32_t j = ledger.account(slot).position_count; j-- > 0;) {
    if (plan.lots[j] == 0) continue;
    const Position p = ledger.positions(slot)[j];
    const std::int64_t lots = p.qty > 0 ? plan.lots[j] : -plan.lots[j];
    const bool over_cap = !cap.admit(ctx, ledger.account(slot).id, p.instrument, lots);
    take_over(ctx, slot, backstop, p.instrument, lots);
    // The transfer's rounding dust (a unit or two) may leave less equity than planned.
    const auto fee = static_cast<std::int64_t>(
        std::max<Int128>(0, std::min<Int128>(plan.fee[j], ledger.margin(slot).equity)));
    if (fee > 0)
      ctx.to_insurance(slot, fee, WaterfallKind::kLiquidationFee, 0, WaterfallReason::kFee);
    if (over_cap) close_over_cap(ctx, slot, backstop, TakenPosition{p.instrument, lots, 0, true});
  }
  ctx.refresh(slot);
  if (backstop != kNoSlot) ctx.refresh(backstop);
  return ledger.account(slot).status == AccountStatus::kHealthy;
}

// A non-negative equity after the takeover: the fee part of `basis` (at most the equity), then,
// when its rule says so, the rest of the surplus to the insurance fund; what is left stays with the
// trader.
inline void collect_surplus(WaterfallContext& ctx, std::uint32_t slot,
                            const SurplusBasis& basis) noexcept {
  const std::int64_t equity = ctx.ledger.account(slot).balance;
  const auto fee = static_cast<std::int64_t>(
      std::min<Int128>(basis.fee(ctx.config.liquidation_fee_rate), equity));
  if (fee > 0)
    ctx.to_insurance(slot, fee, WaterfallKind::kLiquidationFee, 0, WaterfallReason::kFee);
  if (basis.rest_to_insurance && equity - fee > 0) {
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
  SurplusBasis basis;
  const std::uint8_t asset = ledger.account(slot).asset;
  const std::uint32_t backstop = ctx.backstop_slot(asset);
  // The exposure cap (risk_controls.hpp): each position is checked against the backstop's
  // taken-over notional so far, the ones within it counted in.
  ExposureCapCheck cap(ctx, asset, backstop);
  bool any_over_cap = false;
  while (ledger.account(slot).position_count > 0) {
    const Position p = ledger.positions(slot).back();
    const InstrumentRisk& r = ledger.risk(p.instrument);
    const InstrumentState& s = ledger.state(p.instrument);
    const PositionRisk pr = evaluate_position(r, s, p);
    const Int128 v = value_down(r, p.qty, s.mark);
    const Int128 notional = v < 0 ? -v : v;
    basis.add(r, notional);
    TakenPosition& t = taken[taken_count++];
    t = TakenPosition{p.instrument, p.qty, pr.contribution < 0 ? -pr.contribution : 0};
    if (!cap.admit(ctx, ledger.account(slot).id, p.instrument, p.qty))
      t.over_cap = any_over_cap = true;
    take_over(ctx, slot, backstop, p.instrument, p.qty);
  }
  const std::int64_t equity = ledger.account(slot).balance;
  if (equity >= 0) {
    collect_surplus(ctx, slot, basis);
  } else {
    cover_deficit(ctx, slot, -equity, balance_start, {taken.data(), taken_count}, backstop,
                  time_ns);
  }
  if (any_over_cap) {
    for (std::uint32_t j = 0; j < taken_count; ++j) {
      if (taken[j].over_cap) close_over_cap(ctx, slot, backstop, taken[j]);
    }
  }
  ctx.refresh(slot);
  if (backstop != kNoSlot) ctx.refresh(backstop);
}

// Order mode: a fill answering the account's LiquidationOrder (make_liquidation_fill, validated by
// the engine: an order is pending and the fill reduces the position) closed `lots` (signed like the
// position) at `price`; the trade is booked. Settles it as a takeover close settles: the fee part
// of its SurplusBasis on the notional closed at the fill price, at most the account's equity after
// the fill; and, under kAllToInsurance, once the account holds no position, the rest of its
// balance (what a takeover's surplus would be). A partial liquidation keeps its equity
// (plan_partial's rule): when WaterfallConfig::partial is on and the account was not bankrupt
// before the fill (`equity_before` > 0, the condition for a partial plan) no rest is collected. A
// fill worse than bankruptcy charges nothing and leaves a negative balance: the flat account is
// then bankrupt and the waterfall covers the deficit (tiers 1-5, 7; there is no taken-over
// position for tier 6); one still holding positions is taken over at its deadline.
inline void settle_liquidation_fill(WaterfallContext& ctx, std::uint32_t slot,
                                    std::uint16_t instrument, std::int64_t lots, std::int64_t price,
                                    Int128 equity_before) noexcept {
  using namespace liquidation_detail;
  Ledger& ledger = ctx.ledger;
  const InstrumentRisk& r = ledger.risk(instrument);
  const Int128 v = value_down(r, lots, price);
  SurplusBasis basis;
  basis.add(r, v < 0 ? -v : v);
  const Int128 equity = ledger.margin(slot).equity;
  const auto fee = static_cast<std::int64_t>(
      std::max<Int128>(0, std::min<Int128>(basis.fee(ctx.config.liquidation_fee_rate), equity)));
  if (fee > 0)
    ctx.to_insurance(slot, fee, WaterfallKind::kLiquidationFee, 0, WaterfallReason::kFee);
  const std::int64_t rest = ledger.account(slot).balance;
  const bool partial = ctx.config.partial && equity_before > 0;
  if (basis.rest_to_insurance && !partial && ledger.account(slot).position_count == 0 && rest > 0) {
    ctx.to_insurance(slot, rest, WaterfallKind::kSurplus, 0, WaterfallReason::kSurplus);
  }
}

}  // namespace backstop
