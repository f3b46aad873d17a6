// The risk core: the single writer of all risk state. Applies one event at a time (MarkPrice, Fill,
// Deposit, Withdraw, FundingRate, AccountConfig, InstrumentConfig), keeps every account's margin
// exact and incrementally up to date, and reports the accounts that crossed their maintenance
// margin (or zero equity) through the cushion-budget trigger index of DESIGN §4. Owned by the risk
// engine thread (one writer, no locks). Every pool is allocated by the constructor; process() never
// allocates, never throws, takes no lock and calls nothing virtual. Cost per event:
//   MarkPrice that fires nothing   O(1): two heap peeks (+ one pass over the liquidatable list)
//   MarkPrice firing k triggers    O(k * (P + P log n)), P = the account's positions
//   Fill                           O(P log n) for each of the two accounts
//   Deposit / Withdraw             O(P log n)
//   FundingRate                    O(h * P log n), h = holders on the paying side: every payer's
//                                  cushion shrinks at once, so their triggers are rebuilt (DESIGN
//                                  §4 allows this; funding comes every 1-8 hours). Receivers keep
//                                  theirs.
//   an event reaching a due time of the periodic ADL-quantile output (off by default): one ADL
//                                  ranking rebuild, O(n log n), and O(accounts x instruments).
//
// Triggers are conservative and may be stale only in the safe direction: outside a pop, a refresh
// moves a trigger only when the fresh one is closer to the mark (LiquidationIndex::tighten); a
// trigger left further out than needed fires early, costs one exact recompute, and is re-split
// then.
//
// Liquidatable accounts: an account with equity < MM is taken out of the trigger index and put in a
// "flagged" list; the event that flags it outputs kBecameLiquidatable (or kBecameBankrupt), and the
// account stays flagged - re-evaluated on every mark of an instrument it holds and whenever it is
// touched - until it recovers (kRecovered) or, later, the waterfall (issue 4) acts on it.
// liquidatable() lists the flagged accounts at any time.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <vector>

#include "backstop/account.hpp"
#include "backstop/events.hpp"
#include "backstop/huge_array.hpp"
#include "backstop/id_map.hpp"
#include "backstop/instrument.hpp"
#include "backstop/liquidation_index.hpp"
#include "backstop/margin.hpp"
#include "backstop/money.hpp"
#include "backstop/reject_code.hpp"
#include "backstop/risk_config.hpp"
#include "backstop/waterfall.hpp"

namespace backstop {

struct AccountMargin {
  Int128 equity;       // balance + Σ (upnl - accrued funding)
  Int128 maintenance;  // Σ MM_i
  Int128 initial;      // Σ IM_i
};

struct OrderCheck {
  RejectCode code;    // kOk: the account can afford the order
  Int128 free_after;  // equity - initial margin after the hypothetical fill, at the current mark
};

// Snapshot save and restore (src/pipeline/risk_state_io.hpp): cold, reads and rebuilds the pools.
struct RiskStateIo;

class RiskEngine {
  friend struct RiskStateIo;

 public:
  // Allocates every pool (cold). Throws std::invalid_argument("key: reason") on an invalid config:
  // construction is the only place allowed to fail loudly.
  explicit RiskEngine(const RiskConfig& config)
      : positions_per_account_(config.positions_per_account),
        max_accounts_(config.max_accounts),
        asset_count_(config.asset_count),
        max_abs_funding_rate_e8_(config.max_abs_funding_rate_e8) {
    const std::string error = validate_config(config);
    if (!error.empty()) throw std::invalid_argument(error);
    instrument_count_ = static_cast<std::uint32_t>(config.instruments.size());
    accounts_ = make_huge_array<Account>(max_accounts_);
    positions_ = make_huge_array<Position>(std::size_t{max_accounts_} * positions_per_account_);
    ids_ = IdMap(max_accounts_);
    risk_ = std::make_unique<InstrumentRisk[]>(instrument_count_);
    state_ = std::make_unique<InstrumentState[]>(instrument_count_);
    // One heap pair per instrument, each sized for every account holding it at once.
    triggers_ = make_huge_array<TriggerEntry>(std::size_t{instrument_count_} * max_accounts_);
    index_ = std::make_unique<LiquidationIndex[]>(instrument_count_);
    for (std::uint32_t i = 0; i < instrument_count_; ++i) {
      risk_[i] = make_instrument_risk(config.instruments[i]);
      state_[i] = InstrumentState{config.instruments[i].initial_mark.raw(), 0, 0, 0};
      index_[i] = LiquidationIndex(triggers_.get() + std::size_t{i} * max_accounts_, max_accounts_,
                                   positions_.get());
    }
    flagged_ = std::make_unique<std::uint32_t[]>(max_accounts_);
    scratch_ = std::make_unique<std::uint32_t[]>(max_accounts_);
    // An account changes status at most once per event (a second refresh in the same event finds
    // the same status); a fill adds at most two under-IM records.
    // A liquidation adds a second change for the defaulter (flagged, then recovered) and may
    // flag others (cascades): three per account bounds it.
    output_capacity_ = 3 * std::size_t{max_accounts_} + 8;
    outputs_ = std::make_unique<RiskOutput[]>(output_capacity_);
    // Waterfall state (issue 4): new canonical state lives in wf_ (waterfall.hpp), the ADL ranking
    // cache (derived) in adl_; both allocated here only.
    wf_config_ = config.waterfall;
    wf_.allocate(max_accounts_, instrument_count_);
    const bool liquidating = wf_config_.mode != LiquidationMode::kOff;
    wf_record_capacity_ = !liquidating                     ? 256
                          : wf_config_.audit_capacity != 0 ? wf_config_.audit_capacity
                                                           : 4 * std::size_t{max_accounts_} + 256;
    wf_records_ = std::make_unique<WaterfallRecord[]>(wf_record_capacity_);
    if (liquidating) {
      adl_ = AdlRanking(instrument_count_, max_accounts_, wf_config_.adl_dirty_capacity,
                        wf_config_.adl_band_ppm);
    }
    if (liquidating && wf_config_.adl_quantile_interval_ns > 0) {
      // An account changes at most min(instruments, 2 x positions) quantiles between two
      // publications (every position it held then, and every one it holds now).
      adl_q_capacity_ = wf_config_.adl_quantile_capacity != 0
                            ? wf_config_.adl_quantile_capacity
                            : std::size_t{max_accounts_} *
                                  std::min(instrument_count_, 2 * positions_per_account_);
      adl_q_records_ = std::make_unique<AdlQuantileRecord[]>(adl_q_capacity_);
      adl_published_ =
          std::make_unique<std::uint8_t[]>(std::size_t{max_accounts_} * instrument_count_);
    }
  }

