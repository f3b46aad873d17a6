// AccountMirror: an exact copy of the risk engine's account state, built only from the
// account-state feed (backstop/state_feed.hpp, docs/coverage.md): a kAccount record replaces that
// account's balance and, with the position_count kPosition records that follow it, all of its open
// positions; a kInstrument record replaces an instrument's mark and funding indices. Valued with
// the core's own functions (evaluate_position), so the mirror's equity equals the engine's to the
// unit. Accounts get dense slots in first-seen order (deterministic for a given stream). It
// remembers which accounts and instruments changed since the last clear_changes(), for the coverage
// book. Cold code, owned by the sizing consumer's thread. Cost: O(1) per record (a hash look-up for
// kAccount), O(positions) for equity().
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "backstop/account.hpp"
#include "backstop/instrument.hpp"
#include "backstop/money.hpp"
#include "backstop/risk_config.hpp"
#include "backstop/state_feed.hpp"

namespace backstop::sizing {

// Why a record was refused. The mirror's accounts and instruments are unchanged by a refused
// record; a refused kPosition drops its whole kAccount group (the account keeps its state from
// before the group).
enum class MirrorError : std::uint8_t {
  kNone = 0,
  kUnknownKind = 1,
  kUnknownInstrument = 2,
  kPositionWithoutAccount = 3,  // a kPosition not announced by a kAccount record
  kPositionOfOtherAccount = 4,  // a kPosition whose account is not the announcing kAccount's
  kTooManyPositions = 5,        // position_count beyond RiskConfig::positions_per_account
  kZeroQuantity = 6,
  kDuplicateInstrument = 7,  // two positions of one account on one instrument
  kGroupInterrupted = 8,     // a new kAccount / kInstrument before the announced positions
  kMarkOutOfRange = 9,       // a mark below 1
  kUnknownAsset = 10,        // a kFunds record of an asset beyond RiskConfig::asset_count
};
std::string_view to_string(MirrorError e) noexcept;

class AccountMirror {
 public:
  // Instruments and the per-account position capacity from the engine's configuration; marks
  // start at each instrument's initial_mark, funding indices at 0, as in the engine.
  explicit AccountMirror(const RiskConfig& config);

  // Applies one record. A kAccount with positions is committed when its last kPosition arrives.
  [[nodiscard]] MirrorError apply(const StateRecord& record);
  // Applies records in order; stops at the first refusal and returns it.
  [[nodiscard]] MirrorError apply(std::span<const StateRecord> records);

  std::uint32_t account_count() const noexcept { return static_cast<std::uint32_t>(ids_.size()); }
  std::size_t instrument_count() const noexcept { return risk_.size(); }
  // kNoSlot if the account has never appeared in the feed.
  std::uint32_t slot_of(std::uint64_t account_id) const noexcept;
  std::uint64_t id_of(std::uint32_t slot) const noexcept { return ids_[slot]; }
  std::int64_t balance(std::uint32_t slot) const noexcept { return balances_[slot]; }
  std::uint8_t asset(std::uint32_t slot) const noexcept { return assets_[slot]; }
  std::span<const Position> positions(std::uint32_t slot) const noexcept {
    return {positions_.data() + std::size_t{slot} * capacity_, counts_[slot]};
  }
  const InstrumentRisk& risk(std::uint16_t instrument) const noexcept { return risk_[instrument]; }
  const InstrumentState& state(std::uint16_t instrument) const noexcept {
    return states_[instrument];
  }
  // The asset's funds as last fed (all 0 before its first kFunds record).
  const FundLevels& funds(std::uint8_t asset) const noexcept { return funds_[asset]; }

  // Balance + Σ evaluate_position(...).contribution at the current marks: the engine's equity.
  Int128 equity(std::uint32_t slot) const noexcept;

  // What changed since the last clear_changes(): slots in the order first changed, and instruments.
  std::span<const std::uint32_t> changed_accounts() const noexcept { return changed_accounts_; }
  std::span<const std::uint16_t> changed_instruments() const noexcept {
    return changed_instruments_;
  }
  void clear_changes() noexcept;

 private:
  std::uint32_t slot_for(std::uint64_t account_id);
  void commit_pending();
  MirrorError check_position(const StateRecord& record) const noexcept;

  std::vector<InstrumentRisk> risk_;
  std::vector<InstrumentState> states_;
  std::vector<FundLevels> funds_;  // per asset
  std::uint32_t capacity_;         // positions per account

  std::unordered_map<std::uint64_t, std::uint32_t> slot_by_id_;
  std::vector<std::uint64_t> ids_;
  std::vector<std::int64_t> balances_;
  std::vector<std::uint8_t> assets_;  // settlement asset
  std::vector<std::uint8_t> counts_;
  std::vector<Position> positions_;  // capacity_ per slot

  // The kAccount group being read: its positions arrive one record at a time.
  bool pending_ = false;
  std::uint64_t pending_id_ = 0;
  std::int64_t pending_balance_ = 0;
  std::uint8_t pending_asset_ = 0;
  std::uint32_t pending_expected_ = 0;
  std::vector<Position> pending_positions_;

  std::vector<std::uint32_t> changed_accounts_;
  std::vector<bool> account_changed_;
  std::vector<std::uint16_t> changed_instruments_;
  std::vector<bool> instrument_changed_;
};

}  // namespace backstop::sizing
