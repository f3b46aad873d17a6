#include "replay/replay.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <deque>
#include <map>
#include <span>
#include <thread>

#include "pipeline/state_digest.hpp"
#include "replay/book_depth.hpp"
#include "replay/conservation.hpp"
#include "replay/instrument_map.hpp"
#include "replay/population.hpp"
#include "replay/record_store.hpp"
#include "replay/rng.hpp"
#include "replay/scenario.hpp"
#include "replay/trader_book.hpp"

namespace backstop::replay {

using marketdata::CandleSeries;
using marketdata::Decimal;
using marketdata::DecimalError;
using marketdata::FixedResult;
using marketdata::FixedStatus;
using marketdata::MarketReader;
using marketdata::MarketRecord;
using marketdata::MarketSide;
using marketdata::ReaderOptions;
using marketdata::ReadStats;
using marketdata::ReadStatus;
using marketdata::RecordKind;
using marketdata::Rounding;
using marketdata::Symbol;
using marketdata::to_double;
using marketdata::to_fixed;
using marketdata::try_parse_decimal;

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
  // Book depth (order mode's liquidity): snapshots in time order, the one in use, and the lots
  // earlier liquidation orders took from it per side (0 bids, 1 asks).
  std::vector<DepthSnapshot> depth;
  std::size_t depth_at = 0;  // depth[depth_at - 1] is the latest at or before now; 0: none yet
  std::array<std::int64_t, 2> depth_taken{};
  InstrumentSummary summary;
};

std::int64_t median_of(const std::array<std::int64_t, kMarkMedianWindow>& w, std::size_t n) {
  std::array<std::int64_t, kMarkMedianWindow> sorted = w;
  std::sort(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(n));
  return sorted[n / 2];  // odd n: the middle; even n: the upper middle (deterministic)
}

