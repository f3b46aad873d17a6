#include "replay/replay.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <map>
#include <span>

#include "pipeline/state_digest.hpp"
#include "replay/conservation.hpp"
#include "replay/instrument_map.hpp"
#include "replay/population.hpp"
#include "replay/rng.hpp"
#include "replay/scenario.hpp"

namespace backstop::replay {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

enum class ItemKind : std::uint8_t { kTrade = 0, kMark = 1, kFunding = 2 };

// One step of the replay's time line, already in the engine's integers.
struct Item {
  std::int64_t ts_ns;
  std::uint32_t order;  // position in the expansion: ties in time keep input order
  std::uint16_t instrument;
  ItemKind kind;
  Side side;
  std::int64_t value;  // trade / mark: ticks; funding: rate in 1e-8
  std::int64_t lots;   // trade: lots
};

bool is_mark_candle(const MarketRecord& r) noexcept {
  return r.series == CandleSeries::kMark || r.series == CandleSeries::kIndex ||
         r.series == CandleSeries::kPremium || r.series == CandleSeries::kUnknown ||
         r.size.mantissa == 0;
}

struct Instrument {
  InstrumentObservation obs;
  bool has_mark_series = false;
  MappedInstrument mapped;
  std::map<std::int64_t, std::int64_t> funding;  // funding time -> rate (1e-8), last published
  // Expansion state (synthetic trades).
  std::int64_t synth_last_ticks = 0;
  std::int64_t synth_last_ts = INT64_MIN;
  // Event-building state (derived marks).
  std::array<std::int64_t, kMarkMedianWindow> window{};
  std::size_t window_count = 0;
  std::size_t window_next = 0;
  std::int64_t last_mark = 0;
  std::int64_t last_mark_ts = INT64_MIN;
  InstrumentSummary summary;
};

std::int64_t median_of(const std::array<std::int64_t, kMarkMedianWindow>& w, std::size_t n) {
  std::array<std::int64_t, kMarkMedianWindow> sorted = w;
  std::sort(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(n));
  return sorted[n / 2];  // odd n: the middle; even n: the upper middle (deterministic)
}

// USD value of `lots` at `ticks` (statistics: the population fit), and the lots of a USD amount.
double notional_usd(const MappedInstrument& m, std::int64_t ticks, std::int64_t lots) {
  if (m.spec.kind == ContractKind::kInversePerpetual) {
    return static_cast<double>(lots) * static_cast<double>(m.contract_usd);
  }
  return static_cast<double>(lots) * std::pow(10.0, m.lot_exponent) * static_cast<double>(ticks) *
         std::pow(10.0, m.price_exponent);
}
std::int64_t lots_for_usd(const MappedInstrument& m, std::int64_t ticks, double usd) {
  double lots = 0;
  if (m.spec.kind == ContractKind::kInversePerpetual) {
    lots = usd / static_cast<double>(m.contract_usd);
  } else {
    lots = usd / (std::pow(10.0, m.lot_exponent) * static_cast<double>(ticks) *
                  std::pow(10.0, m.price_exponent));
  }
  return std::max<std::int64_t>(1, std::llround(lots));
}

// Fee in Money on a fill, rounded up: the venue's favour.
std::int64_t fee_for(const InstrumentSpec& s, std::int64_t ticks, std::int64_t lots,
                     std::int64_t fee_e6) {
  if (fee_e6 <= 0) return 0;
  if (s.kind == ContractKind::kInversePerpetual) {
    return static_cast<std::int64_t>(
        div_round_up(Int128{lots} * s.multiplier * fee_e6, Int128{ticks} * 1'000'000));
  }
  return static_cast<std::int64_t>(
      div_round_up(Int128{lots} * ticks * s.multiplier * fee_e6, Int128{1'000'000}));
}

// Lots an account may still trade in direction `buy` without passing its target (or flat, for the
// direction it only reduces in).
std::int64_t room(const Trader& t, std::int64_t position, bool buy, const InstrumentSpec& s,
                  std::int64_t ticks) {
  const bool opens = (t.bias == Bias::kLong) == buy;
  if (!opens)
    return t.bias == Bias::kLong ? std::max<std::int64_t>(position, 0)
                                 : std::max<std::int64_t>(-position, 0);
  Int128 cap = s.kind == ContractKind::kInversePerpetual
                   ? Int128{t.target_notional} * ticks / s.multiplier
                   : Int128{t.target_notional} / (Int128{ticks} * s.multiplier);
  cap = std::min<Int128>(cap, s.max_position.raw());
  const std::int64_t held = t.bias == Bias::kLong ? position : -position;
  return std::max<std::int64_t>(0, static_cast<std::int64_t>(cap) - held);
}

class Builder {
 public:
  Builder(const ReplayOptions& options, ReplaySummary& summary)
      : options_(options), summary_(summary), rng_(options.seed) {}

