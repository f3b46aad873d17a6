// The risk engine's cold half: construction (validation, every table), the rarer events (transfers,
// funding, configuration, fund deposits) and the end of a restore.
#include "backstop/risk_engine.hpp"

#include <stdexcept>

namespace backstop {
namespace {

// Audit records one event may write: with liquidation off only fund deposits write any, and a
// settlement with the balance legs (two per holder).
std::size_t audit_capacity(const RiskConfig& config) {
  const WaterfallConfig& w = config.waterfall;
  if (w.mode == LiquidationMode::kOff) {
    bool dated = false;
    for (const InstrumentSpec& s : config.instruments)
      dated = dated || s.expiry_ns != 0;
    if (!dated || !w.audit_balances) return 256;
    return w.audit_capacity != 0 ? w.audit_capacity : 2 * std::size_t{config.max_accounts} + 256;
  }
  if (w.audit_capacity != 0) return w.audit_capacity;
  // With the balance legs a liquidation writes about four times the records: each position moved
  // has up to seven legs.
  return (w.audit_balances ? 16 : 4) * std::size_t{config.max_accounts} + 256;
}

}  // namespace

const RiskConfig& RiskEngine::validated(const RiskConfig& config) {
  const std::string error = validate_config(config);
  if (!error.empty()) throw std::invalid_argument(error);
  return config;
}

RiskEngine::RiskEngine(const RiskConfig& config)
    : wf_config_(validated(config).waterfall),
      max_abs_funding_rate_e8_(config.max_abs_funding_rate_e8),
      ledger_(config),
      audit_(audit_capacity(config)),
      adl_(ledger_, wf_config_, wf_state_),
      waterfall_{ledger_, wf_config_, wf_state_, audit_, adl_, touches_},
      quantiles_(ledger_, adl_, wf_config_) {
  wf_state_.allocate(config.max_accounts, static_cast<std::uint32_t>(config.instruments.size()),
                     config.waterfall.drawdown_ppm != 0 ? config.waterfall.drawdown_capacity : 0);
  if (config.state_feed) touches_.enable(config.max_accounts);
}

RejectCode RiskEngine::on_liquidation_fill(const Event& e, std::uint32_t taker,
                                           std::uint32_t maker) noexcept {
  const FillPayload& f = e.fill;
  const std::int64_t delta = e.side == Side::kBuy ? f.qty.raw() : -f.qty.raw();
  const Int128 equity_before = ledger_.margin(taker).equity;
  const TradeSettlement t =
      ledger_.trade(taker, maker, e.instrument, Qty{delta}, f.price, f.taker_fee, f.maker_fee);
  if (wf_config_.audit_balances) waterfall_.record_trade(t, 0);
  share_fees(waterfall_, e.instrument, f.taker_fee.raw() + f.maker_fee.raw());
  settle_liquidation_fill(waterfall_, taker, e.instrument, -delta, f.price.raw(), equity_before);
  refresh_traders(taker, maker);
  return RejectCode::kOk;
}

RejectCode RiskEngine::on_deposit(const Event& e) noexcept {
  const std::uint32_t slot = ledger_.find_slot(e.transfer.account);
  if (slot == kNoSlot) return RejectCode::kUnknownAccount;
  const std::int64_t amount = e.transfer.amount.raw();
  if (amount <= 0) return RejectCode::kNonPositiveAmount;
  const Account& acct = ledger_.account(slot);
  if (amount > kMaxAmount || acct.balance > kMaxNotional) return RejectCode::kValueOverflow;
  if (wf_config_.audit_balances) {
    waterfall_.transfer(WaterfallKind::kDeposit, 0, WaterfallReason::kDeposit, acct.asset,
                        kNoInstrument, acct.id, Party::kOutside, Party::kAccount, amount,
                        Shown::kTo, acct.balance, acct.balance + amount);
  }
  ledger_.credit(slot, e.transfer.amount);
  ledger_.add_net_deposits(acct.asset, e.transfer.amount);
  Evaluation ev;
  refresh(slot, ev);
  return RejectCode::kOk;
}

RejectCode RiskEngine::on_withdraw(const Event& e) noexcept {
  const std::uint32_t slot = ledger_.find_slot(e.transfer.account);
  if (slot == kNoSlot) return RejectCode::kUnknownAccount;
  const std::int64_t amount = e.transfer.amount.raw();
  if (amount <= 0) return RejectCode::kNonPositiveAmount;
  const Account& acct = ledger_.account(slot);
  if (amount > acct.balance) return RejectCode::kInsufficientBalance;
  if (deficit_unresolved(waterfall_, acct.asset)) return RejectCode::kDeficitUnresolved;
  const AccountMargin m = ledger_.margin(slot);
  if (m.equity - amount < m.initial) return RejectCode::kInsufficientMargin;
  if (wf_config_.audit_balances) {
    waterfall_.transfer(WaterfallKind::kWithdrawal, 0, WaterfallReason::kWithdrawal, acct.asset,
                        kNoInstrument, acct.id, Party::kAccount, Party::kOutside, amount,
                        Shown::kFrom, acct.balance, acct.balance - amount);
  }
  ledger_.credit(slot, Money{-amount});
  ledger_.add_net_deposits(acct.asset, Money{-amount});
  // The cushion shrank: the account's triggers must move closer (never left stale).
  Evaluation ev;
  refresh(slot, ev);
  return RejectCode::kOk;
}

RejectCode RiskEngine::on_funding(const Event& e) noexcept {
  if (e.instrument >= ledger_.instrument_count()) return RejectCode::kUnknownInstrument;
  const std::int64_t rate = e.funding.rate_e8;
  const InstrumentRisk& r = ledger_.risk(e.instrument);
  if (r.expiry_ns != 0) return RejectCode::kFundingNotApplicable;  // docs/futures.md
  if (rate > max_abs_funding_rate_e8_ || rate < -max_abs_funding_rate_e8_) {
    return RejectCode::kFundingRateOutOfRange;
  }
  const InstrumentState& s = ledger_.state(e.instrument);
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
  ledger_.add_funding(e.instrument, Money{pay}, Money{receive});
  const std::int64_t spread = s.open_interest * (pay - receive);
  if (wf_config_.audit_balances && spread != 0) {
    const std::int64_t fund = ledger_.insurance(r.settlement_asset);
    waterfall_.transfer(WaterfallKind::kFundingSpread, 0, WaterfallReason::kRounding,
                        r.settlement_asset, e.instrument, 0, Party::kPositions, Party::kInsurance,
                        spread, Shown::kTo, fund, fund + spread);
  }
  ledger_.add_insurance(r.settlement_asset, Money{spread});
  if (pay == 0 && receive == 0) return RejectCode::kOk;
  ledger_.refresh_payers(e.instrument, pay > 0, receive < 0, waterfall_);
  return RejectCode::kOk;
}

RejectCode RiskEngine::on_account_config(const Event& e) noexcept {
  const AccountConfigPayload& a = e.account;
  if (a.asset >= ledger_.asset_count()) return RejectCode::kInvalidConfig;
  if (a.mode != MarginMode::kCross && a.mode != MarginMode::kIsolated) {
    return RejectCode::kInvalidConfig;
  }
  if (ledger_.find_slot(a.account) != kNoSlot) return RejectCode::kDuplicateAccount;
  if (ledger_.account_count() == ledger_.max_accounts()) return RejectCode::kAccountCapacity;
  ledger_.open_account(a.account, a.asset, a.mode);
  return RejectCode::kOk;
}

RejectCode RiskEngine::on_instrument_config(const Event& e) noexcept {
  if (e.instrument >= ledger_.instrument_count()) return RejectCode::kUnknownInstrument;
  const InstrumentConfigPayload& c = e.instrument_config;
  const InstrumentRisk& r = ledger_.risk(e.instrument);
  if (c.min_price.raw() < 1 || c.max_price < c.min_price ||
      !instrument_bounds_ok(r.kind, r.multiplier, c.max_price.raw(), c.max_position.raw())) {
    return RejectCode::kInvalidConfig;
  }
  ledger_.set_limits(e.instrument, c.min_price, c.max_price, c.max_position);
  return RejectCode::kOk;
}

RejectCode RiskEngine::on_fund_deposit(const Event& e) noexcept {
  return fund_deposit(waterfall_, e);
}

RejectCode RiskEngine::on_risk_control(const Event& e) noexcept {
  return apply_risk_control(waterfall_, e);
}

// Checks, in order: instrument, a dated future, not settled yet, expired, the price.
RejectCode RiskEngine::on_settlement(const Event& e) noexcept {
  if (e.instrument >= ledger_.instrument_count()) return RejectCode::kUnknownInstrument;
  const InstrumentRisk& r = ledger_.risk(e.instrument);
  if (r.expiry_ns == 0) return RejectCode::kNotDatedFuture;
  if (is_settled(ledger_.state(e.instrument))) return RejectCode::kInstrumentSettled;
  if (e.time_ns < r.expiry_ns) return RejectCode::kNotExpired;
  const std::int64_t price = e.settlement.price.raw();
  if (price <= 0) return RejectCode::kNonPositivePrice;
  if (price < r.min_price || price > r.max_price) return RejectCode::kPriceOutOfBand;
  settle_dated_future(waterfall_, e.instrument, price);
  return RejectCode::kOk;
}

std::string RiskEngine::finish_restore() {
  const std::uint32_t accounts = account_count();
  if (wf_state_.member_count > accounts) return "bad member list";
  for (std::uint32_t k = 0; k < wf_state_.member_count; ++k) {
    if (wf_state_.members[k] >= accounts) return "bad member list";
  }
  std::string error = wf_state_.controls.finish_restore(instrument_count());
  if (error.empty()) error = quantiles_.finish_restore();
  if (error.empty()) error = ledger_.rebuild_derived(waterfall_);
  if (!error.empty()) return error;
  adl_.rebuild();
  ledger_.clear_outputs();
  return {};
}

}  // namespace backstop
