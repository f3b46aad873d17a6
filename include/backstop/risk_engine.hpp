// The risk core: the single writer of all risk state. Applies one event at a time (MarkPrice, Fill,
// Deposit, Withdraw, FundingRate, AccountConfig, InstrumentConfig, FundDeposit, RiskControl,
// Settlement) to the
// ledger (ledger.hpp: accounts, positions, funds, margin, triggers), then hands the flagged
// accounts to the loss waterfall (waterfall.hpp), and publishes the periodic ADL quantiles
// (adl_quantiles.hpp). Owned by the risk engine thread (one writer, no locks). Every table is
// allocated by the constructor; process() never allocates, never throws, takes no lock and calls
// nothing virtual. Cost per event:
//   MarkPrice that fires nothing   O(1): two heap peeks (+ one pass over the flagged list)
//   MarkPrice firing k triggers    O(k * (P + P log n)), P = the account's positions
//   Fill                           O(P log n) for each of the two accounts
//   Deposit / Withdraw             O(P log n)
//   FundingRate                    O(h * P log n), h = holders on the paying side: every payer's
//                                  cushion shrinks at once, so their triggers are rebuilt
//                                  (docs/design.md §4 allows this; funding comes every 1-8 hours).
//                                  Receivers keep theirs.
//   a liquidation                  as liquidation.hpp and funding_tiers.hpp say
//   Settlement                     O(h log h + f + h * P log n), h = the dated future's holders
//                                  (its trigger-heap entries and flagged holders: no scan of the
//                                  accounts), f = flagged accounts (settlement.hpp)
//   an event reaching a due time of the periodic ADL-quantile output (off by default): one ADL
//                                  ranking rebuild, O(n log n), and O(accounts x instruments).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "backstop/account.hpp"
#include "backstop/adl_quantiles.hpp"
#include "backstop/adl_schedule.hpp"
#include "backstop/close_prices.hpp"
#include "backstop/events.hpp"
#include "backstop/ledger.hpp"
#include "backstop/order_check.hpp"
#include "backstop/reject_code.hpp"
#include "backstop/risk_config.hpp"
#include "backstop/settlement.hpp"
#include "backstop/state_feed.hpp"
#include "backstop/waterfall.hpp"
#include "backstop/waterfall_context.hpp"
#include "backstop/waterfall_records.hpp"
#include "backstop/waterfall_state.hpp"

namespace backstop {

class RiskEngine {
 public:
  // Allocates every table (cold, risk_engine.cpp). Throws std::invalid_argument("key: reason") on
  // an invalid config: construction is the only place allowed to fail loudly.
  explicit RiskEngine(const RiskConfig& config);

  RiskEngine(const RiskEngine&) = delete;
  RiskEngine& operator=(const RiskEngine&) = delete;

  // Applies one event. A rejected event changes nothing but the ADL-quantile clock, which follows
  // every event's time (adl_quantiles.hpp). The records of this event are in outputs(),
  // waterfall_records() and adl_quantile_records() until the next call.
  EventResult process(const Event& e) noexcept {
    ledger_.clear_outputs();
    audit_.clear();
    quantiles_.clear();
    const bool feed = touches_.enabled();  // the account-state feed's bookkeeping, only when on
    if (feed) [[unlikely]]
      touches_.begin_event();
    // Fills and marks, which come by the million, are tested first: the switch in apply() compiles
    // to an indirect jump, slower for them than two compares.
    const RejectCode code = !flags_valid(e)                   ? RejectCode::kUnknownFlags
                            : e.type == EventType::kFill      ? on_fill(e)
                            : e.type == EventType::kMarkPrice ? on_mark(e)
                                                              : apply(e);
    if (code == RejectCode::kOk && wf_config_.mode != LiquidationMode::kOff &&
        !ledger_.flagged().empty()) {
      run_waterfall(waterfall_, e.time_ns);
    }
    if (code == RejectCode::kOk && wf_config_.drawdown_ppm != 0) [[unlikely]] {
      drawdown_after_event(waterfall_, e.time_ns);
    }
    ledger_.sort_outputs();
    quantiles_.after_event(e.time_ns);
    if (feed) [[unlikely]] {
      moved_instrument_ = code == RejectCode::kOk && (e.type == EventType::kMarkPrice ||
                                                      e.type == EventType::kFundingRate ||
                                                      e.type == EventType::kSettlement)
                              ? e.instrument
                              : kNoInstrument;
    }
    return EventResult{code, static_cast<std::uint32_t>(ledger_.outputs().size())};
  }

