// The ledger: every account, position and fund, each account's margin, and the trigger index that
// tells when an account may have crossed its maintenance margin (docs/design.md §3-§4). The risk
// engine's event handlers and the waterfall both work through this interface; nothing else writes
// these tables. Owned by the risk engine thread (one writer, no locks). Every table is allocated by
// the constructor; nothing here allocates, throws, locks or calls anything virtual.
//
// Cost: a lookup O(1); a margin evaluation O(P), P = the account's positions; a refresh (exact
// evaluation, then new triggers or a flag) O(P log n), n = the positions in an instrument's heap; a
// trade side O(log n).
//
// Triggers are conservative and may be stale only in the safe direction: outside a pop, a refresh
// moves a trigger only when the fresh one is closer to the mark (LiquidationIndex::tighten); a
// trigger left closer to the mark than needed fires early, costs one exact recompute, and is
// re-split then.
//
// Liquidatable accounts: an account with equity < MM is taken out of the trigger index and put in
// the flagged list; the refresh that flags it records kBecameLiquidatable (or kBecameBankrupt), and
// the account stays flagged - re-evaluated on every mark of an instrument it holds and whenever it
// is touched - until it recovers (kRecovered) or the waterfall liquidates it.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "backstop/account.hpp"
#include "backstop/events.hpp"
#include "backstop/huge_array.hpp"
#include "backstop/id_map.hpp"
#include "backstop/instrument.hpp"
#include "backstop/liquidation_index.hpp"
#include "backstop/margin.hpp"
#include "backstop/money.hpp"
#include "backstop/risk_config.hpp"
#include "backstop/state_records.hpp"

namespace backstop {

struct AccountMargin {
  Int128 equity;       // balance + Σ (upnl - accrued funding)
  Int128 maintenance;  // Σ MM_i
  Int128 initial;      // Σ IM_i
};

// An account's margin with each position's maintenance margin (the cushion is split by them).
struct Evaluation {
  AccountMargin margin;
  std::array<Int128, kMaxPositionsPerAccount> position_maintenance;
};

// What one side of a trade moved: its realized PnL (credited), the accrued funding settled and the
// fee (both charged).
struct TradeSide {
  std::uint32_t slot;
  std::int64_t realized;
  std::int64_t funding;
  std::int64_t fee;
};

// What a trade moved, for its audit records (docs/audit.md): both sides, and the rounding dust the
// insurance fund received. Unused, it costs nothing (Ledger::trade is inline).
struct TradeSettlement {
  TradeSide first;
  TradeSide second;
  std::int64_t dust;
  std::uint16_t instrument;
  std::uint8_t asset;
};

// What a refresh tells its watcher (the waterfall keeps its ADL ranking and its order-mode
// deadlines by it):
//   refreshed(slot, margin)  after every exact evaluation, before the account's status changes;
//   recovered(slot)          when a flagged account is healthy again.
template <class W>
concept RefreshWatcher = requires(W& w, std::uint32_t slot, const AccountMargin& m) {
  w.refreshed(slot, m);
  w.recovered(slot);
};

class Ledger {
 public:
  // Allocates every table (cold). Precondition: validate_config(config) is empty.
  explicit Ledger(const RiskConfig& config);

  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // ---- Shape ----
  std::uint32_t account_count() const noexcept { return account_count_; }
  std::uint32_t max_accounts() const noexcept { return max_accounts_; }
  std::uint32_t instrument_count() const noexcept { return instrument_count_; }
  std::uint32_t asset_count() const noexcept { return asset_count_; }
  std::uint32_t positions_per_account() const noexcept { return positions_per_account_; }

