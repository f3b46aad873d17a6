// The HTML report's charts as inline SVG: a bucketed series (min-to-max band and last-value
// line), the coverage ratio against the 1.0 line, the insurance fund against the drawdown
// trigger's level, and the per-bucket liquidation and waterfall counts; trigger changes as
// vertical markers on the timeline. Each returns one <svg> element that scales to the page width;
// an empty series draws a frame with a message instead. Pure functions; the calling thread.
// Cost: O(buckets + markers) per chart.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "report/report_data.hpp"

namespace backstop::report {

inline constexpr std::int64_t kCoverageAxisCapPpm = 5'000'000;  // coverage drawn up to 5x

// One chart's time frame: bucket b spans [origin + b w, origin + (b+1) w).
struct Frame {
  std::int64_t origin_ns;
  std::int64_t width_ns;
  std::size_t buckets;

  [[nodiscard]] double x_of_bucket(std::size_t b) const;
  [[nodiscard]] double x_of_time(std::int64_t ns) const;
};

// A trigger change on a chart's timeline: a vertical line at its time with a tooltip (<title>)
// and a short label along the top edge (the label left out where it would overlap another).
struct TimelineMarker {
  std::int64_t time_ns = 0;
  std::string css;    // the trigger's colour class: "coverage", "drawdown", ...
  std::string label;  // e.g. "drawdown: fund_first→adl_first"
  std::string title;  // the tooltip: the label with its time and numbers
};

// `v`'s values are integers of 10^exponent units; `css` names the series' colour class.
[[nodiscard]] std::string series_chart(const Frame& f, std::string_view id, std::string_view label,
                                       const std::vector<Extent>& v, int exponent,
                                       std::string_view css, std::string_view empty_message);
// Coverage in ppm, drawn from 0 to at least 1.5x and at most kCoverageAxisCapPpm.
[[nodiscard]] std::string coverage_chart(const Frame& f, std::string_view id,
                                         std::string_view label, const std::vector<Extent>& v,
                                         const std::vector<TimelineMarker>& markers = {});
// The fund (band and last-value line, integers of 10^exponent units) against a level (a dashed
// line through each bucket's highest level: the strictest; no line where `level` is absent).
[[nodiscard]] std::string fund_level_chart(const Frame& f, std::string_view id,
                                           std::string_view label, const std::vector<Extent>& fund,
                                           const std::vector<Extent>& level, int exponent,
                                           const std::vector<TimelineMarker>& markers);
[[nodiscard]] std::string events_chart(const Frame& f, const std::vector<EventCounts>& counts);

}  // namespace backstop::report