// USD value of `lots` at `ticks` (statistics: the population fit), and the lots of a USD amount.
// The powers of ten are taken once per instrument (the same doubles as per call).
struct NotionalScale {
  bool inverse;
  double contract_usd;
  double lot;    // 10^lot_exponent
  double price;  // 10^price_exponent
};
NotionalScale notional_scale(const MappedInstrument& m) {
  return NotionalScale{m.spec.kind == ContractKind::kInversePerpetual,
                       static_cast<double>(m.contract_usd), std::pow(10.0, m.lot_exponent),
                       std::pow(10.0, m.price_exponent)};
}
double notional_usd(const NotionalScale& s, std::int64_t ticks, std::int64_t lots) {
  if (s.inverse) return static_cast<double>(lots) * s.contract_usd;
  return static_cast<double>(lots) * s.lot * static_cast<double>(ticks) * s.price;
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

class Builder {
 public:
  Builder(const ReplayOptions& options, ReplaySummary& summary)
      : options_(options), summary_(summary), rng_(options.seed) {}

  bool load(std::string& error);
  bool prepare(std::string& error);
  // The setup events (accounts, deposits, funds) into events().
  void build_setup();
  // The events of the next item of the time line (a trade's fills, a mark, a funding) into
  // events(); the caller takes them and clears the buffer.
  [[nodiscard]] bool has_item() const { return next_item_ < items_.size(); }
  [[nodiscard]] std::int64_t next_item_time() const { return items_[next_item_].ts_ns; }
  [[nodiscard]] std::size_t items_done() const { return next_item_; }
  [[nodiscard]] std::size_t item_count() const { return items_.size(); }
  void generate_next();
  // One engine output the generator may now react to (see kReactionDelayNs).
  void react(const OutputEvent& out);
  std::vector<Event>& events() { return events_; }
  // Whether some instrument has book depth: then the replay runs liquidation in order mode and
  // answers the engine's liquidation orders from the depth (set before build_setup).
  [[nodiscard]] bool has_depth() const {
    return std::any_of(instruments_.begin(), instruments_.end(),
                       [](const Instrument& i) { return !i.depth.empty(); });
  }
  void set_order_mode(std::int64_t order_timeout_ns) {
    order_mode_ = true;
    order_timeout_ns_ = order_timeout_ns;
  }
  std::vector<Instrument>& instruments() { return instruments_; }
  const std::vector<Trader>& traders() const { return book_.traders(); }
  // The waterfall's accounts and funds per asset (zero for an asset no trader uses).
  struct AssetSetup {
    std::int64_t collateral = 0;  // Σ the traders' collateral
    std::uint64_t backstop = 0;   // account id; 0: none
    std::int64_t backstop_collateral = 0;
    std::int64_t insurance = 0;
    std::int64_t default_fund = 0;  // Σ the members' contributions
    std::uint64_t market = 0;       // order mode: the book's liquidity account; 0: none
    std::int64_t market_collateral = 0;
    std::int64_t slippage_cost = 0;  // Σ (mark - fill price) on the liquidated side, Money
  };
  const std::array<AssetSetup, kReplayAssetCount>& setup() const { return setup_; }
  std::size_t setup_events() const { return setup_events_; }
  std::uint64_t max_account_id() const {
    return options_.accounts + kReplayAssetCount +
           std::uint64_t{kReplayAssetCount} * kClearingMembers + kReplayAssetCount;
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
  // Calls f on every input record in order: the files' records, or the default scenario's
  // trades as the readers would have given them (built one at a time, on the stack). A print
  // comes with only what RecordStore keeps of it.
  template <class F>
  void for_each_record(F&& f) const {
    records_.for_each(f);
    for (std::size_t i = 0; i < scenario_.size(); ++i)
      f(to_market_record(scenario_[i], i + 1));
  }
  void synthesize_candle(std::uint16_t index, const MarketRecord& c);
  void push_synthetic(std::uint16_t index, std::int64_t ts, std::int64_t ticks, std::int64_t lots);
  std::int64_t shocked(std::int64_t ticks, std::int64_t ts) const;
  void place_trade(const Item& item);
  void derive_mark(Instrument& inst, std::uint16_t index, std::int64_t ticks, std::int64_t ts);
  void emit_mark(Instrument& inst, std::uint16_t index, std::int64_t ticks, std::int64_t ts);
  void retire(std::uint32_t trader);
  void unwind_backstop(const Item& item, std::int64_t& remaining);
  void answer_orders(std::int64_t ts);
  [[nodiscard]] const DepthSnapshot* depth_now(Instrument& inst, std::int64_t ts);
  struct PendingOrder {
    std::uint64_t account;
    std::uint16_t instrument;
    std::int64_t lots;  // signed, to trade
    std::int64_t limit;
    std::int64_t deadline_ns;
  };

  const ReplayOptions& options_;
  ReplaySummary& summary_;
  Rng rng_;
  Rng synth_rng_{0};
  Rng fill_rng_{0};
  RecordStore records_;                  // what the files gave
  std::vector<ScenarioTrade> scenario_;  // or the default scenario, compact
  std::vector<Instrument> instruments_;
  std::vector<Item> items_;
  TraderBook book_;  // the traders, their pools and the driver's own book of their positions
  std::array<AssetSetup, kReplayAssetCount> setup_{};
  std::size_t setup_events_ = 0;
  std::vector<std::int64_t> backstop_position_;  // per instrument: the backstop's, as known
  std::vector<Event> events_;
  std::size_t next_item_ = 0;
  bool order_mode_ = false;
  std::int64_t order_timeout_ns_ = 0;
  std::vector<PendingOrder> orders_;  // liquidation orders known and not yet answered
  std::int64_t last_event_ts_ = INT64_MIN;
  std::int64_t shock_mid_ns_ = 0;
  // instrument_for's memo: the symbol last found and its index (UINT16_MAX: none).
  Symbol last_symbol_;
  std::uint16_t last_instrument_ = UINT16_MAX;
};

bool Builder::load(std::string& error) {
  if (options_.files.empty()) {
    summary_.scenario = "default";
    scenario_ = generate_default_trades(options_.seed);
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
        records_.push(r);
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
  // Records of one symbol come in runs: the last match answers most look-ups.
  if (last_instrument_ != UINT16_MAX && r.symbol == last_symbol_) return last_instrument_;
  const std::string_view sym = r.symbol.view();
  for (std::size_t i = 0; i < instruments_.size(); ++i) {
    if (instruments_[i].obs.symbol == sym) {
      last_symbol_ = r.symbol;
      last_instrument_ = static_cast<std::uint16_t>(i);
      return last_instrument_;
    }
  }
  if (!create) return UINT16_MAX;
  instruments_.emplace_back();
  instruments_.back().obs.symbol = std::string(sym);
  return static_cast<std::uint16_t>(instruments_.size() - 1);
}

bool Builder::prepare(std::string& error) {
  // Pass 1: which instruments, and what their numbers look like.
  for_each_record([&](const MarketRecord& r) {
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
  });
  // Instruments with no price at all (a funding file alone) cannot be replayed.
  std::erase_if(instruments_, [](const Instrument& i) { return !i.obs.has_first_price; });
  last_instrument_ = UINT16_MAX;  // the indices moved
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
  const auto earlier = [](const Item& a, const Item& b) {
    return a.ts_ns != b.ts_ns ? a.ts_ns < b.ts_ns : a.order < b.order;
  };
  // A single time-ordered input (the default scenario, most files) is already in order.
  if (!std::is_sorted(items_.begin(), items_.end(), earlier))
    std::stable_sort(items_.begin(), items_.end(), earlier);
  shock_mid_ns_ = items_.front().ts_ns + (items_.back().ts_ns - items_.front().ts_ns) / 2;

  // The population, fitted to the day's traded notional.
  double traded_usd = 0;
  std::vector<NotionalScale> scales;
  for (const Instrument& inst : instruments_)
    scales.push_back(notional_scale(inst.mapped));
  for (const Item& it : items_) {
    if (it.kind == ItemKind::kTrade)
      traded_usd += notional_usd(scales[it.instrument], it.value, it.lots);
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
  std::vector<Trader> traders = draw_population(population_rng, params);
  double capacity = 0;
  for (const Trader& t : traders)
    capacity += t.collateral_usd * static_cast<double>(t.leverage_e2) / 100.0;
  params.scale = traded_usd > 0 && capacity > 0 ? kCapacityShare * traded_usd / capacity : 1.0;
  finalize_population(traders, params);
  summary_.collateral_scale = params.scale;
  book_.assign(std::move(traders), instruments_.size());
  backstop_position_.assign(instruments_.size(), 0);
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
  items_.reserve(records_.size() + scenario_.size());  // one item per print; candles add more
  for_each_record([&](const MarketRecord& r) {
    if (r.kind == RecordKind::kTrade || r.kind == RecordKind::kLiquidation ||
        r.kind == RecordKind::kMarkPrice || r.kind == RecordKind::kCandle) {
      last_ts = std::max(last_ts, r.kind == RecordKind::kCandle ? r.aux_ts_ns : r.ts_ns);
    }
    const std::uint16_t index = instrument_for(r, false);
    if (index == UINT16_MAX) return;
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
      case RecordKind::kDepth: {
        // Ten bands per snapshot time (-5 … -1 bids, 1 … 5 asks); cumulative notional.
        const FixedResult band = to_fixed(r.band_pct, 0, Rounding::kNearest);
        if (band.status == FixedStatus::kOverflow || band.value == 0 || band.value < -kDepthBands ||
            band.value > kDepthBands) {
          break;
        }
        if (inst.depth.empty() || inst.depth.back().ts_ns != r.ts_ns) {
          if (!inst.depth.empty() && r.ts_ns < inst.depth.back().ts_ns) break;  // out of order
          inst.depth.push_back(DepthSnapshot{r.ts_ns, {}, {}});
        }
        DepthSnapshot& d = inst.depth.back();
        const double notional = std::max(0.0, to_double(r.amount));
        if (band.value < 0) {
          d.bid_notional[static_cast<std::size_t>(-band.value - 1)] = notional;
        } else {
          d.ask_notional[static_cast<std::size_t>(band.value - 1)] = notional;
        }
        break;
      }
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
  });
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

void Builder::unwind_backstop(const Item& item, std::int64_t& remaining) {
  std::int64_t& held = backstop_position_[item.instrument];
  Instrument& inst = instruments_[item.instrument];
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

void Builder::place_trade(const Item& item) {
  Instrument& inst = instruments_[item.instrument];
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

void Builder::build_setup() {
  const std::int64_t t0 = items_.front().ts_ns;
  events_.reserve(book_.traders().size() * 2 + 64);
  for (const Trader& t : book_.traders()) {
    events_.push_back(make_open_account(t.id, t.asset, MarginMode::kCross, t0));
    // A zero deposit would be refused at the entrance (and shift the input sequences).
    if (t.collateral > 0) events_.push_back(make_deposit(t.id, Money{t.collateral}, t0));
    setup_[t.asset].collateral += t.collateral;
  }
  // The waterfall's accounts and funds, per asset in use, before any fill.
  const bool liquidating = options_.liquidation != LiquidationMode::kOff;
  for (std::uint8_t a = 0; a < kReplayAssetCount; ++a) {
    AssetSetup& f = setup_[a];
    if (book_.pool(a).empty()) continue;
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
    // Order mode: the book's resting liquidity, as one account that takes the other side of
    // every liquidation order fill, funded with the asset's traders' total target notional (it
    // holds what it absorbs at leverage <= 1 and is never liquidated in a -50 % move).
    bool depth_here = false;
    for (const Instrument& inst : instruments_)
      depth_here = depth_here || (!inst.depth.empty() && inst.mapped.spec.settlement_asset == a);
    if (order_mode_ && depth_here) {
      Int128 notional = 0;
      for (const std::uint32_t t : book_.pool(a))
        notional += book_.traders()[t].target_notional;
      f.market = options_.accounts + 1u + kReplayAssetCount +
                 std::uint64_t{kReplayAssetCount} * kClearingMembers + a;
      f.market_collateral =
          static_cast<std::int64_t>(std::clamp<Int128>(notional, 1, std::int64_t{1} << 60));
      events_.push_back(make_open_account(f.market, a, MarginMode::kCross, t0));
      events_.push_back(make_deposit(f.market, Money{f.market_collateral}, t0));
    }
    f.insurance = share(options_.insurance_fund_ppm);
    if (f.insurance > 0)
      events_.push_back(make_fund_deposit(FundKind::kInsurance, a, Money{f.insurance}, 0, t0));
  }
  setup_events_ = events_.size();
  last_event_ts_ = t0;
  for (std::uint16_t i = 0; i < instruments_.size(); ++i)
    instruments_[i].last_mark = instruments_[i].mapped.spec.initial_mark.raw();
}

void Builder::generate_next() {
  Item it = items_[next_item_++];
  if (!orders_.empty()) answer_orders(it.ts_ns);
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
  if (!events_.empty()) last_event_ts_ = events_.back().time_ns;
}

const DepthSnapshot* Builder::depth_now(Instrument& inst, std::int64_t ts) {
  const std::size_t before = inst.depth_at;
  while (inst.depth_at < inst.depth.size() && inst.depth[inst.depth_at].ts_ns <= ts)
    ++inst.depth_at;
  if (inst.depth_at != before) inst.depth_taken = {};  // a fresh snapshot: the book refilled
  return inst.depth_at == 0 ? nullptr : &inst.depth[inst.depth_at - 1];
}

// Answers the liquidation orders known so far with fills from the book depth, before the item at
// `now`. An order whose deadline an earlier event already reached was taken over by the engine
// and is dropped, as is one for an instrument without depth (the engine takes it over at the
// timeout), one the driver's book says would not reduce, and one the depth cannot fill within
// its limit.
void Builder::answer_orders(std::int64_t now) {
  // The fills are stamped before every live order's deadline (and not before the last event):
  // a fill at or after a deadline would let the engine take that other account over first.
  std::int64_t ts = now;
  for (const PendingOrder& o : orders_) {
    if (last_event_ts_ < o.deadline_ns) ts = std::min(ts, o.deadline_ns - 1);
  }
  ts = std::max(ts, last_event_ts_);
  for (const PendingOrder& o : orders_) {
    Instrument& inst = instruments_[o.instrument];
    const InstrumentSpec& spec = inst.mapped.spec;
    AssetSetup& f = setup_[spec.settlement_asset];
    const std::uint32_t t = book_.trader_of(o.account);
    if (last_event_ts_ >= o.deadline_ns || t == kNoSlot || f.market == 0) continue;
    const DepthSnapshot* d = depth_now(inst, ts);
    if (d == nullptr) continue;
    // Reduce-only against the driver's book, which holds every fill it generated since.
    std::int64_t& held = book_.position(t, o.instrument);
    if (held == 0 || (held > 0) == (o.lots > 0)) continue;
    const std::int64_t want = std::min(o.lots < 0 ? -o.lots : o.lots, held < 0 ? -held : held);
    const bool sell = o.lots < 0;
    const std::int64_t mark = inst.last_mark;
    // The snapshot's cumulative notional in lots at the mark, rounded down.
    // (Linear: a lot is worth mark x multiplier in the USD asset's money units.)
    const double usd_per_lot =
        spec.kind == ContractKind::kInversePerpetual
            ? static_cast<double>(inst.mapped.contract_usd)
            : static_cast<double>(mark) * static_cast<double>(spec.multiplier) *
                  std::pow(10.0, asset_money_exponent(spec.settlement_asset));
    std::array<std::int64_t, kDepthBands> lots{};
    const std::array<double, kDepthBands>& side = sell ? d->bid_notional : d->ask_notional;
    for (std::size_t k = 0; k < kDepthBands; ++k) {
      const double v = usd_per_lot > 0 ? std::floor(side[k] / usd_per_lot) : 0;
      lots[k] = std::max(k == 0 ? 0 : lots[k - 1], static_cast<std::int64_t>(std::min(v, 1e15)));
    }
    std::int64_t& taken = inst.depth_taken[sell ? 0 : 1];
    const DepthFill fill = walk_depth(lots, taken, sell, mark, o.limit, want);
    if (fill.lots <= 0) continue;
    taken += fill.lots;
    events_.push_back(make_fill(o.instrument, sell ? Side::kSell : Side::kBuy, o.account, f.market,
                                Price{fill.ticks}, Qty{fill.lots}, Money{0}, Money{0}, ts));
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
  orders_.clear();
  if (!events_.empty()) last_event_ts_ = events_.back().time_ns;
}

void Builder::retire(std::uint32_t trader) {
  if (book_.retire(trader)) ++summary_.retired_accounts;
}

void Builder::react(const OutputEvent& out) {
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
  const std::size_t n_instruments = instruments_.size();
  switch (r.kind) {
    case WaterfallKind::kLiquidationOrder:
    case WaterfallKind::kTakeover: {
      if (r.kind == WaterfallKind::kTakeover && r.instrument < n_instruments) {
        backstop_position_[r.instrument] += r.amount;  // what the defaulter held
        instruments_[r.instrument].summary.backstop_taken_lots +=
            r.amount < 0 ? -r.amount : r.amount;
      }
      // The venue stops the account trading once it is being liquidated.
      const std::uint32_t t = book_.trader_of(r.account);
      if (t == kNoSlot) break;
      retire(t);
      if (r.kind == WaterfallKind::kTakeover && r.instrument < n_instruments)
        book_.position(t, r.instrument) = 0;
      break;
    }
    case WaterfallKind::kAdlClose: {
      // The backstop's taken-over position and the counterparty's moved `amount` lots toward
      // flat.
      if (r.instrument < n_instruments) {
        std::int64_t& b = backstop_position_[r.instrument];
        b = b > 0 ? std::max<std::int64_t>(0, b - r.amount)
                  : std::min<std::int64_t>(0, b + r.amount);
      }
      const std::uint32_t t = book_.trader_of(r.account);
      if (t == kNoSlot || r.instrument >= n_instruments) break;
      std::int64_t& p = book_.position(t, r.instrument);
      p = p > 0 ? std::max<std::int64_t>(0, p - r.amount) : std::min<std::int64_t>(0, p + r.amount);
      break;
    }
    default:
      break;
  }
}

// An account's equity, recomputed only when an input of it moved. RiskEngine::margin() is a pure
// function of the account's balance, its positions (instrument, lots, cost, funding snapshot) and
// those instruments' marks and funding indices of the position's side, so the memo compares
// exactly those and gives the very value margin() would. The synchronous replay samples the
// backstop's equity after every event, and most events (fills between traders) leave all of it
// unchanged.
class EquityMemo {
 public:
  std::int64_t equity(const RiskEngine& risk, std::uint32_t slot) {
    const Account& account = risk.account(slot);
    const std::span<const Position> positions = risk.positions(slot);
    bool same = valid_ && account.balance == balance_ && positions.size() == count_;
    for (std::size_t j = 0; same && j < positions.size(); ++j)
      same = key_of(risk, positions[j]) == keys_[j];
    if (same) return equity_;
    equity_ = clamp_to_int64(risk.margin(slot).equity);
    balance_ = account.balance;
    count_ = positions.size();
    for (std::size_t j = 0; j < positions.size(); ++j)
      keys_[j] = key_of(risk, positions[j]);
    valid_ = true;
    return equity_;
  }

 private:
  struct Key {
    std::int64_t qty;
    std::int64_t cost;
    std::int64_t funding_snapshot;
    std::int64_t mark;
    std::int64_t funding_index;
    std::uint16_t instrument;
    bool operator==(const Key&) const = default;
  };
  static Key key_of(const RiskEngine& risk, const Position& p) {
    const InstrumentState& s = risk.instrument_state(p.instrument);
    return Key{p.qty,       p.cost, p.funding_snapshot, s.mark, funding_index_for(s, p.qty),
               p.instrument};
  }
  bool valid_ = false;
  std::int64_t balance_ = 0;
  std::size_t count_ = 0;
  std::int64_t equity_ = 0;
  std::array<Key, kMaxPositionsPerAccount> keys_{};
};

// The waterfall records the generator reacts to (Builder::react).
bool reacts_to(WaterfallKind k) noexcept {
  return k == WaterfallKind::kLiquidationOrder || k == WaterfallKind::kTakeover ||
         k == WaterfallKind::kAdlClose;
}

// Counts the engine's outputs; the same handler serves both modes.
struct OutputTally {
  ReplaySummary& summary;
  // Per account id: bit 0 flagged liquidatable, bit 1 bankrupt, bit 2 liquidated.
  std::vector<std::uint8_t>& seen;
  const std::function<void(const OutputEvent&)>& forward;
  std::deque<OutputEvent>* reactions = nullptr;  // the outputs the generator reacts to
  std::uint64_t processed = 0;  // inputs applied and their outputs counted (threaded mode)
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
      case OutputKind::kProcessed:  // not asked for (see acknowledge_inputs in run_replay)
        return;
      case OutputKind::kWaterfall:
        on_waterfall(out.waterfall);
        if (reactions != nullptr && reacts_to(out.waterfall.kind)) reactions->push_back(out);
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
        if (reactions != nullptr) reactions->push_back(out);  // cancels a pending order
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
  // Book depth in the input: liquidation runs in order mode and the replay answers the orders
  // from the depth (unless the options turned liquidation off or chose a mode).
  const bool order_mode = options.liquidation == LiquidationMode::kTakeover && builder.has_depth();
  if (order_mode) {
    builder.set_order_mode(options.engine ? options.engine->risk.waterfall.order_timeout_ns
                                          : WaterfallConfig{}.order_timeout_ns);
  }
  builder.build_setup();

  EngineConfig config = options.engine.value_or(EngineConfig{});
  config.risk.instruments = builder.specs();
  config.risk.asset_count = std::max(config.risk.asset_count, kReplayAssetCount);
  config.risk.max_accounts =
      std::max(config.risk.max_accounts, static_cast<std::uint32_t>(builder.max_account_id()));
  WaterfallConfig& wf = config.risk.waterfall;
  wf.mode = order_mode ? LiquidationMode::kOrder : options.liquidation;
  summary.liquidation_mode = wf.mode == LiquidationMode::kOrder      ? "order"
                             : wf.mode == LiquidationMode::kTakeover ? "takeover"
                                                                     : "off";
  wf.liquidation_fee_rate = options.liquidation_fee_e6;
  wf.policy = options.policy;
  wf.score = options.score;
  wf.price = options.adl_price;
  wf.backstop_accounts.assign(kReplayAssetCount, 0);
  for (std::uint8_t a = 0; a < kReplayAssetCount; ++a)
    wf.backstop_accounts[a] = builder.setup()[a].backstop;
  summary.policy = policy_name(wf);
  summary.waterfall_wired = wf.mode != LiquidationMode::kOff;
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
  if (!options.engine) {
    // The replay's own ring sizes (a --config keeps its own): the engine constructs every slot, and
    // the replay never has many events in flight - one at a time synchronously (the output ring
    // unused), and in threaded mode the generator stays within about kReactionLagInputs inputs
    // (plus a second of exchange time) of the risk thread. Small rings stay in cache instead of
    // streaming megabytes through it, and cost no start-up page faults.
    config.input_ring_size = options.threaded ? kThreadedRingSize : 256;
    config.output_ring_size = options.threaded ? kThreadedRingSize : 64;
  }
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
  // The backstop's equity, sampled like the insurance fund.
  std::array<std::int64_t, kReplayAssetCount> backstop_min{};
  std::array<std::uint32_t, kReplayAssetCount> backstop_slot{};
  std::array<EquityMemo, kReplayAssetCount> backstop_memo{};
  for (std::uint8_t a = 0; a < kReplayAssetCount; ++a) {
    backstop_min[a] = builder.setup()[a].backstop_collateral;
    backstop_slot[a] = kNoSlot;
  }
  auto backstop_equity = [&](std::uint8_t a) -> std::int64_t {
    const std::uint64_t id = builder.setup()[a].backstop;
    if (id == 0) return 0;
    if (backstop_slot[a] == kNoSlot) backstop_slot[a] = risk.find_account(id);
    if (backstop_slot[a] == kNoSlot) return builder.setup()[a].backstop_collateral;
    return backstop_memo[a].equity(risk, backstop_slot[a]);
  };
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

  // The generator reacts to the engine's outputs (retirement, the backstop's unwind, liquidation
  // order fills) with a fixed delay in exchange time, so that the synchronous and the threaded
  // mode build the very same input stream: before the item at time t, every input with time <=
  // t - kReactionDelayNs must have been applied (threaded: Engine::polled_through() past it), and
  // only the outputs of those inputs are handed to the generator, in input order. Order mode: at
  // most the order timeout, so that a liquidation order is answered before (or with) the first
  // event that could take its account over.
  const std::int64_t reaction_delay_ns =
      wf.mode == LiquidationMode::kOrder
          ? std::max<std::int64_t>(0, std::min(kReactionDelayNs, wf.order_timeout_ns))
          : kReactionDelayNs;
  summary.reaction_delay_ns = reaction_delay_ns;
  std::vector<std::int64_t> input_times;  // per input, in sequence order
  // Sized once (about 2.6 events per item in the default scenario): no regrowth copies or page
  // faults while the replay runs.
  input_times.reserve(builder.setup_events() + 3 * builder.item_count());
  std::size_t known = 0;  // inputs [0, known) whose outputs the generator has
  const std::int64_t seq0 = engine.last_input_sequence() + 1;
  std::deque<OutputEvent> reactions;
  tally.reactions = &reactions;
  // Takeover mode also keeps kReactionLagInputs inputs between the generator and the risk
  // thread, so that on sparse data the threaded mode is not in lockstep; order mode cannot (its
  // orders must be answered before their timeout), so there the delay is in time only.
  const std::size_t lag_inputs = wf.mode == LiquidationMode::kOrder ? 0 : kReactionLagInputs;
  auto inputs_before = [&](std::int64_t t) {
    const std::size_t n = input_times.size();
    const std::size_t limit = n > lag_inputs ? n - lag_inputs : 0;
    while (known < limit && input_times[known] <= t - reaction_delay_ns)
      ++known;
    return known;
  };
  auto react_up_to = [&](std::size_t n) {
    while (!reactions.empty() &&
           static_cast<std::size_t>(reactions.front().input_sequence - seq0) < n) {
      builder.react(reactions.front());
      reactions.pop_front();
    }
  };
  std::uint64_t next_progress = kEngineProgressEvents;
  auto progress = [&](std::uint64_t done) {
    if (!options.engine_progress || done < next_progress) return;
    next_progress = (done / kEngineProgressEvents + 1) * kEngineProgressEvents;
    // Events are built as the replay goes: the total is estimated from the items left.
    const std::size_t items = std::max<std::size_t>(1, builder.items_done());
    const std::uint64_t estimate =
        done + (builder.item_count() - builder.items_done()) * done / items;
    options.engine_progress(done, std::max(done, estimate));
  };
  std::vector<Event>& fresh = builder.events();

  if (!options.threaded) {
    const std::uint64_t every = options.check_every;
    std::uint64_t i = 0;
    auto apply = [&] {
      // The item's events are all known: start loading their accounts while the first applies.
      for (const Event& e : fresh)
        risk.prefetch(e);
      for (const Event& e : fresh) {
        const PublishResult r = engine.process(e, tally);
        if (r.status != PublishStatus::kAccepted) {
          ++summary.rejections;
        } else {
          input_times.push_back(e.time_ns);
        }
        if (i + 1 >= setup_events) {
          for (std::uint8_t a = 0; a < kReplayAssetCount; ++a) {
            fund_min[a] = std::min(fund_min[a], risk.insurance_fund(a).raw());
            if (builder.setup()[a].backstop != 0)
              backstop_min[a] = std::min(backstop_min[a], backstop_equity(a));
          }
        }
        if (every != 0 && (i + 1) % every == 0) check();
        if (options.after_event) options.after_event(risk, e);
        ++i;
        progress(i);
      }
      fresh.clear();
    };
    apply();
    while (builder.has_item()) {
      react_up_to(inputs_before(builder.next_item_time()));
      builder.generate_next();
      apply();
    }
    summary.events = i;
  } else {
    summary.insurance_min_sampled_every_event = false;
    engine.start();
    // Polls the outputs into the tally; true when an output came or another input was applied.
    auto poll_outputs = [&] {
      const std::uint64_t before = tally.processed;
      const std::size_t handled = engine.poll(tally);
      tally.processed = static_cast<std::uint64_t>(engine.polled_through() - seq0 + 1);
      return handled != 0 || tally.processed != before;
    };
    constexpr std::size_t kBatch = 256;
    std::uint64_t accepted = 0;
    std::uint64_t generated = 0;
    std::vector<Event> batch;
    // Publishes `batch` whole (polling while the ring is full).
    auto flush = [&] {
      std::size_t i = 0;
      while (i < batch.size()) {
        const std::size_t n = std::min(kBatch, batch.size() - i);
        const PublishResult r =
            engine.try_publish_batch(std::span<const Event>(batch.data() + i, n));
        if (r.status == PublishStatus::kAccepted) {
          accepted += n;
          i += n;
        } else if (r.status == PublishStatus::kRejected) {
          // One bad event refuses the batch: publish this batch one by one instead.
          for (std::size_t k = 0; k < n;) {
            const PublishResult one = engine.try_publish(batch[i + k]);
            if (one.status == PublishStatus::kRingFull) {
              if (!poll_outputs()) std::this_thread::yield();
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
        } else if (!poll_outputs()) {
          std::this_thread::yield();  // ring full: the risk thread is behind
        }
      }
      batch.clear();
    };
    auto take = [&] {
      for (const Event& e : fresh) {
        batch.push_back(e);
        // Only inputs the entrance accepts get a sequence (flush() may publish them later); the
        // synchronous mode counts the same ones.
        if (Engine::check_at_entrance(e) == RejectCode::kOk) input_times.push_back(e.time_ns);
      }
      generated += fresh.size();
      fresh.clear();
      // Published in chunks: each hand-off moves ring slots and cursors between the cores, which
      // costs more than the events' own work when paid per item. The risk thread has the earlier
      // chunks (up to kReactionLagInputs inputs) to work on meanwhile.
      if (batch.size() >= kThreadedPublishChunk) flush();
      poll_outputs();
      progress(tally.processed);
    };
    take();
    while (builder.has_item()) {
      const std::size_t need = inputs_before(builder.next_item_time());
      if (tally.processed < need) {
        // Wait (yielding: the risk thread has a core of its own, we share the other) until the
        // risk thread has applied every input the next item may react to, and a chunk more
        // when there is one: waiting only for `need` would leave the generator one item ahead,
        // handing off item by item. The wait's length never changes what is generated: the
        // reactions taken are those before `need`.
        flush();
        const std::size_t target = std::min<std::size_t>(accepted, need + kThreadedPublishChunk);
        while (tally.processed < target) {
          if (!poll_outputs()) std::this_thread::yield();
        }
      }
      react_up_to(need);
      builder.generate_next();
      take();
    }
    flush();
    while (tally.processed < accepted) {
      if (!poll_outputs()) std::this_thread::yield();
    }
    engine.stop();
    summary.events = generated;
  }
  check();
  if (options.on_finish) options.on_finish(risk);
  if (options.engine_progress) options.engine_progress(summary.events, summary.events);
  const Clock::time_point finished = Clock::now();

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
    s.market_account = f.market;
    s.market_collateral = f.market_collateral;
    s.slippage_cost = f.slippage_cost;
    s.backstop_equity_start = f.backstop_collateral;
    s.backstop_equity_end = backstop_equity(a);
    s.backstop_equity_min = std::min(backstop_min[a], s.backstop_equity_end);
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
    s.depth_snapshots = builder.instruments()[i].depth.size();
    s.open_interest_end = risk.instrument_state(i).open_interest;
    const std::uint8_t a = builder.instruments()[i].mapped.spec.settlement_asset;
    if (builder.setup()[a].backstop != 0) {
      (void)backstop_equity(a);  // finds its slot
      if (backstop_slot[a] != kNoSlot) {
        for (const Position& p : risk.positions(backstop_slot[a])) {
          if (p.instrument == i) s.backstop_position_end = p.qty;
        }
      }
    }
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