  // ---- The account-state feed (state_feed.hpp; RiskConfig::state_feed) ----
  bool feeds_state() const noexcept { return touches_.enabled(); }
  // The state the last event left, as StateRecords handed to `sink` in a fixed order: each
  // account it touched (first-touch order) with all its open positions, the instrument whose mark
  // or funding indices it moved, then each asset whose funds changed since the last call. Cost:
  // O(touched accounts x their positions + assets). Nothing when the feed is off.
  template <class Sink>
  void emit_state(Sink&& sink) noexcept {
    if (!touches_.enabled()) return;
    for (const std::uint32_t slot : touches_.accounts())
      emit_account(slot, sink);
    if (moved_instrument_ != kNoInstrument) emit_instrument(moved_instrument_, sink);
    emit_funds(sink, false);
  }
  // The whole state, for a consumer that starts now (after a restore, or at the start of a run):
  // every account, every instrument, every asset's funds. Cold: O(accounts x positions).
  template <class Sink>
  void emit_full_state(Sink&& sink) noexcept {
    for (std::uint32_t slot = 0; slot < account_count(); ++slot)
      emit_account(slot, sink);
    for (std::uint32_t i = 0; i < instrument_count(); ++i)
      emit_instrument(static_cast<std::uint16_t>(i), sink);
    emit_funds(sink, true);
  }

  // The status changes of the last event, sorted by (account id, type).
  std::span<const RiskOutput> outputs() const noexcept { return ledger_.outputs(); }

  // A hint from a caller that already holds its next events: starts loading the records a fill or
  // a transfer will touch (the accounts and their first positions), so that those cache misses
  // overlap the work in between instead of stalling process(). Changes nothing; O(1).
  void prefetch(const Event& e) const noexcept {
    if (e.type == EventType::kFill) {
      ledger_.prefetch_account(e.fill.taker);
      ledger_.prefetch_account(e.fill.maker);
    } else if (e.type == EventType::kDeposit || e.type == EventType::kWithdraw) {
      ledger_.prefetch_account(e.transfer.account);
    }
  }

  // Pre-trade check (order_check.hpp).
  OrderCheck check_order(std::uint64_t account, std::uint16_t instrument, Side side, Qty size,
                         Price price) const noexcept {
    return backstop::check_order(ledger_, account, instrument, side, size, price);
  }

