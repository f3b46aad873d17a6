// The replay's summary: what was read, what each instrument and settlement asset went through
// (fills, marks, liquidations, the funds from start to end, who paid), the conservation check,
// the state digest and the timings; and its two renderings, one JSON object for scripts
// (summary_json.cpp) and aligned text for people (summary_text.cpp). Plain data; cold, the
// calling thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "replay/sizing_report.hpp"

namespace backstop::replay {

struct FileSummary {
  std::string path;
  std::string format;
  std::uint64_t lines = 0;
  std::uint64_t records = 0;
  std::uint64_t malformed = 0;
  std::uint64_t skipped = 0;
  std::vector<std::string> messages;  // "file:line: reason", the first few
};

struct InstrumentSummary {
  std::string symbol;
  std::string kind;  // "linear" / "inverse"
  std::string asset;
  int price_exponent = 0;
  int lot_exponent = 0;
  std::int64_t multiplier = 0;
  std::uint64_t trades = 0;            // real trade prints used
  std::uint64_t synthetic_trades = 0;  // synthesized around candles / marks
  std::uint64_t fills = 0;
  std::uint64_t marks = 0;
  std::uint64_t fundings = 0;
  std::string mark_source;  // "series" or "trades"
  std::int64_t first_mark = 0;
  std::int64_t min_mark = 0;
  std::int64_t last_mark = 0;
  std::int64_t open_interest_end = 0;
  std::int64_t backstop_taken_lots = 0;    // Σ |lots| the backstop took over
  std::int64_t backstop_unwound_lots = 0;  // Σ lots it sold / bought back into later trades
  std::int64_t backstop_position_end = 0;  // signed, from the engine
  // Order mode (book depth in the input): the engine's liquidation orders, the book snapshots, the
  // fills the replay answered them with from the depth and the lots so filled. The rest of each
  // order was taken over (backstop_taken_lots).
  std::uint64_t liquidation_orders = 0;
  std::uint64_t depth_snapshots = 0;
  std::uint64_t depth_fills = 0;
  std::int64_t depth_filled_lots = 0;
};

struct AssetSummary {
  std::string name;
  int money_exponent = 0;
  std::uint32_t accounts = 0;
  std::int64_t deposits = 0;
  std::int64_t insurance_fund_start = 0;
  std::int64_t insurance_fund_min = 0;
  std::int64_t insurance_fund_end = 0;
  std::int64_t fee_pool_end = 0;
  std::uint64_t backstop_account = 0;  // its id
  std::int64_t backstop_collateral = 0;
  // The backstop account's equity (balance + unrealised PnL at the mark): at the first event after
  // the setup, the lowest after any event (synchronous mode; threaded: of start and end), at the
  // end. Below zero it is the venue's own loss.
  std::uint64_t market_account = 0;    // order mode: the book's liquidity account (0: none)
  std::int64_t market_collateral = 0;  // what it was funded with
  std::int64_t slippage_cost = 0;      // Σ over depth fills of |mark - price| x size, Money
  std::int64_t backstop_equity_start = 0;
  std::int64_t backstop_equity_min = 0;
  std::int64_t backstop_equity_end = 0;
  std::int64_t default_fund_start = 0;
  std::int64_t default_fund_end = 0;
  std::int64_t liquidation_fees = 0;  // Σ kLiquidationFee + kSurplus into the insurance fund
  std::int64_t insurance_drawn = 0;   // Σ kInsuranceDraw
  std::int64_t default_fund_drawn = 0;
  std::int64_t adl_paid = 0;  // Σ paid by ADL counterparties
  std::int64_t socialized_loss = 0;
  std::int64_t bad_debt = 0;
};

struct ReplaySummary {
  std::string scenario;  // "default" or "files"
  SizingReport sizing;   // with ReplayOptions::sizing
  std::uint64_t seed = 0;
  bool threaded = false;
  std::uint64_t events = 0;
  std::uint64_t fills = 0;
  std::uint64_t marks = 0;
  std::uint64_t fundings = 0;
  std::uint32_t accounts = 0;
  std::uint64_t flagged = 0;              // distinct accounts flagged liquidatable (or bankrupt)
  std::uint64_t liquidations = 0;         // liquidations the waterfall ran (the engine's count)
  std::uint64_t accounts_liquidated = 0;  // distinct accounts among them
  std::uint64_t insurance_draws = 0;      // kInsuranceDraw records
  std::uint64_t bankruptcies = 0;         // distinct accounts that went below zero equity
  std::uint64_t became_liquidatable = 0;  // output counts per kind
  std::uint64_t became_bankrupt = 0;
  std::uint64_t recovered = 0;
  std::uint64_t under_initial_margin = 0;
  std::uint64_t liquidatable_at_end = 0;
  std::uint64_t rejections = 0;
  std::uint64_t default_fund_draws = 0;  // kDefaultFundDraw records (one per member charged)
  std::uint64_t adl_fills = 0;           // the engine's count
  std::uint64_t socializations = 0;      // kSocializedLoss records
  std::uint64_t waterfall_records_dropped = 0;
  std::string policy;            // as try_parse_policy spells it
  std::string liquidation_mode;  // "takeover", "order" (book depth in the input) or "off"
  bool waterfall_wired = false;
  std::uint64_t unplaced_lots = 0;
  std::uint64_t retired_accounts = 0;  // traders retired from the draws once liquidated
  std::int64_t reaction_delay_ns = 0;  // the generator's delay in reacting to the engine
  std::uint64_t inexact_prices = 0;    // prices off the tick grid (interpolated marks), rounded
  std::uint64_t rounded_sizes = 0;
  double collateral_scale = 1.0;
  bool insurance_min_sampled_every_event = true;
  bool conservation_ok = true;
  std::uint64_t conservation_checks = 0;
  std::string conservation_detail;
  std::string digest;
  std::string shock;  // as given, "" when none
  std::vector<FileSummary> files;
  std::vector<InstrumentSummary> instruments;
  std::vector<AssetSummary> assets;
  std::uint64_t malformed_lines = 0;
  double wall_s = 0;
  double parse_s = 0;
  double build_s = 0;
  double engine_s = 0;
  double events_per_s = 0;
  // What the engine recovered from a resumed journal (--resume), as describe_recovery() words it;
  // empty when no journal was resumed.
  std::string journal_recovery;
};

// One JSON object. Without timings: the fields that depend only on input and seed (the golden
// test compares these).
[[nodiscard]] std::string summary_json(const ReplaySummary& s, bool with_timings = true);
[[nodiscard]] std::string summary_text(const ReplaySummary& s);

}  // namespace backstop::replay
