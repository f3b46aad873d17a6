// The fund sweep (docs/fund-sweep.md): the smallest insurance fund (or default fund) at which a
// replay needs no end of the waterfall - no ADL fill, no socialized loss, no bad debt - found by
// bisection over deterministic replays. Two parts: search_min_fund(), the search over any probe
// (a function from a fund to whether it needed the end), and sweep_fund(), its probe made of
// replays. A larger fund can change a replay's later path, so the answer is not guaranteed to be
// monotone: the search keeps a bracket (a fund that needs the end below, one that does not above)
// and reports both ends' replays, so the step below the answer is a measured fact, not an
// assumption. Cold; the calling thread; the replays run one after another, each synchronous.
// Cost: at most max_replays replays.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "marketdata/decimal.hpp"
#include "replay/replay.hpp"

namespace backstop::replay {

// One replay (or a synthetic stand-in) at one fund size.
struct FundProbe {
  std::int64_t fund = 0;   // in the asset's Money
  bool needs_end = false;  // ADL, socialization or bad debt happened
  std::uint64_t adl_fills = 0;
  std::uint64_t socializations = 0;
  std::int64_t adl_paid = 0;
  std::int64_t socialized = 0;
  std::int64_t bad_debt = 0;
  // What the funds and the end of the waterfall paid towards deficits (the first upper bound is
  // twice what the run at fund 0 needed).
  std::int64_t covered = 0;
  bool conservation_ok = true;
  std::string digest;
};

struct FundSearchOptions {
  // The step between the funds tried; 0: automatic, the power of ten at or below a thousandth of
  // the first fund that needs no end (at least `granularity`). Rounded up to a multiple of
  // `granularity`.
  std::int64_t resolution = 0;
  std::int64_t granularity =
      1;  // the finest fund the probe can set (5 for a 5-member default fund)
  std::uint32_t max_replays = 40;
  std::int64_t max_fund = kMaxFundMoney;
};

struct FundSearchResult {
  bool found = false;      // a fund that needs no end was found (at most max_fund)
  bool converged = false;  // found, and the bracket is one resolution wide (or the answer is 0)
  std::int64_t min_needed = 0;  // the smallest fund found that needs no end
  std::int64_t resolution = 0;
  std::uint32_t replays = 0;
  FundProbe at;  // the probe at min_needed (when found)
  // The probe at the bracket's lower end: min_needed - resolution once converged. Empty when the
  // answer is 0 (nothing below it).
  std::optional<FundProbe> below;
  std::vector<FundProbe> probes;  // every probe, in the order run
};

// A probe at `fund`; empty optional with `error` set when it fails (the search stops).
using FundProbeFn = std::function<std::optional<FundProbe>(std::int64_t fund, std::string& error)>;

// Probes fund 0; if it needs the end, an upper bound (twice what fund 0's run covered, doubled
// until a probe needs no end), then bisection on multiples of the resolution until the bracket
// is one resolution wide. Empty optional with `error` set when a probe failed; a search that ran
// out of replays or of max_fund returns what it has (found / converged false).
[[nodiscard]] std::optional<FundSearchResult> search_min_fund(const FundProbeFn& probe,
                                                              const FundSearchOptions& options,
                                                              std::string& error);

enum class SweptFund : std::uint8_t { kInsurance = 0, kDefault = 1 };

struct FundSweepOptions {
  SweptFund fund = SweptFund::kInsurance;
  // In units of the asset (e.g. 0.001 BTC), converted exactly to its Money once the first replay
  // names the asset; empty: automatic.
  std::optional<marketdata::Decimal> resolution;
  std::uint32_t max_replays = 40;
  // Told after each replay (progress for a person watching).
  std::function<void(const FundProbe&, std::uint32_t replays)> on_probe;
};

enum class SweepFailure : std::uint8_t {
  kNone = 0,
  kReplay = 1,         // a replay failed (its error)
  kSeveralAssets = 2,  // the input uses more than one settlement asset
  kResolution = 3,     // --resolution is not a positive whole number of the asset's Money units
};

struct FundSweep {
  SweptFund fund = SweptFund::kInsurance;
  std::string policy;
  std::string asset;
  int money_exponent = 0;
  std::int64_t other_fund = 0;          // the fund not swept, as the replay at the answer seeded it
  std::int64_t traders_collateral = 0;  // Σ the traders' deposits (the percentages' base)
  FundSearchResult search;
};

// Replays `base` (synchronously, without its hooks or journal) with the swept fund of every
// settlement asset set to the probe's amount (ReplayOptions::insurance_fund_money or
// default_fund_money); the other fund as `base` sizes it. The input must use one settlement
// asset (else kSeveralAssets).
[[nodiscard]] std::optional<FundSweep> sweep_fund(const ReplayOptions& base,
                                                  const FundSweepOptions& options,
                                                  SweepFailure& failure, std::string& error);

// Whether the summary's run reached the end of the waterfall: an ADL fill, a socialization or
// bad debt in any asset.
[[nodiscard]] bool needs_waterfall_end(const ReplaySummary& s) noexcept;

[[nodiscard]] std::string fund_sweep_text(const FundSweep& sweep);
// {"fund", "policy", "asset", "money_exponent", "<fund>_fund_min_needed", "<other>_fund",
//  "traders_collateral", "resolution",
//  "replays", "found", "converged", "at": {...}, "below": {...} | null, "probes": [...]};
// amounts are raw integers of the asset's Money.
[[nodiscard]] std::string fund_sweep_json(const FundSweep& sweep);

}  // namespace backstop::replay
