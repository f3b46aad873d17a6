// Liquidation and the loss waterfall (DESIGN §5). After every event the risk engine hands its
// flagged (liquidatable or bankrupt) accounts to Waterfall::run(), which, in ascending account id
// order and again for any account a step pushed under water (cascades), liquidates them:
//
//   0. partial liquidation (`partial` on, the account liquidatable but not bankrupt: equity E > 0
//      at the marks): positions in takeover order (last position slot first); for each, the
//      smallest lot count k in 1..|q| (binary search, see plan_partial) such that after moving k
//      lots to the backstop account at the mark and charging the liquidation fee on their
//      notional (rate x |notional|, rounded up, capped at the equity) the equity is at least the
//      initial margin of what the account still holds. Those k lots move (kTakeover, signed as
//      held), the fee goes to the insurance fund (kLiquidationFee); if even the whole position is
//      not enough, all of it moves and the next position is planned the same way. No surplus
//      transfer: the account keeps its equity. Should the account still not be healthy (rounding
//      dust), the rest is liquidated in full as below. Order mode: the LiquidationOrders carry
//      those k lots (limit: the bankruptcy price); at the timeout the same rule is re-evaluated.
//      A bankrupt account (E <= 0) is always liquidated in full:
//      takeover: the asset's backstop account takes every position over at the mark (order mode
//      first emits reduce-only IOC LiquidationOrders at the bankruptcy price and waits
//      `order_timeout_ns` of event time for the matching engine's fills; whatever is left then is
//      taken over). Closing at the mark leaves the defaulter's equity E as its balance. If E > 0
//      the liquidation fee (rate x closed notional, at most E) and the rest of the surplus go to
//      the insurance fund. If E < 0 the deficit D = -E is covered, in order, by
//   1. the defaulter's own collateral (consumed by the close itself, recorded),
//   2. its own default-fund contribution,
//   3. the insurance fund down to its floor (at most `insurance_cap_per_account` per account per
//      window of event time),
//   4. the venue's tranche,
//   5. the other members' default-fund contributions, pro rata (each share rounded up; the excess
//      over the need goes to the insurance fund),
//   6. per instrument (the rest split over the closed positions by their losses):
//      ranked ADL - the backstop's freshly taken position is closed at the mark against the
//        opposite side in AdlRanking order (adl.hpp); each counterparty pays ceil(R/L) per lot
//        closed (the bankruptcy-price execution: L the lots taken over, R the rest of the
//        deficit), or nothing with `AdlPrice::kMark`. A payment never exceeds the counterparty's
//        equity, so no ADL fill pushes a winner below zero;
//      pro-rata ADL - the same, every eligible opposite position closing the same fraction
//        (largest remainders, ties by account id);
//      socialized loss - the winning side pays ceil(R/OI) per lot through the side's funding
//        index (the same lazy settlement as funding; the payers' triggers are rebuilt as funding
//        rebuilds them, so no trigger goes stale);
//   7. member assessment: the other members are charged pro rata to what they have committed to
//      the default fund over time (not the shares left after tier 5), capped, recorded as
//      receivables;
//   and what is left is bad debt, recorded per asset, never hidden; withdrawals of the asset are
//   then refused (kDeficitUnresolved) until a kRecoverBadDebt deposit clears it.
//
// Every money movement is a WaterfallRecord in the engine's waterfall_records() (execution
// order). Owned by the risk engine thread; no allocation (every table is sized by the
// constructor), no exceptions. Cost per liquidation: O(P) takeover + O(members) for tiers 5 and 7
// + tier 6: ranked O(k log) (adl.hpp), pro-rata O(n) over the side, socialized O(holders log n)
// for the trigger rebuild.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <span>

#include "backstop/account.hpp"
#include "backstop/adl.hpp"
#include "backstop/events.hpp"
#include "backstop/huge_array.hpp"
#include "backstop/margin.hpp"
#include "backstop/money.hpp"
#include "backstop/risk_config.hpp"
#include "backstop/waterfall_config.hpp"

