// The replay driver: turns market-data files (or the embedded default scenario) into the risk
// engine's input events - a seeded population of accounts, each real trade mapped to a taker and a
// maker from it, marks, funding - runs them through the Engine (synchronous by default, threaded on
// request; both give the same state digest) and summarises what happened. Cold code around the
// engine; the calling thread owns everything (the threaded mode adds the engine's own threads).
// Cost: O(records log records) to merge and order the input, O(1) amortised per trade to pick
// accounts, then the engine's own cost per event. Its parts: event_builder.hpp (the events, with
// trader_book.hpp for the draws), replay_run.hpp (the run, synchronous or threaded) and
// summary.hpp (what it reports).
//
// Models (parameters are named constants in the headers that own them):
//   instruments    instrument_map.hpp: linear vs inverse by symbol, tick/lot from the data.
//   population     population.hpp: collateral, leverage buckets, long/short bias; the collateral
//                  scale is fitted so that the population's total target notional (Σ collateral x
//                  leverage) is kCapacityShare (0.5) of the day's traded notional in USD.
//   trades         each trade (side = the taker's side, size rounded to lots) is split into at most
//                  kMaxChunks fills; for each, a taker and a maker (different accounts of the
//                  instrument's settlement asset) are drawn uniformly, at most kMaxDraws tries
//                  each, and an account is accepted only if it has room in that direction: a
//                  long-biased account may buy up to its target (|position| x price x multiplier
//                  <= collateral x leverage, per instrument, in lots rounded down) and sell only
//                  down to flat; a short-biased account the mirror. The fill takes the smallest of
//                  the remaining size and both rooms; what cannot be placed is dropped and counted
//                  (unplaced_lots). Fees: taker kTakerFee / maker kMakerFee of the notional
//                  (5 / 2 bp by default), rounded up (the venue's favour).
//   marks          from a mark series when the input has one for the instrument (Binance
//                  markPrice / price klines walked O-L-H-C or O-H-L-C, scenario.hpp; Tardis
//                  derivative_ticker mark_price; stream markPriceUpdate), consecutive equal marks
//                  dropped; otherwise derived from the trades: the median of the last 5 prints,
//                  emitted when it changed and at least 100 ms of exchange time passed since the
//                  last mark.
//   funding        from funding-rate records: for each funding time, the last rate published at
//                  or before it, applied at that time if the input reaches it; rate to 1e-8,
//                  nearest, clamped to the engine's cap.
//   synthesis      an instrument with no trade prints (candles only, marks only) gets synthetic
//                  trades: 4 at each of the 4 points of each candle's path (16 per bar), sizes
//                  volume/16 when the bar has volume, else drawn from the calibrated trade-size
//                  distribution (scenario.hpp); for a mark-only series, one trade per changed mark,
//                  at most one per second. The side follows the move into the point.
//   shock          --shock PCT:MIN: from the midpoint of the input's time span, every price
//   (trades,
//                  marks, candles) is multiplied by a factor ramping linearly from 1 to 1+PCT/100
//                  over MIN minutes of exchange time, then held; integer arithmetic in parts per
//                  billion, rounded to the nearest tick.
//   waterfall      liquidation is on (LiquidationMode::kTakeover unless --config or the options say
//                  otherwise): per settlement asset in use the replay opens one backstop account
//                  (id accounts + 1 + asset) with kBackstopCollateralPpm of the traders' total
//                  collateral, kClearingMembers clearing-member accounts (ids after the backstops)
//                  that each deposit twice and contribute once their share of default_fund_ppm of
//                  it to the default fund, and seeds the insurance fund with insurance_fund_ppm of
//                  it by a FundDeposit; all at the first event's time, before any fill. Liquidation
//                  fee 0.5 % (Binance-like); end of the waterfall: ranked ADL, BitMEX score, at the
//                  bankruptcy price (--policy changes it).
//   feedback       the events are generated as the engine runs and react to its outputs with a
//                  fixed delay of kReactionDelayNs (1 s; in order mode at most the order timeout)
//                  of exchange time: the item at time t is generated knowing the outputs of every
//                  input with time <= t - 1 s and no others, in input order (the traders' and the
//                  liquidation desk's reaction time); in takeover mode only of inputs at least
//                  kReactionLagInputs (256) inputs back as well, so that the threaded mode need not
//                  wait for the risk thread after every item on sparse data. The threaded mode
//                  waits (yielding) until Engine::polled_through() covers those inputs before
//                  generating the item, so both modes build the same input stream and end with the
//                  same digest.
//   retirement     a trader the engine starts liquidating (a LiquidationOrder or a takeover) is
//                  retired: taken out of the taker/maker draws for the rest of the run (no
//                  comeback; its collateral is gone or in the insurance fund). A position left
//                  after a partial order fill stays open and may be liquidated again, so
//                  `liquidations` can still exceed `accounts_liquidated`. The driver's own book
//                  follows takeovers and ADL closes (to zero / toward flat).
//   unwind         the backstop lays off what it took over: of each later trade print of the
//                  instrument (real or synthetic) it takes kBackstopUnwindPpm (25 %, rounded up,
//                  at most what it holds) on the side that reduces its position, against a trader
//                  drawn as usual, at the print's price, paying the usual fee; the rest of the
//                  print is placed as before. It works from the position it knows (takeovers and
//                  ADL closes as reported, its own unwind fills), so a takeover still unknown may
//                  make it overshoot a little; the overshoot is unwound the same way. Its equity
//                  (balance + PnL at the mark) is reported start / min / end; below zero it is
//                  the venue's own loss and the text summary says so.
//   book depth     when the input has Binance bookDepth for an instrument (cumulative notional at
//                  ±1 … 5 % of mid, about every 30 s; the file name gives the symbol, e.g.
//                  BTCUSDT), liquidation runs in order mode (LiquidationMode::kOrder, engine-wide:
//                  an instrument without depth gets no fills and falls to takeover at the order
//                  timeout). The replay answers each LiquidationOrder (reduce-only IOC, limit =
//                  bankruptcy price) with one liquidation fill (make_liquidation_fill: the engine
//                  charges the liquidation fee and surplus on it) against the asset's book account
//                  (id after the clearing members; funded at the first event with the asset's
//                  traders' total target notional, a deposit, so conservation holds; no trading
//                  fees on either side):
//                  the size and volume-weighted price walk the latest snapshot at or before the
//                  fill, converted to lots at the mark, from the mark as mid (book_depth.hpp:
//                  linear within a band, rounded against the liquidated account, never past the
//                  limit or the fifth band; what earlier orders took from a snapshot is gone until
//                  the next one). The fill comes kReactionDelayNs after the order at most, is
//                  stamped before every open order's deadline, and only reduces what the driver's
//                  book holds; the unfilled rest is taken over at the timeout. Reported per
//                  instrument (orders, lots filled from depth, lots taken over) and per asset
//                  (slippage cost vs the mark, in money).
// Ignored records (counted): index prices, open interest.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backstop/waterfall_config.hpp"
#include "marketdata/reader.hpp"
#include "pipeline/engine.hpp"
#include "replay/instrument_map.hpp"
#include "replay/sizing_options.hpp"
#include "replay/summary.hpp"