  // ---- Queries: O(1) or O(the account's positions); cold callers and tests. ----
  const Ledger& ledger() const noexcept { return ledger_; }
  std::uint32_t find_account(std::uint64_t id) const noexcept { return ledger_.find_slot(id); }
  std::uint32_t account_count() const noexcept { return ledger_.account_count(); }
  std::uint32_t instrument_count() const noexcept { return ledger_.instrument_count(); }
  std::uint32_t asset_count() const noexcept { return ledger_.asset_count(); }
  std::uint32_t positions_per_account() const noexcept { return ledger_.positions_per_account(); }
  const Account& account(std::uint32_t slot) const noexcept { return ledger_.account(slot); }
  std::span<const Position> positions(std::uint32_t slot) const noexcept {
    return ledger_.positions(slot);
  }
  std::span<const Account> account_pool() const noexcept { return ledger_.account_pool(); }
  std::span<const Position> position_pool() const noexcept { return ledger_.position_pool(); }
  const InstrumentRisk& instrument_risk(std::uint16_t i) const noexcept { return ledger_.risk(i); }
  const InstrumentState& instrument_state(std::uint16_t i) const noexcept {
    return ledger_.state(i);
  }
  const LiquidationIndex& liquidation_index(std::uint16_t i) const noexcept {
    return ledger_.liquidation_index(i);
  }
  Money insurance_fund(std::uint8_t asset) const noexcept {
    return Money{ledger_.insurance(asset)};
  }
  Money fee_pool(std::uint8_t asset) const noexcept { return Money{ledger_.fee_pool(asset)}; }
  Money net_deposits(std::uint8_t asset) const noexcept {
    return Money{ledger_.net_deposits(asset)};
  }
  // The flagged (liquidatable or bankrupt) accounts' slots, in no particular order.
  std::span<const std::uint32_t> liquidatable() const noexcept { return ledger_.flagged(); }
  // The queries an embedder asks by the venue's account id (a strong type, so that an id is never
  // taken for a slot or the other way round): empty for an unknown account, and as the slot forms
  // below say. Cold: O(P), and O(P + log(band) x brackets) for a price (close_prices.hpp).
  std::optional<AccountMargin> margin(AccountId id) const noexcept {
    const std::uint32_t slot = ledger_.find_slot(static_cast<std::uint64_t>(id));
    return slot == kNoSlot ? std::nullopt : std::optional<AccountMargin>{ledger_.margin(slot)};
  }
  std::optional<Price> liquidation_price(AccountId id, std::uint16_t instrument) const noexcept {
    const std::uint32_t slot = ledger_.find_slot(static_cast<std::uint64_t>(id));
    return slot == kNoSlot ? std::nullopt : slot_liquidation_price(slot, instrument);
  }
  std::optional<Price> bankruptcy_price(AccountId id, std::uint16_t instrument) const noexcept {
    const std::uint32_t slot = ledger_.find_slot(static_cast<std::uint64_t>(id));
    return slot == kNoSlot ? std::nullopt : slot_bankruptcy_price(slot, instrument);
  }
  // The bankruptcy price of closing `lots` (signed like the position) of it: a partial close.
  std::optional<Price> bankruptcy_price(AccountId id, std::uint16_t instrument,
                                        Qty lots) const noexcept {
    const std::uint32_t slot = ledger_.find_slot(static_cast<std::uint64_t>(id));
    return slot == kNoSlot ? std::nullopt : slot_bankruptcy_price(slot, instrument, lots);
  }

  // The same queries by internal slot (find_account()), for tests and callers that hold slots.
  AccountMargin slot_margin(std::uint32_t slot) const noexcept { return ledger_.margin(slot); }
  // Liquidation price of the account's position in `instrument`, everything else fixed: the mark
  // at which equity reaches maintenance margin (close_prices.hpp has the rounding: a long is
  // liquidatable below it, a short above; the band's edge when never; empty when always or
  // without a position).
  std::optional<Price> slot_liquidation_price(std::uint32_t slot,
                                              std::uint16_t instrument) const noexcept {
    return backstop::liquidation_price(ledger_, slot, instrument);
  }
  // Bankruptcy price: the close price at which equity after closing the whole position is zero,
  // the closing fee at that price included (close_prices.hpp); for an account already under water
  // it lies beyond the mark. Empty when no price in the band gets there, or without a position.
  std::optional<Price> slot_bankruptcy_price(std::uint32_t slot,
                                             std::uint16_t instrument) const noexcept {
    return backstop::bankruptcy_price(ledger_, slot, instrument);
  }
  std::optional<Price> slot_bankruptcy_price(std::uint32_t slot, std::uint16_t instrument,
                                             Qty lots) const noexcept {
    return backstop::bankruptcy_price(ledger_, slot, instrument, lots.raw());
  }
  // Triggers popped by mark ticks since construction; a statistic for benchmarks and tuning.
  std::uint64_t triggers_fired() const noexcept { return ledger_.triggers_fired(); }
  // Bytes held by the ledger's tables.
  std::size_t memory_bytes() const noexcept { return ledger_.memory_bytes(); }

  // ---- The waterfall ----
  // The money movements of the last event, in execution order (audit records).
  std::span<const WaterfallRecord> waterfall_records() const noexcept { return audit_.records(); }
  const WaterfallState& waterfall_state() const noexcept { return wf_state_; }
  const WaterfallConfig& waterfall_config() const noexcept { return wf_config_; }

