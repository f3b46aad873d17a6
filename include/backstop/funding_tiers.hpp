// The loss waterfall's funding tiers (docs/design.md §5): a deficit D left by a full liquidation
// is covered, in order, by
//   1. the defaulter's own collateral (consumed by the close itself, recorded),
//   2. its own default-fund contribution,
//   3. the insurance fund down to its floor (at most `insurance_cap_per_account` per account per
//      window of event time),
//   4. the venue's tranche,
//   5. the other members' default-fund contributions, pro rata (each share rounded up; the excess
//      over the need goes to the insurance fund),
//   6. per instrument, ADL or socialized loss (adl_policies.hpp; the rest split over the closed
//      positions by their losses),
//   7. member assessment: the other members are charged pro rata to what they have committed to
//      the default fund over time (not the shares left after tier 5), capped, recorded as
//      receivables,
// and what is left is bad debt, recorded per asset, never hidden; withdrawals of the asset are then
// refused (kDeficitUnresolved) until a kRecoverBadDebt deposit clears it. Each tier can be off
// (WaterfallConfig). Owned by the risk engine thread; no allocation. Cost: O(members) for tiers 5
// and 7, tier 6 as adl_policies.hpp says, O(1) for the rest.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>

#include "backstop/adl_policies.hpp"
#include "backstop/risk_controls.hpp"
#include "backstop/waterfall_context.hpp"

