// summary_json / summary_text (declared in replay.hpp): the replay's figures for people and for
// scripts. Cold; the calling thread.
#include <fmt/format.h>

#include <cstdlib>

#include "marketdata/decimal.hpp"
#include "marketdata/text_fields.hpp"
#include "replay/replay.hpp"

namespace backstop::replay {

using marketdata::format_fixed;
using marketdata::json_escape;

namespace {

std::string escape(std::string_view s) {
  return json_escape(s);
}

std::string money(std::int64_t raw, int exponent) {
  return format_fixed(raw, exponent);
}

// {"USD": 1, "BTC": 2} over the summary's assets.
template <class Field>
std::string per_asset(const ReplaySummary& s, Field field) {
  std::string out = "{";
  for (std::size_t i = 0; i < s.assets.size(); ++i) {
    out += fmt::format("{}\"{}\": {}", i == 0 ? "" : ", ", s.assets[i].name, field(s.assets[i]));
  }
  return out + "}";
}

}  // namespace

std::string summary_json(const ReplaySummary& s, bool with_timings) {
  std::string o = "{";
  auto add = [&o](std::string_view key, const std::string& value) {
    o += fmt::format("{}\"{}\": {}", o.size() > 1 ? ", " : "", key, value);
  };
  auto str = [](std::string_view v) { return fmt::format("\"{}\"", escape(v)); };
  add("scenario", str(s.scenario));
  add("seed", fmt::format("{}", s.seed));
  add("shock", s.shock.empty() ? "null" : str(s.shock));
  add("events", fmt::format("{}", s.events));
  add("accounts", fmt::format("{}", s.accounts));
  add("fills", fmt::format("{}", s.fills));
  add("marks", fmt::format("{}", s.marks));
  add("fundings", fmt::format("{}", s.fundings));
  add("policy", str(s.policy));
  add("liquidation_mode", str(s.liquidation_mode));
  add("flagged", fmt::format("{}", s.flagged));
  add("liquidations", fmt::format("{}", s.liquidations));
  add("accounts_liquidated", fmt::format("{}", s.accounts_liquidated));
  add("retired_accounts", fmt::format("{}", s.retired_accounts));
  add("reaction_delay_ns", fmt::format("{}", s.reaction_delay_ns));
  add("bankruptcies", fmt::format("{}", s.bankruptcies));
  add("became_liquidatable", fmt::format("{}", s.became_liquidatable));
  add("became_bankrupt", fmt::format("{}", s.became_bankrupt));
  add("recovered", fmt::format("{}", s.recovered));
  add("under_initial_margin", fmt::format("{}", s.under_initial_margin));
  add("liquidatable_at_end", fmt::format("{}", s.liquidatable_at_end));
  add("rejections", fmt::format("{}", s.rejections));
  add("money_exponent", per_asset(s, [](const AssetSummary& a) { return a.money_exponent; }));
  add("deposits", per_asset(s, [](const AssetSummary& a) { return a.deposits; }));
  add("insurance_fund_start",
      per_asset(s, [](const AssetSummary& a) { return a.insurance_fund_start; }));
  add("insurance_fund_min",
      per_asset(s, [](const AssetSummary& a) { return a.insurance_fund_min; }));
  add("insurance_fund_end",
      per_asset(s, [](const AssetSummary& a) { return a.insurance_fund_end; }));
  add("insurance_fund_min_sampled",
      str(s.insurance_min_sampled_every_event ? "every_event" : "start_and_end"));
  add("fee_pool_end", per_asset(s, [](const AssetSummary& a) { return a.fee_pool_end; }));
  add("liquidation_fees", per_asset(s, [](const AssetSummary& a) { return a.liquidation_fees; }));
  add("insurance_draws", fmt::format("{}", s.insurance_draws));
  add("insurance_drawn", per_asset(s, [](const AssetSummary& a) { return a.insurance_drawn; }));
  add("default_fund_start",
      per_asset(s, [](const AssetSummary& a) { return a.default_fund_start; }));
  add("default_fund_end", per_asset(s, [](const AssetSummary& a) { return a.default_fund_end; }));
  add("default_fund_draws", fmt::format("{}", s.default_fund_draws));
  add("default_fund_drawn",
      per_asset(s, [](const AssetSummary& a) { return a.default_fund_drawn; }));
  add("backstop_equity_start",
      per_asset(s, [](const AssetSummary& a) { return a.backstop_equity_start; }));
  add("backstop_equity_min",
      per_asset(s, [](const AssetSummary& a) { return a.backstop_equity_min; }));
  add("backstop_equity_end",
      per_asset(s, [](const AssetSummary& a) { return a.backstop_equity_end; }));
  add("slippage_cost", per_asset(s, [](const AssetSummary& a) { return a.slippage_cost; }));
  add("market_account", per_asset(s, [](const AssetSummary& a) { return a.market_account; }));
  add("market_collateral", per_asset(s, [](const AssetSummary& a) { return a.market_collateral; }));
  add("adl_fills", fmt::format("{}", s.adl_fills));
  add("adl_paid", per_asset(s, [](const AssetSummary& a) { return a.adl_paid; }));
  add("socializations", fmt::format("{}", s.socializations));
  add("socialized_loss", per_asset(s, [](const AssetSummary& a) { return a.socialized_loss; }));
  add("bad_debt", per_asset(s, [](const AssetSummary& a) { return a.bad_debt; }));
  add("waterfall_wired", s.waterfall_wired ? "true" : "false");
  add("waterfall_records_dropped", fmt::format("{}", s.waterfall_records_dropped));
  add("conservation_ok", s.conservation_ok ? "true" : "false");
  add("conservation_checks", fmt::format("{}", s.conservation_checks));
  if (!s.conservation_ok) add("conservation_detail", str(s.conservation_detail));
  add("digest", str(s.digest));
  add("collateral_scale", fmt::format("{:.6g}", s.collateral_scale));
  add("unplaced_lots", fmt::format("{}", s.unplaced_lots));
  add("inexact_prices", fmt::format("{}", s.inexact_prices));
  add("rounded_sizes", fmt::format("{}", s.rounded_sizes));
  add("malformed_lines", fmt::format("{}", s.malformed_lines));
  std::string files = "[";
  for (std::size_t i = 0; i < s.files.size(); ++i) {
    const FileSummary& f = s.files[i];
    std::string messages = "[";
    for (std::size_t k = 0; k < f.messages.size(); ++k)
      messages += (k ? ", " : "") + str(f.messages[k]);
    messages += "]";
    files += fmt::format(
        "{}{{\"path\": {}, \"format\": {}, \"lines\": {}, \"records\": {}, \"malformed\": {}, "
        "\"skipped\": {}, \"messages\": {}}}",
        i ? ", " : "", str(f.path), str(f.format), f.lines, f.records, f.malformed, f.skipped,
        messages);
  }
  add("files", files + "]");
  std::string instruments = "[";
  for (std::size_t i = 0; i < s.instruments.size(); ++i) {
    const InstrumentSummary& n = s.instruments[i];
    instruments += fmt::format(
        "{}{{\"symbol\": {}, \"kind\": {}, \"asset\": {}, \"tick_exponent\": {}, "
        "\"lot_exponent\": {}, \"multiplier\": {}, \"trades\": {}, \"synthetic_trades\": {}, "
        "\"fills\": {}, \"marks\": {}, \"fundings\": {}, \"mark_source\": {}, \"first_mark\": {}, "
        "\"min_mark\": {}, \"last_mark\": {}, \"open_interest_end\": {}, "
        "\"backstop_taken_lots\": {}, \"backstop_unwound_lots\": {}, "
        "\"backstop_position_end\": {}, \"liquidation_orders\": {}, \"depth_snapshots\": {}, "
        "\"depth_fills\": {}, \"depth_filled_lots\": {}}}",
        i ? ", " : "", str(n.symbol), str(n.kind), str(n.asset), n.price_exponent, n.lot_exponent,
        n.multiplier, n.trades, n.synthetic_trades, n.fills, n.marks, n.fundings,
        str(n.mark_source), n.first_mark, n.min_mark, n.last_mark, n.open_interest_end,
        n.backstop_taken_lots, n.backstop_unwound_lots, n.backstop_position_end,
        n.liquidation_orders, n.depth_snapshots, n.depth_fills, n.depth_filled_lots);
  }
  add("instruments", instruments + "]");
  add("threaded", s.threaded ? "true" : "false");
  if (with_timings) {
    add("wall_s", fmt::format("{:.6f}", s.wall_s));
    add("parse_s", fmt::format("{:.6f}", s.parse_s));
    add("build_s", fmt::format("{:.6f}", s.build_s));
    add("engine_s", fmt::format("{:.6f}", s.engine_s));
    const double total = s.wall_s > 0 ? s.wall_s : 1;
    add("parse_share", fmt::format("{:.4f}", s.parse_s / total));
    add("engine_share", fmt::format("{:.4f}", s.engine_s / total));
    add("events_per_s", fmt::format("{:.0f}", s.events_per_s));
  }
  return o + "}";
}

std::string summary_text(const ReplaySummary& s) {
  std::string o;
  auto line = [&o](std::string_view label, const std::string& value) {
    o += fmt::format("  {:<28} {}\n", label, value);
  };
  o += fmt::format(
      "Backstop replay: {}{}{}\n",
      s.scenario == "default"
          ? "default scenario (generated crash day, seed " + std::to_string(s.seed) + ")"
          : fmt::format("{} file(s), seed {}", s.files.size(), s.seed),
      s.shock.empty() ? "" : ", shock " + s.shock, s.threaded ? ", threaded" : "");
  for (const FileSummary& f : s.files) {
    line(f.path.substr(f.path.find_last_of('/') + 1),
         fmt::format("{} records ({}), {} malformed, {} skipped", f.records, f.format, f.malformed,
                     f.skipped));
    for (const std::string& m : f.messages)
      o += fmt::format("    {}\n", m);
  }
  for (const InstrumentSummary& n : s.instruments) {
    line(n.symbol,
         fmt::format("{} {}-settled, tick 1e{}, {} trades{}, {} fills, {} marks ({}), "
                     "{} fundings, open interest {} lots",
                     n.kind, n.asset, n.price_exponent, n.trades,
                     n.synthetic_trades ? fmt::format(" + {} synthetic", n.synthetic_trades) : "",
                     n.fills, n.marks, n.mark_source, n.fundings, n.open_interest_end));
  }
  line("events", fmt::format("{}", s.events));
  line("accounts", fmt::format("{} (collateral scale {:.4g})", s.accounts, s.collateral_scale));
  line("flagged", fmt::format("{} accounts flagged liquidatable ({} still at the end)", s.flagged,
                              s.liquidatable_at_end));
  line("liquidations",
       s.waterfall_wired
           ? fmt::format("{} ({} distinct accounts, {} retired from trading), {} mode, ADL "
                         "policy {}",
                         s.liquidations, s.accounts_liquidated, s.retired_accounts,
                         s.liquidation_mode, s.policy)
           : std::string("off (flagged accounts stay flagged)"));
  line("bankruptcies", fmt::format("{} accounts below zero equity", s.bankruptcies));
  for (const AssetSummary& a : s.assets) {
    line(
        fmt::format("insurance fund ({})", a.name),
        fmt::format("start {} / min {} / end {}{}", money(a.insurance_fund_start, a.money_exponent),
                    money(a.insurance_fund_min, a.money_exponent),
                    money(a.insurance_fund_end, a.money_exponent),
                    s.insurance_min_sampled_every_event ? "" : " (min from start and end only)"));
    line(fmt::format("  fees + surplus in ({})", a.name),
         fmt::format("{}, drawn {} ({} draws)", money(a.liquidation_fees, a.money_exponent),
                     money(a.insurance_drawn, a.money_exponent), s.insurance_draws));
    line(fmt::format("default fund ({})", a.name),
         fmt::format("start {} / end {}, drawn {}", money(a.default_fund_start, a.money_exponent),
                     money(a.default_fund_end, a.money_exponent),
                     money(a.default_fund_drawn, a.money_exponent)));
    line(fmt::format("fee pool ({})", a.name), money(a.fee_pool_end, a.money_exponent));
    if (a.backstop_account != 0) {
      line(fmt::format("backstop equity ({})", a.name),
           fmt::format(
               "start {} / min {} / end {}{}", money(a.backstop_equity_start, a.money_exponent),
               money(a.backstop_equity_min, a.money_exponent),
               money(a.backstop_equity_end, a.money_exponent),
               s.insurance_min_sampled_every_event ? "" : " (min from start and end only)"));
      if (a.backstop_equity_min < 0) {
        o += fmt::format(
            "  !! the backstop ({}) went under water: equity down to {}{} - the venue's own "
            "loss\n",
            a.name, money(a.backstop_equity_min, a.money_exponent),
            a.backstop_equity_end < 0 ? fmt::format(", still {} at the end",
                                                    money(a.backstop_equity_end, a.money_exponent))
                                      : std::string(", recovered by the end"));
      }
    }
  }
  for (const InstrumentSummary& n : s.instruments) {
    if (n.liquidation_orders == 0 && n.depth_snapshots == 0) continue;
    line(fmt::format("liquidation orders ({})", n.symbol),
         fmt::format("{} orders; {} lots filled from the book depth ({} fills, {} snapshots), "
                     "{} lots taken over",
                     n.liquidation_orders, n.depth_filled_lots, n.depth_fills, n.depth_snapshots,
                     n.backstop_taken_lots));
  }
  for (const AssetSummary& a : s.assets) {
    if (a.market_account == 0) continue;
    line(fmt::format("slippage vs mark ({})", a.name),
         fmt::format("{} paid by liquidated accounts to the book (account {})",
                     money(a.slippage_cost, a.money_exponent), a.market_account));
  }
  for (const InstrumentSummary& n : s.instruments) {
    if (n.backstop_taken_lots == 0) continue;
    line(fmt::format("backstop inventory ({})", n.symbol),
         fmt::format("{} lots taken over, {} unwound into later trades, {} held at the end",
                     n.backstop_taken_lots, n.backstop_unwound_lots, n.backstop_position_end));
  }
  line("default fund draws", fmt::format("{}", s.default_fund_draws));
  line("ADL fills", fmt::format("{}", s.adl_fills));
  if (s.socializations != 0) line("socializations", fmt::format("{}", s.socializations));
  for (const AssetSummary& a : s.assets) {
    line(fmt::format("ADL paid ({})", a.name), money(a.adl_paid, a.money_exponent));
    line(fmt::format("socialized loss ({})", a.name), money(a.socialized_loss, a.money_exponent));
    line(fmt::format("bad debt ({})", a.name), money(a.bad_debt, a.money_exponent));
  }
  line("conservation", s.conservation_ok
                           ? fmt::format("ok ({} checks, exact)", s.conservation_checks)
                           : "VIOLATED: " + s.conservation_detail);
  if (s.unplaced_lots != 0) line("unplaced lots", fmt::format("{}", s.unplaced_lots));
  if (s.malformed_lines != 0) line("malformed lines", fmt::format("{}", s.malformed_lines));
  line("digest", s.digest);
  line("events/s", fmt::format("{:.0f} ({:.3f} s wall: parse {:.0f} %, build {:.0f} %, engine "
                               "{:.0f} %)",
                               s.events_per_s, s.wall_s, 100 * s.parse_s / std::max(s.wall_s, 1e-9),
                               100 * s.build_s / std::max(s.wall_s, 1e-9),
                               100 * s.engine_s / std::max(s.wall_s, 1e-9)));
  return o;
}

}  // namespace backstop::replay
