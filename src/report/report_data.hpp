// ReportData: what the replay's HTML report (html_report.hpp) draws, collected while a synchronous
// replay runs, through ReplayOptions::on_output (every engine output, buffered) and
// ReplayOptions::after_event (once per event, after its outputs). Cold code that runs beside the
// hot loop; the replay's calling thread. Bounded whatever the replay's length:
//
//   time buckets   every series is bucketed on exchange time from the first event. Buckets start
//                  kFirstBucketWidthNs wide; when an event falls past kMaxReportBuckets buckets,
//                  neighbours are merged pairwise and the width doubles, so a series never holds
//                  more than kMaxReportBuckets points (and at least half that once merged). A
//                  bucket keeps first / min / max / last of each value, so spikes survive merging.
//   series         per instrument: mark (ticks), open interest (lots); per asset: insurance fund
//                  (Money), the Cover-2 style requirement and the coverage ratio (ppm, below);
//                  per bucket: counts of fills, accounts turning liquidatable / bankrupt /
//                  recovered, and of the waterfall's outputs (liquidation orders and takeovers,
//                  fund draws, ADL fills, socializations).
//   losses         one LossRecord per account that ever went below zero equity: when, the peak
//                  deficit and when, the deficit still open at the end, and the payments that
//                  covered it (tier, counterparty, amount) as the waterfall reports them.
//
// Deficits are exact (the engine's margin of each flagged account) but sampled: at
// kDeficitSamplesPerBucket points per bucket of the current width and at the end; an account's
// deficit is also noted at the event that makes it bankrupt (from the output's equity). Coverage
// ratio (until fund sizing, docs/design.md §6, exists):
//   requirement = max(largest single-account deficit seen so far,
//                     sum of the two largest deficits open now)                   (Cover-2 style)
//   coverage    = (insurance fund + default fund available) / requirement, in ppm, rounded down;
//                 undefined (no point) while the requirement is 0.
// The default fund is the engine's (WaterfallState::default_fund), read after every event.
//
// The waterfall's kWaterfall outputs map, in after_event, to count_waterfall_output() (takeovers
// and liquidation orders, fund draws, ADL fills, socializations) and, for money that covers a
// deficit, record_payment() with the tier and, for ADL, default-fund draws and assessments, the
// counterparty; a kDeficit record notes the defaulter's deficit D. Without liquidation
// has_payments() is false and the page says so.
//
// Cost: O(1) per event plus, per deficit sample, O(flagged accounts x their positions); samples
// number at most kDeficitSamplesPerBucket x kMaxReportBuckets per bucket width, widths at most
// log2(span / kFirstBucketWidthNs) + 1 (~40 for a year); a merge is O(kMaxReportBuckets x series).
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "backstop/risk_engine.hpp"
#include "pipeline/output_event.hpp"
#include "replay/replay.hpp"

namespace backstop::report {

inline constexpr std::size_t kMaxReportBuckets = 2000;
inline constexpr std::int64_t kFirstBucketWidthNs = 1'000'000;  // 1 ms
inline constexpr std::int64_t kDeficitSamplesPerBucket = 2;

// first / min / max / last of one value over a bucket.
struct Extent {
  std::int64_t first = 0;
  std::int64_t min = 0;
  std::int64_t max = 0;
  std::int64_t last = 0;
  bool present = false;

  void add(std::int64_t v) noexcept {
    if (!present) {
      first = min = max = last = v;
      present = true;
      return;
    }
    if (v < min) min = v;
    if (v > max) max = v;
    last = v;
  }
  // `later` covers the time right after this one.
  void merge(const Extent& later) noexcept {
    if (!later.present) return;
    if (!present) {
      *this = later;
      return;
    }
    if (later.min < min) min = later.min;
    if (later.max > max) max = later.max;
    last = later.last;
  }
};

// Per-bucket event counts (all assets and instruments together).
struct EventCounts {
  std::uint32_t fills = 0;
  std::uint32_t liquidatable = 0;        // kBecameLiquidatable outputs
  std::uint32_t bankrupt = 0;            // kBecameBankrupt outputs
  std::uint32_t recovered = 0;           // kRecovered outputs
  std::uint32_t liquidation_orders = 0;  // waterfall: liquidation orders and takeovers
  std::uint32_t fund_draws = 0;          // waterfall: insurance / default fund draws
  std::uint32_t adl_fills = 0;           // waterfall: ADL fills
  std::uint32_t socializations = 0;      // waterfall: socialized-loss charges