  RiskEngine(const RiskEngine&) = delete;
  RiskEngine& operator=(const RiskEngine&) = delete;

  // Applies one event. On a rejection nothing is changed. The records of this event are in
  // outputs() until the next call.
  EventResult process(const Event& e) noexcept {
    output_count_ = 0;
    wf_record_count_ = 0;
    adl_q_count_ = 0;
    RejectCode code = RejectCode::kUnknownEventType;
    switch (e.type) {
      case EventType::kMarkPrice:
        code = on_mark(e);
        break;
      case EventType::kFill:
        code = on_fill(e);
        break;
      case EventType::kDeposit:
        code = on_deposit(e);
        break;
      case EventType::kWithdraw:
        code = on_withdraw(e);
        break;
      case EventType::kFundingRate:
        code = on_funding(e);
        break;
      case EventType::kAccountConfig:
        code = on_account_config(e);
        break;
      case EventType::kInstrumentConfig:
        code = on_instrument_config(e);
        break;
      case EventType::kFundDeposit:
        code = Waterfall::on_fund_deposit(*this, e);
        break;
      case EventType::kNone:
        break;
    }
    if (code == RejectCode::kOk && wf_config_.mode != LiquidationMode::kOff &&
        flagged_count_ != 0) {
      Waterfall::run(*this, e.time_ns);
    }
    if (output_count_ > 1) {
      // Deterministic order whatever order the heaps fired in.
      std::sort(outputs_.get(), outputs_.get() + output_count_,
                [](const RiskOutput& a, const RiskOutput& b) {
                  return a.account != b.account ? a.account < b.account : a.type < b.type;
                });
    }
    if (adl_q_capacity_ != 0) publish_adl_quantiles(e.time_ns);
    return EventResult{code, static_cast<std::uint32_t>(output_count_)};
  }

  std::span<const RiskOutput> outputs() const noexcept { return {outputs_.get(), output_count_}; }

  // A hint from a caller that already holds its next events: starts loading the records a fill or
  // a transfer will touch (the accounts and their first positions), so that those cache misses
  // overlap the work in between instead of stalling process(). Changes nothing; O(1).
  void prefetch(const Event& e) const noexcept {
    if (e.type == EventType::kFill) {
      prefetch_account(e.fill.taker);
      prefetch_account(e.fill.maker);
    } else if (e.type == EventType::kDeposit || e.type == EventType::kWithdraw) {
      prefetch_account(e.transfer.account);
    }
  }

  // Pre-trade check (exchange-core's risk hold is the model): could `account` afford buying/selling
  // `size` lots of `instrument` at `price`? Evaluated at the current mark, as if filled; an order
  // that only reduces the position is always affordable. O(the account's positions); changes
  // nothing.
  OrderCheck check_order(std::uint64_t account, std::uint16_t instrument, Side side, Qty size,
                         Price price) const noexcept {
    const std::uint32_t slot = find_slot(account);
    if (slot == kNoSlot) return {RejectCode::kUnknownAccount, 0};
    if (instrument >= instrument_count_) return {RejectCode::kUnknownInstrument, 0};
    if (side != Side::kBuy && side != Side::kSell) return {RejectCode::kInvalidSide, 0};
    if (size.raw() <= 0) return {RejectCode::kNonPositiveQty, 0};
    if (price.raw() <= 0) return {RejectCode::kNonPositivePrice, 0};
    const InstrumentRisk& r = risk_[instrument];
    if (price.raw() < r.min_price || price.raw() > r.max_price)
      return {RejectCode::kPriceOutOfBand, 0};
    if (accounts_[slot].asset != r.settlement_asset) return {RejectCode::kAssetMismatch, 0};
    if (size.raw() > r.max_position) return {RejectCode::kPositionLimit, 0};
    const std::uint32_t existing = find_position(slot, instrument);
    if (existing == kNoSlot && accounts_[slot].position_count == positions_per_account_) {
      return {RejectCode::kPositionCapacity, 0};
    }
    Position pos = existing == kNoSlot
                       ? Position{0, 0, 0, 0, kNoSlot, instrument, HeapSide::kNone, 0}
                       : positions_[existing];
    const std::int64_t old_q = pos.qty;
    const std::int64_t delta = side == Side::kBuy ? size.raw() : -size.raw();
    const std::int64_t new_q = old_q + delta;
    if ((new_q < 0 ? -new_q : new_q) > r.max_position) return {RejectCode::kPositionLimit, 0};
    const AccountMargin before = evaluate_margin(slot);
    Int128 equity = before.equity;
    Int128 initial = before.initial;
    const InstrumentState& s = state_[instrument];
    if (old_q != 0) {
      const PositionRisk old_risk = evaluate_position(r, s, pos);
      equity -= old_risk.contribution;
      initial -= old_risk.initial;
    }
    const TradeOutcome t = apply_trade(r, s, pos, delta, price.raw());
    equity += t.realized - t.funding_settled;
    if (pos.qty != 0) {
      const PositionRisk new_risk = evaluate_position(r, s, pos);
      equity += new_risk.contribution;
      initial += new_risk.initial;
    }
    const Int128 free_after = equity - initial;
    const bool reduces_only =
        (old_q > 0 && new_q >= 0 && new_q < old_q) || (old_q < 0 && new_q <= 0 && new_q > old_q);
    if (free_after < 0 && !reduces_only) return {RejectCode::kInsufficientMargin, free_after};
    return {RejectCode::kOk, free_after};
  }

  // ---- Queries: O(1) or O(the account's positions); cold callers and tests. ----
  std::uint32_t find_account(std::uint64_t id) const noexcept { return find_slot(id); }
  std::uint32_t account_count() const noexcept { return account_count_; }
  std::uint32_t instrument_count() const noexcept { return instrument_count_; }
  const Account& account(std::uint32_t slot) const noexcept { return accounts_[slot]; }
  std::span<const Position> positions(std::uint32_t slot) const noexcept {
    return {positions_.get() + std::size_t{slot} * positions_per_account_,
            accounts_[slot].position_count};
  }
  const InstrumentRisk& instrument_risk(std::uint16_t i) const noexcept { return risk_[i]; }
  const InstrumentState& instrument_state(std::uint16_t i) const noexcept { return state_[i]; }
  const LiquidationIndex& liquidation_index(std::uint16_t i) const noexcept { return index_[i]; }
  Money insurance_fund(std::uint8_t asset) const noexcept { return Money{insurance_[asset]}; }
  Money fee_pool(std::uint8_t asset) const noexcept { return Money{fee_pool_[asset]}; }
  Money net_deposits(std::uint8_t asset) const noexcept { return Money{net_deposits_[asset]}; }
  std::uint32_t asset_count() const noexcept { return asset_count_; }
  // The whole pools, for an off-hot-path copy (snapshot, scenario revaluation): plain trivially
  // copyable records, positions of slot a at [a * positions_per_account, + position_count).
  std::span<const Account> account_pool() const noexcept {
    return {accounts_.get(), account_count_};
  }
  std::span<const Position> position_pool() const noexcept {
    return {positions_.get(), std::size_t{account_count_} * positions_per_account_};
  }
  std::uint32_t positions_per_account() const noexcept { return positions_per_account_; }

