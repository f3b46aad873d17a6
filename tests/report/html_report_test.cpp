// The HTML report: exact number and time formatting, escaping, the page's structure (every chart
// and table, no script, nothing from the network), a bounded size on a long replay, and a real
// render in headless Chromium with a screenshot (skipped when chromium is not installed).
#include "report/html_report.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "replay/replay.hpp"
#include "report/html_text.hpp"
#include "report/report_data.hpp"

namespace backstop::report {
namespace {

using replay::FileSummary;
using replay::ReplayOptions;
using replay::ReplaySummary;
using replay::run_replay;

// A real crash day: accounts gap through their bankruptcy prices, so the waterfall pays.
const std::string kCrashFile =
    std::string(BACKSTOP_DATA_DIR) + "/binance_cm_BTCUSD_PERP_markPrice_1m_2025-10-10.csv";

namespace fs = std::filesystem;

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

struct Rendered {
  ReplaySummary summary;
  ReportData data;
  std::string page;
};

void render(ReplayOptions o, Rendered& out) {
  attach_report(o, out.data);
  std::string error;
  std::optional<ReplaySummary> s = run_replay(o, error);
  ASSERT_TRUE(s) << error;
  out.summary = *s;
  out.page = render_html_report(out.data, out.summary);
}

TEST(HtmlReport, FormatsDecimalsExactlyFromIntegers) {
  EXPECT_EQ(format_decimal(123'456'789, -6), "123.456789");
  EXPECT_EQ(format_decimal(1'251'256'841'342, -6), "1,251,256.841342");
  EXPECT_EQ(format_decimal(-5, -6), "-0.000005");
  EXPECT_EQ(format_decimal(0, -8), "0.00000000");
  EXPECT_EQ(format_decimal(-1'234'500, -3, true), "-1,234.5");
  EXPECT_EQ(format_decimal(1'000'000, -6, true), "1");
  EXPECT_EQ(format_decimal(1'234, 0), "1,234");
  EXPECT_EQ(format_decimal(12, 2), "1,200");
  EXPECT_EQ(format_decimal(INT64_MIN, -6), "-9,223,372,036,854.775808");
  EXPECT_EQ(format_decimal(INT64_MAX, 0), "9,223,372,036,854,775,807");
}

TEST(HtmlReport, FormatsUtcTimes) {
  EXPECT_EQ(format_utc(0), "1970-01-01 00:00:00");
  EXPECT_EQ(format_utc(1'760'054'400'000'000'000), "2025-10-10 00:00:00");
  EXPECT_EQ(format_utc(1'583'971'199'999'999'999), "2020-03-11 23:59:59");
  EXPECT_EQ(format_utc(1'709'164'800'000'000'000 + 3'723'000'000'000), "2024-02-29 01:02:03");
  EXPECT_EQ(format_utc(-1'000'000'000), "1969-12-31 23:59:59");
  EXPECT_EQ(format_utc(45'296'000'000'000, false), "12:34:56");
}

TEST(HtmlReport, EscapesMarkupCharacters) {
  EXPECT_EQ(html_escape("<a href=\"x\">Tom & Jerry's</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
  EXPECT_EQ(html_escape(""), "");
}

// With liquidation off nobody pays the deficits: the page says so where the payments would be.
TEST(HtmlReport, SaysWhenLiquidationIsOff) {
  if (!std::filesystem::exists(kCrashFile)) GTEST_SKIP() << kCrashFile << " absent";
  ReplayOptions o;
  o.accounts = 500;
  o.files = {kCrashFile};
  o.liquidation = LiquidationMode::kOff;
  Rendered r;
  ASSERT_NO_FATAL_FAILURE(render(o, r));
  EXPECT_NE(r.page.find("Liquidation is off in this run"), std::string::npos);
}

// With fund sizing on, the page gains the live coverage chart of each asset with a requirement and
// one table row per trigger change, each with its time; without, neither.
TEST(HtmlReport, FundSizingAddsTheLiveCoverageAndEveryTriggerChange) {
  if (!std::filesystem::exists(kCrashFile)) GTEST_SKIP() << kCrashFile << " absent";
  ReplayOptions o;
  o.accounts = 500;
  o.files = {kCrashFile};
  Rendered plain;
  ASSERT_NO_FATAL_FAILURE(render(o, plain));
  EXPECT_EQ(plain.page.find("id=\"sizing\""), std::string::npos);
  o.sizing = replay::SizingOptions{};
  o.exposure_cap_ppm = 1'000'000;
  Rendered sized;
  ASSERT_NO_FATAL_FAILURE(render(o, sized));
  const std::string& p = sized.page;
  ASSERT_NE(p.find("id=\"sizing\""), std::string::npos);
  EXPECT_NE(p.find("id=\"chart-live-coverage-1\""), std::string::npos);
  const auto& triggers = sized.summary.sizing.triggers;
  ASSERT_FALSE(triggers.empty());
  for (const replay::TriggerChange& t : triggers)
    EXPECT_NE(p.find("<td>" + format_utc(t.time_ns) + "</td><td>" + t.trigger), std::string::npos)
        << t.trigger << " at " << t.time_ns;
  for (const char* tag : {"svg", "section", "table", "tr"}) {
    SCOPED_TRACE(tag);
    EXPECT_EQ(count(p, std::string("<") + tag + ">") + count(p, std::string("<") + tag + " "),
              count(p, std::string("</") + tag + ">"));
  }
}

// The part of the page from the element with id `id` to the end of its <svg>.
std::string chart(const std::string& page, const std::string& id) {
  const std::size_t at = page.find("id=\"" + id + "\"");
  if (at == std::string::npos) return {};
  return page.substr(at, page.find("</svg>", at) - at);
}

// A trigger change's tooltip on the charts, as the page writes it.
std::string marker_title(const replay::TriggerChange& t) {
  return "<title>" + format_utc(t.time_ns) + " UTC: " + t.trigger + " " + t.subject + ", ";
}

// A thin fund on the crash day with sizing and Bybit's drawdown trigger (30 % in 8 h): the fund
// chart draws the trigger's level, and every trigger change of the asset is a marker on its
// coverage chart and on its fund chart. Without the trigger the fund is drawn alone, and the
// caption says no drawdown trigger was set.
TEST(HtmlReport, FundChartDrawsTheDrawdownLevelAndTriggerMarkers) {
  if (!std::filesystem::exists(kCrashFile)) GTEST_SKIP() << kCrashFile << " absent";
  ReplayOptions o;
  o.accounts = 500;
  o.files = {kCrashFile};
  o.insurance_fund_ppm = replay::kThinFundPpm;
  o.default_fund_ppm = 0;
  o.sizing = replay::SizingOptions{};
  o.drawdown_ppm = 300'000;
  Rendered r;
  ASSERT_NO_FATAL_FAILURE(render(o, r));
  EXPECT_EQ(r.summary.sizing.drawdown_ppm, 300'000);
  EXPECT_EQ(r.summary.sizing.drawdown_window_ns, o.drawdown_window_ns);
  const std::string& p = r.page;
  const std::string fund = chart(p, "chart-fund-drawdown-1");
  const std::string coverage = chart(p, "chart-live-coverage-1");
  ASSERT_FALSE(fund.empty());
  ASSERT_FALSE(coverage.empty());
  EXPECT_NE(fund.find("<polyline class=\"line level\""), std::string::npos);
  EXPECT_NE(p.find("computed from the per-interval samples, while the engine evaluates it at "
                   "every event"),
            std::string::npos);
  EXPECT_EQ(p.find("No drawdown trigger was set"), std::string::npos);
  const auto& triggers = r.summary.sizing.triggers;
  ASSERT_TRUE(std::any_of(triggers.begin(), triggers.end(), [](const replay::TriggerChange& t) {
    return t.trigger == "drawdown";
  })) << "the crash day's thin fund loses 30 % of its high";
  for (const replay::TriggerChange& t : triggers) {
    SCOPED_TRACE(t.trigger + " at " + format_utc(t.time_ns));
    EXPECT_EQ(count(fund, marker_title(t)), 1u);
    EXPECT_EQ(count(coverage, marker_title(t)), 1u);
  }
  EXPECT_EQ(count(fund, "<g class=\"trigger "), triggers.size());
  EXPECT_EQ(count(coverage, "<g class=\"trigger drawdown\">"),
            static_cast<std::size_t>(std::count_if(
                triggers.begin(), triggers.end(),
                [](const replay::TriggerChange& t) { return t.trigger == "drawdown"; })));

  o.drawdown_ppm = 0;
  Rendered without;
  ASSERT_NO_FATAL_FAILURE(render(o, without));
  const std::string alone = chart(without.page, "chart-fund-drawdown-1");
  ASSERT_FALSE(alone.empty());
  EXPECT_NE(alone.find("<polyline class=\"line fund\""), std::string::npos);
  EXPECT_EQ(alone.find(" level\""), std::string::npos) << "no level line or dot";
  EXPECT_NE(without.page.find("No drawdown trigger was set"), std::string::npos);
  EXPECT_EQ(without.page.find("computed from the per-interval samples"), std::string::npos);
}

// A price-deviation hold names an instrument: its marker goes on the charts of that instrument's
// settlement asset only; one naming a symbol the replay does not know goes on every asset's.
TEST(HtmlReport, DeviationMarkersGoToTheirInstrumentsAsset) {
  if (!std::filesystem::exists(kCrashFile)) GTEST_SKIP() << kCrashFile << " absent";
  ReplayOptions o;
  o.accounts = 300;
  o.files = {kCrashFile};
  o.sizing = replay::SizingOptions{};
  Rendered r;
  ASSERT_NO_FATAL_FAILURE(render(o, r));
  ReplaySummary s = r.summary;
  ASSERT_FALSE(s.sizing.coverage.empty());
  ASSERT_EQ(s.instruments[0].asset, "BTC");
  // A second asset (index 0) with fund samples of its own.
  replay::SizingReport::AssetFigures other;
  other.asset = 0;
  s.sizing.assets.push_back(other);
  for (const replay::CoverageSample& c : std::vector<replay::CoverageSample>(s.sizing.coverage)) {
    replay::CoverageSample copy = c;
    copy.asset = 0;
    s.sizing.coverage.push_back(copy);
  }
  const std::int64_t at = s.sizing.coverage.front().time_ns + 1;
  replay::TriggerChange known;
  known.time_ns = at;
  known.trigger = "deviation";
  known.subject = s.instruments[0].symbol;
  known.from = "free";
  known.to = "hold";
  replay::TriggerChange unknown = known;
  unknown.subject = "NOTREPLAYED";
  s.sizing.triggers = {known, unknown};
  const std::string p = render_html_report(r.data, s);
  const std::string btc = chart(p, "chart-fund-drawdown-1");
  const std::string other_asset = chart(p, "chart-fund-drawdown-0");
  ASSERT_FALSE(btc.empty());
  ASSERT_FALSE(other_asset.empty());
  EXPECT_EQ(count(btc, marker_title(known)), 1u);
  EXPECT_EQ(count(btc, marker_title(unknown)), 1u);
  EXPECT_EQ(count(other_asset, marker_title(known)), 0u);
  EXPECT_EQ(count(other_asset, marker_title(unknown)), 1u);
}

TEST(HtmlReport, PageHasEveryChartAndTableAndNoScriptOrNetwork) {
  if (!std::filesystem::exists(kCrashFile)) GTEST_SKIP() << kCrashFile << " absent";
  ReplayOptions o;
  o.accounts = 500;
  o.files = {kCrashFile};
  Rendered r;
  ASSERT_NO_FATAL_FAILURE(render(o, r));
  const std::string& p = r.page;
  EXPECT_EQ(p.rfind("<!DOCTYPE html>\n<html", 0), 0u);
  EXPECT_TRUE(p.ends_with("</html>\n"));
  EXPECT_EQ(count(p, "<html"), 1u);
  EXPECT_EQ(count(p, "<body>"), 1u);
  EXPECT_EQ(count(p, "</body>"), 1u);
  for (const char* tag : {"svg", "section", "table", "tr", "p", "h2", "h3", "div"}) {
    SCOPED_TRACE(tag);
    EXPECT_EQ(count(p, std::string("<") + tag + ">") + count(p, std::string("<") + tag + " "),
              count(p, std::string("</") + tag + ">"));
  }
  // Charts per instrument (index 0) and per settlement asset (the crash file's BTC is asset 1).
  for (const char* id : {"chart-mark-0", "chart-oi-0", "chart-insurance-1", "chart-coverage-1",
                         "chart-events", "loss-table", "who-paid", "figures"}) {
    EXPECT_NE(p.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  }
  EXPECT_EQ(count(p, "<svg"), 5u);
  EXPECT_EQ(p.find("<script"), std::string::npos);
  EXPECT_EQ(p.find("http:"), std::string::npos);
  EXPECT_EQ(p.find("https:"), std::string::npos);
  EXPECT_EQ(p.find("url("), std::string::npos);
  EXPECT_EQ(p.find("Liquidation is off"), std::string::npos) << "the waterfall is wired";
  EXPECT_NE(p.find("Cover-2"), std::string::npos) << "the coverage definition is on the page";
  EXPECT_NE(p.find(r.summary.digest), std::string::npos);
  // Money exactly as the summary has it, with the asset's decimals.
  EXPECT_NE(p.find(format_decimal(r.summary.assets[0].insurance_fund_end,
                                  r.summary.assets[0].money_exponent)),
            std::string::npos);
  // The same replay gives the same page (no clock, no timings).
  Rendered again;
  ASSERT_NO_FATAL_FAILURE(render(o, again));
  EXPECT_EQ(again.page, p);
}

TEST(HtmlReport, EscapesEveryTextFromTheInput) {
  ReplayOptions o;
  o.accounts = 200;
  Rendered r;
  ASSERT_NO_FATAL_FAILURE(render(o, r));
  ReplaySummary s = r.summary;
  FileSummary f;
  f.path = "/data/<script>alert('x')</script>.csv";
  f.format = "trades\"><img src=x>";
  f.messages = {"a.csv:3: bad field <b>&amp;"};
  s.files.push_back(f);
  s.instruments[0].symbol = "BTC<i>USDT</i>";
  s.digest = "<digest>";
  const std::string p = render_html_report(r.data, s);
  EXPECT_EQ(p.find("<script"), std::string::npos);
  EXPECT_EQ(p.find("<img"), std::string::npos);
  EXPECT_EQ(p.find("<i>"), std::string::npos);
  EXPECT_EQ(p.find("<b>&amp;"), std::string::npos);
  EXPECT_NE(p.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(p.find("BTC&lt;i&gt;USDT&lt;/i&gt;"), std::string::npos);
  EXPECT_NE(p.find("&lt;b&gt;&amp;amp;"), std::string::npos);
}

TEST(HtmlReport, LongReplayGivesABoundedPage) {
  // The full default scenario: 24 h, ~430k events, 10,000 accounts.
  Rendered r;
  ASSERT_NO_FATAL_FAILURE(render(ReplayOptions{}, r));
  EXPECT_GT(r.data.bucket_width_ns(), kFirstBucketWidthNs) << "buckets merged";
  EXPECT_LE(r.data.bucket_count(), kMaxReportBuckets);
  EXPECT_LT(r.page.size(), 1'000'000u);
  // No polyline carries more points than there are buckets.
  for (std::size_t at = r.page.find("<polyline"); at != std::string::npos;
       at = r.page.find("<polyline", at + 1)) {
    const std::size_t end = r.page.find("/>", at);
    const std::string points = r.page.substr(at, end - at);
    EXPECT_LE(count(points, ","), kMaxReportBuckets);
  }
}

// Headless Chromium renders the page; the screenshot must be a real, non-blank PNG.
TEST(HtmlReport, RendersInHeadlessChromium) {
  const char* candidates[] = {"/usr/bin/chromium", "/usr/bin/chromium-browser"};
  std::string browser;
  for (const char* c : candidates) {
    if (fs::exists(c)) browser = c;
  }
  if (browser.empty()) {
    GTEST_SKIP() << "chromium is not installed (Debian package `chromium`; "
                    "scripts/install-deps.sh installs it): the render check is skipped";
  }
  ReplayOptions o;
  o.accounts = 1'000;
  Rendered r;
  ASSERT_NO_FATAL_FAILURE(render(o, r));
  const fs::path dir =
      fs::temp_directory_path() /
      ("backstop_report_" + std::to_string(::getpid()) + "_" + std::to_string(std::rand()));
  fs::create_directories(dir / "profile");
  const fs::path html = dir / "report.html";
  const fs::path png = dir / "out.png";
  std::string error;
  ASSERT_TRUE(try_write_html_report(html.string(), r.data, r.summary, error)) << error;
  const std::string command =
      browser +
      " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync "
      "--user-data-dir=" +
      (dir / "profile").string() + " --screenshot=" + png.string() +
      " --window-size=1400,2400 file://" + html.string() + " >" + (dir / "log").string() + " 2>&1";
  const int rc = std::system(command.c_str());
  ASSERT_EQ(rc, 0) << command;
  ASSERT_TRUE(fs::exists(png)) << "no screenshot; see " << (dir / "log");
  std::ifstream in(png, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GE(bytes.size(), 8u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  // A blank 1400x2400 page compresses to a few KB; charts, text and tables do not.
  EXPECT_GT(bytes.size(), 40'000u);
  std::set<unsigned char> distinct(bytes.begin(), bytes.end());
  EXPECT_GT(distinct.size(), 250u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace backstop::report
