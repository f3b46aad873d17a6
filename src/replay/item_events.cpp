// EventBuilder's events of one item of the time line: a trade print's fills between drawn traders
// (after the backstop's unwind takes its share), a mark (from the series, or derived from the
// trades), a funding. Per item: a few counterparty draws and the events; no allocation once the
// event buffer has grown.
#include <limits>

#include "replay/event_builder.hpp"
#include "replay/sizing_stage.hpp"

namespace backstop::replay {

namespace {

// Fee in Money on a fill, rounded up: the venue's favour. A fee beyond int64 comes back as
// INT64_MAX, which the engine refuses (kValueOverflow) rather than charging a wrapped amount. No
// price below one tick reaches here (the time line drops them); none would divide.
std::int64_t fee_for(const InstrumentSpec& s, std::int64_t ticks, std::int64_t lots,
                     std::int64_t fee_e6) {
  if (fee_e6 <= 0 || ticks <= 0) return 0;
  constexpr Int128 kLimit = std::numeric_limits<std::int64_t>::max();
  // Each step multiplies two values below 2^63, and is checked before the next: never past 2^126.
  const bool inverse = s.kind == ContractKind::kInversePerpetual;
  Int128 base = Int128{lots} * (inverse ? s.multiplier : ticks);
  if (base > kLimit) return INT64_MAX;
  if (!inverse) {
    base *= s.multiplier;
    if (base > kLimit) return INT64_MAX;
  }
  const Int128 fee = inverse ? div_round_up(base * fee_e6, Int128{ticks} * 1'000'000)
                             : div_round_up(base * fee_e6, Int128{1'000'000});
  return fee > kLimit ? INT64_MAX : static_cast<std::int64_t>(fee);
}

std::int64_t median_of(const std::array<std::int64_t, kMarkMedianWindow>& w, std::size_t n) {
  std::array<std::int64_t, kMarkMedianWindow> sorted = w;
  std::sort(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(n));
  return sorted[n / 2];  // odd n: the middle; even n: the upper middle (deterministic)
}

}  // namespace

void EventBuilder::generate_next() {
  Item it = items_[next_item_++];
  // The sizing stage's decisions enter before the item's own events, at its time.
  if (sizing_ != nullptr) sizing_->before_item(it.ts_ns, events_);
  const std::size_t first_of_item = events_.size();
  if (!orders_.empty()) answer_orders(it.ts_ns);
  ReplayInstrument& inst = instruments_[it.instrument];
  switch (it.kind) {
    case ItemKind::kTrade:
      it.value = shocked(it.value, it.ts_ns);
      place_trade(it);
      if (!inst.has_mark_series) derive_mark(inst, it.instrument, it.value, it.ts_ns);
      break;
    case ItemKind::kMark:
      emit_mark(inst, it.instrument, shocked(it.value, it.ts_ns), it.ts_ns);
      break;
    case ItemKind::kFunding:
      events_.push_back(make_funding(it.instrument, it.value, it.ts_ns));
      ++inst.summary.fundings;
      ++summary_.fundings;
      break;
  }
  if (!events_.empty()) last_event_ts_ = events_.back().time_ns;
  if (sizing_ != nullptr)
    sizing_->on_generated(std::span<const Event>(events_).subspan(first_of_item));
}

std::int64_t EventBuilder::shocked(std::int64_t ticks, std::int64_t ts) const {
  if (!options_.shock || ts <= shock_mid_ns_) return ticks;
  const Shock& s = *options_.shock;
  const Int128 elapsed = std::min<Int128>(ts - shock_mid_ns_, s.duration_ns);
  const Int128 factor_ppb = Int128{1'000'000'000} + Int128{s.pct_ppb} * elapsed / s.duration_ns;
  // Nearest tick, ties up; never below one tick.
  const Int128 v = (Int128{ticks} * factor_ppb + 500'000'000) / 1'000'000'000;
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(v));
}

void EventBuilder::place_trade(const Item& item) {
  ReplayInstrument& inst = instruments_[item.instrument];
  if (sizing_ != nullptr) sizing_->on_trade_print(item.instrument, item.value);
  const InstrumentSpec& spec = inst.mapped.spec;
  const std::size_t pool_size = book_.pool(spec.settlement_asset).size();
  const bool buy = item.side == Side::kBuy;
  std::int64_t remaining = item.lots;
  unwind_backstop(item, remaining);
  for (int chunk = 0; chunk < kMaxChunks && remaining > 0 && pool_size >= 2; ++chunk) {
    const TraderBook::Draw taker = book_.draw(fill_rng_, item.instrument, buy, spec, item.value);
    if (taker.trader == kNoSlot) break;
    const TraderBook::Draw maker =
        book_.draw(fill_rng_, item.instrument, !buy, spec, item.value, taker.trader);
    if (maker.trader == kNoSlot) break;
    const std::int64_t q = std::min({remaining, taker.room, maker.room});
    book_.position(taker.trader, item.instrument) += buy ? q : -q;
    book_.position(maker.trader, item.instrument) -= buy ? q : -q;
    events_.push_back(make_fill(item.instrument, item.side, TraderBook::trader_id(taker.trader),
                                TraderBook::trader_id(maker.trader), Price{item.value}, Qty{q},
                                Money{fee_for(spec, item.value, q, options_.taker_fee_e6)},
                                Money{fee_for(spec, item.value, q, options_.maker_fee_e6)},
                                item.ts_ns));
    ++inst.summary.fills;
    ++summary_.fills;
    remaining -= q;
  }
  summary_.unplaced_lots += static_cast<std::uint64_t>(remaining);
  book_.prefetch_draws(fill_rng_, spec.settlement_asset, item.instrument);
}

// The backstop's share of a print, on the side that reduces what it took over, against a drawn
// trader; `remaining` is what is left of the print for the traders.
void EventBuilder::unwind_backstop(const Item& item, std::int64_t& remaining) {
  std::int64_t& held = backstop_position_[item.instrument];
  ReplayInstrument& inst = instruments_[item.instrument];
  const InstrumentSpec& spec = inst.mapped.spec;
  const std::uint64_t backstop = setup_[spec.settlement_asset].backstop;
  if (held == 0 || backstop == 0) return;
  const bool backstop_sells = held > 0;
  const std::int64_t share = static_cast<std::int64_t>(
      div_round_up(Int128{item.lots} * kBackstopUnwindPpm, Int128{1'000'000}));
  const std::int64_t want = std::min({remaining, share, held > 0 ? held : -held});
  if (want <= 0) return;
  // The other side: a trader with room to buy what the backstop sells (or the mirror).
  const TraderBook::Draw other =
      book_.draw(fill_rng_, item.instrument, backstop_sells, spec, item.value);
  if (other.trader == kNoSlot) return;
  const std::int64_t q = std::min(want, other.room);
  // The print's taker side stays as recorded: the backstop is the taker when it trades that way.
  const bool backstop_takes = (item.side == Side::kSell) == backstop_sells;
  const std::uint64_t taker = backstop_takes ? backstop : TraderBook::trader_id(other.trader);
  const std::uint64_t maker = backstop_takes ? TraderBook::trader_id(other.trader) : backstop;
  events_.push_back(make_fill(item.instrument, item.side, taker, maker, Price{item.value}, Qty{q},
                              Money{fee_for(spec, item.value, q, options_.taker_fee_e6)},
                              Money{fee_for(spec, item.value, q, options_.maker_fee_e6)},
                              item.ts_ns));
  book_.position(other.trader, item.instrument) += backstop_sells ? q : -q;
  held += backstop_sells ? -q : q;
  inst.summary.backstop_unwound_lots += q;
  ++inst.summary.fills;
  ++summary_.fills;
  remaining -= q;
}

// A mark from the trades: the median of the last kMarkMedianWindow prints, at most one per
// kMarkMinIntervalNs.
void EventBuilder::derive_mark(ReplayInstrument& inst, std::uint16_t index, std::int64_t ticks,
                               std::int64_t ts) {
  inst.window[inst.window_next] = ticks;
  inst.window_next = (inst.window_next + 1) % kMarkMedianWindow;
  inst.window_count = std::min(inst.window_count + 1, kMarkMedianWindow);
  if (inst.last_mark_ts != INT64_MIN && ts - inst.last_mark_ts < kMarkMinIntervalNs) return;
  emit_mark(inst, index, median_of(inst.window, inst.window_count), ts);
}

// A mark event, unless it repeats the last one.
void EventBuilder::emit_mark(ReplayInstrument& inst, std::uint16_t index, std::int64_t ticks,
                             std::int64_t ts) {
  if (ticks == inst.last_mark) return;
  inst.last_mark = ticks;
  inst.last_mark_ts = ts;
  if (sizing_ != nullptr) sizing_->before_mark(index, ticks, ts, events_);
  events_.push_back(make_mark(index, Price{ticks}, ts));
  InstrumentSummary& s = inst.summary;
  if (s.marks == 0) s.first_mark = s.min_mark = ticks;
  s.min_mark = std::min(s.min_mark, ticks);
  s.last_mark = ticks;
  ++s.marks;
  ++summary_.marks;
}

}  // namespace backstop::replay
