#include "report/html_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <system_error>
#include <vector>

#include "replay/instrument_map.hpp"

namespace backstop::report {

using replay::asset_money_exponent;
using replay::asset_name;
using replay::AssetSummary;
using replay::FileSummary;
using replay::InstrumentSummary;
using replay::ReplaySummary;

namespace {

// ---- chart geometry (SVG user units; the SVG scales to the page width) ----
constexpr double kChartWidth = 1280;
constexpr double kChartHeight = 250;
constexpr double kPlotLeft = 120;
constexpr double kPlotRight = 20;
constexpr double kPlotTop = 16;
constexpr double kPlotBottom = 28;
constexpr double kPlotWidth = kChartWidth - kPlotLeft - kPlotRight;
constexpr double kPlotHeight = kChartHeight - kPlotTop - kPlotBottom;
constexpr int kYTicks = 5;

constexpr std::int64_t kNsPerSecond = 1'000'000'000;

std::uint64_t pow10(int n) {
  std::uint64_t v = 1;
  for (int i = 0; i < n; ++i)
    v *= 10;
  return v;
}

std::string group_thousands(std::uint64_t v) {
  std::string digits = fmt::format("{}", v);
  std::string out;
  const std::size_t n = digits.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm), all integers.
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

std::string duration_text(std::int64_t ns) {
  if (ns < 1'000'000) return fmt::format("{} µs", ns / 1000);
  if (ns < kNsPerSecond) return fmt::format("{} ms", ns / 1'000'000);
  const std::int64_t s = ns / kNsPerSecond;
  if (s < 120) return fmt::format("{} s", format_decimal(ns / 1'000'000, -3, true));
  if (s < 7200) return fmt::format("{} min {} s", s / 60, s % 60);
  return fmt::format("{} h {} min", s / 3600, s % 3600 / 60);
}

// A "nice" step (1, 2 or 5 x 10^k, at least 1) so that `span` holds about kYTicks steps.
std::int64_t nice_step(Int128 span) {
  const Int128 rough = std::max<Int128>(span / kYTicks, 1);
  Int128 scale = 1;
  while (true) {
    for (const int m : {1, 2, 5}) {
      if (scale * m >= rough) return static_cast<std::int64_t>(scale * m);
    }
    if (scale > Int128{std::numeric_limits<std::int64_t>::max()} / 10) {
      return std::numeric_limits<std::int64_t>::max() / 2;
    }
    scale *= 10;
  }
}

struct Axis {
  std::int64_t lo = 0;
  std::int64_t hi = 1;
  std::int64_t step = 1;
};

// Axis over [min, max], widened to whole steps; a flat series gets one step either side.
Axis make_axis(std::int64_t min, std::int64_t max) {
  Axis a;
  if (min == max) {
    a.step = nice_step(std::max<Int128>(Int128{min < 0 ? -min : min} / 5, 1) * kYTicks);
    a.lo = floor_div(min, a.step) * a.step - (min % a.step == 0 ? a.step : 0);
    a.hi = a.lo + 2 * a.step;
    return a;
  }
  a.step = nice_step(Int128{max} - min);
  a.lo = floor_div(min, a.step) * a.step;
  const std::int64_t up = floor_div(max, a.step);
  a.hi = (up * a.step == max ? up : up + 1) * a.step;
  return a;
}

double y_of(const Axis& a, std::int64_t v) {
  const double share =
      static_cast<double>(Int128{v} - a.lo) / static_cast<double>(Int128{a.hi} - a.lo);
  return kPlotTop + kPlotHeight * (1.0 - std::clamp(share, 0.0, 1.0));
}

// One chart's time frame: bucket b spans [origin + b w, origin + (b+1) w).
struct Frame {
  std::int64_t origin_ns;
  std::int64_t width_ns;
  std::size_t buckets;

