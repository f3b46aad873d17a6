// Typed outcomes of processing an event. Stable numbers, grouped by range (exchange-core's
// CommandResultCode is the model): a code once published keeps its number forever.
// Any thread; a plain value.
#pragma once

#include <cstdint>
#include <string_view>

namespace backstop {

enum class RejectCode : std::uint16_t {
  kOk = 0,

  // 100-199: invalid input, caught at the entrance; nothing was applied.
  kUnknownEventType = 100,
  kUnknownInstrument = 101,
  kUnknownAccount = 102,
  kNonPositivePrice = 103,
  kPriceOutOfBand = 104,
  kNonPositiveQty = 105,
  kNonPositiveAmount = 106,
  kSelfTrade = 107,
  kDuplicateAccount = 108,
  kValueOverflow = 109,
  kAssetMismatch = 110,
  kInvalidSide = 111,
  kFundingRateOutOfRange = 112,
  kInvalidConfig = 113,
  kUnknownFlags = 114,    // Event::flags has a bit its type does not know (events.hpp)
  kUnknownControl = 115,  // a RiskControl event's kind is none of ControlKind's
  kUnknownAsset = 116,    // a RiskControl event's asset is not configured
  // A RiskControl event's value is outside its kind's range (a share above 1e6 ppm, an unknown
  // mode, a negative target, a hold ending at or before the event's time).
  kControlOutOfRange = 117,

  // 200-299: valid input that the risk rules refuse; nothing was applied.
  kInsufficientMargin = 200,
  kInsufficientBalance = 201,
  kPositionLimit = 202,
  // A withdrawal while the asset has bad debt or an unresolved bankruptcy.
  kDeficitUnresolved = 203,
  // A liquidation fill (kFlagLiquidationFill) for an account with no LiquidationOrder pending in
  // the instrument (not in order mode, not under liquidation, no position there), or one that
  // would not reduce the position (the wrong side, or more lots than it holds).
  kNotUnderLiquidation = 204,
  // Dated futures (docs/futures.md): a FundingRate for one (it has no funding);
  kFundingNotApplicable = 205,
  // a fill, mark or settlement for one already settled;
  kInstrumentSettled = 206,
  // a fill at or after its expiry, before its settlement;
  kInstrumentExpired = 207,
  // a Settlement for a perpetual;
  kNotDatedFuture = 208,
  // a Settlement before the instrument's expiry.
  kNotExpired = 209,

  // 300-399: a capacity fixed at construction is exhausted; nothing was applied.
  kAccountCapacity = 300,
  kPositionCapacity = 301,

  // 400-499: the pipeline.
  kJournalFailure = 400,     // the journal could not write the event; it was not applied
  kSequenceGap = 401,        // the publisher's source sequence skipped ahead: inputs are missing
  kDuplicateSequence = 402,  // the publisher's source sequence was already accepted
};

inline constexpr std::string_view to_string(RejectCode code) noexcept {
  switch (code) {
    case RejectCode::kOk:
      return "ok";
    case RejectCode::kUnknownEventType:
      return "unknown_event_type";
    case RejectCode::kUnknownInstrument:
      return "unknown_instrument";
    case RejectCode::kUnknownAccount:
      return "unknown_account";
    case RejectCode::kNonPositivePrice:
      return "non_positive_price";
    case RejectCode::kPriceOutOfBand:
      return "price_out_of_band";
    case RejectCode::kNonPositiveQty:
      return "non_positive_qty";
    case RejectCode::kNonPositiveAmount:
      return "non_positive_amount";
    case RejectCode::kSelfTrade:
      return "self_trade";
    case RejectCode::kDuplicateAccount:
      return "duplicate_account";
    case RejectCode::kValueOverflow:
      return "value_overflow";
    case RejectCode::kAssetMismatch:
      return "asset_mismatch";
    case RejectCode::kInvalidSide:
      return "invalid_side";
    case RejectCode::kFundingRateOutOfRange:
      return "funding_rate_out_of_range";
    case RejectCode::kInvalidConfig:
      return "invalid_config";
    case RejectCode::kUnknownFlags:
      return "unknown_flags";
    case RejectCode::kUnknownControl:
      return "unknown_control";
    case RejectCode::kUnknownAsset:
      return "unknown_asset";
    case RejectCode::kControlOutOfRange:
      return "control_out_of_range";
    case RejectCode::kInsufficientMargin:
      return "insufficient_margin";
    case RejectCode::kInsufficientBalance:
      return "insufficient_balance";
    case RejectCode::kPositionLimit:
      return "position_limit";
    case RejectCode::kDeficitUnresolved:
      return "deficit_unresolved";
    case RejectCode::kNotUnderLiquidation:
      return "not_under_liquidation";
    case RejectCode::kFundingNotApplicable:
      return "funding_not_applicable";
    case RejectCode::kInstrumentSettled:
      return "instrument_settled";
    case RejectCode::kInstrumentExpired:
      return "instrument_expired";
    case RejectCode::kNotDatedFuture:
      return "not_dated_future";
    case RejectCode::kNotExpired:
      return "not_expired";
    case RejectCode::kAccountCapacity:
      return "account_capacity";
    case RejectCode::kPositionCapacity:
      return "position_capacity";
    case RejectCode::kJournalFailure:
      return "journal_failure";
    case RejectCode::kSequenceGap:
      return "sequence_gap";
    case RejectCode::kDuplicateSequence:
      return "duplicate_sequence";
  }
  return "unknown";
}

}  // namespace backstop
