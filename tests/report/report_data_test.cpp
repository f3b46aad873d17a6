// The report's data model: buckets stay bounded and keep extremes through merges, the bucketed
// counts add up to the replay's own figures, deficits and coverage follow their definitions, and
// waterfall payments land on the defaulter's loss record.
#include "report/report_data.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>

#include "backstop/instrument_presets.hpp"
#include "backstop/risk_engine.hpp"
#include "replay/replay.hpp"
#include "report/html_report.hpp"

namespace backstop::report {
namespace {

using replay::ReplayOptions;
using replay::ReplaySummary;
using replay::run_replay;

// A real crash day: accounts gap through their bankruptcy prices, so the waterfall pays.
const std::string kCrashFile =
    std::string(BACKSTOP_DATA_DIR) + "/binance_cm_BTCUSD_PERP_markPrice_1m_2025-10-10.csv";

RiskConfig one_instrument() {
  RiskConfig c;
  c.max_accounts = 8;
  c.positions_per_account = 2;
  c.asset_count = 2;
  c.instruments = {presets::btcusdt_linear()};
  return c;
}

TEST(ReportExtent, MergeKeepsFirstLastAndExtremes) {
  Extent a;
  a.add(5);
  a.add(2);
  a.add(7);
  Extent b;
  b.add(9);
  b.add(1);
  b.add(4);
  a.merge(b);
  EXPECT_EQ(a.first, 5);
  EXPECT_EQ(a.min, 1);
  EXPECT_EQ(a.max, 9);
  EXPECT_EQ(a.last, 4);
  Extent empty;
  empty.merge(a);
  EXPECT_EQ(empty.first, 5);
  a.merge(Extent{});
  EXPECT_EQ(a.last, 4);
}

TEST(ReportData, ManyEventsOverYearsStayWithinTheBucketBound) {
  RiskEngine risk(one_instrument());
  ReportData data;
  // A million marks one minute apart (~1.9 years): the width must double many times.
  const std::int64_t minute = 60'000'000'000;
  std::int64_t low = std::numeric_limits<std::int64_t>::max();
  std::int64_t high = 0;
  for (std::int64_t i = 0; i < 1'000'000; ++i) {
    const std::int64_t ticks = 600'000 + (i * 7919) % 50'000 - (i == 777'777 ? 500'000 : 0);
    const Event e = make_mark(0, Price{ticks}, i * minute);
    ASSERT_EQ(risk.process(e).code, RejectCode::kOk);
    data.after_event(risk, e);
    low = std::min(low, ticks);
    high = std::max(high, ticks);
  }
  data.finish(risk);
  EXPECT_LE(data.bucket_count(), kMaxReportBuckets);
  EXPECT_GE(data.bucket_count(), kMaxReportBuckets / 2);
  EXPECT_EQ(data.events(), 1'000'000u);
  std::int64_t seen_low = std::numeric_limits<std::int64_t>::max();
  std::int64_t seen_high = 0;
  for (std::size_t b = 0; b < data.bucket_count(); ++b) {
    ASSERT_TRUE(data.mark(0)[b].present) << b;
    seen_low = std::min(seen_low, data.mark(0)[b].min);
    seen_high = std::max(seen_high, data.mark(0)[b].max);
  }
  EXPECT_EQ(seen_low, low) << "the one-minute spike survived every merge";
  EXPECT_EQ(seen_high, high);
  EXPECT_EQ(data.mark(0)[data.bucket_count() - 1].last, risk.instrument_state(0).mark);
  // Deficit samples are bounded by the buckets of each width, not by the events.
  std::uint64_t widths = 1;
  for (std::int64_t w = kFirstBucketWidthNs; w < data.bucket_width_ns(); w *= 2)
    ++widths;
  EXPECT_LE(data.deficit_samples(), widths * kDeficitSamplesPerBucket * kMaxReportBuckets + 1);
}

TEST(ReportData, BucketCountsAddUpToTheReplaySummary) {
  if (!std::filesystem::exists(kCrashFile)) GTEST_SKIP() << kCrashFile << " absent";
  ReplayOptions o;
  o.accounts = 500;
  o.files = {kCrashFile};
  ReportData data;
  attach_report(o, data);
  std::string error;
  const std::optional<ReplaySummary> s = run_replay(o, error);
  ASSERT_TRUE(s) << error;
  EventCounts total;
  for (std::size_t b = 0; b < data.bucket_count(); ++b)
    total.merge(data.counts()[b]);
  EXPECT_EQ(total.fills, s->fills);
  EXPECT_EQ(total.liquidatable, s->became_liquidatable);
  EXPECT_EQ(total.bankrupt, s->became_bankrupt);
  EXPECT_EQ(total.recovered, s->recovered);
  EXPECT_EQ(data.events(), s->events);
  EXPECT_LE(data.bucket_count(), kMaxReportBuckets);
  // Mark extremes agree with the replay's own.
  std::int64_t low = std::numeric_limits<std::int64_t>::max();
  for (std::size_t b = 0; b < data.bucket_count(); ++b) {
    if (data.mark(0)[b].present) low = std::min(low, data.mark(0)[b].min);
  }
  EXPECT_EQ(low, s->instruments[0].min_mark);
  EXPECT_EQ(data.open_interest(0)[data.bucket_count() - 1].last,
            s->instruments[0].open_interest_end);
  // Every account that went bankrupt has a loss record, and no other account does.
  EXPECT_EQ(data.losses().size(), s->bankruptcies);
  for (const LossRecord& r : data.losses()) {
    EXPECT_GT(r.peak_deficit, 0);
    EXPECT_LE(r.open_deficit, r.peak_deficit);
    EXPECT_LE(r.first_ts_ns, r.peak_ts_ns);
  }
  EXPECT_TRUE(data.has_payments()) << "the waterfall covers the deficits";
}

TEST(ReportData, CoverageIsTheFundOverTheCoverTwoRequirement) {
  RiskConfig config = one_instrument();
  RiskEngine risk(config);
  ReportData data;
  auto apply = [&](const Event& e) {
    ASSERT_EQ(risk.process(e).code, RejectCode::kOk);
    data.after_event(risk, e);
  };
  // Two 10x longs and their short counterparty; a 15 % fall takes both longs below zero.
  for (std::uint64_t id = 1; id <= 3; ++id)
    apply(make_open_account(id, 0, MarginMode::kCross, 0));
  apply(make_deposit(1, Money{6'000'000'000}, 0));      // 6,000 USD
  apply(make_deposit(2, Money{3'000'000'000}, 0));      // 3,000 USD
  apply(make_deposit(3, Money{1'000'000'000'000}, 0));  // 1M USD
  apply(make_fill(0, Side::kBuy, 1, 3, Price{600'000}, Qty{1'000}, Money{0}, Money{0}, 1));
  apply(make_fill(0, Side::kBuy, 2, 3, Price{600'000}, Qty{500}, Money{0}, Money{0}, 2));
  apply(make_mark(0, Price{510'000}, 3'000'000'000));
  data.finish(risk);
  // Long 1 BTC from 60,000 at 51,000: -9,000 on 6,000 -> deficit 3,000; long 0.5: -4,500 on
  // 3,000 -> 1,500. Requirement: 3,000 + 1,500 = 4,500 USD. The fund is empty: coverage 0.
  ASSERT_EQ(data.losses().size(), 2u);
  EXPECT_EQ(data.losses()[0].peak_deficit + data.losses()[1].peak_deficit, 4'500'000'000);
  const std::size_t last = data.bucket_count() - 1;
  EXPECT_EQ(data.requirement(0)[last].last, 4'500'000'000);
  ASSERT_TRUE(data.coverage_ppm(0)[last].present);
  EXPECT_EQ(data.coverage_ppm(0)[last].last, 0);
}

TEST(ReportData, PaymentsLandOnTheDefaultersLossRecord) {
  RiskEngine risk(one_instrument());
  ReportData data;
  Event e = make_open_account(7, 0, MarginMode::kCross, 5);
  ASSERT_EQ(risk.process(e).code, RejectCode::kOk);
  data.after_event(risk, e);
  data.record_payment(7, PaymentTier::kInsuranceFund, 0, 1'000);
  data.record_payment(7, PaymentTier::kAdl, 42, 250);
  data.count_waterfall_output(ReportData::WaterfallCount::kAdlFill);
  ASSERT_EQ(data.losses().size(), 1u);
  EXPECT_EQ(data.losses()[0].payments.size(), 2u);
  EXPECT_EQ(data.paid(0, PaymentTier::kInsuranceFund), 1'000);
  EXPECT_EQ(data.paid(0, PaymentTier::kAdl), 250);
  EXPECT_EQ(data.counts()[0].adl_fills, 1u);
  EXPECT_TRUE(data.has_payments());
}

// The replay's waterfall on the crash day with a thin fund: ADL fires, and the report's data
// names who paid.
TEST(ReplayWaterfall, ThinFundOnTheMarkFileFiresAdlAndTheReportNamesWhoPaid) {
  if (!std::filesystem::exists(kCrashFile)) GTEST_SKIP() << kCrashFile << " absent";
  ReplayOptions o;
  o.files = {kCrashFile};
  o.insurance_fund_ppm = replay::kThinFundPpm;
  o.default_fund_ppm = 0;
  ReportData data;
  attach_report(o, data);
  std::string error;
  const std::optional<ReplaySummary> run = run_replay(o, error);
  EXPECT_TRUE(run.has_value()) << error;
  const ReplaySummary s = run.value_or(ReplaySummary{});
  EXPECT_GT(s.adl_fills, 0u);
  ASSERT_FALSE(s.assets.empty());
  EXPECT_GT(s.assets[0].adl_paid, 0);
  EXPECT_TRUE(s.conservation_ok) << s.conservation_detail;
  EXPECT_TRUE(data.has_payments());
  EXPECT_EQ(data.paid(1, PaymentTier::kAdl), s.assets[0].adl_paid);
  bool named = false;
  for (const LossRecord& r : data.losses()) {
    for (const Payment& p : r.payments)
      named = named || (p.tier == PaymentTier::kAdl && p.counterparty != 0);
  }
  EXPECT_TRUE(named) << "no ADL payment names its counterparty";
  const std::string path = testing::TempDir() + "/waterfall_report.html";
  ASSERT_TRUE(try_write_html_report(path, data, s, error)) << error;
}

}  // namespace
}  // namespace backstop::report
