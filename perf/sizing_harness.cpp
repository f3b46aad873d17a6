// `backstop bench sizing --accounts N --scenarios S [--json]`: the coverage book's costs
// (docs/coverage.md). Builds the margin benchmark's population of N accounts (1-3 linear positions
// each, perf/margin_population.hpp), mirrors it through account-state records, builds S joint
// stress scenarios over its three underlyings, then measures on the harness thread (pinned to
// CPU 1 where allowed):
//   - a full recompute (every account's stressed equity vector and every scenario's top-K),
//   - the incremental update of one account after its position changed (O(S)),
//   - the requirements query that follows it (Cover-1 / Cover-2 / EMIR, rescans included),
// and fails (exit 1) unless the mirror's equity equals the engine's for every account and the
// incremental requirements equal a from-scratch sort at the end. Cold code; single-threaded.
#include <time.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include <fmt/core.h>

#include "backstop/margin.hpp"
#include "harnesses.hpp"
#include "latency_histogram.hpp"
#include "margin_population.hpp"
#include "sizing/account_mirror.hpp"
#include "sizing/coverage_book.hpp"
#include "sizing/scenario_set.hpp"
#include "thread_tools.hpp"

namespace backstop::perf {

namespace {

using sizing::AccountMirror;
using sizing::CoverageBook;
using sizing::CoverageOptions;
using sizing::Requirements;
using sizing::ScenarioSet;

// This thread's CPU time: on a shared machine the wall time of a long loop includes the time the
// thread was not running.
std::uint64_t thread_cpu_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

// One account's state as the account-state feed carries it (state_feed.hpp).
void append_account(const RiskEngine& e, std::uint32_t slot, std::vector<StateRecord>& out) {
  const Account& a = e.account(slot);
  StateRecord r{};
  r.kind = StateKind::kAccount;
  r.asset = a.asset;
  r.account = a.id;
  r.account_state = AccountState{a.balance, a.position_count, 0};
  out.push_back(r);
  for (const Position& p : e.positions(slot)) {
    StateRecord q{};
    q.kind = StateKind::kPosition;
    q.asset = a.asset;
    q.instrument = p.instrument;
    q.account = a.id;
    q.position = PositionState{p.qty, p.cost, p.funding_snapshot};
    out.push_back(q);
  }
}

void append_instrument(const RiskEngine& e, std::uint16_t i, std::vector<StateRecord>& out) {
  const InstrumentState& s = e.instrument_state(i);
  StateRecord r{};
  r.kind = StateKind::kInstrument;
  r.instrument = i;
  r.marks = InstrumentMarks{s.mark, s.long_funding_index, s.short_funding_index};
  out.push_back(r);
}

// S joint scenarios: falls and rises of 0.5 % … 50 % of every underlying, each underlying
// weighted 0.6x … 1.4x in a rotating pattern so that the scenarios are not all proportional.
ScenarioSet make_scenarios(const RiskConfig& config, std::size_t count) {
  ScenarioSet set(sizing::underlyings_by_base_asset(config.instruments));
  const std::size_t u = set.underlyings().names.size();
  const std::size_t pairs = (count + 1) / 2;
  std::vector<double> shock(u);
  for (std::size_t k = 0; k < count; ++k) {
    const double magnitude = 0.5 * static_cast<double>(k / 2 + 1) / static_cast<double>(pairs);
    for (std::size_t j = 0; j < u; ++j) {
      const double weight = 0.6 + 0.4 * static_cast<double>((j + k) % 3);
      shock[j] = std::clamp((k & 1 ? 1.0 : -1.0) * magnitude * weight, -0.95, 10.0);
    }
    (void)set.add(fmt::format("bench {}", k), shock);
  }
  return set;
}

bool same(const Requirements& a, const Requirements& b) {
  const auto eq = [](const sizing::CoverFigure& x, const sizing::CoverFigure& y) {
    return x.amount == y.amount && x.scenario == y.scenario && x.accounts == y.accounts &&
           x.deficits == y.deficits;
  };
  return eq(a.cover1, b.cover1) && eq(a.cover2, b.cover2) && eq(a.emir, b.emir);
}

struct SizingResults {
  std::int64_t accounts = 0;
  std::size_t scenarios = 0;
  std::uint64_t positions = 0;
  double build_s = 0;
  bool pinned = false;
  std::vector<double> full_ms;
  std::vector<double> full_cpu_ms;
  LatencyHistogram update;
  LatencyHistogram query;
  std::uint64_t rescans = 0;
  std::int64_t cover1 = 0;
  std::int64_t cover2 = 0;
  std::int64_t emir = 0;
  LatencyHistogram fill_off;  // the engine's fill, state feed off
  LatencyHistogram fill_on;   // the same fill plus emitting its state records, feed on
  bool equity_ok = false;
  bool requirements_ok = false;

