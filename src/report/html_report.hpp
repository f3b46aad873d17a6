// The replay's HTML report: one self-contained page (inline CSS and SVG drawn here, no script, no
// fonts or images from anywhere) with charts over exchange time - mark price and open interest per
// instrument, insurance fund and coverage ratio per settlement asset, liquidations / bankruptcies /
// waterfall outputs per time bucket - and tables: the run's figures, its inputs, the largest
// losses and who paid them. Every text from the input (paths, symbols, reader messages) is
// escaped; every amount is printed exactly from its integer (money with the asset's decimals,
// prices with the tick's). The page is a pure function of (ReportData, ReplaySummary): no clock,
// no timings, so equal replays give equal pages.
// Cold code; the calling thread. Cost: O(buckets x series + losses log losses); the page stays
// around a few hundred KB whatever the replay's length (ReportData bounds the points).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "replay/replay.hpp"
#include "report/report_data.hpp"

namespace backstop::report {

inline constexpr std::size_t kReportMaxInstrumentCharts = 8;
inline constexpr std::size_t kReportLossRows = 20;
inline constexpr std::size_t kReportCounterpartyRows = 10;
inline constexpr std::int64_t kCoverageAxisCapPpm = 5'000'000;  // coverage drawn up to 5x

[[nodiscard]] std::string render_html_report(const ReportData& data,
                                             const replay::ReplaySummary& summary);

// Writes the page to `path` (replaced whole). False with `error` set when it cannot be written.
[[nodiscard]] bool try_write_html_report(const std::string& path, const ReportData& data,
                                         const replay::ReplaySummary& summary, std::string& error);

// Helpers, public for the tests.
// & < > " ' as entities.
[[nodiscard]] std::string html_escape(std::string_view text);
// An integer amount of 10^exponent units as an exact decimal, the integer part grouped by
// thousands with commas: (123456789, -6) -> "123.456789"; (-1234500, -3, trim) -> "-1,234.5".
[[nodiscard]] std::string format_decimal(std::int64_t raw, int exponent, bool trim_zeros = false);
// UTC "YYYY-MM-DD HH:MM:SS" (with_date false: "HH:MM:SS").
[[nodiscard]] std::string format_utc(std::int64_t ns, bool with_date = true);

}  // namespace backstop::report