namespace backstop {

enum class WaterfallKind : std::uint8_t {
  kLiquidationOrder =
      1,                // account, instrument; amount = signed lots to trade, before = limit price
  kTakeover = 2,        // account (defaulter), instrument; amount = lots taken over (signed, as
                        // held); before/after: the defaulter's balance around the close at the mark
  kLiquidationFee = 3,  // defaulter -> insurance fund; before/after: defaulter's balance
  kSurplus = 4,         // defaulter -> insurance fund; before/after: defaulter's balance
  kCollateral = 5,      // tier 1: the defaulter's collateral consumed by the close
  kOwnDefaultFund = 6,  // tier 2; before/after: its contribution
  kInsuranceDraw = 7,   // tier 3; before/after: the insurance fund
  kVenueTranche = 8,    // tier 4; before/after: the tranche
  kDefaultFundDraw = 9,  // tier 5, one per member; account = member; before/after: contribution
  kAdlClose = 10,        // tier 6; account = counterparty; amount = lots closed, before = mark,
                         // after = the per-lot payment
  kAdlFill = 11,         // tier 6; account = counterparty; amount paid; before/after: its balance
  kSocializedLoss = 12,  // tier 6; amount = deficit charged; before = per-lot index step, after =
                         // the lots charged
  kAssessment = 13,      // tier 7, one per member; before/after: the member's receivable
  kBadDebt = 14,         // what nothing covered; before/after: the asset's bad debt
  kRemainder = 15,       // rounding remainder of a pro-rata split -> insurance fund
  kDeficit = 16,         // opens a deficit: account = defaulter, amount = D
  kFundDeposit = 17,     // a FundDeposit event; before/after: the fund
};

enum class WaterfallReason : std::uint8_t {
  kCover = 1,  // covers a deficit
  kFee = 2,
  kSurplus = 3,
  kRounding = 4,
  kTransfer = 5,  // moves a position, not money
  kDeposit = 6,
};

// One audit record: 40 bytes, no padding, so an OutputEvent can carry it.
struct WaterfallRecord {
  WaterfallKind kind;
  std::uint8_t tier;  // 0 liquidation, 1-7 as in DESIGN §5, 8 bad debt
  WaterfallReason reason;
  std::uint8_t asset;
  std::uint16_t instrument;  // 0xFFFF: none
  std::uint16_t reserved;
  std::uint64_t account;  // external id (0: a fund)
  std::int64_t amount;
  std::int64_t before;
  std::int64_t after;
};
static_assert(sizeof(WaterfallRecord) == 40);
static_assert(std::has_unique_object_representations_v<WaterfallRecord>);

inline constexpr std::uint16_t kNoInstrument = 0xFFFF;

// One periodic ADL-quantile publication (WaterfallConfig::adl_quantile_interval_ns): a position's
// quantile changed since it was last published. 40 bytes, no padding, so an OutputEvent can carry
// it.
struct AdlQuantileRecord {
  std::uint64_t account;  // external id
  std::int64_t time_ns;   // the event time that reached the due time
  std::int64_t due_ns;    // the due time reached
  std::int64_t qty;       // the position now (signed; 0: gone)
  std::uint16_t instrument;
  std::uint8_t old_quantile;  // as last published (0: none)
  std::uint8_t new_quantile;  // 1-5, 5 = first in line for ADL; 0: no position in the ranking
  std::uint32_t reserved;
};
static_assert(sizeof(AdlQuantileRecord) == 40);
static_assert(std::has_unique_object_representations_v<AdlQuantileRecord>);

// All state the waterfall adds to the risk engine (canonical: snapshot and digest it). Per asset
// and per account arrays, sized by the constructor.
struct WaterfallState {
  std::array<std::int64_t, kMaxAssets> default_fund{};  // Σ contributions
  std::array<std::int64_t, kMaxAssets> venue_tranche{};
  std::array<std::int64_t, kMaxAssets> receivable{};  // Σ assessments owed
  std::array<std::int64_t, kMaxAssets> bad_debt{};
  std::array<std::int64_t, kMaxAssets> socialized{};  // Σ deficits socialized
  std::array<std::int64_t, kMaxAssets> adl_paid{};    // Σ paid by ADL counterparties
  std::uint64_t liquidations = 0;
  std::uint64_t partial_liquidations = 0;  // of `liquidations`: reduced to IM, not closed out
  std::uint64_t adl_fills = 0;
  std::uint64_t records_dropped = 0;  // audit records beyond the per-event capacity
  std::uint32_t member_count = 0;
  std::unique_ptr<std::int64_t[]> contribution;  // per account slot: default-fund share
  // Per account slot: Σ default-fund contributions ever paid in, never reduced by draws. Tier 7
  // assesses pro rata to it: the replenishment call comes exactly when draws have emptied the
  // shares, so the shares left cannot be the key.
  std::unique_ptr<std::int64_t[]> committed;
  std::unique_ptr<std::int64_t[]> owed;              // per account slot: assessment receivable
  std::unique_ptr<std::int64_t[]> deadline_ns;       // per account: order-mode takeover time (0)
  std::unique_ptr<std::int64_t[]> window_start_ns;   // per account: insurance cap window
  std::unique_ptr<std::int64_t[]> window_drawn;      // per account: drawn in that window
  std::unique_ptr<std::uint32_t[]> members;          // slots with a contribution, first-come order
  std::unique_ptr<std::int64_t[]> socialized_index;  // per instrument x side: Σ per-lot charges

  void allocate(std::uint32_t accounts, std::uint32_t instruments) {
    contribution = std::make_unique<std::int64_t[]>(accounts);
    committed = std::make_unique<std::int64_t[]>(accounts);
    owed = std::make_unique<std::int64_t[]>(accounts);
    deadline_ns = std::make_unique<std::int64_t[]>(accounts);
    window_start_ns = std::make_unique<std::int64_t[]>(accounts);
    window_drawn = std::make_unique<std::int64_t[]>(accounts);
    members = std::make_unique<std::uint32_t[]>(accounts);
    socialized_index = std::make_unique<std::int64_t[]>(std::size_t{instruments} * 2);
  }
};

// The waterfall's logic over the risk engine's state (a friend of RiskEngine; `Core` is
// RiskEngine, a template parameter only so that this header needs no risk_engine.hpp).
class Waterfall {
 public:
  // Liquidates every eligible flagged account, cascades included. Precondition: mode != kOff.
  template <class Core>
  static void run(Core& c, std::int64_t time_ns) noexcept {
    for (;;) {
      std::uint32_t best = kNoSlot;
      for (std::uint32_t k = 0; k < c.flagged_count_; ++k) {
        const std::uint32_t slot = c.flagged_[k];
        if (!eligible(c, slot, time_ns)) continue;
        if (best == kNoSlot || c.accounts_[slot].id < c.accounts_[best].id) best = slot;
      }
      if (best == kNoSlot) return;
      if (c.wf_config_.mode == LiquidationMode::kOrder && c.wf_.deadline_ns[best] == 0) {
        emit_orders(c, best, time_ns);
        continue;
      }
      liquidate(c, best, time_ns);
    }
  }

  // kFundDeposit: money into a fund (insurance, venue tranche, bad-debt recovery: new money, so
  // net deposits grow) or from an account's balance (default-fund contribution, assessment
  // payment).
  template <class Core>
  static RejectCode on_fund_deposit(Core& c, const Event& e) noexcept {
    const FundDepositPayload& f = e.fund;
    const std::int64_t amount = f.amount.raw();
    if (amount <= 0) return RejectCode::kNonPositiveAmount;
    if (amount > kMaxAmountForFunds) return RejectCode::kValueOverflow;
    WaterfallState& w = c.wf_;
    std::int64_t* fund = nullptr;
    std::uint32_t slot = kNoSlot;
    std::uint8_t asset = f.asset;
    if (f.fund == FundKind::kDefaultFund || f.fund == FundKind::kAssessmentPayment) {
      slot = c.find_slot(f.account);
      if (slot == kNoSlot) return RejectCode::kUnknownAccount;
      asset = c.accounts_[slot].asset;
      if (amount > c.accounts_[slot].balance) return RejectCode::kInsufficientBalance;
      const auto m = c.evaluate_margin(slot);
      if (m.equity - amount < m.initial) return RejectCode::kInsufficientMargin;
      if (f.fund == FundKind::kAssessmentPayment && amount > w.owed[slot]) {
        return RejectCode::kInsufficientBalance;
      }
    } else if (asset >= c.asset_count_) {
      return RejectCode::kInvalidConfig;
    }
    switch (f.fund) {
      case FundKind::kInsurance:
        fund = &c.insurance_[asset];
        c.net_deposits_[asset] += amount;
        break;
      case FundKind::kVenueTranche:
        fund = &w.venue_tranche[asset];
        c.net_deposits_[asset] += amount;
        break;
      case FundKind::kRecoverBadDebt:
        if (amount > w.bad_debt[asset]) return RejectCode::kInsufficientBalance;
        fund = &w.bad_debt[asset];
        c.net_deposits_[asset] += amount;
        record(c, WaterfallKind::kFundDeposit, 8, WaterfallReason::kDeposit, asset, kNoInstrument,
               0, amount, *fund, *fund - amount);
        *fund -= amount;
        return RejectCode::kOk;
      case FundKind::kDefaultFund:
        if (w.committed[slot] == 0) w.members[w.member_count++] = slot;  // first contribution
        c.accounts_[slot].balance -= amount;
        w.contribution[slot] += amount;
        w.committed[slot] += amount;
        fund = &w.default_fund[asset];
        break;
      case FundKind::kAssessmentPayment:
        c.accounts_[slot].balance -= amount;
        w.owed[slot] -= amount;
        fund = &w.receivable[asset];
        record(c, WaterfallKind::kFundDeposit, 7, WaterfallReason::kDeposit, asset, kNoInstrument,
               f.account, amount, *fund, *fund - amount);
        *fund -= amount;
        refresh_one(c, slot);
        return RejectCode::kOk;
      default:
        return RejectCode::kInvalidConfig;
    }
    record(c, WaterfallKind::kFundDeposit, 0, WaterfallReason::kDeposit, asset, kNoInstrument,
           f.account, amount, *fund, *fund + amount);
    *fund += amount;
    if (slot != kNoSlot) refresh_one(c, slot);
    return RejectCode::kOk;
  }