  // ---- Accounts and positions ----
  std::uint32_t find_slot(std::uint64_t id) const noexcept {
    return ids_.find(id, [this](std::uint32_t slot) { return accounts_[slot].id; });
  }
  const Account& account(std::uint32_t slot) const noexcept { return accounts_[slot]; }
  std::span<const Position> positions(std::uint32_t slot) const noexcept {
    return {positions_.get() + position_base(slot), accounts_[slot].position_count};
  }
  // The pool index of the account's position in `instrument`; kNoSlot when it holds none.
  std::uint32_t find_position(std::uint32_t slot, std::uint16_t instrument) const noexcept {
    const std::uint32_t base = position_base(slot);
    for (std::uint32_t j = 0; j < accounts_[slot].position_count; ++j) {
      if (positions_[base + j].instrument == instrument) return base + j;
    }
    return kNoSlot;
  }
  const Position& position(std::uint32_t pos) const noexcept { return positions_[pos]; }
  // The account's signed lots in `instrument` (0: none).
  std::int64_t position_qty(std::uint32_t slot, std::uint16_t instrument) const noexcept {
    const std::uint32_t pos = find_position(slot, instrument);
    return pos == kNoSlot ? 0 : positions_[pos].qty;
  }
  // The whole pools, for an off-hot-path copy (snapshot, scenario revaluation): positions of slot
  // a at [a * positions_per_account, + position_count).
  std::span<const Account> account_pool() const noexcept {
    return {accounts_.get(), account_count_};
  }
  std::span<const Position> position_pool() const noexcept {
    return {positions_.get(), std::size_t{account_count_} * positions_per_account_};
  }
  // Whether the account can hold a position in `instrument`: it holds one already, or a position
  // slot is free.
  bool has_position_slot(std::uint32_t slot, std::uint16_t instrument) const noexcept {
    return find_position(slot, instrument) != kNoSlot ||
           accounts_[slot].position_count != positions_per_account_;
  }
  // Whether a position of `qty` lots (signed) in `instrument` is within its position limit.
  bool within_position_limit(std::uint16_t instrument, std::int64_t qty) const noexcept {
    return (qty < 0 ? -qty : qty) <= risk_[instrument].max_position;
  }

  // Opens an account. Preconditions: the id is new, account_count() < max_accounts(), asset valid.
  void open_account(std::uint64_t id, std::uint8_t asset, MarginMode mode) noexcept {
    const std::uint32_t slot = account_count_++;
    accounts_[slot] = Account{id, 0, kNoSlot, asset, 0, AccountStatus::kHealthy, mode};
    ids_.insert(id, slot);
  }

  // ---- Instruments ----
  const InstrumentRisk& risk(std::uint16_t i) const noexcept { return risk_[i]; }
  const InstrumentState& state(std::uint16_t i) const noexcept { return state_[i]; }
  const LiquidationIndex& liquidation_index(std::uint16_t i) const noexcept { return index_[i]; }
  void set_limits(std::uint16_t i, Price min_price, Price max_price, Qty max_position) noexcept {
    risk_[i].min_price = min_price.raw();
    risk_[i].max_price = max_price.raw();
    risk_[i].max_position = max_position.raw();
  }
  // Moves the funding indices (funding, or a socialized loss folded into them): longs pay `pay`
  // per lot, shorts receive `receive` per lot. Every payer's cushion shrinks: follow with
  // refresh_payers().
  void add_funding(std::uint16_t i, Money pay, Money receive) noexcept {
    state_[i].long_funding_index += pay.raw();
    state_[i].short_funding_index += receive.raw();
  }

  // ---- Funds ----
  std::int64_t insurance(std::uint8_t asset) const noexcept { return insurance_[asset]; }
  std::int64_t fee_pool(std::uint8_t asset) const noexcept { return fee_pool_[asset]; }
  std::int64_t net_deposits(std::uint8_t asset) const noexcept { return net_deposits_[asset]; }
  // Money moves: each is one side of a transfer whose other side the caller makes (conservation is
  // the caller's; the waterfall records both sides in its audit trail).
  void credit(std::uint32_t slot, Money amount) noexcept {
    accounts_[slot].balance += amount.raw();
  }
  void add_insurance(std::uint8_t asset, Money amount) noexcept {
    insurance_[asset] += amount.raw();
  }
  // Part of the fees already in the fee pool moved on to the insurance fund (a risk control's fee
  // share, risk_controls.hpp): both sides of the transfer at once.
  void move_fee_to_insurance(std::uint8_t asset, Money amount) noexcept {
    fee_pool_[asset] -= amount.raw();
    insurance_[asset] += amount.raw();
  }
  // Money from outside (deposits, fund top-ups) or back out (withdrawals).
  void add_net_deposits(std::uint8_t asset, Money amount) noexcept {
    net_deposits_[asset] += amount.raw();
  }

