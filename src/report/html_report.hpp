// The replay's HTML report: one self-contained page (inline CSS and SVG drawn here, no script, no
// fonts or images from anywhere) with charts over exchange time - mark price and open interest per
// instrument, insurance fund and coverage ratio per settlement asset, liquidations / bankruptcies /
// waterfall outputs per time bucket; with fund sizing, the live coverage and the fund against the
// drawdown trigger's level, trigger changes as markers on them - and tables: the run's figures,
// its inputs, the largest losses and who paid them. Every text from the input (paths, symbols,
// reader messages) is escaped; every amount is printed exactly from its integer (money with the
// asset's decimals, prices with the tick's). The page is a pure function of (ReportData,
// ReplaySummary): no clock, no timings, so equal replays give equal pages. Cold code; the calling
// thread. Cost: O(buckets x series + losses log losses); the page stays around a few hundred KB
// whatever the replay's length (ReportData bounds the points). The page's parts: html_style.hpp
// (its style sheet), html_text.hpp (exact decimals, times, escaping), svg_chart.hpp (the charts),
// loss_tables.hpp (largest losses, who paid).
#pragma once

#include <cstdint>
#include <string>

#include "replay/summary.hpp"
#include "report/report_data.hpp"

namespace backstop::report {

inline constexpr std::size_t kReportMaxInstrumentCharts = 8;

[[nodiscard]] std::string render_html_report(const ReportData& data,
                                             const replay::ReplaySummary& summary);

// Writes the page to `path` (replaced whole). False with `error` set when it cannot be written.
[[nodiscard]] bool try_write_html_report(const std::string& path, const ReportData& data,
                                         const replay::ReplaySummary& summary, std::string& error);

}  // namespace backstop::report
