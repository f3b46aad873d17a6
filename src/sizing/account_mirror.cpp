#include "sizing/account_mirror.hpp"

#include <algorithm>

#include "backstop/margin.hpp"

namespace backstop::sizing {

std::string_view to_string(MirrorError e) noexcept {
  switch (e) {
    case MirrorError::kNone:
      return "none";
    case MirrorError::kUnknownKind:
      return "unknown record kind";
    case MirrorError::kUnknownInstrument:
      return "unknown instrument";
    case MirrorError::kPositionWithoutAccount:
      return "position record without an account record";
    case MirrorError::kPositionOfOtherAccount:
      return "position record of another account";
    case MirrorError::kTooManyPositions:
      return "more positions than positions_per_account";
    case MirrorError::kZeroQuantity:
      return "position of zero lots";
    case MirrorError::kDuplicateInstrument:
      return "two positions on one instrument";
    case MirrorError::kGroupInterrupted:
      return "account record's positions incomplete";
    case MirrorError::kMarkOutOfRange:
      return "mark below 1";
    case MirrorError::kUnknownAsset:
      return "unknown asset";
  }
  return "unknown";
}

AccountMirror::AccountMirror(const RiskConfig& config) : capacity_(config.positions_per_account) {
  for (const InstrumentSpec& spec : config.instruments) {
    risk_.push_back(make_instrument_risk(spec, config.venue));
    states_.push_back(InstrumentState{spec.initial_mark.raw(), 0, 0, 0, 0});
  }
  instrument_changed_.assign(risk_.size(), false);
  funds_.assign(config.asset_count, FundLevels{0, 0, 0});
  pending_positions_.reserve(capacity_);
}

std::uint32_t AccountMirror::slot_of(std::uint64_t account_id) const noexcept {
  const auto it = slot_by_id_.find(account_id);
  return it == slot_by_id_.end() ? kNoSlot : it->second;
}

std::uint32_t AccountMirror::slot_for(std::uint64_t account_id) {
  const auto [it, inserted] =
      slot_by_id_.try_emplace(account_id, static_cast<std::uint32_t>(ids_.size()));
  if (inserted) {
    ids_.push_back(account_id);
    balances_.push_back(0);
    assets_.push_back(0);
    counts_.push_back(0);
    positions_.resize(positions_.size() + capacity_, Position{});
    account_changed_.push_back(false);
  }
  return it->second;
}

void AccountMirror::commit_pending() {
  const std::uint32_t slot = slot_for(pending_id_);
  balances_[slot] = pending_balance_;
  assets_[slot] = pending_asset_;
  counts_[slot] = static_cast<std::uint8_t>(pending_positions_.size());
  std::copy(pending_positions_.begin(), pending_positions_.end(),
            positions_.begin() + static_cast<std::ptrdiff_t>(std::size_t{slot} * capacity_));
  if (!account_changed_[slot]) {
    account_changed_[slot] = true;
    changed_accounts_.push_back(slot);
  }
  pending_ = false;
  pending_positions_.clear();
}

MirrorError AccountMirror::check_position(const StateRecord& record) const noexcept {
  if (record.account != pending_id_) return MirrorError::kPositionOfOtherAccount;
  if (record.instrument >= risk_.size()) return MirrorError::kUnknownInstrument;
  if (record.position.qty == 0) return MirrorError::kZeroQuantity;
  for (const Position& p : pending_positions_) {
    if (p.instrument == record.instrument) return MirrorError::kDuplicateInstrument;
  }
  return MirrorError::kNone;
}

MirrorError AccountMirror::apply(const StateRecord& record) {
  switch (record.kind) {
    case StateKind::kAccount: {
      if (pending_) return MirrorError::kGroupInterrupted;
      const std::int64_t count = record.account_state.position_count;
      if (count < 0 || count > static_cast<std::int64_t>(capacity_))
        return MirrorError::kTooManyPositions;
      pending_ = true;
      pending_id_ = record.account;
      pending_balance_ = record.account_state.balance;
      pending_asset_ = record.asset;
      pending_expected_ = static_cast<std::uint32_t>(count);
      if (pending_expected_ == 0) commit_pending();
      return MirrorError::kNone;
    }
    case StateKind::kPosition: {
      if (!pending_) return MirrorError::kPositionWithoutAccount;
      const MirrorError e = check_position(record);
      if (e != MirrorError::kNone) {
        // The group is dropped whole: the account keeps its state from before the group.
        pending_ = false;
        pending_positions_.clear();
        return e;
      }
      Position p{};
      p.qty = record.position.qty;
      p.cost = record.position.cost;
      p.funding_snapshot = record.position.funding_snapshot;
      p.heap_index = kNoSlot;
      p.instrument = record.instrument;
      pending_positions_.push_back(p);
      if (pending_positions_.size() == pending_expected_) commit_pending();
      return MirrorError::kNone;
    }
    case StateKind::kInstrument: {
      if (pending_) return MirrorError::kGroupInterrupted;
      if (record.instrument >= risk_.size()) return MirrorError::kUnknownInstrument;
      if (record.marks.mark < 1) return MirrorError::kMarkOutOfRange;
      InstrumentState& s = states_[record.instrument];
      s.mark = record.marks.mark;
      s.long_funding_index = record.marks.long_funding_index;
      s.short_funding_index = record.marks.short_funding_index;
      if (!instrument_changed_[record.instrument]) {
        instrument_changed_[record.instrument] = true;
        changed_instruments_.push_back(record.instrument);
      }
      return MirrorError::kNone;
    }
    case StateKind::kFunds: {
      if (pending_) return MirrorError::kGroupInterrupted;
      if (record.asset >= funds_.size()) return MirrorError::kUnknownAsset;
      funds_[record.asset] = record.funds;
      return MirrorError::kNone;
    }
  }
  return MirrorError::kUnknownKind;
}

MirrorError AccountMirror::apply(std::span<const StateRecord> records) {
  for (const StateRecord& r : records) {
    const MirrorError e = apply(r);
    if (e != MirrorError::kNone) return e;
  }
  return MirrorError::kNone;
}

Int128 AccountMirror::equity(std::uint32_t slot) const noexcept {
  Int128 e = balances_[slot];
  for (const Position& p : positions(slot)) {
    e += evaluate_position(risk_[p.instrument], states_[p.instrument], p).contribution;
  }
  return e;
}

void AccountMirror::clear_changes() noexcept {
  for (const std::uint32_t slot : changed_accounts_)
    account_changed_[slot] = false;
  for (const std::uint16_t i : changed_instruments_)
    instrument_changed_[i] = false;
  changed_accounts_.clear();
  changed_instruments_.clear();
}

}  // namespace backstop::sizing
