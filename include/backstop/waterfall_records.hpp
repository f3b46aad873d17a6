// The waterfall's audit records (docs/waterfall.md): one WaterfallRecord per money movement or
// position transfer, in execution order, so that every unit moved has a reason. AuditTrail is the
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
  std::uint8_t tier;  // 0 liquidation, 1-7 as in docs/design.md §5, 8 bad debt
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
