// Tier 6 of the loss waterfall (docs/design.md §5): what is left of a deficit after the funds, per
// instrument, by the instrument's policy. Every payer pays its exact share of the part R it covers,
// rounded up once (the venue's side), so one event collects at most one unit per payer beyond R;
// that excess goes to the insurance fund.
//   ranked ADL  - the backstop's freshly taken position is closed at the mark against the opposite
//                 side in AdlRanking order; a counterparty closing x lots pays ceil(R·x/L) (the
//                 bankruptcy-price execution: L the lots taken over), or nothing with
//                 AdlPrice::kMark. A payment never exceeds the counterparty's equity, so no ADL
//                 fill pushes a winner below zero;
//   pro-rata ADL - the same, every eligible opposite position closing the same fraction (largest
//                 remainders, ties by account id);
//   socialized  - every account holding the winning side pays ceil(R·|q|/OI) from its balance at
//                 once, and its triggers are rebuilt as funding rebuilds them.
// Owned by the risk engine thread; no allocation (the ranking's scratch tables). Cost: ranked
// O(k log s) (adl_ranking.hpp), pro-rata O(n) over the side, socialized O(holders log n).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

#include "backstop/adl_ranking.hpp"
#include "backstop/waterfall_context.hpp"

namespace backstop {

namespace adl_policy_detail {

// Counterparties selected ahead of their closes in ranked ADL (a deficit needing more is allocated
// in several batches).
inline constexpr std::uint32_t kAdlBatch = 16;

// What the counterparties of one ADL owe between them: `part` (0 at the mark) over the defaulter's
// `lots`. A counterparty closing x lots owes ceil(part·x/lots), its exact share rounded up once: a
// per-lot price rounded up and then multiplied by x would overcharge it by up to x - 1 units.
// part·x < 2^60 · 2^63 fits Int128; the share is at most part.
struct AdlShare {
  std::int64_t part;
  std::int64_t lots;
  std::int64_t owed(std::int64_t x) const noexcept {
    if (part == 0) return 0;
    return static_cast<std::int64_t>(div_round_up(Int128{part} * x, Int128{lots}));
  }
};

// Closes x lots of the backstop's taken-over position against counterparty `cp` at the mark; the
// counterparty pays its share of them to the defaulter, never more than its equity.
inline std::int64_t adl_fill(WaterfallContext& ctx, std::uint32_t slot, std::uint32_t backstop,
                             std::uint32_t cp, const TakenPosition& t, std::int64_t x,
                             AdlShare share) noexcept {
  Ledger& ledger = ctx.ledger;
  const std::int64_t mark = ledger.state(t.instrument).mark;
  const std::int64_t dir = t.qty > 0 ? 1 : -1;  // the backstop sells what it took (long: sell)
  ctx.trade(backstop, cp, t.instrument, Qty{-dir * x}, Price{mark}, 6);
  const Account& ca = ledger.account(cp);
  const std::uint8_t asset = ca.asset;
  const Int128 equity = ledger.margin(cp).equity;
  const std::int64_t owed = share.owed(x);
  const auto pay = static_cast<std::int64_t>(std::max<Int128>(0, std::min<Int128>(owed, equity)));
  ctx.record(WaterfallKind::kAdlClose, 6, WaterfallReason::kTransfer, asset, t.instrument, ca.id, x,
             mark, owed);
  ctx.transfer(WaterfallKind::kAdlFill, 6, WaterfallReason::kCover, asset, t.instrument, ca.id,
               Party::kAccount, Party::kCover, pay, Shown::kFrom, ca.balance, ca.balance - pay);
  ledger.credit(cp, Money{-pay});
  ledger.credit(slot, Money{pay});
  ctx.state.adl_paid[asset] += pay;
  ++ctx.state.adl_fills;
  ctx.refresh(cp);
  return pay;
}

// Closes the backstop's taken-over position against `cands[0..n)` in that order, each as far as
// its position and `left` allow, until `left` lots are closed; returns what they paid.
inline std::int64_t close_in_order(WaterfallContext& ctx, std::uint32_t slot,
                                   std::uint32_t backstop, const TakenPosition& t,
                                   const AdlRanking::Candidate* cands, std::uint32_t n,
                                   AdlShare share, std::int64_t& left) noexcept {
  std::int64_t paid = 0;
  for (std::uint32_t k = 0; k < n && left > 0; ++k) {
    const std::uint32_t cp = cands[k].slot;
    const std::int64_t cq = ctx.ledger.position_qty(cp, t.instrument);
    const std::int64_t x = std::min(left, cq < 0 ? -cq : cq);
    paid += adl_fill(ctx, slot, backstop, cp, t, x, share);
    left -= x;
  }
  return paid;
}

// The reference ranking (WaterfallConfig::adl_full_sort): every eligible position scored, sorted,
// taken in order.
inline std::int64_t full_sort_adl(WaterfallContext& ctx, std::uint32_t slot, std::uint32_t backstop,
                                  const TakenPosition& t, std::int64_t lots, AdlShare share,
                                  std::uint32_t side) noexcept {
  AdlRanking::Candidate* all = ctx.adl.ranking().sort_scratch();
  std::uint32_t m = 0;
  for (std::uint32_t a = 0; a < ctx.ledger.account_count(); ++a) {
    if (ctx.adl.score_of(t.instrument, side, a, all[m])) ++m;
  }
  std::sort(all, all + m, [](const AdlRanking::Candidate& x, const AdlRanking::Candidate& y) {
    return AdlRanking::better(x, y);
  });
  std::int64_t left = lots;
  return close_in_order(ctx, slot, backstop, t, all, m, share, left);
}

// Ranked ADL through the ranking cache, in batches: first the counterparties a batch needs (by the
// sizes the ranking scored), then their rows loaded together, then the closes. The same allocation
// as one at a time: the order does not depend on the closes (a close touches only the counterparty
// already handed out, the backstop and the defaulter), and a batch stops at the first
// counterparty that covers what is left. What it buys: the cache misses of a batch's rows overlap
// instead of queueing one close after another.
inline std::int64_t ranked_adl(WaterfallContext& ctx, std::uint32_t slot, std::uint32_t backstop,
                               const TakenPosition& t, std::int64_t lots, AdlShare share,
                               std::uint32_t side) noexcept {
  if (!ctx.adl.usable(t.instrument)) ctx.adl.rebuild();
  AdlRanking& ranking = ctx.adl.ranking();
  const auto eval = [&ctx, &t, side](std::uint32_t cand, AdlRanking::Candidate& out) {
    return ctx.adl.score_of(t.instrument, side, cand, out);
  };
  ranking.begin(t.instrument, side, ctx.ledger.state(t.instrument).mark,
                ctx.ledger.risk(t.instrument), ctx.config.score);
  std::array<AdlRanking::Candidate, kAdlBatch> batch;
  std::int64_t left = lots;
  std::int64_t paid = 0;
  bool exhausted = false;
  while (left > 0 && !exhausted) {
    std::uint32_t n = 0;
    for (std::int64_t need = left; n < kAdlBatch && need > 0; ++n) {
      if (!ranking.next(eval, batch[n])) {
        exhausted = true;
        break;
      }
      ctx.ledger.prefetch_slot(batch[n].slot);
      need -= batch[n].lots;
    }
    for (std::uint32_t k = 0; k < n; ++k) {
      ctx.ledger.prefetch_triggers(batch[k].slot);
    }
    // each close erases a heap entry, which moves the heap's last entry: load those rows too
    ctx.ledger.prefetch_heap_tail(t.instrument, heap_side_of(side), n);
    paid += close_in_order(ctx, slot, backstop, t, batch.data(), n, share, left);
  }
  ranking.end();
  return paid;
}

// Pro-rata ADL: every healthy non-backstop position on the side (the trigger heap holds exactly
// the healthy ones) closes the same fraction of its size; leftover lots by largest remainder.
inline std::int64_t pro_rata_adl(WaterfallContext& ctx, std::uint32_t slot, std::uint32_t backstop,
                                 const TakenPosition& t, std::int64_t lots, AdlShare share,
                                 std::uint32_t side) noexcept {
  AdlRanking::Share* cand = ctx.adl.ranking().pro_rata_scratch();
  std::uint32_t m = 0;
  Int128 total = 0;
  ctx.ledger.for_each_healthy_holder(
      t.instrument, heap_side_of(side), [&](std::uint32_t cs, std::int64_t size) {
        if (ctx.is_backstop(cs) || cs == slot) return;
        cand[m++] = AdlRanking::Share{cs, ctx.ledger.account(cs).id, size, 0, 0};
        total += size;
      });
  if (m == 0) return 0;
  const auto want = static_cast<std::int64_t>(std::min<Int128>(lots, total));
  std::int64_t given = 0;
  for (std::uint32_t k = 0; k < m; ++k) {
    const Int128 num = Int128{want} * cand[k].size;
    cand[k].lots = static_cast<std::int64_t>(num / total);
    cand[k].remainder = static_cast<std::int64_t>(num % total);
    given += cand[k].lots;
  }
  // Largest remainders get the leftover lots; ties by account id (deterministic).
  const std::int64_t leftover = want - given;
  if (leftover > 0) {
    auto by_remainder = [](const AdlRanking::Share& x, const AdlRanking::Share& y) {
      return x.remainder != y.remainder ? x.remainder > y.remainder : x.id < y.id;
    };
    std::nth_element(cand, cand + (leftover - 1), cand + m, by_remainder);
    for (std::int64_t k = 0; k < leftover; ++k)
      ++cand[k].lots;
  }
  std::sort(cand, cand + m,
            [](const AdlRanking::Share& x, const AdlRanking::Share& y) { return x.id < y.id; });
  std::int64_t paid = 0;
  for (std::uint32_t k = 0; k < m; ++k) {
    if (cand[k].lots > 0)
      paid += adl_fill(ctx, slot, backstop, cand[k].slot, t, cand[k].lots, share);
  }
  return paid;
}

// Socialized loss: every account holding the winning side of the instrument pays
// ceil(part·|q|/OI) from its balance, here and now. Settled eagerly rather than through a loss
// index per lot: refresh_payers() revisits every payer anyway (its cushion shrank), so the charge
// costs no extra pass, each payer's charge is one exact figure (one audit leg, nothing accrued to
// reconcile later), and no fractional index can overflow or lose precision. The payers are the
// healthy holders (exactly the winning side's trigger-heap entries) and the flagged holders,
// backstop accounts included; together they hold the open interest (Σ longs = Σ shorts), since
// the defaulter's own position has just been taken over. part·|q| < 2^60 · 2^63 fits Int128.
inline std::int64_t socialize(WaterfallContext& ctx, std::uint32_t slot, const TakenPosition& t,
                              std::int64_t part) noexcept {
  Ledger& ledger = ctx.ledger;
  const bool winners_long = t.qty < 0;
  const HeapSide side = winners_long ? HeapSide::kLong : HeapSide::kShort;
  const auto winning_lots = [&](std::uint32_t payer) -> std::int64_t {
    const std::int64_t q = ledger.position_qty(payer, t.instrument);
    return q != 0 && (q > 0) == winners_long ? (q < 0 ? -q : q) : 0;
  };
  Int128 lots = 0;  // the open interest
  for (const std::uint32_t payer : ledger.flagged())
    lots += winning_lots(payer);
  ledger.for_each_healthy_holder(t.instrument, side,
                                 [&](std::uint32_t, std::int64_t size) { lots += size; });
  if (lots <= 0) return 0;
  const std::uint8_t asset = ledger.account(slot).asset;
  Int128 charged = 0;
  // Crediting a balance moves neither the heaps nor the flagged list: both walks stay valid.
  const auto charge = [&](std::uint32_t payer, std::int64_t size) {
    if (size == 0) return;
    const auto amount = static_cast<std::int64_t>(div_round_up(Int128{part} * size, lots));
    if (ctx.config.audit_balances) {
      const Account& a = ledger.account(payer);
      ctx.transfer(WaterfallKind::kSocializedCharge, 6, WaterfallReason::kCover, asset,
                   t.instrument, a.id, Party::kAccount, Party::kCover, amount, Shown::kFrom,
                   a.balance, a.balance - amount);
    }
    ledger.credit(payer, Money{-amount});
    charged += amount;
  };
  for (const std::uint32_t payer : ledger.flagged())
    charge(payer, winning_lots(payer));
  ledger.for_each_healthy_holder(t.instrument, side, charge);
  ctx.state.socialized_charged[std::size_t{t.instrument} * 2 + (winners_long ? 0 : 1)] +=
      static_cast<std::int64_t>(charged);
  ctx.state.socialized[asset] += part;
  ctx.record(WaterfallKind::kSocializedLoss, 6, WaterfallReason::kCover, asset, t.instrument, 0,
             part, static_cast<std::int64_t>(charged), static_cast<std::int64_t>(lots));
  ledger.credit(slot, Money{part});
  ctx.cover_paid(slot, t.instrument, 6, part);
  // Each share rounded up once: the excess is under one unit per payer.
  const Int128 excess = charged - part;
  if (excess > 0) {
    ctx.remainder_to_insurance(asset, t.instrument, 6, static_cast<std::int64_t>(excess));
  }
  ledger.refresh_payers(t.instrument, winners_long, !winners_long, ctx);
  return part;
}

}  // namespace adl_policy_detail

// Tier 6 for one position the backstop took over from `slot`: covers up to `part` of the
// defaulter's deficit by the instrument's policy; returns what was covered (credited to the
// defaulter).
inline std::int64_t cover_by_instrument_policy(WaterfallContext& ctx, std::uint32_t slot,
                                               std::uint32_t backstop, const TakenPosition& t,
                                               std::int64_t part) noexcept {
  using namespace adl_policy_detail;
  const WaterfallConfig& cfg = ctx.config;
  const AdlPolicy policy = t.instrument < cfg.instrument_policy.size()
                               ? cfg.instrument_policy[t.instrument]
                               : cfg.policy;
  if (policy == AdlPolicy::kNone) return 0;
  if (policy == AdlPolicy::kSocialized) return socialize(ctx, slot, t, part);
  // ADL: close up to the lots taken over that the backstop still holds in that direction, each
  // counterparty paying its share of `part` over the defaulter's lots (the bankruptcy-price
  // execution; lots that cannot be closed leave their share to the next tier).
  const std::int64_t bq = ctx.ledger.position_qty(backstop, t.instrument);
  if (bq == 0 || (bq > 0) != (t.qty > 0)) return 0;
  const std::int64_t abs_t = t.qty < 0 ? -t.qty : t.qty;
  const std::int64_t lots = std::min(abs_t, bq < 0 ? -bq : bq);
  const AdlShare share{cfg.price == AdlPrice::kBankruptcy ? part : 0, abs_t};
  const std::uint32_t side = adl_side_of(-t.qty);
  std::int64_t paid = 0;
  if (policy == AdlPolicy::kRanked && cfg.adl_full_sort) {
    paid = full_sort_adl(ctx, slot, backstop, t, lots, share, side);
  } else if (policy == AdlPolicy::kRanked) {
    paid = ranked_adl(ctx, slot, backstop, t, lots, share, side);
  } else {
    paid = pro_rata_adl(ctx, slot, backstop, t, lots, share, side);
  }
  // Each share is rounded up: the excess over the need goes to the insurance fund. The
  // fills credited the defaulter as they came; the excess is taken back from it here, and the
  // audit has it go from the cover to the fund, as tiers 5 and 7 do.
  const std::int64_t covered = std::min(paid, part);
  ctx.cover_paid(slot, t.instrument, 6, covered);
  if (paid > part) {
    ctx.ledger.credit(slot, Money{part - paid});
    ctx.remainder_to_insurance(ctx.ledger.account(slot).asset, t.instrument, 6, paid - part);
  }
  return covered;
}

}  // namespace backstop
