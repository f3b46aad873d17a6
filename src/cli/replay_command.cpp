#include "replay_command.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <array>
#include <cmath>
#include <cstdio>
#include <optional>

#include "marketdata/decimal.hpp"
#include "numeric_flags.hpp"
#include "pipeline/config_file.hpp"
#include "replay/audit_output.hpp"
#include "replay/replay.hpp"
#include "report/html_report.hpp"
#include "report/report_data.hpp"

namespace backstop::cli {

namespace {

// Fees are at most the whole notional; funds at most ten times the traders' collateral.
constexpr double kMaxFeeBp = 10'000;
constexpr double kMaxFundPct = 1'000;

// "[ASSET:]AMOUNT" of `flag` into `out`: AMOUNT a decimal in units of the asset (BTC, USD),
// converted exactly to its Money; without ASSET, the amount for every settlement asset (each in
// its own Money). Refused: a negative or malformed amount, more decimals than the asset's Money
// holds, an unknown asset, an amount above replay::kMaxFundMoney.
bool try_fund_amount(const std::string& text, std::string_view flag,
                     std::array<std::optional<std::int64_t>, replay::kReplayAssetCount>& out,
                     std::string& error) {
  const std::size_t colon = text.find(':');
  const std::string asset = colon == std::string::npos ? "" : text.substr(0, colon);
  const std::string amount = colon == std::string::npos ? text : text.substr(colon + 1);
  marketdata::Decimal d;
  if (marketdata::try_parse_decimal(amount, d) != marketdata::DecimalError::kOk || d.mantissa < 0) {
    error = fmt::format("{} '{}': the amount must be a decimal number >= 0", flag, text);
    return false;
  }
  bool named = asset.empty();
  for (std::uint8_t a = 0; a < replay::kReplayAssetCount; ++a) {
    if (!asset.empty() && asset != replay::asset_name(a)) continue;
    named = true;
    const int e = replay::asset_money_exponent(a);
    const marketdata::FixedResult r = marketdata::to_fixed(d, -e, marketdata::Rounding::kDown);
    if (r.status != marketdata::FixedStatus::kExact || r.value > replay::kMaxFundMoney) {
      error = fmt::format("{} '{}': not a whole number of {} {} units up to {}{}", flag, text,
                          marketdata::format_fixed(1, e), replay::asset_name(a),
                          marketdata::format_fixed(replay::kMaxFundMoney, e),
                          asset.empty() ? " (name the asset: BTC:AMOUNT or USD:AMOUNT)" : "");
      return false;
    }
    out[a] = r.value;
  }
  if (!named) {
    error = fmt::format("{} '{}': unknown asset '{}' (USD or BTC)", flag, text, asset);
    return false;
  }
  return true;
}

}  // namespace

void add_shared_replay_options(CLI::App* cmd, ReplayCliOptions& o) {
  cmd->add_option("files", o.files,
                  "market-data files (Binance, Tardis/BitMEX, CoinAPI; gzip read directly)");
  cmd->add_option("--config", o.config, "engine configuration (TOML): rings, journal, capacities");
  cmd->add_option("--seed", o.seed, "seed of the population, the fills and any synthesis")
      ->check(unsigned_up_to(UINT64_MAX));
  cmd->add_option("--accounts", o.accounts, "accounts in the population")
      ->check(integer_in(2, std::int64_t{1} << 24));
  cmd->add_option("--shock", o.shock,
                  "PCT:MIN, e.g. -30:10: from the input's midpoint, scale prices linearly to "
                  "1+PCT/100 over MIN minutes, then hold");
  cmd->add_option("--taker-fee-bp", o.taker_fee_bp, "taker fee in basis points (default 5)")
      ->check(decimal_in(0, kMaxFeeBp));
  cmd->add_option("--maker-fee-bp", o.maker_fee_bp, "maker fee in basis points (default 2)")
      ->check(decimal_in(0, kMaxFeeBp));
  cmd->add_option("--insurance-fund-pct", o.insurance_fund_pct,
                  "insurance fund seeded at the start, % of the traders' collateral (default 2)")
      ->check(decimal_in(0, kMaxFundPct));
  cmd->add_option("--default-fund-pct", o.default_fund_pct,
                  "default fund of 5 clearing members per asset, % of the traders' collateral "
                  "(default 1)")
      ->check(decimal_in(0, kMaxFundPct));
  cmd->add_option("--liquidation-fee-bp", o.liquidation_fee_bp,
                  "liquidation fee in basis points of the closed notional (default 50)")
      ->check(decimal_in(0, kMaxFeeBp));
  cmd->add_flag("--thin-fund", o.thin_fund,
                "insurance fund 0.01 % and no default fund, so that ADL / socialization fires");
  cmd->add_option("--exposure-cap", o.exposure_cap_pct,
                  "cap the backstop's taken-over notional at PCT % of the insurance fund; beyond "
                  "it, liquidations go to ADL (Binance: 100; 0: no cap)")
      ->check(decimal_in(0, 1e6));
  cmd->add_option("--drawdown", o.drawdown_pct,
                  "the insurance fund losing PCT % of its high within --drawdown-hours switches "
                  "the asset to ADL before the fund (Bybit: 30 in 8 h; 0: off)")
      ->check(decimal_in(0, 100));
  cmd->add_option("--drawdown-hours", o.drawdown_hours, "the drawdown trigger's window (default 8)")
      ->check(decimal_in(1.0 / 3600, 24.0 * 365));
  cmd->add_option("--insurance-fund", o.insurance_fund,
                  "[ASSET:]AMOUNT: insurance fund seeded at the start in units of the settlement "
                  "asset (e.g. 2.5 or BTC:2.5), exact; in place of --insurance-fund-pct");
  cmd->add_option("--default-fund", o.default_fund,
                  "[ASSET:]AMOUNT: default fund of the 5 clearing members in units of the "
                  "settlement asset, exact (each contributes a fifth, rounded down); in place of "
                  "--default-fund-pct");
  cmd->add_option("--check-every", o.check_every,
                  "conservation check every N events (synchronous mode; 0: at the end only)")
      ->check(unsigned_up_to(UINT64_MAX));
  cmd->add_flag("--strict", o.strict, "a malformed line stops the replay (default: skip, count)");
}

CLI::App* add_replay_command(CLI::App& app, ReplayCliOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "replay",
      "replay market data (or, with no files, the embedded default crash-day scenario) through "
      "the engine with a seeded account population, and summarise liquidations, funds and "
      "conservation");
  add_shared_replay_options(cmd, o);
  cmd->add_option("--policy", o.policy,
                  "end of the loss waterfall: ranked (BitMEX score, bankruptcy price; default), "
                  "ranked-binance, ranked-hyperliquid (at the mark), pro-rata, socialized");
  cmd->add_flag("--no-liquidation", o.no_liquidation,
                "liquidation off: flagged accounts stay flagged (the pre-waterfall replay)");
  cmd->add_option("--report", o.report,
                  "write a self-contained HTML report (charts over time, largest losses and who "
                  "paid) to FILE.html; synchronous mode");
  cmd->add_option("--audit", o.audit,
                  "write the complete audit log (every balance and fund movement, closing "
                  "figures) to FILE.jsonl, for `backstop audit-check`");
  cmd->add_flag("--json", o.json, "print one JSON object instead of the summary");
  cmd->add_flag("--threaded", o.threaded, "run the engine's threads (same digest)");
  cmd->add_option("--journal", o.journal,
                  "journal every input into DIR (default: --config's journal.folder); a folder "
                  "that already holds a journal is refused unless --resume");
  cmd->add_flag("--resume", o.resume,
                "continue the journal in the journal folder: recover its state, then apply this "
                "replay's inputs after it");
  return cmd;
}

