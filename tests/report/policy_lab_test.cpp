// The policy lab (docs/design.md §5): the metrics over hand-built waterfall records with the
// figures worked out by hand; `compare` runs on real data where ADL and socialization fire
// (every run conserves, who paid adds up to the deficit, the lab agrees with the engine's own
// totals, the digests differ); the default scenario, where tier 6 never fires, gives one digest
// for every policy; argument errors exit with 2.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "report/policy_comparison.hpp"
#include "report/policy_lab.hpp"

namespace backstop::report {
namespace {

using replay::AssetSummary;
using replay::kThinFundPpm;
using replay::ReplayOptions;

const std::string kMarkFile =
    std::string(BACKSTOP_DATA_DIR) + "/binance_cm_BTCUSD_PERP_markPrice_1m_2025-10-10.csv";

WaterfallRecord rec(WaterfallKind kind, std::uint8_t tier, std::uint64_t account,
                    std::int64_t amount, std::int64_t before = 0, std::int64_t after = 0) {
  return WaterfallRecord{
      kind,   tier, WaterfallReason::kCover, 1, 0, 0, Shown::kNeither, account, amount,
      before, after};
}

TEST(PolicyLab, ConcentrationOfFourPayersByHand) {
  // X = 8; top-1 4/8; HHI (1+1+4+16)/64; Gini: ascending 1,1,2,4 weighted by 2i-5 = -3,-1,1,3
  // -> 10 / (4 x 8); the same as Σ|xi-xj| over ordered pairs (20) / (2 n² mean = 64).
  const Concentration c = concentration_of({4, 1, 2, 1});
  EXPECT_EQ(c.n, 4u);
  EXPECT_EQ(c.top1, 4);
  EXPECT_EQ(c.top10, 8);
  EXPECT_DOUBLE_EQ(c.top1_share, 0.5);
  EXPECT_DOUBLE_EQ(c.top10_share, 1.0);
  EXPECT_DOUBLE_EQ(c.hhi, 22.0 / 64.0);
  EXPECT_DOUBLE_EQ(c.gini, 10.0 / 32.0);
}

TEST(PolicyLab, ConcentrationEdgeCases) {
  const Concentration none = concentration_of({});
  EXPECT_EQ(none.n, 0u);
  EXPECT_EQ(none.hhi, 0.0);
  EXPECT_EQ(none.gini, 0.0);
  const Concentration one = concentration_of({7});
  EXPECT_DOUBLE_EQ(one.top1_share, 1.0);
  EXPECT_DOUBLE_EQ(one.hhi, 1.0);
  EXPECT_DOUBLE_EQ(one.gini, 0.0);
  // Twelve equal payers: the top ten hold 10/12, HHI is 1/n, Gini 0.
  const Concentration equal = concentration_of(std::vector<std::int64_t>(12, 5));
  EXPECT_EQ(equal.top10, 50);
  EXPECT_DOUBLE_EQ(equal.top10_share, 10.0 / 12.0);
  EXPECT_DOUBLE_EQ(equal.hhi, 1.0 / 12.0);
  EXPECT_DOUBLE_EQ(equal.gini, 0.0);
  // One of four paid nearly everything: -3 - 1 + 1 + 3 x 997 = 2988 over 4 x 1000, close to
  // the (n-1)/n = 0.75 of one paying all.
  const Concentration nearly_one = concentration_of({1, 1, 1, 997});
  EXPECT_DOUBLE_EQ(nearly_one.gini, 2988.0 / 4000.0);
  // Amounts near INT64_MAX: the exact HHI numerator still fits.
  const std::int64_t big = std::int64_t{1} << 61;
  const Concentration huge = concentration_of({big, big});
  EXPECT_DOUBLE_EQ(huge.hhi, 0.5);
}

// Two liquidations of asset 1 on a linear instrument (multiplier 1):
//  A: defaulter 7 long 10 lots, D = 1003 after its collateral (300): insurance 200, members 90
//     and 91 charged 101 + 100 for a need of 200 (remainder 1), ADL of 603 over the 10 lots, each
//     counterparty its share rounded up: account 20 closes 6 lots at mark 100 and pays
//     ceil(603 x 6 / 10) = 362, account 21 closes 4 and pays ceil(241.2) = 242; 604 paid for 603
//     needed (remainder 1).
//  B: defaulter 8 short 5 lots, D = 55: socialized 50 over 60 lots held by 20 (30 lots: 25), 22
//     (25: ceil(20.83) = 21) and the backstop 99 (5: ceil(4.17) = 5), 51 charged (remainder 1);
//     bad debt 5.
//  C: a liquidation above bankruptcy: fee 12, surplus 3.
PolicyLab worked_example() {
  PolicyLab lab;
  InstrumentRisk linear{};
  linear.kind = ContractKind::kLinearPerpetual;
  linear.settlement_asset = 1;
  linear.multiplier = 1;
  lab.set_instruments({linear});
  lab.set_backstop_accounts({99});
  using K = WaterfallKind;
  for (const WaterfallRecord& r : {
           rec(K::kTakeover, 0, 7, 10),
           rec(K::kDeficit, 0, 7, 1003),
           rec(K::kCollateral, 1, 7, 300),
           rec(K::kInsuranceDraw, 3, 7, 200),
           rec(K::kDefaultFundDraw, 5, 90, 101),
           rec(K::kDefaultFundDraw, 5, 91, 100),
           rec(K::kRemainder, 5, 0, 1),
           rec(K::kAdlClose, 6, 20, 6, 100, 362),
           rec(K::kAdlFill, 6, 20, 362),
           rec(K::kAdlClose, 6, 21, 4, 100, 242),
           rec(K::kAdlFill, 6, 21, 242),
           rec(K::kRemainder, 6, 7, 1),
           rec(K::kTakeover, 0, 8, -5),
           rec(K::kDeficit, 0, 8, 55),
           rec(K::kSocializedLoss, 6, 0, 50, 51, 60),
           rec(K::kRemainder, 6, 0, 1),
           rec(K::kBadDebt, 8, 8, 5),
           rec(K::kTakeover, 0, 9, 3),
           rec(K::kLiquidationFee, 0, 9, 12),
           rec(K::kSurplus, 0, 9, 3),
       }) {
    lab.add(r);
  }
  const std::vector<PolicyLab::Socialization> z = lab.take_socializations();
  EXPECT_EQ(z.size(), 1u);
  if (z.size() == 1) {
    EXPECT_TRUE(z[0].winners_long);  // a short was taken over: the longs won
    EXPECT_EQ(z[0].part, 50);
    EXPECT_EQ(z[0].charged, 51);
    EXPECT_EQ(z[0].lots, 60);
    const std::array<PolicyLab::Holder, 3> holders{{{20, 30}, {22, 25}, {99, 5}}};
    lab.split_socialization(z[0], holders);
  }
  EXPECT_TRUE(lab.take_socializations().empty());
  return lab;
}

TEST(PolicyLab, WhoPaidAddsUpToTheDeficit) {
  const std::vector<LabAssetMetrics> all = worked_example().metrics();
  ASSERT_EQ(all.size(), 2u);
  const LabAssetMetrics& m = all[1];
  EXPECT_EQ(m.asset, 1);
  EXPECT_EQ(m.deficits, 2u);
  EXPECT_EQ(m.deficit, 1058);
  EXPECT_EQ(m.defaulter_collateral, 300);
  EXPECT_EQ(m.insurance, 200);
  EXPECT_EQ(m.members_default_fund, 200);
  EXPECT_EQ(m.members_charged_amount, 201);
  EXPECT_EQ(m.adl, 603);
  EXPECT_EQ(m.socialized, 50);
  EXPECT_EQ(m.bad_debt, 5);
  EXPECT_EQ(m.covered_total(), m.deficit);
  EXPECT_EQ(m.liquidation_fees, 12);
  EXPECT_EQ(m.surplus, 3);
  EXPECT_EQ(all[0].deficit, 0);  // nothing in asset 0
}

TEST(PolicyLab, WinnersPaidBeyondTheDeficitOnlyTheRounding) {
  const LabAssetMetrics m = worked_example().metrics()[1];
  EXPECT_EQ(m.winners_charged, 604 + 51);  // ADL fills + the socialized shares
  EXPECT_EQ(m.winners_excess, 1 + 1);
  EXPECT_EQ(m.winners_charged - m.winners_excess, m.adl + m.socialized);
  EXPECT_EQ(m.adl_closes, 2u);
  EXPECT_EQ(m.closed_lots, 10);
  EXPECT_EQ(m.closed_notional, 10 * 100);
  EXPECT_EQ(m.socialized_backstop, 5);
  EXPECT_EQ(m.socialized_unattributed, 0);
}

TEST(PolicyLab, ConcentrationAndAccountsTouchedOfTheWorkedExample) {
  const LabAssetMetrics m = worked_example().metrics()[1];
  // Paid: 20 -> 362 + 25, 21 -> 242, 22 -> 21 (the backstop excluded); X = 650.
  EXPECT_EQ(m.payers, 3u);
  EXPECT_EQ(m.top1, 387);
  EXPECT_EQ(m.top10, 650);
  EXPECT_DOUBLE_EQ(m.top1_share, 387.0 / 650.0);
  EXPECT_DOUBLE_EQ(m.hhi, (387.0 * 387 + 242.0 * 242 + 21.0 * 21) / (650.0 * 650));
  EXPECT_DOUBLE_EQ(m.gini, (-2.0 * 21 + 0 * 242 + 2.0 * 387) / (3.0 * 650));
  EXPECT_EQ(m.winners_closed, 2u);
  EXPECT_EQ(m.winners_touched, 3u);
  EXPECT_EQ(m.members_charged, 2u);
}

// ADL overshoot by hand: a long of 10 lots taken over with D = 1000, all of it covered by ADL at
// the bankruptcy price on a linear instrument (multiplier 1) at mark 400. Account 20 closes 6
// lots realizing a profit of 1500 and pays 600; account 21 closes 4 lots at a loss of 100 (its
// leg runs from the account to the positions) and pays 400. Notional closed 10 x 400 = 4000:
// 4.0 times the deficit covered; profit closed 1500 - 100 = 1400: 1.4 times.
TEST(PolicyLab, AdlOvershootIsWhatTheClosesTookOverWhatTheyCovered) {
  PolicyLab lab;
  InstrumentRisk linear{};
  linear.kind = ContractKind::kLinearPerpetual;
  linear.settlement_asset = 1;
  linear.multiplier = 1;
  lab.set_instruments({linear});
  lab.set_backstop_accounts({99});
  using K = WaterfallKind;
  const auto leg = [](std::uint64_t account, Party from, Party to, std::int64_t amount) {
    return WaterfallRecord{K::kRealizedPnl,
                           6,
                           WaterfallReason::kSettlement,
                           1,
                           0,
                           pack_parties(from, to),
                           Shown::kTo,
                           account,
                           amount,
                           0,
                           0};
  };
  for (const WaterfallRecord& r : {
           rec(K::kTakeover, 0, 7, 10),
           rec(K::kDeficit, 0, 7, 1000),
           leg(99, Party::kAccount, Party::kPositions, 77),  // the backstop's side: not a winner
           leg(20, Party::kPositions, Party::kAccount, 1500),
           rec(K::kAdlClose, 6, 20, 6, 400, 600),
           rec(K::kAdlFill, 6, 20, 600),
           leg(21, Party::kAccount, Party::kPositions, 100),
           rec(K::kAdlClose, 6, 21, 4, 400, 400),
           rec(K::kAdlFill, 6, 21, 400),
       }) {
    lab.add(r);
  }
  const LabAssetMetrics m = lab.metrics()[1];
  EXPECT_EQ(m.adl, 1000);
  EXPECT_EQ(m.closed_notional, 4000);
  EXPECT_EQ(m.closed_profit, 1400);
  ASSERT_TRUE(m.notional_overshoot.has_value());
  ASSERT_TRUE(m.profit_overshoot.has_value());
  EXPECT_DOUBLE_EQ(*m.notional_overshoot, 4.0);
  EXPECT_DOUBLE_EQ(*m.profit_overshoot, 1.4);
  ASSERT_EQ(m.adl_accounts.size(), 2u);
  const AdlAccount& first = m.adl_accounts[0];
  EXPECT_EQ(first.account, 20u);
  EXPECT_EQ(first.lots, 6);
  EXPECT_EQ(first.notional, 2400);
  EXPECT_EQ(first.profit, 1500);
  EXPECT_EQ(first.paid, 600);
  const AdlAccount& second = m.adl_accounts[1];
  EXPECT_EQ(second.account, 21u);
  EXPECT_EQ(second.notional, 1600);
  EXPECT_EQ(second.profit, -100);
  EXPECT_EQ(second.paid, 400);
}

TEST(PolicyLab, NoOvershootWhenAdlCoveredNothing) {
  // ADL at the mark: the winners are closed but pay nothing; the ratio has no denominator.
  PolicyLab lab;
  InstrumentRisk linear{};
  linear.kind = ContractKind::kLinearPerpetual;
  linear.multiplier = 1;
  lab.set_instruments({linear});
  lab.add(rec(WaterfallKind::kAdlClose, 6, 20, 3, 50, 0));
  lab.add(rec(WaterfallKind::kAdlFill, 6, 20, 0));
  const LabAssetMetrics m = lab.metrics()[1];
  EXPECT_EQ(m.closed_notional, 150);
  EXPECT_FALSE(m.notional_overshoot.has_value());
  EXPECT_FALSE(m.profit_overshoot.has_value());
}

TEST(PolicyLab, ASplitThatMissesLotsReportsThemUnattributed) {
  PolicyLab lab;
  lab.add(rec(WaterfallKind::kTakeover, 0, 8, 5));  // a long taken over: the shorts pay
  lab.add(rec(WaterfallKind::kDeficit, 0, 8, 30));
  // 30 over 10 lots, charged exactly 30; the split finds 7 of the lots: ceil(30 x 7 / 10) = 21.
  lab.add(rec(WaterfallKind::kSocializedLoss, 6, 0, 30, 30, 10));
  const std::vector<PolicyLab::Socialization> z = lab.take_socializations();
  ASSERT_EQ(z.size(), 1u);
  EXPECT_FALSE(z[0].winners_long);
  const std::array<PolicyLab::Holder, 1> holders{{{40, 7}}};
  lab.split_socialization(z[0], holders);
  const LabAssetMetrics m = lab.metrics()[1];
  EXPECT_EQ(m.socialized_unattributed, 30 - 21);
  EXPECT_EQ(m.top1, 21);
  EXPECT_EQ(m.payers, 1u);
}

TEST(PolicyLab, AnAbsoluteFundIsShownAsGivenNotAsAPercentage) {
  PolicyComparison c;
  c.insurance_fund_ppm = 20'000;
  c.default_fund_ppm = 10'000;
  c.insurance_fund_money[replay::kBtcAsset] = 150'000'000;
  const std::string text = comparison_text(c);
  EXPECT_NE(text.find("insurance fund 1.50000000 BTC, default fund 1.0000 %"), std::string::npos)
      << text;
  const std::string json = comparison_json(c);
  EXPECT_NE(json.find("\"insurance_fund_money\": {\"BTC\": 150000000}"), std::string::npos) << json;
  EXPECT_NE(json.find("\"default_fund_money\": {}"), std::string::npos) << json;
}

TEST(PolicyLab, PolicyArgumentsAreChecked) {
  std::string error;
  const std::vector<std::string> one{"ranked"};
  EXPECT_FALSE(try_check_policies(one, error));
  EXPECT_NE(error.find("at least two"), std::string::npos) << error;
  const std::vector<std::string> unknown{"ranked", "lottery"};
  EXPECT_FALSE(try_check_policies(unknown, error));
  EXPECT_NE(error.find("lottery"), std::string::npos) << error;
  const std::vector<std::string> twice{"pro-rata", "pro-rata"};
  EXPECT_FALSE(try_check_policies(twice, error));
  const std::vector<std::string> good{"ranked", "ranked-binance", "ranked-hyperliquid", "pro-rata",
                                      "socialized"};
  EXPECT_TRUE(try_check_policies(good, error)) << error;
}

bool fired(const PolicyRun& r) {
  return r.summary.adl_fills > 0 || r.summary.socializations > 0;
}

void expect_consistent(const PolicyComparison& c) {
  for (const PolicyRun& r : c.runs) {
    EXPECT_TRUE(r.summary.conservation_ok) << r.policy << ": " << r.summary.conservation_detail;
    EXPECT_EQ(r.summary.waterfall_records_dropped, 0u) << r.policy;
    ASSERT_EQ(r.assets.size(), r.summary.assets.size()) << r.policy;
    for (std::size_t k = 0; k < r.assets.size(); ++k) {
      const LabAssetMetrics& m = r.assets[k];
      const AssetSummary& a = r.summary.assets[k];
      EXPECT_EQ(m.covered_total(), m.deficit) << r.policy << " " << a.name;
      // The lab and the engine's own totals agree.
      EXPECT_EQ(m.insurance, a.insurance_drawn) << r.policy;
      EXPECT_EQ(m.bad_debt, a.bad_debt) << r.policy;
      EXPECT_EQ(m.socialized, a.socialized_loss) << r.policy;
      EXPECT_EQ(m.liquidation_fees + m.surplus, a.liquidation_fees) << r.policy;
      EXPECT_EQ(m.winners_charged - m.winners_excess, m.adl + m.socialized) << r.policy;
      if (r.summary.socializations == 0) {
        EXPECT_EQ(m.winners_charged, a.adl_paid) << r.policy;
      }
    }
  }
}

TEST(PolicyLab, CompareOnTheMarkFileWithAThinFund) {
  if (!std::filesystem::exists(kMarkFile)) GTEST_SKIP() << kMarkFile << " absent";
  ReplayOptions o;
  o.files = {kMarkFile};
  o.accounts = 500;
  o.insurance_fund_ppm = kThinFundPpm;
  o.default_fund_ppm = 0;
  const std::vector<std::string> policies{"ranked", "ranked-hyperliquid", "pro-rata", "socialized"};
  std::string error;
  const std::optional<PolicyComparison> c = run_policy_comparison(o, policies, error);
  ASSERT_TRUE(c.has_value()) << error;
  ASSERT_EQ(c->runs.size(), policies.size());
  EXPECT_TRUE(all_conserved(*c));
  expect_consistent(*c);
  for (std::size_t i = 0; i < c->runs.size(); ++i) {
    const PolicyRun& r = c->runs[i];
    EXPECT_EQ(r.summary.policy, policies[i]);
    EXPECT_TRUE(fired(r)) << r.policy;
    ASSERT_FALSE(r.assets.empty());
    EXPECT_GT(r.assets[0].deficit, 0) << r.policy;
    for (std::size_t j = 0; j < i; ++j)
      EXPECT_NE(r.summary.digest, c->runs[j].summary.digest) << r.policy << " vs " << policies[j];
  }
  const LabAssetMetrics& ranked = c->runs[0].assets[0];
  const LabAssetMetrics& at_mark = c->runs[1].assets[0];
  const LabAssetMetrics& pro_rata = c->runs[2].assets[0];
  const LabAssetMetrics& socialized = c->runs[3].assets[0];
  EXPECT_GT(ranked.adl, 0);
  EXPECT_GT(ranked.payers, 0u);
  EXPECT_GT(ranked.closed_notional, 0);
  // The ADL'd accounts add up to the totals; the profit they lost comes from the closes' legs.
  ASSERT_TRUE(ranked.notional_overshoot.has_value());
  EXPECT_GT(*ranked.notional_overshoot, 0.0);
  ASSERT_EQ(ranked.adl_accounts.size(), ranked.winners_closed);
  std::int64_t lots = 0, notional = 0, profit = 0, paid = 0;
  bool levered = false;
  for (const AdlAccount& a : ranked.adl_accounts) {
    lots += a.lots;
    notional += a.notional;
    profit += a.profit;
    paid += a.paid;
    levered = levered || a.leverage > 0;
    // A winner ADL'd in several events may have closed more in all than it held at the first.
    EXPECT_GT(a.notional_before, 0) << a.account;
    EXPECT_DOUBLE_EQ(a.leverage, a.equity_before > 0 ? static_cast<double>(a.notional_before) /
                                                           static_cast<double>(a.equity_before)
                                                     : 0.0)
        << a.account;
  }
  EXPECT_EQ(lots, ranked.closed_lots);
  EXPECT_EQ(notional, ranked.closed_notional);
  EXPECT_EQ(profit, ranked.closed_profit);
  EXPECT_NE(ranked.closed_profit, 0);
  EXPECT_EQ(paid, c->runs[0].summary.assets[0].adl_paid);
  EXPECT_TRUE(levered);
  // At the mark the winners are closed but pay nothing: the deficit falls to bad debt.
  EXPECT_EQ(at_mark.winners_charged, 0);
  EXPECT_GT(at_mark.winners_closed, 0u);
  EXPECT_GT(at_mark.bad_debt, ranked.bad_debt);
  EXPECT_GT(pro_rata.adl, 0);
  // Socialized loss touches no position but charges the whole winning side.
  EXPECT_EQ(socialized.closed_lots, 0);
  EXPECT_GT(socialized.socialized, 0);
  EXPECT_GT(socialized.payers, ranked.payers);
  const std::string text = comparison_text(*c);
  for (const std::string& p : policies)
    EXPECT_NE(text.find(p), std::string::npos) << p;
  const std::string json = comparison_json(*c);
  EXPECT_NE(json.find("\"policies\": [{\"policy\": \"ranked\""), std::string::npos);
  EXPECT_NE(json.find("\"notional_overshoot\": "), std::string::npos);
  EXPECT_NE(json.find("\"adl_accounts\": [{\"account\": "), std::string::npos);
  EXPECT_NE(text.find("ADL'd accounts under ranked"), std::string::npos);
}

TEST(PolicyLab, PoliciesThatNeverFireLeaveOneDigest) {
  // The default scenario with a thin fund: liquidations and insurance draws, but (with the fund
  // refilled by liquidation surpluses) tier 6 may never fire; a run where it does not must end
  // in the same state whatever the policy.
  ReplayOptions o;
  o.accounts = 500;
  o.insurance_fund_ppm = kThinFundPpm;
  o.default_fund_ppm = 0;
  const std::vector<std::string> policies{"ranked", "socialized"};
  std::string error;
  const std::optional<PolicyComparison> c = run_policy_comparison(o, policies, error);
  ASSERT_TRUE(c.has_value()) << error;
  expect_consistent(*c);
  EXPECT_EQ(c->scenario, "default");
  EXPECT_GT(c->runs[0].summary.liquidations, 0u);
  if (!fired(c->runs[0]) && !fired(c->runs[1])) {
    EXPECT_EQ(c->runs[0].summary.digest, c->runs[1].summary.digest);
  } else {
    EXPECT_NE(c->runs[0].summary.digest, c->runs[1].summary.digest);
  }
}

// The tool itself: argument errors say what is wrong and exit with 2.
struct CliResult {
  int status = -1;
  std::string output;
};
CliResult run_cli(const std::string& args) {
  CliResult r;
  const std::string command = std::string(BACKSTOP_CLI) + " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 512> buffer{};
  while (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe) != nullptr)
    r.output += buffer.data();
  const int raw = ::pclose(pipe);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

TEST(CompareCli, OnePolicyIsAnErrorWithExitCode2) {
  const CliResult r = run_cli("compare --policy ranked");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("at least two --policy"), std::string::npos) << r.output;
}

TEST(CompareCli, UnknownPolicyIsAnErrorWithExitCode2) {
  const CliResult r = run_cli("compare --policy ranked --policy lottery");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("'lottery'"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace backstop::report