  bool load(std::string& error);
  bool prepare(std::string& error);
  void build_events();
  std::vector<Event>& events() { return events_; }
  std::vector<Instrument>& instruments() { return instruments_; }
  const std::vector<Trader>& traders() const { return traders_; }
  // The waterfall's accounts and funds per asset (zero for an asset no trader uses).
  struct AssetSetup {
    std::int64_t collateral = 0;  // Σ the traders' collateral
    std::uint64_t backstop = 0;   // account id; 0: none
    std::int64_t backstop_collateral = 0;
    std::int64_t insurance = 0;
    std::int64_t default_fund = 0;  // Σ the members' contributions
  };
  const std::array<AssetSetup, kReplayAssetCount>& setup() const { return setup_; }
  std::size_t setup_events() const { return setup_events_; }
  std::uint64_t max_account_id() const {
    return options_.accounts + kReplayAssetCount +
           std::uint64_t{kReplayAssetCount} * kClearingMembers;
  }
  std::vector<InstrumentSpec> specs() const {
    std::vector<InstrumentSpec> out;
    for (const Instrument& i : instruments_)
      out.push_back(i.mapped.spec);
    return out;
  }

 private:
  std::uint16_t instrument_for(const MarketRecord& r, bool create);
  void expand();
  void synthesize_candle(std::uint16_t index, const MarketRecord& c);
  void push_synthetic(std::uint16_t index, std::int64_t ts, std::int64_t ticks, std::int64_t lots);
  std::int64_t shocked(std::int64_t ticks, std::int64_t ts) const;
  void place_trade(const Item& item);
  void derive_mark(Instrument& inst, std::uint16_t index, std::int64_t ticks, std::int64_t ts);
  void emit_mark(Instrument& inst, std::uint16_t index, std::int64_t ticks, std::int64_t ts);

