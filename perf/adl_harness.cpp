// `backstop bench adl --positions N [--json]`: liquidation + loss waterfall + ranked ADL
// allocation latency with N short positions on the opposite side of one BTCUSDT-like instrument
// (one position per account, entries within ±5 % of the mark, leverage 2-50x, sizes 1-100 lots).
// Each sample is one Fill event: a fresh account buys X lots (1-500, so up to ~10 counterparties)
// 10 % above the mark, which leaves it bankrupt; the same process() call takes its position over
// (backstop account), finds no fund, and deleverages the shorts in BitMEX-score order at the
// bankruptcy price. Before each sample (off the timed path) the mark moves: a seeded random walk
// of up to ±3 bp a step, kept within ±1 % of the start (a volatile day), as a MarkPrice event
// through the engine. The ranking is rebuilt off the timed path only as an embedder would: on a
// timer every 200 samples, and when the engine says a refresh is due (adl_refresh_due(), polled
// between events as an idle loop would); the sample after a rebuild is timed with whatever the
// rebuild left in the caches.
// Two passes over the same seeded sequence, so that the check never disturbs what is timed: the
// timed pass records every allocation; the check pass rebuilds the same engine, and before every
// (samples / sort samples)-th liquidation times the baseline, the same allocation by a full sort
// of every short's exact score, on the same state. The run fails (exit 1) unless the engine
// allocates the same in both passes and exactly what the full sort picks. Cold code;
// single-threaded, pinned to CPU 1 where allowed.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <vector>

#include <fmt/core.h>

#include "backstop/instrument_presets.hpp"
#include "backstop/risk_engine.hpp"
#include "harnesses.hpp"
#include "latency_histogram.hpp"
#include "thread_tools.hpp"