  void merge(const EventCounts& o) noexcept {
    fills += o.fills;
    liquidatable += o.liquidatable;
    bankrupt += o.bankrupt;
    recovered += o.recovered;
    liquidation_orders += o.liquidation_orders;
    fund_draws += o.fund_draws;
    adl_fills += o.adl_fills;
    socializations += o.socializations;
  }
};

// Who covered a deficit: the tiers of docs/design.md §5, in waterfall order.
enum class PaymentTier : std::uint8_t {
  kDefaulterCollateral = 1,
  kDefaulterDefaultFund = 2,
  kInsuranceFund = 3,
  kVenueTranche = 4,
  kDefaultFund = 5,
  kAdl = 6,         // an ADL counterparty (Payment::counterparty) closed against the defaulter
  kSocialized = 7,  // charged pro rata to the winning side
  kAssessment = 8,  // member assessment, a receivable
  kBadDebt = 9,     // nothing could cover it
};
inline constexpr int kPaymentTierCount = 9;
const char* payment_tier_name(PaymentTier tier) noexcept;

struct Payment {
  std::int64_t ts_ns = 0;
  PaymentTier tier = PaymentTier::kInsuranceFund;
  std::uint64_t counterparty = 0;  // kAdl: the winner's account id; otherwise 0
  std::int64_t amount = 0;         // Money of the defaulter's asset
};

struct LossRecord {
  std::uint64_t account = 0;  // external id
  std::uint8_t asset = 0;
  std::int64_t first_ts_ns = 0;  // first seen below zero equity
  std::int64_t peak_deficit = 0;
  std::int64_t peak_ts_ns = 0;
  std::int64_t open_deficit = 0;  // at the last sample; 0 once recovered or covered
  std::vector<Payment> payments;
};

class ReportData {
 public:
  // The hooks; attach_report() wires both into a ReplayOptions.
  void on_output(const OutputEvent& out);
  void after_event(const RiskEngine& risk, const Event& e);
  // A last deficit sample after the replay; call once.
  void finish(const RiskEngine& risk);

  // ---- entry points for the waterfall's outputs ----
  // A payment towards `defaulter`'s deficit, at the current event.
  void record_payment(std::uint64_t defaulter, PaymentTier tier, std::uint64_t counterparty,
                      std::int64_t amount);
  enum class WaterfallCount : std::uint8_t {
    kLiquidationOrder,
    kFundDraw,
    kAdlFill,
    kSocialization
  };
  void count_waterfall_output(WaterfallCount what) noexcept;