  // The flagged (liquidatable or bankrupt) accounts' slots, in no particular order.
  std::span<const std::uint32_t> liquidatable() const noexcept {
    return {flagged_.get(), flagged_count_};
  }

  AccountMargin margin(std::uint32_t slot) const noexcept { return evaluate_margin(slot); }

  // ---- Waterfall (issue 4) ----
  // The money movements of the last event, in execution order (audit records).
  std::span<const WaterfallRecord> waterfall_records() const noexcept {
    return {wf_records_.get(), wf_record_count_};
  }
  const WaterfallState& waterfall_state() const noexcept { return wf_; }
  const WaterfallConfig& waterfall_config() const noexcept { return wf_config_; }
  // ADL quantile (1-5, 5 = first to be deleveraged; 0 = none) of the account's position in
  // `instrument` as of the last ranking rebuild (refresh_adl_ranking()).
  std::uint8_t adl_quantile(std::uint32_t slot, std::uint16_t instrument) const noexcept {
    return wf_config_.mode == LiquidationMode::kOff ? 0 : adl_.quantile(instrument, slot);
  }
  // Rebuilds the ADL ranking cache and the quantiles: cold, O(n log n); call it periodically off
  // the hot path (a mark moving outside the cache's band makes the next ADL rebuild it itself).
  void refresh_adl_ranking() noexcept {
    if (wf_config_.mode != LiquidationMode::kOff) Waterfall::rebuild_ranking(*this);
  }
  // Whether refresh_adl_ranking() is due (cheap; poll it when idle, off the hot path): a ranked-ADL
  // instrument's cache is unusable (never built, or a funding or socialized-loss index moved), the
  // ranking asks for it (AdlRanking::wants_rebuild), or a mark has left the middle half of its
  // band. Without it the ranking stays exact, only slower, until ADL rebuilds it inline.
  bool adl_refresh_due() const noexcept {
    if (wf_config_.mode == LiquidationMode::kOff || !ranks_adl()) return false;
    if (adl_ranking_unusable() || adl_.wants_rebuild()) return true;
    for (std::uint16_t i = 0; i < instrument_count_; ++i) {
      const std::int64_t lo = adl_.band_lo(i);
      const std::int64_t quarter = (adl_.band_hi(i) - lo) / 4;
      if (state_[i].mark < lo + quarter || state_[i].mark > adl_.band_hi(i) - quarter) return true;
    }
    return false;
  }
  // Whether any instrument's tier 6 is ranked ADL or quantiles are published: only then is the
  // ranking worth keeping ready.
  bool ranks_adl() const noexcept {
    if (wf_config_.adl_quantile_interval_ns > 0) return true;
    for (std::uint32_t i = 0; i < instrument_count_; ++i) {
      const AdlPolicy p = i < wf_config_.instrument_policy.size() ? wf_config_.instrument_policy[i]
                                                                  : wf_config_.policy;
      if (p == AdlPolicy::kRanked) return true;
    }
    return false;
  }
  // Whether a ranked-ADL instrument's ranking is unusable at its current mark and funding indices
  // (never built, the mark left its band, a funding or socialized-loss index moved): the next ADL
  // on it would rebuild the ranking inline.
  bool adl_ranking_unusable() const noexcept {
    if (wf_config_.mode == LiquidationMode::kOff || !ranks_adl()) return false;
    for (std::uint16_t i = 0; i < instrument_count_; ++i) {
      const auto& s = state_[i];
      if (!adl_.usable(i, s.mark, s.long_funding_index, s.short_funding_index)) return true;
    }
    return false;
  }
  // The risk thread's call between batches (Engine): rebuilds the ranking when it is unusable, so
  // that ADL does not rebuild it inside a liquidation; returns whether it did. Rebuilding only for
  // speed (adl_refresh_due's other reasons) is left to the embedder's own timer: at 1M positions a
  // rebuild takes about a second.
  bool maintain_adl_ranking() noexcept {
    if (!adl_ranking_unusable()) return false;
    refresh_adl_ranking();
    return true;
  }
  const AdlRanking& adl_ranking() const noexcept { return adl_; }
  // The periodic ADL-quantile publication of the last event (WaterfallConfig::
  // adl_quantile_interval_ns), in ascending (account id, instrument) order; empty unless the event
  // reached a due time.
  std::span<const AdlQuantileRecord> adl_quantile_records() const noexcept {
    return {adl_q_records_.get(), adl_q_count_};
  }
  // Changes left out of publications for lack of capacity (each is published at a later due
  // time).
  std::uint64_t adl_quantiles_dropped() const noexcept { return adl_q_dropped_; }
  // Canonical waterfall state for a digest or snapshot: per asset
  //   waterfall_funds(uint8 asset, default_fund, venue_tranche, receivable, bad_debt, socialized,
  //                   adl_paid)
  // then per account slot with any waterfall state
  //   waterfall_account(uint32 slot, contribution, committed, owed, deadline_ns,
  //                     window_start_ns, window_drawn)
  // then per instrument waterfall_instrument(uint16, socialized long index, socialized short
  // index); then, with the periodic ADL-quantile output on, adl_quantile_clock(next due ns) and
  // adl_quantile_published(uint32 slot, uint16 instrument, uint8 quantile) per nonzero quantile
  // last published.
  template <class Visitor>
  void visit_waterfall_state(Visitor&& v) const {
    for (std::uint32_t k = 0; k < asset_count_; ++k) {
      v.waterfall_funds(static_cast<std::uint8_t>(k), wf_.default_fund[k], wf_.venue_tranche[k],
                        wf_.receivable[k], wf_.bad_debt[k], wf_.socialized[k], wf_.adl_paid[k]);
    }
    for (std::uint32_t a = 0; a < account_count_; ++a) {
      v.waterfall_account(a, wf_.contribution[a], wf_.committed[a], wf_.owed[a], wf_.deadline_ns[a],
                          wf_.window_start_ns[a], wf_.window_drawn[a]);
    }
    for (std::uint32_t i = 0; i < instrument_count_; ++i) {
      v.waterfall_instrument(static_cast<std::uint16_t>(i), wf_.socialized_index[2 * i],
                             wf_.socialized_index[2 * i + 1]);
    }
    if (!adl_published_) return;
    v.adl_quantile_clock(adl_next_due_ns_);
    for (std::uint32_t a = 0; a < account_count_; ++a) {
      for (std::uint32_t i = 0; i < instrument_count_; ++i) {
        const std::uint8_t q = adl_published_[std::size_t{a} * instrument_count_ + i];
        if (q != 0) v.adl_quantile_published(a, static_cast<std::uint16_t>(i), q);
      }
    }
  }

