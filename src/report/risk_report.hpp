// The fund-sizing report of a replay (`backstop risk-report`, docs/sizing.md): VaR / ES per
// account and for the venue, Cover-1 / Cover-2 and the coverage ratio over time, and every trigger
// change with its numbers; as aligned text for people and one JSON object for scripts. Money
// amounts exact in each asset's decimals (text) or in its smallest unit with its exponent (JSON).
// Cold; the calling thread.
#pragma once

#include <string>

#include "replay/summary.hpp"

namespace backstop::report {

std::string risk_report_text(const replay::ReplaySummary& s);
std::string risk_report_json(const replay::ReplaySummary& s);

}  // namespace backstop::report