  // ---- ADL ranking upkeep (adl_schedule.hpp) and quantiles (adl_quantiles.hpp) ----
  const AdlRanking& adl_ranking() const noexcept { return adl_.ranking(); }
  // ADL quantile (1-5, 5 = first to be deleveraged; 0 = none) of the account's position in
  // `instrument` as of the last ranking rebuild.
  std::uint8_t adl_quantile(std::uint32_t slot, std::uint16_t instrument) const noexcept {
    return adl_.quantile(slot, instrument);
  }
  // Rebuilds the ADL ranking and the quantiles: cold, O(n log n); call it periodically off the hot
  // path (a mark moving outside the ranking's band makes the next ADL rebuild it itself).
  void refresh_adl_ranking() noexcept { adl_.rebuild(); }
  bool adl_refresh_due() const noexcept { return adl_.refresh_due(); }
  bool ranks_adl() const noexcept { return adl_.ranks_adl(); }
  bool adl_ranking_unusable() const noexcept { return adl_.unusable(); }
  // The risk thread's call between batches (Engine): rebuilds the ranking when it is unusable;
  // returns whether it did.
  bool maintain_adl_ranking() noexcept { return adl_.maintain(); }
  // The periodic ADL-quantile publication of the last event, in ascending (account id,
  // instrument) order; empty unless the event reached a due time.
  std::span<const AdlQuantileRecord> adl_quantile_records() const noexcept {
    return quantiles_.records();
  }
  std::uint64_t adl_quantiles_dropped() const noexcept { return quantiles_.dropped(); }

  // ---- Persistent state (docs/design.md §8, state_records.hpp) ----
  // What a saved state must match to be restored into this engine.
  struct StateShape {
    std::uint32_t instruments;
    std::uint32_t assets;
    std::uint32_t positions_per_account;
    std::uint32_t accounts;  // in use (saving); at most max_accounts (restoring)
  };
  StateShape state_shape() const noexcept {
    return {instrument_count(), asset_count(), positions_per_account(), account_count()};
  }
  std::uint32_t max_accounts() const noexcept { return ledger_.max_accounts(); }
  // Every canonical field (and the statistics kept across a restore), once, in a fixed order: the
  // ledger's (Ledger::visit_state), the waterfall's (WaterfallState::visit), the ADL quantiles'
  // (AdlQuantilePublisher::visit). The snapshot writer and reader, the digest and the tests' state
  // comparison visit it.
  template <class V>
  void visit_state(V& v) const {
    ledger_.visit_state(v);
    wf_state_.visit(v, asset_count(), account_count(), instrument_count());
    quantiles_.visit(v);
  }
  // Restore, in two steps, into a freshly built engine whose shape matches the saved one (but for
  // the account count, at most max_accounts()): restore_state() reads every field of the same
  // list through `v` (a reader: v(Record, fields&...)); finish_restore() checks what was read and
  // rebuilds the derived state (id map, trigger heaps, the flagged list, the ADL ranking). Empty
  // when restored, else what is wrong; after an error the engine must be thrown away.
  template <class V>
  [[nodiscard]] std::string restore_state(V& v, std::uint32_t accounts) {
    if (ledger_.account_count() != 0) return "the engine is not fresh";
    if (accounts > ledger_.max_accounts()) return "more accounts than this engine's capacity";
    ledger_.restore_state(v, accounts);
    wf_state_.restore(v, asset_count(), account_count(), instrument_count());
    quantiles_.restore(v);
    return {};
  }
  [[nodiscard]] std::string finish_restore();

 private:
  static const RiskConfig& validated(const RiskConfig& config);

