#include "report/html_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "replay/instrument_map.hpp"
#include "report/drawdown_level.hpp"
#include "report/html_style.hpp"
#include "report/html_text.hpp"
#include "report/loss_tables.hpp"
#include "report/svg_chart.hpp"

namespace backstop::report {

using replay::asset_money_exponent;
using replay::asset_name;
using replay::AssetSummary;
using replay::FileSummary;
using replay::InstrumentSummary;
using replay::ReplaySummary;

namespace {

std::string legend(std::initializer_list<std::pair<const char*, const char*>> items) {
  std::string o = "<div class=\"legend\">";
  for (const auto& [css, text] : items)
    o += fmt::format("<span><i class=\"sw {}\"></i>{}</span>", css, html_escape(text));
  return o + "</div>\n";
}

std::string figure(std::string_view label, std::string_view value, std::string_view css = "") {
  return fmt::format("<div class=\"figure {}\"><b>{}</b><span>{}</span></div>", css,
                     html_escape(value), html_escape(label));
}

// Summary assets by engine asset index (the summary lists only assets with accounts).
std::vector<std::size_t> assets_in(const ReplaySummary& s, std::size_t engine_assets) {
  std::vector<std::size_t> out;
  for (std::size_t a = 0; a < engine_assets; ++a) {
    for (const AssetSummary& as : s.assets) {
      if (as.name == asset_name(static_cast<std::uint8_t>(a))) out.push_back(a);
    }
  }
  return out;
}

// The document's head with its style sheet, and the page's header line.
std::string page_head(const ReportData& data, const ReplaySummary& s) {
  std::string title = s.scenario == "default"
                          ? fmt::format("default scenario (generated crash day), seed {}", s.seed)
                          : fmt::format("{} file(s), seed {}", s.files.size(), s.seed);
  if (!s.shock.empty()) title += ", shock " + s.shock;
  std::string o = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  o += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  o += fmt::format("<title>Backstop replay report: {}</title>\n", html_escape(title));
  o += fmt::format("<style>{}</style>\n</head>\n<body>\n", kReportStyle);
  o += fmt::format(
      "<header><h1>Backstop replay report</h1><p>{} &middot; {} to {} UTC &middot; {} accounts "
      "&middot; digest <code>{}</code></p></header>\n<main>\n",
      html_escape(title), format_utc(data.origin_ns()), format_utc(data.last_ns()), s.accounts,
      html_escape(s.digest));
  return o;
}

// The key figures as cards.
std::string figures(const ReplaySummary& s) {
  std::string o;
  o += "<section id=\"figures\"><h2>What happened</h2><div class=\"figures\">";
  o += figure("events replayed", group_thousands(s.events));
  o += figure("fills", group_thousands(s.fills));
  o +=
      figure("accounts flagged liquidatable", group_thousands(s.flagged), s.flagged ? "bad" : "ok");
  if (s.waterfall_wired) {
    o += figure(fmt::format("liquidations ({} accounts)", group_thousands(s.accounts_liquidated)),
                group_thousands(s.liquidations));
  }
  o += figure("accounts below zero equity", group_thousands(s.bankruptcies),
              s.bankruptcies ? "bad" : "ok");
  for (const AssetSummary& a : s.assets) {
    o += figure(fmt::format("insurance fund start ({})", a.name),
                format_decimal(a.insurance_fund_start, a.money_exponent));
    o += figure(fmt::format("insurance fund min ({})", a.name),
                format_decimal(a.insurance_fund_min, a.money_exponent));
    o += figure(fmt::format("insurance fund end ({})", a.name),
                format_decimal(a.insurance_fund_end, a.money_exponent));
  }
  o += figure("insurance fund draws", group_thousands(s.insurance_draws));
  o += figure(fmt::format("ADL fills ({})", html_escape(s.policy)), group_thousands(s.adl_fills));
  o += figure("default fund draws", group_thousands(s.default_fund_draws));
  for (const AssetSummary& a : s.assets) {
    o += figure(fmt::format("socialized loss ({})", a.name),
                format_decimal(a.socialized_loss, a.money_exponent));
    o += figure(fmt::format("bad debt ({})", a.name), format_decimal(a.bad_debt, a.money_exponent),
                a.bad_debt ? "bad" : "");
  }
  o += figure("conservation", s.conservation_ok ? "exact, ok" : "VIOLATED",
              s.conservation_ok ? "ok" : "bad");
  o += "</div>\n";
  if (!s.waterfall_wired) {
    o += "<p class=\"callout\">Liquidation is off in this run (--no-liquidation): accounts are "
         "flagged when they cross their maintenance margin or zero equity, but nobody "
         "liquidates them, so their deficits stay open and no fund, ADL counterparty or "
         "socialization pays for them. The tables below show the deficits; the charts and "
         "tables fill with payments when the waterfall runs.</p>\n";
  }
  if (!s.conservation_ok) {
    o += fmt::format("<p class=\"callout\">Conservation violated: {}</p>\n",
                     html_escape(s.conservation_detail));
  }
  o += "</section>\n";
  return o;
}

// Mark price and open interest per instrument, at most kReportMaxInstrumentCharts of them.
std::string markets(const Frame& frame, const ReportData& data, const ReplaySummary& s) {
  std::string o;
  o += "<section id=\"markets\"><h2>Markets</h2>\n";
  const std::size_t instruments =
      std::min({data.instrument_count(), s.instruments.size(), kReportMaxInstrumentCharts});
  for (std::size_t i = 0; i < instruments; ++i) {
    const InstrumentSummary& n = s.instruments[i];
    o += fmt::format("<h3>Mark price &mdash; {} ({}, {}-settled, mark from {})</h3>\n",
                     html_escape(n.symbol), html_escape(n.kind), html_escape(n.asset),
                     html_escape(n.mark_source));
    o += legend({{"mark", "last mark in the bucket"}, {"band", "min to max in the bucket"}});
    o += series_chart(frame, fmt::format("chart-mark-{}", i), "mark price " + n.symbol,
                      data.mark(i), n.price_exponent, "mark", "no mark");
    o += fmt::format("<h3>Open interest &mdash; {} ({})</h3>\n", html_escape(n.symbol),
                     n.kind == "inverse" ? "contracts" : "base units");
    o += series_chart(frame, fmt::format("chart-oi-{}", i), "open interest " + n.symbol,
                      data.open_interest(i), n.kind == "inverse" ? 0 : n.lot_exponent, "oi",
                      "no position was opened");
  }
  if (s.instruments.size() > instruments) {
    o += fmt::format("<p class=\"muted\">{} more instrument(s) not charted.</p>\n",
                     s.instruments.size() - instruments);
  }
  return o + "</section>\n";
}

// The insurance fund and the coverage ratio per settlement asset.
std::string funds(const Frame& frame, const ReportData& data,
                  const std::vector<std::size_t>& assets) {
  std::string o = "<section id=\"funds\"><h2>Funds and coverage</h2>\n";
  for (const std::size_t a : assets) {
    const std::string name(asset_name(static_cast<std::uint8_t>(a)));
    const int exponent = asset_money_exponent(static_cast<std::uint8_t>(a));
    o += fmt::format("<h3>Insurance fund &mdash; {}</h3>\n", html_escape(name));
    o += series_chart(frame, fmt::format("chart-insurance-{}", a), "insurance fund " + name,
                      data.insurance(a), exponent, "fund", "no balance");
    o += fmt::format(
        "<h3>Coverage ratio &mdash; {} (insurance fund + default fund available) "
        "&divide; requirement</h3>\n",
        html_escape(name));
    o += legend({{"coverage", "lowest coverage in the bucket"}, {"bk", "below 1: not covered"}});
    o += coverage_chart(frame, fmt::format("chart-coverage-{}", a), "coverage ratio " + name,
                        data.coverage_ppm(a));
  }
  o +=
      "<p class=\"muted\">Coverage in hindsight, from the deficits the replay realized (fund "
      "sizing's live coverage under stress, when on, is in its own section below): requirement = "
      "the larger of the largest single-account deficit seen so far and the sum of the two largest "
      "deficits open at the moment (Cover-2 style); coverage = (insurance fund + default fund "
      "available) &divide; requirement, rounded down, drawn from 0 up to 5 (higher values sit on "
      "the top edge) and undefined while no account is below zero equity. The default fund counts "
      "the clearing members' shares still undrawn (none with --thin-fund).</p>\n</section>\n";
  return o;
}

// The trigger changes drawn on an asset's charts: those whose subject is the asset (coverage,
// cascade, drawdown, exposure cap), and each price-deviation hold - whose subject is an instrument
// - on the charts of that instrument's settlement asset; on every asset's when the symbol is not
// among the replay's instruments.
std::vector<TimelineMarker> trigger_markers(const ReplaySummary& s, std::string_view asset) {
  std::vector<TimelineMarker> out;
  for (const replay::TriggerChange& t : s.sizing.triggers) {
    bool here = t.subject == asset;
    if (t.trigger == "deviation") {
      const auto it =
          std::find_if(s.instruments.begin(), s.instruments.end(),
                       [&](const InstrumentSummary& n) { return n.symbol == t.subject; });
      here = it == s.instruments.end() || it->asset == asset;
    }
    if (!here) continue;
    TimelineMarker m;
    m.time_ns = t.time_ns;
    m.css = t.trigger;
    m.label = fmt::format("{}: {}\u2192{}", t.trigger, t.from, t.to);
    m.title = fmt::format("{} UTC: {} {}, {} \u2192 {} (value {:.4f}, threshold {:.4f}; {})",
                          format_utc(t.time_ns), t.trigger, t.subject, t.from, t.to, t.value,
                          t.threshold, t.detail);
    out.push_back(std::move(m));
  }
  return out;
}

// The asset's insurance fund at each sizing sample against the drawdown trigger's level
// (drawdown_level.hpp), both bucketed: the fund's band and last sample, and the level's highest in
// the bucket; the fund alone when the replay ran without the trigger.
std::string fund_against_drawdown(const Frame& frame, const replay::SizingReport& r,
                                  std::uint8_t asset, const std::vector<TimelineMarker>& markers) {
  std::vector<FundSample> samples;
  for (const replay::CoverageSample& c : r.coverage) {
    if (c.asset == asset) samples.push_back({c.time_ns, c.insurance});
  }
  if (samples.empty()) return {};
  const bool trigger = r.drawdown_ppm > 0;
  const std::vector<std::int64_t> levels =
      trigger ? drawdown_levels(samples, r.drawdown_ppm, r.drawdown_window_ns)
              : std::vector<std::int64_t>{};
  std::vector<Extent> fund(frame.buckets);
  std::vector<Extent> level(frame.buckets);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (samples[i].time_ns < frame.origin_ns) continue;
    const auto b =
        static_cast<std::size_t>((samples[i].time_ns - frame.origin_ns) / frame.width_ns);
    if (b >= frame.buckets) continue;
    fund[b].add(samples[i].fund);
    if (trigger) level[b].add(levels[i]);
  }
  const std::string name(asset_name(asset));
  std::string o;
  if (trigger) {
    o += fmt::format("<h3>Insurance fund against the drawdown trigger &mdash; {}</h3>\n",
                     html_escape(name));
    o += legend({{"fund", "insurance fund at the sizing samples"},
                 {"level", "drawdown trigger's level"},
                 {"trig", "trigger changes (hover for the numbers)"}});
  } else {
    o += fmt::format("<h3>Insurance fund &mdash; {}</h3>\n", html_escape(name));
    o += legend({{"fund", "insurance fund at the sizing samples"},
                 {"trig", "trigger changes (hover for the numbers)"}});
  }
  o += fund_level_chart(frame, fmt::format("chart-fund-drawdown-{}", asset),
                        (trigger ? "insurance fund and drawdown level " : "insurance fund ") + name,
                        fund, level, asset_money_exponent(asset), markers);
  if (!trigger) {
    return o +
           "<p class=\"muted\">No drawdown trigger was set for this replay "
           "(<code>--drawdown PCT</code>): the fund alone.</p>\n";
  }
  return o + fmt::format(
                 "<p class=\"muted\">The drawdown trigger keeps the fund's draws above its level, "
                 "(1 &minus; {} %) &times; the fund's highest level within the trailing {}, and "
                 "switches the asset to ADL when the fund reaches it with a loss left or ends an "
                 "event below it. The level drawn here, rounded up to the unit as the engine "
                 "rounds it (the highest level in each bucket), is computed from the per-interval "
                 "samples, while the engine evaluates it at every event: between samples the fund "
                 "may have stood higher, and the engine's level with it.</p>\n",
                 format_decimal(r.drawdown_ppm, -4, true), duration_text(r.drawdown_window_ns));
}

// Fund sizing's live coverage (docs/sizing.md), when the replay ran with it: per asset the
// coverage ratio against the live Cover-2, bucketed (the lowest sample of each bucket), its tier
// bands, the insurance fund against the drawdown trigger, every trigger change on the charts'
// timeline, and all of them in a table with their numbers.
std::string sizing_section(const Frame& frame, const ReplaySummary& s) {
  const replay::SizingReport& r = s.sizing;
  if (!r.enabled) return {};
  std::string o = "<section id=\"sizing\"><h2>Fund sizing: live coverage and triggers</h2>\n";
  o += fmt::format(
      "<p>Cover-2 over {} stress scenarios, sampled every interval; VaR {:.1f} % / ES {:.1f} % "
      "({}). Tier changes were sent to the engine as risk controls ({} in all).</p>\n",
      r.scenarios, 100 * r.var_level, 100 * r.es_level, html_escape(r.method), r.controls_sent);
  for (const replay::SizingReport::AssetFigures& a : r.assets) {
    const std::string name(asset_name(a.asset));
    const std::vector<TimelineMarker> markers = trigger_markers(s, name);
    std::vector<Extent> ppm(frame.buckets);
    std::size_t samples = 0;
    for (const replay::CoverageSample& c : r.coverage) {
      if (c.asset != a.asset || c.ratio == replay::kNoRequirement || c.time_ns < frame.origin_ns)
        continue;
      const auto b = static_cast<std::size_t>((c.time_ns - frame.origin_ns) / frame.width_ns);
      if (b >= frame.buckets) continue;
      ppm[b].add(static_cast<std::int64_t>(std::min(c.ratio, 1e6) * 1e6));
      ++samples;
    }
    if (samples != 0) {
      o += fmt::format(
          "<h3>Live coverage ratio &mdash; {} (insurance fund + default fund) &divide; "
          "Cover-2</h3>\n",
          html_escape(name));
      o += legend({{"coverage", "lowest coverage in the bucket"},
                   {"bk", "below 1: red tier"},
                   {"trig", "trigger changes (hover for the numbers)"}});
      o += coverage_chart(frame, fmt::format("chart-live-coverage-{}", a.asset),
                          "live coverage ratio " + name, ppm, markers);
    }
    o += fund_against_drawdown(frame, r, a.asset, markers);
  }
  o += "<h3>Trigger changes</h3>\n";
  if (r.triggers.empty()) return o + "<p class=\"muted\">none</p>\n</section>\n";
  o += "<table><tr><th>time (UTC)</th><th>trigger</th><th>subject</th><th>from</th><th>to</th>"
       "<th>value</th><th>threshold</th><th>detail</th></tr>\n";
  for (const replay::TriggerChange& t : r.triggers) {
    o += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.4f}</td><td>{:.4f}</td>"
        "<td>{}</td></tr>\n",
        format_utc(t.time_ns), html_escape(t.trigger), html_escape(t.subject), html_escape(t.from),
        html_escape(t.to), t.value, t.threshold, html_escape(t.detail));
  }
  return o + "</table>\n</section>\n";
}