  // Triggers popped by mark ticks since construction (each costs one account recompute); a
  // statistic for benchmarks and tuning.
  std::uint64_t triggers_fired() const noexcept { return triggers_fired_; }

  // Liquidation price of the account's position in `instrument`, everything else fixed: the mark at
  // which equity reaches maintenance margin, rounded towards the current mark (conservative). Long:
  // the account is liquidatable at or below it (0: never); short: at or above it (INT64_MAX:
  // never). Returns the current mark when the account is already liquidatable, 0 without a
  // position.
  Price liquidation_price(std::uint32_t slot, std::uint16_t instrument) const noexcept {
    return solve_price(slot, instrument, true);
  }
  // Bankruptcy price: where equity reaches zero; same conventions.
  Price bankruptcy_price(std::uint32_t slot, std::uint16_t instrument) const noexcept {
    return solve_price(slot, instrument, false);
  }

  // Canonical state, for a digest (issue 5) or a scenario revaluation: instruments in index order,
  // then accounts in slot order (slots are assigned in event order, so this order is itself
  // replayed), then the funds per asset. Trigger heaps are derived state and are not visited;
  // neither are a position's heap_side / heap_index fields meant to be hashed. The visitor provides
  //   instrument(uint16, const InstrumentRisk&, const InstrumentState&)
  //   account(uint32 slot, const Account&, std::span<const Position>)
  //   funds(uint8 asset, Money insurance, Money fee_pool, Money net_deposits)
  template <class Visitor>
  void visit_state(Visitor&& v) const {
    for (std::uint32_t i = 0; i < instrument_count_; ++i) {
      v.instrument(static_cast<std::uint16_t>(i), risk_[i], state_[i]);
    }
    for (std::uint32_t a = 0; a < account_count_; ++a)
      v.account(a, accounts_[a], positions(a));
    for (std::uint32_t k = 0; k < asset_count_; ++k) {
      v.funds(static_cast<std::uint8_t>(k), Money{insurance_[k]}, Money{fee_pool_[k]},
              Money{net_deposits_[k]});
    }
  }

  // ---- verify_*: full recomputations, for tests and as the benchmark baseline only. ----

  // Brute-force rescan: evaluates every account and counts those with equity < MM. O(accounts * P).
  std::uint32_t verify_rescan_liquidatable() const noexcept {
    std::uint32_t n = 0;
    for (std::uint32_t a = 0; a < account_count_; ++a) {
      const AccountMargin m = evaluate_margin(a);
      n += m.equity < m.maintenance ? 1u : 0u;
    }
    return n;
  }

  // Every heap is a heap with correct back-pointers, every open position of a healthy account is in
  // the heap of its side, and no flagged account has a trigger. O(accounts * P + n).
  bool verify_index() const noexcept {
    for (std::uint32_t i = 0; i < instrument_count_; ++i) {
      if (!index_[i].verify()) return false;
    }
    for (std::uint32_t a = 0; a < account_count_; ++a) {
      const bool flagged = accounts_[a].status != AccountStatus::kHealthy;
      if (flagged != (accounts_[a].flagged_index != kNoSlot)) return false;
      for (const Position& p : positions(a)) {
        if (p.qty == 0) return false;
        const HeapSide want =
            flagged ? HeapSide::kNone : (p.qty > 0 ? HeapSide::kLong : HeapSide::kShort);
        if (p.heap_side != want) return false;
      }
    }
    return true;
  }

  // Bytes held by every pool: accounts, positions, id map, trigger heaps, lists, outputs.
  std::size_t memory_bytes() const noexcept {
    return std::size_t{max_accounts_} * sizeof(Account) +
           std::size_t{max_accounts_} * positions_per_account_ * sizeof(Position) +
           ids_.memory_bytes() +
           std::size_t{instrument_count_} * max_accounts_ * sizeof(TriggerEntry) +
           std::size_t{instrument_count_} *
               (sizeof(InstrumentRisk) + sizeof(InstrumentState) + sizeof(LiquidationIndex)) +
           std::size_t{max_accounts_} * 2 * sizeof(std::uint32_t) +
           output_capacity_ * sizeof(RiskOutput);
  }

 private:
  friend class Waterfall;

  struct Evaluation {
    AccountMargin margin;
    std::array<Int128, kMaxPositionsPerAccount> position_maintenance;
  };

  std::uint32_t find_slot(std::uint64_t id) const noexcept {
    return ids_.find(id, [this](std::uint32_t slot) { return accounts_[slot].id; });
  }

  void prefetch_account(std::uint64_t id) const noexcept {
    const std::uint32_t slot = ids_.likely(id);
    if (slot < account_count_) prefetch_slot(slot);
  }

  // Starts loading the account row and the position rows of `slot` (a hint: ranked ADL loads a
  // batch of counterparties' rows together before closing them). A row may straddle two lines.
  void prefetch_slot(std::uint32_t slot) const noexcept {
    const Account* a = accounts_.get() + slot;
    __builtin_prefetch(a);
    __builtin_prefetch(reinterpret_cast<const char*>(a + 1) - 1);
    const Position* p = positions_.get() + position_base(slot);
    for (std::uint32_t j = 0; j < positions_per_account_; ++j) {
      __builtin_prefetch(p + j);
    }
    __builtin_prefetch(reinterpret_cast<const char*>(p + positions_per_account_) - 1);
  }
  // Starts loading the trigger-heap entries of `slot`'s positions (reads its rows: after
  // prefetch_slot).
  void prefetch_triggers(std::uint32_t slot) const noexcept {
    const std::uint32_t base = position_base(slot);
    for (std::uint32_t j = 0; j < accounts_[slot].position_count; ++j) {
      index_[positions_[base + j].instrument].prefetch(base + j);
    }
  }

