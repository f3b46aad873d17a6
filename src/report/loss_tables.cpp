#include "report/loss_tables.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <utility>

#include "replay/instrument_map.hpp"
#include "report/html_text.hpp"

namespace backstop::report {

using replay::asset_money_exponent;
using replay::asset_name;
using replay::ReplaySummary;

namespace {

std::string asset_money(std::size_t asset, std::int64_t raw) {
  return format_decimal(raw, asset_money_exponent(static_cast<std::uint8_t>(asset))) + " " +
         std::string(asset_name(static_cast<std::uint8_t>(asset)));
}

// "tier amount; tier amount" over a loss's payments, in tier order.
std::string paid_by(const LossRecord& r, bool waterfall_wired) {
  if (r.payments.empty()) return waterfall_wired ? "nobody yet" : "nobody: waterfall not yet wired";
  std::map<int, std::int64_t> by_tier;
  for (const Payment& p : r.payments)
    by_tier[static_cast<int>(p.tier)] += p.amount;
  std::string out;
  for (const auto& [tier, amount] : by_tier) {
    out += fmt::format("{}{} {}", out.empty() ? "" : "; ",
                       payment_tier_name(static_cast<PaymentTier>(tier)),
                       asset_money(r.asset, amount));
  }
  return out;
}

std::string loss_table(const std::vector<const LossRecord*>& losses, bool waterfall_wired) {
  std::string o =
      "<table id=\"loss-table\"><thead><tr><th class=\"num\">#</th><th>account</th>"
      "<th>first below zero (UTC)</th><th class=\"num\">peak deficit</th><th>peak at (UTC)"
      "</th><th class=\"num\">still open at the end</th><th>paid by</th></tr></thead><tbody>\n";
  for (std::size_t k = 0; k < std::min(losses.size(), kReportLossRows); ++k) {
    const LossRecord& r = *losses[k];
    o += fmt::format(
        "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td>"
        "<td class=\"num\">{}</td><td>{}</td></tr>\n",
        k + 1, r.account, format_utc(r.first_ts_ns),
        html_escape(asset_money(r.asset, r.peak_deficit)), format_utc(r.peak_ts_ns),
        html_escape(asset_money(r.asset, r.open_deficit)),
        html_escape(paid_by(r, waterfall_wired)));
  }
  return o + "</tbody></table>\n";
}

std::string tier_table(const ReportData& data, const std::vector<std::size_t>& assets) {
  std::string o = "<table id=\"tier-table\"><thead><tr><th>tier</th>";
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
  return o + "</tbody></table>\n";
}

// The ADL counterparties who gave up the most.
std::string adl_counterparties(const ReportData& data) {
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
  std::string o = "<h3>ADL counterparties</h3>\n";
  if (ranked.empty()) return o + "<p class=\"muted\">No ADL fill.</p>\n";
  o += "<table id=\"adl-table\"><thead><tr><th>account</th><th class=\"num\">taken</th>"
       "<th class=\"num\">fills</th></tr></thead><tbody>\n";
  for (std::size_t k = 0; k < std::min(ranked.size(), kReportCounterpartyRows); ++k) {
    o += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                     ranked[k].first.first,
                     html_escape(asset_money(ranked[k].first.second, ranked[k].second.first)),
                     ranked[k].second.second);
  }
  return o + "</tbody></table>\n";
}

}  // namespace

std::string losses_section(const ReportData& data, const ReplaySummary& s) {
  std::vector<const LossRecord*> losses;
  losses.reserve(data.losses().size());
  for (const LossRecord& r : data.losses())
    losses.push_back(&r);
  std::sort(losses.begin(), losses.end(), [](const LossRecord* a, const LossRecord* b) {
    return a->peak_deficit != b->peak_deficit ? a->peak_deficit > b->peak_deficit
                                              : a->account < b->account;
  });
  std::string o = fmt::format(
      "<section id=\"losses\"><h2>Largest losses</h2><p class=\"muted\">{} account(s) went below "
      "zero equity. Deficit = &minus;equity, exact, sampled over all flagged accounts {} times "
      "(twice per time bucket and at the end) and noted at each bankruptcy.</p>\n",
      group_thousands(losses.size()), group_thousands(data.deficit_samples()));
  if (losses.empty()) {
    o += "<p>No account went below zero equity.</p>\n";
  } else {
    o += loss_table(losses, s.waterfall_wired);
  }
  return o + "</section>\n";
}

std::string who_paid_section(const ReportData& data, const ReplaySummary& s,
                             const std::vector<std::size_t>& assets) {
  std::string o = "<section id=\"who-paid\"><h2>Who paid</h2>\n";
  if (!data.has_payments() && s.waterfall_wired) {
    o += "<p class=\"callout\">Nobody paid: every liquidation closed within the defaulter's own "
         "collateral, so no fund, counterparty or bad-debt tier was drawn.</p>\n";
  } else if (!data.has_payments()) {
    o += "<p class=\"callout\">Liquidation was off in this replay: no payment has been reported, "
         "so every deficit above is still owed.</p>\n";
  } else {
    o += tier_table(data, assets);
    o += adl_counterparties(data);
  }
  return o + "</section>\n";
}

}  // namespace backstop::report
