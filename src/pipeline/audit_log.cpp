#include "pipeline/audit_log.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "backstop/risk_engine.hpp"

namespace backstop::pipeline {

std::string_view to_string(WaterfallKind kind) noexcept {
  switch (kind) {
    case WaterfallKind::kLiquidationOrder:
      return "liquidation_order";
    case WaterfallKind::kTakeover:
      return "takeover";
    case WaterfallKind::kLiquidationFee:
      return "liquidation_fee";
    case WaterfallKind::kSurplus:
      return "surplus";
    case WaterfallKind::kCollateral:
      return "collateral";
    case WaterfallKind::kOwnDefaultFund:
      return "own_default_fund";
    case WaterfallKind::kInsuranceDraw:
      return "insurance_draw";
    case WaterfallKind::kVenueTranche:
      return "venue_tranche";
    case WaterfallKind::kDefaultFundDraw:
      return "default_fund_draw";
    case WaterfallKind::kAdlClose:
      return "adl_close";
    case WaterfallKind::kAdlFill:
      return "adl_fill";
    case WaterfallKind::kSocializedLoss:
      return "socialized_loss";
    case WaterfallKind::kAssessment:
      return "assessment";
    case WaterfallKind::kBadDebt:
      return "bad_debt";
    case WaterfallKind::kRemainder:
      return "remainder";
    case WaterfallKind::kDeficit:
      return "deficit";
    case WaterfallKind::kFundDeposit:
      return "fund_deposit";
    case WaterfallKind::kRealizedPnl:
      return "realized_pnl";
    case WaterfallKind::kFundingSettled:
      return "funding_settled";
    case WaterfallKind::kTradeFee:
      return "trade_fee";
    case WaterfallKind::kTradeDust:
      return "trade_dust";
    case WaterfallKind::kDeposit:
      return "deposit";
    case WaterfallKind::kWithdrawal:
      return "withdrawal";
    case WaterfallKind::kFundingSpread:
      return "funding_spread";
    case WaterfallKind::kSocializedCharge:
      return "socialized_charge";
    case WaterfallKind::kCoverPaid:
      return "cover_paid";
    case WaterfallKind::kControl:
      return "control";
    case WaterfallKind::kFeeShare:
      return "fee_share";
    case WaterfallKind::kContribution:
      return "contribution";
    case WaterfallKind::kDrawdownOn:
      return "drawdown_on";
    case WaterfallKind::kDrawdownOff:
      return "drawdown_off";
    case WaterfallKind::kExposureCap:
      return "exposure_cap";
    case WaterfallKind::kLiquidationHold:
      return "liquidation_hold";
    case WaterfallKind::kSettlement:
      return "settlement";
    case WaterfallKind::kSettlementPnl:
      return "settlement_pnl";
    case WaterfallKind::kSettlementDust:
      return "settlement_dust";
  }
  return "unknown";
}

std::string_view to_string(WaterfallReason reason) noexcept {
  switch (reason) {
    case WaterfallReason::kCover:
      return "cover";
    case WaterfallReason::kFee:
      return "fee";
    case WaterfallReason::kSurplus:
      return "surplus";
    case WaterfallReason::kRounding:
      return "rounding";
    case WaterfallReason::kTransfer:
      return "transfer";
    case WaterfallReason::kDeposit:
      return "deposit";
    case WaterfallReason::kSettlement:
      return "settlement";
    case WaterfallReason::kWithdrawal:
      return "withdrawal";
    case WaterfallReason::kControl:
      return "control";
  }
  return "unknown";
}

std::string_view to_string(Party party) noexcept {
  switch (party) {
    case Party::kNone:
      return "none";
    case Party::kAccount:
      return "account";
    case Party::kInsurance:
      return "insurance";
    case Party::kFeePool:
      return "fee_pool";
    case Party::kDefaultFund:
      return "default_fund";
    case Party::kVenueTranche:
      return "venue_tranche";
    case Party::kBadDebt:
      return "bad_debt";
    case Party::kReceivable:
      return "receivable";
    case Party::kOutside:
      return "outside";
    case Party::kPositions:
      return "positions";
    case Party::kCover:
      return "cover";
  }
  return "unknown";
}

std::string_view to_string(Shown shown) noexcept {
  switch (shown) {
    case Shown::kNeither:
      return "neither";
    case Shown::kFrom:
      return "from";
    case Shown::kTo:
      return "to";
  }
  return "unknown";
}

std::uint64_t party_id(const WaterfallRecord& r, Party party) noexcept {
  switch (party) {
    case Party::kAccount:
    case Party::kDefaultFund:
    case Party::kReceivable:
      return r.account;
    case Party::kPositions:
      return r.instrument;
    default:
      return r.asset;
  }
}

std::string audit_json(const OutputEvent& out) {
  const WaterfallRecord& w = out.waterfall;
  const std::string instrument =
      w.instrument == kNoInstrument ? std::string("null") : fmt::format("{}", w.instrument);
  std::string parties;
  if (w.parties != 0) {
    const Party from = from_party(w);
    const Party to = to_party(w);
    parties = fmt::format(
        "\"from\":\"{}\",\"from_id\":{},\"to\":\"{}\",\"to_id\":{},\"shown\":\"{}\",",
        to_string(from), party_id(w, from), to_string(to), party_id(w, to), to_string(w.shown));
  }
  return fmt::format(
      "{{\"sequence\":{},\"time_ns\":{},\"account\":{},\"instrument\":{},\"asset\":{},\"tier\":{},"
      "\"kind\":\"{}\",\"reason\":\"{}\",{}\"amount\":{},\"before\":{},\"after\":{}}}",
      out.input_sequence, out.input_time_ns, w.account, instrument, w.asset, w.tier,
      to_string(w.kind), to_string(w.reason), parties, w.amount, w.before, w.after);
}

AuditLogWriter::~AuditLogWriter() {
  close();
}

bool AuditLogWriter::open(const std::filesystem::path& file, std::string& error) {
  close();
  file_ = std::fopen(file.c_str(), "w");
  if (file_ == nullptr) {
    error = fmt::format("audit log: cannot create {}: {}", file.string(), std::strerror(errno));
    return false;
  }
  // A large buffer: the log is written in bursts (a crash tick can move money thousands of times).
  std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
  records_ = 0;
  failed_ = false;
  return true;
}

bool AuditLogWriter::put(const std::string& line) {
  if (file_ == nullptr || failed_) return false;
  failed_ = std::fwrite(line.data(), 1, line.size(), file_) != line.size() ||
            std::fputc('\n', file_) == EOF;
  return !failed_;
}

bool AuditLogWriter::write_header(bool balances) {
  return put(fmt::format("{{\"audit_log\":{},\"balances\":{}}}", kAuditLogVersion, balances));
}

bool AuditLogWriter::write(const OutputEvent& out) {
  if (file_ == nullptr || failed_) return false;
  if (out.kind != OutputKind::kWaterfall) return true;
  if (put(audit_json(out))) ++records_;
  return !failed_;
}

std::string int128_text(Int128 v) {
  return fmt::format("{}", v);
}

bool AuditLogWriter::write_closing(const RiskEngine& risk) {
  const auto line = [this](std::string_view party, std::uint64_t id, std::uint8_t asset,
                           const std::string& value) {
    return put(fmt::format("{{\"closing\":\"{}\",\"id\":{},\"asset\":{},\"value\":{}}}", party, id,
                           asset, value));
  };
  const WaterfallState& w = risk.waterfall_state();
  for (std::uint32_t a = 0; a < risk.account_count(); ++a) {
    const Account& acct = risk.account(a);
    line("account", acct.id, acct.asset, fmt::format("{}", acct.balance));
    if (w.contribution[a] != 0)
      line("default_fund", acct.id, acct.asset, fmt::format("{}", w.contribution[a]));
    if (w.owed[a] != 0) line("receivable", acct.id, acct.asset, fmt::format("{}", w.owed[a]));
  }
  for (std::uint32_t k = 0; k < risk.asset_count(); ++k) {
    const auto asset = static_cast<std::uint8_t>(k);
    line("insurance", k, asset, fmt::format("{}", risk.insurance_fund(asset).raw()));
    line("fee_pool", k, asset, fmt::format("{}", risk.fee_pool(asset).raw()));
    line("venue_tranche", k, asset, fmt::format("{}", w.venue_tranche[k]));
    line("bad_debt", k, asset, fmt::format("{}", w.bad_debt[k]));
    line("outside", k, asset, fmt::format("{}", risk.net_deposits(asset).raw()));
  }
  // Each instrument's open positions: Σ (cost + accrued, unsettled funding).
  std::vector<Int128> held(risk.instrument_count(), 0);
  for (std::uint32_t a = 0; a < risk.account_count(); ++a) {
    for (const Position& p : risk.positions(a)) {
      const InstrumentState& s = risk.instrument_state(p.instrument);
      held[p.instrument] +=
          Int128{p.cost} + Int128{p.qty} * (funding_index_for(s, p.qty) - p.funding_snapshot);
    }
  }
  for (std::uint32_t i = 0; i < risk.instrument_count(); ++i) {
    const auto instrument = static_cast<std::uint16_t>(i);
    line("positions", i, risk.instrument_risk(instrument).settlement_asset, int128_text(held[i]));
  }
  return put(fmt::format("{{\"closing\":\"end\",\"records\":{},\"records_dropped\":{}}}", records_,
                         w.records_dropped));
}

bool AuditLogWriter::close() {
  if (file_ == nullptr) return !failed_;
  failed_ = std::fclose(file_) != 0 || failed_;
  file_ = nullptr;
  return !failed_;
}

}  // namespace backstop::pipeline