  const ReplayOptions& options_;
  ReplaySummary& summary_;
  Rng rng_;
  Rng synth_rng_{0};
  Rng fill_rng_{0};
  std::vector<MarketRecord> records_;
  std::vector<Instrument> instruments_;
  std::vector<Item> items_;
  std::vector<Trader> traders_;
  std::array<std::vector<std::uint32_t>, kReplayAssetCount> by_asset_;
  std::array<AssetSetup, kReplayAssetCount> setup_{};
  std::size_t setup_events_ = 0;
  std::vector<std::int64_t> positions_;  // traders x instruments, the driver's own book
  std::vector<Event> events_;
  std::int64_t shock_mid_ns_ = 0;
};

bool Builder::load(std::string& error) {
  if (options_.files.empty()) {
    summary_.scenario = "default";
    records_ = generate_default_scenario(options_.seed);
    return true;
  }
  summary_.scenario = "files";
  for (const std::string& path : options_.files) {
    MarketReader reader;
    ReaderOptions ro;
    ro.fatal_malformed = options_.strict;
    ro.progress = options_.progress;
    ReadStatus status = reader.try_open(path, ro);
    if (status == ReadStatus::kOk) {
      MarketRecord r;
      while ((status = reader.next(r)) == ReadStatus::kOk)
        records_.push_back(r);
    }
    if (status != ReadStatus::kEnd) {
      error =
          reader.error().empty() ? fmt::format("{}: {}", path, to_string(status)) : reader.error();
      return false;
    }
    const ReadStats& st = reader.stats();
    FileSummary f;
    f.path = path;
    f.format = std::string(to_string(reader.format()));
    f.lines = st.lines;
    f.records = st.records;
    f.malformed = st.malformed;
    f.skipped = st.skipped;
    f.messages = st.messages;
    summary_.malformed_lines += st.malformed;
    summary_.files.push_back(std::move(f));
  }
  return true;
}

std::uint16_t Builder::instrument_for(const MarketRecord& r, bool create) {
  const std::string_view sym = r.symbol.view();
  for (std::size_t i = 0; i < instruments_.size(); ++i) {
    if (instruments_[i].obs.symbol == sym) return static_cast<std::uint16_t>(i);
  }
  if (!create) return UINT16_MAX;
  instruments_.emplace_back();
  instruments_.back().obs.symbol = std::string(sym);
  return static_cast<std::uint16_t>(instruments_.size() - 1);
}

bool Builder::prepare(std::string& error) {
  // Pass 1: which instruments, and what their numbers look like.
  for (const MarketRecord& r : records_) {
    switch (r.kind) {
      case RecordKind::kTrade:
      case RecordKind::kLiquidation: {
        Instrument& inst = instruments_[instrument_for(r, true)];
        inst.obs.has_trades = true;
        observe_price(inst.obs, r.price, true);
        observe_size(inst.obs, r.size);
        break;
      }
      case RecordKind::kMarkPrice: {
        Instrument& inst = instruments_[instrument_for(r, true)];
        inst.has_mark_series = true;
        observe_price(inst.obs, r.price, false);
        break;
      }
      case RecordKind::kCandle: {
        Instrument& inst = instruments_[instrument_for(r, true)];
        if (is_mark_candle(r)) inst.has_mark_series = true;
        for (Decimal d : {r.open, r.high, r.low, r.price})
          observe_price(inst.obs, d, false);
        break;
      }
      case RecordKind::kFundingRate:
        instrument_for(r, true);
        break;
      default:
        break;
    }
  }
  // Instruments with no price at all (a funding file alone) cannot be replayed.
  std::erase_if(instruments_, [](const Instrument& i) { return !i.obs.has_first_price; });
  if (instruments_.empty()) {
    error = "no trades, marks or candles in the input: nothing to replay";
    return false;
  }
  if (instruments_.size() > kMaxPositionsPerAccount) {
    error = fmt::format("{} instruments in the input; at most {}", instruments_.size(),
                        kMaxPositionsPerAccount);
    return false;
  }
  double shock_low = 1.0;
  double shock_high = 1.0;
  if (options_.shock) {
    const double f = 1.0 + static_cast<double>(options_.shock->pct_ppb) / 1e9;
    shock_low = std::min(1.0, f);
    shock_high = std::max(1.0, f);
  }
  for (Instrument& inst : instruments_) {
    inst.mapped = map_instrument(inst.obs, shock_low, shock_high);
    InstrumentSummary& s = inst.summary;
    s.symbol = inst.obs.symbol;
    s.kind = inst.mapped.spec.kind == ContractKind::kInversePerpetual ? "inverse" : "linear";
    s.asset = std::string(asset_name(inst.mapped.spec.settlement_asset));
    s.price_exponent = inst.mapped.price_exponent;
    s.lot_exponent = inst.mapped.lot_exponent;
    s.multiplier = inst.mapped.spec.multiplier;
    s.mark_source = inst.has_mark_series ? "series" : "trades";
  }
  Rng root = rng_;
  synth_rng_ = root.fork(3);
  fill_rng_ = root.fork(4);
  expand();
  if (items_.empty()) {
    error = "the input holds no replayable prints";
    return false;
  }
  std::stable_sort(items_.begin(), items_.end(), [](const Item& a, const Item& b) {
    return a.ts_ns != b.ts_ns ? a.ts_ns < b.ts_ns : a.order < b.order;
  });
  shock_mid_ns_ = items_.front().ts_ns + (items_.back().ts_ns - items_.front().ts_ns) / 2;

  // The population, fitted to the day's traded notional.
  double traded_usd = 0;
  for (const Item& it : items_) {
    if (it.kind == ItemKind::kTrade)
      traded_usd += notional_usd(instruments_[it.instrument].mapped, it.value, it.lots);
  }
  PopulationParams params;
  params.accounts = options_.accounts;
  params.assets.clear();
  for (std::uint8_t a = 0; a < kReplayAssetCount; ++a) {
    for (const Instrument& inst : instruments_) {
      if (inst.mapped.spec.settlement_asset == a) {
        params.assets.push_back(a);
        break;
      }
    }
  }
  for (const Instrument& inst : instruments_) {
    if (inst.mapped.spec.kind == ContractKind::kInversePerpetual) {
      params.btc_price_usd = to_double(inst.obs.first_price);
      break;
    }
  }
  Rng population_rng = root.fork(5);
  traders_ = draw_population(population_rng, params);
  double capacity = 0;
  for (const Trader& t : traders_)
    capacity += t.collateral_usd * static_cast<double>(t.leverage_e2) / 100.0;
  params.scale = traded_usd > 0 && capacity > 0 ? kCapacityShare * traded_usd / capacity : 1.0;
  finalize_population(traders_, params);
  summary_.collateral_scale = params.scale;
  for (std::uint32_t i = 0; i < traders_.size(); ++i)
    by_asset_[traders_[i].asset].push_back(i);
  positions_.assign(traders_.size() * instruments_.size(), 0);
  return true;
}

void Builder::push_synthetic(std::uint16_t index, std::int64_t ts, std::int64_t ticks,
                             std::int64_t lots) {
  Instrument& inst = instruments_[index];
  const bool buy = ticks > inst.synth_last_ticks   ? true
                   : ticks < inst.synth_last_ticks ? false
                                                   : synth_rng_.uniform() < kTakerBuyShare;
  inst.synth_last_ticks = ticks;
  items_.push_back(Item{ts, static_cast<std::uint32_t>(items_.size()), index, ItemKind::kTrade,
                        buy ? Side::kBuy : Side::kSell, ticks, lots});
  ++inst.summary.synthetic_trades;
}

void Builder::synthesize_candle(std::uint16_t index, const MarketRecord& c) {
  Instrument& inst = instruments_[index];
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
    if (marks) {
      items_.push_back(Item{p.ts_ns, static_cast<std::uint32_t>(items_.size()), index,
                            ItemKind::kMark, Side::kBuy, ticks, 0});
    }
    if (!trades) continue;
    for (int j = 0; j < kSynthTradesPerPoint; ++j) {
      const std::int64_t lots =
          volume_lots > 0 ? volume_lots
                          : lots_for_usd(m, ticks,
                                         static_cast<double>(sample_trade_lots(synth_rng_)) *
                                             0.001 * kTradeSizeSampleBtcUsd);
      push_synthetic(index, p.ts_ns + j * step, ticks, lots);
    }
  }
}