  RejectCode apply(const Event& e) noexcept {
    switch (e.type) {
      case EventType::kMarkPrice:
        return on_mark(e);
      case EventType::kFill:
        return on_fill(e);
      case EventType::kDeposit:
        return on_deposit(e);
      case EventType::kWithdraw:
        return on_withdraw(e);
      case EventType::kFundingRate:
        return on_funding(e);
      case EventType::kAccountConfig:
        return on_account_config(e);
      case EventType::kInstrumentConfig:
        return on_instrument_config(e);
      case EventType::kFundDeposit:
        return on_fund_deposit(e);
      case EventType::kRiskControl:
        return on_risk_control(e);
      case EventType::kSettlement:
        return on_settlement(e);
      case EventType::kNone:
        break;
    }
    return RejectCode::kUnknownEventType;
  }

  void refresh(std::uint32_t slot, Evaluation& ev) noexcept {
    ledger_.refresh(slot, ev, waterfall_);
  }

  RejectCode on_mark(const Event& e) noexcept {
    if (e.instrument >= ledger_.instrument_count()) return RejectCode::kUnknownInstrument;
    const std::int64_t mark = e.mark.mark.raw();
    if (mark <= 0) return RejectCode::kNonPositivePrice;
    const InstrumentRisk& r = ledger_.risk(e.instrument);
    // A settled future's value is its settlement price for good (docs/futures.md); an expired one
    // still takes marks until it settles.
    if (r.expiry_ns != 0 && is_settled(ledger_.state(e.instrument))) [[unlikely]] {
      return RejectCode::kInstrumentSettled;
    }
    if (mark < r.min_price || mark > r.max_price) return RejectCode::kPriceOutOfBand;
    ledger_.on_mark(e.instrument, mark, waterfall_);
    return RejectCode::kOk;
  }

  // Whether charging the fill's fees keeps both balances and the fee pool within the bounds that
  // keep every later sum in int64: a fee (or a rebate) that would push a balance below
  // -kMaxNotional (above kMaxNotional + kMaxAmount, the most a deposit allows) or the fee pool past
  // ±kMaxNotional is refused. Each fee is at most kMaxAmount (checked before), and the sums are
  // taken in 128 bits.
  bool fees_stay_bounded(std::uint32_t taker, std::uint32_t maker, std::uint8_t asset,
                         const FillPayload& f) const noexcept {
    const auto balance_ok = [this](std::uint32_t slot, std::int64_t fee) {
      const Int128 after = Int128{ledger_.account(slot).balance} - fee;
      return !(fee > 0 && after < -kMaxNotional) && !(fee < 0 && after > kMaxNotional + kMaxAmount);
    };
    const std::int64_t fees = f.taker_fee.raw() + f.maker_fee.raw();
    const Int128 pool = Int128{ledger_.fee_pool(asset)} + fees;
    const bool pool_ok = !(fees > 0 && pool > kMaxNotional) && !(fees < 0 && pool < -kMaxNotional);
    return pool_ok && balance_ok(taker, f.taker_fee.raw()) && balance_ok(maker, f.maker_fee.raw());
  }

