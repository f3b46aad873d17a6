#include "report/report_data.hpp"

#include <algorithm>
#include <limits>

namespace backstop::report {

using replay::ReplayOptions;

namespace {

std::int64_t clamp_to_int64(Int128 v) noexcept {
  if (v > Int128{std::numeric_limits<std::int64_t>::max()})
    return std::numeric_limits<std::int64_t>::max();
  if (v < Int128{std::numeric_limits<std::int64_t>::min()})
    return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(v);
}

template <class T>
void merge_pairs_of(std::vector<T>& v, std::size_t used) {
  const std::size_t half = (used + 1) / 2;
  for (std::size_t i = 0; i < half; ++i) {
    T merged = v[2 * i];
    if (2 * i + 1 < used) merged.merge(v[2 * i + 1]);
    v[i] = merged;
  }
  std::fill(v.begin() + static_cast<std::ptrdiff_t>(half), v.end(), T{});
}

}  // namespace

const char* payment_tier_name(PaymentTier tier) noexcept {
  switch (tier) {
    case PaymentTier::kDefaulterCollateral:
      return "defaulter's collateral";
    case PaymentTier::kDefaulterDefaultFund:
      return "defaulter's default-fund contribution";
    case PaymentTier::kInsuranceFund:
      return "insurance fund";
    case PaymentTier::kVenueTranche:
      return "venue tranche";
    case PaymentTier::kDefaultFund:
      return "mutualized default fund";
    case PaymentTier::kAdl:
      return "ADL counterparties";
    case PaymentTier::kSocialized:
      return "socialized loss";
    case PaymentTier::kAssessment:
      return "member assessment";
    case PaymentTier::kBadDebt:
      return "bad debt (uncovered)";
  }
  return "unknown";
}

void ReportData::start(const RiskEngine& risk, std::int64_t ts_ns) {
  started_ = true;
  origin_ns_ = current_ns_ = last_ns_ = ts_ns;
  next_sample_ns_ = ts_ns;
  const std::size_t instruments = risk.instrument_count();
  const std::size_t assets = risk.asset_count();
  mark_.assign(instruments, std::vector<Extent>(kMaxReportBuckets));
  open_interest_.assign(instruments, std::vector<Extent>(kMaxReportBuckets));
  insurance_.assign(assets, std::vector<Extent>(kMaxReportBuckets));
  requirement_.assign(assets, std::vector<Extent>(kMaxReportBuckets));
  coverage_ppm_.assign(assets, std::vector<Extent>(kMaxReportBuckets));
  counts_.assign(kMaxReportBuckets, EventCounts{});
  insurance_now_.assign(assets, 0);
  default_fund_now_.assign(assets, 0);
  requirement_now_.assign(assets, 0);
  peak_single_.assign(assets, 0);
  paid_.assign(assets * kPaymentTierCount, 0);
  for (std::size_t a = 0; a < assets; ++a) {
    insurance_now_[a] = risk.insurance_fund(static_cast<std::uint8_t>(a)).raw();
    default_fund_now_[a] = risk.waterfall_state().default_fund[a];
  }
}

void ReportData::merge_pairs() {
  for (auto& v : mark_)
    merge_pairs_of(v, buckets_);
  for (auto& v : open_interest_)
    merge_pairs_of(v, buckets_);
  for (auto& v : insurance_)
    merge_pairs_of(v, buckets_);
  for (auto& v : requirement_)
    merge_pairs_of(v, buckets_);
  for (auto& v : coverage_ppm_)
    merge_pairs_of(v, buckets_);
  merge_pairs_of(counts_, buckets_);
  buckets_ = (buckets_ + 1) / 2;
  current_bucket_ /= 2;
  width_ns_ *= 2;
}

std::size_t ReportData::bucket_for(std::int64_t ts_ns) {
  // Unsigned: the span from the origin may exceed INT64_MAX only in theory, never negative here.
  const auto offset = static_cast<std::uint64_t>(ts_ns - origin_ns_);
  while (offset / static_cast<std::uint64_t>(width_ns_) >= kMaxReportBuckets)
    merge_pairs();
  const auto b = static_cast<std::size_t>(offset / static_cast<std::uint64_t>(width_ns_));
  buckets_ = std::max(buckets_, b + 1);
  return b;
}

void ReportData::on_output(const OutputEvent& out) {
  pending_.push_back(out);
}

void ReportData::after_event(const RiskEngine& risk, const Event& e) {
  if (!started_) start(risk, e.time_ns);
  risk_ = &risk;
  ++events_;
  // Exchange time only moves forward in a replay; a late stamp is drawn where the replay was.
  current_ns_ = std::max(current_ns_, e.time_ns);
  last_ns_ = current_ns_;
  // bucket_for may merge, which moves current_bucket_ along: compare after it.
  const std::size_t b = bucket_for(current_ns_);
  const bool new_bucket = events_ == 1 || b != current_bucket_;
  current_bucket_ = b;
  if (new_bucket) open_bucket(risk, b);
  if ((e.type == EventType::kMarkPrice || e.type == EventType::kFill) &&
      e.instrument < mark_.size()) {
    const InstrumentState& s = risk.instrument_state(e.instrument);
    mark_[e.instrument][b].add(s.mark);
    open_interest_[e.instrument][b].add(s.open_interest);
    if (e.type == EventType::kFill) ++counts_[b].fills;
  }
  for (const OutputEvent& out : pending_) {
    if (out.kind == OutputKind::kWaterfall) {
      on_waterfall(out.waterfall);
    } else if (out.kind == OutputKind::kRisk) {
      on_risk(risk, out.risk, b);
    }
  }
  pending_.clear();
  follow_funds(risk, b);
  if (current_ns_ >= next_sample_ns_) sample_deficits(risk, b);
  risk_ = nullptr;
}

// Every bucket with an event carries every series, so lines have no gaps but idle time.
void ReportData::open_bucket(const RiskEngine& risk, std::size_t b) {
  for (std::size_t i = 0; i < mark_.size(); ++i) {
    const InstrumentState& s = risk.instrument_state(static_cast<std::uint16_t>(i));
    mark_[i][b].add(s.mark);
    open_interest_[i][b].add(s.open_interest);
  }
  for (std::size_t a = 0; a < insurance_.size(); ++a) {
    insurance_[a][b].add(insurance_now_[a]);
    if (requirement_now_[a] > 0) requirement_[a][b].add(requirement_now_[a]);
    update_coverage(a, b);
  }
}

void ReportData::on_risk(const RiskEngine& risk, const RiskOutput& r, std::size_t b) {
  switch (r.type) {
    case OutputType::kBecameLiquidatable:
      ++counts_[b].liquidatable;
      break;
    case OutputType::kBecameBankrupt: {
      ++counts_[b].bankrupt;
      // The output's equity is exact at this event; the next sample follows the deficit on.
      const std::uint32_t slot = risk.find_account(r.account);
      if (slot != kNoSlot && r.equity.raw() < 0) {
        const std::int64_t equity = r.equity.raw();
        note_deficit(r.account, risk.account(slot).asset,
                     equity == std::numeric_limits<std::int64_t>::min()
                         ? std::numeric_limits<std::int64_t>::max()
                         : -equity);
      }
      break;
    }
    case OutputType::kRecovered:
      ++counts_[b].recovered;
      break;
    case OutputType::kUnderInitialMargin:
      break;
  }
}

// The insurance and default funds after the event, into the series and the coverage when moved.
void ReportData::follow_funds(const RiskEngine& risk, std::size_t b) {
  for (std::size_t a = 0; a < insurance_.size(); ++a) {
    const std::int64_t v = risk.insurance_fund(static_cast<std::uint8_t>(a)).raw();
    const std::int64_t df = risk.waterfall_state().default_fund[a];
    if (v == insurance_now_[a] && df == default_fund_now_[a]) continue;
    default_fund_now_[a] = df;
    insurance_now_[a] = v;
    insurance_[a][b].add(v);
    update_coverage(a, b);
  }
}

void ReportData::finish(const RiskEngine& risk) {
  if (!started_) return;
  sample_deficits(risk, current_bucket_);
}

LossRecord* ReportData::loss_for(std::uint64_t account) {
  const auto it = loss_index_.find(account);
  return it == loss_index_.end() ? nullptr : &losses_[it->second];
}

void ReportData::note_deficit(std::uint64_t account, std::uint8_t asset, std::int64_t deficit) {
  auto [it, inserted] = loss_index_.try_emplace(account, losses_.size());
  if (inserted) {
    LossRecord r;
    r.account = account;
    r.asset = asset;
    r.first_ts_ns = current_ns_;
    losses_.push_back(std::move(r));
    loss_seen_.push_back(0);
  }
  LossRecord& r = losses_[it->second];
  if (r.open_deficit == 0) open_losses_.push_back(it->second);
  r.open_deficit = deficit;
  loss_seen_[it->second] = deficit_samples_;
  if (deficit > r.peak_deficit) {
    r.peak_deficit = deficit;
    r.peak_ts_ns = current_ns_;
  }
  if (asset < peak_single_.size()) peak_single_[asset] = std::max(peak_single_[asset], deficit);
}

void ReportData::sample_deficits(const RiskEngine& risk, std::size_t bucket) {
  ++deficit_samples_;
  next_sample_ns_ = current_ns_ + width_ns_ / kDeficitSamplesPerBucket;
  const std::size_t assets = insurance_.size();
  std::vector<std::int64_t> top1(assets, 0);
  std::vector<std::int64_t> top2(assets, 0);
  for (const std::uint32_t slot : risk.liquidatable()) {
    const AccountMargin m = risk.slot_margin(slot);
    if (m.equity >= 0) continue;
    const Account& acc = risk.account(slot);
    const std::int64_t deficit = clamp_to_int64(-m.equity);
    note_deficit(acc.id, acc.asset, deficit);
    if (acc.asset >= assets) continue;
    if (deficit > top1[acc.asset]) {
      top2[acc.asset] = top1[acc.asset];
      top1[acc.asset] = deficit;
    } else if (deficit > top2[acc.asset]) {
      top2[acc.asset] = deficit;
    }
  }
  // Deficits not seen in this sample were recovered or covered.
  std::size_t kept = 0;
  for (const std::size_t k : open_losses_) {
    if (loss_seen_[k] == deficit_samples_) {
      open_losses_[kept++] = k;
    } else {
      losses_[k].open_deficit = 0;
    }
  }
  open_losses_.resize(kept);
  for (std::size_t a = 0; a < assets; ++a) {
    // Saturating: two deficits near INT64_MAX must not wrap.
    const std::int64_t open_two = top2[a] > std::numeric_limits<std::int64_t>::max() - top1[a]
                                      ? std::numeric_limits<std::int64_t>::max()
                                      : top1[a] + top2[a];
    requirement_now_[a] = std::max(peak_single_[a], open_two);
    if (requirement_now_[a] > 0) requirement_[a][bucket].add(requirement_now_[a]);
    update_coverage(a, bucket);
  }
}

void ReportData::update_coverage(std::size_t asset, std::size_t bucket) {
  if (requirement_now_[asset] <= 0) return;
  const Int128 available = Int128{insurance_now_[asset]} + default_fund_now_[asset];
  // Rounded down: coverage is never overstated.
  const Int128 ppm = available <= 0 ? Int128{0} : available * 1'000'000 / requirement_now_[asset];
  coverage_ppm_[asset][bucket].add(clamp_to_int64(ppm));
}

void ReportData::record_payment(std::uint64_t defaulter, PaymentTier tier,
                                std::uint64_t counterparty, std::int64_t amount) {
  if (!started_) return;  // outputs only arrive with events
  LossRecord* r = loss_for(defaulter);
  if (r == nullptr) {
    // A close worse than bankruptcy inside one event: the deficit was never sampled open.
    std::uint8_t asset = 0;
    if (risk_ != nullptr) {
      const std::uint32_t slot = risk_->find_account(defaulter);
      if (slot != kNoSlot) asset = risk_->account(slot).asset;
    }
    note_deficit(defaulter, asset, 0);
    r = loss_for(defaulter);
    open_losses_.pop_back();  // nothing is open: the payment covers it now
  }
  r->payments.push_back(Payment{current_ns_, tier, counterparty, amount});
  ++payments_;
  const std::size_t index = r->asset * kPaymentTierCount + static_cast<std::size_t>(tier) - 1;
  if (index < paid_.size()) paid_[index] += amount;
}

void ReportData::on_waterfall(const WaterfallRecord& r) {
  // Records come in execution order: a kTakeover (or kDeficit) names the defaulter whose deficit
  // the following tier records cover.
  switch (r.kind) {
    case WaterfallKind::kLiquidationOrder:
      count_waterfall_output(WaterfallCount::kLiquidationOrder);
      break;
    case WaterfallKind::kTakeover:
      if (r.account != defaulter_) count_waterfall_output(WaterfallCount::kLiquidationOrder);
      defaulter_ = r.account;
      break;
    case WaterfallKind::kDeficit:
      defaulter_ = r.account;
      note_deficit(r.account, r.asset, r.amount);
      break;
    case WaterfallKind::kCollateral:
      record_payment(defaulter_, PaymentTier::kDefaulterCollateral, 0, r.amount);
      break;
    case WaterfallKind::kOwnDefaultFund:
      record_payment(defaulter_, PaymentTier::kDefaulterDefaultFund, 0, r.amount);
      break;
    case WaterfallKind::kInsuranceDraw:
      count_waterfall_output(WaterfallCount::kFundDraw);
      record_payment(defaulter_, PaymentTier::kInsuranceFund, 0, r.amount);
      break;
    case WaterfallKind::kVenueTranche:
      record_payment(defaulter_, PaymentTier::kVenueTranche, 0, r.amount);
      break;
    case WaterfallKind::kDefaultFundDraw:
      count_waterfall_output(WaterfallCount::kFundDraw);
      record_payment(defaulter_, PaymentTier::kDefaultFund, r.account, r.amount);
      break;
    case WaterfallKind::kAdlFill:
      count_waterfall_output(WaterfallCount::kAdlFill);
      if (r.amount > 0) record_payment(defaulter_, PaymentTier::kAdl, r.account, r.amount);
      break;
    case WaterfallKind::kSocializedLoss:
      count_waterfall_output(WaterfallCount::kSocialization);
      record_payment(defaulter_, PaymentTier::kSocialized, 0, r.amount);
      break;
    case WaterfallKind::kAssessment:
      // A replenishment call or a contribution's receivable (reason `control`) covers no deficit.
      if (r.reason == WaterfallReason::kCover) {
        record_payment(defaulter_, PaymentTier::kAssessment, r.account, r.amount);
      }
      break;
    case WaterfallKind::kBadDebt:
      record_payment(defaulter_, PaymentTier::kBadDebt, 0, r.amount);
      break;
    default:
      break;  // fees, surplus, rounding remainders, ADL closes (lots), fund deposits
  }
}

void ReportData::count_waterfall_output(WaterfallCount what) noexcept {
  if (!started_) return;
  EventCounts& c = counts_[current_bucket_];
  switch (what) {
    case WaterfallCount::kLiquidationOrder:
      ++c.liquidation_orders;
      break;
    case WaterfallCount::kFundDraw:
      ++c.fund_draws;
      break;
    case WaterfallCount::kAdlFill:
      ++c.adl_fills;
      break;
    case WaterfallCount::kSocialization:
      ++c.socializations;
      break;
  }
}

std::int64_t ReportData::paid(std::size_t asset, PaymentTier tier) const {
  const std::size_t index = asset * kPaymentTierCount + static_cast<std::size_t>(tier) - 1;
  return index < paid_.size() ? paid_[index] : 0;
}

void attach_report(ReplayOptions& options, ReportData& data) {
  options.on_output = [&data](const OutputEvent& out) { data.on_output(out); };
  options.after_event = [&data](const RiskEngine& risk, const Event& e) {
    data.after_event(risk, e);
  };
  options.on_finish = [&data](const RiskEngine& risk) { data.finish(risk); };
}

}  // namespace backstop::report