void Builder::expand() {
  std::int64_t last_ts = INT64_MIN;
  for (const MarketRecord& r : records_) {
    if (r.kind == RecordKind::kTrade || r.kind == RecordKind::kLiquidation ||
        r.kind == RecordKind::kMarkPrice || r.kind == RecordKind::kCandle) {
      last_ts = std::max(last_ts, r.kind == RecordKind::kCandle ? r.aux_ts_ns : r.ts_ns);
    }
    const std::uint16_t index = instrument_for(r, false);
    if (index == UINT16_MAX) continue;
    Instrument& inst = instruments_[index];
    const MappedInstrument& m = inst.mapped;
    switch (r.kind) {
      case RecordKind::kTrade:
      case RecordKind::kLiquidation: {
        bool exact = true;
        const std::int64_t ticks = price_to_ticks(m, r.price, exact);
        if (!exact) ++summary_.inexact_prices;
        exact = true;
        const std::int64_t lots = size_to_lots(m, r.size, exact);
        if (!exact) ++summary_.rounded_sizes;
        if (ticks <= 0 || lots <= 0) break;
        items_.push_back(Item{r.ts_ns, static_cast<std::uint32_t>(items_.size()), index,
                              ItemKind::kTrade,
                              r.side == MarketSide::kSell ? Side::kSell : Side::kBuy, ticks, lots});
        ++inst.summary.trades;
        break;
      }
      case RecordKind::kMarkPrice: {
        bool exact = true;
        const std::int64_t ticks = price_to_ticks(m, r.price, exact);
        if (!exact) ++summary_.inexact_prices;
        if (ticks <= 0) break;
        items_.push_back(Item{r.ts_ns, static_cast<std::uint32_t>(items_.size()), index,
                              ItemKind::kMark, Side::kBuy, ticks, 0});
        if (!inst.obs.has_trades && ticks != inst.synth_last_ticks &&
            (inst.synth_last_ts == INT64_MIN ||
             r.ts_ns - inst.synth_last_ts >= kSynthMarkTradeIntervalNs)) {
          inst.synth_last_ts = r.ts_ns;
          push_synthetic(index, r.ts_ns, ticks,
                         lots_for_usd(m, ticks,
                                      static_cast<double>(sample_trade_lots(synth_rng_)) * 0.001 *
                                          kTradeSizeSampleBtcUsd));
        }
        break;
      }
      case RecordKind::kCandle:
        if (is_mark_candle(r) || !inst.obs.has_trades) synthesize_candle(index, r);
        break;
      case RecordKind::kFundingRate: {
        const FixedResult rate = to_fixed(r.price, 8, Rounding::kNearest);
        if (rate.status == FixedStatus::kOverflow) break;
        const std::int64_t when = r.aux_ts_ns != 0 ? r.aux_ts_ns : r.ts_ns;
        // The last rate published at or before the funding time is the one applied.
        if (r.ts_ns <= when) inst.funding[when] = rate.value;
        break;
      }
      default:
        break;
    }
  }
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

std::int64_t Builder::shocked(std::int64_t ticks, std::int64_t ts) const {
  if (!options_.shock || ts <= shock_mid_ns_) return ticks;
  const Shock& s = *options_.shock;
  const Int128 elapsed = std::min<Int128>(ts - shock_mid_ns_, s.duration_ns);
  const Int128 factor_ppb = Int128{1'000'000'000} + Int128{s.pct_ppb} * elapsed / s.duration_ns;
  // Nearest tick, ties up; never below one tick.
  const Int128 v = (Int128{ticks} * factor_ppb + 500'000'000) / 1'000'000'000;
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(v));
}

void Builder::emit_mark(Instrument& inst, std::uint16_t index, std::int64_t ticks,
                        std::int64_t ts) {
  if (ticks == inst.last_mark) return;
  inst.last_mark = ticks;
  inst.last_mark_ts = ts;
  events_.push_back(make_mark(index, Price{ticks}, ts));
  InstrumentSummary& s = inst.summary;
  if (s.marks == 0) s.first_mark = s.min_mark = ticks;
  s.min_mark = std::min(s.min_mark, ticks);
  s.last_mark = ticks;
  ++s.marks;
  ++summary_.marks;
}

void Builder::derive_mark(Instrument& inst, std::uint16_t index, std::int64_t ticks,
                          std::int64_t ts) {
  inst.window[inst.window_next] = ticks;
  inst.window_next = (inst.window_next + 1) % kMarkMedianWindow;
  inst.window_count = std::min(inst.window_count + 1, kMarkMedianWindow);
  if (inst.last_mark_ts != INT64_MIN && ts - inst.last_mark_ts < kMarkMinIntervalNs) return;
  emit_mark(inst, index, median_of(inst.window, inst.window_count), ts);
}

void Builder::place_trade(const Item& item) {
  Instrument& inst = instruments_[item.instrument];
  const InstrumentSpec& spec = inst.mapped.spec;
  const std::vector<std::uint32_t>& pool = by_asset_[spec.settlement_asset];
  const std::size_t n_instruments = instruments_.size();
  const bool buy = item.side == Side::kBuy;
  std::int64_t remaining = item.lots;
  for (int chunk = 0; chunk < kMaxChunks && remaining > 0 && pool.size() >= 2; ++chunk) {
    std::uint32_t taker = kNoSlot;
    std::int64_t taker_room = 0;
    for (int d = 0; d < kMaxDraws && taker == kNoSlot; ++d) {
      const std::uint32_t c = pool[fill_rng_.below(pool.size())];
      const std::int64_t r =
          room(traders_[c], positions_[c * n_instruments + item.instrument], buy, spec, item.value);
      if (r > 0) {
        taker = c;
        taker_room = r;
      }
    }
    if (taker == kNoSlot) break;
    std::uint32_t maker = kNoSlot;
    std::int64_t maker_room = 0;
    for (int d = 0; d < kMaxDraws && maker == kNoSlot; ++d) {
      const std::uint32_t c = pool[fill_rng_.below(pool.size())];
      if (c == taker) continue;
      const std::int64_t r = room(traders_[c], positions_[c * n_instruments + item.instrument],
                                  !buy, spec, item.value);
      if (r > 0) {
        maker = c;
        maker_room = r;
      }
    }
    if (maker == kNoSlot) break;
    const std::int64_t q = std::min({remaining, taker_room, maker_room});
    positions_[taker * n_instruments + item.instrument] += buy ? q : -q;
    positions_[maker * n_instruments + item.instrument] -= buy ? q : -q;
    events_.push_back(make_fill(
        item.instrument, item.side, traders_[taker].id, traders_[maker].id, Price{item.value},
        Qty{q}, Money{fee_for(spec, item.value, q, options_.taker_fee_e6)},
        Money{fee_for(spec, item.value, q, options_.maker_fee_e6)}, item.ts_ns));
    ++inst.summary.fills;
    ++summary_.fills;
    remaining -= q;
  }
  summary_.unplaced_lots += static_cast<std::uint64_t>(remaining);
}

void Builder::build_events() {
  const std::int64_t t0 = items_.front().ts_ns;
  events_.reserve(traders_.size() * 2 + items_.size() * 2);
  for (const Trader& t : traders_) {
    events_.push_back(make_open_account(t.id, t.asset, MarginMode::kCross, t0));
    events_.push_back(make_deposit(t.id, Money{t.collateral}, t0));
    setup_[t.asset].collateral += t.collateral;
  }
  // The waterfall's accounts and funds, per asset in use, before any fill.
  const bool liquidating = options_.liquidation != LiquidationMode::kOff;
  for (std::uint8_t a = 0; a < kReplayAssetCount; ++a) {
    AssetSetup& f = setup_[a];
    if (by_asset_[a].empty()) continue;
    auto share = [&](std::int64_t ppm) {
      return static_cast<std::int64_t>(Int128{f.collateral} * ppm / 1'000'000);
    };
    if (liquidating) {
      f.backstop = options_.accounts + 1u + a;
      f.backstop_collateral = std::max<std::int64_t>(1, share(kBackstopCollateralPpm));
      events_.push_back(make_open_account(f.backstop, a, MarginMode::kCross, t0));
      events_.push_back(make_deposit(f.backstop, Money{f.backstop_collateral}, t0));
    }
    const std::int64_t member_share = share(options_.default_fund_ppm) / kClearingMembers;
    if (member_share > 0) {
      for (std::uint32_t k = 0; k < kClearingMembers; ++k) {
        const std::uint64_t id =
            options_.accounts + 1u + kReplayAssetCount + std::uint64_t{a} * kClearingMembers + k;
        events_.push_back(make_open_account(id, a, MarginMode::kCross, t0));
        events_.push_back(make_deposit(id, Money{2 * member_share}, t0));
        events_.push_back(
            make_fund_deposit(FundKind::kDefaultFund, a, Money{member_share}, id, t0));
        f.default_fund += member_share;
      }
    }
    f.insurance = share(options_.insurance_fund_ppm);
    if (f.insurance > 0)
      events_.push_back(make_fund_deposit(FundKind::kInsurance, a, Money{f.insurance}, 0, t0));
  }
  setup_events_ = events_.size();
  for (std::uint16_t i = 0; i < instruments_.size(); ++i)
    instruments_[i].last_mark = instruments_[i].mapped.spec.initial_mark.raw();
  for (Item it : items_) {
    Instrument& inst = instruments_[it.instrument];
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
  }
}

// Counts the engine's outputs; the same handler serves both modes.
struct OutputTally {
  ReplaySummary& summary;
  // Per account id: bit 0 flagged liquidatable, bit 1 bankrupt, bit 2 liquidated.
  std::vector<std::uint8_t>& seen;
  const std::function<void(const OutputEvent&)>& forward;
  std::uint64_t processed = 0;
  std::array<std::int64_t, kReplayAssetCount> fees{};
  std::array<std::int64_t, kReplayAssetCount> insurance_drawn{};
  std::array<std::int64_t, kReplayAssetCount> default_fund_drawn{};

  std::uint8_t& flags_of(std::uint64_t id) { return seen[id < seen.size() ? id : 0]; }

  void on_waterfall(const WaterfallRecord& r) {
    const std::size_t a = r.asset < kReplayAssetCount ? r.asset : 0;
    switch (r.kind) {
      case WaterfallKind::kTakeover: {
        std::uint8_t& flags = flags_of(r.account);
        if ((flags & 4u) == 0) ++summary.accounts_liquidated;
        flags |= 4u;
        break;
      }
      case WaterfallKind::kLiquidationFee:
      case WaterfallKind::kSurplus:
        fees[a] += r.amount;
        break;
      case WaterfallKind::kInsuranceDraw:
        ++summary.insurance_draws;
        insurance_drawn[a] += r.amount;
        break;
      case WaterfallKind::kDefaultFundDraw:
        ++summary.default_fund_draws;
        default_fund_drawn[a] += r.amount;
        break;
      case WaterfallKind::kSocializedLoss:
        ++summary.socializations;
        break;
      default:
        break;
    }
  }

  void operator()(const OutputEvent& out) {
    if (forward) forward(out);
    switch (out.kind) {
      case OutputKind::kRejected:
        ++summary.rejections;
        return;
      case OutputKind::kProcessed:
        ++processed;
        return;
      case OutputKind::kWaterfall:
        on_waterfall(out.waterfall);
        return;
      case OutputKind::kAdlQuantile:
        return;
      case OutputKind::kRisk:
        break;
    }
    std::uint8_t& flags = flags_of(out.risk.account);
    switch (out.risk.type) {
      case OutputType::kBecameLiquidatable:
        ++summary.became_liquidatable;
        if ((flags & 1u) == 0) ++summary.flagged;
        flags |= 1u;
        break;
      case OutputType::kBecameBankrupt:
        ++summary.became_bankrupt;
        if ((flags & 1u) == 0) ++summary.flagged;
        if ((flags & 2u) == 0) ++summary.bankruptcies;
        flags |= 3u;
        break;
      case OutputType::kRecovered:
        ++summary.recovered;
        break;
      case OutputType::kUnderInitialMargin:
        ++summary.under_initial_margin;
        break;
    }
  }
};

}  // namespace

