#include "replay/sizing_stage.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <stdexcept>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "backstop/margin.hpp"
#include "marketdata/reader.hpp"
#include "replay/depth_slippage.hpp"

namespace backstop::replay {

namespace {

sizing::ScenarioSet build_scenarios(const std::vector<InstrumentSpec>& instruments,
                                    const SizingOptions& o) {
  sizing::ScenarioSet set(sizing::underlyings_by_base_asset(instruments));
  std::string error = set.add_grid(o.grid);
  if (error.empty() && !o.scenarios_toml.empty())
    error = set.add_toml(o.scenarios_toml, o.scenarios_source, instruments);
  if (!error.empty()) throw std::invalid_argument("sizing: " + error);
  return set;
}

// "2025-10-09 21:20 UTC +2880 x 1m": a historical window's start and length, for its scenario's
// name.
std::string window_label(std::int64_t start_ns, std::size_t h, std::int64_t interval_ns) {
  const std::time_t seconds = static_cast<std::time_t>(start_ns / 1'000'000'000);
  return fmt::format("{:%Y-%m-%d %H:%M} UTC +{} x {}s", fmt::gmtime(seconds), h,
                     interval_ns / 1'000'000'000);
}

std::string validated(const SizingOptions& o) {
  if (o.interval_ns <= 0) return "interval must be positive";
  if (sizing::validate(o.var) != sizing::VarEsConfigError{}) return "invalid VaR / ES levels";
  if (sizing::validate(o.ewma) != sizing::EwmaConfigError{}) return "invalid EWMA settings";
  if (sizing::validate(o.horizon) != sizing::HorizonConfigError{}) return "invalid horizon";
  if (sizing::validate(o.tiers) != sizing::TriggerConfigError{}) return "invalid tier thresholds";
  if (sizing::validate(o.apc) != sizing::ApcConfigError{}) return "invalid anti-procyclicality";
  return {};
}

}  // namespace

SizingStage::SizingStage(const RiskConfig& risk, const SizingOptions& options,
                         std::vector<std::string> asset_names,
                         std::vector<std::vector<std::uint64_t>> members,
                         std::vector<std::int64_t> contributions)
    : options_(options),
      asset_names_(std::move(asset_names)),
      members_(std::move(members)),
      instruments_(risk.instruments),
      asset_count_(risk.asset_count),
      mirror_(risk),
      history_(risk.instruments.size(), options.history_capacity, options.interval_ns,
               sizing::WhenFull::kDropOldest),
      scenarios_(build_scenarios(risk.instruments, options)),
      traded_lots_(risk.instruments.size(), 0.0),
      contribution_calc_(kClearingMembersMax, options.contribution_basis),
      replenishment_calc_(kClearingMembersMax, sizing::ReplenishmentCap{}) {
  if (const std::string e = validated(options); !e.empty())
    throw std::invalid_argument("sizing: " + e);
  build_books();
  for (std::uint32_t a = 0; a < risk.asset_count; ++a)
    tiers_.emplace_back(options.tiers);
  if (options.deviation) {
    if (sizing::validate(*options.deviation) != sizing::TriggerConfigError{})
      throw std::invalid_argument("sizing: invalid price-deviation band");
    sizing::PriceDeviationConfig c = *options.deviation;
    c.reference = sizing::DeviationReference::kLastTrade;
    for (std::size_t i = 0; i < risk.instruments.size(); ++i)
      guards_.emplace_back(static_cast<std::uint16_t>(i), c);
  }
  last_print_.assign(risk.instruments.size(), 0);
  for (const auto& m : members_) {
    if (m.size() > kClearingMembersMax) throw std::invalid_argument("sizing: too many members");
    const std::size_t a = targets_.size();
    targets_.emplace_back(m.size(), a < contributions.size() ? contributions[a] : 0);
  }
  report_.enabled = true;
  report_.method = options.method == VarMethod::kHistorical ? "historical"
                   : options.method == VarMethod::kFiltered ? "filtered"
                                                            : "parametric";
  report_.var_level = options.var.var_confidence;
  report_.es_level = options.var.es_confidence;
}

// One coverage book per settlement asset, over the scenarios as they stand; again when the
// scenarios grow (before the replay, while the mirror is empty: cheap).
void SizingStage::build_books() {
  books_.clear();
  for (std::uint32_t a = 0; a < asset_count_; ++a) {
    sizing::CoverageOptions co;
    co.asset = static_cast<std::uint8_t>(a);
    co.recentre_band = options_.recentre_band;
    if (const std::string e = sizing::CoverageBook::validate(mirror_, scenarios_, co); !e.empty())
      throw std::invalid_argument("sizing: " + e);
    books_.push_back(std::make_unique<sizing::CoverageBook>(mirror_, scenarios_, co));
  }
  report_.scenarios = static_cast<std::uint32_t>(scenarios_.size());
}

bool SizingStage::start(const std::vector<ReplayInstrument>& instruments, std::string& error) {
  if (!load_history(instruments, error)) return false;
  if (!options_.history_files.empty() && options_.historical_per_side > 0) {
    add_historical_scenarios();
    build_books();
  }
  for (std::size_t i = 0; i < instruments.size() && options_.depth_slippage; ++i) {
    if (instruments[i].depth.empty()) continue;
    depth_.push_back({static_cast<std::uint16_t>(i), instruments[i].mapped, instruments[i].depth});
    ++report_.depth_instruments;
  }
  return true;
}

// The worst moves over the margin period of risk (h intervals, overlapping windows) in the loaded
// history, as simple returns, from where every instrument with history is priced; an instrument
// without history does not move in them.
void SizingStage::add_historical_scenarios() {
  const sizing::JointReturns all = history_.joint();
  const std::size_t h = static_cast<std::size_t>(
      sizing::horizon_intervals(options_.horizon.mpor_ns, options_.interval_ns));
  std::size_t from = 0;
  for (std::size_t i = 0; i < history_.instruments(); ++i) {
    const std::size_t first = history_.first_priced_index(i);
    if (first < all.count()) from = std::max(from, first);
  }
  const sizing::JointReturns paths = all.window(from, all.count() - from);
  const std::size_t windows = paths.horizon_count(h);
  if (windows == 0) {
    report_.historical_note = fmt::format(
        "the history holds {} priced intervals, fewer than the margin period of risk's {}",
        paths.count(), h);
    return;
  }
  std::vector<std::vector<double>> series(paths.instruments(), std::vector<double>(windows));
  sizing::HistoricalOptions ho;
  ho.per_side = options_.historical_per_side;
  for (std::size_t k = 0; k < windows; ++k) {
    for (std::size_t i = 0; i < paths.instruments(); ++i)
      series[i][k] = std::expm1(paths.horizon_return(i, k, h));
    ho.labels.push_back(window_label(history_.boundary_ns(from + k), h, options_.interval_ns));
  }
  const std::vector<std::span<const double>> spans(series.begin(), series.end());
  const std::size_t before = scenarios_.size();
  if (const std::string e = scenarios_.add_historical(spans, ho); !e.empty()) {
    report_.historical_note = e;
    return;
  }
  report_.historical_scenarios = static_cast<std::uint32_t>(scenarios_.size() - before);
  for (std::size_t s = before; s < scenarios_.size(); ++s)
    report_.historical_names.push_back(scenarios_.name(s));
}

bool SizingStage::load_history(const std::vector<ReplayInstrument>& instruments,
                               std::string& error) {
  struct Sample {
    std::int64_t ts_ns;
    std::uint16_t instrument;
    std::int64_t ticks;
  };
  std::vector<Sample> samples;
  for (const std::string& path : options_.history_files) {
    marketdata::MarketReader reader;
    marketdata::ReadStatus status = reader.try_open(path, marketdata::ReaderOptions{});
    marketdata::MarketRecord r;
    while (status == marketdata::ReadStatus::kOk &&
           (status = reader.next(r)) == marketdata::ReadStatus::kOk) {
      const bool priced = r.kind == marketdata::RecordKind::kTrade ||
                          r.kind == marketdata::RecordKind::kMarkPrice ||
                          r.kind == marketdata::RecordKind::kCandle;
      if (!priced) continue;
      for (std::size_t i = 0; i < instruments.size(); ++i) {
        if (instruments[i].obs.symbol != r.symbol.view()) continue;
        bool exact = true;
        const std::int64_t ticks = price_to_ticks(instruments[i].mapped, r.price, exact);
        // A candle's price is its close, at its close time.
        const std::int64_t ts =
            r.kind == marketdata::RecordKind::kCandle && r.aux_ts_ns > 0 ? r.aux_ts_ns : r.ts_ns;
        if (ticks > 0) samples.push_back({ts, static_cast<std::uint16_t>(i), ticks});
        break;
      }
    }
    if (status != marketdata::ReadStatus::kEnd) {
      error = "--history: " + (reader.error().empty()
                                   ? path + ": " + std::string(marketdata::to_string(status))
                                   : reader.error());
      return false;
    }
  }
  if (!options_.history_files.empty() && samples.empty()) {
    error = "--history: no trade, mark or candle of the replayed instruments in the files";
    return false;
  }
  std::stable_sort(samples.begin(), samples.end(),
                   [](const Sample& a, const Sample& b) { return a.ts_ns < b.ts_ns; });
  for (const Sample& x : samples) {
    if (history_.try_add(x.instrument, x.ts_ns, static_cast<double>(x.ticks)) ==
        sizing::SampleRejection::kNone) {
      ++report_.history_loaded;
    } else {
      ++report_.history_refused;
    }
  }
  return true;
}

void SizingStage::on_trade_print(std::uint16_t instrument, std::int64_t ticks) {
  if (instrument < last_print_.size() && ticks > 0) last_print_[instrument] = ticks;
}

void SizingStage::before_mark(std::uint16_t instrument, std::int64_t ticks, std::int64_t time_ns,
                              std::vector<Event>& out) {
  if (instrument >= guards_.size() || last_print_[instrument] <= 0) return;
  const auto r = guards_[instrument].observe(time_ns, Price{ticks}, Price{last_print_[instrument]});
  if (!r.change) return;
  const sizing::PriceDeviationChange& c = *r.change;
  TriggerChange t;
  t.time_ns = time_ns;
  t.trigger = "deviation";
  t.subject = instrument < instruments_.size() ? instruments_[instrument].symbol
                                               : std::to_string(instrument);
  const bool started = c.event == sizing::DeviationEvent::kStarted;
  t.from = started ? "free" : sizing::action_name(c.action);
  t.to = started ? sizing::action_name(c.action) : "free";
  t.value = static_cast<double>(c.deviation_ppm) / 1e6;
  t.threshold = static_cast<double>(c.threshold_ppm) / 1e6;
  t.detail = std::string(sizing::event_name(c.event)) + ", mark " + std::to_string(c.mark.raw()) +
             ", last trade " + std::to_string(c.reference_price.raw());
  report_.triggers.push_back(t);
  if (!options_.send_controls) return;
  const HoldMode mode = !started ? HoldMode::kNone
                        : c.action == sizing::DeviationAction::kTakeoverOnly
                            ? HoldMode::kTakeoverOnly
                            : HoldMode::kHold;
  const std::int64_t until = started ? time_ns + options_.deviation->max_hold_ns : 0;
  out.push_back(make_liquidation_hold(instrument, mode, until, time_ns));
  ++report_.controls_sent;
}

void SizingStage::on_generated(std::span<const Event> events) {
  for (const Event& e : events) {
    if (e.type == EventType::kFill && e.instrument < traded_lots_.size())
      traded_lots_[e.instrument] += static_cast<double>(e.fill.qty.raw());
  }
}

// The notional a liquidation closed, at the mark the mirror holds: what the cascade counts.
std::int64_t SizingStage::liquidated_notional(const WaterfallRecord& r) const {
  if (r.instrument >= mirror_.instrument_count()) return 0;
  const InstrumentRisk& risk = mirror_.risk(r.instrument);
  const std::int64_t lots = r.amount < 0 ? -r.amount : r.amount;
  const Int128 v = value_up(risk, lots, mirror_.state(r.instrument).mark);
  const Int128 n = v < 0 ? -v : v;
  return n > INT64_MAX ? INT64_MAX : static_cast<std::int64_t>(n);
}

// The engine's own fund triggers (docs/waterfall.md): the drawdown switch and each takeover the
// exposure cap sent to ADL, into the report with their numbers (ratios of the asset's money).
void SizingStage::engine_trigger(const OutputEvent& out) {
  const WaterfallRecord& r = out.waterfall;
  if (r.kind != WaterfallKind::kDrawdownOn && r.kind != WaterfallKind::kDrawdownOff &&
      r.kind != WaterfallKind::kExposureCap) {
    return;
  }
  TriggerChange t;
  t.time_ns = out.input_time_ns;
  const bool cap = r.kind == WaterfallKind::kExposureCap;
  t.trigger = cap ? "exposure_cap" : "drawdown";
  t.subject = r.asset < asset_names_.size() ? asset_names_[r.asset] : std::to_string(r.asset);
  if (cap) {
    ++report_.exposure_cap_hits;
    t.from = "takeover";
    t.to = "adl";
    t.value = static_cast<double>(r.before) + static_cast<double>(r.amount);  // with this one
    t.threshold = static_cast<double>(r.after);
    t.detail = "account " + std::to_string(r.account) + ", position notional " +
               std::to_string(r.amount) + ", taken over before " + std::to_string(r.before) +
               ", cap " + std::to_string(r.after);
    // Every takeover beyond the cap is one record: the report keeps the first of each run of them.
    if (last_cap_hit_ns_ >= 0 && out.input_time_ns - last_cap_hit_ns_ < options_.interval_ns) {
      last_cap_hit_ns_ = out.input_time_ns;
      return;
    }
    last_cap_hit_ns_ = out.input_time_ns;
  } else {
    const bool on = r.kind == WaterfallKind::kDrawdownOn;
    t.from = on ? "fund_first" : "adl_first";
    t.to = on ? "adl_first" : "fund_first";
    t.value = r.before > 0 ? 1.0 - static_cast<double>(r.amount) / static_cast<double>(r.before)
                           : 0.0;  // the drawdown from the window's high
    t.threshold =
        r.before > 0 ? 1.0 - static_cast<double>(r.after) / static_cast<double>(r.before) : 0.0;
    t.detail = "fund " + std::to_string(r.amount) + ", window high " + std::to_string(r.before) +
               ", level " + std::to_string(r.after);
  }
  report_.triggers.push_back(t);
}

void SizingStage::on_output(const OutputEvent& out) {
  if (out.kind == OutputKind::kState) {
    const StateRecord& s = out.state;
    if (mirror_.apply(s) != sizing::MirrorError::kNone) ++report_.feed_errors;
    if (s.kind == StateKind::kInstrument && s.marks.mark > 0) {
      if (history_.try_add(s.instrument, out.input_time_ns, static_cast<double>(s.marks.mark)) !=
          sizing::SampleRejection::kNone) {
        ++report_.history_refused;
      }
    }
    return;
  }
  if (out.kind == OutputKind::kWaterfall) engine_trigger(out);
  if (out.kind == OutputKind::kWaterfall && out.waterfall.kind == WaterfallKind::kTakeover) {
    const std::uint8_t a = out.waterfall.asset;
    if (a < tiers_.size()) {
      // Outputs come through the gate up to a second after the item the stage last sampled at:
      // a liquidation counts from the later of its own time and that sample's (the tiers' clock
      // never goes back), so the window holds it no shorter than its time says.
      const std::int64_t t = std::max(out.input_time_ns, last_sample_ns_);
      const auto r = tiers_[a].observe_liquidation(t, Money{liquidated_notional(out.waterfall)});
      if (r.change) pending_.push_back({a, *r.change});
    }
  }
}

void SizingStage::before_item(std::int64_t time_ns, std::vector<Event>& out) {
  if (next_due_ns_ < 0) {
    next_due_ns_ = (time_ns / options_.interval_ns + 1) * options_.interval_ns;
    return;
  }
  for (const auto& [asset, change] : pending_)
    on_change(asset, change, out);
  pending_.clear();
  if (time_ns < next_due_ns_) return;
  sample(time_ns, out);
  next_due_ns_ = (time_ns / options_.interval_ns + 1) * options_.interval_ns;
  if (options_.contribution_interval_ns > 0 && time_ns >= next_contribution_ns_) {
    next_contribution_ns_ =
        (time_ns / options_.contribution_interval_ns + 1) * options_.contribution_interval_ns;
  }
}

// Each instrument's slippage from the latest book-depth snapshot at or before `time_ns`, at the
// mirror's mark, set on its asset's book when a newer snapshot came (the book recomputes at sync).
void SizingStage::update_slippage(std::int64_t time_ns) {
  for (DepthFeed& d : depth_) {
    const std::size_t before = d.taken;
    while (d.taken < d.snapshots.size() && d.snapshots[d.taken].ts_ns <= time_ns)
      ++d.taken;
    const std::int64_t mark = mirror_.state(d.instrument).mark;
    const std::uint8_t asset = instruments_[d.instrument].settlement_asset;
    if (d.taken == before || d.taken == 0 || mark <= 0 || asset >= books_.size()) continue;
    DepthSlippage s =
        depth_slippage(d.snapshots[d.taken - 1], d.mapped, mirror_.risk(d.instrument), mark);
    books_[asset]->set_slippage(d.instrument, std::move(s.sell), std::move(s.buy));
    ++report_.slippage_updates;
  }
}

void SizingStage::sample(std::int64_t time_ns, std::vector<Event>& out) {
  last_sample_ns_ = std::max(last_sample_ns_, time_ns);
  update_slippage(time_ns);
  for (auto& book : books_)
    book->sync();
  mirror_.clear_changes();
  for (std::size_t a = 0; a < books_.size(); ++a) {
    const sizing::Requirements& req = books_[a]->requirements();
    const FundLevels& f = mirror_.funds(static_cast<std::uint8_t>(a));
    const std::int64_t available = f.insurance + f.default_fund;
    const Int128 requirement = req.cover2.amount;
    const sizing::CoverageRatio ratio =
        sizing::coverage_ratio(f.insurance, f.default_fund, requirement);
    const auto clamp = [](Int128 v) {
      return v > INT64_MAX ? INT64_MAX : static_cast<std::int64_t>(v);
    };
    if (const auto r = tiers_[a].advance_time(time_ns); r.change) on_change(a, *r.change, out);
    const std::size_t changes_before = report_.triggers.size();
    if (const auto r = tiers_[a].observe_coverage(
            time_ns, Money{std::max<std::int64_t>(0, available)}, Money{clamp(requirement)});
        r.change) {
      on_change(static_cast<std::uint8_t>(a), *r.change, out);
    }
    const bool tier_moved = report_.triggers.size() != changes_before;
    if (options_.contribution_interval_ns > 0 && options_.send_controls &&
        (tier_moved || time_ns >= next_contribution_ns_)) {
      contributions(static_cast<std::uint8_t>(a), time_ns, out);
    }
    if (requirement == 0 && available == 0) continue;  // an asset nobody uses
    CoverageSample s;
    s.time_ns = time_ns;
    s.asset = static_cast<std::uint8_t>(a);
    s.cover1 = clamp(req.cover1.amount);
    s.cover2 = clamp(req.cover2.amount);
    s.emir = clamp(req.emir.amount);
    s.funds = available;
    s.insurance = f.insurance;
    s.ratio = ratio.has_requirement ? ratio.ratio : kNoRequirement;
    s.tier = sizing::tier_name(tiers_[a].tier());
    report_.coverage.push_back(s);
  }
}

// A member's largest stressed deficit over the scenarios (0 when it holds nothing).
std::int64_t SizingStage::worst_deficit(std::uint8_t asset, std::uint64_t account) const {
  const std::uint32_t slot = mirror_.slot_of(account);
  if (slot == kNoSlot || asset >= books_.size()) return 0;
  const sizing::CoverageBook& book = *books_[asset];
  if (slot >= book.account_count()) return 0;
  std::int64_t worst = 0;
  for (std::size_t s = 0; s < book.scenario_count(); ++s)
    worst = std::max(worst, book.deficit(slot, s));
  return worst;
}

// A member's initial margin at the mirror's marks, rounded up.
std::int64_t SizingStage::initial_margin(std::uint64_t account) const {
  const std::uint32_t slot = mirror_.slot_of(account);
  if (slot == kNoSlot) return 0;
  Int128 im = 0;
  for (const Position& p : mirror_.positions(slot)) {
    im += backstop::initial_margin(mirror_.risk(p.instrument), p.qty, p.cost,
                                   mirror_.state(p.instrument).mark);
  }
  return im > INT64_MAX ? INT64_MAX : static_cast<std::int64_t>(im);
}

// The default fund's requirement - the part of Cover-2 the insurance fund does not cover - split
// over the asset's members (contributions.hpp), each new target sent as a RiskControl input.
void SizingStage::contributions(std::uint8_t asset, std::int64_t time_ns, std::vector<Event>& out) {
  if (asset >= members_.size() || members_[asset].empty()) return;
  const sizing::Requirements& req = books_[asset]->requirements();
  const Int128 uncovered = req.cover2.amount - mirror_.funds(asset).insurance;
  const std::int64_t requirement = uncovered <= 0          ? 0
                                   : uncovered > INT64_MAX ? INT64_MAX
                                                           : static_cast<std::int64_t>(uncovered);
  exposures_.clear();
  for (const std::uint64_t id : members_[asset]) {
    exposures_.push_back({AccountId{id}, Money{worst_deficit(asset, id)}, Money{initial_margin(id)},
                          Money{options_.contribution_floor}});
  }
  const sizing::ContributionResult r = contribution_calc_.compute(Money{requirement}, exposures_);
  if (r.status != sizing::ApportionStatus::kOk) return;
  for (const sizing::MemberContribution& c : contribution_calc_.contributions()) {
    const auto id = static_cast<std::uint64_t>(c.account);
    const auto k = static_cast<std::size_t>(
        std::find(members_[asset].begin(), members_[asset].end(), id) - members_[asset].begin());
    if (k >= targets_[asset].size() || targets_[asset][k] == c.amount.raw()) continue;
    targets_[asset][k] = c.amount.raw();
    out.push_back(make_contribution_target(id, c.amount, time_ns));
    ++report_.controls_sent;
    ++report_.contribution_targets_sent;
  }
}

void SizingStage::on_change(std::uint8_t asset, const sizing::TierChange& c,
                            std::vector<Event>& out) {
  TriggerChange t;
  t.time_ns = c.time_ns;
  t.trigger = sizing::cause_name(c.cause);
  t.subject = asset < asset_names_.size() ? asset_names_[asset] : std::to_string(asset);
  t.from = sizing::tier_name(c.from);
  t.to = sizing::tier_name(c.to);
  t.value = c.cause == sizing::TierCause::kCoverage ? static_cast<double>(c.ratio_ppm) / 1e6
                                                    : static_cast<double>(c.cascade_count);
  t.threshold =
      static_cast<double>(c.threshold) / (c.cause == sizing::TierCause::kCoverage ? 1e6 : 1.0);
  t.detail = std::string(sizing::threshold_name(c.crossed)) + ", requirement " +
             std::to_string(c.requirement.raw()) + ", funds " + std::to_string(c.funds.raw()) +
             ", fee share " + std::to_string(c.contribution_ppm) + " ppm";
  report_.triggers.push_back(t);
  if (!options_.send_controls) return;
  // The decision enters the engine at this item's time, before the item's own events.
  const std::int64_t when = c.time_ns;
  out.push_back(make_fee_share(asset, c.contribution_ppm, when));
  ++report_.controls_sent;
  const std::int64_t call = c.replenishment_call.raw();
  if (call <= 0 || asset >= members_.size() || members_[asset].empty()) return;
  // Pro rata to each member's stressed deficit (an equal split when none has one), each capped at
  // its contribution (contributions.hpp): the parts add up exactly to what is called.
  calls_.clear();
  for (std::size_t k = 0; k < members_[asset].size(); ++k) {
    const std::uint64_t id = members_[asset][k];
    calls_.push_back({AccountId{id}, Money{worst_deficit(asset, id)},
                      Money{std::max<std::int64_t>(0, targets_[asset][k])}});
  }
  const sizing::ReplenishmentResult r = replenishment_calc_.compute(Money{call}, calls_);
  if (r.status != sizing::ApportionStatus::kOk) return;
  for (const sizing::MemberCall& m : replenishment_calc_.calls()) {
    if (m.amount.raw() <= 0) continue;
    const auto id = static_cast<std::uint64_t>(m.account);
    out.push_back(make_replenishment_call(id, m.amount, when));
    ++report_.controls_sent;
    // The engine adds a call to the member's contribution (owed until paid).
    const auto k = static_cast<std::size_t>(
        std::find(members_[asset].begin(), members_[asset].end(), id) - members_[asset].begin());
    if (k < targets_[asset].size()) targets_[asset][k] += m.amount.raw();
  }
}

namespace {

// The scenario losses of one portfolio: overlapping h-interval returns when the history holds at
// least `min_windows` of them, else the one-interval returns scaled by sqrt(h).
// Returns whether it scaled.
bool portfolio_losses(std::span<const sizing::Exposure> p, const sizing::JointReturns& paths,
                      std::size_t h, std::size_t min_windows, std::vector<double>& losses) {
  if (paths.horizon_count(h) >= min_windows) {
    losses.assign(paths.horizon_count(h), 0.0);
    sizing::add_scenario_losses(p, paths, h, losses);
    return false;
  }
  const double scale = std::sqrt(static_cast<double>(h));
  losses.assign(paths.count(), 0.0);
  for (std::size_t k = 0; k < paths.count(); ++k) {
    for (const sizing::Exposure& e : p)
      losses[k] += sizing::exposure_loss(e, paths.log_return(e.instrument, k) * scale);
  }
  return true;
}

std::int64_t money_up(double figure) {
  const std::optional<Money> m = sizing::requirement_money(figure);
  return m ? m->raw() : INT64_MAX;
}

}  // namespace

// Account `slot`'s positions as exposures at the mirror's marks, into `portfolio`; returns its
// liquidation horizon in intervals (0 when it holds nothing): the longest of its positions'.
std::size_t SizingStage::portfolio_of(std::uint32_t slot, double elapsed_days,
                                      std::vector<sizing::Exposure>& portfolio) const {
  portfolio.clear();
  double horizon_ns = 0;
  for (const Position& p : mirror_.positions(slot)) {
    const InstrumentRisk& r = mirror_.risk(p.instrument);
    const std::int64_t mark = mirror_.state(p.instrument).mark;
    portfolio.push_back({p.instrument, r.kind,
                         sizing::exposure_value(r.kind, Qty{p.qty}, Price{mark}, r.multiplier)});
    const double adv = traded_lots_[p.instrument] / elapsed_days;
    horizon_ns = std::max<double>(
        horizon_ns, static_cast<double>(sizing::liquidation_horizon_ns(
                        options_.horizon, std::fabs(static_cast<double>(p.qty)), adv)));
  }
  if (portfolio.empty()) return 0;
  return static_cast<std::size_t>(
      sizing::horizon_intervals(static_cast<std::int64_t>(horizon_ns), options_.interval_ns));
}

// Adds to the venue's sample what one account loses beyond its equity (the loss its collateral
// does not cover, which falls to the funds), scenario by scenario. (The accounts' plain losses
// would net to the venue's own book: every long has a short.) Scenario k is the window starting
// at interval k, each account over its own horizon h, when the history holds enough windows of
// the longest horizon `venue_h`; otherwise interval k's return scaled by sqrt(h) (returns false).
bool SizingStage::add_venue_losses(std::span<const sizing::Exposure> portfolio, Int128 equity,
                                   const sizing::JointReturns& paths, std::size_t h,
                                   std::size_t venue_h, std::vector<double>& sample) const {
  const std::size_t windows = paths.horizon_count(venue_h);
  const bool overlapping = windows >= options_.min_horizon_windows;
  const std::size_t n = overlapping ? windows : paths.count();
  const double scale = std::sqrt(static_cast<double>(h));
  sample.resize(std::max(sample.size(), n), 0.0);
  for (std::size_t k = 0; k < n; ++k) {
    double loss = 0;
    for (const sizing::Exposure& e : portfolio) {
      const double r = overlapping ? paths.horizon_return(e.instrument, k, h)
                                   : paths.log_return(e.instrument, k) * scale;
      loss += sizing::exposure_loss(e, r);
    }
    sample[k] += std::max(0.0, loss - static_cast<double>(equity));
  }
  return overlapping;
}

// VaR / ES of a loss sample with the configured anti-procyclicality tool (anti_procyclicality.hpp):
// none, the stressed-period weight, the long-lookback floor, or the buffer, which in a single
// end-of-run figure is the calm one - (1 + buffer) x the figure.
std::optional<sizing::TailFigures> SizingStage::tail_figures(std::vector<double>& losses) const {
  const sizing::ApcConfig& apc = options_.apc;
  if (apc.tool == sizing::ApcTool::kNone) return sizing::historical_var_es(losses, options_.var);
  std::optional<sizing::TailFigures> f = sizing::apc_var_es(losses, apc, options_.var);
  if (f && apc.tool == sizing::ApcTool::kBuffer) {
    f->var *= 1 + apc.buffer;
    f->es *= 1 + apc.buffer;
  }
  return f;
}

// VaR / ES per account over its own horizon, and per asset for the venue: per scenario (each
// interval's joint return, scaled to each account's horizon), the sum over accounts of what they
// lose beyond their equity.
void SizingStage::account_figures(SizingReport& report) {
  const sizing::JointReturns paths = history_.joint();
  report.history_returns = paths.count();
  if (paths.count() < 2) return;
  const double elapsed_days = std::max(
      1.0 / 1440,
      static_cast<double>(std::max<std::int64_t>(1, history_.count() * options_.interval_ns)) /
          86'400e9);
  // Each account's horizon first: the venue's scenarios are windows long enough for every
  // account of the asset.
  std::vector<sizing::Exposure> portfolio;
  std::vector<std::size_t> horizons(mirror_.account_count(), 0);
  std::vector<std::size_t> venue_horizon(books_.size(), 0);
  for (std::uint32_t slot = 0; slot < mirror_.account_count(); ++slot) {
    horizons[slot] = portfolio_of(slot, elapsed_days, portfolio);
    const std::uint8_t asset = mirror_.asset(slot);
    if (asset < venue_horizon.size())
      venue_horizon[asset] = std::max(venue_horizon[asset], horizons[slot]);
  }
  std::vector<std::vector<double>> venue(books_.size());
  std::vector<double> losses;
  std::vector<AccountRisk> all;
  for (std::uint32_t slot = 0; slot < mirror_.account_count(); ++slot) {
    const std::size_t h = portfolio_of(slot, elapsed_days, portfolio);
    if (portfolio.empty()) continue;
    const std::uint8_t asset = mirror_.asset(slot);
    std::optional<sizing::TailFigures> f;
    if (options_.method == VarMethod::kParametric) {
      const sizing::EwmaCovariance cov(paths, options_.ewma);
      f = sizing::parametric_var_es(portfolio, cov, h, options_.var);
    } else if (options_.method == VarMethod::kFiltered) {
      const sizing::FilteredReturns filtered(paths, options_.ewma);
      if (portfolio_losses(portfolio, filtered.joint(), h, options_.min_horizon_windows, losses))
        report.sqrt_time_horizon = std::max<std::uint64_t>(report.sqrt_time_horizon, h);
      f = tail_figures(losses);
    } else {
      if (portfolio_losses(portfolio, paths, h, options_.min_horizon_windows, losses))
        report.sqrt_time_horizon = std::max<std::uint64_t>(report.sqrt_time_horizon, h);
      f = tail_figures(losses);
    }
    if (asset < venue.size()) {
      if (!add_venue_losses(portfolio, mirror_.equity(slot), paths, h, venue_horizon[asset],
                            venue[asset])) {
        report.sqrt_time_horizon = std::max<std::uint64_t>(report.sqrt_time_horizon, h);
      }
    }
    if (!f) continue;
    AccountRisk a;
    a.account = mirror_.id_of(slot);
    a.asset = asset;
    a.var = money_up(f->var);
    a.es = money_up(f->es);
    a.horizon_days = static_cast<double>(h * options_.interval_ns) / 86'400e9;
    all.push_back(a);
  }
  std::sort(all.begin(), all.end(), [](const AccountRisk& x, const AccountRisk& y) {
    return x.var != y.var ? x.var > y.var : x.account < y.account;
  });
  if (all.size() > kTopAccounts) all.resize(kTopAccounts);
  report.top_accounts = std::move(all);
  for (std::size_t a = 0; a < venue.size(); ++a) {
    if (venue[a].empty()) continue;
    const std::optional<sizing::TailFigures> f = tail_figures(venue[a]);
    if (!f) continue;
    report.assets[a].var = money_up(f->var);
    report.assets[a].es = money_up(f->es);
  }
}

SizingReport SizingStage::finish(std::int64_t time_ns) {
  std::vector<Event> ignored;  // decisions after the last item have no input to precede
  sample(time_ns, ignored);
  SizingReport report = report_;
  report.assets.clear();
  for (std::size_t a = 0; a < books_.size(); ++a) {
    SizingReport::AssetFigures f;
    f.asset = static_cast<std::uint8_t>(a);
    const sizing::Requirements& req = books_[a]->requirements();
    const auto clamp = [](Int128 v) {
      return v > INT64_MAX ? INT64_MAX : static_cast<std::int64_t>(v);
    };
    f.cover1 = clamp(req.cover1.amount);
    f.cover2 = clamp(req.cover2.amount);
    if (req.cover2.scenario != sizing::kNoScenario)
      f.cover2_scenario = scenarios_.name(req.cover2.scenario);
    for (const CoverageSample& s : report.coverage) {
      if (s.asset != a || s.ratio == kNoRequirement) continue;
      if (f.coverage_ratio_min == kNoRequirement || s.ratio < f.coverage_ratio_min) {
        f.coverage_ratio_min = s.ratio;
        f.coverage_ratio_min_time_ns = s.time_ns;
      }
    }
    report.assets.push_back(f);
  }
  account_figures(report);
  return report;
}

}  // namespace backstop::replay
