// The replay's sizing stage (docs/sizing.md, docs/coverage.md, docs/triggers.md): the fund-sizing
// consumer of a replay. It keeps an exact copy of the risk state from the engine's state feed
// (AccountMirror), the return history of every instrument's mark, and per settlement asset the
// live Cover-1 / Cover-2 coverage book and its coverage tier; at every sizing interval of event
// time it samples the coverage and turns each tier change into RiskControl inputs (the fund's share
// of fees, a replenishment call on the clearing members), which the replay publishes like every
// other input, so that they are journaled and a replay gives the same digest in both modes. At the
// end it computes VaR / ES per account and for the venue.
//
// Determinism: it sees the engine's outputs only through the replay's reaction gate (in input
// order, the same in the synchronous and the threaded mode) and decides only before an item, at
// the item's time: the same inputs give the same decisions. Internal to the replay; the generating
// thread. Cost: O(records) per output batch, O(S) per touched account at each interval (the book's
// incremental update), a full recompute when a mark leaves the re-centring band.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "backstop/events.hpp"
#include "backstop/risk_config.hpp"
#include "pipeline/output_event.hpp"
#include "replay/book_depth.hpp"
#include "replay/event_builder.hpp"
#include "replay/instrument_map.hpp"
#include "replay/sizing_options.hpp"
#include "replay/sizing_report.hpp"
#include "sizing/account_mirror.hpp"
#include "sizing/coverage_book.hpp"
#include "sizing/coverage_tiers.hpp"
#include "sizing/liquidation_horizon.hpp"
#include "sizing/return_history.hpp"
#include "sizing/scenario_set.hpp"
#include "sizing/var_es.hpp"

namespace backstop::replay {

inline constexpr std::size_t kClearingMembersMax = 64;  // members per asset a stage splits over

class SizingStage {
 public:
  // `members`: per asset, the clearing members a replenishment call is spread over (ids);
  // `contributions`: per asset, each one's default-fund contribution at the start.
  // Throws std::invalid_argument("sizing: reason") on invalid options.
  SizingStage(const RiskConfig& risk, const SizingOptions& options,
              std::vector<std::string> asset_names, std::vector<std::vector<std::uint64_t>> members,
              std::vector<std::int64_t> contributions);

  // Before the replay: loads options.history_files into the return history (each record of a
  // replayed instrument, by symbol, with a price - a trade, a mark, a candle's close - in time
  // order, in the instrument's ticks), adds the worst historical moves over the margin period of
  // risk from it to the scenarios, and takes the book depth of the instruments that have it for
  // the slippage. False with `error` when a file cannot be read or holds no record of the replayed
  // instruments.
  bool start(const std::vector<ReplayInstrument>& instruments, std::string& error);
  // One engine output, in input order, once the gate hands it over.
  void on_output(const OutputEvent& out);
  // A trade print of `instrument` at `ticks` (real, or synthesized around a candle): the
  // price-deviation guard's reference.
  void on_trade_print(std::uint16_t instrument, std::int64_t ticks);
  // Before the generator emits a mark: with the price-deviation guard on, a hold (or its release)
  // the mark calls for is appended to `out` first, so that it applies before the mark does.
  void before_mark(std::uint16_t instrument, std::int64_t ticks, std::int64_t time_ns,
                   std::vector<Event>& out);
  // The inputs the generator just built (fills give each instrument's traded volume).
  void on_generated(std::span<const Event> events);
  // Before the item at `time_ns`: at each interval boundary passed, samples the coverage and
  // appends the RiskControl inputs its decisions need to `out`.
  void before_item(std::int64_t time_ns, std::vector<Event>& out);
  // The final figures: VaR / ES per account and for the venue, the requirement at the end.
  SizingReport finish(std::int64_t time_ns);

  const sizing::AccountMirror& mirror() const noexcept { return mirror_; }

 private:
  bool load_history(const std::vector<ReplayInstrument>& instruments, std::string& error);
  void add_historical_scenarios();
  void build_books();
  void update_slippage(std::int64_t time_ns);
  void sample(std::int64_t time_ns, std::vector<Event>& out);
  void engine_trigger(const OutputEvent& out);
  void contributions(std::uint8_t asset, std::int64_t time_ns, std::vector<Event>& out);
  std::int64_t worst_deficit(std::uint8_t asset, std::uint64_t account) const;
  std::int64_t initial_margin(std::uint64_t account) const;
  void on_change(std::uint8_t asset, const sizing::TierChange& c, std::vector<Event>& out);
  std::int64_t liquidated_notional(const WaterfallRecord& r) const;
  void account_figures(SizingReport& report);
  std::size_t portfolio_of(std::uint32_t slot, double elapsed_days,
                           std::vector<sizing::Exposure>& portfolio) const;
  bool add_venue_losses(std::span<const sizing::Exposure> portfolio, Int128 equity,
                        const sizing::JointReturns& paths, std::size_t h, std::size_t venue_h,
                        std::vector<double>& sample) const;
  std::optional<sizing::TailFigures> tail_figures(std::vector<double>& losses) const;

  SizingOptions options_;
  std::vector<std::string> asset_names_;
  std::vector<std::vector<std::uint64_t>> members_;
  std::vector<InstrumentSpec> instruments_;
  std::uint32_t asset_count_;
  sizing::AccountMirror mirror_;
  sizing::ReturnHistory history_;
  sizing::ScenarioSet scenarios_;
  std::vector<std::unique_ptr<sizing::CoverageBook>> books_;  // per asset
  std::vector<sizing::CoverageTiers> tiers_;                  // per asset
  std::vector<sizing::PriceDeviationGuard> guards_;           // per instrument, with the guard on
  // The book depth of the instruments that have it, and the latest snapshot taken (0: none yet).
  struct DepthFeed {
    std::uint16_t instrument;
    MappedInstrument mapped;
    std::vector<DepthSnapshot> snapshots;
    std::size_t taken = 0;
  };
  std::vector<DepthFeed> depth_;
  std::vector<std::int64_t> last_print_;  // per instrument: the last trade print
  std::vector<double> traded_lots_;       // per instrument: Σ lots of the generated fills
  std::int64_t next_due_ns_ = -1;
  std::int64_t last_cap_hit_ns_ = -1;
  std::int64_t last_sample_ns_ = INT64_MIN;  // the tiers' clock: the last coverage sample's time
  std::int64_t next_contribution_ns_ = -1;
  sizing::ContributionCalculator contribution_calc_;
  std::vector<sizing::MemberExposure> exposures_;       // scratch
  sizing::ReplenishmentCalculator replenishment_calc_;  // capped at 1x each contribution
  std::vector<sizing::MemberCallShare> calls_;          // scratch
  // Per asset, per member: its contribution as last set (the seeded share, then each target sent).
  std::vector<std::vector<std::int64_t>> targets_;
  struct PendingChange {
    std::uint8_t asset;
    sizing::TierChange change;
  };
  std::vector<PendingChange>
      pending_;  // cascade changes seen in outputs, sent before the next item
  SizingReport report_;
};

}  // namespace backstop::replay
