// ReplayRun's set-up, its end (the last conservation check, the end hooks) and the summary's
// figures read from the engine after the run.
#include "replay/replay_run.hpp"

#include "pipeline/state_digest.hpp"
#include "replay/conservation.hpp"

namespace backstop::replay {

namespace {

// Order mode: at most the order timeout, so that a liquidation order is answered before (or
// with) the first event that could take its account over.
std::int64_t reaction_delay_ns(const WaterfallConfig& waterfall) {
  return waterfall.mode == LiquidationMode::kOrder
             ? std::max<std::int64_t>(0, std::min(kReactionDelayNs, waterfall.order_timeout_ns))
             : kReactionDelayNs;
}

}  // namespace

ReplayRun::ReplayRun(const ReplayOptions& options, ReplaySummary& summary, EventBuilder& builder,
                     Engine& engine, const WaterfallConfig& waterfall)
    : options_(options),
      summary_(summary),
      builder_(builder),
      engine_(engine),
      risk_(engine.risk()),
      seen_(builder.max_account_id() + 1, 0),
      tally_{summary, seen_, options.on_output},
      funds_(builder.setup()),
      // Inputs sized for about 2.6 events per item in the default scenario.
      gate_(reaction_delay_ns(waterfall),
            waterfall.mode == LiquidationMode::kOrder ? 0 : kReactionLagInputs,
            engine.last_input_sequence() + 1, builder.setup_events() + 3 * builder.item_count()),
      progress_(options.engine_progress, builder) {
  summary_.reaction_delay_ns = reaction_delay_ns(waterfall);
  tally_.reactions = &gate_.reactions();
  tally_.keep_state = options.sizing.has_value();
}

void ReplayRun::check_conservation() {
  ++summary_.conservation_checks;
  if (!summary_.conservation_ok) return;
  const ConservationResult r = replay::check_conservation(risk_);
  if (!r.ok) {
    summary_.conservation_ok = false;
    summary_.conservation_detail = r.detail;
  }
}

void ReplayRun::finish() {
  check_conservation();
  if (options_.on_finish) options_.on_finish(risk_);
  if (options_.engine_progress) options_.engine_progress(summary_.events, summary_.events);
}

void ReplayRun::summarize() {
  summary_.accounts = options_.accounts;
  summary_.liquidatable_at_end = risk_.liquidatable().size();
  const WaterfallState& ws = risk_.waterfall_state();
  summary_.liquidations = ws.liquidations;
  summary_.adl_fills = ws.adl_fills;
  summary_.waterfall_records_dropped = ws.records_dropped;
  summary_.digest = pipeline::digest_hex(pipeline::state_digest(risk_));
  for (std::uint8_t a = 0; a < kReplayAssetCount; ++a) {
    AssetSummary s = asset_summary(a);
    if (s.accounts != 0) summary_.assets.push_back(std::move(s));
  }
  for (std::uint16_t i = 0; i < builder_.instruments().size(); ++i)
    summary_.instruments.push_back(instrument_summary(i));
}

// The asset's figures; only its name and zero accounts when no trader uses it.
AssetSummary ReplayRun::asset_summary(std::uint8_t a) {
  AssetSummary s;
  s.name = std::string(asset_name(a));
  s.money_exponent = asset_money_exponent(a);
  for (const Trader& t : builder_.traders()) {
    if (t.asset != a) continue;
    ++s.accounts;
    s.deposits += t.collateral;
  }
  if (s.accounts == 0) return s;
  const WaterfallState& ws = risk_.waterfall_state();
  s.insurance_fund_start = funds_.fund_start(a);
  s.insurance_fund_end = risk_.insurance_fund(a).raw();
  s.insurance_fund_min = std::min(funds_.fund_min(a), s.insurance_fund_end);
  s.fee_pool_end = risk_.fee_pool(a).raw();
  const AssetSetup& f = builder_.setup()[a];
  s.backstop_account = f.backstop;
  s.backstop_collateral = f.backstop_collateral;
  s.market_account = f.market;
  s.market_collateral = f.market_collateral;
  s.slippage_cost = f.slippage_cost;
  s.backstop_equity_start = f.backstop_collateral;
  s.backstop_equity_end = funds_.backstop_equity(risk_, a);
  s.backstop_equity_min = std::min(funds_.backstop_min(a), s.backstop_equity_end);
  s.default_fund_start = f.default_fund;
  s.default_fund_end = ws.default_fund[a];
  s.liquidation_fees = tally_.fees[a];
  s.insurance_drawn = tally_.insurance_drawn[a];
  s.default_fund_drawn = tally_.default_fund_drawn[a];
  s.adl_paid = ws.adl_paid[a];
  s.socialized_loss = ws.socialized[a];
  s.bad_debt = ws.bad_debt[a];
  return s;
}

InstrumentSummary ReplayRun::instrument_summary(std::uint16_t i) {
  const ReplayInstrument& inst = builder_.instruments()[i];
  InstrumentSummary s = inst.summary;
  s.depth_snapshots = inst.depth.size();
  s.open_interest_end = risk_.instrument_state(i).open_interest;
  const std::uint8_t a = inst.mapped.spec.settlement_asset;
  if (builder_.setup()[a].backstop != 0) {
    (void)funds_.backstop_equity(risk_, a);  // finds its slot
    if (funds_.backstop_slot(a) != kNoSlot) {
      for (const Position& p : risk_.positions(funds_.backstop_slot(a))) {
        if (p.instrument == i) s.backstop_position_end = p.qty;
      }
    }
  }
  return s;
}

}  // namespace backstop::replay