  // Cold: backstop::touch_pages over every per-account table the hot path reads (Waterfall::
  // warm_after_rebuild).
  std::uint64_t touch_pages() const noexcept {
    using backstop::touch_pages;
    const std::size_t n = account_count_;
    std::uint64_t sum =
        touch_pages(accounts_.get(), n * sizeof(Account)) +
        touch_pages(positions_.get(), n * positions_per_account_ * sizeof(Position)) +
        touch_pages(triggers_.get(),
                    std::size_t{instrument_count_} * max_accounts_ * sizeof(TriggerEntry)) +
        ids_.touch_pages() + touch_pages(flagged_.get(), n * sizeof(std::uint32_t)) +
        adl_.touch_pages();
    for (const auto* t :
         {wf_.contribution.get(), wf_.committed.get(), wf_.owed.get(), wf_.deadline_ns.get(),
          wf_.window_start_ns.get(), wf_.window_drawn.get()}) {
      if (t != nullptr) sum += touch_pages(t, n * sizeof(std::int64_t));
    }
    return sum;
  }

  std::uint32_t position_base(std::uint32_t slot) const noexcept {
    return slot * positions_per_account_;
  }

  std::uint32_t find_position(std::uint32_t slot, std::uint16_t instrument) const noexcept {
    const std::uint32_t base = position_base(slot);
    for (std::uint32_t j = 0; j < accounts_[slot].position_count; ++j) {
      if (positions_[base + j].instrument == instrument) return base + j;
    }
    return kNoSlot;
  }

  AccountMargin evaluate_margin(std::uint32_t slot) const noexcept {
    AccountMargin m{accounts_[slot].balance, 0, 0};
    const std::uint32_t base = position_base(slot);
    for (std::uint32_t j = 0; j < accounts_[slot].position_count; ++j) {
      const Position& p = positions_[base + j];
      const PositionRisk pr = evaluate_position(risk_[p.instrument], state_[p.instrument], p);
      m.equity += pr.contribution;
      m.maintenance += pr.maintenance;
      m.initial += pr.initial;
    }
    return m;
  }

  void evaluate(std::uint32_t slot, Evaluation& ev) const noexcept {
    ev.margin = AccountMargin{accounts_[slot].balance, 0, 0};
    const std::uint32_t base = position_base(slot);
    for (std::uint32_t j = 0; j < accounts_[slot].position_count; ++j) {
      const Position& p = positions_[base + j];
      const PositionRisk pr = evaluate_position(risk_[p.instrument], state_[p.instrument], p);
      ev.margin.equity += pr.contribution;
      ev.margin.maintenance += pr.maintenance;
      ev.margin.initial += pr.initial;
      ev.position_maintenance[j] = pr.maintenance;
    }
  }

  void push_output(OutputType type, std::uint32_t slot, const AccountMargin& m) noexcept {
    if (output_count_ == output_capacity_) return;
    RiskOutput& o = outputs_[output_count_++];
    o = RiskOutput{};
    o.type = type;
    o.account = accounts_[slot].id;
    o.equity = Money{clamp_to_int64(m.equity)};
    o.maintenance = Money{clamp_to_int64(m.maintenance)};
    o.initial = Money{clamp_to_int64(m.initial)};
  }

  // Re-evaluates an account exactly and puts it where it belongs: healthy accounts get fresh
  // budgets and triggers, others go to (or stay in) the flagged list without triggers.
  void refresh(std::uint32_t slot, Evaluation& ev) noexcept {
    {
      const std::uint32_t base = position_base(slot);
      for (std::uint32_t j = 0; j < accounts_[slot].position_count; ++j) {
        index_[positions_[base + j].instrument].prefetch(base + j);
      }
    }
    evaluate(slot, ev);
    Waterfall::on_touch(*this, slot, ev.margin);  // its cached ADL entries are stale now
    const AccountMargin& m = ev.margin;
    const AccountStatus status = m.equity < 0               ? AccountStatus::kBankrupt
                                 : m.equity < m.maintenance ? AccountStatus::kLiquidatable
                                                            : AccountStatus::kHealthy;
    Account& acct = accounts_[slot];
    if (status != acct.status) {
      if (status == AccountStatus::kHealthy) {
        unflag(slot);
        push_output(OutputType::kRecovered, slot, m);
      } else {
        if (acct.status == AccountStatus::kHealthy) flag(slot);
        push_output(status == AccountStatus::kBankrupt ? OutputType::kBecameBankrupt
                                                       : OutputType::kBecameLiquidatable,
                    slot, m);
      }
      acct.status = status;
    }
    const std::uint32_t base = position_base(slot);
    if (status != AccountStatus::kHealthy) {
      for (std::uint32_t j = 0; j < acct.position_count; ++j) {
        index_[positions_[base + j].instrument].erase(base + j);
      }
      return;
    }
    // Cushion budgeting: split S = E - MM pro rata to each position's MM (rounded down, so Σ b_i <=
    // S).
    const Int128 cushion = m.equity - m.maintenance;
    const std::uint32_t n = acct.position_count;
    for (std::uint32_t j = 0; j < n; ++j) {
      Position& p = positions_[base + j];
      // A single position's share is the whole cushion (floor(S * MM / MM) = floor(S / 1) = S):
      // no 128-bit product and division for the usual one-instrument account.
      const Int128 budget =
          n == 1              ? cushion
          : m.maintenance > 0 ? div_round_down(cushion * ev.position_maintenance[j], m.maintenance)
                              : div_round_down(cushion, n);
      const std::int64_t trigger =
          position_trigger(risk_[p.instrument], p.qty, state_[p.instrument].mark, budget, true);
      index_[p.instrument].tighten(base + j, p.qty > 0 ? HeapSide::kLong : HeapSide::kShort,
                                   trigger);
    }
  }

  void flag(std::uint32_t slot) noexcept {
    accounts_[slot].flagged_index = flagged_count_;
    flagged_[flagged_count_++] = slot;
  }
  void unflag(std::uint32_t slot) noexcept {
    const std::uint32_t i = accounts_[slot].flagged_index;
    const std::uint32_t last = flagged_[--flagged_count_];
    flagged_[i] = last;
    accounts_[last].flagged_index = i;
    accounts_[slot].flagged_index = kNoSlot;
    wf_.deadline_ns[slot] = 0;  // recovered: a pending order-mode takeover is off
  }