namespace backstop::replay {

inline constexpr double kCapacityShare = 0.5;
inline constexpr int kMaxChunks = 8;
inline constexpr int kMaxDraws = 16;
inline constexpr std::int64_t kMarkMinIntervalNs = 100'000'000;
inline constexpr std::size_t kMarkMedianWindow = 5;
inline constexpr int kSynthTradesPerPoint = 4;
inline constexpr std::int64_t kSynthMarkTradeIntervalNs = 1'000'000'000;
inline constexpr std::uint64_t kEngineProgressEvents = 1 << 16;
inline constexpr std::int64_t kBackstopCollateralPpm = 100'000;  // 10 % of the traders' collateral
inline constexpr std::uint32_t kClearingMembers = 5;             // per settlement asset
inline constexpr std::int64_t kBackstopUnwindPpm = 250'000;      // 25 % of each later trade
inline constexpr std::int64_t kThinFundPpm = 100;                // --thin-fund: 0.01 %
// The largest absolute fund a replay seeds (well inside the engine's kMaxAmount per deposit).
inline constexpr std::int64_t kMaxFundMoney = std::int64_t{1} << 56;
// The generator's reaction delay: an item at exchange time t is generated knowing the engine's
// outputs for every input with time <= t - kReactionDelayNs, and no others (both modes). In order
// mode it is at most the order timeout.
inline constexpr std::int64_t kReactionDelayNs = 1'000'000'000;  // 1 s
// Takeover mode: and only outputs of inputs at least this many inputs before the item's first.
inline constexpr std::size_t kReactionLagInputs = 256;
// The engine's input and output rings in threaded mode (unless --config sets them): room for the
// inputs the generator may be ahead by, and the outputs between two polls.
inline constexpr std::int64_t kThreadedRingSize = 4096;
// Threaded mode: the generator publishes its events this many at a time, and when it has to wait
// for the risk thread, waits for this many inputs more than it needs (fewer cross-core hand-offs).
inline constexpr std::size_t kThreadedPublishChunk = 64;

struct Shock {
  std::int64_t pct_ppb = 0;      // PCT/100 in parts per billion: -30 % -> -300'000'000
  std::int64_t duration_ns = 0;  // MIN minutes
};
// "PCT:MIN", e.g. "-30:10"; PCT in (-90, 1000], MIN > 0 (decimals allowed in both).
[[nodiscard]] bool try_parse_shock(std::string_view text, Shock& out, std::string& error);

struct ReplayOptions;
// "ranked" (BitMEX score, bankruptcy price), "ranked-binance" (Binance score, bankruptcy price),
// "ranked-hyperliquid" (Hyperliquid score, at the mark: the deficit falls through to bad debt),
// "pro-rata", "socialized"; sets policy / score / adl_price.
[[nodiscard]] bool try_parse_policy(std::string_view text, ReplayOptions& out, std::string& error);

struct ReplayOptions {
  std::vector<std::string> files;  // empty: the embedded default scenario
  std::uint64_t seed = 1;
  std::uint32_t accounts = 10'000;
  std::optional<Shock> shock;
  bool threaded = false;
  bool strict = false;              // a malformed line stops the replay
  std::int64_t taker_fee_e6 = 500;  // 5 bp, in millionths of the notional
  std::int64_t maker_fee_e6 = 200;  // 2 bp
  // The loss waterfall (see the header comment). Fund sizes in millionths of the asset's total
  // trader collateral; 0: no such fund.
  LiquidationMode liquidation = LiquidationMode::kTakeover;
  std::int64_t liquidation_fee_e6 = 5'000;   // 0.5 % of the closed notional
  std::int64_t insurance_fund_ppm = 20'000;  // 2 %
  std::int64_t default_fund_ppm = 10'000;    // 1 %, split over kClearingMembers members
  // Absolute fund sizes per settlement asset (index: the asset), in its Money, in place of the
  // ppm sizes for that asset when set (--insurance-fund, --default-fund, fund-sweep). The default
  // fund is split over kClearingMembers members, each contributing amount / kClearingMembers
  // rounded down. Each in [0, kMaxFundMoney].
  std::array<std::optional<std::int64_t>, kReplayAssetCount> insurance_fund_money{};
  std::array<std::optional<std::int64_t>, kReplayAssetCount> default_fund_money{};
  AdlPolicy policy = AdlPolicy::kRanked;
  // The engine's fund triggers (WaterfallConfig; docs/waterfall.md): 0 leaves --config's setting.
  std::int64_t exposure_cap_ppm = 0;  // of the insurance fund
  std::int64_t drawdown_ppm = 0;
  std::int64_t drawdown_window_ns = 8 * 3'600'000'000'000;
  AdlScore score = AdlScore::kBitmex;
  AdlPrice adl_price = AdlPrice::kBankruptcy;
  // The engine records every balance movement too (WaterfallConfig::audit_balances), for a
  // complete audit log (audit_output.hpp); outputs only, the state is the same.
  bool audit_balances = false;
  // From --config: rings, journal, risk-thread CPU, funding cap and capacities. The replay sets the
  // instruments, the asset count and raises max_accounts / positions_per_account as it needs.
  std::optional<EngineConfig> engine;
  // The journal folder (--journal; empty: --config's journal.folder, if any). A replay is a new
  // run: a folder already holding a journal is refused unless `resume_journal` (--resume), which
  // recovers that journal's state and applies the replay's inputs after it (docs/journal.md).
  std::filesystem::path journal_folder;
  bool resume_journal = false;
  // Conservation check cadence in events (synchronous mode; 1: after every event); always at the
  // end. Threaded mode checks at the end only.
  std::uint64_t check_every = 1 << 16;
  marketdata::ProgressFn progress;  // reader progress, per file
  // Engine progress (events done, events in all), every kEngineProgressEvents events and at the
  // end; both modes.
  marketdata::ProgressFn engine_progress;
  // Synchronous mode only: called after each event with the engine and the event (tests).
  std::function<void(const RiskEngine&, const Event&)> after_event;
  // Every engine output, in order, before its event's after_event (the HTML report's data).
  std::function<void(const OutputEvent&)> on_output;
  // Fund sizing during the replay (sizing_stage.hpp): the engine's state feed on, coverage
  // sampled every interval, tier changes sent to the engine as RiskControl inputs, VaR / ES at
  // the end into the summary's `sizing`.
  std::optional<SizingOptions> sizing;
  // Once, with the engine's final state, after the last event (synchronous mode).
  std::function<void(const RiskEngine&)> on_finish;
};

// Runs the replay. Empty optional with `error` set when a file cannot be read (or is malformed
// under --strict) or the configuration is invalid.
[[nodiscard]] std::optional<ReplaySummary> run_replay(const ReplayOptions& options,
                                                      std::string& error);

}  // namespace backstop::replay