namespace backstop {

namespace funding_tiers_detail {

// Σ weight[m] over the default-fund members other than `slot` in `asset`.
inline Int128 members_weight(const WaterfallContext& ctx, std::uint32_t slot, std::uint8_t asset,
                             const std::int64_t* weight) noexcept {
  Int128 total = 0;
  for (std::uint32_t k = 0; k < ctx.state.member_count; ++k) {
    const std::uint32_t m = ctx.state.members[k];
    if (m != slot && ctx.ledger.account(m).asset == asset && weight[m] > 0) total += weight[m];
  }
  return total;
}

// Tiers 5 and 7: `amount` of `slot`'s deficit charged to the other members of its asset pro rata to
// `weight` (total: members_weight > 0), each share ceil(amount * w / total), so that the shares
// cover `amount`; `take(m, share)` moves and records member m's share. The defaulter is credited
// `amount`; the shares' rounding excess goes to the insurance fund. Returns Σ shares.
template <class Take>
std::int64_t charge_members(WaterfallContext& ctx, std::uint32_t slot, std::uint8_t asset,
                            std::int64_t amount, const std::int64_t* weight, Int128 total,
                            std::uint8_t tier, Take&& take) noexcept {
  std::int64_t charged = 0;
  for (std::uint32_t k = 0; k < ctx.state.member_count; ++k) {
    const std::uint32_t m = ctx.state.members[k];
    if (m == slot || ctx.ledger.account(m).asset != asset || weight[m] <= 0) continue;
    const auto share = static_cast<std::int64_t>(div_round_up(Int128{amount} * weight[m], total));
    take(m, share);
    charged += share;
  }
  ctx.ledger.credit(slot, Money{amount});
  ctx.cover_paid(slot, kNoInstrument, tier, amount);
  if (charged > amount) ctx.remainder_to_insurance(asset, kNoInstrument, tier, charged - amount);
  return charged;
}

// Takes up to `rest` from a fund (`fund`) of `available` for `slot`, recorded; returns what it
// took.
inline std::int64_t draw(WaterfallContext& ctx, std::uint32_t slot, std::int64_t rest,
                         std::int64_t available, Party fund, WaterfallKind kind,
                         std::uint8_t tier) noexcept {
  const std::int64_t x = std::min(rest, available);
  const Account& a = ctx.ledger.account(slot);
  ctx.transfer(kind, tier, WaterfallReason::kCover, a.asset, kNoInstrument, a.id, fund,
               Party::kAccount, x, Shown::kFrom, available, available - x);
  ctx.ledger.credit(slot, Money{x});
  return x;
}

// Tier 3: the insurance fund down to its floor, capped per account per window.
inline std::int64_t insurance_tier(WaterfallContext& ctx, std::uint32_t slot, std::int64_t rest,
                                   std::int64_t time_ns) noexcept {
  const WaterfallConfig& cfg = ctx.config;
  WaterfallState& w = ctx.state;
  const std::uint8_t asset = ctx.ledger.account(slot).asset;
  const std::int64_t configured =
      asset < cfg.insurance_floor.size() ? cfg.insurance_floor[asset] : 0;
  // The drawdown trigger's level is a floor too; reaching it with a deficit left switches the
  // asset to ADL (risk_controls.hpp).
  const std::int64_t level = drawdown_level(ctx, asset, time_ns);
  const std::int64_t floor = std::max(configured, level);
  std::int64_t avail = std::max<std::int64_t>(0, ctx.ledger.insurance(asset) - floor);
  if (cfg.insurance_cap_per_account > 0) {
    if (w.window_drawn[slot] == 0 ||
        time_ns - w.window_start_ns[slot] >= cfg.insurance_cap_window_ns) {
      w.window_start_ns[slot] = time_ns;
      w.window_drawn[slot] = 0;
    }
    avail = std::min(avail, cfg.insurance_cap_per_account - w.window_drawn[slot]);
  }
  const std::int64_t x = std::max<std::int64_t>(0, std::min(rest, avail));
  const bool reached = level > configured && x < rest && ctx.ledger.insurance(asset) - x <= level;
  if (x == 0) {
    if (reached) drawdown_reached(ctx, asset, level);
    return 0;
  }
  const std::int64_t fund = ctx.ledger.insurance(asset);
  ctx.transfer(WaterfallKind::kInsuranceDraw, 3, WaterfallReason::kCover, asset, kNoInstrument,
               ctx.ledger.account(slot).id, Party::kInsurance, Party::kAccount, x, Shown::kFrom,
               fund, fund - x);
  ctx.ledger.add_insurance(asset, Money{-x});
  w.window_drawn[slot] += x;
  ctx.ledger.credit(slot, Money{x});
  if (reached) drawdown_reached(ctx, asset, level);
  return x;
}

// Tier 5: the other members' default-fund shares, pro rata.
inline std::int64_t default_fund_tier(WaterfallContext& ctx, std::uint32_t slot,
                                      std::int64_t rest) noexcept {
  WaterfallState& w = ctx.state;
  const std::uint8_t asset = ctx.ledger.account(slot).asset;
  const Int128 pool = members_weight(ctx, slot, asset, w.contribution.get());
  if (pool <= 0) return 0;
  // ceil(need * c_m / pool) <= c_m because need <= pool.
  const auto need = static_cast<std::int64_t>(std::min<Int128>(rest, pool));
  const std::int64_t charged = charge_members(
      ctx, slot, asset, need, w.contribution.get(), pool, 5, [&](std::uint32_t m, std::int64_t x) {
        ctx.transfer(WaterfallKind::kDefaultFundDraw, 5, WaterfallReason::kCover, asset,
                     kNoInstrument, ctx.ledger.account(m).id, Party::kDefaultFund, Party::kCover, x,
                     Shown::kFrom, w.contribution[m], w.contribution[m] - x);
        w.contribution[m] -= x;
      });
  w.default_fund[asset] -= charged;
  return need;
}

// Tier 6: the rest split over the closed positions by their losses (rounded up, the last one
// takes what is left), each part covered by its instrument's policy.
inline std::int64_t instrument_tier(WaterfallContext& ctx, std::uint32_t slot,
                                    std::uint32_t backstop, std::int64_t rest,
                                    std::span<const TakenPosition> taken) noexcept {
  Int128 total_loss = 0;
  for (const TakenPosition& t : taken)
    total_loss += t.loss;
  const std::int64_t to_split = rest;
  std::int64_t assigned = 0;
  std::int64_t covered = 0;
  for (std::size_t j = 0; j < taken.size() && covered < to_split; ++j) {
    std::int64_t part;
    if (total_loss == 0) {
      part = j == 0 ? to_split : 0;
    } else if (j + 1 == taken.size()) {
      part = to_split - assigned;
    } else {
      part = static_cast<std::int64_t>(std::min<Int128>(
          div_round_up(Int128{to_split} * taken[j].loss, total_loss), to_split - assigned));
    }
    assigned += part;
    if (part <= 0) continue;
    covered += cover_by_instrument_policy(ctx, slot, backstop, taken[j], part);
  }
  return covered;
}

// Tier 7: the other members assessed pro rata to what they have committed, capped.
inline std::int64_t assessment_tier(WaterfallContext& ctx, std::uint32_t slot,
                                    std::int64_t rest) noexcept {
  WaterfallState& w = ctx.state;
  const std::uint8_t asset = ctx.ledger.account(slot).asset;
  const Int128 pool = members_weight(ctx, slot, asset, w.committed.get());
  if (pool <= 0) return 0;
  const WaterfallConfig& cfg = ctx.config;
  const std::int64_t x = cfg.assessment_cap > 0 ? std::min(rest, cfg.assessment_cap) : rest;
  const std::int64_t charged = charge_members(
      ctx, slot, asset, x, w.committed.get(), pool, 7, [&](std::uint32_t m, std::int64_t share) {
        ctx.transfer(WaterfallKind::kAssessment, 7, WaterfallReason::kCover, asset, kNoInstrument,
                     ctx.ledger.account(m).id, Party::kReceivable, Party::kCover, share,
                     Shown::kFrom, w.owed[m], w.owed[m] + share);
        w.owed[m] += share;
      });
  w.receivable[asset] += charged;
  return x;
}

}  // namespace funding_tiers_detail

// Covers `slot`'s deficit after its positions were taken over (`taken`, by `backstop`), tier by
// tier; `balance_start` is its balance before the takeover (tier 1's record).
inline void cover_deficit(WaterfallContext& ctx, std::uint32_t slot, std::int64_t deficit,
                          std::int64_t balance_start, std::span<const TakenPosition> taken,
                          std::uint32_t backstop, std::int64_t time_ns) noexcept {
  using namespace funding_tiers_detail;
  WaterfallState& w = ctx.state;
  const WaterfallConfig& cfg = ctx.config;
  const Account& a = ctx.ledger.account(slot);
  const std::uint8_t asset = a.asset;
  const std::uint64_t id = a.id;
  ctx.record(WaterfallKind::kDeficit, 0, WaterfallReason::kCover, asset, kNoInstrument, id, deficit,
             a.balance, a.balance);
  // 1. its own collateral, already consumed by the close
  if (balance_start > 0) {
    ctx.record(WaterfallKind::kCollateral, 1, WaterfallReason::kCover, asset, kNoInstrument, id,
               balance_start, balance_start, 0);
  }
  std::int64_t rest = deficit;
  // 2. its own default-fund contribution
  if (cfg.own_default_fund && w.contribution[slot] > 0) {
    const std::int64_t x = draw(ctx, slot, rest, w.contribution[slot], Party::kDefaultFund,
                                WaterfallKind::kOwnDefaultFund, 2);
    w.contribution[slot] -= x;
    w.default_fund[asset] -= x;
    rest -= x;
  }
  // An ADL mode (a control, the drawdown trigger, the exposure cap) moves tier 3, and with
  // kSkipFunds tier 5, after tier 6: they cover what tier 6 leaves (risk_controls.hpp).
  const bool adl_first = !taken.empty() && backstop != kNoSlot;
  const AdlMode adl = adl_first ? deficit_adl_mode(ctx, asset, taken) : AdlMode::kOff;
  const bool insurance_late = adl != AdlMode::kOff;
  const bool default_fund_late = adl == AdlMode::kSkipFunds;
  if (rest > 0 && cfg.insurance && !insurance_late) {
    rest -= insurance_tier(ctx, slot, rest, time_ns);
  }
  // 4. the venue's tranche
  if (rest > 0 && cfg.venue_tranche && w.venue_tranche[asset] > 0) {
    const std::int64_t x = draw(ctx, slot, rest, w.venue_tranche[asset], Party::kVenueTranche,
                                WaterfallKind::kVenueTranche, 4);
    w.venue_tranche[asset] -= x;
    rest -= x;
  }
  if (rest > 0 && cfg.default_fund && !default_fund_late) {
    rest -= default_fund_tier(ctx, slot, rest);
  }
  if (rest > 0 && adl_first) rest -= instrument_tier(ctx, slot, backstop, rest, taken);
  if (rest > 0 && cfg.insurance && insurance_late) rest -= insurance_tier(ctx, slot, rest, time_ns);
  if (rest > 0 && cfg.default_fund && default_fund_late) {
    rest -= default_fund_tier(ctx, slot, rest);
  }
  if (rest > 0 && cfg.assessment) rest -= assessment_tier(ctx, slot, rest);
  // 8. bad debt: recorded, never hidden
  if (rest > 0) {
    ctx.transfer(WaterfallKind::kBadDebt, 8, WaterfallReason::kCover, asset, kNoInstrument, id,
                 Party::kBadDebt, Party::kAccount, rest, Shown::kFrom, w.bad_debt[asset],
                 w.bad_debt[asset] + rest);
    w.bad_debt[asset] += rest;
    ctx.ledger.credit(slot, Money{rest});
  }
}

}  // namespace backstop
