// summary_json: the replay's summary as one JSON object, for scripts and the golden test. Its
// members come in a fixed order, section by section.
#include <fmt/format.h>

#include "marketdata/text_fields.hpp"
#include "replay/summary.hpp"

namespace backstop::replay {

namespace {

// An object's members, appended in order.
class JsonMembers {
 public:
  void add(std::string_view key, const std::string& value) {
    o_ += fmt::format("{}\"{}\": {}", o_.size() > 1 ? ", " : "", key, value);
  }
  template <class T>
  void add_number(std::string_view key, T value) {
    add(key, fmt::format("{}", value));
  }
  void add_string(std::string_view key, std::string_view value) { add(key, quoted(value)); }
  void add_bool(std::string_view key, bool value) { add(key, value ? "true" : "false"); }
  // {"USD": 1, "BTC": 2}: one member of AssetSummary over the summary's assets.
  template <class T>
  void add_per_asset(std::string_view key, const ReplaySummary& s, T AssetSummary::*field) {
    std::string out = "{";
    for (std::size_t i = 0; i < s.assets.size(); ++i)
      out += fmt::format("{}\"{}\": {}", i == 0 ? "" : ", ", s.assets[i].name, s.assets[i].*field);
    add(key, out + "}");
  }
  static std::string quoted(std::string_view v) {
    return fmt::format("\"{}\"", marketdata::json_escape(v));
  }
  std::string close() && { return std::move(o_) + "}"; }