std::string liquidations(const Frame& frame, const ReportData& data) {
  std::string o;
  o += "<section id=\"liquidations\"><h2>Liquidations and ADL</h2>\n";
  o += legend({{"liq", "became liquidatable"},
               {"bk", "became bankrupt (equity < 0)"},
               {"draw", "liquidation orders / fund draws"},
               {"adl", "ADL fills"},
               {"soc", "socialized loss"}});
  o += events_chart(frame, data.counts());
  o += "</section>\n";
  return o;
}

// The files read, the instruments replayed and how the series were sampled.
std::string inputs(const ReportData& data, const ReplaySummary& s) {
  std::string o;
  o += "<section id=\"inputs\"><h2>Inputs</h2>\n";
  if (!s.files.empty()) {
    o += "<table><thead><tr><th>file</th><th>format</th><th class=\"num\">records</th>"
         "<th class=\"num\">malformed</th><th class=\"num\">skipped</th></tr></thead><tbody>\n";
    for (const FileSummary& f : s.files) {
      o += fmt::format(
          "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
          "<td class=\"num\">{}</td></tr>\n",
          html_escape(f.path), html_escape(f.format), group_thousands(f.records),
          group_thousands(f.malformed), group_thousands(f.skipped));
      for (const std::string& m : f.messages)
        o += fmt::format("<tr><td colspan=\"5\" class=\"muted\">{}</td></tr>\n", html_escape(m));
    }
    o += "</tbody></table>\n";
  }
  o += "<table><thead><tr><th>instrument</th><th>kind</th><th>asset</th><th>tick</th>"
       "<th class=\"num\">trades</th><th class=\"num\">fills</th><th class=\"num\">marks</th>"
       "<th class=\"num\">fundings</th><th class=\"num\">open interest at the end (lots)</th>"
       "</tr></thead><tbody>\n";
  for (const InstrumentSummary& n : s.instruments) {
    o += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td></tr>\n",
        html_escape(n.symbol), html_escape(n.kind), html_escape(n.asset),
        format_decimal(1, n.price_exponent), group_thousands(n.trades + n.synthetic_trades),
        group_thousands(n.fills), group_thousands(n.marks), group_thousands(n.fundings),
        format_decimal(n.open_interest_end, 0));
  }
  o += "</tbody></table>\n";
  o += fmt::format(
      "<p class=\"muted\">Sampling: {} time buckets of {} each ({} events); each bucket keeps the "
      "first, lowest, highest and last value of every series, so a spike inside a bucket shows "
      "in its band. Amounts are exact decimals of the engine's integers. Page generated by "
      "<code>backstop replay --report</code>; no script, nothing loaded from the network.</p>\n",
      group_thousands(data.bucket_count()), duration_text(data.bucket_width_ns()),
      group_thousands(data.events()));
  return o + "</section>\n";
}

}  // namespace

