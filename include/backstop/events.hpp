// The risk engine's input events and output records. Fixed-size, trivially copyable PODs so that
// they travel in ring-buffer slots and journal frames unchanged: an Event is exactly 64 bytes (one
// cache line). The ring slot carries the sequence number; an event carries its own timestamp (time
// is an input, so replay is deterministic). Any thread; plain values.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "backstop/account.hpp"
#include "backstop/money.hpp"
#include "backstop/reject_code.hpp"

namespace backstop {

enum class EventType : std::uint8_t {
  kNone = 0,
  kMarkPrice = 1,
  kFill = 2,
  kDeposit = 3,
  kWithdraw = 4,
  kFundingRate = 5,
  kAccountConfig = 6,     // open an account (wallet) in a settlement asset
  kInstrumentConfig = 7,  // move an instrument's price band and position limit
  kFundDeposit = 8,       // money into a waterfall fund (waterfall.hpp)
  kRiskControl = 9,       // a decision of the sizing layer (risk_controls.hpp)
  kSettlement = 10,       // a dated future's settlement price: every position closed at it
};

enum class Side : std::uint8_t {
  kBuy = 0,
  kSell = 1,
};

struct MarkPricePayload {
  Price mark;
};
struct FillPayload {
  std::uint64_t taker;
  std::uint64_t maker;
  Price price;
  Qty qty;          // > 0; the taker's side is Event::side, the maker takes the other side
  Money taker_fee;  // charged to the taker (negative: a rebate), credited to the fee pool
  Money maker_fee;
};
struct TransferPayload {  // Deposit and Withdraw
  std::uint64_t account;
  Money amount;  // > 0
};
struct FundingRatePayload {
  std::int64_t rate_e8;  // in 1e-8 (kFundingRateScale); > 0: longs pay shorts
};
struct AccountConfigPayload {
  std::uint64_t account;
  std::uint8_t asset;
  MarginMode mode;
};
// Which fund a FundDeposit feeds. Insurance, venue tranche and bad-debt recovery bring new money in
// for `asset`; a default-fund contribution and an assessment payment come from `account`'s balance.
enum class FundKind : std::uint8_t {
  kInsurance = 0,
  kVenueTranche = 1,
  kDefaultFund = 2,
  kAssessmentPayment = 3,
  kRecoverBadDebt = 4,
};
struct FundDepositPayload {
  std::uint64_t account;  // kDefaultFund / kAssessmentPayment: the member
  Money amount;           // > 0
  FundKind fund;
  std::uint8_t asset;  // the other kinds: the settlement asset
};
// What a RiskControl event changes (docs/waterfall.md, risk controls). The sizing layer decides off
// the hot path; its decisions enter the engine as these inputs, so that the journal replays them.
enum class ControlKind : std::uint8_t {
  kFeeShare = 1,            // asset; value: share of trading fees to the insurance fund, ppm
  kAdlMode = 2,             // Event::instrument; value: AdlMode
  kLiquidationHold = 3,     // Event::instrument; value: HoldMode; until_ns: when it ends
  kContributionTarget = 4,  // account; value: its default-fund contribution from now on
  kReplenishmentCall = 5,   // account; value: the amount called, a receivable
};
// An instrument's ADL mode: a deficit of a liquidation holding it goes to tier 6 before the
// skipped tiers (which still cover what tier 6 leaves).
enum class AdlMode : std::uint8_t {
  kOff = 0,
  kSkipInsurance = 1,  // tier 3 after tier 6
  kSkipFunds = 2,      // tiers 3 and 5 after tier 6
};
// A liquidation hold on an instrument, until its until_ns of event time.
enum class HoldMode : std::uint8_t {
  kNone = 0,          // release
  kHold = 1,          // flagged accounts holding the instrument are not acted on
  kTakeoverOnly = 2,  // order mode is bypassed: such accounts are taken over at once
};
struct RiskControlPayload {
  std::uint64_t account;  // kContributionTarget, kReplenishmentCall: the member
  std::int64_t value;     // as ControlKind says
  std::int64_t until_ns;  // kLiquidationHold: event time at which the hold ends by itself
  ControlKind kind;
  std::uint8_t asset;  // kFeeShare
};
struct InstrumentConfigPayload {
  Price min_price;
  Price max_price;
  Qty max_position;
};
// A dated future's settlement (docs/futures.md): at or after its expiry, once.
struct SettlementPayload {
  Price price;  // within the instrument's price band
};

// Event::flags bits. Other bits are reserved: builders leave them zero, and an event with one set
// (or with a fill's bit on another event type) is rejected (kUnknownFlags, flags_valid below). A
// Fill that answers the engine's LiquidationOrder (make_liquidation_fill): its taker is the account
// under liquidation. The order is known by (account id, instrument): the engine has at most one
// order pending per position of an account (docs/waterfall.md, order mode), so the pair the
// LiquidationOrder record carries (account, instrument) is the reference the matching engine
// echoes; the engine rejects the fill (kNotUnderLiquidation) when no such order is pending.
inline constexpr std::uint32_t kFlagLiquidationFill = 1;

struct Event {
  EventType type;
  Side side;                 // Fill: the taker's side
  std::uint16_t instrument;  // dense instrument index, as configured
  std::uint32_t flags;       // kFlag* bits (a Fill's kFlagLiquidationFill); 0 otherwise
  std::int64_t time_ns;
  union {
    MarkPricePayload mark;
    FillPayload fill;
    TransferPayload transfer;
    FundingRatePayload funding;
    AccountConfigPayload account;
    InstrumentConfigPayload instrument_config;
    FundDepositPayload fund;
    RiskControlPayload control;
    SettlementPayload settlement;
  };
};
static_assert(sizeof(Event) == 64);
static_assert(std::is_trivially_copyable_v<Event>);

// Whether the event's flags are ones its type knows: none, or a fill's kFlagLiquidationFill.
inline constexpr bool flags_valid(const Event& e) noexcept {
  return e.flags == 0 || (e.type == EventType::kFill && e.flags == kFlagLiquidationFill);
}

// Whether a RiskControl event's kind is one this build knows (checked at the entrance).
inline constexpr bool control_kind_known(const Event& e) noexcept {
  const auto k = static_cast<std::uint8_t>(e.control.kind);
  return k >= static_cast<std::uint8_t>(ControlKind::kFeeShare) &&
         k <= static_cast<std::uint8_t>(ControlKind::kReplenishmentCall);
}

// Builders zero the whole slot first so that equal events are equal bytes (journal, digest).
inline Event blank_event(EventType type, std::uint16_t instrument, std::int64_t time_ns) noexcept {
  Event e;
  std::memset(&e, 0, sizeof e);
  e.type = type;
  e.instrument = instrument;
  e.time_ns = time_ns;
  return e;
}
inline Event make_mark(std::uint16_t instrument, Price mark, std::int64_t time_ns = 0) noexcept {
  Event e = blank_event(EventType::kMarkPrice, instrument, time_ns);
  e.mark.mark = mark;
  return e;
}
inline Event make_fill(std::uint16_t instrument, Side taker_side, std::uint64_t taker,
                       std::uint64_t maker, Price price, Qty qty, Money taker_fee = Money{0},
                       Money maker_fee = Money{0}, std::int64_t time_ns = 0) noexcept {
  Event e = blank_event(EventType::kFill, instrument, time_ns);
  e.side = taker_side;
  e.fill = FillPayload{taker, maker, price, qty, taker_fee, maker_fee};
  return e;
}
// A fill answering the LiquidationOrder of `account` in `instrument` (kFlagLiquidationFill):
// `account` takes `side` (reducing its position) against `counterparty`. Settled like a takeover
// close (liquidation.hpp, settle_liquidation_fill): the liquidation fee and the surplus per the
// instrument's SurplusRule.
inline Event make_liquidation_fill(std::uint16_t instrument, Side side, std::uint64_t account,
                                   std::uint64_t counterparty, Price price, Qty qty,
                                   Money account_fee = Money{0}, Money counterparty_fee = Money{0},
                                   std::int64_t time_ns = 0) noexcept {
  Event e = make_fill(instrument, side, account, counterparty, price, qty, account_fee,
                      counterparty_fee, time_ns);
  e.flags = kFlagLiquidationFill;
  return e;
}
inline Event make_deposit(std::uint64_t account, Money amount, std::int64_t time_ns = 0) noexcept {
  Event e = blank_event(EventType::kDeposit, 0, time_ns);
  e.transfer = TransferPayload{account, amount};
  return e;
}
inline Event make_withdraw(std::uint64_t account, Money amount, std::int64_t time_ns = 0) noexcept {
  Event e = blank_event(EventType::kWithdraw, 0, time_ns);
  e.transfer = TransferPayload{account, amount};
  return e;
}
inline Event make_funding(std::uint16_t instrument, std::int64_t rate_e8,
                          std::int64_t time_ns = 0) noexcept {
  Event e = blank_event(EventType::kFundingRate, instrument, time_ns);
  e.funding.rate_e8 = rate_e8;
  return e;
}
inline Event make_open_account(std::uint64_t account, std::uint8_t asset,
                               MarginMode mode = MarginMode::kCross,
                               std::int64_t time_ns = 0) noexcept {
  Event e = blank_event(EventType::kAccountConfig, 0, time_ns);
  e.account.account = account;
  e.account.asset = asset;
  e.account.mode = mode;
  return e;
}
inline Event make_instrument_config(std::uint16_t instrument, Price min_price, Price max_price,
                                    Qty max_position, std::int64_t time_ns = 0) noexcept {
  Event e = blank_event(EventType::kInstrumentConfig, instrument, time_ns);
  e.instrument_config = InstrumentConfigPayload{min_price, max_price, max_position};
  return e;
}
// Settles the dated future `instrument` at `price`: every open position is closed at it and its
// PnL realized (docs/futures.md). `time_ns` must be at or after the instrument's expiry.
inline Event make_settlement(std::uint16_t instrument, Price price, std::int64_t time_ns) noexcept {
  Event e = blank_event(EventType::kSettlement, instrument, time_ns);
  e.settlement.price = price;
  return e;
}

inline Event make_fund_deposit(FundKind fund, std::uint8_t asset, Money amount,
                               std::uint64_t account = 0, std::int64_t time_ns = 0) noexcept {
  Event e = blank_event(EventType::kFundDeposit, 0, time_ns);
  e.fund = FundDepositPayload{account, amount, fund, asset};
  return e;
}

// RiskControl builders (risk_controls.hpp applies them).
inline Event make_fee_share(std::uint8_t asset, std::int64_t ppm,
                            std::int64_t time_ns = 0) noexcept {
  Event e = blank_event(EventType::kRiskControl, 0, time_ns);
  e.control.kind = ControlKind::kFeeShare;
  e.control.asset = asset;
  e.control.value = ppm;
  return e;
}
inline Event make_adl_mode(std::uint16_t instrument, AdlMode mode,
                           std::int64_t time_ns = 0) noexcept {
  Event e = blank_event(EventType::kRiskControl, instrument, time_ns);
  e.control.kind = ControlKind::kAdlMode;
  e.control.value = static_cast<std::int64_t>(mode);
  return e;
}
inline Event make_liquidation_hold(std::uint16_t instrument, HoldMode mode, std::int64_t until_ns,
                                   std::int64_t time_ns = 0) noexcept {
  Event e = blank_event(EventType::kRiskControl, instrument, time_ns);
  e.control.kind = ControlKind::kLiquidationHold;
  e.control.value = static_cast<std::int64_t>(mode);
  e.control.until_ns = until_ns;
  return e;
}
inline Event make_contribution_target(std::uint64_t account, Money target,
                                      std::int64_t time_ns = 0) noexcept {
  Event e = blank_event(EventType::kRiskControl, 0, time_ns);
  e.control.kind = ControlKind::kContributionTarget;
  e.control.account = account;
  e.control.value = target.raw();
  return e;
}
inline Event make_replenishment_call(std::uint64_t account, Money amount,
                                     std::int64_t time_ns = 0) noexcept {
  Event e = blank_event(EventType::kRiskControl, 0, time_ns);
  e.control.kind = ControlKind::kReplenishmentCall;
  e.control.account = account;
  e.control.value = amount.raw();
  return e;
}

enum class OutputType : std::uint8_t {
  kBecameLiquidatable = 1,  // equity fell below maintenance margin (still >= 0)
  kBecameBankrupt = 2,      // equity fell below zero
  kRecovered = 3,           // back to equity >= maintenance margin
  kUnderInitialMargin = 4,  // a fill left the account below initial margin (applied anyway)
};

// One record of an event's outcome; an event's records come sorted by (account, type).
struct RiskOutput {
  OutputType type;
  std::uint8_t reserved[7];
  std::uint64_t account;  // external id
  Money equity;
  Money maintenance;
  Money initial;
};
static_assert(sizeof(RiskOutput) == 40);
static_assert(std::is_trivially_copyable_v<RiskOutput>);

struct EventResult {
  RejectCode code;
  std::uint32_t output_count;  // records in RiskEngine::outputs() for this event
};

}  // namespace backstop