namespace backstop::perf {

namespace {

constexpr std::uint64_t kBackstop = 1;
constexpr std::uint64_t kWhale = 2;
constexpr std::uint64_t kFirstDefaulter = 10;
constexpr std::uint64_t kFirstShort = 1'000'000'000;
constexpr std::int64_t kMark = 600'000;  // 60,000 USDT in 0.1 ticks

struct Pick {
  std::uint64_t id;
  std::int64_t lots;
  bool operator==(const Pick&) const = default;
};

// The full-sort baseline: every eligible short scored exactly, sorted by (score desc, id asc),
// taken in order until `lots` are covered.
std::vector<Pick> full_sort_allocation(const RiskEngine& e, std::int64_t lots,
                                       std::vector<AdlRanking::Candidate>& all) {
  all.clear();
  const std::int64_t mark = e.instrument_state(0).mark;
  for (std::uint32_t slot = 0; slot < e.account_count(); ++slot) {
    const Account& a = e.account(slot);
    if (a.status != AccountStatus::kHealthy || a.id == kBackstop) continue;
    for (const Position& p : e.positions(slot)) {
      if (p.instrument != 0 || p.qty >= 0) continue;
      const InstrumentRisk& r = e.instrument_risk(0);
      const AdlInputs in{value_down(r, p.qty, mark),
                         p.cost,
                         a.balance,
                         e.slot_margin(slot).equity,
                         maintenance_margin(r, p.qty, p.cost, mark),
                         true};
      all.push_back({adl_score(AdlScore::kBitmex, in), a.id, slot});
    }
  }
  std::sort(all.begin(), all.end(), AdlRanking::better);
  std::vector<Pick> out;
  for (const AdlRanking::Candidate& c : all) {
    if (lots == 0) break;
    std::int64_t q = 0;
    for (const Position& p : e.positions(c.slot))
      q = -p.qty;
    const std::int64_t x = std::min(lots, q);
    out.push_back({c.id, x});
    lots -= x;
  }
  return out;
}

}  // namespace

namespace {

// What one pass over the seeded sequence gives.
struct PassResult {
  LatencyHistogram hist;          // the liquidation events (timed pass)
  LatencyHistogram steady;        // those not right after a ranking rebuild
  LatencyHistogram post_rebuild;  // those right after one (caches left cold by the rebuild)
  LatencyHistogram sort_hist;     // the full-sort baseline (check pass)
  std::vector<std::vector<Pick>> allocations;  // per sample, as the engine made it
  std::uint64_t counterparties = 0;
  int mismatches = 0;
  int checked = 0;
  std::int64_t mark_lo = kMark;
  std::int64_t mark_hi = kMark;
  int timer_refreshes = 0;
  int requested_refreshes = 0;
  std::uint64_t refresh_ns = 0;
  std::uint64_t rebuilds = 0;
  std::uint64_t fallbacks = 0;
  std::uint64_t scanned = 0;
  std::uint32_t leaves = 0;
  std::size_t ranking_bytes = 0;
  std::int64_t band_ppm = 0;
};

RiskConfig scene_config(std::int64_t n, int samples, int warmup) {
  RiskConfig config;
  config.max_accounts = static_cast<std::uint32_t>(n + samples + warmup + 16);
  config.positions_per_account = 2;
  config.asset_count = 1;
  config.instruments = {presets::btcusdt_linear(0)};
  config.instruments[0].max_position =
      Qty{200'000'000};  // the whale holds every short's other side
  config.instruments[0].max_price = Price{10'000'000};
  config.waterfall.mode = LiquidationMode::kTakeover;
  config.waterfall.backstop_accounts = {kBackstop};
  config.waterfall.policy = AdlPolicy::kRanked;
  config.waterfall.score = AdlScore::kBitmex;
  config.waterfall.audit_capacity = 4096;
  if (const char* band = std::getenv("BACKSTOP_ADL_BAND_PPM")) {
    config.waterfall.adl_band_ppm = std::atoll(band);
  }
  return config;
}

void must(EventResult r) {
  if (r.code != RejectCode::kOk) {
    fmt::print(stderr, "bench adl: set-up event rejected: {}\n", to_string(r.code));
    std::exit(1);
  }
}

// The scene: the backstop and the whale, `n` shorts against the whale entered around the mark,
// and an empty account for each defaulter to come; then the first ranking.
void build_scene(RiskEngine& e, std::int64_t n, int defaulters, std::mt19937_64& rng) {
  const InstrumentRisk& risk = e.instrument_risk(0);
  must(e.process(make_open_account(kBackstop, 0)));
  must(e.process(make_deposit(kBackstop, Money{std::int64_t{1} << 58})));
  must(e.process(make_open_account(kWhale, 0)));
  must(e.process(make_deposit(kWhale, Money{std::int64_t{1} << 58})));
  for (std::int64_t k = 0; k < n; ++k) {
    const std::uint64_t id = kFirstShort + static_cast<std::uint64_t>(k);
    const std::int64_t lots = 1 + static_cast<std::int64_t>(rng() % 100);
    const std::int64_t entry = kMark * 95 / 100 + static_cast<std::int64_t>(rng() % (kMark / 10));
    const std::int64_t leverage = 2 + static_cast<std::int64_t>(rng() % 49);
    const std::int64_t notional = lots * entry * risk.multiplier;
    must(e.process(make_open_account(id, 0)));
    // Collateral for the leverage, plus what a short entered below the mark already lost, so that
    // no short starts under water (the scene is the ADL, not a set-up cascade).
    const std::int64_t underwater =
        std::max<std::int64_t>(0, (kMark - entry) * lots * risk.multiplier);
    must(e.process(make_deposit(id, Money{notional / leverage + underwater + 1})));
    must(e.process(make_fill(0, Side::kSell, id, kWhale, Price{entry}, Qty{lots})));
  }
  for (int k = 0; k < defaulters; ++k) {
    must(e.process(make_open_account(kFirstDefaulter + static_cast<std::uint64_t>(k), 0)));
  }
  e.refresh_adl_ranking();
}

// The mark's next step: a random walk of up to 3 bp, reflected at ±1 % of kMark.
std::int64_t next_mark(std::int64_t mark, std::mt19937_64& rng) {
  const std::int64_t step = kMark * 3 / 10'000;
  mark += static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(2 * step + 1)) - step;
  if (mark > kMark * 101 / 100) mark = 2 * (kMark * 101 / 100) - mark;
  if (mark < kMark * 99 / 100) mark = 2 * (kMark * 99 / 100) - mark;
  return mark;
}

// The full sort's allocation for a defaulter of `lots` about to be taken over. The shorts' state is
// the same before the fill as when ADL runs inside it: the fill and the takeover touch only the
// defaulter, the whale and the backstop. The backstop takes the lots over first; if it was short
// (from a cascade), only what it is long afterwards can be deleveraged.
std::vector<Pick> expected_allocation(const RiskEngine& e, std::int64_t lots,
                                      std::vector<AdlRanking::Candidate>& scratch) {
  std::int64_t backstop_qty = 0;
  for (const Position& p : e.positions(e.find_account(kBackstop)))
    backstop_qty = p.qty;
  const std::int64_t closable = std::clamp<std::int64_t>(backstop_qty + lots, 0, lots);
  return full_sort_allocation(e, closable, scratch);
}

// A checked sample: the engine's allocation now and in the timed pass must both be the full sort's.
void check_sample(const std::vector<Pick>& got, const std::vector<Pick>& expected,
                  const std::vector<Pick>& engine_before, PassResult& out) {
  ++out.checked;
  if (got == expected && engine_before == expected) return;
  if (out.mismatches == 0 && std::getenv("BACKSTOP_ADL_DEBUG") != nullptr) {
    for (const Pick& g : got)
      fmt::print(stderr, "got {} {}\n", g.id, g.lots);
    for (const Pick& g : expected)
      fmt::print(stderr, "want {} {}\n", g.id, g.lots);
  }
  ++out.mismatches;
}

// One pass: the population, then samples + warmup liquidations. `timed`: the histogram of the
// liquidation events and every allocation go to `out`; otherwise (`expected` = the timed pass's
// allocations) every sort_every-th sample is checked against the full sort and against the timed
// pass, and the sort is timed.
void run_pass(std::int64_t n, int samples, int warmup, int sort_every, bool timed,
              const std::vector<std::vector<Pick>>* expected_by_engine, PassResult& out) {
  const RiskConfig config = scene_config(n, samples, warmup);
  RiskEngine e(config);
  std::mt19937_64 rng(42);
  build_scene(e, n, samples + warmup, rng);
  // Up to 500 lots (~10 counterparties of 1-100 lots), but never more than half of the side in
  // total over the run, so that small populations are not exhausted.
  const std::uint64_t max_lots =
      static_cast<std::uint64_t>(std::clamp<std::int64_t>(50 * n / (samples + warmup), 2, 500));
  std::vector<AdlRanking::Candidate> scratch;
  if (!timed) scratch.reserve(static_cast<std::size_t>(n) + 16);
  const std::int64_t multiplier = e.instrument_risk(0).multiplier;
  std::int64_t mark = kMark;
  for (int k = 0; k < samples + warmup; ++k) {
    // The market moves; the embedder refreshes the ranking on its timer or when asked.
    mark = next_mark(mark, rng);
    out.mark_lo = std::min(out.mark_lo, mark);
    out.mark_hi = std::max(out.mark_hi, mark);
    must(e.process(make_mark(0, Price{mark})));
    const bool timer = k % 200 == 0;
    const bool refresh = timer || e.adl_refresh_due();
    if (refresh) {
      const std::uint64_t r0 = now_ns();
      e.refresh_adl_ranking();
      out.refresh_ns += now_ns() - r0;
      ++(timer ? out.timer_refreshes : out.requested_refreshes);
    }
    const std::uint64_t id = kFirstDefaulter + static_cast<std::uint64_t>(k);
    const std::int64_t lots = 1 + static_cast<std::int64_t>(rng() % max_lots);
    // Enough collateral to open, far too little for a fill 10 % above the mark.
    must(e.process(make_deposit(id, Money{lots * mark * multiplier / 200 + 1})));
    std::vector<Pick> expected;
    const bool check = !timed && k >= warmup && (k - warmup) % sort_every == 0;
    if (check) {
      const std::uint64_t t0 = now_ns();
      expected = expected_allocation(e, lots, scratch);
      out.sort_hist.record(now_ns() - t0);
    }
    const Event fill = make_fill(0, Side::kBuy, id, kWhale, Price{mark * 110 / 100}, Qty{lots});
    const std::uint64_t t0 = now_ns();
    const EventResult r = e.process(fill);
    const std::uint64_t dt = now_ns() - t0;
    must(r);
    std::vector<Pick> got;
    for (const WaterfallRecord& w : e.waterfall_records()) {
      if (w.kind == WaterfallKind::kAdlClose) got.push_back({w.account, w.amount});
    }
    if (timed && k >= warmup) {
      out.hist.record(dt);
      (refresh ? out.post_rebuild : out.steady).record(dt);
      out.counterparties += got.size();
    }
    if (check) check_sample(got, expected, (*expected_by_engine)[static_cast<std::size_t>(k)], out);
    if (timed) out.allocations.push_back(std::move(got));
  }
  out.rebuilds = e.adl_ranking().rebuilds();
  out.fallbacks = e.adl_ranking().fallbacks();
  out.scanned = e.adl_ranking().scanned();
  out.leaves = e.adl_ranking().leaves();
  out.ranking_bytes = e.adl_ranking().memory_bytes();
  out.band_ppm = config.waterfall.adl_band_ppm;
}

}  // namespace

