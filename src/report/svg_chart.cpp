// The HTML report's charts, drawn as inline SVG from the bucketed series: the axes with exact
// labels, a series' min-to-max band and its last-value line, the coverage ratio against 1, the
// fund against a level, the liquidation and waterfall counts as bars and markers, and trigger
// changes as vertical lines.
#include "report/svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>

#include "report/html_text.hpp"

namespace backstop::report {

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

// A line through each bucket's highest value (a level the series must stay above).
std::string max_line(const Frame& f, const Axis& a, const std::vector<Extent>& v,
                     std::string_view css) {
  std::string o;
  for_each_run(v, f.buckets, [&](std::size_t i, std::size_t j) {
    std::string line;
    for (std::size_t k = i; k < j; ++k)
      line += fmt::format("{:.1f},{:.1f} ", f.x_of_bucket(k), y_of(a, v[k].max));
    line.pop_back();
    if (j - i == 1) {
      o += fmt::format("<circle class=\"dot {}\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.5\"/>\n", css,
                       f.x_of_bucket(i), y_of(a, v[i].max));
    } else {
      o += fmt::format("<polyline class=\"line {}\" points=\"{}\"/>\n", css, line);
    }
  });
  return o;
}

// Trigger changes as vertical lines over the plot, in time order. Each label goes in the first
// of kMarkerRows rows along the top edge where it clears the previous one; with none free, only
// the tooltip tells it (the line is always drawn). A wide transparent line under each makes the
// tooltip easy to reach.
std::string timeline_markers(const Frame& f, const std::vector<TimelineMarker>& markers) {
  constexpr std::size_t kMarkerRows = 3;
  constexpr double kCharWidth = 6.2;  // of the 11px label font, generously
  const std::int64_t end_ns = f.origin_ns + f.width_ns * static_cast<std::int64_t>(f.buckets);
  std::array<double, kMarkerRows> row_free{};
  row_free.fill(kPlotLeft);
  std::string o;
  for (const TimelineMarker& m : markers) {
    if (m.time_ns < f.origin_ns || m.time_ns > end_ns) continue;
    const double x = f.x_of_time(m.time_ns);
    o += fmt::format(
        "<g class=\"trigger {}\"><title>{}</title>"
        "<line class=\"hit\" x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{}\" y2=\"{}\"/>"
        "<line class=\"rule\" x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{}\" y2=\"{}\"/>",
        html_escape(m.css), html_escape(m.title), x, x, kPlotTop, kPlotTop + kPlotHeight, x, x,
        kPlotTop, kPlotTop + kPlotHeight);
    // Labels run right of their line; one that would leave the plot runs left of it.
    const double width = kCharWidth * static_cast<double>(m.label.size());
    const bool leftward = x + 3 + width > kPlotLeft + kPlotWidth;
    const double from = leftward ? x - 3 - width : x + 3;
    for (std::size_t r = 0; r < kMarkerRows; ++r) {
      if (from < row_free[r]) continue;
      o += fmt::format("<text class=\"tlab\" x=\"{:.1f}\" y=\"{:.1f}\">{}</text>", from,
                       kPlotTop + 11 + 12 * static_cast<double>(r), html_escape(m.label));
      row_free[r] = from + width + 4;
      break;
    }
    o += "</g>\n";
  }
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

// One bucket's bars (became liquidatable, became bankrupt, stacked) and its waterfall markers.
std::string event_bucket(const Frame& f, const Axis& a, std::size_t k, const EventCounts& c,
                         double bar) {
  std::string o;
  const double x = f.x_of_bucket(k) - bar / 2;
  const double base = y_of(a, 0);
  const double y_liq = y_of(a, c.liquidatable);
  const double y_both = y_of(a, std::int64_t{c.liquidatable} + c.bankrupt);
  if (c.liquidatable > 0) {
    o += fmt::format(
        "<rect class=\"bar liq\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\"/>", x,
        y_liq, bar, base - y_liq);
  }
  if (c.bankrupt > 0) {
    o += fmt::format(
        "<rect class=\"bar bk\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\"/>", x,
        y_both, bar, y_liq - y_both);
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
  return o;
}

}  // namespace

double Frame::x_of_bucket(std::size_t b) const {
  return kPlotLeft + kPlotWidth * (static_cast<double>(b) + 0.5) / static_cast<double>(buckets);
}

double Frame::x_of_time(std::int64_t ns) const {
  const double span = static_cast<double>(width_ns) * static_cast<double>(buckets);
  return kPlotLeft + kPlotWidth * static_cast<double>(ns - origin_ns) / span;
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
                           const std::vector<Extent>& v,
                           const std::vector<TimelineMarker>& markers) {
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
  return o + timeline_markers(f, markers) + "</svg>\n";
}

std::string fund_level_chart(const Frame& f, std::string_view id, std::string_view label,
                             const std::vector<Extent>& fund, const std::vector<Extent>& level,
                             int exponent, const std::vector<TimelineMarker>& markers) {
  std::int64_t min = 0;
  std::int64_t max = 0;
  if (!range_of(fund, f.buckets, min, max)) return empty_chart(id, label, "no fund sample");
  std::int64_t level_min = 0;
  std::int64_t level_max = 0;
  if (range_of(level, f.buckets, level_min, level_max)) {
    min = std::min(min, level_min);
    max = std::max(max, level_max);
  }
  const Axis a = make_axis(min, max);
  return svg_open(id, label) + axes(f, a, exponent) + band_and_line(f, a, fund, "fund") +
         max_line(f, a, level, "level") + timeline_markers(f, markers) + "</svg>\n";
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
  for (std::size_t k = 0; k < f.buckets; ++k)
    o += event_bucket(f, a, k, counts[k], bar);
  return o + "</svg>\n";
}

}  // namespace backstop::report
