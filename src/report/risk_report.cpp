#include "report/risk_report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "marketdata/decimal.hpp"
#include "marketdata/text_fields.hpp"
#include "replay/instrument_map.hpp"

namespace backstop::report {

namespace {

std::string money(std::int64_t raw, std::uint8_t asset) {
  return marketdata::format_fixed(raw, replay::asset_money_exponent(asset));
}

std::string ratio_text(double r) {
  return r == replay::kNoRequirement ? "no requirement" : fmt::format("{:.3f}", r);
}

std::string ratio_json(double r) {
  return r == replay::kNoRequirement ? "null" : fmt::format("{:.6f}", r);
}

std::string quoted(std::string_view v) {
  return fmt::format("\"{}\"", marketdata::json_escape(v));
}

// The asset the top-level figures speak of: the first with a coverage sample (or the first).
const replay::SizingReport::AssetFigures* primary(const replay::SizingReport& r) {
  for (const auto& a : r.assets) {
    for (const replay::CoverageSample& c : r.coverage) {
      if (c.asset == a.asset) return &a;
    }
  }
  return r.assets.empty() ? nullptr : &r.assets.front();
}

}  // namespace

std::string risk_report_text(const replay::ReplaySummary& s) {
  const replay::SizingReport& r = s.sizing;
  std::string out;
  out += fmt::format(
      "risk report: {} VaR {:.1f} % / ES {:.1f} %, {} stress scenarios, {} returns "
      "of history per instrument\n",
      r.method, 100 * r.var_level, 100 * r.es_level, r.scenarios, r.history_returns);
  if (r.historical_scenarios > 0 || !r.historical_note.empty()) {
    out += r.historical_scenarios > 0
               ? fmt::format(
                     "  {} of the scenarios are the worst historical moves of the loaded "
                     "history: {}\n",
                     r.historical_scenarios, fmt::join(r.historical_names, "; "))
               : fmt::format("  no historical scenarios: {}\n", r.historical_note);
  }
  if (r.sqrt_time_horizon > 0) {
    out += fmt::format(
        "  note: the history holds too few windows of the {}-interval horizon, so one-interval "
        "returns were scaled by its square root, which overstates the tail of a crash's minutes: "
        "load earlier days with --history\n",
        r.sqrt_time_horizon);
  }
  if (r.depth_instruments > 0) {
    out +=
        fmt::format("  slippage from the book depth of {} instrument(s), {} snapshot(s) applied\n",
                    r.depth_instruments, r.slippage_updates);
  }
  for (const auto& a : r.assets) {
    const std::string name(replay::asset_name(a.asset));
    std::size_t samples = 0;
    for (const replay::CoverageSample& c : r.coverage)
      samples += c.asset == a.asset ? 1 : 0;
    if (samples == 0) continue;
    out += fmt::format(
        "  {}: venue VaR {}  ES {}  |  end Cover-1 {}  Cover-2 {}{}  |  lowest "
        "coverage ratio {} ({} samples)\n",
        name, money(a.var, a.asset), money(a.es, a.asset), money(a.cover1, a.asset),
        money(a.cover2, a.asset), a.cover2_scenario.empty() ? "" : " (" + a.cover2_scenario + ")",
        ratio_text(a.coverage_ratio_min), samples);
  }
  out += fmt::format(
      "  trigger changes: {}  (controls sent to the engine: {}; takeovers the "
      "exposure cap sent to ADL: {})\n",
      r.triggers.size(), r.controls_sent, r.exposure_cap_hits);
  for (const replay::TriggerChange& t : r.triggers) {
    out += fmt::format("    t={} {} {}: {} -> {} at {:.4f} (threshold {:.4f}; {})\n", t.time_ns,
                       t.trigger, t.subject, t.from, t.to, t.value, t.threshold, t.detail);
  }
  if (!r.top_accounts.empty()) out += "  largest VaR by account:\n";
  for (const replay::AccountRisk& a : r.top_accounts) {
    out += fmt::format("    account {}: VaR {}  ES {}  horizon {:.2f} days\n", a.account,
                       money(a.var, a.asset), money(a.es, a.asset), a.horizon_days);
  }
  if (r.feed_errors != 0) out += fmt::format("  state feed records refused: {}\n", r.feed_errors);
  return out;
}

std::string risk_report_json(const replay::ReplaySummary& s) {
  const replay::SizingReport& r = s.sizing;
  const replay::SizingReport::AssetFigures* p = primary(r);
  std::string out = "{";
  const auto add = [&out](std::string_view key, const std::string& value) {
    out += fmt::format("{}\"{}\": {}", out.size() > 1 ? ", " : "", key, value);
  };
  add("asset", p != nullptr ? quoted(replay::asset_name(p->asset)) : "null");
  add("money_exponent",
      fmt::format("{}", p != nullptr ? replay::asset_money_exponent(p->asset) : 0));
  add("var99", fmt::format("{}", p != nullptr ? p->var : 0));
  add("es975", fmt::format("{}", p != nullptr ? p->es : 0));
  add("cover1", fmt::format("{}", p != nullptr ? p->cover1 : 0));
  add("cover2", fmt::format("{}", p != nullptr ? p->cover2 : 0));
  add("coverage_ratio_min",
      ratio_json(p != nullptr ? p->coverage_ratio_min : replay::kNoRequirement));
  add("var_level", fmt::format("{}", r.var_level));
  add("es_level", fmt::format("{}", r.es_level));
  add("method", quoted(r.method));
  add("cover2_scenario", quoted(p != nullptr ? p->cover2_scenario : ""));
  add("scenarios", fmt::format("{}", r.scenarios));
  add("historical_scenarios", fmt::format("{}", r.historical_scenarios));
  add("historical_note", quoted(r.historical_note));
  add("depth_instruments", fmt::format("{}", r.depth_instruments));
  add("slippage_updates", fmt::format("{}", r.slippage_updates));
  add("history_returns", fmt::format("{}", r.history_returns));
  add("sqrt_time_horizon", fmt::format("{}", r.sqrt_time_horizon));
  add("history_loaded", fmt::format("{}", r.history_loaded));
  add("history_refused", fmt::format("{}", r.history_refused));
  add("controls_sent", fmt::format("{}", r.controls_sent));
  add("contribution_targets_sent", fmt::format("{}", r.contribution_targets_sent));
  add("exposure_cap_hits", fmt::format("{}", r.exposure_cap_hits));
  add("feed_errors", fmt::format("{}", r.feed_errors));
  std::string changes = "[";
  for (const replay::TriggerChange& t : r.triggers) {
    changes += fmt::format(
        "{}{{\"time_ns\": {}, \"trigger\": {}, \"subject\": {}, \"from\": {}, \"to\": {}, "
        "\"value\": {}, \"threshold\": {}, \"detail\": {}}}",
        changes.size() > 1 ? ", " : "", t.time_ns, quoted(t.trigger), quoted(t.subject),
        quoted(t.from), quoted(t.to), t.value, t.threshold, quoted(t.detail));
  }
  add("tier_changes", changes + "]");
  std::string assets = "[";
  for (const auto& a : r.assets) {
    assets += fmt::format(
        "{}{{\"asset\": {}, \"money_exponent\": {}, \"var\": {}, \"es\": {}, \"cover1\": {}, "
        "\"cover2\": {}, \"cover2_scenario\": {}, \"coverage_ratio_min\": {}, "
        "\"coverage_ratio_min_time_ns\": {}}}",
        assets.size() > 1 ? ", " : "", quoted(replay::asset_name(a.asset)),
        replay::asset_money_exponent(a.asset), a.var, a.es, a.cover1, a.cover2,
        quoted(a.cover2_scenario), ratio_json(a.coverage_ratio_min), a.coverage_ratio_min_time_ns);
  }
  add("assets", assets + "]");
  std::string coverage = "[";
  for (const replay::CoverageSample& c : r.coverage) {
    coverage += fmt::format(
        "{}{{\"time_ns\": {}, \"asset\": {}, \"cover1\": {}, \"cover2\": {}, \"emir\": {}, "
        "\"funds\": {}, \"insurance\": {}, \"ratio\": {}, \"tier\": {}}}",
        coverage.size() > 1 ? ", " : "", c.time_ns, quoted(replay::asset_name(c.asset)), c.cover1,
        c.cover2, c.emir, c.funds, c.insurance, ratio_json(c.ratio), quoted(c.tier));
  }
  add("coverage", coverage + "]");
  std::string accounts = "[";
  for (const replay::AccountRisk& a : r.top_accounts) {
    accounts += fmt::format(
        "{}{{\"account\": {}, \"asset\": {}, \"var\": {}, \"es\": {}, \"horizon_days\": {}}}",
        accounts.size() > 1 ? ", " : "", a.account, quoted(replay::asset_name(a.asset)), a.var,
        a.es, a.horizon_days);
  }
  add("top_accounts", accounts + "]");
  add("digest", quoted(s.digest));
  add("conservation_ok", s.conservation_ok ? "true" : "false");
  return out + "}";
}

}  // namespace backstop::report