  // A fill's validation, in order: instrument, a dated future's expiry, side, price, size, fees,
  // accounts, asset, the fees' bounds, position slots and limits. Nothing is changed before all of
  // it passed.
  RejectCode check_fill(const Event& e, std::uint32_t& taker, std::uint32_t& maker) const noexcept {
    if (e.instrument >= ledger_.instrument_count()) return RejectCode::kUnknownInstrument;
    const InstrumentRisk& r = ledger_.risk(e.instrument);
    // A dated future trades until its expiry, liquidation fills included (docs/futures.md).
    if (r.expiry_ns != 0) [[unlikely]] {
      if (is_settled(ledger_.state(e.instrument))) return RejectCode::kInstrumentSettled;
      if (e.time_ns >= r.expiry_ns) return RejectCode::kInstrumentExpired;
    }
    if (e.side != Side::kBuy && e.side != Side::kSell) return RejectCode::kInvalidSide;
    const FillPayload& f = e.fill;
    if (f.price.raw() <= 0) return RejectCode::kNonPositivePrice;
    if (f.price.raw() < r.min_price || f.price.raw() > r.max_price) {
      return RejectCode::kPriceOutOfBand;
    }
    if (f.qty.raw() <= 0) return RejectCode::kNonPositiveQty;
    if (f.qty.raw() > r.max_position) return RejectCode::kPositionLimit;
    if (f.taker_fee.raw() > kMaxAmount || f.taker_fee.raw() < -kMaxAmount ||
        f.maker_fee.raw() > kMaxAmount || f.maker_fee.raw() < -kMaxAmount) {
      return RejectCode::kValueOverflow;
    }
    if (f.taker == f.maker) return RejectCode::kSelfTrade;
    taker = ledger_.find_slot(f.taker);
    maker = ledger_.find_slot(f.maker);
    if (taker == kNoSlot || maker == kNoSlot) return RejectCode::kUnknownAccount;
    // Both accounts' positions are needed below; start both loads now so they overlap.
    ledger_.prefetch_positions(taker);
    ledger_.prefetch_positions(maker);
    if (ledger_.account(taker).asset != r.settlement_asset ||
        ledger_.account(maker).asset != r.settlement_asset) {
      return RejectCode::kAssetMismatch;
    }
    if (!fees_stay_bounded(taker, maker, r.settlement_asset, f)) return RejectCode::kValueOverflow;
    if (!ledger_.has_position_slot(taker, e.instrument) ||
        !ledger_.has_position_slot(maker, e.instrument)) {
      return RejectCode::kPositionCapacity;
    }
    const std::int64_t delta = e.side == Side::kBuy ? f.qty.raw() : -f.qty.raw();
    if (!ledger_.within_position_limit(e.instrument,
                                       ledger_.position_qty(taker, e.instrument) + delta) ||
        !ledger_.within_position_limit(e.instrument,
                                       ledger_.position_qty(maker, e.instrument) - delta)) {
      return RejectCode::kPositionLimit;
    }
    return RejectCode::kOk;
  }

  // A liquidation fill (kFlagLiquidationFill) answers a pending LiquidationOrder of its taker in
  // its instrument (order mode, a deadline set) and reduces the position without flipping it.
  RejectCode check_liquidation_fill(const Event& e, std::uint32_t taker) const noexcept {
    if (wf_config_.mode != LiquidationMode::kOrder || wf_state_.deadline_ns[taker] == 0) {
      return RejectCode::kNotUnderLiquidation;
    }
    const std::int64_t held = ledger_.position_qty(taker, e.instrument);
    const std::int64_t qty = e.fill.qty.raw();
    const bool reduces = e.side == Side::kSell ? held >= qty : -held >= qty;
    return held != 0 && reduces ? RejectCode::kOk : RejectCode::kNotUnderLiquidation;
  }

  RejectCode on_fill(const Event& e) noexcept {
    std::uint32_t taker = kNoSlot;
    std::uint32_t maker = kNoSlot;
    RejectCode code = check_fill(e, taker, maker);
    if (code != RejectCode::kOk) return code;
    if ((e.flags & kFlagLiquidationFill) != 0) [[unlikely]] {
      code = check_liquidation_fill(e, taker);
      if (code != RejectCode::kOk) return code;
      return on_liquidation_fill(e, taker, maker);
    }
    // Validated: from here on the fill is applied, even if it leaves an account under initial
    // margin.
    const FillPayload& f = e.fill;
    const std::int64_t delta = e.side == Side::kBuy ? f.qty.raw() : -f.qty.raw();
    // Per-fill audit legs only when configured at start-up. The other branch ignores what the
    // trade moved, so the compiler drops it: a predictable branch is all the legs cost when off.
    if (wf_config_.audit_balances) [[unlikely]] {
      waterfall_.record_trade(
          ledger_.trade(taker, maker, e.instrument, Qty{delta}, f.price, f.taker_fee, f.maker_fee),
          0);
    } else {
      ledger_.trade(taker, maker, e.instrument, Qty{delta}, f.price, f.taker_fee, f.maker_fee);
    }
    if (wf_state_.controls.fee_share_ppm[ledger_.risk(e.instrument).settlement_asset] != 0)
        [[unlikely]] {
      share_fees(waterfall_, e.instrument, f.taker_fee.raw() + f.maker_fee.raw());
    }
    // Start the heap-entry loads of both accounts before refreshing either, so they overlap.
    ledger_.prefetch_triggers(taker);
    ledger_.prefetch_triggers(maker);
    refresh_traders(taker, maker);
    return RejectCode::kOk;
  }

