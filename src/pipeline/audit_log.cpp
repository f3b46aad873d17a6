#include "pipeline/audit_log.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

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
  }
  return "unknown";
}

std::string audit_json(const OutputEvent& out) {
  const WaterfallRecord& w = out.waterfall;
  const std::string instrument =
      w.instrument == kNoInstrument ? std::string("null") : fmt::format("{}", w.instrument);
  return fmt::format(
      "{{\"sequence\":{},\"time_ns\":{},\"account\":{},\"instrument\":{},\"asset\":{},\"tier\":{},"
      "\"kind\":\"{}\",\"reason\":\"{}\",\"amount\":{},\"before\":{},\"after\":{}}}",
      out.input_sequence, out.input_time_ns, w.account, instrument, w.asset, w.tier,
      to_string(w.kind), to_string(w.reason), w.amount, w.before, w.after);
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

bool AuditLogWriter::write(const OutputEvent& out) {
  if (file_ == nullptr || failed_) return false;
  if (out.kind != OutputKind::kWaterfall) return true;
  const std::string line = audit_json(out);
  failed_ = std::fwrite(line.data(), 1, line.size(), file_) != line.size() ||
            std::fputc('\n', file_) == EOF;
  if (!failed_) ++records_;
  return !failed_;
}

bool AuditLogWriter::close() {
  if (file_ == nullptr) return !failed_;
  failed_ = std::fclose(file_) != 0 || failed_;
  file_ = nullptr;
  return !failed_;
}

}  // namespace backstop::pipeline
