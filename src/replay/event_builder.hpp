// EventBuilder: turns the replay's input (market-data files, or the embedded default scenario)
// into the risk engine's input events, as replay.hpp's model describes. In three steps: load() the
// records, prepare() the instruments, the time line of items and the fitted population, then
// build_setup() the accounts and funds; after that generate_next() gives the events of one item
// at a time (a trade's fills, a mark, a funding), reacting to the engine's outputs it is handed
// (react()). Internal to the replay; the generating thread owns it. Cost: O(records log records)
// to prepare, O(1) amortised per item (a few counterparty draws per fill).
//
// Its work, by file: event_builder.cpp (load, instruments, population), timeline.cpp (records to
// items, synthetic trades), setup_events.cpp (accounts and funds), item_events.cpp (an item's
// events, the backstop's unwind, marks), reactions.cpp (retirement, the backstop's book,
// liquidation orders answered from book depth).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "backstop/events.hpp"
#include "marketdata/market_record.hpp"
#include "pipeline/output_event.hpp"
#include "replay/book_depth.hpp"
#include "replay/instrument_map.hpp"
#include "replay/record_store.hpp"
#include "replay/replay.hpp"
#include "replay/rng.hpp"
#include "replay/scenario.hpp"
#include "replay/trader_book.hpp"

namespace backstop::replay {

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

// Whether a candle's prices are a mark series (not trade prices), or it had no volume.
inline bool is_mark_candle(const marketdata::MarketRecord& r) noexcept {
  using marketdata::CandleSeries;
  return r.series == CandleSeries::kMark || r.series == CandleSeries::kIndex ||
         r.series == CandleSeries::kPremium || r.series == CandleSeries::kUnknown ||
         r.size.mantissa == 0;
}

// What the builder knows and keeps of one instrument of the input.
struct ReplayInstrument {
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

// The waterfall's accounts and funds of one settlement asset (zero for an asset no trader uses).
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

class EventBuilder {
 public:
  EventBuilder(const ReplayOptions& options, ReplaySummary& summary)
      : options_(options), summary_(summary), rng_(options.seed) {}

  // Reads the files (or generates the default scenario); false with `error` naming the file when
  // one cannot be read, is malformed under --strict, is empty or only a header, or has no line
  // that is not malformed.
  bool load(std::string& error);
  // The instruments, the time line and the population; false with `error` when nothing in the
  // input can be replayed.
  bool prepare(std::string& error);
  // Whether some instrument has book depth: then the replay runs liquidation in order mode and
  // answers the engine's liquidation orders from the depth (set before build_setup).
  [[nodiscard]] bool has_depth() const {
    return std::any_of(instruments_.begin(), instruments_.end(),
                       [](const ReplayInstrument& i) { return !i.depth.empty(); });
  }
  void set_order_mode(std::int64_t order_timeout_ns) {
    order_mode_ = true;
    order_timeout_ns_ = order_timeout_ns;
  }
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
  // The sizing stage that sees every output handed over and decides before each item (optional;
  // it must outlive the builder's run).
  void set_sizing(class SizingStage* sizing) { sizing_ = sizing; }
  std::vector<Event>& events() { return events_; }
  // The time of the last event generated (INT64_MIN before any).
  [[nodiscard]] std::int64_t last_event_time() const { return last_event_ts_; }

  [[nodiscard]] const std::vector<ReplayInstrument>& instruments() const { return instruments_; }
  [[nodiscard]] const std::vector<Trader>& traders() const { return book_.traders(); }
  [[nodiscard]] const std::array<AssetSetup, kReplayAssetCount>& setup() const { return setup_; }
  [[nodiscard]] std::size_t setup_events() const { return setup_events_; }
  [[nodiscard]] std::uint64_t max_account_id() const {
    return options_.accounts + kReplayAssetCount +
           std::uint64_t{kReplayAssetCount} * kClearingMembers + kReplayAssetCount;
  }
  [[nodiscard]] std::vector<InstrumentSpec> specs() const {
    std::vector<InstrumentSpec> out;
    for (const ReplayInstrument& i : instruments_)
      out.push_back(i.mapped.spec);
    return out;
  }

