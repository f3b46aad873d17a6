// The HTML report's loss sections: the largest losses (accounts that went below zero equity, by
// peak deficit, and who paid each) and who paid overall (per tier and asset, and the ADL
// counterparties who gave up the most). Every amount exact, every text escaped. Pure functions of
// the report's data and the summary; the calling thread. Cost: O(losses log losses + payments).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "replay/summary.hpp"
#include "report/report_data.hpp"

namespace backstop::report {

inline constexpr std::size_t kReportLossRows = 20;
inline constexpr std::size_t kReportCounterpartyRows = 10;

[[nodiscard]] std::string losses_section(const ReportData& data, const replay::ReplaySummary& s);
// `assets`: the engine asset indices the summary lists, in order (one table column each).
[[nodiscard]] std::string who_paid_section(const ReportData& data, const replay::ReplaySummary& s,
                                           const std::vector<std::size_t>& assets);

}  // namespace backstop::report
