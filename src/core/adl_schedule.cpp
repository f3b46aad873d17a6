// AdlSchedule's cold half: when the ranking needs a rebuild, the rebuild itself, and the warming
// after it. Nothing here runs when ADL allocates a deficit, unless the ranking was unusable.
#include "backstop/adl_schedule.hpp"

namespace backstop {
namespace {

// What warm_after_rebuild re-reads: the heaps' top 15 levels (512 KiB a side) and the first
// entries of each sub-band list (about what one query scores).
constexpr std::uint32_t kWarmHeapEntries = 1u << 15;
constexpr std::uint32_t kWarmListEntries = 64;

}  // namespace

AdlSchedule::AdlSchedule(const Ledger& ledger, const WaterfallConfig& config,
                         const WaterfallState& state)
    : ledger_(ledger), config_(config), state_(state) {
  if (config.mode == LiquidationMode::kOff) return;
  ranking_ = AdlRanking(ledger.instrument_count(), ledger.max_accounts(), config.adl_dirty_capacity,
                        config.adl_band_ppm);
  ranks_adl_ = config.adl_quantile_interval_ns > 0;
  for (std::uint32_t i = 0; i < ledger.instrument_count(); ++i) {
    const AdlPolicy p =
        i < config.instrument_policy.size() ? config.instrument_policy[i] : config.policy;
    ranks_adl_ = ranks_adl_ || p == AdlPolicy::kRanked;
  }
}

bool AdlSchedule::refresh_due() const noexcept {
  if (!ranks_adl_) return false;
  if (unusable() || ranking_.wants_rebuild()) return true;
  for (std::uint16_t i = 0; i < ledger_.instrument_count(); ++i) {
    const std::int64_t lo = ranking_.band_lo(i);
    const std::int64_t quarter = (ranking_.band_hi(i) - lo) / 4;
    const std::int64_t mark = ledger_.state(i).mark;
    if (mark < lo + quarter || mark > ranking_.band_hi(i) - quarter) return true;
  }
  return false;
}

void AdlSchedule::rebuild() noexcept {
  if (config_.mode == LiquidationMode::kOff) return;
  rebuild_ranking();
  warm_after_rebuild();
}

void AdlSchedule::rebuild_ranking() noexcept {
  AdlRanking& r = ranking_;
  r.begin_rebuild();
  const AdlScore score = config_.score;
  for (std::uint16_t i = 0; i < ledger_.instrument_count(); ++i) {
    const InstrumentState& s = ledger_.state(i);
    const InstrumentRisk& risk = ledger_.risk(i);
    r.set_band(i, s.mark, s.long_funding_index, s.short_funding_index);
    r.clear_quantiles(i);
    const std::int64_t lo = r.band_lo(i);
    const std::int64_t hi = r.band_hi(i);
    for (std::uint32_t side = 0; side < 2; ++side) {
      // Eligible: the positions in the side's trigger heap (exactly the healthy accounts'),
      // taken in slot order so that the ledger's tables are read in address order.
      const HeapSide hs = heap_side_of(side);
      for (std::uint32_t slot = 0; slot < ledger_.account_count(); ++slot) {
        const std::uint32_t pos = ledger_.find_position(slot, i);
        if (pos == kNoSlot || ledger_.position(pos).heap_side != hs ||
            is_backstop(ledger_, config_, slot)) {
          continue;
        }
        const Position& p = ledger_.position(pos);
        const Int128 equity = ledger_.margin(slot).equity;
        const double exact = adl_score(score, inputs(slot, p, equity, s.mark));
        double bound = kAdlInfinity;
        AdlParams params{};
        const bool single = ledger_.account(slot).position_count == 1;
        if (single) {
          params = params_of(slot, p);
          bound = adl_score_bound(score, adl_inputs_at(risk, score, params, lo),
                                  adl_inputs_at(risk, score, params, hi), AdlBound::kUpper);
        }
        r.add(i, side, slot, bound, exact, ledger_.account(slot).id, single ? &params : nullptr);
      }
      r.finish_side(i, side, risk, score);
    }
  }
  r.finish_rebuild();
}

// A rebuild streams the ranking's and the ledger's tables through the caches, so the next ADL
// would find cold everything it reads, page-table entries included (docs/performance.md has what
// it costs). This touches every page of the hot tables (backstop::touch_pages) and the engine's
// code (touch_code), and re-reads what the next query most likely reads: each side's trigger-heap
// top levels (a counterparty's close sifts through them), the head of each side's sub-band list at
// the current mark with those accounts' rows and heap entries, and the backstop accounts' rows.
// Changes nothing.
void AdlSchedule::warm_after_rebuild() noexcept {
  // Pages first: touching them brings lines in too, which must not push out what follows.
  std::uint64_t sum =
      ledger_.touch_pages() + ranking_.touch_pages() + state_.touch_pages(ledger_.account_count());
  sum += touch_code();
  for (std::uint16_t i = 0; i < ledger_.instrument_count(); ++i) {
    sum += ledger_.warm_heap(i, kWarmHeapEntries);
    for (std::uint32_t side = 0; side < 2; ++side) {
      sum += ranking_.warm(i, side, ledger_.state(i).mark, kWarmListEntries,
                           [this, &sum](std::uint32_t s) {
                             sum += static_cast<std::uint64_t>(ledger_.account(s).balance);
                             ledger_.prefetch_slot(s);
                             ledger_.prefetch_triggers(s);
                           });
    }
  }
  for (const std::uint64_t id : config_.backstop_accounts) {
    const std::uint32_t s = id == 0 ? kNoSlot : ledger_.find_slot(id);
    if (s != kNoSlot) ledger_.prefetch_triggers(s);
  }
  asm volatile("" : : "r"(sum));  // keeps the reads
}

}  // namespace backstop