  // Whether withdrawals of `asset` are gated: bad debt outstanding, or a bankrupt account not yet
  // resolved.
  template <class Core>
  static bool deficit_unresolved(const Core& c, std::uint8_t asset) noexcept {
    if (!c.wf_config_.gate_withdrawals || c.wf_config_.mode == LiquidationMode::kOff) return false;
    if (c.wf_.bad_debt[asset] > 0) return true;
    for (std::uint32_t k = 0; k < c.flagged_count_; ++k) {
      const auto& a = c.accounts_[c.flagged_[k]];
      if (a.asset == asset && a.status == AccountStatus::kBankrupt) return true;
    }
    return false;
  }

  // The exact score of `slot`'s position in `instrument` on `side`, or false when it is not an
  // eligible ADL counterparty (no such position, flagged, or a backstop account).
  template <class Core>
  static bool score_of(const Core& c, std::uint16_t instrument, std::uint32_t side,
                       std::uint32_t slot, AdlRanking::Candidate& out) noexcept {
    const auto& acct = c.accounts_[slot];
    if (acct.status != AccountStatus::kHealthy || is_backstop(c, slot)) return false;
    const std::uint32_t pos = c.find_position(slot, instrument);
    if (pos == kNoSlot) return false;
    const Position& p = c.positions_[pos];
    if (adl_side_of(p.qty) != side) return false;
    out.score = adl_score(c.wf_config_.score, inputs(c, slot, p, c.evaluate_margin(slot).equity,
                                                     c.state_[instrument].mark));
    out.id = acct.id;
    out.slot = slot;
    out.lots = p.qty < 0 ? -p.qty : p.qty;
    return true;
  }

  // An account's state changed (RiskEngine::refresh, `m` its fresh margin): its ADL cache entries
  // are stale; when it stays an eligible counterparty (healthy, not a backstop) its positions'
  // fresh state goes to the overlay. O(P); nothing while the cache is invalid.
  template <class Core, class Margin>
  static void on_touch(Core& c, std::uint32_t slot, const Margin& m) noexcept {
    AdlRanking& r = c.adl_;
    if (!r.valid()) return;
    r.touch(slot);
    const auto& a = c.accounts_[slot];
    if (is_backstop(c, slot) || m.equity < 0 || m.equity < m.maintenance) return;
    const std::uint32_t base = c.position_base(slot);
    for (std::uint32_t j = 0; j < a.position_count; ++j) {
      const Position& p = c.positions_[base + j];
      if (a.position_count == 1) {
        const AdlParams params = params_of(c, slot, p);
        r.push_fresh(p.instrument, adl_side_of(p.qty), slot, &params);
      } else {
        r.push_fresh(p.instrument, adl_side_of(p.qty), slot, nullptr);
      }
    }
  }

  // Rebuilds the ADL ranking cache of every instrument (cold: O(n log n)).
  template <class Core>
  static void rebuild_ranking(Core& c) noexcept {
    AdlRanking& r = c.adl_;
    r.begin_rebuild();
    const AdlScore score = c.wf_config_.score;
    for (std::uint16_t i = 0; i < c.instrument_count_; ++i) {
      const auto& s = c.state_[i];
      r.set_band(i, s.mark, s.long_funding_index, s.short_funding_index);
      r.clear_quantiles(i);
      const std::int64_t lo = r.band_lo(i);
      const std::int64_t hi = r.band_hi(i);
      for (std::uint32_t side = 0; side < 2; ++side) {
        // Eligible: the positions in the side's trigger heap (exactly the healthy accounts'),
        // taken in slot order so that the engine's tables are read in address order.
        const HeapSide hs = side == 0 ? HeapSide::kLong : HeapSide::kShort;
        for (std::uint32_t slot = 0; slot < c.account_count_; ++slot) {
          const std::uint32_t pos = c.find_position(slot, i);
          if (pos == kNoSlot || c.positions_[pos].heap_side != hs || is_backstop(c, slot)) continue;
          const Position& p = c.positions_[pos];
          const Int128 equity = c.evaluate_margin(slot).equity;
          const double exact = adl_score(score, inputs(c, slot, p, equity, s.mark));
          double bound = kAdlInfinity;
          AdlParams params{};
          const bool single = c.accounts_[slot].position_count == 1;
          if (single) {
            params = params_of(c, slot, p);
            bound = adl_score_bound(score, adl_inputs_at(c.risk_[i], score, params, lo),
                                    adl_inputs_at(c.risk_[i], score, params, hi));
          }
          r.add(i, side, slot, bound, exact, c.accounts_[slot].id, single ? &params : nullptr);
        }
        r.finish_side(i, side, c.risk_[i], score);
      }
    }
    r.finish_rebuild();
    warm_after_rebuild(c);
  }

