#include "report/policy_comparison.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

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

using FundMoney = std::array<std::optional<std::int64_t>, kReplayAssetCount>;

// A fund's size as the runs seeded it: the absolute amounts given per asset, else the percentage.
std::string fund_size(std::int64_t ppm, const FundMoney& money) {
  std::string o;
  for (std::uint8_t a = 0; a < kReplayAssetCount; ++a) {
    if (!money[a]) continue;
    o += fmt::format("{}{} {}", o.empty() ? "" : " / ",
                     format_fixed(*money[a], replay::asset_money_exponent(a)), asset_name(a));
  }
  return o.empty() ? ppm_as_percent(ppm) + " %" : o;
}

// {"USD": raw, ...} of the assets given an absolute amount.
std::string fund_money_json(const FundMoney& money) {
  std::string o = "{";
  for (std::uint8_t a = 0; a < kReplayAssetCount; ++a) {
    if (!money[a]) continue;
    o += fmt::format("{}\"{}\": {}", o.size() > 1 ? ", " : "", asset_name(a), *money[a]);
  }
  return o + "}";
}

// The comparison as a text table: a label column, then one column per run.
class RunTable {
 public:
  RunTable(const PolicyComparison& c, std::string title) : c_(c), o_(std::move(title)) {
    for (const PolicyRun& r : c.runs)
      width_ = std::max(width_, r.policy.size());
  }
  // `cell(run)` gives each run's text.
  template <class Cell>
  void row(std::string_view label, Cell cell) {
    o_ += fmt::format("{:<{}}", label, kLabel);
    for (const PolicyRun& r : c_.runs)
      o_ += fmt::format(" {:>{}}", cell(r), width_);
    o_ += '\n';
  }
  void heading(std::string_view text) { o_ += fmt::format("{}\n", text); }
  // A lab metric of the runs' asset `k` as money of 10^e units (a member or a function of
  // LabAssetMetrics); "-" for a run without that asset.
  template <class Field>
  void money(std::string_view label, std::size_t k, int e, Field field) {
    row(label, [&](const PolicyRun& r) {
      return k < r.assets.size() ? format_fixed(std::invoke(field, r.assets[k]), e)
                                 : std::string("-");
    });
  }
  // A lab metric of asset `k` as text made by `text(metrics)`.
  template <class Text>
  void metric(std::string_view label, std::size_t k, Text text) {
    row(label, [&](const PolicyRun& r) {
      return k < r.assets.size() ? text(r.assets[k]) : std::string("-");
    });
  }
  std::string take() && { return std::move(o_); }

 private:
  static constexpr int kLabel = 34;
  const PolicyComparison& c_;
  std::string o_;
  std::size_t width_ = 14;
};

std::string count(std::uint64_t v) {
  return fmt::format("{}", v);
}
std::string share(double v) {
  return fmt::format("{:.4f}", v);
}
std::string ratio(const std::optional<double>& v) {
  return v ? fmt::format("{:.2f}", *v) : std::string("-");
}
std::string json_ratio(const std::optional<double>& v) {
  return v ? fmt::format("{:.6f}", *v) : std::string("null");
}

constexpr std::size_t kTopAdlAccounts = 5;

// Per run and asset, the accounts ADL closed the most notional of: what was closed, what they
// paid, and their leverage and profit just before their first ADL.
void add_adl_accounts(std::string& o, const PolicyComparison& c) {
  for (const PolicyRun& r : c.runs) {
    for (std::size_t k = 0; k < r.assets.size() && k < r.summary.assets.size(); ++k) {
      const LabAssetMetrics& m = r.assets[k];
      if (m.adl_accounts.empty()) continue;
      const int e = r.summary.assets[k].money_exponent;
      o += fmt::format("\nADL'd accounts under {} ({}): {}, the top {} by notional closed\n",
                       r.policy, r.summary.assets[k].name, m.adl_accounts.size(),
                       std::min(kTopAdlAccounts, m.adl_accounts.size()));
      o += fmt::format("  {:>9} {:>8} {:>16} {:>16} {:>16} {:>9} {:>16}\n", "account", "lots",
                       "notional closed", "profit closed", "paid", "leverage", "profit before");
      for (std::size_t i = 0; i < std::min(kTopAdlAccounts, m.adl_accounts.size()); ++i) {
        const AdlAccount& a = m.adl_accounts[i];
        o += fmt::format("  {:>9} {:>8} {:>16} {:>16} {:>16} {:>9.2f} {:>16}\n", a.account, a.lots,
                         format_fixed(a.notional, e), format_fixed(a.profit, e),
                         format_fixed(a.paid, e), a.leverage, format_fixed(a.profit_before, e));
      }
    }
  }
}