bool try_parse_shock(std::string_view text, Shock& out, std::string& error) {
  const std::size_t colon = text.find(':');
  Decimal pct;
  Decimal minutes;
  if (colon == std::string_view::npos ||
      try_parse_decimal(text.substr(0, colon), pct) != DecimalError::kOk ||
      try_parse_decimal(text.substr(colon + 1), minutes) != DecimalError::kOk) {
    error = fmt::format("--shock '{}': expected PCT:MINUTES, e.g. -30:10", text);
    return false;
  }
  const FixedResult ppb = to_fixed(pct, 7, Rounding::kNearest);     // percent -> parts per billion
  const FixedResult ns = to_fixed(minutes, 9, Rounding::kNearest);  // nanominutes
  if (ppb.status == FixedStatus::kOverflow || ns.status == FixedStatus::kOverflow ||
      ppb.value <= -900'000'000 || ppb.value > 10'000'000'000 || ns.value <= 0 ||
      ns.value > INT64_MAX / 60) {
    error = fmt::format("--shock '{}': PCT must be in (-90, 1000] and MINUTES > 0", text);
    return false;
  }
  out.pct_ppb = ppb.value;
  out.duration_ns = ns.value * 60;
  return true;
}

bool try_parse_policy(std::string_view text, ReplayOptions& out, std::string& error) {
  struct Choice {
    std::string_view name;
    AdlPolicy policy;
    AdlScore score;
    AdlPrice price;
  };
  static constexpr std::array<Choice, 5> kChoices{{
      {"ranked", AdlPolicy::kRanked, AdlScore::kBitmex, AdlPrice::kBankruptcy},
      {"ranked-binance", AdlPolicy::kRanked, AdlScore::kBinance, AdlPrice::kBankruptcy},
      {"ranked-hyperliquid", AdlPolicy::kRanked, AdlScore::kHyperliquid, AdlPrice::kMark},
      {"pro-rata", AdlPolicy::kProRata, AdlScore::kBitmex, AdlPrice::kBankruptcy},
      {"socialized", AdlPolicy::kSocialized, AdlScore::kBitmex, AdlPrice::kBankruptcy},
  }};
  for (const Choice& c : kChoices) {
    if (c.name != text) continue;
    out.policy = c.policy;
    out.score = c.score;
    out.adl_price = c.price;
    return true;
  }
  error = fmt::format(
      "--policy '{}': expected ranked, ranked-binance, ranked-hyperliquid, pro-rata or socialized",
      text);
  return false;
}

