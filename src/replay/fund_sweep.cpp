// sweep_fund(): the fund search's probe made of replays, and the sweep's two renderings.
#include "replay/fund_sweep.hpp"

#include <fmt/format.h>

#include <map>

#include "marketdata/decimal.hpp"
#include "marketdata/text_fields.hpp"

namespace backstop::replay {

using marketdata::format_fixed;
using marketdata::json_escape;

bool needs_waterfall_end(const ReplaySummary& s) noexcept {
  if (s.adl_fills > 0 || s.socializations > 0) return true;
  for (const AssetSummary& a : s.assets)
    if (a.bad_debt > 0) return true;
  return false;
}

namespace {

const char* fund_word(SweptFund f) {
  return f == SweptFund::kInsurance ? "insurance" : "default";
}

FundProbe probe_of(const ReplaySummary& s) {
  FundProbe p;
  p.needs_end = needs_waterfall_end(s);
  p.adl_fills = s.adl_fills;
  p.socializations = s.socializations;
  for (const AssetSummary& a : s.assets) {
    p.adl_paid += a.adl_paid;
    p.socialized += a.socialized_loss;
    p.bad_debt += a.bad_debt;
    p.covered +=
        a.insurance_drawn + a.default_fund_drawn + a.adl_paid + a.socialized_loss + a.bad_debt;
  }
  p.conservation_ok = s.conservation_ok;
  p.digest = s.digest;
  return p;
}

std::string probe_json(const FundProbe& p) {
  return fmt::format(
      "{{\"fund\": {}, \"needs_end\": {}, \"adl_fills\": {}, \"socializations\": {}, "
      "\"adl_paid\": {}, \"socialized\": {}, \"bad_debt\": {}, \"conservation_ok\": {}, "
      "\"digest\": \"{}\"}}",
      p.fund, p.needs_end ? "true" : "false", p.adl_fills, p.socializations, p.adl_paid,
      p.socialized, p.bad_debt, p.conservation_ok ? "true" : "false", p.digest);
}

std::string probe_text(const FundProbe& p, int e) {
  if (!p.needs_end) return "no ADL, no socialization, no bad debt";
  return fmt::format("{} ADL fills (paid {}), {} socializations ({}), bad debt {}", p.adl_fills,
                     format_fixed(p.adl_paid, e), p.socializations, format_fixed(p.socialized, e),
                     format_fixed(p.bad_debt, e));
}

}  // namespace

std::optional<FundSweep> sweep_fund(const ReplayOptions& base, const FundSweepOptions& options,
                                    SweepFailure& failure, std::string& error) {
  failure = SweepFailure::kNone;
  FundSweep sweep;
  sweep.fund = options.fund;
  std::map<std::int64_t, std::int64_t> other_fund;  // fund tried -> the other fund's seed
  std::uint32_t replays = 0;
  const auto replay_at = [&](std::int64_t fund,
                             std::string& probe_error) -> std::optional<FundProbe> {
    ReplayOptions run = base;
    // Each probe is a plain synchronous replay: no hooks, no journal (every probe would find the
    // journal of the one before it).
    run.threaded = false;
    run.on_output = nullptr;
    run.after_event = nullptr;
    run.on_finish = nullptr;
    run.progress = nullptr;
    run.engine_progress = nullptr;
    run.journal_folder.clear();
    if (run.engine) run.engine->journal.folder.clear();
    auto& amounts =
        options.fund == SweptFund::kInsurance ? run.insurance_fund_money : run.default_fund_money;
    for (auto& amount : amounts)
      amount = fund;
    const std::optional<ReplaySummary> s = run_replay(run, probe_error);
    if (!s) {
      failure = SweepFailure::kReplay;
      return std::nullopt;
    }
    if (s->assets.size() != 1) {
      failure = SweepFailure::kSeveralAssets;
      std::string names;
      for (const AssetSummary& a : s->assets)
        names += (names.empty() ? "" : ", ") + a.name;
      probe_error = fmt::format(
          "the input uses {} settlement assets ({}); fund-sweep sizes one asset's fund: give "
          "the files of one asset",
          s->assets.size(), names);
      return std::nullopt;
    }
    const AssetSummary& a = s->assets.front();
    sweep.policy = s->policy;
    sweep.asset = a.name;
    sweep.money_exponent = a.money_exponent;
    sweep.traders_collateral = a.deposits;
    other_fund[fund] =
        options.fund == SweptFund::kInsurance ? a.default_fund_start : a.insurance_fund_start;
    FundProbe p = probe_of(*s);
    p.fund = fund;
    if (options.on_probe) options.on_probe(p, ++replays);
    return p;
  };
  // The first replay (fund 0) names the asset, which the resolution's units need; the search
  // starts from it.
  const std::optional<FundProbe> zero = replay_at(0, error);
  if (!zero) return std::nullopt;
  FundSearchOptions search;
  if (options.resolution) {
    const marketdata::FixedResult r = marketdata::to_fixed(
        *options.resolution, -sweep.money_exponent, marketdata::Rounding::kDown);
    if (r.status != marketdata::FixedStatus::kExact || r.value <= 0) {
      failure = SweepFailure::kResolution;
      error = fmt::format("--resolution must be a positive multiple of the asset's unit ({} {})",
                          format_fixed(1, sweep.money_exponent), sweep.asset);
      return std::nullopt;
    }
    search.resolution = r.value;
  }
  const FundProbeFn probe = [&](std::int64_t fund,
                                std::string& probe_error) -> std::optional<FundProbe> {
    if (fund == 0) return zero;
    return replay_at(fund, probe_error);
  };

  search.max_replays = options.max_replays;
  // A default fund is contributed by kClearingMembers members in equal whole units.
  search.granularity = options.fund == SweptFund::kDefault ? kClearingMembers : 1;
  std::optional<FundSearchResult> result = search_min_fund(probe, search, error);
  if (!result) return std::nullopt;
  sweep.search = std::move(*result);
  const std::int64_t shown = sweep.search.found
                                 ? sweep.search.min_needed
                                 : (sweep.search.below ? sweep.search.below->fund : 0);
  if (other_fund.count(shown) != 0) sweep.other_fund = other_fund[shown];
  return sweep;
}

std::string fund_sweep_text(const FundSweep& w) {
  const FundSearchResult& r = w.search;
  const int e = w.money_exponent;
  const auto money = [&](std::int64_t v) {
    return fmt::format("{} {}", format_fixed(v, e), w.asset);
  };
  // A fund as a share of the traders' collateral, the base of --insurance-fund-pct.
  const auto pct = [&](std::int64_t v) {
    return w.traders_collateral > 0 ? fmt::format(" ({:.4f} % of the traders' collateral)",
                                                  100.0 * static_cast<double>(v) /
                                                      static_cast<double>(w.traders_collateral))
                                    : std::string();
  };
  const std::string fund = fund_word(w.fund);
  const std::string other = w.fund == SweptFund::kInsurance ? "default" : "insurance";
  std::string o = fmt::format(
      "Backstop fund-sweep: the smallest {} fund ({}) with no ADL, no socialization and no bad "
      "debt; policy {}\n",
      fund, w.asset, w.policy);
  const auto line = [&o](std::string_view label, const std::string& value) {
    o += fmt::format("  {:<28} {}\n", label, value);
  };
  line(other + " fund kept at", money(w.other_fund));
  line("resolution", money(r.resolution));
  line("replays", fmt::format("{}", r.replays));
  if (!r.found) {
    line("NOT FOUND", fmt::format("every fund tried needs the end of the waterfall; the largest, "
                                  "{}: {}",
                                  r.below ? money(r.below->fund) : money(0),
                                  r.below ? probe_text(*r.below, e) : std::string("-")));
    return o;
  }
  line(fund + (r.converged ? " fund min needed" : " fund sufficient at"),
       money(r.min_needed) + pct(r.min_needed));
  line("  replay at it", probe_text(r.at, e) + "; digest " + r.at.digest);
  if (!r.below) {
    line("  below it", "nothing: a zero fund needs no end of the waterfall");
    return o;
  }
  line(std::string(r.converged ? "  one step below, at " : "  bracket's lower end, at ") +
           format_fixed(r.below->fund, e) + ":",
       probe_text(*r.below, e) + "; digest " + r.below->digest);
  if (!r.converged) {
    line("NOT CONVERGED", fmt::format("the bracket is {} wide, not one resolution step ({} "
                                      "replays allowed)",
                                      money(r.min_needed - r.below->fund), r.replays));
  } else if (!r.below->needs_end) {
    line("NOTE", "one step below the answer needs no end of the waterfall either");
  }
  return o;
}

std::string fund_sweep_json(const FundSweep& w) {
  const FundSearchResult& r = w.search;
  const char* fund = fund_word(w.fund);
  const char* other = w.fund == SweptFund::kInsurance ? "default" : "insurance";
  std::string probes = "[";
  for (std::size_t i = 0; i < r.probes.size(); ++i)
    probes += (i == 0 ? "" : ", ") + probe_json(r.probes[i]);
  probes += "]";
  return fmt::format(
      "{{\"fund\": \"{}\", \"policy\": \"{}\", \"asset\": \"{}\", \"money_exponent\": {}, "
      "\"{}_fund_min_needed\": {}, \"{}_fund\": {}, \"traders_collateral\": {}, "
      "\"resolution\": {}, \"replays\": {}, "
      "\"found\": {}, \"converged\": {}, \"at\": {}, \"below\": {}, \"probes\": {}}}",
      fund, json_escape(w.policy), json_escape(w.asset), w.money_exponent, fund,
      r.found ? fmt::format("{}", r.min_needed) : std::string("null"), other, w.other_fund,
      w.traders_collateral, r.resolution, r.replays, r.found ? "true" : "false",
      r.converged ? "true" : "false", r.found ? probe_json(r.at) : std::string("null"),
      r.below ? probe_json(*r.below) : std::string("null"), probes);
}

}  // namespace backstop::replay