  // After a fill: both accounts refreshed, each left under initial margin reported.
  void refresh_traders(std::uint32_t taker, std::uint32_t maker) noexcept {
    Evaluation ev;
    for (const std::uint32_t slot : {taker, maker}) {
      refresh(slot, ev);
      if (ev.margin.equity < ev.margin.initial) {
        ledger_.push_output(OutputType::kUnderInitialMargin, slot, ev.margin);
      }
    }
  }

  // A validated liquidation fill: the trade, then the takeover-like settlement of the liquidated
  // side (liquidation.hpp, settle_liquidation_fill), then both accounts refreshed.
  RejectCode on_liquidation_fill(const Event& e, std::uint32_t taker, std::uint32_t maker) noexcept;

  // The rarer events, out of line (risk_engine.cpp) so that process() stays a small dispatcher that
  // inlines into its caller with the mark and fill paths.
  RejectCode on_deposit(const Event& e) noexcept;
  RejectCode on_withdraw(const Event& e) noexcept;
  RejectCode on_funding(const Event& e) noexcept;
  RejectCode on_account_config(const Event& e) noexcept;
  RejectCode on_instrument_config(const Event& e) noexcept;
  RejectCode on_fund_deposit(const Event& e) noexcept;
  RejectCode on_risk_control(const Event& e) noexcept;  // risk_controls.hpp
  RejectCode on_settlement(const Event& e) noexcept;    // settlement.hpp

  template <class Sink>
  void emit_account(std::uint32_t slot, Sink& sink) const noexcept {
    const Account& a = ledger_.account(slot);
    StateRecord r{};
    r.kind = StateKind::kAccount;
    r.asset = a.asset;
    r.instrument = kNoInstrument;
    r.account = a.id;
    r.account_state = AccountState{a.balance, a.position_count, 0};
    sink(r);
    r.kind = StateKind::kPosition;
    for (const Position& p : ledger_.positions(slot)) {
      r.instrument = p.instrument;
      r.position = PositionState{p.qty, p.cost, p.funding_snapshot};
      sink(r);
    }
  }
  template <class Sink>
  void emit_instrument(std::uint16_t i, Sink& sink) const noexcept {
    const InstrumentState& st = ledger_.state(i);
    StateRecord r{};
    r.kind = StateKind::kInstrument;
    r.instrument = i;
    r.marks = InstrumentMarks{st.mark, st.long_funding_index, st.short_funding_index};
    sink(r);
  }
  template <class Sink>
  void emit_funds(Sink& sink, bool all) noexcept {
    for (std::uint32_t k = 0; k < asset_count(); ++k) {
      const FundLevels now{ledger_.insurance(static_cast<std::uint8_t>(k)),
                           wf_state_.default_fund[k], wf_state_.venue_tranche[k]};
      FundLevels& last = funds_fed_[k];
      if (!all && now.insurance == last.insurance && now.default_fund == last.default_fund &&
          now.venue_tranche == last.venue_tranche) {
        continue;
      }
      last = now;
      StateRecord r{};
      r.kind = StateKind::kFunds;
      r.asset = static_cast<std::uint8_t>(k);
      r.instrument = kNoInstrument;
      r.funds = now;
      sink(r);
    }
  }

  // Declaration order is construction order: the parts hold references to those above them.
  WaterfallConfig wf_config_;
  std::int64_t max_abs_funding_rate_e8_;
  Ledger ledger_;
  WaterfallState wf_state_;
  AuditTrail audit_;
  AdlSchedule adl_;
  StateTouches touches_;
  WaterfallContext waterfall_;
  AdlQuantilePublisher quantiles_;
  std::uint16_t moved_instrument_ = kNoInstrument;  // the feed's: last event's mark or funding
  std::array<FundLevels, kMaxAssets> funds_fed_{};  // the feed's: funds as last emitted
};

}  // namespace backstop
