// The style sheet of the HTML report's page, inline in its <head>: the layout, the figure
// cards, the charts' series colours and the tables. Plain data.
#pragma once

namespace backstop::report {

inline constexpr const char* kReportStyle = R"css(
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
.level.line{stroke:#b3261e;stroke-dasharray:6 4}.level.dot{fill:#b3261e}
.trigger .hit{stroke:transparent;stroke-width:8}
.trigger .rule{stroke-width:1.4;stroke-dasharray:3 3}
.tlab{font-size:11px}
.trigger.coverage .rule{stroke:#b5651d}.trigger.coverage .tlab{fill:#b5651d}
.trigger.drawdown .rule{stroke:#b3261e}.trigger.drawdown .tlab{fill:#b3261e}
.trigger.cascade .rule{stroke:#7a4fd6}.trigger.cascade .tlab{fill:#7a4fd6}
.trigger.exposure_cap .rule{stroke:#2f6fdb}.trigger.exposure_cap .tlab{fill:#2f6fdb}
.trigger.deviation .rule{stroke:#555}.trigger.deviation .tlab{fill:#555}
.red-zone{fill:#b3261e;opacity:.06}
.one{stroke:#b3261e;stroke-dasharray:6 4}
.bar{shape-rendering:crispEdges}.bar.liq{fill:#e8a33d}.bar.bk{fill:#b3261e}
.marker.draw{fill:#2f6fdb}.marker.adl{fill:#7a4fd6}.marker.soc{fill:#222}
.legend{display:flex;gap:16px;color:var(--muted);font-size:12px;margin:2px 0 6px}
.sw{display:inline-block;width:12px;height:10px;margin-right:5px;vertical-align:middle}
.sw.mark{background:#2f6fdb}.sw.oi{background:#7a4fd6}.sw.fund{background:#1b7f3b}
.sw.coverage{background:#b5651d}.sw.level{background:#b3261e}.sw.trig{background:#555}.sw.liq{background:#e8a33d}.sw.bk{background:#b3261e}
.sw.adl{background:#7a4fd6}.sw.draw{background:#2f6fdb}.sw.soc{background:#222}.sw.band{background:#2f6fdb;opacity:.25}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{color:var(--muted);font-weight:600;font-size:12px}
td.num,th.num{text-align:right}
.callout{border-left:4px solid #e8a33d;background:#fff8ec;padding:8px 12px;margin:8px 0}
.muted{color:var(--muted)}
code{font-size:12px}
)css";

}  // namespace backstop::report
