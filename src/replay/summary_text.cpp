// summary_text: the replay's summary for people, one aligned "label value" line per figure, the
// money amounts exact in each asset's decimals.
#include <fmt/format.h>

#include <algorithm>

#include "marketdata/decimal.hpp"
#include "replay/summary.hpp"

namespace backstop::replay {

namespace {

std::string money(std::int64_t raw, int exponent) {
  return marketdata::format_fixed(raw, exponent);
}

// "start X / min Y / end Z" of an amount, saying when its minimum was sampled at the start and
// the end only (threaded mode).
std::string start_min_end(const ReplaySummary& s, int exponent, std::int64_t start,
                          std::int64_t min, std::int64_t end) {
  return fmt::format("start {} / min {} / end {}{}", money(start, exponent), money(min, exponent),
                     money(end, exponent),
                     s.insurance_min_sampled_every_event ? "" : " (min from start and end only)");
}

class TextLines {
 public:
  void line(std::string_view label, const std::string& value) {
    o_ += fmt::format("  {:<28} {}\n", label, value);
  }
  void raw(const std::string& text) { o_ += text; }
  std::string take() && { return std::move(o_); }

 private:
  std::string o_;
};

// The title, the files read and the instruments replayed.
void add_inputs(TextLines& t, const ReplaySummary& s) {
  t.raw(fmt::format(
      "Backstop replay: {}{}{}\n",
      s.scenario == "default"
          ? "default scenario (generated crash day, seed " + std::to_string(s.seed) + ")"
          : fmt::format("{} file(s), seed {}", s.files.size(), s.seed),
      s.shock.empty() ? "" : ", shock " + s.shock, s.threaded ? ", threaded" : ""));
  for (const FileSummary& f : s.files) {
    t.line(f.path.substr(f.path.find_last_of('/') + 1),
           fmt::format("{} records ({}), {} malformed, {} skipped", f.records, f.format,
                       f.malformed, f.skipped));
    for (const std::string& m : f.messages)
      t.raw(fmt::format("    {}\n", m));
  }
  for (const InstrumentSummary& n : s.instruments) {
    t.line(n.symbol,
           fmt::format("{} {}-settled, tick 1e{}, {} trades{}, {} fills, {} marks ({}), "
                       "{} fundings, open interest {} lots",
                       n.kind, n.asset, n.price_exponent, n.trades,
                       n.synthetic_trades ? fmt::format(" + {} synthetic", n.synthetic_trades) : "",
                       n.fills, n.marks, n.mark_source, n.fundings, n.open_interest_end));
  }
}

void add_accounts(TextLines& t, const ReplaySummary& s) {
  t.line("events", fmt::format("{}", s.events));
  t.line("accounts", fmt::format("{} (collateral scale {:.4g})", s.accounts, s.collateral_scale));
  t.line("flagged", fmt::format("{} accounts flagged liquidatable ({} still at the end)", s.flagged,
                                s.liquidatable_at_end));
  t.line("liquidations",
         s.waterfall_wired
             ? fmt::format("{} ({} distinct accounts, {} retired from trading), {} mode, ADL "
                           "policy {}",
                           s.liquidations, s.accounts_liquidated, s.retired_accounts,
                           s.liquidation_mode, s.policy)
             : std::string("off (flagged accounts stay flagged)"));
  t.line("bankruptcies", fmt::format("{} accounts below zero equity", s.bankruptcies));
}

// The backstop's equity from start to end, and a warning when it went under water.
void add_backstop_equity(TextLines& t, const ReplaySummary& s, const AssetSummary& a) {
  const int e = a.money_exponent;
  t.line(
      fmt::format("backstop equity ({})", a.name),
      start_min_end(s, e, a.backstop_equity_start, a.backstop_equity_min, a.backstop_equity_end));
  if (a.backstop_equity_min >= 0) return;
  t.raw(fmt::format(
      "  !! the backstop ({}) went under water: equity down to {}{} - the venue's own loss\n",
      a.name, money(a.backstop_equity_min, e),
      a.backstop_equity_end < 0
          ? fmt::format(", still {} at the end", money(a.backstop_equity_end, e))
          : std::string(", recovered by the end")));
}

void add_asset_funds(TextLines& t, const ReplaySummary& s, const AssetSummary& a) {
  const int e = a.money_exponent;
  t.line(fmt::format("insurance fund ({})", a.name),
         start_min_end(s, e, a.insurance_fund_start, a.insurance_fund_min, a.insurance_fund_end));
  t.line(fmt::format("  fees + surplus in ({})", a.name),
         fmt::format("{}, drawn {} ({} draws)", money(a.liquidation_fees, e),
                     money(a.insurance_drawn, e), s.insurance_draws));
  t.line(fmt::format("default fund ({})", a.name),
         fmt::format("start {} / end {}, drawn {}", money(a.default_fund_start, e),
                     money(a.default_fund_end, e), money(a.default_fund_drawn, e)));
  t.line(fmt::format("fee pool ({})", a.name), money(a.fee_pool_end, e));
  if (a.backstop_account != 0) add_backstop_equity(t, s, a);
}

// Order mode's liquidation orders and slippage, and the backstop's inventory.
void add_liquidity(TextLines& t, const ReplaySummary& s) {
  for (const InstrumentSummary& n : s.instruments) {
    if (n.liquidation_orders == 0 && n.depth_snapshots == 0) continue;
    t.line(fmt::format("liquidation orders ({})", n.symbol),
           fmt::format("{} orders; {} lots filled from the book depth ({} fills, {} snapshots), "
                       "{} lots taken over",
                       n.liquidation_orders, n.depth_filled_lots, n.depth_fills, n.depth_snapshots,
                       n.backstop_taken_lots));
  }
  for (const AssetSummary& a : s.assets) {
    if (a.market_account == 0) continue;
    t.line(fmt::format("slippage vs mark ({})", a.name),
           fmt::format("{} paid by liquidated accounts to the book (account {})",
                       money(a.slippage_cost, a.money_exponent), a.market_account));
  }
  for (const InstrumentSummary& n : s.instruments) {
    if (n.backstop_taken_lots == 0) continue;
    t.line(fmt::format("backstop inventory ({})", n.symbol),
           fmt::format("{} lots taken over, {} unwound into later trades, {} held at the end",
                       n.backstop_taken_lots, n.backstop_unwound_lots, n.backstop_position_end));
  }
}

// The waterfall's last tiers, the checks and the speed.
void add_losses_and_checks(TextLines& t, const ReplaySummary& s) {
  t.line("default fund draws", fmt::format("{}", s.default_fund_draws));
  t.line("ADL fills", fmt::format("{}", s.adl_fills));
  if (s.socializations != 0) t.line("socializations", fmt::format("{}", s.socializations));
  for (const AssetSummary& a : s.assets) {
    t.line(fmt::format("ADL paid ({})", a.name), money(a.adl_paid, a.money_exponent));
    t.line(fmt::format("socialized loss ({})", a.name), money(a.socialized_loss, a.money_exponent));
    t.line(fmt::format("bad debt ({})", a.name), money(a.bad_debt, a.money_exponent));
  }
  t.line("conservation", s.conservation_ok
                             ? fmt::format("ok ({} checks, exact)", s.conservation_checks)
                             : "VIOLATED: " + s.conservation_detail);
  if (s.unplaced_lots != 0) t.line("unplaced lots", fmt::format("{}", s.unplaced_lots));
  if (s.malformed_lines != 0) t.line("malformed lines", fmt::format("{}", s.malformed_lines));
  t.line("digest", s.digest);
  const double wall = std::max(s.wall_s, 1e-9);
  t.line("events/s", fmt::format("{:.0f} ({:.3f} s wall: parse {:.0f} %, build {:.0f} %, engine "
                                 "{:.0f} %)",
                                 s.events_per_s, s.wall_s, 100 * s.parse_s / wall,
                                 100 * s.build_s / wall, 100 * s.engine_s / wall));
}

}  // namespace

std::string summary_text(const ReplaySummary& s) {
  TextLines t;
  add_inputs(t, s);
  add_accounts(t, s);
  for (const AssetSummary& a : s.assets)
    add_asset_funds(t, s, a);
  add_liquidity(t, s);
  add_losses_and_checks(t, s);
  return std::move(t).take();
}

}  // namespace backstop::replay
