// EventBuilder's reactions to the engine's outputs, handed over kReactionDelayNs after their
// input: a trader being liquidated is retired from the draws, the backstop's book follows
// takeovers and ADL closes, and in order mode each liquidation order is answered with a fill
// from the instrument's book depth before its deadline.
#include <cmath>

#include "replay/event_builder.hpp"
#include "replay/sizing_stage.hpp"

namespace backstop::replay {

void EventBuilder::react(const OutputEvent& out) {
  if (sizing_ != nullptr) sizing_->on_output(out);
  auto drop_orders = [this](std::uint64_t account) {
    std::erase_if(orders_, [account](const PendingOrder& o) { return o.account == account; });
  };
  if (out.kind == OutputKind::kRisk) {
    if (out.risk.type == OutputType::kRecovered) drop_orders(out.risk.account);
    return;
  }
  if (out.kind != OutputKind::kWaterfall) return;
  const WaterfallRecord& r = out.waterfall;
  if (r.kind == WaterfallKind::kTakeover) drop_orders(r.account);
  if (r.kind == WaterfallKind::kLiquidationOrder && r.instrument < instruments_.size()) {
    ++instruments_[r.instrument].summary.liquidation_orders;
    if (order_mode_) {
      orders_.push_back(PendingOrder{r.account, r.instrument, r.amount, r.before,
                                     out.input_time_ns + order_timeout_ns_});
    }
  }
  switch (r.kind) {
    case WaterfallKind::kLiquidationOrder:
    case WaterfallKind::kTakeover:
      on_liquidation(r);
      break;
    case WaterfallKind::kAdlClose:
      on_adl_close(r);
      break;
    default:
      break;
  }
}

// A liquidation order or a takeover: the venue stops the account trading; a takeover moves what
// the defaulter held to the backstop.
void EventBuilder::on_liquidation(const WaterfallRecord& r) {
  const std::size_t n_instruments = instruments_.size();
  if (r.kind == WaterfallKind::kTakeover && r.instrument < n_instruments) {
    backstop_position_[r.instrument] += r.amount;  // what the defaulter held
    instruments_[r.instrument].summary.backstop_taken_lots += r.amount < 0 ? -r.amount : r.amount;
  }
  const std::uint32_t t = book_.trader_of(r.account);
  if (t == kNoSlot) return;
  if (book_.retire(t)) ++summary_.retired_accounts;
  if (r.kind == WaterfallKind::kTakeover && r.instrument < n_instruments)
    book_.position(t, r.instrument) = 0;
}

// The backstop's taken-over position and the counterparty's moved `amount` lots toward flat.
void EventBuilder::on_adl_close(const WaterfallRecord& r) {
  const std::size_t n_instruments = instruments_.size();
  if (r.instrument < n_instruments) {
    std::int64_t& b = backstop_position_[r.instrument];
    b = b > 0 ? std::max<std::int64_t>(0, b - r.amount) : std::min<std::int64_t>(0, b + r.amount);
  }
  const std::uint32_t t = book_.trader_of(r.account);
  if (t == kNoSlot || r.instrument >= n_instruments) return;
  std::int64_t& p = book_.position(t, r.instrument);
  p = p > 0 ? std::max<std::int64_t>(0, p - r.amount) : std::min<std::int64_t>(0, p + r.amount);
}

// Answers the liquidation orders known so far with fills from the book depth, before the item at
// `now`.
void EventBuilder::answer_orders(std::int64_t now) {
  // The fills are stamped before every live order's deadline (and not before the last event):
  // a fill at or after a deadline would let the engine take that other account over first.
  std::int64_t ts = now;
  for (const PendingOrder& o : orders_) {
    if (last_event_ts_ < o.deadline_ns) ts = std::min(ts, o.deadline_ns - 1);
  }
  ts = std::max(ts, last_event_ts_);
  for (const PendingOrder& o : orders_)
    answer_order(o, ts);
  orders_.clear();
  if (!events_.empty()) last_event_ts_ = events_.back().time_ns;
}

// One order's fill at `ts`. An order whose deadline an earlier event already reached was taken
// over by the engine and is dropped, as is one for an instrument without depth (the engine takes
// it over at the timeout), one the driver's book says would not reduce, and one the depth cannot
// fill within its limit.
void EventBuilder::answer_order(const PendingOrder& o, std::int64_t ts) {
  ReplayInstrument& inst = instruments_[o.instrument];
  const InstrumentSpec& spec = inst.mapped.spec;
  AssetSetup& f = setup_[spec.settlement_asset];
  const std::uint32_t t = book_.trader_of(o.account);
  if (last_event_ts_ >= o.deadline_ns || t == kNoSlot || f.market == 0) return;
  const DepthSnapshot* d = depth_now(inst, ts);
  if (d == nullptr) return;
  // Reduce-only against the driver's book, which holds every fill it generated since.
  std::int64_t& held = book_.position(t, o.instrument);
  if (held == 0 || (held > 0) == (o.lots > 0)) return;
  const std::int64_t want = std::min(o.lots < 0 ? -o.lots : o.lots, held < 0 ? -held : held);
  const bool sell = o.lots < 0;
  const std::int64_t mark = inst.last_mark;
  const std::array<std::int64_t, kDepthBands> lots =
      depth_in_lots(sell ? d->bid_notional : d->ask_notional, inst.mapped, mark);
  std::int64_t& taken = inst.depth_taken[sell ? 0 : 1];
  const DepthFill fill = walk_depth(lots, taken, sell, mark, o.limit, want);
  if (fill.lots <= 0) return;
  taken += fill.lots;
  // Marked as answering the order, so that the engine settles it as a liquidation close (fee and
  // surplus, docs/waterfall.md).
  events_.push_back(make_liquidation_fill(o.instrument, sell ? Side::kSell : Side::kBuy, o.account,
                                          f.market, Price{fill.ticks}, Qty{fill.lots}, Money{0},
                                          Money{0}, ts));
  held += sell ? -fill.lots : fill.lots;
  // What the account got less (or paid more) than at the mark, rounded up.
  const Int128 gap = Int128{sell ? mark - fill.ticks : fill.ticks - mark};
  const Int128 cost =
      spec.kind == ContractKind::kInversePerpetual
          ? div_round_up(Int128{fill.lots} * spec.multiplier * gap, Int128{mark} * fill.ticks)
          : Int128{fill.lots} * spec.multiplier * gap;
  f.slippage_cost += static_cast<std::int64_t>(cost);
  inst.summary.depth_filled_lots += fill.lots;
  ++inst.summary.depth_fills;
  ++inst.summary.fills;
  ++summary_.fills;
}

// The latest snapshot at or before `ts`, nullptr before the first; a fresh snapshot refills the
// book.
const DepthSnapshot* EventBuilder::depth_now(ReplayInstrument& inst, std::int64_t ts) {
  const std::size_t before = inst.depth_at;
  while (inst.depth_at < inst.depth.size() && inst.depth[inst.depth_at].ts_ns <= ts)
    ++inst.depth_at;
  if (inst.depth_at != before) inst.depth_taken = {};
  return inst.depth_at == 0 ? nullptr : &inst.depth[inst.depth_at - 1];
}

}  // namespace backstop::replay