std::string adl_accounts_json(const std::vector<AdlAccount>& accounts) {
  std::string o = "[";
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    const AdlAccount& a = accounts[i];
    o += fmt::format(
        "{}{{\"account\": {}, \"closes\": {}, \"lots\": {}, \"notional\": {}, \"profit\": {}, "
        "\"paid\": {}, \"notional_before\": {}, \"equity_before\": {}, \"profit_before\": {}, "
        "\"leverage\": {:.6f}}}",
        i == 0 ? "" : ", ", a.account, a.closes, a.lots, a.notional, a.profit, a.paid,
        a.notional_before, a.equity_before, a.profit_before, a.leverage);
  }
  return o + "]";
}

void add_run_counts(RunTable& t) {
  t.row("", [](const PolicyRun& r) { return r.policy; });
  t.row("liquidations", [](const PolicyRun& r) { return count(r.summary.liquidations); });
  t.row("accounts liquidated",
        [](const PolicyRun& r) { return count(r.summary.accounts_liquidated); });
  t.row("bankruptcies", [](const PolicyRun& r) { return count(r.summary.bankruptcies); });
  t.row("ADL fills", [](const PolicyRun& r) { return count(r.summary.adl_fills); });
  t.row("socializations", [](const PolicyRun& r) { return count(r.summary.socializations); });
}

// Who paid asset k's deficits, tier by tier.
void add_who_paid(RunTable& t, std::size_t k, const AssetSummary& a) {
  const int e = a.money_exponent;
  t.heading(fmt::format("who paid the deficits ({})", a.name));
  t.money("  deficit", k, e, &LabAssetMetrics::deficit);
  t.money("  own default-fund share", k, e, &LabAssetMetrics::own_default_fund);
  t.money("  insurance fund", k, e, &LabAssetMetrics::insurance);
  t.money("  venue tranche", k, e, &LabAssetMetrics::venue_tranche);
  t.money("  members' default fund", k, e, &LabAssetMetrics::members_default_fund);
  t.money("  ADL winners", k, e, &LabAssetMetrics::adl);
  t.money("  socialized loss", k, e, &LabAssetMetrics::socialized);
  t.money("  member assessment", k, e, &LabAssetMetrics::assessment);
  t.money("  bad debt", k, e, &LabAssetMetrics::bad_debt);
  t.money("  defaulters' collateral (tier 1)", k, e, &LabAssetMetrics::defaulter_collateral);
  t.money("  fees + surplus into insurance", k, e,
          [](const LabAssetMetrics& m) { return m.liquidation_fees + m.surplus; });
}

