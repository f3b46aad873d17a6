#include "report/policy_comparison.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "marketdata/decimal.hpp"
#include "marketdata/text_fields.hpp"
#include "replay/instrument_map.hpp"

namespace backstop::report {

using replay::asset_name;
using replay::AssetSummary;
using replay::kReplayAssetCount;
using replay::ReplayOptions;
using replay::ReplaySummary;
using replay::run_replay;
using replay::try_parse_policy;

using marketdata::format_fixed;
using marketdata::json_escape;

namespace {

// The lab's metrics of the asset `name`, or zeros when the lab saw none of its records.
LabAssetMetrics metrics_for(const std::vector<LabAssetMetrics>& all, const std::string& name) {
  for (const LabAssetMetrics& m : all)
    if (asset_name(m.asset) == name) return m;
  LabAssetMetrics none;
  for (std::uint8_t a = 0; a < kReplayAssetCount; ++a)
    if (asset_name(a) == name) none.asset = a;
  return none;
}

std::string ppm_as_percent(std::int64_t ppm) {
  return format_fixed(ppm, -4);
}

}  // namespace

bool try_check_policies(std::span<const std::string> policies, std::string& error) {
  if (policies.size() < 2) {
    error = fmt::format(
        "need at least two --policy to compare (got {}); e.g. --policy ranked --policy socialized",
        policies.size());
    return false;
  }
  for (std::size_t i = 0; i < policies.size(); ++i) {
    ReplayOptions probe;
    if (!try_parse_policy(policies[i], probe, error)) return false;
    for (std::size_t j = 0; j < i; ++j) {
      if (policies[j] == policies[i]) {
        error = fmt::format("--policy '{}' given twice", policies[i]);
        return false;
      }
    }
  }
  return true;
}

std::optional<PolicyComparison> run_policy_comparison(
    const ReplayOptions& base, std::span<const std::string> policies, std::string& error,
    const std::function<void(std::size_t, const std::string&)>& on_run) {
  if (!try_check_policies(policies, error)) return std::nullopt;
  PolicyComparison c;
  c.files = base.files;
  c.seed = base.seed;
  c.accounts = base.accounts;
  c.insurance_fund_ppm = base.insurance_fund_ppm;
  c.default_fund_ppm = base.default_fund_ppm;
  c.liquidation_fee_e6 = base.liquidation_fee_e6;
  for (std::size_t i = 0; i < policies.size(); ++i) {
    if (on_run) on_run(i, policies[i]);
    ReplayOptions options = base;
    options.threaded = false;  // the lab reads the engine after each event
    if (!try_parse_policy(policies[i], options, error)) return std::nullopt;
    PolicyLab lab;
    attach_policy_lab(options, lab);
    std::optional<ReplaySummary> s = run_replay(options, error);
    if (!s) return std::nullopt;
    PolicyRun run;
    run.policy = policies[i];
    run.summary = std::move(*s);
    const std::vector<LabAssetMetrics> all = lab.metrics();
    for (const AssetSummary& a : run.summary.assets)
      run.assets.push_back(metrics_for(all, a.name));
    c.scenario = run.summary.scenario;
    c.events = run.summary.events;
    c.runs.push_back(std::move(run));
  }
  return c;
}

bool all_conserved(const PolicyComparison& c) noexcept {
  return std::all_of(c.runs.begin(), c.runs.end(),
                     [](const PolicyRun& r) { return r.summary.conservation_ok; });
}

std::string comparison_text(const PolicyComparison& c) {
  std::string o = fmt::format(
      "Backstop compare: {}, seed {}, {} accounts{}; insurance fund {} %, default fund {} %, "
      "liquidation fee {} bp; {} events per run\n",
      c.scenario == "default" ? std::string("default scenario")
                              : fmt::format("{} file(s)", c.files.size()),
      c.seed, c.accounts, c.shock.empty() ? "" : ", shock " + c.shock,
      ppm_as_percent(c.insurance_fund_ppm), ppm_as_percent(c.default_fund_ppm),
      format_fixed(c.liquidation_fee_e6, -2), c.events);
  std::size_t width = 14;
  for (const PolicyRun& r : c.runs)
    width = std::max(width, r.policy.size());
  constexpr int kLabel = 34;
  auto row = [&](std::string_view label, auto cell) {
    o += fmt::format("{:<{}}", label, kLabel);
    for (const PolicyRun& r : c.runs)
      o += fmt::format(" {:>{}}", cell(r), width);
    o += '\n';
  };
  auto heading = [&](std::string_view text) { o += fmt::format("{}\n", text); };
  auto count = [](std::uint64_t v) { return fmt::format("{}", v); };
  auto share = [](double v) { return fmt::format("{:.4f}", v); };
  row("", [](const PolicyRun& r) { return r.policy; });
  row("liquidations", [&](const PolicyRun& r) { return count(r.summary.liquidations); });
  row("accounts liquidated",
      [&](const PolicyRun& r) { return count(r.summary.accounts_liquidated); });
  row("bankruptcies", [&](const PolicyRun& r) { return count(r.summary.bankruptcies); });
  row("ADL fills", [&](const PolicyRun& r) { return count(r.summary.adl_fills); });
  row("socializations", [&](const PolicyRun& r) { return count(r.summary.socializations); });
  if (c.runs.empty()) return o;
  for (std::size_t k = 0; k < c.runs[0].summary.assets.size(); ++k) {
    const AssetSummary& a0 = c.runs[0].summary.assets[k];
    const int e = a0.money_exponent;
    auto money = [&](auto field) {
      return [&, field](const PolicyRun& r) {
        return k < r.assets.size() ? format_fixed(field(r.assets[k]), e) : std::string("-");
      };
    };
    auto lab = [&](auto field) {
      return [&, field](const PolicyRun& r) {
        return k < r.assets.size() ? field(r.assets[k]) : std::string("-");
      };
    };
    heading(fmt::format("who paid the deficits ({})", a0.name));
    row("  deficit", money([](const LabAssetMetrics& m) { return m.deficit; }));
    row("  own default-fund share",
        money([](const LabAssetMetrics& m) { return m.own_default_fund; }));
    row("  insurance fund", money([](const LabAssetMetrics& m) { return m.insurance; }));
    row("  venue tranche", money([](const LabAssetMetrics& m) { return m.venue_tranche; }));
    row("  members' default fund",
        money([](const LabAssetMetrics& m) { return m.members_default_fund; }));
    row("  ADL winners", money([](const LabAssetMetrics& m) { return m.adl; }));
    row("  socialized loss", money([](const LabAssetMetrics& m) { return m.socialized; }));
    row("  member assessment", money([](const LabAssetMetrics& m) { return m.assessment; }));
    row("  bad debt", money([](const LabAssetMetrics& m) { return m.bad_debt; }));
    row("  defaulters' collateral (tier 1)",
        money([](const LabAssetMetrics& m) { return m.defaulter_collateral; }));
    row("  fees + surplus into insurance",
        money([](const LabAssetMetrics& m) { return m.liquidation_fees + m.surplus; }));
    heading(fmt::format("taken from winners ({})", a0.name));
    row("  charged", money([](const LabAssetMetrics& m) { return m.winners_charged; }));
    row("  beyond the deficit (rounding)",
        money([](const LabAssetMetrics& m) { return m.winners_excess; }));
    row("  of it the backstop's own share",
        money([](const LabAssetMetrics& m) { return m.socialized_backstop; }));
    row("  lots closed by ADL", lab([&](const LabAssetMetrics& m) {
          return count(static_cast<std::uint64_t>(m.closed_lots));
        }));
    row("  notional closed at the mark",
        money([](const LabAssetMetrics& m) { return m.closed_notional; }));
    heading("concentration of the winners' payments");
    row("  accounts that paid", lab([&](const LabAssetMetrics& m) { return count(m.payers); }));
    row("  largest payer", money([](const LabAssetMetrics& m) { return m.top1; }));
    row("  top-1 share", lab([&](const LabAssetMetrics& m) { return share(m.top1_share); }));
    row("  top-10 share", lab([&](const LabAssetMetrics& m) { return share(m.top10_share); }));
    row("  HHI (0-10,000)",
        lab([&](const LabAssetMetrics& m) { return fmt::format("{:.1f}", m.hhi * 10'000); }));
    row("  Gini", lab([&](const LabAssetMetrics& m) { return share(m.gini); }));
    heading("accounts touched");
    row("  winners closed by ADL",
        lab([&](const LabAssetMetrics& m) { return count(m.winners_closed); }));
    row("  winners closed or charged",
        lab([&](const LabAssetMetrics& m) { return count(m.winners_touched); }));
    row("  members charged",
        lab([&](const LabAssetMetrics& m) { return count(m.members_charged); }));
    heading(fmt::format("end state ({})", a0.name));
    row("  insurance fund", [&](const PolicyRun& r) {
      return k < r.summary.assets.size() ? format_fixed(r.summary.assets[k].insurance_fund_end, e)
                                         : std::string("-");
    });
  }
  row("conservation", [](const PolicyRun& r) {
    return std::string(r.summary.conservation_ok ? "ok" : "VIOLATED");
  });
  row("digest", [](const PolicyRun& r) { return r.summary.digest; });
  return o;
}

std::string comparison_json(const PolicyComparison& c) {
  auto str = [](std::string_view v) { return fmt::format("\"{}\"", json_escape(v)); };
  std::string files = "[";
  for (std::size_t i = 0; i < c.files.size(); ++i)
    files += (i == 0 ? "" : ", ") + str(c.files[i]);
  files += "]";
  std::string o = fmt::format(
      "{{\"scenario\": {}, \"files\": {}, \"seed\": {}, \"accounts\": {}, \"shock\": {}, "
      "\"insurance_fund_ppm\": {}, \"default_fund_ppm\": {}, \"liquidation_fee_e6\": {}, "
      "\"events\": {}, \"policies\": [",
      str(c.scenario), files, c.seed, c.accounts, c.shock.empty() ? "null" : str(c.shock),
      c.insurance_fund_ppm, c.default_fund_ppm, c.liquidation_fee_e6, c.events);
  for (std::size_t i = 0; i < c.runs.size(); ++i) {
    const PolicyRun& r = c.runs[i];
    const ReplaySummary& s = r.summary;
    o += fmt::format(
        "{}{{\"policy\": {}, \"liquidations\": {}, \"accounts_liquidated\": {}, "
        "\"bankruptcies\": {}, \"adl_fills\": {}, \"socializations\": {}, "
        "\"waterfall_records_dropped\": {}, \"conservation_ok\": {}, \"digest\": {}, "
        "\"assets\": [",
        i == 0 ? "" : ", ", str(r.policy), s.liquidations, s.accounts_liquidated, s.bankruptcies,
        s.adl_fills, s.socializations, s.waterfall_records_dropped,
        s.conservation_ok ? "true" : "false", str(s.digest));
    for (std::size_t k = 0; k < s.assets.size() && k < r.assets.size(); ++k) {
      const AssetSummary& a = s.assets[k];
      const LabAssetMetrics& m = r.assets[k];
      o += fmt::format(
          "{}{{\"asset\": {}, \"money_exponent\": {}, \"deficits\": {}, \"deficit\": {}, "
          "\"who_paid\": {{\"own_default_fund\": {}, \"insurance_fund\": {}, \"venue_tranche\": "
          "{}, \"members_default_fund\": {}, \"adl\": {}, \"socialized\": {}, \"assessment\": {}, "
          "\"bad_debt\": {}}}, \"defaulter_collateral\": {}, \"liquidation_fees\": {}, "
          "\"surplus\": {}, \"members_charged_amount\": {}, \"assessment_charged_amount\": {}, ",
          k == 0 ? "" : ", ", str(a.name), a.money_exponent, m.deficits, m.deficit,
          m.own_default_fund, m.insurance, m.venue_tranche, m.members_default_fund, m.adl,
          m.socialized, m.assessment, m.bad_debt, m.defaulter_collateral, m.liquidation_fees,
          m.surplus, m.members_charged_amount, m.assessment_charged_amount);
      o += fmt::format(
          "\"winners_charged\": {}, \"winners_excess\": {}, \"socialized_backstop\": {}, "
          "\"socialized_unattributed\": {}, \"adl_closes\": {}, \"closed_lots\": {}, "
          "\"closed_notional\": {}, \"payers\": {}, \"top1\": {}, \"top10\": {}, "
          "\"top1_share\": {:.6f}, \"top10_share\": {:.6f}, \"hhi\": {:.6f}, \"gini\": {:.6f}, "
          "\"winners_closed\": {}, \"winners_touched\": {}, \"members_charged\": {}, "
          "\"insurance_fund_end\": {}, \"bad_debt_end\": {}}}",
          m.winners_charged, m.winners_excess, m.socialized_backstop, m.socialized_unattributed,
          m.adl_closes, m.closed_lots, m.closed_notional, m.payers, m.top1, m.top10, m.top1_share,
          m.top10_share, m.hhi, m.gini, m.winners_closed, m.winners_touched, m.members_charged,
          a.insurance_fund_end, a.bad_debt);
    }
    o += "]}";
  }
  return o + "]}";
}

}  // namespace backstop::report