int run_adl_harness(const BenchOptions& options) {
  const std::int64_t n = options.positions > 0 ? options.positions : 100'000;
  const int samples = 1'000;
  const int sort_samples = n >= 1'000'000 ? 10 : 30;
  const int warmup = 50;
  const int sort_every = std::max(1, samples / sort_samples);
  pin_current_thread(1);
  PassResult timed;
  run_pass(n, samples, warmup, sort_every, true, nullptr, timed);
  PassResult checked;
  run_pass(n, samples, warmup, sort_every, false, &timed.allocations, checked);
  const LatencyHistogram& hist = timed.hist;
  const LatencyHistogram& sort_hist = checked.sort_hist;
  const int mismatches = checked.mismatches;
  const auto& ranking = timed;
  const std::uint64_t p50 = hist.percentile(0.50);
  const std::uint64_t p99 = hist.percentile(0.99);
  const std::uint64_t sort_p50 = sort_hist.percentile(0.50);
  const double ratio = p50 > 0 ? static_cast<double>(sort_p50) / static_cast<double>(p50) : 0;
  const double avg_cp = static_cast<double>(timed.counterparties) / samples;
  const bool ok = mismatches == 0 && checked.checked > 0;
  const double scanned_per_sample = static_cast<double>(ranking.scanned) / (samples + warmup);
  const double refresh_avg_ms = static_cast<double>(ranking.refresh_ns) / 1e6 /
                                std::max(1, ranking.timer_refreshes + ranking.requested_refreshes);
  const double bytes_per_position =
      static_cast<double>(ranking.ranking_bytes) / static_cast<double>(n);
  if (options.json) {
    fmt::print(
        "{{\"positions\": {}, \"samples\": {}, \"p50_ns\": {}, \"p99_ns\": {}, \"p999_ns\": {}, "
        "\"max_ns\": {}, \"sort_p50_ns\": {}, \"sort_p99_ns\": {}, \"ratio\": {:.1f}, "
        "\"avg_counterparties\": {:.2f}, \"checked\": {}, \"exact_match\": {}, "
        "\"rebuilds\": {}, \"timer_refreshes\": {}, \"requested_refreshes\": {}, "
        "\"fallbacks\": {}, \"scanned_per_sample\": {:.1f}, \"band_ppm\": {}, \"leaves\": {}, "
        "\"mark_lo\": {}, \"mark_hi\": {}, \"refresh_avg_ms\": {:.1f}, "
        "\"ranking_bytes_per_position\": {:.0f}, \"steady_p50_ns\": {}, \"steady_p99_ns\": {}, "
        "\"steady_max_ns\": {}, \"post_rebuild_samples\": {}, \"post_rebuild_p50_ns\": {}, "
        "\"post_rebuild_max_ns\": {}}}\n",
        n, samples, p50, p99, hist.percentile(0.999), hist.max(), sort_p50,
        sort_hist.percentile(0.99), ratio, avg_cp, checked.checked, ok ? "true" : "false",
        ranking.rebuilds, ranking.timer_refreshes, ranking.requested_refreshes, ranking.fallbacks,
        scanned_per_sample, ranking.band_ppm, ranking.leaves, ranking.mark_lo, ranking.mark_hi,
        refresh_avg_ms, bytes_per_position, timed.steady.percentile(0.50),
        timed.steady.percentile(0.99), timed.steady.max(), timed.post_rebuild.count(),
        timed.post_rebuild.percentile(0.50), timed.post_rebuild.max());
  } else {
    fmt::print(
        "bench adl: {} short positions, {} liquidations (+{} warm-up), {:.2f} "
        "counterparties each on average\n",
        n, samples, warmup, avg_cp);
    fmt::print(
        "  liquidation + waterfall + ranked ADL (one Fill event)  p50 {:>10} ns  p99 {:>10} "
        "ns  p99.9 {:>10} ns  max {:>10} ns\n",
        p50, p99, hist.percentile(0.999), hist.max());
    fmt::print(
        "    of which {} right after a ranking rebuild (cold caches)   p50 {:>10} ns  max {:>10} "
        "ns; the others p50 {} ns  p99 {} ns\n",
        timed.post_rebuild.count(), timed.post_rebuild.percentile(0.50), timed.post_rebuild.max(),
        timed.steady.percentile(0.50), timed.steady.percentile(0.99));
    fmt::print(
        "  full-sort allocation baseline ({} samples)            p50 {:>10} ns  p99 {:>10} "
        "ns\n",
        checked.checked, sort_p50, sort_hist.percentile(0.99));
    fmt::print(
        "  ratio (sort p50 / ADL p50): {:.1f}x; allocations identical to the full sort: "
        "{}/{}\n",
        ratio, checked.checked - mismatches, checked.checked);
    fmt::print(
        "  ranking entries scored per liquidation: {:.1f} (band ±{} ppm around the "
        "rebuild mark, {} sub-bands; {} fallbacks to the whole band)\n",
        scanned_per_sample, ranking.band_ppm, ranking.leaves, ranking.fallbacks);
    fmt::print(
        "  mark walked within [{}, {}]; ranking rebuilt off the timed path {} times on the "
        "timer, {} more when the engine asked ({:.1f} ms each on average; {:.0f} bytes per "
        "position)\n",
        ranking.mark_lo, ranking.mark_hi, ranking.timer_refreshes, ranking.requested_refreshes,
        refresh_avg_ms, bytes_per_position);
  }
  if (!ok) fmt::print(stderr, "bench adl: {} allocations differ from the full sort\n", mismatches);
  return ok ? 0 : 1;
}

}  // namespace backstop::perf
