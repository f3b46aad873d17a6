// EventBuilder's input steps: the records loaded, the instruments observed and mapped, the time
// line ordered and the population fitted to the day's traded notional.
#include "replay/event_builder.hpp"

#include <fmt/format.h>

#include <cmath>

#include "replay/population.hpp"

namespace backstop::replay {

using marketdata::Decimal;
using marketdata::MarketReader;
using marketdata::MarketRecord;
using marketdata::ReaderOptions;
using marketdata::ReadStats;
using marketdata::ReadStatus;
using marketdata::RecordKind;

namespace {

// USD value of `lots` at `ticks` (statistics: the population fit). The powers of ten are taken
// once per instrument (the same doubles as per call).
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

}  // namespace

bool EventBuilder::load(std::string& error) {
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
      while ((status = reader.next(r)) == ReadStatus::kOk) {
        // Every record belongs to an instrument: without one in the line or the file name the
        // replay could only fail later with a configuration message that names neither.
        if (r.symbol.view().empty()) {
          error = fmt::format(
              "{}: no instrument: its lines name none and the file name holds no symbol (name "
              "the file as the exchange does, e.g. BTCUSDT-1m-2025-10-10.csv)",
              path);
          return false;
        }
        records_.push(r);
      }
    }
    if (status != ReadStatus::kEnd) {
      error =
          reader.error().empty() ? fmt::format("{}: {}", path, to_string(status)) : reader.error();
      return false;
    }
    const ReadStats& st = reader.stats();
    if (st.records == 0 && st.malformed == 0 && st.skipped == 0) {
      // Nothing in it at all: most likely the wrong file, or one cut short, so say which.
      error = fmt::format("{}: {}: no records to replay", path,
                          st.header_lines > 0 ? "only a header line" : "empty");
      return false;
    }
    if (st.records == 0 && st.malformed > 0 && !st.messages.empty()) {
      error = fmt::format("{}: no records to replay: every data line is malformed ({}; first: {})",
                          path, st.malformed, st.messages.front());
      return false;
    }
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

std::uint16_t EventBuilder::instrument_for(const MarketRecord& r, bool create) {
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

bool EventBuilder::prepare(std::string& error) {
  observe_records();
  // Instruments with no price at all (a funding file alone) cannot be replayed.
  std::erase_if(instruments_, [](const ReplayInstrument& i) { return !i.obs.has_first_price; });
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
  map_instruments();
  Rng root = rng_;
  synth_rng_ = root.fork(3);
  fill_rng_ = root.fork(4);
  expand();
  if (items_.empty()) {
    error = "the input holds no replayable prints";
    return false;
  }
  order_items();
  fit_population(root);
  return true;
}

// Pass 1 over the records: which instruments, and what their numbers look like.
void EventBuilder::observe_records() {
  for_each_record([&](const MarketRecord& r) {
    switch (r.kind) {
      case RecordKind::kTrade:
      case RecordKind::kLiquidation: {
        ReplayInstrument& inst = instruments_[instrument_for(r, true)];
        inst.obs.has_trades = true;
        observe_price(inst.obs, r.price, true);
        observe_size(inst.obs, r.size);
        break;
      }
      case RecordKind::kMarkPrice: {
        ReplayInstrument& inst = instruments_[instrument_for(r, true)];
        inst.has_mark_series = true;
        observe_price(inst.obs, r.price, false);
        break;
      }
      case RecordKind::kCandle: {
        ReplayInstrument& inst = instruments_[instrument_for(r, true)];
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
}

// Each instrument's spec from what was observed, its price band widened by the shock.
void EventBuilder::map_instruments() {
  double shock_low = 1.0;
  double shock_high = 1.0;
  if (options_.shock) {
    const double f = 1.0 + static_cast<double>(options_.shock->pct_ppb) / 1e9;
    shock_low = std::min(1.0, f);
    shock_high = std::max(1.0, f);
  }
  for (ReplayInstrument& inst : instruments_) {
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
}

// The time line in time order, ties in input order; the shock starts at its midpoint.
void EventBuilder::order_items() {
  const auto earlier = [](const Item& a, const Item& b) {
    return a.ts_ns != b.ts_ns ? a.ts_ns < b.ts_ns : a.order < b.order;
  };
  // A single time-ordered input (the default scenario, most files) is already in order.
  if (!std::is_sorted(items_.begin(), items_.end(), earlier))
    std::stable_sort(items_.begin(), items_.end(), earlier);
  shock_mid_ns_ = items_.front().ts_ns + (items_.back().ts_ns - items_.front().ts_ns) / 2;
}

// The settlement assets in use and the BTC price for BTC wallets.
PopulationParams EventBuilder::population_params() const {
  PopulationParams params;
  params.accounts = options_.accounts;
  params.assets.clear();
  for (std::uint8_t a = 0; a < kReplayAssetCount; ++a) {
    for (const ReplayInstrument& inst : instruments_) {
      if (inst.mapped.spec.settlement_asset == a) {
        params.assets.push_back(a);
        break;
      }
    }
  }
  for (const ReplayInstrument& inst : instruments_) {
    if (inst.mapped.spec.kind == ContractKind::kInversePerpetual) {
      params.btc_price_usd = to_double(inst.obs.first_price);
      break;
    }
  }
  return params;
}

// The population, its collateral scaled so that its total target notional is kCapacityShare of
// the day's traded notional.
void EventBuilder::fit_population(Rng& root) {
  double traded_usd = 0;
  std::vector<NotionalScale> scales;
  for (const ReplayInstrument& inst : instruments_)
    scales.push_back(notional_scale(inst.mapped));
  for (const Item& it : items_) {
    if (it.kind == ItemKind::kTrade)
      traded_usd += notional_usd(scales[it.instrument], it.value, it.lots);
  }
  PopulationParams params = population_params();
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
}

}  // namespace backstop::replay