namespace {

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
  Builder builder(options, summary);
  if (!builder.load(error)) return std::nullopt;
  const Clock::time_point parsed = Clock::now();
  if (!builder.prepare(error)) return std::nullopt;
  builder.build_events();
  const std::vector<Event>& events = builder.events();

  EngineConfig config = options.engine.value_or(EngineConfig{});
  config.risk.instruments = builder.specs();
  config.risk.asset_count = std::max(config.risk.asset_count, kReplayAssetCount);
  config.risk.max_accounts =
      std::max(config.risk.max_accounts, static_cast<std::uint32_t>(builder.max_account_id()));
  WaterfallConfig& wf = config.risk.waterfall;
  wf.mode = options.liquidation;
  wf.liquidation_fee_rate = options.liquidation_fee_e6;
  wf.policy = options.policy;
  wf.score = options.score;
  wf.price = options.adl_price;
  wf.backstop_accounts.assign(kReplayAssetCount, 0);
  for (std::uint8_t a = 0; a < kReplayAssetCount; ++a)
    wf.backstop_accounts[a] = builder.setup()[a].backstop;
  summary.policy = policy_name(wf);
  summary.waterfall_wired = wf.mode != LiquidationMode::kOff;
  config.risk.positions_per_account = std::max(
      config.risk.positions_per_account, static_cast<std::uint32_t>(builder.instruments().size()));
  config.acknowledge_inputs = options.threaded;
  if (!options.threaded) config.risk_cpu = -1;
  std::string invalid = validate_engine_config(config);
  if (!invalid.empty()) {
    error = "engine configuration: " + invalid;
    return std::nullopt;
  }
  std::optional<Engine> engine_storage;
  try {
    engine_storage.emplace(config);
  } catch (const std::exception& e) {
    error = std::string("engine: ") + e.what();
    return std::nullopt;
  }
  Engine& engine = *engine_storage;
  const RiskEngine& risk = engine.risk();
  const Clock::time_point built = Clock::now();