std::string render_html_report(const ReportData& data, const ReplaySummary& s) {
  const Frame frame{data.origin_ns(), data.bucket_width_ns(),
                    std::max<std::size_t>(data.bucket_count(), 1)};
  const std::vector<std::size_t> assets = assets_in(s, data.asset_count());
  std::string o;
  o.reserve(1 << 18);
  o += page_head(data, s);
  o += figures(s);
  o += markets(frame, data, s);
  o += funds(frame, data, assets);
  o += sizing_section(frame, s);
  o += liquidations(frame, data);
  o += losses_section(data, s);
  o += who_paid_section(data, s, assets);
  o += inputs(data, s);
  o += "</main>\n</body>\n</html>\n";
  return o;
}

bool try_write_html_report(const std::string& path, const ReportData& data,
                           const ReplaySummary& summary, std::string& error) {
  const std::string page = render_html_report(data, summary);
  // Written beside the target and renamed, so a reader never sees half a page.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      error = fmt::format("--report: cannot write {}", path);
      return false;
    }
    out.write(page.data(), static_cast<std::streamsize>(page.size()));
    if (!out) {
      error = fmt::format("--report: write failed for {}", path);
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    error = fmt::format("--report: cannot write {}: {}", path, ec.message());
    std::filesystem::remove(tmp, ec);
    return false;
  }
  return true;
}

}  // namespace backstop::report