  static double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
  }
  double full_median_ms() const { return median(full_ms); }
  double full_cpu_median_ms() const { return median(full_cpu_ms); }
  double full_min_ms() const {
    return full_ms.empty() ? 0 : *std::min_element(full_ms.begin(), full_ms.end());
  }
  bool ok() const { return equity_ok && requirements_ok; }
};

void print_json(const SizingResults& r) {
  fmt::print(
      "{{\"accounts\":{},\"scenarios\":{},\"positions\":{},"
      "\"full_recompute_ms\":{:.2f},\"full_recompute_ms_min\":{:.2f},"
      "\"full_recompute_cpu_ms\":{:.2f},"
      "\"incremental_update_ns_p50\":{},\"incremental_update_ns_p99\":{},"
      "\"incremental_update_ns_p999\":{},\"incremental_update_ns_max\":{},"
      "\"requirements_query_ns_p50\":{},\"requirements_query_ns_p99\":{},\"scenario_rescans\":{},"
      "\"fill_ns_p50_sizing_off\":{},\"fill_ns_p50_sizing_on\":{},"
      "\"fill_ns_p99_sizing_off\":{},\"fill_ns_p99_sizing_on\":{},\"cover1\":{},\"cover2\":{},"
      "\"emir\":{},\"build_s\":{:.2f},\"pinned\":{},\"check_ok\":{}}}"
      "\n",
      r.accounts, r.scenarios, r.positions, r.full_median_ms(), r.full_min_ms(),
      r.full_cpu_median_ms(), r.update.percentile(0.5), r.update.percentile(0.99),
      r.update.percentile(0.999), r.update.max(), r.query.percentile(0.5), r.query.percentile(0.99),
      r.rescans, r.fill_off.percentile(0.5), r.fill_on.percentile(0.5), r.fill_off.percentile(0.99),
      r.fill_on.percentile(0.99), r.cover1, r.cover2, r.emir, r.build_s, r.pinned, r.ok());
}

void print_text(const SizingResults& r) {
  fmt::print(
      "coverage book, {} accounts ({} positions) x {} scenarios, built in {:.2f} s; harness "
      "thread {}pinned\n",
      r.accounts, r.positions, r.scenarios, r.build_s, r.pinned ? "" : "not ");
  fmt::print(
      "  full recompute: median {:.2f} ms, min {:.2f} ms over {} runs (thread CPU {:.2f} ms)\n",
      r.full_median_ms(), r.full_min_ms(), r.full_ms.size(), r.full_cpu_median_ms());
  fmt::print("  {:<38} {:>10} {:>10} {:>10} {:>10}\n", "ns", "p50", "p99", "p99.9", "max");
  const auto row = [](const char* what, const LatencyHistogram& h) {
    fmt::print("  {:<38} {:>10} {:>10} {:>10} {:>10}\n", what, h.percentile(0.5),
               h.percentile(0.99), h.percentile(0.999), h.max());
  };
  row("incremental update of one account", r.update);
  row("requirements query after it", r.query);
  row("engine fill, state feed off", r.fill_off);
  row("engine fill + its state records, feed on", r.fill_on);
  fmt::print("  scenario rescans {}; Cover-1 {}, Cover-2 {}, EMIR {}\n", r.rescans, r.cover1,
             r.cover2, r.emir);
  fmt::print("  check: mirror equity equals the engine's {}, incremental equals from scratch {}\n",
             r.equity_ok, r.requirements_ok);
}

// Fills between pairs (accounts 2k+1, 2k+2 hold the same instruments), alternating direction so
// the population stays as built; with the feed on each fill's records are handed to a fixed
// buffer, as the pipeline copies them into its output ring.
void measure_fills(RiskEngine& e, std::uint32_t accounts, std::uint64_t empty,
                   LatencyHistogram& h) {
  std::array<StateRecord, 64> buffer{};
  std::size_t emitted = 0;
  std::uint64_t x = 2463534242ull;
  for (std::uint32_t k = 0; k < 300'000; ++k) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const auto a = static_cast<std::uint32_t>((x >> 8) % (accounts / 2)) * 2;
    const Position& p = e.positions(a)[0];
    const Event ev = make_fill(p.instrument, (k & 1) ? Side::kBuy : Side::kSell, a + 1, a + 2,
                               Price{e.instrument_state(p.instrument).mark}, Qty{1});
    const std::uint64_t t0 = now_ns();
    e.process(ev);
    e.emit_state([&](const StateRecord& r) { buffer[emitted++ & 63] = r; });
    const std::uint64_t t1 = now_ns();
    if (k >= 50'000) h.record(t1 - t0 > empty ? t1 - t0 - empty : 0);  // after a warm-up
  }
}

}  // namespace

int run_sizing_harness(const BenchOptions& options) {
  SizingResults r;
  r.accounts = options.accounts > 0 ? options.accounts : 100'000;
  r.scenarios = options.scenarios > 0 ? static_cast<std::size_t>(options.scenarios) : 200;
  r.pinned = pin_current_thread(1);

  const std::uint64_t t0 = now_ns();
  MarginPopulation pop =
      build_margin_population(static_cast<std::uint32_t>(r.accounts), 3, 20251010);
  RiskEngine& e = *pop.engine;
  r.positions = pop.open_positions;
  const RiskConfig config = margin_population_config(pop.accounts, 3);
  AccountMirror mirror(config);
  std::vector<StateRecord> records;
  for (std::uint16_t i = 0; i < e.instrument_count(); ++i)
    append_instrument(e, i, records);
  for (std::uint32_t slot = 0; slot < e.account_count(); ++slot)
    append_account(e, slot, records);
  if (mirror.apply(records) != sizing::MirrorError::kNone) {
    fmt::print(stderr, "bench sizing: the mirror refused the population's records\n");
    return 1;
  }
  mirror.clear_changes();
  const ScenarioSet scenarios = make_scenarios(config, r.scenarios);
  CoverageBook book(mirror, scenarios, CoverageOptions{});
  r.build_s = static_cast<double>(now_ns() - t0) / 1e9;

  for (int run = 0; run < 7; ++run) {
    const std::uint64_t a = now_ns();
    const std::uint64_t cpu = thread_cpu_ns();
    book.recompute();
    r.full_cpu_ms.push_back(static_cast<double>(thread_cpu_ns() - cpu) / 1e6);
    r.full_ms.push_back(static_cast<double>(now_ns() - a) / 1e6);
  }

  // One account's position moves by a lot (alternately up and down, so the population stays as
  // built), the mirror takes its records, then the book revalues it: only the update is timed.
  std::uint64_t x = 88172645463325252ull;
  const std::uint64_t empty = [] {
    std::vector<std::uint64_t> v(10'001);
    for (auto& d : v) {
      const std::uint64_t a = now_ns();
      d = now_ns() - a;
    }
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return v[v.size() / 2];
  }();
  const auto lapse = [empty](std::uint64_t a, std::uint64_t b) {
    return b - a > empty ? b - a - empty : 0;
  };
  for (std::uint32_t k = 0; k < 220'000; ++k) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const auto slot = static_cast<std::uint32_t>((x >> 8) % mirror.account_count());
    records.clear();
    StateRecord head{};
    head.kind = StateKind::kAccount;
    head.asset = mirror.asset(slot);
    head.account = mirror.id_of(slot);
    head.account_state = AccountState{mirror.balance(slot),
                                      static_cast<std::int64_t>(mirror.positions(slot).size()), 0};
    records.push_back(head);
    for (const Position& p : mirror.positions(slot)) {
      StateRecord q{};
      q.kind = StateKind::kPosition;
      q.asset = head.asset;
      q.instrument = p.instrument;
      q.account = head.account;
      const std::int64_t step = (k & 1) ? 1 : -1;
      const std::int64_t qty = p.qty + (p.qty > 0 ? step : -step) * (p.qty > 1 || p.qty < -1);
      const Int128 value =
          value_up(mirror.risk(p.instrument), qty - p.qty, mirror.state(p.instrument).mark);
      q.position =
          PositionState{qty, static_cast<std::int64_t>(p.cost + value), p.funding_snapshot};
      records.push_back(q);
    }
    (void)mirror.apply(records);
    mirror.clear_changes();
    const std::uint64_t a = now_ns();
    book.update_account(slot);
    const std::uint64_t b = now_ns();
    const Requirements& req = book.requirements();
    const std::uint64_t c = now_ns();
    if (k >= 20'000) {  // the first 20k warm the caches
      r.update.record(lapse(a, b));
      r.query.record(lapse(b, c));
    }
    r.cover1 = static_cast<std::int64_t>(req.cover1.amount);
  }
  r.rescans = book.scenario_rescans();

  // The hot path's fill with the state feed off and on, in this run: two engines with the same
  // population, measured in alternating blocks so that both see the same machine.
  {
    MarginPopulation with_feed =
        build_margin_population(static_cast<std::uint32_t>(r.accounts), 3, 20251010, true);
    for (int block = 0; block < 2; ++block) {
      measure_fills(e, pop.accounts, empty, r.fill_off);
      measure_fills(*with_feed.engine, with_feed.accounts, empty, r.fill_on);
    }
  }
  const Requirements& req = book.requirements();
  r.cover1 = static_cast<std::int64_t>(req.cover1.amount);
  r.cover2 = static_cast<std::int64_t>(req.cover2.amount);
  r.emir = static_cast<std::int64_t>(req.emir.amount);
  r.requirements_ok = same(req, book.verify_requirements());

  // The mirror was built from the engine's state and left at the engine's for the accounts not
  // touched above; rebuild the touched ones from the engine and compare every equity.
  for (std::uint32_t slot = 0; slot < e.account_count(); ++slot) {
    records.clear();
    append_account(e, slot, records);
    (void)mirror.apply(records);
  }
  r.equity_ok = true;
  for (std::uint32_t slot = 0; slot < e.account_count(); ++slot) {
    const std::uint32_t m = mirror.slot_of(e.account(slot).id);
    if (m == kNoSlot || mirror.equity(m) != e.slot_margin(slot).equity) r.equity_ok = false;
  }

  if (options.json) {
    print_json(r);
  } else {
    print_text(r);
  }
  return r.ok() ? 0 : 1;
}

}  // namespace backstop::perf