bool try_shared_replay_options(const ReplayCliOptions& o, replay::ReplayOptions& options,
                               std::string& error) {
  options.files = o.files;
  options.seed = o.seed;
  options.accounts = o.accounts;
  options.strict = o.strict;
  options.check_every = o.check_every;
  // Basis points to millionths of the notional, rounded up (the venue's favour).
  options.taker_fee_e6 = static_cast<std::int64_t>(std::ceil(o.taker_fee_bp * 100.0 - 1e-9));
  options.maker_fee_e6 = static_cast<std::int64_t>(std::ceil(o.maker_fee_bp * 100.0 - 1e-9));
  options.liquidation_fee_e6 =
      static_cast<std::int64_t>(std::ceil(o.liquidation_fee_bp * 100.0 - 1e-9));
  // Percent to millionths, rounded down (a fund is never larger than asked).
  options.insurance_fund_ppm = static_cast<std::int64_t>(std::floor(o.insurance_fund_pct * 1e4));
  options.default_fund_ppm = static_cast<std::int64_t>(std::floor(o.default_fund_pct * 1e4));
  if (o.thin_fund) {
    options.insurance_fund_ppm = replay::kThinFundPpm;
    options.default_fund_ppm = 0;
  }
  // Percent to ppm: the cap rounded down, the drawdown rounded down (each acts no later).
  options.exposure_cap_ppm = static_cast<std::int64_t>(std::floor(o.exposure_cap_pct * 1e4));
  options.drawdown_ppm = static_cast<std::int64_t>(std::floor(o.drawdown_pct * 1e4));
  options.drawdown_window_ns = static_cast<std::int64_t>(std::llround(o.drawdown_hours * 3600e9));
  if (!o.insurance_fund.empty() &&
      !try_fund_amount(o.insurance_fund, "--insurance-fund", options.insurance_fund_money, error))
    return false;
  if (!o.default_fund.empty() &&
      !try_fund_amount(o.default_fund, "--default-fund", options.default_fund_money, error))
    return false;
  if (!o.shock.empty()) {
    replay::Shock shock;
    if (!replay::try_parse_shock(o.shock, shock, error)) return false;
    options.shock = shock;
  }
  if (!o.config.empty()) {
    options.engine = pipeline::load_engine_config(o.config, error);
    if (!options.engine) return false;
  }
  return true;
}

