// AdlSchedule: the ADL ranking of the ledger's positions and its upkeep. It scores a position from
// the ledger (the same integers as Ledger::margin, so the same double), keeps the ranking's overlay
// fresh as accounts are touched (on_touch, called on every refresh), says when the ranking is
// unusable (never built, the mark left its band, a funding index moved) or due
// for a rebuild, and rebuilds it (cold, adl_schedule.cpp), warming the caches the next liquidation
// reads. Owned by the risk engine thread; every table is allocated by the constructor. Cost:
// on_touch O(P); score_of O(P); rebuild O(n log n).
#pragma once

#include <cstdint>

#include "backstop/adl_ranking.hpp"
#include "backstop/adl_score.hpp"
#include "backstop/backstop_account.hpp"
#include "backstop/ledger.hpp"
#include "backstop/waterfall_config.hpp"
#include "backstop/waterfall_state.hpp"

namespace backstop {

class AdlSchedule {
 public:
  // Allocates the ranking when liquidation is on (cold). `state` is warmed with the ledger after a
  // rebuild.
  AdlSchedule(const Ledger& ledger, const WaterfallConfig& config, const WaterfallState& state);

  AdlRanking& ranking() noexcept { return ranking_; }
  const AdlRanking& ranking() const noexcept { return ranking_; }

  // ---- Scoring ----
  // What a score needs of `slot`'s position `p`, at `mark`, with the account's `equity`.
  AdlInputs inputs(std::uint32_t slot, const Position& p, Int128 equity,
                   std::int64_t mark) const noexcept {
    const InstrumentRisk& r = ledger_.risk(p.instrument);
    return AdlInputs{value_down(r, p.qty, mark),
                     p.cost,
                     ledger_.account(slot).balance,
                     equity,
                     maintenance_margin(r, p.qty, p.cost, mark),
                     r.kind == ContractKind::kLinearPerpetual};
  }
  // The frozen inputs of a single-position account (its equity moves with this mark only).
  AdlParams params_of(std::uint32_t slot, const Position& p) const noexcept {
    const InstrumentState& s = ledger_.state(p.instrument);
    const Int128 accrued = Int128{p.qty} * (funding_index_for(s, p.qty) - p.funding_snapshot);
    const Account& a = ledger_.account(slot);
    return AdlParams{Int128{a.balance} - p.cost - accrued, p.qty, p.cost, a.balance, a.id};
  }
  // The exact score of `slot`'s position in `instrument` on `side`, or false when it is not an
  // eligible ADL counterparty (no such position, flagged, or a backstop account).
  bool score_of(std::uint16_t instrument, std::uint32_t side, std::uint32_t slot,
                AdlRanking::Candidate& out) const noexcept {
    const Account& acct = ledger_.account(slot);
    if (acct.status != AccountStatus::kHealthy || is_backstop(ledger_, config_, slot)) return false;
    const std::uint32_t pos = ledger_.find_position(slot, instrument);
    if (pos == kNoSlot) return false;
    const Position& p = ledger_.position(pos);
    if (adl_side_of(p.qty) != side) return false;
    out.score = adl_score(config_.score, inputs(slot, p, ledger_.margin(slot).equity,
                                                ledger_.state(instrument).mark));
    out.id = acct.id;
    out.slot = slot;
    out.lots = p.qty < 0 ? -p.qty : p.qty;
    return true;
  }

  // ---- Upkeep ----
  // An account was refreshed (`m` its fresh margin): its cached entries are stale; when it stays
  // an eligible counterparty (healthy, not a backstop) its positions' fresh state goes to the
  // overlay. O(P); nothing while the ranking is invalid.
  void on_touch(std::uint32_t slot, const AccountMargin& m) noexcept {
    if (!ranking_.valid()) return;
    ranking_.touch(slot);
    if (is_backstop(ledger_, config_, slot) || m.equity < 0 || m.equity < m.maintenance) return;
    const std::span<const Position> held = ledger_.positions(slot);
    for (const Position& p : held) {
      if (held.size() == 1) {
        const AdlParams params = params_of(slot, p);
        ranking_.push_fresh(p.instrument, adl_side_of(p.qty), slot, &params);
      } else {
        ranking_.push_fresh(p.instrument, adl_side_of(p.qty), slot, nullptr);
      }
    }
  }
  // Whether the ranking of `instrument` is usable at its current mark and funding indices.
  bool usable(std::uint16_t instrument) const noexcept {
    const InstrumentState& s = ledger_.state(instrument);
    return ranking_.usable(instrument, s.mark, s.long_funding_index, s.short_funding_index);
  }
  // Whether liquidation is on and some instrument's tier 6 is ranked ADL or quantiles are
  // published: only then is the ranking worth keeping ready. Fixed by the configuration.
  bool ranks_adl() const noexcept { return ranks_adl_; }
  // Whether a ranked-ADL instrument's ranking is unusable: the next ADL on it would rebuild it
  // inline. O(instruments).
  bool unusable() const noexcept {
    if (!ranks_adl_) return false;
    for (std::uint16_t i = 0; i < ledger_.instrument_count(); ++i) {
      if (!usable(i)) return true;
    }
    return false;
  }
  // Whether rebuild() is due (cheap; poll it when idle, off the hot path): unusable(), the ranking
  // asks for it (AdlRanking::wants_rebuild), or a mark has left the middle half of its band.
  // Without it the ranking stays exact, only slower, until ADL rebuilds it inline.
  bool refresh_due() const noexcept;
  // Rebuilds the ranking when it is unusable, so that ADL does not rebuild it inside a
  // liquidation; returns whether it did. Rebuilding only for speed (refresh_due's other reasons) is
  // left to the embedder's timer: a rebuild is O(n log n) (docs/performance.md, bench adl's
  // refresh_avg_ms).
  bool maintain() noexcept {
    if (!unusable()) return false;
    rebuild();
    return true;
  }
  // Rebuilds the ranking and the quantiles of every instrument, then warms what the next
  // liquidation reads (cold, O(n log n)); nothing with liquidation off.
  void rebuild() noexcept;

  // The ADL quantile (1-5, 5 = first to be deleveraged; 0 = none) of `slot`'s position in
  // `instrument` as of the last rebuild.
  std::uint8_t quantile(std::uint32_t slot, std::uint16_t instrument) const noexcept {
    return config_.mode == LiquidationMode::kOff ? 0 : ranking_.quantile(instrument, slot);
  }

 private:
  void rebuild_ranking() noexcept;
  void warm_after_rebuild() noexcept;

  const Ledger& ledger_;
  const WaterfallConfig& config_;
  const WaterfallState& state_;
  bool ranks_adl_ = false;
  AdlRanking ranking_;
};

}  // namespace backstop