  // The periodic ADL-quantile output. The first event only starts the clock; once `time_ns`
  // reaches the due time, advances it by whole intervals past `time_ns`, rebuilds the ranking
  // (O(n log n)) and records every (account, instrument) whose quantile differs from the one last
  // published, in ascending (account id, instrument) order. Beyond the capacity a change is
  // counted and left unpublished, so a later due time publishes it. No allocation: the slots are
  // sorted by id in scratch_ (free after the event's own work).
  void publish_adl_quantiles(std::int64_t time_ns) noexcept {
    const std::int64_t interval = wf_config_.adl_quantile_interval_ns;
    if (adl_next_due_ns_ == kAdlClockStopped) {
      adl_next_due_ns_ = saturated(Int128{time_ns} + interval);
      return;
    }
    if (time_ns < adl_next_due_ns_) return;
    const std::int64_t due = adl_next_due_ns_;
    const Int128 steps = (Int128{time_ns} - due) / interval + 1;
    adl_next_due_ns_ = saturated(due + steps * interval);
    refresh_adl_ranking();
    for (std::uint32_t a = 0; a < account_count_; ++a)
      scratch_[a] = a;
    std::sort(
        scratch_.get(), scratch_.get() + account_count_,
        [this](std::uint32_t x, std::uint32_t y) { return accounts_[x].id < accounts_[y].id; });
    for (std::uint32_t k = 0; k < account_count_; ++k) {
      const std::uint32_t slot = scratch_[k];
      for (std::uint32_t i = 0; i < instrument_count_; ++i) {
        const auto instrument = static_cast<std::uint16_t>(i);
        const std::uint8_t q = adl_.quantile(instrument, slot);
        std::uint8_t& last = adl_published_[std::size_t{slot} * instrument_count_ + i];
        if (q == last) continue;
        if (adl_q_count_ == adl_q_capacity_) {
          ++adl_q_dropped_;
          continue;
        }
        const std::uint32_t pos = find_position(slot, instrument);
        adl_q_records_[adl_q_count_++] = AdlQuantileRecord{
            accounts_[slot].id, time_ns, due, pos == kNoSlot ? 0 : positions_[pos].qty,
            instrument,         last,    q,   0};
        last = q;
      }
    }
  }
  static std::int64_t saturated(Int128 v) noexcept {
    return v > INT64_MAX ? INT64_MAX : static_cast<std::int64_t>(v);
  }

  // A socialized loss moved `side`'s funding index of `instrument`: every payer's cushion shrank,
  // so its triggers are rebuilt exactly as on_funding rebuilds them (O(holders log n)).
  void rebuild_payers(std::uint16_t instrument, HeapSide side) noexcept {
    Evaluation ev;
    if (flagged_count_ != 0) refresh_flagged_holding(instrument, ev);
    const LiquidationIndex& idx = index_[instrument];
    const std::uint32_t n = side == HeapSide::kLong ? idx.long_count() : idx.short_count();
    for (std::uint32_t k = 0; k < n; ++k) {
      scratch_[k] = idx.entry(side, k).position / positions_per_account_;
    }
    for (std::uint32_t k = 0; k < n; ++k)
      refresh(scratch_[k], ev);
  }

  // Re-evaluates every flagged account holding `instrument`. Backwards, because refresh() may
  // unflag the current entry, which moves an already visited one into its place.
  void refresh_flagged_holding(std::uint16_t instrument, Evaluation& ev) noexcept {
    for (std::uint32_t i = flagged_count_; i-- > 0;) {
      const std::uint32_t slot = flagged_[i];
      if (find_position(slot, instrument) != kNoSlot) refresh(slot, ev);
    }
  }

  RejectCode on_mark(const Event& e) noexcept {
    if (e.instrument >= instrument_count_) return RejectCode::kUnknownInstrument;
    const std::int64_t mark = e.mark.mark.raw();
    if (mark <= 0) return RejectCode::kNonPositivePrice;
    const InstrumentRisk& r = risk_[e.instrument];
    if (mark < r.min_price || mark > r.max_price) return RejectCode::kPriceOutOfBand;
    state_[e.instrument].mark = mark;
    Evaluation ev;
    if (flagged_count_ != 0) refresh_flagged_holding(e.instrument, ev);
    // Pop every fired trigger first, then refresh: a refreshed trigger lies strictly beyond the
    // mark, and an account holds one position per instrument, so no account is collected twice.
    LiquidationIndex& idx = index_[e.instrument];
    std::uint32_t fired = 0;
    for (std::uint32_t pos; (pos = idx.pop_fired_long(mark)) != kNoSlot;) {
      scratch_[fired++] = pos / positions_per_account_;
    }
    for (std::uint32_t pos; (pos = idx.pop_fired_short(mark)) != kNoSlot;) {
      scratch_[fired++] = pos / positions_per_account_;
    }
    triggers_fired_ += fired;
    for (std::uint32_t k = 0; k < fired; ++k)
      refresh(scratch_[k], ev);
    return RejectCode::kOk;
  }

  // Opens (or finds) the position slot of an account in an instrument; kNoSlot when full.
  std::uint32_t position_for_trade(std::uint32_t slot, std::uint16_t instrument) noexcept {
    const std::uint32_t existing = find_position(slot, instrument);
    if (existing != kNoSlot) return existing;
    Account& acct = accounts_[slot];
    const std::uint32_t pos = position_base(slot) + acct.position_count++;
    positions_[pos] = Position{0, 0, 0, 0, kNoSlot, instrument, HeapSide::kNone, 0};
    return pos;
  }

  // Closes a flat position slot, moving the account's last position into it (and its heap entry).
  void remove_position(std::uint32_t slot, std::uint32_t pos) noexcept {
    index_[positions_[pos].instrument].erase(pos);
    Account& acct = accounts_[slot];
    const std::uint32_t last = position_base(slot) + --acct.position_count;
    if (pos == last) return;
    positions_[pos] = positions_[last];
    if (positions_[pos].heap_side != HeapSide::kNone) {
      index_[positions_[pos].instrument].relocate(pos);
    }
  }

  // One side of a fill. Returns realized - cost_delta, the side's effect on Σ(balance - cost).
  Int128 trade_side(std::uint32_t slot, std::uint16_t instrument, std::int64_t delta,
                    std::int64_t price, std::int64_t fee) noexcept {
    const std::uint32_t pos = position_for_trade(slot, instrument);
    Position& p = positions_[pos];
    InstrumentState& s = state_[instrument];
    const std::int64_t old_q = p.qty;
    const TradeOutcome t = apply_trade(risk_[instrument], s, p, delta, price);
    accounts_[slot].balance =
        static_cast<std::int64_t>(accounts_[slot].balance + t.realized - t.funding_settled - fee);
    s.open_interest += std::max<std::int64_t>(p.qty, 0) - std::max<std::int64_t>(old_q, 0);
    if (p.qty == 0) {
      remove_position(slot, pos);
    } else if (p.heap_side != HeapSide::kNone && (p.heap_side == HeapSide::kLong) != (p.qty > 0)) {
      // Flipped: the trigger belongs to the other heap now; refresh() inserts it there. Otherwise
      // the old trigger stays and refresh() tightens it if the trade made it unsafe.
      index_[instrument].erase(pos);
    }
    return t.realized - t.cost_delta;
  }