  // Cold, after a rebuild: the rebuild streamed the ranking's and the engine's tables through the
  // caches, so the next ADL would find cold everything it reads, page-table entries included
  // (bench adl measured the first liquidation after a rebuild at ~15x a steady one). This touches
  // every page of the hot tables (backstop::touch_pages) and the engine's code (touch_code), and
  // re-reads what the next query is most likely to read: each side's trigger-heap top levels (a
  // counterparty's close sifts through them), the head of each side's sub-band list at the current
  // mark with those accounts' rows and heap entries, and the backstop accounts' rows. Changes
  // nothing.
  template <class Core>
  static void warm_after_rebuild(Core& c) noexcept {
    // Pages first: touching them brings lines in too, which must not push out what follows.
    std::uint64_t sum = c.touch_pages();
    sum += touch_code();
    for (std::uint16_t i = 0; i < c.instrument_count_; ++i) {
      sum += c.index_[i].warm(kWarmHeapEntries);
      for (std::uint32_t side = 0; side < 2; ++side) {
        sum +=
            c.adl_.warm(i, side, c.state_[i].mark, kWarmListEntries, [&c, &sum](std::uint32_t s) {
              sum += static_cast<std::uint64_t>(c.accounts_[s].balance);
              c.prefetch_slot(s);
              c.prefetch_triggers(s);
            });
      }
    }
    for (const std::uint64_t id : c.wf_config_.backstop_accounts) {
      const std::uint32_t s = id == 0 ? kNoSlot : c.find_slot(id);
      if (s != kNoSlot) c.prefetch_triggers(s);
    }
    asm volatile("" : : "r"(sum));  // keeps the reads
  }

 private:
  static constexpr std::int64_t kMaxAmountForFunds = std::int64_t{1} << 60;
  // Counterparties selected ahead of their closes in ranked ADL (a deficit needing more is
  // allocated in several batches).
  static constexpr std::uint32_t kAdlBatch = 16;
  // What warm_after_rebuild re-reads: the heaps' top 15 levels (512 KiB a side) and the first
  // entries of each sub-band list (about what one query scores).
  static constexpr std::uint32_t kWarmHeapEntries = 1u << 15;
  static constexpr std::uint32_t kWarmListEntries = 64;

  template <class Core>
  static bool is_backstop(const Core& c, std::uint32_t slot) noexcept {
    const auto& a = c.accounts_[slot];
    const auto& ids = c.wf_config_.backstop_accounts;
    return a.asset < ids.size() && ids[a.asset] != 0 && ids[a.asset] == a.id;
  }

  template <class Core>
  static std::uint32_t backstop_slot(const Core& c, std::uint8_t asset) noexcept {
    const auto& ids = c.wf_config_.backstop_accounts;
    if (asset >= ids.size() || ids[asset] == 0) return kNoSlot;
    return c.find_slot(ids[asset]);
  }

  template <class Core>
  static bool eligible(const Core& c, std::uint32_t slot, std::int64_t time_ns) noexcept {
    const auto& a = c.accounts_[slot];
    if (a.status == AccountStatus::kHealthy || is_backstop(c, slot)) return false;
    if (a.position_count == 0) return a.balance < 0;
    if (backstop_slot(c, a.asset) == kNoSlot) return false;
    if (c.wf_config_.mode == LiquidationMode::kOrder) {
      const std::int64_t d = c.wf_.deadline_ns[slot];
      return d == 0 || time_ns >= d;
    }
    return true;
  }

  template <class Core>
  static AdlInputs inputs(const Core& c, std::uint32_t slot, const Position& p, Int128 equity,
                          std::int64_t mark) noexcept {
    const auto& r = c.risk_[p.instrument];
    const std::int64_t abs_q = p.qty < 0 ? -p.qty : p.qty;
    return AdlInputs{value_down(r, p.qty, mark),         p.cost,
                     c.accounts_[slot].balance,          equity,
                     maintenance_margin(r, abs_q, mark), r.kind == ContractKind::kLinearPerpetual};
  }

  // The frozen inputs of a single-position account (its equity moves with this mark only).
  template <class Core>
  static AdlParams params_of(const Core& c, std::uint32_t slot, const Position& p) noexcept {
    const auto& s = c.state_[p.instrument];
    const Int128 accrued = Int128{p.qty} * (funding_index_for(s, p.qty) - p.funding_snapshot);
    const auto& a = c.accounts_[slot];
    return AdlParams{Int128{a.balance} - p.cost - accrued, p.qty, p.cost, a.balance, a.id};
  }

  template <class Core>
  static void record(Core& c, WaterfallKind kind, std::uint8_t tier, WaterfallReason reason,
                     std::uint8_t asset, std::uint16_t instrument, std::uint64_t account,
                     std::int64_t amount, std::int64_t before, std::int64_t after) noexcept {
    if (c.wf_record_count_ == c.wf_record_capacity_) {
      ++c.wf_.records_dropped;
      return;
    }
    c.wf_records_[c.wf_record_count_++] =
        WaterfallRecord{kind, tier, reason, asset, instrument, 0, account, amount, before, after};
  }

  template <class Core>
  static void refresh_one(Core& c, std::uint32_t slot) noexcept {
    typename Core::Evaluation ev;
    c.refresh(slot, ev);
  }

  // Moves `amount` from account `slot` to the insurance fund (negative: the other way).
  template <class Core>
  static void to_insurance(Core& c, std::uint32_t slot, std::int64_t amount, WaterfallKind kind,
                           std::uint8_t tier, WaterfallReason reason) noexcept {
    auto& a = c.accounts_[slot];
    record(c, kind, tier, reason, a.asset, kNoInstrument, a.id, amount, a.balance,
           a.balance - amount);
    a.balance -= amount;
    c.insurance_[a.asset] += amount;
  }

  template <class Core>
  static void emit_orders(Core& c, std::uint32_t slot, std::int64_t time_ns) noexcept {
    const auto& a = c.accounts_[slot];
    PartialPlan plan{};
    const bool partial = c.wf_config_.partial && plan_partial(c, slot, plan);
    for (std::uint32_t j = 0; j < a.position_count; ++j) {
      const Position& p = c.positions_[c.position_base(slot) + j];
      std::int64_t lots = p.qty;
      if (partial) {
        if (plan.lots[j] == 0) continue;  // not needed to restore initial margin
        lots = p.qty > 0 ? plan.lots[j] : -plan.lots[j];
      }
      record(c, WaterfallKind::kLiquidationOrder, 0, WaterfallReason::kTransfer, a.asset,
             p.instrument, a.id, -lots, c.bankruptcy_price(slot, p.instrument).raw(), 0);
    }
    const std::int64_t t = time_ns + c.wf_config_.order_timeout_ns;
    c.wf_.deadline_ns[slot] = t == 0 ? 1 : t;
  }