 private:
  struct PendingOrder {
    std::uint64_t account;
    std::uint16_t instrument;
    std::int64_t lots;  // signed, to trade
    std::int64_t limit;
    std::int64_t deadline_ns;
  };

  // Calls f on every input record in order: the files' records, or the default scenario's
  // trades as the readers would have given them (built one at a time, on the stack). A print
  // comes with only what RecordStore keeps of it.
  template <class F>
  void for_each_record(F&& f) const {
    records_.for_each(f);
    for (std::size_t i = 0; i < scenario_.size(); ++i)
      f(to_market_record(scenario_[i], i + 1));
  }

  // event_builder.cpp
  std::uint16_t instrument_for(const marketdata::MarketRecord& r, bool create);
  void observe_records();
  void map_instruments();
  void order_items();
  [[nodiscard]] PopulationParams population_params() const;
  void fit_population(Rng& root);
  // timeline.cpp
  void expand();
  void expand_record(const marketdata::MarketRecord& r, std::int64_t& last_ts);
  void expand_print(std::uint16_t index, const marketdata::MarketRecord& r);
  void expand_mark(std::uint16_t index, const marketdata::MarketRecord& r);
  void add_funding_items(std::int64_t last_ts);
  void synthesize_candle(std::uint16_t index, const marketdata::MarketRecord& c);
  void push_synthetic(std::uint16_t index, std::int64_t ts, std::int64_t ticks, std::int64_t lots);
  // setup_events.cpp
  void open_traders(std::int64_t t0);
  void open_asset_accounts(std::uint8_t asset, std::int64_t t0);
  void open_clearing_members(std::uint8_t asset, std::int64_t member_share, std::int64_t t0);
  void open_market_account(std::uint8_t asset, std::int64_t t0);
  // item_events.cpp
  [[nodiscard]] std::int64_t shocked(std::int64_t ticks, std::int64_t ts) const;
  void place_trade(const Item& item);
  void unwind_backstop(const Item& item, std::int64_t& remaining);
  void derive_mark(ReplayInstrument& inst, std::uint16_t index, std::int64_t ticks,
                   std::int64_t ts);
  void emit_mark(ReplayInstrument& inst, std::uint16_t index, std::int64_t ticks, std::int64_t ts);
  // reactions.cpp
  void on_liquidation(const WaterfallRecord& r);
  void on_adl_close(const WaterfallRecord& r);
  void answer_orders(std::int64_t now);
  void answer_order(const PendingOrder& o, std::int64_t ts);
  [[nodiscard]] const DepthSnapshot* depth_now(ReplayInstrument& inst, std::int64_t ts);

  const ReplayOptions& options_;
  ReplaySummary& summary_;
  Rng rng_;
  Rng synth_rng_{0};
  Rng fill_rng_{0};
  RecordStore records_;                  // what the files gave
  std::vector<ScenarioTrade> scenario_;  // or the default scenario, compact
  std::vector<ReplayInstrument> instruments_;
  std::vector<Item> items_;
  TraderBook book_;  // the traders, their pools and the driver's own book of their positions
  std::array<AssetSetup, kReplayAssetCount> setup_{};
  std::size_t setup_events_ = 0;
  std::vector<std::int64_t> backstop_position_;  // per instrument: the backstop's, as known
  std::vector<Event> events_;
  class SizingStage* sizing_ = nullptr;
  std::size_t next_item_ = 0;
  bool order_mode_ = false;
  std::int64_t order_timeout_ns_ = 0;
  std::vector<PendingOrder> orders_;  // liquidation orders known and not yet answered
  std::int64_t last_event_ts_ = INT64_MIN;
  std::int64_t shock_mid_ns_ = 0;
  // instrument_for's memo: the symbol last found and its index (UINT16_MAX: none).
  marketdata::Symbol last_symbol_;
  std::uint16_t last_instrument_ = UINT16_MAX;
};

}  // namespace backstop::replay