  // ---- Trades ----
  // One trade of `delta` lots (signed, as `first` receives them) at `price` between two accounts of
  // the instrument's settlement asset: `first` gets +delta, `second` -delta, each pays its fee to
  // the fee pool. Used for fills (taker, maker) and for every position the waterfall moves
  // (takeover, ADL close). The two sides' exact effects cancel; rounding only ever takes from the
  // accounts, and the dust taken (a few units at most) goes to the insurance fund, so money is
  // conserved exactly. Returns what it moved (the audit's settlement legs). Preconditions: both
  // have a position slot for the instrument and stay within its limit. Follow with refresh() of
  // both.
  TradeSettlement trade(std::uint32_t first, std::uint32_t second, std::uint16_t instrument,
                        Qty delta, Price price, Money first_fee = Money{0},
                        Money second_fee = Money{0}) noexcept {
    TradeSettlement t{{first, 0, 0, first_fee.raw()},
                      {second, 0, 0, second_fee.raw()},
                      0,
                      instrument,
                      risk_[instrument].settlement_asset};
    const Int128 effect = trade_side(first, instrument, delta.raw(), price.raw(), t.first) +
                          trade_side(second, instrument, -delta.raw(), price.raw(), t.second);
    t.dust = static_cast<std::int64_t>(-effect);
    insurance_[t.asset] += t.dust;
    fee_pool_[t.asset] += first_fee.raw() + second_fee.raw();
    return t;
  }

  // ---- Margin ----
  AccountMargin margin(std::uint32_t slot) const noexcept {
    AccountMargin m{accounts_[slot].balance, 0, 0};
    add_positions(slot, m, nullptr);
    return m;
  }
  void evaluate(std::uint32_t slot, Evaluation& ev) const noexcept {
    ev.margin = AccountMargin{accounts_[slot].balance, 0, 0};
    add_positions(slot, ev.margin, ev.position_maintenance.data());
  }
  // ---- Triggers and the flagged list ----