  // ---- what the report reads ----
  [[nodiscard]] std::size_t bucket_count() const noexcept { return buckets_; }
  [[nodiscard]] std::int64_t bucket_width_ns() const noexcept { return width_ns_; }
  [[nodiscard]] std::int64_t origin_ns() const noexcept { return origin_ns_; }
  [[nodiscard]] std::int64_t last_ns() const noexcept { return last_ns_; }
  [[nodiscard]] std::uint64_t events() const noexcept { return events_; }
  [[nodiscard]] std::uint64_t deficit_samples() const noexcept { return deficit_samples_; }
  [[nodiscard]] std::size_t instrument_count() const noexcept { return mark_.size(); }
  [[nodiscard]] std::size_t asset_count() const noexcept { return insurance_.size(); }
  [[nodiscard]] const std::vector<Extent>& mark(std::size_t i) const { return mark_[i]; }
  [[nodiscard]] const std::vector<Extent>& open_interest(std::size_t i) const {
    return open_interest_[i];
  }
  [[nodiscard]] const std::vector<Extent>& insurance(std::size_t a) const { return insurance_[a]; }
  [[nodiscard]] const std::vector<Extent>& requirement(std::size_t a) const {
    return requirement_[a];
  }
  [[nodiscard]] const std::vector<Extent>& coverage_ppm(std::size_t a) const {
    return coverage_ppm_[a];
  }
  [[nodiscard]] const std::vector<EventCounts>& counts() const { return counts_; }
  [[nodiscard]] const std::vector<LossRecord>& losses() const { return losses_; }
  [[nodiscard]] bool has_payments() const noexcept { return payments_ > 0; }
  // Σ payments per asset and tier (index: tier - 1).
  [[nodiscard]] std::int64_t paid(std::size_t asset, PaymentTier tier) const;

 private:
  void start(const RiskEngine& risk, std::int64_t ts_ns);
  std::size_t bucket_for(std::int64_t ts_ns);
  void merge_pairs();
  void sample_deficits(const RiskEngine& risk, std::size_t bucket);
  void note_deficit(std::uint64_t account, std::uint8_t asset, std::int64_t deficit);
  void update_coverage(std::size_t asset, std::size_t bucket);
  void open_bucket(const RiskEngine& risk, std::size_t bucket);
  void on_risk(const RiskEngine& risk, const RiskOutput& r, std::size_t bucket);
  void follow_funds(const RiskEngine& risk, std::size_t bucket);
  void on_waterfall(const WaterfallRecord& r);
  LossRecord* loss_for(std::uint64_t account);

  bool started_ = false;
  std::int64_t origin_ns_ = 0;
  std::int64_t width_ns_ = kFirstBucketWidthNs;
  std::int64_t last_ns_ = 0;
  std::int64_t current_ns_ = 0;
  std::int64_t next_sample_ns_ = 0;
  std::size_t buckets_ = 0;
  std::uint64_t events_ = 0;
  std::uint64_t deficit_samples_ = 0;
  std::uint64_t payments_ = 0;
  std::size_t current_bucket_ = 0;
  const RiskEngine* risk_ = nullptr;  // during after_event only
  std::uint64_t defaulter_ = 0;       // the account the waterfall's records are about

  std::vector<std::vector<Extent>> mark_;           // [instrument][bucket]
  std::vector<std::vector<Extent>> open_interest_;  // [instrument][bucket]
  std::vector<std::vector<Extent>> insurance_;      // [asset][bucket]
  std::vector<std::vector<Extent>> requirement_;    // [asset][bucket]
  std::vector<std::vector<Extent>> coverage_ppm_;   // [asset][bucket]
  std::vector<EventCounts> counts_;                 // [bucket]

  std::vector<std::int64_t> insurance_now_;     // [asset]
  std::vector<std::int64_t> default_fund_now_;  // [asset]: the engine's default fund
  std::vector<std::int64_t> requirement_now_;   // [asset]
  std::vector<std::int64_t> peak_single_;       // [asset]: largest single deficit so far
  std::vector<std::int64_t> paid_;              // [asset * kPaymentTierCount + tier - 1]

  std::vector<OutputEvent> pending_;  // this event's outputs, until after_event
  std::vector<LossRecord> losses_;
  std::vector<std::uint64_t> loss_seen_;  // [loss]: the deficit sample that last saw it open
  std::unordered_map<std::uint64_t, std::size_t> loss_index_;  // account id -> losses_
  std::vector<std::size_t> open_losses_;                       // losses_ with open_deficit > 0
};

// Points `options`' after_event, on_output and on_finish hooks at `data` (synchronous replays
// only; `data` must outlive the run).
void attach_report(replay::ReplayOptions& options, ReportData& data);

}  // namespace backstop::report