// What was taken from asset k's winners, and how it was spread.
void add_winners(RunTable& t, std::size_t k, const AssetSummary& a) {
  const int e = a.money_exponent;
  t.heading(fmt::format("taken from winners ({})", a.name));
  t.money("  charged", k, e, &LabAssetMetrics::winners_charged);
  t.money("  beyond the deficit (rounding)", k, e, &LabAssetMetrics::winners_excess);
  t.money("  of it the backstop's own share", k, e, &LabAssetMetrics::socialized_backstop);
  t.metric("  lots closed by ADL", k, [](const LabAssetMetrics& m) {
    return count(static_cast<std::uint64_t>(m.closed_lots));
  });
  t.money("  notional closed at the mark", k, e, &LabAssetMetrics::closed_notional);
  t.money("  profit closed at the mark", k, e, &LabAssetMetrics::closed_profit);
  t.heading("ADL overshoot (closed / deficit ADL covered)");
  t.metric("  notional / covered", k,
           [](const LabAssetMetrics& m) { return ratio(m.notional_overshoot); });
  t.metric("  profit / covered", k,
           [](const LabAssetMetrics& m) { return ratio(m.profit_overshoot); });
  t.heading("concentration of the winners' payments");
  t.metric("  accounts that paid", k, [](const LabAssetMetrics& m) { return count(m.payers); });
  t.money("  largest payer", k, e, &LabAssetMetrics::top1);
  t.metric("  top-1 share", k, [](const LabAssetMetrics& m) { return share(m.top1_share); });
  t.metric("  top-10 share", k, [](const LabAssetMetrics& m) { return share(m.top10_share); });
  t.metric("  HHI (0-10,000)", k,
           [](const LabAssetMetrics& m) { return fmt::format("{:.1f}", m.hhi * 10'000); });
  t.metric("  Gini", k, [](const LabAssetMetrics& m) { return share(m.gini); });
}

void add_touched_and_end(RunTable& t, std::size_t k, const AssetSummary& a) {
  t.heading("accounts touched");
  t.metric("  winners closed by ADL", k,
           [](const LabAssetMetrics& m) { return count(m.winners_closed); });
  t.metric("  winners closed or charged", k,
           [](const LabAssetMetrics& m) { return count(m.winners_touched); });
  t.metric("  members charged", k,
           [](const LabAssetMetrics& m) { return count(m.members_charged); });
  t.heading(fmt::format("end state ({})", a.name));
  t.row("  insurance fund", [&](const PolicyRun& r) {
    return k < r.summary.assets.size()
               ? format_fixed(r.summary.assets[k].insurance_fund_end, a.money_exponent)
               : std::string("-");
  });
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
    const std::function<void(std::size_t, const std::string&)>& on_run, const PrepareRun& prepare) {
  if (!try_check_policies(policies, error)) return std::nullopt;
  PolicyComparison c;
  c.files = base.files;
  c.seed = base.seed;
  c.accounts = base.accounts;
  c.insurance_fund_ppm = base.insurance_fund_ppm;
  c.default_fund_ppm = base.default_fund_ppm;
  c.insurance_fund_money = base.insurance_fund_money;
  c.default_fund_money = base.default_fund_money;
  c.liquidation_fee_e6 = base.liquidation_fee_e6;
  for (std::size_t i = 0; i < policies.size(); ++i) {
    if (on_run) on_run(i, policies[i]);
    ReplayOptions options = base;
    options.threaded = false;  // the lab reads the engine after each event
    // The runs are analyses, not a venue's record: none journals (each policy's run would find
    // the journal of the one before it, written under another configuration).
    if (options.engine) options.engine->journal.folder.clear();
    options.journal_folder.clear();
    if (!try_parse_policy(policies[i], options, error)) return std::nullopt;
    PolicyLab lab;
    attach_policy_lab(options, lab);
    if (prepare && !prepare(i, policies[i], options, error)) return std::nullopt;
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
  RunTable t(c,
             fmt::format("Backstop compare: {}, seed {}, {} accounts{}; insurance fund {}, default "
                         "fund {}, liquidation fee {} bp; {} events per run\n",
                         c.scenario == "default" ? std::string("default scenario")
                                                 : fmt::format("{} file(s)", c.files.size()),
                         c.seed, c.accounts, c.shock.empty() ? "" : ", shock " + c.shock,
                         fund_size(c.insurance_fund_ppm, c.insurance_fund_money),
                         fund_size(c.default_fund_ppm, c.default_fund_money),
                         format_fixed(c.liquidation_fee_e6, -2), c.events));
  add_run_counts(t);
  if (c.runs.empty()) return std::move(t).take();
  for (std::size_t k = 0; k < c.runs[0].summary.assets.size(); ++k) {
    const AssetSummary& a0 = c.runs[0].summary.assets[k];
    add_who_paid(t, k, a0);
    add_winners(t, k, a0);
    add_touched_and_end(t, k, a0);
  }
  t.row("conservation", [](const PolicyRun& r) {
    return std::string(r.summary.conservation_ok ? "ok" : "VIOLATED");
  });
  t.row("digest", [](const PolicyRun& r) { return r.summary.digest; });
  std::string o = std::move(t).take();
  add_adl_accounts(o, c);
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
      "\"insurance_fund_ppm\": {}, \"default_fund_ppm\": {}, \"insurance_fund_money\": {}, "
      "\"default_fund_money\": {}, \"liquidation_fee_e6\": {}, "
      "\"events\": {}, \"policies\": [",
      str(c.scenario), files, c.seed, c.accounts, c.shock.empty() ? "null" : str(c.shock),
      c.insurance_fund_ppm, c.default_fund_ppm, fund_money_json(c.insurance_fund_money),
      fund_money_json(c.default_fund_money), c.liquidation_fee_e6, c.events);
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
          "\"insurance_fund_end\": {}, \"bad_debt_end\": {}, ",
          m.winners_charged, m.winners_excess, m.socialized_backstop, m.socialized_unattributed,
          m.adl_closes, m.closed_lots, m.closed_notional, m.payers, m.top1, m.top10, m.top1_share,
          m.top10_share, m.hhi, m.gini, m.winners_closed, m.winners_touched, m.members_charged,
          a.insurance_fund_end, a.bad_debt);
      o += fmt::format(
          "\"closed_profit\": {}, \"notional_overshoot\": {}, \"profit_overshoot\": {}, "
          "\"adl_accounts\": {}}}",
          m.closed_profit, json_ratio(m.notional_overshoot), json_ratio(m.profit_overshoot),
          adl_accounts_json(m.adl_accounts));
    }
    o += "]}";
  }
  return o + "]}";
}

}  // namespace backstop::report
