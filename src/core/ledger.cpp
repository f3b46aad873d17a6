// The ledger's cold half: allocation, the page walk that warms its tables, and the checks of a
// restored state.
#include "backstop/ledger.hpp"

#include <string>

namespace backstop {

Ledger::Ledger(const RiskConfig& config)
    : positions_per_account_(config.positions_per_account),
      max_accounts_(config.max_accounts),
      asset_count_(config.asset_count),
      instrument_count_(static_cast<std::uint32_t>(config.instruments.size())) {
  accounts_ = make_huge_array<Account>(max_accounts_);
  positions_ = make_huge_array<Position>(std::size_t{max_accounts_} * positions_per_account_);
  ids_ = IdMap(max_accounts_);
  risk_ = std::make_unique<InstrumentRisk[]>(instrument_count_);
  state_ = std::make_unique<InstrumentState[]>(instrument_count_);
  // One heap pair per instrument, each sized for every account holding it at once.
  triggers_ = make_huge_array<TriggerEntry>(std::size_t{instrument_count_} * max_accounts_);
  index_ = std::make_unique<LiquidationIndex[]>(instrument_count_);
  for (std::uint32_t i = 0; i < instrument_count_; ++i) {
    risk_[i] = make_instrument_risk(config.instruments[i], config.venue);
    state_[i] = InstrumentState{config.instruments[i].initial_mark.raw(), 0, 0, 0, 0};
    index_[i] = LiquidationIndex(triggers_.get() + std::size_t{i} * max_accounts_, max_accounts_,
                                 positions_.get());
  }
  flagged_ = std::make_unique<std::uint32_t[]>(max_accounts_);
  scratch_ = std::make_unique<std::uint32_t[]>(max_accounts_);
  // An account changes status at most once per event (a second refresh in the same event finds
  // the same status); a fill adds at most two under-IM records. A liquidation adds a second
  // change for the defaulter (flagged, then recovered) and may flag others (cascades): three per
  // account bounds it.
  output_capacity_ = 3 * std::size_t{max_accounts_} + 8;
  outputs_ = std::make_unique<RiskOutput[]>(output_capacity_);
}

std::uint64_t Ledger::touch_pages() const noexcept {
  using backstop::touch_pages;
  const std::size_t n = account_count_;
  return touch_pages(accounts_.get(), n * sizeof(Account)) +
         touch_pages(positions_.get(), n * positions_per_account_ * sizeof(Position)) +
         touch_pages(triggers_.get(),
                     std::size_t{instrument_count_} * max_accounts_ * sizeof(TriggerEntry)) +
         ids_.touch_pages() + touch_pages(flagged_.get(), n * sizeof(std::uint32_t));
}

std::size_t Ledger::memory_bytes() const noexcept {
  return std::size_t{max_accounts_} * sizeof(Account) +
         std::size_t{max_accounts_} * positions_per_account_ * sizeof(Position) +
         ids_.memory_bytes() +
         std::size_t{instrument_count_} * max_accounts_ * sizeof(TriggerEntry) +
         std::size_t{instrument_count_} *
             (sizeof(InstrumentRisk) + sizeof(InstrumentState) + sizeof(LiquidationIndex)) +
         std::size_t{max_accounts_} * 2 * sizeof(std::uint32_t) +
         output_capacity_ * sizeof(RiskOutput);
}

std::string Ledger::index_restored_accounts() {
  // A restored state is untrusted input: every value the margin arithmetic multiplies must be
  // within the bounds a live engine keeps (risk_config.hpp), or its 128-bit products could
  // overflow. Funding indices and snapshots are held to ±kMaxNotional so that their differences
  // fit int64.
  const auto within = [](std::int64_t v, std::int64_t bound) { return v >= -bound && v <= bound; };
  for (std::uint32_t i = 0; i < instrument_count_; ++i) {
    const InstrumentState& st = state_[i];
    if (st.mark < risk_[i].min_price || st.mark > risk_[i].max_price ||
        !within(st.long_funding_index, kMaxNotional) ||
        !within(st.short_funding_index, kMaxNotional)) {
      return "instrument " + std::to_string(i) + " state is out of range";
    }
    // Only a dated future is ever settled, at a valid price, and then holds no position.
    if (st.settlement_price != 0 &&
        (risk_[i].expiry_ns == 0 || st.settlement_price < 1 ||
         st.settlement_price > kMaxPriceTicks || st.open_interest != 0)) {
      return "instrument " + std::to_string(i) + " settlement is inconsistent";
    }
  }
  for (std::uint32_t a = 0; a < account_count_; ++a) {
    Account& acct = accounts_[a];
    if (acct.position_count > positions_per_account_ || acct.asset >= asset_count_ ||
        find_slot(acct.id) != kNoSlot) {
      return "account " + std::to_string(acct.id) + " is inconsistent";
    }
    for (const Position& p : positions(a)) {
      if (p.instrument >= instrument_count_ || p.qty == 0 || is_settled(state_[p.instrument]) ||
          !within(p.qty, risk_[p.instrument].max_position) ||
          !within(p.cost, kMaxNotional + kMaxAmount) || !within(p.funding_snapshot, kMaxNotional)) {
        return "a position of account " + std::to_string(acct.id) + " is inconsistent";
      }
    }
    acct.flagged_index = kNoSlot;
    ids_.insert(acct.id, a);
    for (std::uint32_t j = 0; j < acct.position_count; ++j) {
      Position& p = positions_[position_base(a) + j];
      p.trigger = 0;
      p.heap_index = kNoSlot;
      p.heap_side = HeapSide::kNone;
      p.reserved = 0;
    }
  }
  return {};
}

}  // namespace backstop
