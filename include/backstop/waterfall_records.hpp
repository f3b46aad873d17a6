// The audit records (docs/waterfall.md, docs/audit.md): one WaterfallRecord per money movement or
// position transfer, in execution order, so that every unit moved has a reason. A money movement
// names both sides (`from`, `to`: parties), so that each is a transfer: the parties' holdings sum
// to zero by construction and each party's holding is the sum of its records. AuditTrail is the
// per-event buffer the risk engine hands to the Engine's output stage. Plain values; owned by the
// risk engine thread; the buffer is allocated once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>

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
  kFundDeposit = 17,     // a FundDeposit event; before/after: the `to` party
  // Written only with WaterfallConfig::audit_balances (docs/audit.md): the legs that make the log
  // complete - every account balance and every fund rebuilt from it alone.
  kRealizedPnl = 18,       // a trade's realized PnL: positions <-> account; before/after: balance
  kFundingSettled = 19,    // a trade's settled funding: account <-> positions; balance
  kTradeFee = 20,          // a trade's fee: account <-> fee pool; before/after: the balance
  kTradeDust = 21,         // a trade's rounding remainder: positions -> insurance; the fund
  kDeposit = 22,           // Deposit event: outside -> account; the balance
  kWithdrawal = 23,        // Withdraw event: account -> outside; the balance
  kFundingSpread = 24,     // a FundingRate's spread (pay - receive) x open interest: positions ->
                           // insurance; before/after: the fund
  kSocializedCharge = 25,  // tier 6: the winners' index charge, per lot x lots: positions ->
                           // cover
  kCoverPaid = 26,  // what a pro-rata or tier-6 cover credits the defaulter: cover -> account;
                    // before/after: not given (the defaulter's ADL credits come per fill)
  // Risk controls and fund triggers (risk_controls.hpp, docs/waterfall.md#risk-controls).
  kControl = 27,          // a RiskControl changed a setting: amount = the ControlKind; asset,
                          // instrument or account: what it applies to; before/after: the old and
                          // new value (ppm, AdlMode, the member's contribution or owed amount)
  kFeeShare = 28,         // a fill's fee share: fee pool -> insurance fund; before/after: the fund
  kContribution = 29,     // a contribution target: account -> default fund, or back (a decrease),
                          // or default fund -> receivable (a decrease netting what the member
                          // owes); before/after: the member's contribution
  kDrawdownOn = 30,       // the drawdown trigger: asset; amount = the fund, before = the window's
                          // highest sample, after = the drawdown level it reached
  kDrawdownOff = 31,      // released: amount = the fund, before = the window's highest sample,
                          // after = the release level it reached
  kExposureCap = 32,      // a takeover beyond the exposure cap goes to ADL: account = defaulter,
                          // instrument; amount = the position's notional at the mark, before = the
                          // backstop's taken-over notional, after = the cap
  kLiquidationHold = 33,  // a RiskControl hold: instrument; amount = the HoldMode, before = the
                          // end of the hold it replaces (0: none), after = its end (0: released)
  // A dated future's settlement (docs/futures.md).
  kSettlement = 34,  // the event itself, always written: instrument; amount = the open
                     // interest settled (lots per side), before = the settlement price,
                     // after = the positions closed
  // Written only with WaterfallConfig::audit_balances, as a trade's legs (the accrued funding
  // settled is a kFundingSettled leg):
  kSettlementPnl = 35,   // a position's realized PnL at the settlement price: positions <->
                         // account; before/after: the balance
  kSettlementDust = 36,  // the rounding remainder of the settlement: positions -> insurance;
                         // before/after: the fund
};