  std::vector<std::uint8_t> seen(builder.max_account_id() + 1, 0);
  OutputTally tally{summary, seen, options.on_output};
  // The insurance fund once seeded (no fill, so no liquidation, comes before the seed deposit);
  // the minimum is sampled from the first event after the setup.
  std::array<std::int64_t, kReplayAssetCount> fund_start{};
  std::array<std::int64_t, kReplayAssetCount> fund_min{};
  for (std::uint8_t a = 0; a < kReplayAssetCount; ++a)
    fund_start[a] = fund_min[a] = builder.setup()[a].insurance;
  const std::size_t setup_events = builder.setup_events();
  auto check = [&] {
    ++summary.conservation_checks;
    if (!summary.conservation_ok) return;
    const ConservationResult r = check_conservation(risk);
    if (!r.ok) {
      summary.conservation_ok = false;
      summary.conservation_detail = r.detail;
    }
  };

  if (!options.threaded) {
    const std::uint64_t every = options.check_every;
    for (std::size_t i = 0; i < events.size(); ++i) {
      const PublishResult r = engine.process(events[i], tally);
      if (r.status != PublishStatus::kAccepted) ++summary.rejections;
      if (i + 1 >= setup_events) {
        for (std::uint8_t a = 0; a < kReplayAssetCount; ++a)
          fund_min[a] = std::min(fund_min[a], risk.insurance_fund(a).raw());
      }
      if (every != 0 && (i + 1) % every == 0) check();
      if (options.after_event) options.after_event(risk, events[i]);
      if (options.engine_progress && (i + 1) % kEngineProgressEvents == 0)
        options.engine_progress(i + 1, events.size());
    }
  } else {
    summary.insurance_min_sampled_every_event = false;
    engine.start();
    constexpr std::size_t kBatch = 256;
    std::uint64_t accepted = 0;
    for (std::size_t i = 0; i < events.size();) {
      const std::size_t n = std::min(kBatch, events.size() - i);
      const PublishResult r =
          engine.try_publish_batch(std::span<const Event>(events.data() + i, n));
      if (r.status == PublishStatus::kAccepted) {
        accepted += n;
        i += n;
      } else if (r.status == PublishStatus::kRejected) {
        // One bad event refuses the batch: publish this batch one by one instead.
        for (std::size_t k = 0; k < n;) {
          const PublishResult one = engine.try_publish(events[i + k]);
          if (one.status == PublishStatus::kRingFull) {
            engine.poll(tally);
            continue;
          }
          if (one.status == PublishStatus::kAccepted) {
            ++accepted;
          } else {
            ++summary.rejections;
          }
          ++k;
        }
        i += n;
      }
      engine.poll(tally);
      // Every kEngineProgressEvents published (batches of kBatch divide it).
      if (options.engine_progress && i % kEngineProgressEvents == 0)
        options.engine_progress(i, events.size());
    }
    while (tally.processed < accepted)
      engine.poll(tally);
    engine.stop();
  }
  check();
  if (options.on_finish) options.on_finish(risk);
  if (options.engine_progress) options.engine_progress(events.size(), events.size());
  const Clock::time_point finished = Clock::now();