  double x_of_bucket(std::size_t b) const {
    return kPlotLeft + kPlotWidth * (static_cast<double>(b) + 0.5) / static_cast<double>(buckets);
  }
  double x_of_time(std::int64_t ns) const {
    const double span = static_cast<double>(width_ns) * static_cast<double>(buckets);
    return kPlotLeft + kPlotWidth * static_cast<double>(ns - origin_ns) / span;
  }
};

std::string svg_open(std::string_view id, std::string_view label) {
  return fmt::format(
      "<svg id=\"{}\" class=\"chart\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{}\">\n", id,
      kChartWidth, kChartHeight, html_escape(label));
}

// Grid, y labels (exact decimals of the axis' raw values) and the time axis.
std::string axes(const Frame& f, const Axis& a, int exponent) {
  std::string o =
      fmt::format("<rect class=\"plot\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>\n",
                  kPlotLeft, kPlotTop, kPlotWidth, kPlotHeight);
  for (Int128 v = a.lo; v <= a.hi; v += a.step) {
    const double y = y_of(a, static_cast<std::int64_t>(v));
    o += fmt::format(
        "<line class=\"grid\" x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>"
        "<text class=\"ylab\" x=\"{}\" y=\"{:.1f}\">{}</text>\n",
        kPlotLeft, kPlotLeft + kPlotWidth, y, y, kPlotLeft - 6, y + 4,
        html_escape(format_decimal(static_cast<std::int64_t>(v), exponent, true)));
  }
  // Time ticks: the first step from the list that gives at most 8 labels.
  static constexpr std::array<std::int64_t, 20> kSteps = {
      1,   2,    5,    10,   15,    30,    60,    120,   300,    600,
      900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800};
  const std::int64_t span_ns = f.width_ns * static_cast<std::int64_t>(f.buckets);
  std::int64_t step_s = kSteps.back();
  for (const std::int64_t s : kSteps) {
    if (span_ns / (s * kNsPerSecond) <= 8) {
      step_s = s;
      break;
    }
  }
  const std::int64_t step_ns = step_s * kNsPerSecond;
  const bool with_seconds = step_s < 60;
  for (std::int64_t t = (floor_div(f.origin_ns, step_ns) + 1) * step_ns; t <= f.origin_ns + span_ns;
       t += step_ns) {
    const double x = f.x_of_time(t);
    const std::string full = format_utc(t, false);
    o += fmt::format(
        "<line class=\"tick\" x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{}\" y2=\"{}\"/>"
        "<text class=\"xlab\" x=\"{:.1f}\" y=\"{}\">{}</text>\n",
        x, x, kPlotTop + kPlotHeight, kPlotTop + kPlotHeight + 5, x, kChartHeight - 8,
        with_seconds ? full : full.substr(0, 5));
  }
  return o;
}

// Runs of consecutive buckets where the series has a value.
template <class Fn>
void for_each_run(const std::vector<Extent>& v, std::size_t n, Fn&& fn) {
  std::size_t i = 0;
  while (i < n) {
    if (!v[i].present) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < n && v[j].present)
      ++j;
    fn(i, j);
    i = j;
  }
}

// The min..max band and the close line of a bucketed series.
std::string band_and_line(const Frame& f, const Axis& a, const std::vector<Extent>& v,
                          std::string_view css, std::int64_t cap = INT64_MAX) {
  std::string o;
  for_each_run(v, f.buckets, [&](std::size_t i, std::size_t j) {
    std::string band;
    for (std::size_t k = i; k < j; ++k)
      band += fmt::format("{:.1f},{:.1f} ", f.x_of_bucket(k), y_of(a, std::min(v[k].max, cap)));
    for (std::size_t k = j; k-- > i;)
      band += fmt::format("{:.1f},{:.1f} ", f.x_of_bucket(k), y_of(a, std::min(v[k].min, cap)));
    std::string line;
    for (std::size_t k = i; k < j; ++k)
      line += fmt::format("{:.1f},{:.1f} ", f.x_of_bucket(k), y_of(a, std::min(v[k].last, cap)));
    if (!band.empty()) band.pop_back();
    if (!line.empty()) line.pop_back();
    o += fmt::format("<polygon class=\"band {}\" points=\"{}\"/>\n", css, band);
    if (j - i == 1) {
      o += fmt::format("<circle class=\"dot {}\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.5\"/>\n", css,
                       f.x_of_bucket(i), y_of(a, std::min(v[i].last, cap)));
    } else {
      o += fmt::format("<polyline class=\"line {}\" points=\"{}\"/>\n", css, line);
    }
  });
  return o;
}

bool range_of(const std::vector<Extent>& v, std::size_t n, std::int64_t& min, std::int64_t& max) {
  bool any = false;
  for (std::size_t k = 0; k < n; ++k) {
    if (!v[k].present) continue;
    min = any ? std::min(min, v[k].min) : v[k].min;
    max = any ? std::max(max, v[k].max) : v[k].max;
    any = true;
  }
  return any;
}

std::string empty_chart(std::string_view id, std::string_view label, std::string_view message) {
  return svg_open(id, label) +
         fmt::format(
             "<rect class=\"plot\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>"
             "<text class=\"empty\" x=\"{}\" y=\"{}\">{}</text>\n</svg>\n",
             kPlotLeft, kPlotTop, kPlotWidth, kPlotHeight, kPlotLeft + kPlotWidth / 2,
             kPlotTop + kPlotHeight / 2, html_escape(message));
}

std::string series_chart(const Frame& f, std::string_view id, std::string_view label,
                         const std::vector<Extent>& v, int exponent, std::string_view css,
                         std::string_view empty_message) {
  std::int64_t min = 0;
  std::int64_t max = 0;
  if (!range_of(v, f.buckets, min, max)) return empty_chart(id, label, empty_message);
  const Axis a = make_axis(min, max);
  return svg_open(id, label) + axes(f, a, exponent) + band_and_line(f, a, v, css) + "</svg>\n";
}

std::string coverage_chart(const Frame& f, std::string_view id, std::string_view label,
                           const std::vector<Extent>& v) {
  std::int64_t min = 0;
  std::int64_t max = 0;
  if (!range_of(v, f.buckets, min, max)) {
    return empty_chart(id, label, "no deficit yet: the requirement is 0 and coverage undefined");
  }
  // 0 .. at least 1.5x, at most kCoverageAxisCapPpm; values above the cap sit on the top edge.
  const Axis a = make_axis(0, std::clamp<std::int64_t>(max, 1'500'000, kCoverageAxisCapPpm));
  std::string o = svg_open(id, label) + axes(f, a, -6);
  const double y1 = y_of(a, 1'000'000);
  o += fmt::format(
      "<rect class=\"red-zone\" x=\"{}\" y=\"{:.1f}\" width=\"{}\" height=\"{:.1f}\"/>"
      "<line class=\"one\" x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>"
      "<text class=\"note\" x=\"{}\" y=\"{:.1f}\">1.0 = requirement covered</text>\n",
      kPlotLeft, y1, kPlotWidth, kPlotTop + kPlotHeight - y1, kPlotLeft, kPlotLeft + kPlotWidth, y1,
      y1, kPlotLeft + kPlotWidth - 190, y1 - 5);
  o += band_and_line(f, a, v, "coverage", a.hi);
  return o + "</svg>\n";
}

std::string events_chart(const Frame& f, const std::vector<EventCounts>& counts) {
  std::int64_t max = 0;
  bool waterfall = false;
  for (std::size_t k = 0; k < f.buckets; ++k) {
    const EventCounts& c = counts[k];
    max = std::max<std::int64_t>(max, std::int64_t{c.liquidatable} + c.bankrupt);
    max = std::max<std::int64_t>(max, c.liquidation_orders);
    waterfall = waterfall || c.adl_fills + c.fund_draws + c.socializations + c.liquidation_orders;
  }
  const char* label = "liquidations and ADL per time bucket";
  if (max == 0 && !waterfall)
    return empty_chart("chart-events", label, "no account crossed its maintenance margin");
  const Axis a = make_axis(0, std::max<std::int64_t>(max, 1));
  const double bar = std::max(kPlotWidth / static_cast<double>(f.buckets) * 0.8, 0.6);
  std::string o = svg_open("chart-events", label) + axes(f, a, 0);
  for (std::size_t k = 0; k < f.buckets; ++k) {
    const EventCounts& c = counts[k];
    const double x = f.x_of_bucket(k) - bar / 2;
    const double base = y_of(a, 0);
    const double y_liq = y_of(a, c.liquidatable);
    const double y_both = y_of(a, std::int64_t{c.liquidatable} + c.bankrupt);
    if (c.liquidatable > 0) {
      o += fmt::format(
          "<rect class=\"bar liq\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\"/>",
          x, y_liq, bar, base - y_liq);
    }
    if (c.bankrupt > 0) {
      o += fmt::format(
          "<rect class=\"bar bk\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\"/>",
          x, y_both, bar, y_liq - y_both);
    }
    // Waterfall outputs as markers along the top edge, one row per kind.
    const std::array<std::pair<std::uint32_t, const char*>, 3> marks = {
        {{c.liquidation_orders + c.fund_draws, "draw"},
         {c.adl_fills, "adl"},
         {c.socializations, "soc"}}};
    for (std::size_t r = 0; r < marks.size(); ++r) {
      if (marks[r].first == 0) continue;
      const double cx = f.x_of_bucket(k);
      const double cy = kPlotTop + 6 + 9 * static_cast<double>(r);
      o += fmt::format("<path class=\"marker {}\" d=\"M{:.1f} {:.1f}l-4 -6h8z\"/>", marks[r].second,
                       cx, cy + 3);
    }
    if (c.liquidatable + c.bankrupt > 0 || c.adl_fills > 0) o += "\n";
  }
  return o + "</svg>\n";
}

std::string legend(std::initializer_list<std::pair<const char*, const char*>> items) {
  std::string o = "<div class=\"legend\">";
  for (const auto& [css, text] : items)
    o += fmt::format("<span><i class=\"sw {}\"></i>{}</span>", css, html_escape(text));
  return o + "</div>\n";
}

std::string asset_money(std::size_t asset, std::int64_t raw) {
  return format_decimal(raw, asset_money_exponent(static_cast<std::uint8_t>(asset))) + " " +
         std::string(asset_name(static_cast<std::uint8_t>(asset)));
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

constexpr const char* kStyle = R"css(
:root{--ink:#1d2330;--muted:#5b6475;--line:#d9dde5;--bg:#f6f7f9;--card:#fff}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);background:var(--bg)}
header{background:#1d2330;color:#fff;padding:18px 28px}
header h1{margin:0 0 4px;font-size:22px}
header p{margin:0;color:#c7cdd8}
main{padding:8px 28px 32px;max-width:1400px}
section{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:14px 18px;margin:16px 0}
h2{font-size:17px;margin:0 0 8px}
h3{font-size:14px;margin:14px 0 4px;color:var(--muted);font-weight:600}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:8px}
.figure{border:1px solid var(--line);border-radius:4px;padding:8px 10px}
.figure b{display:block;font-size:16px;font-variant-numeric:tabular-nums}
.figure span{color:var(--muted);font-size:12px}
.bad b{color:#b3261e}.ok b{color:#1b7f3b}
svg.chart{width:100%;height:auto;display:block}
.plot{fill:#fbfcfd;stroke:var(--line)}
.grid{stroke:#e6e9ee;stroke-width:1}
.tick{stroke:#9aa3b2}
.ylab{font-size:12px;fill:var(--muted);text-anchor:end;font-variant-numeric:tabular-nums}
.xlab{font-size:12px;fill:var(--muted);text-anchor:middle}
.empty{font-size:14px;fill:var(--muted);text-anchor:middle}
.note{font-size:12px;fill:#b3261e}
.band{stroke:none;opacity:.25}
.line{fill:none;stroke-width:1.6;stroke-linejoin:round}
.mark.band,.mark.dot{fill:#2f6fdb}.mark.line{stroke:#2f6fdb}
.oi.band,.oi.dot{fill:#7a4fd6}.oi.line{stroke:#7a4fd6}
.fund.band,.fund.dot{fill:#1b7f3b}.fund.line{stroke:#1b7f3b}
.coverage.band,.coverage.dot{fill:#b5651d}.coverage.line{stroke:#b5651d}
.red-zone{fill:#b3261e;opacity:.06}
.one{stroke:#b3261e;stroke-dasharray:6 4}
.bar{shape-rendering:crispEdges}.bar.liq{fill:#e8a33d}.bar.bk{fill:#b3261e}
.marker.draw{fill:#2f6fdb}.marker.adl{fill:#7a4fd6}.marker.soc{fill:#222}
.legend{display:flex;gap:16px;color:var(--muted);font-size:12px;margin:2px 0 6px}
.sw{display:inline-block;width:12px;height:10px;margin-right:5px;vertical-align:middle}
.sw.mark{background:#2f6fdb}.sw.oi{background:#7a4fd6}.sw.fund{background:#1b7f3b}
.sw.coverage{background:#b5651d}.sw.liq{background:#e8a33d}.sw.bk{background:#b3261e}
.sw.adl{background:#7a4fd6}.sw.draw{background:#2f6fdb}.sw.soc{background:#222}.sw.band{background:#2f6fdb;opacity:.25}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{color:var(--muted);font-weight:600;font-size:12px}
td.num,th.num{text-align:right}
.callout{border-left:4px solid #e8a33d;background:#fff8ec;padding:8px 12px;margin:8px 0}
.muted{color:var(--muted)}
code{font-size:12px}
)css";

std::string figure(std::string_view label, std::string_view value, std::string_view css = "") {
  return fmt::format("<div class=\"figure {}\"><b>{}</b><span>{}</span></div>", css,
                     html_escape(value), html_escape(label));
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string format_decimal(std::int64_t raw, int exponent, bool trim_zeros) {
  const bool negative = raw < 0;
  // |INT64_MIN| fits in uint64.
  const std::uint64_t abs = negative ? std::uint64_t{0} - static_cast<std::uint64_t>(raw)
                                     : static_cast<std::uint64_t>(raw);
  if (exponent >= 0) {
    if (exponent <= 18 && abs <= std::numeric_limits<std::uint64_t>::max() / pow10(exponent)) {
      return (negative ? "-" : "") + group_thousands(abs * pow10(exponent));
    }
    std::string digits = group_thousands(abs);  // too large to scale: zeros, ungrouped
    digits.append(static_cast<std::size_t>(exponent), '0');
    return (negative ? "-" : "") + digits;
  }
  const int places = std::min(-exponent, 19);
  const std::uint64_t scale = pow10(places);
  std::string frac = fmt::format("{:0{}}", abs % scale, places);
  if (trim_zeros) {
    while (!frac.empty() && frac.back() == '0')
      frac.pop_back();
  }
  return fmt::format("{}{}{}{}", negative ? "-" : "", group_thousands(abs / scale),
                     frac.empty() ? "" : ".", frac);
}

std::string format_utc(std::int64_t ns, bool with_date) {
  const std::int64_t s = floor_div(ns, kNsPerSecond);
  const std::int64_t days = floor_div(s, 86400);
  const std::int64_t sod = s - days * 86400;
  const std::string clock = fmt::format("{:02}:{:02}:{:02}", sod / 3600, sod % 3600 / 60, sod % 60);
  if (!with_date) return clock;
  std::int64_t y = 0;
  unsigned m = 0;
  unsigned d = 0;
  civil_from_days(days, y, m, d);
  return fmt::format("{:04}-{:02}-{:02} {}", y, m, d, clock);
}

std::string render_html_report(const ReportData& data, const ReplaySummary& s) {
  const Frame frame{data.origin_ns(), data.bucket_width_ns(),
                    std::max<std::size_t>(data.bucket_count(), 1)};
  const std::vector<std::size_t> assets = assets_in(s, data.asset_count());
  std::string title = s.scenario == "default"
                          ? fmt::format("default scenario (generated crash day), seed {}", s.seed)
                          : fmt::format("{} file(s), seed {}", s.files.size(), s.seed);
  if (!s.shock.empty()) title += ", shock " + s.shock;

  std::string o;
  o.reserve(1 << 18);
  o += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  o += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  o += fmt::format("<title>Backstop replay report: {}</title>\n", html_escape(title));
  o += fmt::format("<style>{}</style>\n</head>\n<body>\n", kStyle);
  o += fmt::format(
      "<header><h1>Backstop replay report</h1><p>{} &middot; {} to {} UTC &middot; {} accounts "
      "&middot; digest <code>{}</code></p></header>\n<main>\n",
      html_escape(title), format_utc(data.origin_ns()), format_utc(data.last_ns()), s.accounts,
      html_escape(s.digest));

  // ---- key figures ----
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
    o += "<p class=\"callout\">The loss waterfall is not yet wired (issue 4): accounts are "
         "flagged when they cross their maintenance margin or zero equity, but nobody "
         "liquidates them, so their deficits stay open and no fund, ADL counterparty or "
         "socialization pays for them. The tables below show the deficits; the charts and "
         "tables fill with payments once the waterfall reports them.</p>\n";
  }
  if (!s.conservation_ok) {
    o += fmt::format("<p class=\"callout\">Conservation violated: {}</p>\n",
                     html_escape(s.conservation_detail));
  }
  o += "</section>\n";

  // ---- charts ----
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
  o += "</section>\n<section id=\"funds\"><h2>Funds and coverage</h2>\n";
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
  o += "<p class=\"muted\">Coverage, until fund sizing (DESIGN §6) exists: requirement = the "
       "larger of the largest single-account deficit seen so far and the sum of the two largest "
       "deficits open at the moment (Cover-2 style); coverage = (insurance fund + default fund "
       "available) &divide; requirement, rounded down, drawn from 0 up to 5 (higher values sit on "
       "the top edge) and undefined while no account is below zero equity. The default fund counts "
       "the clearing members' shares still undrawn (none with --thin-fund).</p>\n</section>\n";

  o += "<section id=\"liquidations\"><h2>Liquidations and ADL</h2>\n";
  o += legend({{"liq", "became liquidatable"},
               {"bk", "became bankrupt (equity < 0)"},
               {"draw", "liquidation orders / fund draws"},
               {"adl", "ADL fills"},
               {"soc", "socialized loss"}});
  o += events_chart(frame, data.counts());
  o += "</section>\n";

  // ---- losses ----
  std::vector<const LossRecord*> losses;
  losses.reserve(data.losses().size());
  for (const LossRecord& r : data.losses())
    losses.push_back(&r);
  std::sort(losses.begin(), losses.end(), [](const LossRecord* a, const LossRecord* b) {
    return a->peak_deficit != b->peak_deficit ? a->peak_deficit > b->peak_deficit
                                              : a->account < b->account;
  });
  o += fmt::format(
      "<section id=\"losses\"><h2>Largest losses</h2><p class=\"muted\">{} account(s) went below "
      "zero equity. Deficit = &minus;equity, exact, sampled over all flagged accounts {} times "
      "(twice per time bucket and at the end) and noted at each bankruptcy.</p>\n",
      group_thousands(losses.size()), group_thousands(data.deficit_samples()));
  if (losses.empty()) {
    o += "<p>No account went below zero equity.</p>\n";
  } else {
    o += "<table id=\"loss-table\"><thead><tr><th class=\"num\">#</th><th>account</th>"
         "<th>first below zero (UTC)</th><th class=\"num\">peak deficit</th><th>peak at (UTC)"
         "</th><th class=\"num\">still open at the end</th><th>paid by</th></tr></thead><tbody>\n";
    for (std::size_t k = 0; k < std::min(losses.size(), kReportLossRows); ++k) {
      const LossRecord& r = *losses[k];
      std::string paid_by;
      if (r.payments.empty()) {
        paid_by = s.waterfall_wired ? "nobody yet" : "nobody: waterfall not yet wired";
      } else {
        std::map<int, std::int64_t> by_tier;
        for (const Payment& p : r.payments)
          by_tier[static_cast<int>(p.tier)] += p.amount;
        for (const auto& [tier, amount] : by_tier) {
          paid_by += fmt::format("{}{} {}", paid_by.empty() ? "" : "; ",
                                 payment_tier_name(static_cast<PaymentTier>(tier)),
                                 asset_money(r.asset, amount));
        }
      }
      o += fmt::format(
          "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td>"
          "<td class=\"num\">{}</td><td>{}</td></tr>\n",
          k + 1, r.account, format_utc(r.first_ts_ns),
          html_escape(asset_money(r.asset, r.peak_deficit)), format_utc(r.peak_ts_ns),
          html_escape(asset_money(r.asset, r.open_deficit)), html_escape(paid_by));
    }
    o += "</tbody></table>\n";
  }
  o += "</section>\n";

  // ---- who paid ----
  o += "<section id=\"who-paid\"><h2>Who paid</h2>\n";
  if (!data.has_payments() && s.waterfall_wired) {
    o += "<p class=\"callout\">Nobody paid: every liquidation closed within the defaulter's own "
         "collateral, so no fund, counterparty or bad-debt tier was drawn.</p>\n";
  } else if (!data.has_payments()) {
    o += "<p class=\"callout\">Liquidation was off in this replay: no payment has been reported, "
         "so every deficit above is still owed.</p>\n";
  } else {
    o += "<table id=\"tier-table\"><thead><tr><th>tier</th>";
    for (const std::size_t a : assets)
      o += fmt::format("<th class=\"num\">{}</th>", asset_name(static_cast<std::uint8_t>(a)));
    o += "</tr></thead><tbody>\n";
    for (int t = 1; t <= kPaymentTierCount; ++t) {
      const auto tier = static_cast<PaymentTier>(t);
      o += fmt::format("<tr><td>{}</td>", html_escape(payment_tier_name(tier)));
      for (const std::size_t a : assets) {
        o += fmt::format(
            "<td class=\"num\">{}</td>",
            format_decimal(data.paid(a, tier), asset_money_exponent(static_cast<std::uint8_t>(a))));
      }
      o += "</tr>\n";
    }
    o += "</tbody></table>\n";
    // The ADL counterparties who gave up the most.
    std::map<std::pair<std::uint64_t, std::uint8_t>, std::pair<std::int64_t, std::uint32_t>> adl;
    for (const LossRecord& r : data.losses()) {
      for (const Payment& p : r.payments) {
        if (p.tier != PaymentTier::kAdl) continue;
        auto& e = adl[{p.counterparty, r.asset}];
        e.first += p.amount;
        ++e.second;
      }
    }
    std::vector<
        std::pair<std::pair<std::uint64_t, std::uint8_t>, std::pair<std::int64_t, std::uint32_t>>>
        ranked(adl.begin(), adl.end());
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
      return a.second.first != b.second.first ? a.second.first > b.second.first : a.first < b.first;
    });
    o += "<h3>ADL counterparties</h3>\n";
    if (ranked.empty()) {
      o += "<p class=\"muted\">No ADL fill.</p>\n";
    } else {
      o += "<table id=\"adl-table\"><thead><tr><th>account</th><th class=\"num\">taken</th>"
           "<th class=\"num\">fills</th></tr></thead><tbody>\n";
      for (std::size_t k = 0; k < std::min(ranked.size(), kReportCounterpartyRows); ++k) {
        o += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                         ranked[k].first.first,
                         html_escape(asset_money(ranked[k].first.second, ranked[k].second.first)),
                         ranked[k].second.second);
      }
      o += "</tbody></table>\n";
    }
  }
  o += "</section>\n";

  // ---- inputs ----
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
  o += "</section>\n</main>\n</body>\n</html>\n";
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