  struct Taken {
    std::uint16_t instrument;
    std::int64_t qty;  // the defaulter's signed position, now the backstop's
    Int128 loss;       // max(0, -its contribution to equity) before the close
  };

  // Partial liquidation (WaterfallConfig::partial): how many lots of each position (indexed by
  // position slot j) go to the backstop, and the fee each move pays.
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
  // costs less fee than it frees margin. Where the cap binds (fee(k) = E) g(k) = -IM(rest) <= 0
  // and still non-decreasing. Both terms are rounded up to whole units, so the integer g follows
  // the real one to within a unit or two; a step of one lot moves g by (IM rate - fee rate) x the
  // lot's notional, which is many units for any real contract. E - fee(|q|) >= 0 = IM(0), so the
  // last position is always enough.
  template <class Core>
  static bool plan_partial(const Core& c, std::uint32_t slot, PartialPlan& plan) noexcept {
    const auto& a = c.accounts_[slot];
    const auto m = c.evaluate_margin(slot);  // AccountMargin (risk_engine.hpp)
    if (m.equity <= 0) return false;
    Int128 equity = m.equity;
    Int128 im_held = m.initial;  // IM of every position not yet planned away
    const std::int64_t rate = c.wf_config_.liquidation_fee_rate;
    const std::uint32_t base = c.position_base(slot);
    plan.lots.fill(0);
    plan.fee.fill(0);
    for (std::uint32_t j = a.position_count; j-- > 0;) {
      const Position& p = c.positions_[base + j];
      const auto& r = c.risk_[p.instrument];
      const std::int64_t mark = c.state_[p.instrument].mark;
      const std::int64_t abs_q = p.qty < 0 ? -p.qty : p.qty;
      const Int128 im_others = im_held - initial_margin(r, abs_q, mark);
      const auto fee = [&](std::int64_t k) {
        const Int128 v = value_down(r, p.qty > 0 ? k : -k, mark);
        return std::min<Int128>(div_round_up((v < 0 ? -v : v) * rate, kRateScale), equity);
      };
      const auto enough = [&](std::int64_t k) {
        return equity - fee(k) >= im_others + initial_margin(r, abs_q - k, mark);
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

  // Carries out the plan: the backstop takes the planned lots over at the mark, each move paying
  // its fee (never more than the equity left) to the insurance fund; no surplus transfer. True
  // when the account is healthy afterwards.
  template <class Core>
  static bool reduce_partially(Core& c, std::uint32_t slot) noexcept {
    PartialPlan plan;
    if (!plan_partial(c, slot, plan)) return false;
    auto& a = c.accounts_[slot];
    const std::uint8_t asset = a.asset;
    const std::uint32_t backstop = backstop_slot(c, asset);
    // Last slot first: a position closed whole is the last one, so no other position moves.
    for (std::uint32_t j = a.position_count; j-- > 0;) {
      if (plan.lots[j] == 0) continue;
      const Position p = c.positions_[c.position_base(slot) + j];
      const std::int64_t mark = c.state_[p.instrument].mark;
      const std::int64_t moved = p.qty > 0 ? plan.lots[j] : -plan.lots[j];
      const std::int64_t before = a.balance;
      const Int128 effect = c.trade_side(slot, p.instrument, -moved, mark, 0) +
                            c.trade_side(backstop, p.instrument, moved, mark, 0);
      c.insurance_[asset] -= static_cast<std::int64_t>(effect);
      record(c, WaterfallKind::kTakeover, 0, WaterfallReason::kTransfer, asset, p.instrument, a.id,
             moved, before, a.balance);
      // The transfer's rounding dust (a unit or two) may leave less equity than planned.
      const std::int64_t fee = static_cast<std::int64_t>(
          std::max<Int128>(0, std::min<Int128>(plan.fee[j], c.evaluate_margin(slot).equity)));
      if (fee > 0)
        to_insurance(c, slot, fee, WaterfallKind::kLiquidationFee, 0, WaterfallReason::kFee);
    }
    refresh_one(c, slot);
    if (backstop != kNoSlot) refresh_one(c, backstop);
    return a.status == AccountStatus::kHealthy;
  }

  template <class Core>
  static void liquidate(Core& c, std::uint32_t slot, std::int64_t time_ns) noexcept {
    WaterfallState& w = c.wf_;
    w.deadline_ns[slot] = 0;
    ++w.liquidations;
    if (c.wf_config_.partial && reduce_partially(c, slot)) {
      ++w.partial_liquidations;
      return;
    }
    // Full liquidation (bankrupt, or a partial reduction that could not restore the account).
    auto& a = c.accounts_[slot];
    const std::uint8_t asset = a.asset;
    const std::uint64_t id = a.id;
    const std::int64_t balance_start = a.balance;
    // 0. Takeover of every position at the mark by the backstop account.
    std::array<Taken, kMaxPositionsPerAccount> taken{};
    std::uint32_t taken_count = 0;
    Int128 notional = 0;
    const std::uint32_t backstop = backstop_slot(c, asset);
    while (a.position_count > 0) {
      const std::uint32_t pos = c.position_base(slot) + a.position_count - 1;
      const Position p = c.positions_[pos];
      const auto& r = c.risk_[p.instrument];
      const auto& s = c.state_[p.instrument];
      const PositionRisk pr = evaluate_position(r, s, p);
      const Int128 v = value_down(r, p.qty, s.mark);
      notional += v < 0 ? -v : v;
      taken[taken_count++] = Taken{p.instrument, p.qty, pr.contribution < 0 ? -pr.contribution : 0};
      const std::int64_t before = a.balance;
      const Int128 effect = c.trade_side(slot, p.instrument, -p.qty, s.mark, 0) +
                            c.trade_side(backstop, p.instrument, p.qty, s.mark, 0);
      c.insurance_[asset] -= static_cast<std::int64_t>(effect);
      record(c, WaterfallKind::kTakeover, 0, WaterfallReason::kTransfer, asset, p.instrument, id,
             p.qty, before, a.balance);
    }
    const std::int64_t equity = a.balance;
    if (equity >= 0) {
      const Int128 fee_full =
          div_round_up(notional * c.wf_config_.liquidation_fee_rate, kRateScale);
      const std::int64_t fee = static_cast<std::int64_t>(std::min<Int128>(fee_full, equity));
      if (fee > 0)
        to_insurance(c, slot, fee, WaterfallKind::kLiquidationFee, 0, WaterfallReason::kFee);
      if (equity - fee > 0) {
        to_insurance(c, slot, equity - fee, WaterfallKind::kSurplus, 0, WaterfallReason::kSurplus);
      }
    } else {
      cover_deficit(c, slot, -equity, balance_start, taken, taken_count, backstop, time_ns);
    }
    refresh_one(c, slot);
    if (backstop != kNoSlot) refresh_one(c, backstop);
  }

  template <class Core>
  static void credit(Core& c, std::uint32_t slot, std::int64_t amount) noexcept {
    c.accounts_[slot].balance += amount;
  }

  template <class Core>
  static void cover_deficit(Core& c, std::uint32_t slot, std::int64_t deficit,
                            std::int64_t balance_start,
                            const std::array<Taken, kMaxPositionsPerAccount>& taken,
                            std::uint32_t taken_count, std::uint32_t backstop,
                            std::int64_t time_ns) noexcept {
    WaterfallState& w = c.wf_;
    const WaterfallConfig& cfg = c.wf_config_;
    auto& a = c.accounts_[slot];
    const std::uint8_t asset = a.asset;
    const std::uint64_t id = a.id;
    record(c, WaterfallKind::kDeficit, 0, WaterfallReason::kCover, asset, kNoInstrument, id,
           deficit, a.balance, a.balance);
    if (balance_start > 0) {
      record(c, WaterfallKind::kCollateral, 1, WaterfallReason::kCover, asset, kNoInstrument, id,
             balance_start, balance_start, 0);
    }
    std::int64_t rest = deficit;
    // 2. its own default-fund contribution
    if (cfg.own_default_fund && w.contribution[slot] > 0) {
      const std::int64_t x = std::min(rest, w.contribution[slot]);
      record(c, WaterfallKind::kOwnDefaultFund, 2, WaterfallReason::kCover, asset, kNoInstrument,
             id, x, w.contribution[slot], w.contribution[slot] - x);
      w.contribution[slot] -= x;
      w.default_fund[asset] -= x;
      credit(c, slot, x);
      rest -= x;
    }
    // 3. the insurance fund down to its floor, capped per account per window
    if (rest > 0 && cfg.insurance) {
      const std::int64_t floor =
          asset < cfg.insurance_floor.size() ? cfg.insurance_floor[asset] : 0;
      std::int64_t avail = std::max<std::int64_t>(0, c.insurance_[asset] - floor);
      if (cfg.insurance_cap_per_account > 0) {
        if (w.window_drawn[slot] == 0 ||
            time_ns - w.window_start_ns[slot] >= cfg.insurance_cap_window_ns) {
          w.window_start_ns[slot] = time_ns;
          w.window_drawn[slot] = 0;
        }
        avail = std::min(avail, cfg.insurance_cap_per_account - w.window_drawn[slot]);
      }
      const std::int64_t x = std::min(rest, avail);
      if (x > 0) {
        record(c, WaterfallKind::kInsuranceDraw, 3, WaterfallReason::kCover, asset, kNoInstrument,
               id, x, c.insurance_[asset], c.insurance_[asset] - x);
        c.insurance_[asset] -= x;
        w.window_drawn[slot] += x;
        credit(c, slot, x);
        rest -= x;
      }
    }
    // 4. the venue's tranche
    if (rest > 0 && cfg.venue_tranche && w.venue_tranche[asset] > 0) {
      const std::int64_t x = std::min(rest, w.venue_tranche[asset]);
      record(c, WaterfallKind::kVenueTranche, 4, WaterfallReason::kCover, asset, kNoInstrument, id,
             x, w.venue_tranche[asset], w.venue_tranche[asset] - x);
      w.venue_tranche[asset] -= x;
      credit(c, slot, x);
      rest -= x;
    }
    // 5. the other members' contributions, pro rata
    if (rest > 0 && cfg.default_fund) {
      const Int128 pool = members_total(c, slot, asset);
      if (pool > 0) {
        const std::int64_t need = static_cast<std::int64_t>(std::min<Int128>(rest, pool));
        std::int64_t charged = 0;
        for (std::uint32_t k = 0; k < w.member_count; ++k) {
          const std::uint32_t m = w.members[k];
          if (m == slot || c.accounts_[m].asset != asset || w.contribution[m] <= 0) continue;
          // ceil(need * c_m / pool) <= c_m because need <= pool.
          const auto share =
              static_cast<std::int64_t>(div_round_up(Int128{need} * w.contribution[m], pool));
          record(c, WaterfallKind::kDefaultFundDraw, 5, WaterfallReason::kCover, asset,
                 kNoInstrument, c.accounts_[m].id, share, w.contribution[m],
                 w.contribution[m] - share);
          w.contribution[m] -= share;
          charged += share;
        }
        w.default_fund[asset] -= charged;
        credit(c, slot, need);
        if (charged > need) {
          record(c, WaterfallKind::kRemainder, 5, WaterfallReason::kRounding, asset, kNoInstrument,
                 0, charged - need, c.insurance_[asset], c.insurance_[asset] + charged - need);
          c.insurance_[asset] += charged - need;
        }
        rest -= need;
      }
    }
    // 6. per-instrument policy, the rest split over the closed positions by their losses
    if (rest > 0 && taken_count > 0 && backstop != kNoSlot) {
      Int128 total_loss = 0;
      for (std::uint32_t j = 0; j < taken_count; ++j)
        total_loss += taken[j].loss;
      const std::int64_t to_split = rest;
      std::int64_t assigned = 0;
      for (std::uint32_t j = 0; j < taken_count && rest > 0; ++j) {
        std::int64_t part;
        if (total_loss == 0) {
          part = j == 0 ? to_split : 0;
        } else if (j + 1 == taken_count) {
          part = to_split - assigned;
        } else {
          part = static_cast<std::int64_t>(std::min<Int128>(
              div_round_up(Int128{to_split} * taken[j].loss, total_loss), to_split - assigned));
        }
        assigned += part;
        if (part <= 0) continue;
        const std::int64_t covered = instrument_policy(c, slot, backstop, taken[j], part);
        rest -= covered;
      }
    }
    // 7. member assessment, pro rata to what each other member has committed to the default fund
    if (rest > 0 && cfg.assessment) {
      const Int128 pool = members_committed(c, slot, asset);
      if (pool > 0) {
        const std::int64_t x = cfg.assessment_cap > 0 ? std::min(rest, cfg.assessment_cap) : rest;
        std::int64_t charged = 0;
        for (std::uint32_t k = 0; k < w.member_count; ++k) {
          const std::uint32_t m = w.members[k];
          if (m == slot || c.accounts_[m].asset != asset || w.committed[m] <= 0) continue;
          const auto share =
              static_cast<std::int64_t>(div_round_up(Int128{x} * w.committed[m], pool));
          record(c, WaterfallKind::kAssessment, 7, WaterfallReason::kCover, asset, kNoInstrument,
                 c.accounts_[m].id, share, w.owed[m], w.owed[m] + share);
          w.owed[m] += share;
          charged += share;
        }
        w.receivable[asset] += charged;
        credit(c, slot, x);
        if (charged > x) {
          record(c, WaterfallKind::kRemainder, 7, WaterfallReason::kRounding, asset, kNoInstrument,
                 0, charged - x, c.insurance_[asset], c.insurance_[asset] + charged - x);
          c.insurance_[asset] += charged - x;
        }
        rest -= x;
      }
    }
    // 8. bad debt: recorded, never hidden
    if (rest > 0) {
      record(c, WaterfallKind::kBadDebt, 8, WaterfallReason::kCover, asset, kNoInstrument, id, rest,
             w.bad_debt[asset], w.bad_debt[asset] + rest);
      w.bad_debt[asset] += rest;
      credit(c, slot, rest);
    }
  }

  template <class Core>
  static Int128 members_total(const Core& c, std::uint32_t slot, std::uint8_t asset) noexcept {
    Int128 pool = 0;
    for (std::uint32_t k = 0; k < c.wf_.member_count; ++k) {
      const std::uint32_t m = c.wf_.members[k];
      if (m != slot && c.accounts_[m].asset == asset && c.wf_.contribution[m] > 0)
        pool += c.wf_.contribution[m];
    }
    return pool;
  }

  template <class Core>
  static Int128 members_committed(const Core& c, std::uint32_t slot, std::uint8_t asset) noexcept {
    Int128 pool = 0;
    for (std::uint32_t k = 0; k < c.wf_.member_count; ++k) {
      const std::uint32_t m = c.wf_.members[k];
      if (m != slot && c.accounts_[m].asset == asset) pool += c.wf_.committed[m];
    }
    return pool;
  }

  // Tier 6 for one closed position: covers up to `part` of the defaulter's deficit; returns what
  // was covered (credited to the defaulter).
  template <class Core>
  static std::int64_t instrument_policy(Core& c, std::uint32_t slot, std::uint32_t backstop,
                                        const Taken& t, std::int64_t part) noexcept {
    const WaterfallConfig& cfg = c.wf_config_;
    const AdlPolicy policy = t.instrument < cfg.instrument_policy.size()
                                 ? cfg.instrument_policy[t.instrument]
                                 : cfg.policy;
    if (policy == AdlPolicy::kNone) return 0;
    if (policy == AdlPolicy::kSocialized) return socialize(c, slot, t, part);
    // ADL: close up to the lots taken over that the backstop still holds in that direction, each
    // at the bankruptcy price of the defaulter's position: ceil(part / its lots) per lot (lots
    // that cannot be closed leave their share to the next tier).
    const std::uint32_t bpos = c.find_position(backstop, t.instrument);
    if (bpos == kNoSlot) return 0;
    const std::int64_t bq = c.positions_[bpos].qty;
    if ((bq > 0) != (t.qty > 0)) return 0;
    const std::int64_t abs_t = t.qty < 0 ? -t.qty : t.qty;
    const std::int64_t lots = std::min(abs_t, bq < 0 ? -bq : bq);
    const std::int64_t per_lot =
        cfg.price == AdlPrice::kBankruptcy
            ? static_cast<std::int64_t>(div_round_up(Int128{part}, Int128{abs_t}))
            : 0;
    const std::uint32_t side = adl_side_of(-t.qty);
    std::int64_t paid = 0;
    if (policy == AdlPolicy::kRanked && cfg.adl_full_sort) {
      // The reference: score every eligible position, sort, take in order.
      AdlRanking::Candidate* all = c.adl_.sort_scratch();
      std::uint32_t m = 0;
      for (std::uint32_t a = 0; a < c.account_count_; ++a) {
        if (score_of(c, t.instrument, side, a, all[m])) ++m;
      }
      std::sort(all, all + m, [](const AdlRanking::Candidate& x, const AdlRanking::Candidate& y) {
        return AdlRanking::better(x, y);
      });
      std::int64_t left = lots;
      paid = close_in_order(c, slot, backstop, t, all, m, per_lot, left);
    } else if (policy == AdlPolicy::kRanked) {
      const auto& s = c.state_[t.instrument];
      if (!c.adl_.usable(t.instrument, s.mark, s.long_funding_index, s.short_funding_index)) {
        rebuild_ranking(c);
      }
      auto eval = [&c, &t, side](std::uint32_t cand, AdlRanking::Candidate& out) {
        return score_of(c, t.instrument, side, cand, out);
      };
      c.adl_.begin(t.instrument, side, s.mark, c.risk_[t.instrument], cfg.score);
      // In batches: first the counterparties a batch needs (by the sizes the ranking scored),
      // then their rows loaded together, then the closes. The same allocation as one at a time:
      // the order does not depend on the closes (a close touches only the counterparty already
      // handed out, the backstop and the defaulter), and a batch stops at the first counterparty
      // that covers what is left. What it buys: the cache misses of a batch's rows overlap
      // instead of queueing one close after another.
      std::array<AdlRanking::Candidate, kAdlBatch> batch;
      std::int64_t left = lots;
      bool exhausted = false;
      while (left > 0 && !exhausted) {
        std::uint32_t n = 0;
        for (std::int64_t need = left; n < kAdlBatch && need > 0; ++n) {
          if (!c.adl_.next(eval, batch[n])) {
            exhausted = true;
            break;
          }
          c.prefetch_slot(batch[n].slot);
          need -= batch[n].lots;
        }
        for (std::uint32_t k = 0; k < n; ++k) {
          c.prefetch_triggers(batch[k].slot);
        }
        // each close erases a heap entry, which moves the heap's last entry: load those rows too
        c.index_[t.instrument].prefetch_tail(side == 0 ? HeapSide::kLong : HeapSide::kShort, n);
        paid += close_in_order(c, slot, backstop, t, batch.data(), n, per_lot, left);
      }
      c.adl_.end();
    } else {
      paid = pro_rata(c, slot, backstop, t, lots, per_lot, side);
    }
    // The per-lot payment is rounded up: the excess over the need goes to the insurance fund.
    if (paid > part) {
      to_insurance(c, slot, paid - part, WaterfallKind::kRemainder, 6, WaterfallReason::kRounding);
      paid = part;
    }
    return paid;
  }

  // Closes the backstop's taken-over position against `cands[0..n)` in that order, each as far as
  // its position and `left` allow, until `left` lots are closed; returns what they paid.
  template <class Core>
  static std::int64_t close_in_order(Core& c, std::uint32_t slot, std::uint32_t backstop,
                                     const Taken& t, const AdlRanking::Candidate* cands,
                                     std::uint32_t n, std::int64_t per_lot,
                                     std::int64_t& left) noexcept {
    std::int64_t paid = 0;
    for (std::uint32_t k = 0; k < n && left > 0; ++k) {
      const std::uint32_t cp = cands[k].slot;
      const std::int64_t cq = c.positions_[c.find_position(cp, t.instrument)].qty;
      const std::int64_t x = std::min(left, cq < 0 ? -cq : cq);
      paid += adl_fill(c, slot, backstop, cp, t, x, per_lot);
      left -= x;
    }
    return paid;
  }

  // Closes x lots of the backstop's taken-over position against counterparty `cp` at the mark;
  // the counterparty pays per_lot * x to the defaulter, never more than its equity.
  template <class Core>
  static std::int64_t adl_fill(Core& c, std::uint32_t slot, std::uint32_t backstop,
                               std::uint32_t cp, const Taken& t, std::int64_t x,
                               std::int64_t per_lot) noexcept {
    const auto& s = c.state_[t.instrument];
    const std::int64_t dir = t.qty > 0 ? 1 : -1;  // the backstop sells what it took (long: sell)
    auto& ca = c.accounts_[cp];
    const std::uint8_t asset = ca.asset;
    const Int128 effect = c.trade_side(backstop, t.instrument, -dir * x, s.mark, 0) +
                          c.trade_side(cp, t.instrument, dir * x, s.mark, 0);
    c.insurance_[asset] -= static_cast<std::int64_t>(effect);
    const Int128 equity = c.evaluate_margin(cp).equity;
    const Int128 want = Int128{per_lot} * x;
    const std::int64_t pay =
        static_cast<std::int64_t>(std::max<Int128>(0, std::min<Int128>(want, equity)));
    record(c, WaterfallKind::kAdlClose, 6, WaterfallReason::kTransfer, asset, t.instrument, ca.id,
           x, s.mark, per_lot);
    record(c, WaterfallKind::kAdlFill, 6, WaterfallReason::kCover, asset, t.instrument, ca.id, pay,
           ca.balance, ca.balance - pay);
    ca.balance -= pay;
    credit(c, slot, pay);
    c.wf_.adl_paid[asset] += pay;
    ++c.wf_.adl_fills;
    refresh_one(c, cp);
    return pay;
  }

  template <class Core>
  static std::int64_t pro_rata(Core& c, std::uint32_t slot, std::uint32_t backstop, const Taken& t,
                               std::int64_t lots, std::int64_t per_lot,
                               std::uint32_t side) noexcept {
    // Eligible: every healthy non-backstop position on the side (the trigger heap holds exactly
    // the healthy ones). scratch_ holds their slots, then their allocations.
    const HeapSide hs = side == 0 ? HeapSide::kLong : HeapSide::kShort;
    const auto& idx = c.index_[t.instrument];
    const std::uint32_t n = side == 0 ? idx.long_count() : idx.short_count();
    auto* cand = c.adl_.pro_rata_scratch();
    std::uint32_t m = 0;
    Int128 total = 0;
    for (std::uint32_t k = 0; k < n; ++k) {
      const std::uint32_t pos = idx.entry(hs, k).position;
      const std::uint32_t cs = pos / c.positions_per_account_;
      if (is_backstop(c, cs) || cs == slot) continue;
      const std::int64_t q = c.positions_[pos].qty;
      cand[m++] = AdlRanking::Share{cs, c.accounts_[cs].id, q < 0 ? -q : q, 0, 0};
      total += q < 0 ? -q : q;
    }
    if (m == 0) return 0;
    const std::int64_t want = static_cast<std::int64_t>(std::min<Int128>(lots, total));
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
        paid += adl_fill(c, slot, backstop, cand[k].slot, t, cand[k].lots, per_lot);
    }
    return paid;
  }

  template <class Core>
  static std::int64_t socialize(Core& c, std::uint32_t slot, const Taken& t,
                                std::int64_t part) noexcept {
    auto& s = c.state_[t.instrument];
    const std::int64_t lots = s.open_interest;  // the winning side's lots (Σ longs = Σ shorts)
    if (lots <= 0) return 0;
    const std::int64_t per_lot =
        static_cast<std::int64_t>(div_round_up(Int128{part}, Int128{lots}));
    const bool winners_long = t.qty < 0;
    // Folded into the winners' funding index: settled lazily, exactly like funding.
    if (winners_long) {
      s.long_funding_index += per_lot;
    } else {
      s.short_funding_index -= per_lot;
    }
    c.wf_.socialized_index[std::size_t{t.instrument} * 2 + (winners_long ? 0 : 1)] += per_lot;
    const std::uint8_t asset = c.accounts_[slot].asset;
    c.wf_.socialized[asset] += part;
    record(c, WaterfallKind::kSocializedLoss, 6, WaterfallReason::kCover, asset, t.instrument, 0,
           part, per_lot, lots);
    credit(c, slot, part);
    const Int128 excess = Int128{per_lot} * lots - part;
    if (excess > 0) {
      record(c, WaterfallKind::kRemainder, 6, WaterfallReason::kRounding, asset, t.instrument, 0,
             static_cast<std::int64_t>(excess), c.insurance_[asset],
             static_cast<std::int64_t>(c.insurance_[asset] + excess));
      c.insurance_[asset] += static_cast<std::int64_t>(excess);
    }
    c.rebuild_payers(t.instrument, winners_long ? HeapSide::kLong : HeapSide::kShort);
    return part;
  }
};

}  // namespace backstop