 private:
  std::string o_ = "{";
};

void add_run(JsonMembers& j, const ReplaySummary& s) {
  j.add_string("scenario", s.scenario);
  j.add_number("seed", s.seed);
  j.add("shock", s.shock.empty() ? "null" : JsonMembers::quoted(s.shock));
  j.add_number("events", s.events);
  j.add_number("accounts", s.accounts);
  j.add_number("fills", s.fills);
  j.add_number("marks", s.marks);
  j.add_number("fundings", s.fundings);
  j.add_string("policy", s.policy);
  j.add_string("liquidation_mode", s.liquidation_mode);
  j.add_number("flagged", s.flagged);
  j.add_number("liquidations", s.liquidations);
  j.add_number("accounts_liquidated", s.accounts_liquidated);
  j.add_number("retired_accounts", s.retired_accounts);
  j.add_number("reaction_delay_ns", s.reaction_delay_ns);
  j.add_number("bankruptcies", s.bankruptcies);
  j.add_number("became_liquidatable", s.became_liquidatable);
  j.add_number("became_bankrupt", s.became_bankrupt);
  j.add_number("recovered", s.recovered);
  j.add_number("under_initial_margin", s.under_initial_margin);
  j.add_number("liquidatable_at_end", s.liquidatable_at_end);
  j.add_number("rejections", s.rejections);
}

// The funds per asset, and who paid, in the waterfall's order.
void add_funds(JsonMembers& j, const ReplaySummary& s) {
  j.add_per_asset("money_exponent", s, &AssetSummary::money_exponent);
  j.add_per_asset("deposits", s, &AssetSummary::deposits);
  j.add_per_asset("insurance_fund_start", s, &AssetSummary::insurance_fund_start);
  j.add_per_asset("insurance_fund_min", s, &AssetSummary::insurance_fund_min);
  j.add_per_asset("insurance_fund_end", s, &AssetSummary::insurance_fund_end);
  j.add_string("insurance_fund_min_sampled",
               s.insurance_min_sampled_every_event ? "every_event" : "start_and_end");
  j.add_per_asset("fee_pool_end", s, &AssetSummary::fee_pool_end);
  j.add_per_asset("liquidation_fees", s, &AssetSummary::liquidation_fees);
  j.add_number("insurance_draws", s.insurance_draws);
  j.add_per_asset("insurance_drawn", s, &AssetSummary::insurance_drawn);
  j.add_per_asset("default_fund_start", s, &AssetSummary::default_fund_start);
  j.add_per_asset("default_fund_end", s, &AssetSummary::default_fund_end);
  j.add_number("default_fund_draws", s.default_fund_draws);
  j.add_per_asset("default_fund_drawn", s, &AssetSummary::default_fund_drawn);
  j.add_per_asset("backstop_equity_start", s, &AssetSummary::backstop_equity_start);
  j.add_per_asset("backstop_equity_min", s, &AssetSummary::backstop_equity_min);
  j.add_per_asset("backstop_equity_end", s, &AssetSummary::backstop_equity_end);
  j.add_per_asset("slippage_cost", s, &AssetSummary::slippage_cost);
  j.add_per_asset("market_account", s, &AssetSummary::market_account);
  j.add_per_asset("market_collateral", s, &AssetSummary::market_collateral);
  j.add_number("adl_fills", s.adl_fills);
  j.add_per_asset("adl_paid", s, &AssetSummary::adl_paid);
  j.add_number("socializations", s.socializations);
  j.add_per_asset("socialized_loss", s, &AssetSummary::socialized_loss);
  j.add_per_asset("bad_debt", s, &AssetSummary::bad_debt);
}

void add_checks(JsonMembers& j, const ReplaySummary& s) {
  j.add_bool("waterfall_wired", s.waterfall_wired);
  j.add_number("waterfall_records_dropped", s.waterfall_records_dropped);
  j.add_bool("conservation_ok", s.conservation_ok);
  j.add_number("conservation_checks", s.conservation_checks);
  if (!s.conservation_ok) j.add_string("conservation_detail", s.conservation_detail);
  j.add_string("digest", s.digest);
  j.add("collateral_scale", fmt::format("{:.6g}", s.collateral_scale));
  j.add_number("unplaced_lots", s.unplaced_lots);
  j.add_number("inexact_prices", s.inexact_prices);
  j.add_number("rounded_sizes", s.rounded_sizes);
  j.add_number("malformed_lines", s.malformed_lines);
}

std::string files_json(const ReplaySummary& s) {
  std::string files = "[";
  for (std::size_t i = 0; i < s.files.size(); ++i) {
    const FileSummary& f = s.files[i];
    std::string messages = "[";
    for (std::size_t k = 0; k < f.messages.size(); ++k)
      messages += (k ? ", " : "") + JsonMembers::quoted(f.messages[k]);
    messages += "]";
    files += fmt::format(
        "{}{{\"path\": {}, \"format\": {}, \"lines\": {}, \"records\": {}, \"malformed\": {}, "
        "\"skipped\": {}, \"messages\": {}}}",
        i ? ", " : "", JsonMembers::quoted(f.path), JsonMembers::quoted(f.format), f.lines,
        f.records, f.malformed, f.skipped, messages);
  }
  return files + "]";
}

std::string instruments_json(const ReplaySummary& s) {
  const auto str = [](std::string_view v) { return JsonMembers::quoted(v); };
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
  return instruments + "]";
}

void add_timings(JsonMembers& j, const ReplaySummary& s) {
  j.add("wall_s", fmt::format("{:.6f}", s.wall_s));
  j.add("parse_s", fmt::format("{:.6f}", s.parse_s));
  j.add("build_s", fmt::format("{:.6f}", s.build_s));
  j.add("engine_s", fmt::format("{:.6f}", s.engine_s));
  const double total = s.wall_s > 0 ? s.wall_s : 1;
  j.add("parse_share", fmt::format("{:.4f}", s.parse_s / total));
  j.add("engine_share", fmt::format("{:.4f}", s.engine_s / total));
  j.add("events_per_s", fmt::format("{:.0f}", s.events_per_s));
}

}  // namespace

std::string summary_json(const ReplaySummary& s, bool with_timings) {
  JsonMembers j;
  add_run(j, s);
  add_funds(j, s);
  add_checks(j, s);
  j.add("files", files_json(s));
  j.add("instruments", instruments_json(s));
  j.add_bool("threaded", s.threaded);
  if (with_timings) add_timings(j, s);
  return std::move(j).close();
}

}  // namespace backstop::replay