  bool within_limit(std::uint32_t slot, std::uint16_t instrument,
                    std::int64_t delta) const noexcept {
    const std::uint32_t pos = find_position(slot, instrument);
    if (pos == kNoSlot && accounts_[slot].position_count == positions_per_account_) return false;
    const std::int64_t q = (pos == kNoSlot ? 0 : positions_[pos].qty) + delta;
    return (q < 0 ? -q : q) <= risk_[instrument].max_position;
  }

  RejectCode on_fill(const Event& e) noexcept {
    if (e.instrument >= instrument_count_) return RejectCode::kUnknownInstrument;
    if (e.side != Side::kBuy && e.side != Side::kSell) return RejectCode::kInvalidSide;
    const FillPayload& f = e.fill;
    const InstrumentRisk& r = risk_[e.instrument];
    if (f.price.raw() <= 0) return RejectCode::kNonPositivePrice;
    if (f.price.raw() < r.min_price || f.price.raw() > r.max_price)
      return RejectCode::kPriceOutOfBand;
    if (f.qty.raw() <= 0) return RejectCode::kNonPositiveQty;
    if (f.qty.raw() > r.max_position) return RejectCode::kPositionLimit;
    if (f.taker_fee.raw() > kMaxAmount || f.taker_fee.raw() < -kMaxAmount ||
        f.maker_fee.raw() > kMaxAmount || f.maker_fee.raw() < -kMaxAmount) {
      return RejectCode::kValueOverflow;
    }
    if (f.taker == f.maker) return RejectCode::kSelfTrade;
    const std::uint32_t taker = find_slot(f.taker);
    const std::uint32_t maker = find_slot(f.maker);
    if (taker == kNoSlot || maker == kNoSlot) return RejectCode::kUnknownAccount;
    // Both accounts' positions are needed below; start both loads now so they overlap.
    __builtin_prefetch(positions_.get() + position_base(taker));
    __builtin_prefetch(positions_.get() + position_base(maker));
    __builtin_prefetch(positions_.get() + position_base(taker) + 2);
    __builtin_prefetch(positions_.get() + position_base(maker) + 2);
    if (accounts_[taker].asset != r.settlement_asset ||
        accounts_[maker].asset != r.settlement_asset) {
      return RejectCode::kAssetMismatch;
    }
    const std::int64_t delta = e.side == Side::kBuy ? f.qty.raw() : -f.qty.raw();
    if (find_position(taker, e.instrument) == kNoSlot &&
        accounts_[taker].position_count == positions_per_account_) {
      return RejectCode::kPositionCapacity;
    }
    if (find_position(maker, e.instrument) == kNoSlot &&
        accounts_[maker].position_count == positions_per_account_) {
      return RejectCode::kPositionCapacity;
    }
    if (!within_limit(taker, e.instrument, delta) || !within_limit(maker, e.instrument, -delta)) {
      return RejectCode::kPositionLimit;
    }
    // Validated: from here on the fill is applied, even if it leaves an account under initial
    // margin.
    const Int128 effect = trade_side(taker, e.instrument, delta, f.price.raw(), f.taker_fee.raw()) +
                          trade_side(maker, e.instrument, -delta, f.price.raw(), f.maker_fee.raw());
    // The two sides' exact effects cancel; rounding only ever takes from the accounts, and the
    // taken dust (a few units at most) goes to the insurance fund, so money is conserved exactly.
    const std::uint8_t asset = r.settlement_asset;
    insurance_[asset] -= static_cast<std::int64_t>(effect);
    fee_pool_[asset] += f.taker_fee.raw() + f.maker_fee.raw();
    // Start the heap-entry loads of both accounts before refreshing either, so they overlap.
    for (const std::uint32_t slot : {taker, maker}) {
      const std::uint32_t base = position_base(slot);
      for (std::uint32_t j = 0; j < accounts_[slot].position_count; ++j) {
        index_[positions_[base + j].instrument].prefetch(base + j);
      }
    }
    Evaluation ev;
    for (const std::uint32_t slot : {taker, maker}) {
      refresh(slot, ev);
      if (ev.margin.equity < ev.margin.initial) {
        push_output(OutputType::kUnderInitialMargin, slot, ev.margin);
      }
    }
    return RejectCode::kOk;
  }

  RejectCode on_deposit(const Event& e) noexcept {
    const std::uint32_t slot = find_slot(e.transfer.account);
    if (slot == kNoSlot) return RejectCode::kUnknownAccount;
    const std::int64_t amount = e.transfer.amount.raw();
    if (amount <= 0) return RejectCode::kNonPositiveAmount;
    Account& acct = accounts_[slot];
    if (amount > kMaxAmount || acct.balance > kMaxNotional) return RejectCode::kValueOverflow;
    acct.balance += amount;
    net_deposits_[acct.asset] += amount;
    Evaluation ev;
    refresh(slot, ev);
    return RejectCode::kOk;
  }

  RejectCode on_withdraw(const Event& e) noexcept {
    const std::uint32_t slot = find_slot(e.transfer.account);
    if (slot == kNoSlot) return RejectCode::kUnknownAccount;
    const std::int64_t amount = e.transfer.amount.raw();
    if (amount <= 0) return RejectCode::kNonPositiveAmount;
    Account& acct = accounts_[slot];
    if (amount > acct.balance) return RejectCode::kInsufficientBalance;
    if (Waterfall::deficit_unresolved(*this, acct.asset)) return RejectCode::kDeficitUnresolved;
    const AccountMargin m = evaluate_margin(slot);
    if (m.equity - amount < m.initial) return RejectCode::kInsufficientMargin;
    acct.balance -= amount;
    net_deposits_[acct.asset] -= amount;
    // The cushion shrank: the account's triggers must move closer (never left stale).
    Evaluation ev;
    refresh(slot, ev);
    return RejectCode::kOk;
  }

