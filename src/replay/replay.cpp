// run_replay: the replay from end to end - the input loaded and built into events (EventBuilder),
// the engine configured for it, the run (ReplayRun, synchronous or threaded) and its summary with
// the time each phase took.
#include "replay/replay.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "replay/event_builder.hpp"
#include "replay/replay_run.hpp"
#include "replay/sizing_stage.hpp"

namespace backstop::replay {

namespace {

using Clock = std::chrono::steady_clock;

// The audit trail's size with the balance legs (--audit): the thin-fund crash replays in data/
// write up to about 160 records per account in their busiest event. 2^22 records are 168 MB.
constexpr std::uint64_t kAuditLegsPerAccount = 256;
constexpr std::uint64_t kMaxAuditCapacity = std::uint64_t{1} << 22;

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// The --policy name of a waterfall configuration, as try_parse_policy spells it.
std::string policy_name(const WaterfallConfig& w) {
  switch (w.policy) {
    case AdlPolicy::kRanked:
      if (w.score == AdlScore::kBinance) return "ranked-binance";
      if (w.score == AdlScore::kHyperliquid) return "ranked-hyperliquid";
      return "ranked";
    case AdlPolicy::kProRata:
      return "pro-rata";
    case AdlPolicy::kSocialized:
      return "socialized";
    case AdlPolicy::kNone:
      return "none";
  }
  return "unknown";
}

// The loss waterfall as the options ask, with the replay's backstop accounts.
void configure_waterfall(WaterfallConfig& wf, const ReplayOptions& options,
                         const EventBuilder& builder, bool order_mode, ReplaySummary& summary) {
  wf.mode = order_mode ? LiquidationMode::kOrder : options.liquidation;
  summary.liquidation_mode = wf.mode == LiquidationMode::kOrder      ? "order"
                             : wf.mode == LiquidationMode::kTakeover ? "takeover"
                                                                     : "off";
  wf.liquidation_fee_rate = options.liquidation_fee_e6;
  wf.policy = options.policy;
  wf.score = options.score;
  wf.price = options.adl_price;
  wf.audit_balances = wf.audit_balances || options.audit_balances;
  if (options.exposure_cap_ppm != 0) wf.exposure_cap_ppm = options.exposure_cap_ppm;
  if (options.drawdown_ppm != 0) {
    wf.drawdown_ppm = options.drawdown_ppm;
    wf.drawdown_window_ns = options.drawdown_window_ns;
  }
  wf.backstop_accounts.assign(kReplayAssetCount, 0);
  for (std::uint8_t a = 0; a < kReplayAssetCount; ++a)
    wf.backstop_accounts[a] = builder.setup()[a].backstop;
  summary.policy = policy_name(wf);
  summary.waterfall_wired = wf.mode != LiquidationMode::kOff;
}

// The engine's configuration: --config's, or the defaults, with the replay's instruments, assets,
// accounts and waterfall.
EngineConfig engine_config(const ReplayOptions& options, const EventBuilder& builder,
                           bool order_mode, ReplaySummary& summary) {
  EngineConfig config = options.engine.value_or(EngineConfig{});
  if (!options.journal_folder.empty()) config.journal.folder = options.journal_folder;
  config.journal.start = options.resume_journal ? JournalStart::kRecover : JournalStart::kFresh;
  config.risk.instruments = builder.specs();
  config.risk.asset_count = std::max(config.risk.asset_count, kReplayAssetCount);
  config.risk.max_accounts =
      std::max(config.risk.max_accounts, static_cast<std::uint32_t>(builder.max_account_id()));
  configure_waterfall(config.risk.waterfall, options, builder, order_mode, summary);
  config.risk.state_feed = config.risk.state_feed || options.sizing.has_value();
  // Every account holds at most one position per replayed instrument; without a --config the pool
  // is sized to exactly that, so that each account's positions share one or two cache lines
  // instead of spreading over the default capacity's (the state and digest do not depend on it).
  const auto replayed_instruments = static_cast<std::uint32_t>(builder.instruments().size());
  config.risk.positions_per_account =
      options.engine ? std::max(config.risk.positions_per_account, replayed_instruments)
                     : replayed_instruments;
  // Threaded, the generator learns which inputs are applied from Engine::polled_through(): an
  // acknowledgement record per input would double the outputs crossing the cores.
  config.acknowledge_inputs = false;
  // Both modes do the same work: the synchronous replay never rebuilds the ranking ahead of ADL
  // either (it is derived state; the digest and outputs do not depend on it).
  config.maintain_adl_ranking = false;
  if (!options.threaded) config.risk_cpu = -1;
  WaterfallConfig& wf = config.risk.waterfall;
  if (wf.audit_balances && wf.audit_capacity == 0) {
    // With the balance legs a socialized loss writes one leg per payer, and a crash minute may
    // socialize hundreds of deficits in one event (docs/audit.md): room for kAuditLegsPerAccount
    // records per account, within a fixed bound on the trail's memory.
    wf.audit_capacity = static_cast<std::uint32_t>(std::min<std::uint64_t>(
        std::uint64_t{kAuditLegsPerAccount} * config.risk.max_accounts + 256, kMaxAuditCapacity));
  }
  if (!options.engine) {
    // The replay's own ring sizes (a --config keeps its own): the engine constructs every slot, and
    // the replay never has many events in flight - one at a time synchronously (the output ring
    // unused), and in threaded mode the generator stays within about kReactionLagInputs inputs
    // (plus a second of exchange time) of the risk thread. Small rings stay in cache instead of
    // streaming megabytes through it, and cost no start-up page faults.
    config.input_ring_size = options.threaded ? kThreadedRingSize : 256;
    config.output_ring_size = options.threaded ? kThreadedRingSize : 64;
  }
  return config;
}

// The options' rates and fund sizes out of range, "" when none: fees at most the whole notional,
// funds at most ten times the traders' collateral (the bounds the CLI's flags check), so that
// every amount the replay derives from them fits its integers.
std::string invalid_option(const ReplayOptions& o) {
  constexpr std::int64_t kWholeNotionalE6 = 1'000'000;
  constexpr std::int64_t kMaxFundPpm = 10'000'000;
  const auto outside = [](std::int64_t v, std::int64_t max) { return v < 0 || v > max; };
  if (outside(o.taker_fee_e6, kWholeNotionalE6)) return "taker fee: must be in [0, 1e6] millionths";
  if (outside(o.maker_fee_e6, kWholeNotionalE6)) return "maker fee: must be in [0, 1e6] millionths";
  if (outside(o.liquidation_fee_e6, kWholeNotionalE6)) {
    return "liquidation fee: must be in [0, 1e6] millionths";
  }
  if (outside(o.insurance_fund_ppm, kMaxFundPpm)) return "insurance fund: must be in [0, 1e7] ppm";
  if (outside(o.default_fund_ppm, kMaxFundPpm)) return "default fund: must be in [0, 1e7] ppm";
  for (std::uint8_t a = 0; a < kReplayAssetCount; ++a) {
    if (o.insurance_fund_money[a] && outside(*o.insurance_fund_money[a], kMaxFundMoney))
      return "insurance fund: the amount must be in [0, 2^56] units of the asset's Money";
    if (o.default_fund_money[a] && outside(*o.default_fund_money[a], kMaxFundMoney))
      return "default fund: the amount must be in [0, 2^56] units of the asset's Money";
  }
  return {};
}

// The settlement assets' names, by index, for the sizing report.
std::vector<std::string> asset_names() {
  std::vector<std::string> names;
  for (std::uint8_t a = 0; a < kReplayAssetCount; ++a)
    names.emplace_back(asset_name(a));
  return names;
}

// Per asset, the clearing members the setup opened (setup_events.cpp), which a replenishment call
// is spread over.
std::vector<std::vector<std::uint64_t>> clearing_members(const ReplayOptions& o,
                                                         const EventBuilder& builder) {
  std::vector<std::vector<std::uint64_t>> members(kReplayAssetCount);
  for (std::uint8_t a = 0; a < kReplayAssetCount; ++a) {
    if (builder.setup()[a].default_fund == 0) continue;
    for (std::uint32_t k = 0; k < kClearingMembers; ++k)
      members[a].push_back(o.accounts + 1u + kReplayAssetCount +
                           std::uint64_t{a} * kClearingMembers + k);
  }
  return members;
}

// Per asset, what each clearing member contributed at the setup (setup_events.cpp: equal shares).
std::vector<std::int64_t> member_contributions(const EventBuilder& builder) {
  std::vector<std::int64_t> shares(kReplayAssetCount, 0);
  for (std::uint8_t a = 0; a < kReplayAssetCount; ++a)
    shares[a] = builder.setup()[a].default_fund / kClearingMembers;
  return shares;
}

}  // namespace

std::optional<ReplaySummary> run_replay(const ReplayOptions& options, std::string& error) {
  const Clock::time_point start = Clock::now();
  ReplaySummary summary;
  summary.seed = options.seed;
  summary.threaded = options.threaded;
  if (options.accounts < 2) {
    error = "--accounts: need at least 2 (a taker and a maker)";
    return std::nullopt;
  }
  error = invalid_option(options);
  if (!error.empty()) return std::nullopt;
  EventBuilder builder(options, summary);
  if (!builder.load(error)) return std::nullopt;
  const Clock::time_point parsed = Clock::now();
  if (!builder.prepare(error)) return std::nullopt;
  // Book depth in the input: liquidation runs in order mode and the replay answers the orders
  // from the depth (unless the options turned liquidation off or chose a mode).
  const bool order_mode = options.liquidation == LiquidationMode::kTakeover && builder.has_depth();
  if (order_mode) {
    builder.set_order_mode(options.engine ? options.engine->risk.waterfall.order_timeout_ns
                                          : WaterfallConfig{}.order_timeout_ns);
  }
  builder.build_setup();
  const EngineConfig config = engine_config(options, builder, order_mode, summary);
  const std::string invalid = validate_engine_config(config);
  if (!invalid.empty()) {
    error = "engine configuration: " + invalid;
    return std::nullopt;
  }
  std::optional<Engine> engine;
  try {
    engine.emplace(config);
  } catch (const std::exception& e) {
    error = std::string("engine: ") + e.what();
    return std::nullopt;
  }
  const Clock::time_point built = Clock::now();
  if (engine->recovery().last_sequence >= 0 || engine->recovery().snapshot_sequence >= 0)
    summary.journal_recovery = pipeline::describe_recovery(engine->recovery());

  std::optional<SizingStage> sizing;
  if (options.sizing) {
    try {
      sizing.emplace(config.risk, *options.sizing, asset_names(),
                     clearing_members(options, builder), member_contributions(builder));
    } catch (const std::exception& e) {
      error = e.what();
      return std::nullopt;
    }
    if (!sizing->start(builder.instruments(), error)) return std::nullopt;
    builder.set_sizing(&*sizing);
  }
  ReplayRun run(options, summary, builder, *engine, config.risk.waterfall);
  if (options.threaded) {
    run.run_threaded();
  } else {
    run.run_synchronous();
  }
  run.finish();
  if (sizing) {
    summary.sizing = sizing->finish(builder.last_event_time());
    summary.sizing.drawdown_ppm = config.risk.waterfall.drawdown_ppm;
    summary.sizing.drawdown_window_ns = config.risk.waterfall.drawdown_window_ns;
  }
  const Clock::time_point finished = Clock::now();
  run.summarize();
  summary.parse_s = seconds_between(start, parsed);
  summary.build_s = seconds_between(parsed, built);
  summary.engine_s = seconds_between(built, finished);
  summary.wall_s = seconds_between(start, finished);
  summary.events_per_s =
      summary.wall_s > 0 ? static_cast<double>(summary.events) / summary.wall_s : 0;
  return summary;
}

}  // namespace backstop::replay