int run_replay_command(const ReplayCliOptions& o) {
  replay::ReplayOptions options;
  std::string error;
  if (!try_shared_replay_options(o, options, error) ||
      !replay::try_parse_policy(o.policy, options, error)) {
    fmt::print(stderr, "backstop replay: {}\n", error);
    return 2;
  }
  options.threaded = o.threaded;
  options.journal_folder = o.journal;
  options.resume_journal = o.resume;
  if (o.resume && o.journal.empty() &&
      (!options.engine || options.engine->journal.folder.empty())) {
    fmt::print(stderr,
               "backstop replay: --resume needs a journal (--journal, or journal.folder in "
               "--config)\n");
    return 2;
  }
  if (o.no_liquidation) options.liquidation = LiquidationMode::kOff;
  // The report samples the engine after every event, which only the synchronous mode allows.
  report::ReportData report_data;
  if (!o.report.empty()) {
    if (o.threaded) {
      fmt::print(stderr, "backstop replay: --report needs the synchronous mode; drop --threaded\n");
      return 2;
    }
    report::attach_report(options, report_data);
  }
  replay::ReplayAuditLog audit;
  if (!o.audit.empty()) {
    if (!audit.open(o.audit, error)) {
      fmt::print(stderr, "backstop replay: {}\n", error);
      return 2;
    }
    audit.attach(options);
  }
  // A progress bar only for a person watching: stderr is a terminal.
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  std::size_t file_index = 0;
  if (tty && !o.files.empty()) {
    options.progress = [&file_index, &o](std::uint64_t done, std::uint64_t total) {
      const double share = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 0;
      const int width = 30;
      const int filled = static_cast<int>(share * width);
      fmt::print(stderr, "\r  reading {:<48.48} [{:=<{}}{: <{}}] {:3.0f} %",
                 o.files[std::min(file_index, o.files.size() - 1)], "", filled, "", width - filled,
                 share * 100);
      if (total > 0 && done >= total) {
        fmt::print(stderr, "\n");
        ++file_index;
      }
    };
  }
  if (tty) {
    // The engine phase: events applied of all built, redrawn every kEngineProgressEvents.
    options.engine_progress = [](std::uint64_t done, std::uint64_t total) {
      const double share = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1;
      const int width = 30;
      const int filled = static_cast<int>(share * width);
      // Padded to the width of the reading bar's label, so the bars line up.
      fmt::print(stderr, "\r  {:<56.56} [{:=<{}}{: <{}}] {:3.0f} %",
                 fmt::format("replaying {} events", total), "", filled, "", width - filled,
                 share * 100);
      if (done >= total) fmt::print(stderr, "\n");
    };
  }
  const std::optional<replay::ReplaySummary> summary = replay::run_replay(options, error);
  if (!summary) {
    fmt::print(stderr, "backstop replay: {}\n", error);
    return 1;
  }
  if (!o.audit.empty() && !audit.close(error)) {
    fmt::print(stderr, "backstop replay: {}\n", error);
    return 1;
  }
  replay::ReplaySummary s = *summary;
  s.shock = o.shock;
  if (!s.journal_recovery.empty()) fmt::print(stderr, "resumed journal:\n{}", s.journal_recovery);
  if (!o.report.empty()) {
    if (!report::try_write_html_report(o.report, report_data, s, error)) {
      fmt::print(stderr, "backstop replay: {}\n", error);
      return 1;
    }
    fmt::print(stderr, "report written to {}\n", o.report);
  }
  if (o.json) {
    fmt::print("{}\n", replay::summary_json(s));
  } else {
    fmt::print("{}", replay::summary_text(s));
  }
  return s.conservation_ok ? 0 : 3;
}

}  // namespace backstop::cli