  RejectCode on_funding(const Event& e) noexcept {
    if (e.instrument >= instrument_count_) return RejectCode::kUnknownInstrument;
    const std::int64_t rate = e.funding.rate_e8;
    if (rate > max_abs_funding_rate_e8_ || rate < -max_abs_funding_rate_e8_) {
      return RejectCode::kFundingRateOutOfRange;
    }
    const InstrumentRisk& r = risk_[e.instrument];
    InstrumentState& s = state_[e.instrument];
    // Funding per lot, x = w-value of one lot at the mark * rate: longs pay ceil(x), shorts receive
    // floor(x) (for either sign of x), and the spread times open interest goes to the insurance
    // fund.
    Int128 num;
    Int128 den;
    if (r.kind == ContractKind::kLinearPerpetual) {
      num = Int128{s.mark} * r.multiplier * rate;
      den = kFundingRateScale;
    } else {
      num = Int128{r.multiplier} * rate;
      den = Int128{s.mark} * kFundingRateScale;
    }
    const auto pay = static_cast<std::int64_t>(div_round_up(num, den));
    const auto receive = static_cast<std::int64_t>(div_round_down(num, den));
    s.long_funding_index += pay;
    s.short_funding_index += receive;
    insurance_[r.settlement_asset] += s.open_interest * (pay - receive);
    if (pay == 0 && receive == 0) return RejectCode::kOk;
    // Every payer's cushion shrank at once: rebuild their triggers (DESIGN §4). Receivers' cushions
    // grew, so their triggers stay safe (conservative); only flagged receivers may recover.
    Evaluation ev;
    if (flagged_count_ != 0) refresh_flagged_holding(e.instrument, ev);
    const LiquidationIndex& idx = index_[e.instrument];
    std::uint32_t holders = 0;
    for (HeapSide side : {HeapSide::kLong, HeapSide::kShort}) {
      const bool pays = side == HeapSide::kLong ? pay > 0 : receive < 0;
      if (!pays) continue;
      const std::uint32_t n = side == HeapSide::kLong ? idx.long_count() : idx.short_count();
      for (std::uint32_t k = 0; k < n; ++k) {
        scratch_[holders++] = idx.entry(side, k).position / positions_per_account_;
      }
    }
    for (std::uint32_t k = 0; k < holders; ++k)
      refresh(scratch_[k], ev);
    return RejectCode::kOk;
  }

  RejectCode on_account_config(const Event& e) noexcept {
    const AccountConfigPayload& a = e.account;
    if (a.asset >= asset_count_) return RejectCode::kInvalidConfig;
    if (a.mode != MarginMode::kCross && a.mode != MarginMode::kIsolated) {
      return RejectCode::kInvalidConfig;
    }
    if (find_slot(a.account) != kNoSlot) return RejectCode::kDuplicateAccount;
    if (account_count_ == max_accounts_) return RejectCode::kAccountCapacity;
    const std::uint32_t slot = account_count_++;
    accounts_[slot] = Account{a.account, 0, kNoSlot, a.asset, 0, AccountStatus::kHealthy, a.mode};
    ids_.insert(a.account, slot);
    return RejectCode::kOk;
  }

  RejectCode on_instrument_config(const Event& e) noexcept {
    if (e.instrument >= instrument_count_) return RejectCode::kUnknownInstrument;
    const InstrumentConfigPayload& c = e.instrument_config;
    InstrumentRisk& r = risk_[e.instrument];
    if (c.min_price.raw() < 1 || c.max_price < c.min_price ||
        !instrument_bounds_ok(r.kind, r.multiplier, c.max_price.raw(), c.max_position.raw())) {
      return RejectCode::kInvalidConfig;
    }
    r.min_price = c.min_price.raw();
    r.max_price = c.max_price.raw();
    r.max_position = c.max_position.raw();
    return RejectCode::kOk;
  }

  Price solve_price(std::uint32_t slot, std::uint16_t instrument, bool with_margin) const noexcept {
    const std::uint32_t pos = find_position(slot, instrument);
    if (pos == kNoSlot) return Price{0};
    const AccountMargin m = evaluate_margin(slot);
    const Int128 budget = with_margin ? m.equity - m.maintenance : m.equity;
    const std::int64_t mark = state_[instrument].mark;
    if (budget < 0) return Price{mark};
    return Price{
        position_trigger(risk_[instrument], positions_[pos].qty, mark, budget, with_margin)};
  }

  std::uint32_t positions_per_account_;
  std::uint32_t max_accounts_;
  std::uint32_t asset_count_;
  std::int64_t max_abs_funding_rate_e8_;
  std::uint32_t instrument_count_ = 0;
  std::uint32_t account_count_ = 0;
  std::uint32_t flagged_count_ = 0;
  std::size_t output_count_ = 0;
  std::size_t output_capacity_ = 0;
  std::uint64_t triggers_fired_ = 0;

  HugeArray<Account> accounts_;
  HugeArray<Position> positions_;
  IdMap ids_;
  std::unique_ptr<InstrumentRisk[]> risk_;
  std::unique_ptr<InstrumentState[]> state_;
  HugeArray<TriggerEntry> triggers_;
  std::unique_ptr<LiquidationIndex[]> index_;
  std::unique_ptr<std::uint32_t[]> flagged_;
  std::unique_ptr<std::uint32_t[]> scratch_;
  std::unique_ptr<RiskOutput[]> outputs_;
  std::array<std::int64_t, kMaxAssets> insurance_{};
  std::array<std::int64_t, kMaxAssets> fee_pool_{};
  std::array<std::int64_t, kMaxAssets> net_deposits_{};
  // ---- issue 4: the waterfall. wf_ is canonical state (snapshot + digest); adl_ is derived (a
  // cache rebuilt on demand); the records are per-event output. ----
  WaterfallConfig wf_config_;
  WaterfallState wf_;
  AdlRanking adl_;
  std::unique_ptr<WaterfallRecord[]> wf_records_;
  std::size_t wf_record_count_ = 0;
  std::size_t wf_record_capacity_ = 0;
  // The periodic ADL-quantile output (allocated only when on). adl_published_ (per account slot x
  // instrument: the quantile last published) and adl_next_due_ns_ are canonical state (snapshot
  // and digest); adl_q_dropped_ is a statistic (snapshot only); the records are per-event output.
  static constexpr std::int64_t kAdlClockStopped = INT64_MIN;  // no event seen yet
  std::unique_ptr<std::uint8_t[]> adl_published_;
  std::int64_t adl_next_due_ns_ = kAdlClockStopped;
  std::uint64_t adl_q_dropped_ = 0;
  std::unique_ptr<AdlQuantileRecord[]> adl_q_records_;
  std::size_t adl_q_count_ = 0;
  std::size_t adl_q_capacity_ = 0;
};

}  // namespace backstop