// Who holds money, as the audit sees it (docs/audit.md). Every party has a holding; the holdings
// of all parties sum to zero at all times (docs/design.md §2's conservation, rearranged):
//   account      its balance                                    (id: the account)
//   insurance    the insurance fund                             (id: the asset)
//   fee_pool     the fee pool                                   (id: the asset)
//   default_fund a member's default-fund contribution           (id: the member's account)
//   venue_tranche the venue's tranche                           (id: the asset)
//   bad_debt     minus the asset's bad debt                     (id: the asset)
//   receivable   minus a member's assessment owed               (id: the member's account)
//   outside      minus the asset's net deposits                 (id: the asset)
//   positions    minus Σ (cost + accrued funding) of the instrument's open positions
//                                                               (id: the instrument)
//   cover        a deficit's cover in progress (pro-rata shares, ADL payments, a socialized
//                charge), zero between events                   (id: the asset)
enum class Party : std::uint8_t {
  kNone = 0,  // not a money movement (an order, a takeover's lots, a deficit opened)
  kAccount = 1,
  kInsurance = 2,
  kFeePool = 3,
  kDefaultFund = 4,
  kVenueTranche = 5,
  kBadDebt = 6,
  kReceivable = 7,
  kOutside = 8,
  kPositions = 9,
  kCover = 10,
};

// Which party's figure a record's before/after are, in the engine's own terms (a balance, a fund,
// a member's contribution, bad debt and a member's owed assessment as positive amounts).
enum class Shown : std::uint8_t {
  kNeither = 0,  // before/after carry the kind's own detail (a price, a per-lot figure, lots)
  kFrom = 1,
  kTo = 2,
};

enum class WaterfallReason : std::uint8_t {
  kCover = 1,  // covers a deficit
  kFee = 2,
  kSurplus = 3,
  kRounding = 4,
  kTransfer = 5,  // moves a position, not money
  kDeposit = 6,
  kSettlement = 7,  // a trade's realized PnL or settled funding
  kWithdrawal = 8,
  kControl = 9,  // a risk control or trigger: a setting changed, or the money it moves
};

// One audit record: 40 bytes, no padding, so an OutputEvent can carry it.
struct WaterfallRecord {
  WaterfallKind kind;
  std::uint8_t tier;  // 0 liquidation, 1-7 as in docs/design.md §5, 8 bad debt
  WaterfallReason reason;
  std::uint8_t asset;
  std::uint16_t instrument;  // 0xFFFF: none
  std::uint8_t parties;      // from | to << 4 (Party); 0: not a money movement
  Shown shown;               // whose figure before/after are
  std::uint64_t account;     // external id (0: a fund)
  std::int64_t amount;       // moved from `from` to `to`; never negative for a movement
  std::int64_t before;
  std::int64_t after;
};
static_assert(sizeof(WaterfallRecord) == 40);
static_assert(std::has_unique_object_representations_v<WaterfallRecord>);

inline constexpr std::uint16_t kNoInstrument = 0xFFFF;

constexpr std::uint8_t pack_parties(Party from, Party to) noexcept {
  return static_cast<std::uint8_t>(static_cast<unsigned>(from) | static_cast<unsigned>(to) << 4);
}
constexpr Party from_party(const WaterfallRecord& r) noexcept {
  return static_cast<Party>(r.parties & 0x0F);
}
constexpr Party to_party(const WaterfallRecord& r) noexcept {
  return static_cast<Party>(r.parties >> 4);
}

// The records of the current event, up to a capacity fixed at construction.
class AuditTrail {
 public:
  AuditTrail() = default;
  explicit AuditTrail(std::size_t capacity)
      : records_(std::make_unique<WaterfallRecord[]>(capacity)), capacity_(capacity) {}

  void clear() noexcept { count_ = 0; }
  // False (nothing kept) when the event's records fill the capacity.
  bool push(const WaterfallRecord& r) noexcept {
    if (count_ == capacity_) return false;
    records_[count_++] = r;
    return true;
  }
  std::span<const WaterfallRecord> records() const noexcept { return {records_.get(), count_}; }

 private:
  std::unique_ptr<WaterfallRecord[]> records_;
  std::size_t capacity_ = 0;
  std::size_t count_ = 0;
};

}  // namespace backstop
