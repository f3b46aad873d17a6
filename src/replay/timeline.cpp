// EventBuilder's time line: every record turned into items in the engine's integers - trades,
// marks, funding at the times the rates apply - with synthetic trades for instruments that have
// no prints (around candles, or one per changed mark), and book-depth snapshots kept per
// instrument for order mode.
#include <cmath>

#include "replay/event_builder.hpp"

namespace backstop::replay {

using marketdata::FixedResult;
using marketdata::FixedStatus;
using marketdata::MarketRecord;
using marketdata::MarketSide;
using marketdata::RecordKind;
using marketdata::Rounding;

namespace {

// Lots of a USD amount at `ticks`, at least 1 (and at most the instrument's position limit).
std::int64_t lots_for_usd(const MappedInstrument& m, std::int64_t ticks, double usd) {
  if (ticks <= 0) return 1;
  double lots = 0;
  if (m.spec.kind == ContractKind::kInversePerpetual) {
    lots = usd / static_cast<double>(m.contract_usd);
  } else {
    lots = usd / (std::pow(10.0, m.lot_exponent) * static_cast<double>(ticks) *
                  std::pow(10.0, m.price_exponent));
  }
  const auto cap = static_cast<double>(m.spec.max_position.raw());
  return std::max<std::int64_t>(1, std::llround(std::min(lots, cap)));
}

// A synthetic trade's size: drawn from the calibrated trade-size distribution.
std::int64_t sampled_lots(const MappedInstrument& m, std::int64_t ticks, Rng& rng) {
  return lots_for_usd(m, ticks,
                      static_cast<double>(sample_trade_lots(rng)) * 0.001 * kTradeSizeSampleBtcUsd);
}

// One band of a bookDepth snapshot into the instrument's snapshots: ten bands per snapshot time
// (-5 … -1 bids, 1 … 5 asks), cumulative notional; bands out of range or out of order dropped.
void add_depth_band(ReplayInstrument& inst, const MarketRecord& r) {
  const FixedResult band = to_fixed(r.band_pct, 0, Rounding::kNearest);
  if (band.status == FixedStatus::kOverflow || band.value == 0 || band.value < -kDepthBands ||
      band.value > kDepthBands) {
    return;
  }
  if (inst.depth.empty() || inst.depth.back().ts_ns != r.ts_ns) {
    if (!inst.depth.empty() && r.ts_ns < inst.depth.back().ts_ns) return;  // out of order
    inst.depth.push_back(DepthSnapshot{r.ts_ns, {}, {}});
  }
  DepthSnapshot& d = inst.depth.back();
  const double notional = std::max(0.0, to_double(r.amount));
  if (band.value < 0) {
    d.bid_notional[static_cast<std::size_t>(-band.value - 1)] = notional;
  } else {
    d.ask_notional[static_cast<std::size_t>(band.value - 1)] = notional;
  }
}

// A published funding rate: the last one published at or before its funding time is applied.
void add_funding_rate(ReplayInstrument& inst, const MarketRecord& r) {
  const FixedResult rate = to_fixed(r.price, 8, Rounding::kNearest);
  if (rate.status == FixedStatus::kOverflow) return;
  const std::int64_t when = r.aux_ts_ns != 0 ? r.aux_ts_ns : r.ts_ns;
  if (r.ts_ns <= when) inst.funding[when] = rate.value;
}

}  // namespace

void EventBuilder::expand() {
  std::int64_t last_ts = INT64_MIN;
  items_.reserve(records_.size() + scenario_.size());  // one item per print; candles add more
  for_each_record([&](const MarketRecord& r) { expand_record(r, last_ts); });
  add_funding_items(last_ts);
}

// One record's items; `last_ts` follows the input's last exchange time.
void EventBuilder::expand_record(const MarketRecord& r, std::int64_t& last_ts) {
  if (r.kind == RecordKind::kTrade || r.kind == RecordKind::kLiquidation ||
      r.kind == RecordKind::kMarkPrice || r.kind == RecordKind::kCandle) {
    last_ts = std::max(last_ts, r.kind == RecordKind::kCandle ? r.aux_ts_ns : r.ts_ns);
  }
  const std::uint16_t index = instrument_for(r, false);
  if (index == UINT16_MAX) return;
  ReplayInstrument& inst = instruments_[index];
  switch (r.kind) {
    case RecordKind::kTrade:
    case RecordKind::kLiquidation:
      expand_print(index, r);
      break;
    case RecordKind::kMarkPrice:
      expand_mark(index, r);
      break;
    case RecordKind::kCandle:
      if (is_mark_candle(r) || !inst.obs.has_trades) synthesize_candle(index, r);
      break;
    case RecordKind::kDepth:
      add_depth_band(inst, r);
      break;
    case RecordKind::kFundingRate:
      add_funding_rate(inst, r);
      break;
    default:
      break;
  }
}

void EventBuilder::expand_print(std::uint16_t index, const MarketRecord& r) {
  ReplayInstrument& inst = instruments_[index];
  bool exact = true;
  const std::int64_t ticks = price_to_ticks(inst.mapped, r.price, exact);
  if (!exact) ++summary_.inexact_prices;
  exact = true;
  const std::int64_t lots = size_to_lots(inst.mapped, r.size, exact);
  if (!exact) ++summary_.rounded_sizes;
  if (ticks <= 0 || lots <= 0) return;
  items_.push_back(Item{r.ts_ns, static_cast<std::uint32_t>(items_.size()), index, ItemKind::kTrade,
                        r.side == MarketSide::kSell ? Side::kSell : Side::kBuy, ticks, lots});
  ++inst.summary.trades;
}

// A mark print; an instrument without trade prints also gets a synthetic trade per changed
// mark, at most one per kSynthMarkTradeIntervalNs.
void EventBuilder::expand_mark(std::uint16_t index, const MarketRecord& r) {
  ReplayInstrument& inst = instruments_[index];
  bool exact = true;
  const std::int64_t ticks = price_to_ticks(inst.mapped, r.price, exact);
  if (!exact) ++summary_.inexact_prices;
  if (ticks <= 0) return;
  items_.push_back(Item{r.ts_ns, static_cast<std::uint32_t>(items_.size()), index, ItemKind::kMark,
                        Side::kBuy, ticks, 0});
  if (!inst.obs.has_trades && ticks != inst.synth_last_ticks &&
      (inst.synth_last_ts == INT64_MIN ||
       r.ts_ns - inst.synth_last_ts >= kSynthMarkTradeIntervalNs)) {
    inst.synth_last_ts = r.ts_ns;
    push_synthetic(index, r.ts_ns, ticks, sampled_lots(inst.mapped, ticks, synth_rng_));
  }
}

// The funding items, at the funding times the input reaches, rates clamped to the engine's cap.
void EventBuilder::add_funding_items(std::int64_t last_ts) {
  const std::int64_t cap = options_.engine ? options_.engine->risk.max_abs_funding_rate_e8
                                           : RiskConfig{}.max_abs_funding_rate_e8;
  for (std::uint16_t i = 0; i < instruments_.size(); ++i) {
    for (const auto& [when, rate] : instruments_[i].funding) {
      if (when > last_ts) continue;  // the input ends before this funding time
      items_.push_back(Item{when, static_cast<std::uint32_t>(items_.size()), i, ItemKind::kFunding,
                            Side::kBuy, std::clamp(rate, -cap, cap), 0});
    }
  }
}

void EventBuilder::synthesize_candle(std::uint16_t index, const MarketRecord& c) {
  ReplayInstrument& inst = instruments_[index];
  const MappedInstrument& m = inst.mapped;
  const bool marks = is_mark_candle(c);
  const bool trades = !inst.obs.has_trades;
  const std::array<PathPoint, 4> path = candle_path(c);
  const std::int64_t step = candle_duration_ns(c) / 4 / kSynthTradesPerPoint;
  std::int64_t volume_lots = 0;
  if (c.size.mantissa > 0) {
    bool exact = true;
    volume_lots = size_to_lots(m, c.size, exact) / (4 * kSynthTradesPerPoint);
  }
  for (const PathPoint& p : path) {
    bool exact = true;
    const std::int64_t ticks = price_to_ticks(m, p.price, exact);
    if (!exact) ++summary_.inexact_prices;
    if (ticks <= 0) continue;  // below half a tick: no price the engine takes
    if (marks) {
      items_.push_back(Item{p.ts_ns, static_cast<std::uint32_t>(items_.size()), index,
                            ItemKind::kMark, Side::kBuy, ticks, 0});
    }
    if (!trades) continue;
    for (int j = 0; j < kSynthTradesPerPoint; ++j) {
      const std::int64_t lots = volume_lots > 0 ? volume_lots : sampled_lots(m, ticks, synth_rng_);
      push_synthetic(index, p.ts_ns + j * step, ticks, lots);
    }
  }
}

// A synthetic trade whose taker side follows the move into its price (a coin flip weighted by
// kTakerBuyShare when the price did not move).
void EventBuilder::push_synthetic(std::uint16_t index, std::int64_t ts, std::int64_t ticks,
                                  std::int64_t lots) {
  ReplayInstrument& inst = instruments_[index];
  const bool buy = ticks > inst.synth_last_ticks   ? true
                   : ticks < inst.synth_last_ticks ? false
                                                   : synth_rng_.uniform() < kTakerBuyShare;
  inst.synth_last_ticks = ticks;
  items_.push_back(Item{ts, static_cast<std::uint32_t>(items_.size()), index, ItemKind::kTrade,
                        buy ? Side::kBuy : Side::kSell, ticks, lots});
  ++inst.summary.synthetic_trades;
}

}  // namespace backstop::replay