  summary.events = events.size();
  summary.accounts = options.accounts;
  summary.liquidatable_at_end = risk.liquidatable().size();
  const WaterfallState& ws = risk.waterfall_state();
  summary.liquidations = ws.liquidations;
  summary.adl_fills = ws.adl_fills;
  summary.waterfall_records_dropped = ws.records_dropped;
  summary.digest = pipeline::digest_hex(pipeline::state_digest(risk));
  for (std::uint8_t a = 0; a < kReplayAssetCount; ++a) {
    AssetSummary s;
    s.name = std::string(asset_name(a));
    s.money_exponent = asset_money_exponent(a);
    for (const Trader& t : builder.traders()) {
      if (t.asset != a) continue;
      ++s.accounts;
      s.deposits += t.collateral;
    }
    if (s.accounts == 0) continue;
    s.insurance_fund_start = fund_start[a];
    s.insurance_fund_end = risk.insurance_fund(a).raw();
    s.insurance_fund_min = std::min(fund_min[a], s.insurance_fund_end);
    s.fee_pool_end = risk.fee_pool(a).raw();
    const Builder::AssetSetup& f = builder.setup()[a];
    s.backstop_account = f.backstop;
    s.backstop_collateral = f.backstop_collateral;
    s.default_fund_start = f.default_fund;
    s.default_fund_end = ws.default_fund[a];
    s.liquidation_fees = tally.fees[a];
    s.insurance_drawn = tally.insurance_drawn[a];
    s.default_fund_drawn = tally.default_fund_drawn[a];
    s.adl_paid = ws.adl_paid[a];
    s.socialized_loss = ws.socialized[a];
    s.bad_debt = ws.bad_debt[a];
    summary.assets.push_back(s);
  }
  for (std::uint16_t i = 0; i < builder.instruments().size(); ++i) {
    InstrumentSummary s = builder.instruments()[i].summary;
    s.open_interest_end = risk.instrument_state(i).open_interest;
    summary.instruments.push_back(std::move(s));
  }
  summary.parse_s = seconds_between(start, parsed);
  summary.build_s = seconds_between(parsed, built);
  summary.engine_s = seconds_between(built, finished);
  summary.wall_s = seconds_between(start, finished);
  summary.events_per_s =
      summary.wall_s > 0 ? static_cast<double>(summary.events) / summary.wall_s : 0;
  return summary;
}

}  // namespace backstop::replay