  // Re-evaluates an account exactly and puts it where it belongs: healthy accounts get fresh
  // budgets and triggers, others go to (or stay in) the flagged list without triggers. Records a
  // status change as an output.
  template <RefreshWatcher W>
  void refresh(std::uint32_t slot, Evaluation& ev, W& watcher) noexcept {
    prefetch_triggers(slot);
    evaluate(slot, ev);
    watcher.refreshed(slot, ev.margin);
    const AccountMargin& m = ev.margin;
    const AccountStatus status = m.equity < 0               ? AccountStatus::kBankrupt
                                 : m.equity < m.maintenance ? AccountStatus::kLiquidatable
                                                            : AccountStatus::kHealthy;
    Account& acct = accounts_[slot];
    if (status != acct.status) {
      if (status == AccountStatus::kHealthy) {
        unflag(slot);
        watcher.recovered(slot);
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
    // Cushion budgeting: split S = E - MM pro rata to each position's MM (rounded down, so
    // Σ b_i <= S).
    const Int128 cushion = m.equity - m.maintenance;
    const std::uint32_t n = acct.position_count;
    for (std::uint32_t j = 0; j < n; ++j) {
      Position& p = positions_[base + j];
      // A single position's share is the whole cushion (floor(S * MM / MM) = S): no 128-bit
      // product and division for the usual one-instrument account.
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

  // The flagged (liquidatable or bankrupt) accounts' slots, in no particular order.
  std::span<const std::uint32_t> flagged() const noexcept {
    return {flagged_.get(), flagged_count_};
  }

  // A mark tick: pops every trigger of `instrument` the mark has reached and refreshes the flagged
  // accounts holding it and the accounts whose triggers fired. The usual tick fires nothing and
  // finds nothing flagged: two heap peeks, inline.
  template <RefreshWatcher W>
  void on_mark(std::uint16_t instrument, std::int64_t mark, W& watcher) noexcept {
    state_[instrument].mark = mark;
    if (flagged_count_ != 0 || index_[instrument].fires_at(mark)) {
      refresh_at_mark(instrument, mark, watcher);
    }
  }

  // The funding indices of `instrument` moved: every payer's cushion shrank at once, so the
  // triggers of each side that pays are rebuilt (O(holders log n); docs/design.md §4 allows this:
  // funding comes every 1-8 hours). Receivers' cushions grew, so their triggers stay safe
  // (conservative); only flagged receivers may recover.
  template <RefreshWatcher W>
  void refresh_payers(std::uint16_t instrument, bool longs_pay, bool shorts_pay,
                      W& watcher) noexcept {
    Evaluation ev;
    if (flagged_count_ != 0) refresh_flagged_holding(instrument, ev, watcher);
    // Collected first (each refresh reorders the heaps), from the heap entries alone: reading each
    // holder's position row here would add a cache miss per holder.
    const LiquidationIndex& idx = index_[instrument];
    std::uint32_t holders = 0;
    for (HeapSide side : {HeapSide::kLong, HeapSide::kShort}) {
      if (!(side == HeapSide::kLong ? longs_pay : shorts_pay)) continue;
      const std::uint32_t n = side == HeapSide::kLong ? idx.long_count() : idx.short_count();
      for (std::uint32_t k = 0; k < n; ++k) {
        scratch_[holders++] = idx.entry(side, k).position / positions_per_account_;
      }
    }
    for (std::uint32_t k = 0; k < holders; ++k)
      refresh(scratch_[k], ev, watcher);
  }

  // Calls f(slot, lots) for every position of `instrument` on `side` held by a healthy account
  // (exactly the positions in that side's trigger heap), in heap order; lots unsigned.
  template <class F>
  void for_each_healthy_holder(std::uint16_t instrument, HeapSide side, F&& f) const noexcept {
    const LiquidationIndex& idx = index_[instrument];
    const std::uint32_t n = side == HeapSide::kLong ? idx.long_count() : idx.short_count();
    for (std::uint32_t k = 0; k < n; ++k) {
      const std::uint32_t pos = idx.entry(side, k).position;
      const std::int64_t q = positions_[pos].qty;
      f(pos / positions_per_account_, q < 0 ? -q : q);
    }
  }

  // ---- Dated futures (docs/futures.md) ----
  // The accounts holding `instrument`, each once, in ascending account id (so that a settlement's
  // records come in the same order after a restore, whose heaps differ). The healthy holders are
  // exactly the instrument's trigger-heap entries and the others are in the flagged list, so no
  // account is scanned that does not hold it: O(h log h + f), h holders, f flagged accounts. The
  // span is the ledger's scratch list: valid until the next mark tick or funding refresh.
  std::span<const std::uint32_t> holders(std::uint16_t instrument) noexcept {
    const LiquidationIndex& idx = index_[instrument];
    std::uint32_t n = 0;
    for (HeapSide side : {HeapSide::kLong, HeapSide::kShort}) {
      const std::uint32_t count = side == HeapSide::kLong ? idx.long_count() : idx.short_count();
      for (std::uint32_t k = 0; k < count; ++k) {
        scratch_[n++] = idx.entry(side, k).position / positions_per_account_;
      }
    }
    for (std::uint32_t k = 0; k < flagged_count_; ++k) {
      if (find_position(flagged_[k], instrument) != kNoSlot) scratch_[n++] = flagged_[k];
    }
    std::sort(scratch_.get(), scratch_.get() + n, [this](std::uint32_t a, std::uint32_t b) {
      return accounts_[a].id < accounts_[b].id;
    });
    return {scratch_.get(), n};
  }
  // Closes `slot`'s whole position in `instrument` at `price` without a counterparty: the close of
  // apply_trade (accrued funding settled, the realized PnL value_down(q, price) - cost into the
  // balance, the position and its trigger removed, open interest reduced). `side` gets what it
  // moved. Returns the close's effect on Σ(balance - cost), value_down(q, price): over every
  // holder of a matched book it sums to at most 0 (exactly 0 for a linear contract), and its
  // negation is the settlement's rounding dust, which the caller gives the insurance fund.
  // Precondition: the account holds the instrument. Follow with refresh().
  Int128 settle_position(std::uint32_t slot, std::uint16_t instrument, std::int64_t price,
                         TradeSide& side) noexcept {
    side = TradeSide{slot, 0, 0, 0};
    return trade_side(slot, instrument, -position_qty(slot, instrument), price, side);
  }
  // The instrument is settled at `price`, which is also its last mark.
  void mark_settled(std::uint16_t instrument, std::int64_t price) noexcept {
    state_[instrument].settlement_price = price;
    state_[instrument].mark = price;
  }

  // ---- Status outputs of the current event ----
  void clear_outputs() noexcept { output_count_ = 0; }
  std::span<const RiskOutput> outputs() const noexcept { return {outputs_.get(), output_count_}; }
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
  // Sorts the event's outputs by (account id, type): the same order whatever order the heaps
  // fired in.
  void sort_outputs() noexcept {
    if (output_count_ < 2) return;
    std::sort(outputs_.get(), outputs_.get() + output_count_,
              [](const RiskOutput& a, const RiskOutput& b) {
                return a.account != b.account ? a.account < b.account : a.type < b.type;
              });
  }

  // ---- Cache hints (change nothing) ----

  // Starts loading the account row and first positions of an account by id (a caller that holds
  // its next events), so that those misses overlap the work in between.
  void prefetch_account(std::uint64_t id) const noexcept {
    const std::uint32_t slot = ids_.likely(id);
    if (slot < account_count_) prefetch_slot(slot);
  }
  // Starts loading the account row and the position rows of `slot`. A row may straddle two lines.
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
  // Starts loading the first position rows of `slot` (a fill's two accounts, before both are
  // validated).
  void prefetch_positions(std::uint32_t slot) const noexcept {
    __builtin_prefetch(positions_.get() + position_base(slot));
    __builtin_prefetch(positions_.get() + position_base(slot) + 2);
  }
  // Starts loading the trigger-heap entries of `slot`'s positions (reads its rows: after
  // prefetch_slot).
  void prefetch_triggers(std::uint32_t slot) const noexcept {
    const std::uint32_t base = position_base(slot);
    for (std::uint32_t j = 0; j < accounts_[slot].position_count; ++j) {
      index_[positions_[base + j].instrument].prefetch(base + j);
    }
  }
  // Starts loading the heap rows that `erases` erases from a side of `instrument` will move.
  void prefetch_heap_tail(std::uint16_t instrument, HeapSide side,
                          std::uint32_t erases) const noexcept {
    index_[instrument].prefetch_tail(side, erases);
  }

  // ---- Cold: warming after a long cold job (AdlSchedule's ranking rebuild) ----
  // Reads one byte of every page of the per-account tables the hot path reads; returns a sum.
  std::uint64_t touch_pages() const noexcept;
  // Re-reads the top `entries` of each side of `instrument`'s trigger heaps; returns a sum.
  std::uint64_t warm_heap(std::uint16_t instrument, std::uint32_t entries) const noexcept {
    return index_[instrument].warm(entries);
  }

  // ---- Statistics ----
  // Triggers popped by mark ticks since construction (each costs one account recompute).
  std::uint64_t triggers_fired() const noexcept { return triggers_fired_; }
  // Bytes held by every table: accounts, positions, id map, trigger heaps, lists, outputs.
  std::size_t memory_bytes() const noexcept;

  // ---- Persistent state (docs/design.md §8) ----
  // The ledger's canonical state, in order: per instrument its mutable limits and its state, per
  // account (slot order: slots are assigned in event order, so the order is itself replayed) its
  // fields and positions, per asset its funds, then the trigger statistic. Derived state (the id
  // map, trigger heaps, the flagged list) is not visited. `v` is called as
  //   v(InstrumentRecord{i}, min_price, max_price, max_position, mark, long_funding_index,
  //     short_funding_index, open_interest)
  //   v(AccountRecord{slot}, id, balance, asset, mode, status, position_count)
  //   v(PositionRecord{slot, j}, instrument, qty, cost, funding_snapshot)
  //   v(FundsRecord{asset}, insurance, fee_pool, net_deposits)
  //   v(SettlementRecord{i}, settlement_price)        per instrument (0: not a settled future)
  //   v(StatisticRecord{}, triggers_fired)
  // with references (const for visit_state, mutable for restore_state).
  template <class V>
  void visit_state(V& v) const {
    describe(*this, v);
  }
  // Restores the state `v` reads into a freshly built ledger; `account_count` says how many
  // accounts the saved state has (at most max_accounts()). Then rebuild_derived() must follow.
  template <class V>
  void restore_state(V& v, std::uint32_t account_count) {
    account_count_ = std::min(account_count, max_accounts_);
    describe(*this, v);
  }
  // After restore_state: checks what was read and rebuilds the derived state (id map, triggers,
  // flagged list). Empty when consistent, else what is wrong (the ledger must then be thrown away).
  template <RefreshWatcher W>
  [[nodiscard]] std::string rebuild_derived(W& watcher) {
    std::string error = index_restored_accounts();
    if (error.empty()) retrigger_restored_accounts(watcher);
    return error;
  }

 private:
  std::uint32_t position_base(std::uint32_t slot) const noexcept {
    return slot * positions_per_account_;
  }

  // Adds every position's contribution and margins to `m` (and each MM to `per_position`).
  void add_positions(std::uint32_t slot, AccountMargin& m, Int128* per_position) const noexcept {
    const std::uint32_t base = position_base(slot);
    for (std::uint32_t j = 0; j < accounts_[slot].position_count; ++j) {
      const Position& p = positions_[base + j];
      const PositionRisk pr = evaluate_position(risk_[p.instrument], state_[p.instrument], p);
      m.equity += pr.contribution;
      m.maintenance += pr.maintenance;
      m.initial += pr.initial;
      if (per_position != nullptr) per_position[j] = pr.maintenance;
    }
  }

  // Opens (or finds) the position slot of an account in an instrument.
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

  // One side of a trade. Returns realized - cost_delta, the side's effect on Σ(balance - cost).
  Int128 trade_side(std::uint32_t slot, std::uint16_t instrument, std::int64_t delta,
                    std::int64_t price, TradeSide& side) noexcept {
    const std::uint32_t pos = position_for_trade(slot, instrument);
    Position& p = positions_[pos];
    InstrumentState& s = state_[instrument];
    const std::int64_t old_q = p.qty;
    const TradeOutcome t = apply_trade(risk_[instrument], s, p, delta, price);
    side.realized = static_cast<std::int64_t>(t.realized);
    side.funding = static_cast<std::int64_t>(t.funding_settled);
    accounts_[slot].balance = static_cast<std::int64_t>(accounts_[slot].balance + t.realized -
                                                        t.funding_settled - side.fee);
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

  // Pops first, then refreshes: a refreshed trigger lies strictly beyond the mark, and an account
  // holds one position per instrument, so no account is collected twice.
  template <RefreshWatcher W>
  void refresh_at_mark(std::uint16_t instrument, std::int64_t mark, W& watcher) noexcept {
    Evaluation ev;
    if (flagged_count_ != 0) refresh_flagged_holding(instrument, ev, watcher);
    LiquidationIndex& idx = index_[instrument];
    std::uint32_t fired = 0;
    for (std::uint32_t pos; (pos = idx.pop_fired_long(mark)) != kNoSlot;) {
      scratch_[fired++] = pos / positions_per_account_;
    }
    for (std::uint32_t pos; (pos = idx.pop_fired_short(mark)) != kNoSlot;) {
      scratch_[fired++] = pos / positions_per_account_;
    }
    triggers_fired_ += fired;
    for (std::uint32_t k = 0; k < fired; ++k)
      refresh(scratch_[k], ev, watcher);
  }

  // Re-evaluates every flagged account holding `instrument`. Backwards, because refresh() may
  // unflag the current entry, which moves an already visited one into its place.
  template <RefreshWatcher W>
  void refresh_flagged_holding(std::uint16_t instrument, Evaluation& ev, W& watcher) noexcept {
    for (std::uint32_t i = flagged_count_; i-- > 0;) {
      const std::uint32_t slot = flagged_[i];
      if (find_position(slot, instrument) != kNoSlot) refresh(slot, ev, watcher);
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
  }

  // Restore, cold: checks each restored account and its positions and indexes it (id map, no
  // triggers yet); empty, or what is wrong (ledger.cpp).
  std::string index_restored_accounts();
  // Healthy accounts get fresh triggers (never later than the saved ones would have fired, which
  // is all the index promises); the others go back to the flagged list.
  template <RefreshWatcher W>
  void retrigger_restored_accounts(W& watcher) {
    Evaluation ev;
    for (std::uint32_t a = 0; a < account_count_; ++a) {
      if (accounts_[a].status == AccountStatus::kHealthy) {
        refresh(a, ev, watcher);
      } else {
        flag(a);
      }
    }
    output_count_ = 0;
  }

  // The one list of the ledger's persistent state (visit_state documents it); `Self` is Ledger or
  // const Ledger.
  template <class Self, class V>
  static void describe(Self& self, V& v) {
    for (std::uint32_t i = 0; i < self.instrument_count_; ++i) {
      auto& r = as_self<Self>(self.risk_[i]);
      auto& s = as_self<Self>(self.state_[i]);
      v(InstrumentRecord{static_cast<std::uint16_t>(i)}, r.min_price, r.max_price, r.max_position,
        s.mark, s.long_funding_index, s.short_funding_index, s.open_interest);
    }
    for (std::uint32_t a = 0; a < self.account_count_; ++a) {
      auto& acct = as_self<Self>(self.accounts_[a]);
      v(AccountRecord{a}, acct.id, acct.balance, acct.asset, acct.mode, acct.status,
        acct.position_count);
      const std::uint32_t n =
          std::min<std::uint32_t>(acct.position_count, self.positions_per_account_);
      for (std::uint32_t j = 0; j < n; ++j) {
        auto& p = as_self<Self>(self.positions_[self.position_base(a) + j]);
        v(PositionRecord{a, j}, p.instrument, p.qty, p.cost, p.funding_snapshot);
      }
    }
    for (std::uint32_t k = 0; k < self.asset_count_; ++k) {
      v(FundsRecord{static_cast<std::uint8_t>(k)}, self.insurance_[k], self.fee_pool_[k],
        self.net_deposits_[k]);
    }
    for (std::uint32_t i = 0; i < self.instrument_count_; ++i) {
      v(SettlementRecord{static_cast<std::uint16_t>(i)},
        as_self<Self>(self.state_[i]).settlement_price);
    }
    v(StatisticRecord{}, self.triggers_fired_);
  }

  std::uint32_t positions_per_account_;
  std::uint32_t max_accounts_;
  std::uint32_t asset_count_;
  std::uint32_t instrument_count_;
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
};

}  // namespace backstop
