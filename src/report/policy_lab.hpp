// PolicyLab: the metrics of docs/design.md §5's policy lab over one replay's loss-waterfall records
// - who paid a deficit, how much was taken from winners beyond it, how concentrated the winners'
// haircuts were and how many accounts were touched. Cold code beside the replay's hot loop; the
// replay's calling thread. Fed the engine's WaterfallRecords in execution order (add()); the one
// thing the records do not say, how a socialized charge splits over the winning side's accounts,
// comes from the engine's positions (split_socialization(), wired by attach_policy_lab()).
// Cost: O(1) per record (hash-map update per counterparty), plus O(accounts x positions) per
// socialization for the split; metrics() is O(payers log payers) per asset.
//
// Definitions, per settlement asset, all amounts in the asset's Money (exact integers):
//   liquidation_fees, surplus   Σ kLiquidationFee, Σ kSurplus: liquidations closed better than the
//                               bankruptcy price pay these into the insurance fund (income, not
//                               part of any deficit).
//   deficit                     Σ kDeficit: D of every liquidation closed worse than bankruptcy,
//                               after the close consumed the defaulter's collateral
//                               (defaulter_collateral, Σ kCollateral, tier 1, shown apart).
//   who covered D               own_default_fund (tier 2), insurance (3), venue_tranche (4),
//                               members_default_fund (5: Σ kDefaultFundDraw minus its rounding
//                               remainder), adl (6: Σ kAdlFill minus the tier-6 remainders that
//                               followed them), socialized (6: Σ kSocializedLoss), assessment
//                               (7: Σ kAssessment minus its remainder), bad_debt (8). These eight
//                               add up to `deficit` exactly (covered_total()).
//   winners_charged             what the winning side paid at tier 6: Σ kAdlFill plus, per
//                               kSocializedLoss, the total charged (= its amount + the tier-6
//                               remainder after it). Includes the backstop account's own share of
//                               a socialized charge (socialized_backstop), since its positions
//                               sit in the open interest too.
//   winners_excess              winners_charged - (adl + socialized) = Σ tier-6 kRemainder: each
//                               payer's share rounded up once (ADL: ceil(R x / lots) for x lots
//                               closed, socialized: ceil(R |q| / open interest)), under one unit
//                               per payer, which goes to the insurance fund.
//                               Execution price: at the bankruptcy price a counterparty closes at
//                               the mark and pays its share, its loss against the mark is
//                               exactly that payment; at the mark (ranked-hyperliquid) it pays
//                               nothing, winners_charged is 0 and the rest of D falls to the
//                               next tier (assessment or bad debt). What ADL takes beyond money
//                               is the position itself: closed_lots (Σ kAdlClose lots) and
//                               closed_notional (Σ |value of those lots at the mark|).
//   concentration               over trader accounts (backstops excluded) that paid > 0 at tier
//                               6, x_i = ADL payments + socialized shares (ceil(R |q| / open
//                               interest), q its lots on the winning side), X = Σ x_i, n = payers:
//                               top1_share = max x_i / X; top10_share = Σ 10 largest / X;
//                               hhi = Σ x_i² / X² (1/n .. 1; x 10,000 is the usual HHI scale),
//                               numerator and denominator exact in Int128;
//                               gini = Σ_i (2i - n - 1) x_(i) / (n X), x_(i) ascending, i from 1
//                               (0: equal shares; (n-1)/n: one account paid all); numerator
//                               exact. All 0 when nobody paid.
//   accounts touched            winners_closed: distinct accounts an ADL close hit;
//                               winners_touched: distinct trader accounts closed or charged at
//                               tier 6; members_charged: distinct members charged at tier 5 or 7.
//   ADL overshoot               what ADL took from winners against what it covered: closed
//                               notional (above) and closed_profit (Σ the realized PnL of the
//                               ADL closes at the mark: the unrealized profit the winners lost,
//                               from the closes' settlement legs) each divided by `adl`, the
//                               deficit ADL covered. Empty when ADL covered nothing (at the mark,
//                               or no ADL).
//   ADL'd accounts              per winner closed by ADL (adl_accounts): lots, notional, profit
//                               closed and what it paid, summed over its closes; and at its first
//                               ADL, its gross notional at the marks, its equity and unrealized
//                               profit just before the closes (read from the engine after that
//                               event, with the event's ADL closes, payments and realized profit
//                               added back), and leverage = notional / equity (0 when equity
//                               <= 0).
// A socialized charge's split is read from the engine after the event: a winning position that
// moved later in the same event (a cascade's takeover netting against the backstop) shifts the
// split; what the split misses (the total charged - the shares found, if positive) is
// socialized_unattributed, never spread over the others.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "backstop/instrument.hpp"
#include "backstop/risk_engine.hpp"
#include "backstop/waterfall.hpp"
#include "pipeline/output_event.hpp"

namespace backstop::replay {
struct ReplayOptions;
}

namespace backstop::report {

// One winner closed by ADL (see the header comment).
struct AdlAccount {
  std::uint64_t account = 0;
  std::uint64_t closes = 0;
  std::int64_t lots = 0;
  std::int64_t notional = 0;  // closed, at the mark
  std::int64_t profit = 0;    // closed: the realized PnL of its closes
  std::int64_t paid = 0;
  // At its first ADL, just before the closes.
  std::int64_t notional_before = 0;
  std::int64_t equity_before = 0;
  std::int64_t profit_before = 0;  // unrealized PnL of all its positions at the marks
  double leverage = 0;
};

struct LabAssetMetrics {
  std::uint8_t asset = 0;
  std::int64_t liquidation_fees = 0;
  std::int64_t surplus = 0;
  std::uint64_t deficits = 0;  // kDeficit records
  std::int64_t deficit = 0;
  std::int64_t defaulter_collateral = 0;
  // Who covered the deficit (tiers 2-8).
  std::int64_t own_default_fund = 0;
  std::int64_t insurance = 0;
  std::int64_t venue_tranche = 0;
  std::int64_t members_default_fund = 0;
  std::int64_t adl = 0;
  std::int64_t socialized = 0;
  std::int64_t assessment = 0;
  std::int64_t bad_debt = 0;
  // Gross charges of the pro-rata tiers (covered + rounding remainder).
  std::int64_t members_charged_amount = 0;
  std::int64_t assessment_charged_amount = 0;
  // Winners (tier 6).
  std::int64_t winners_charged = 0;
  std::int64_t winners_excess = 0;
  std::uint64_t adl_closes = 0;
  std::int64_t closed_lots = 0;
  std::int64_t closed_notional = 0;  // saturates at INT64_MAX
  std::int64_t closed_profit = 0;
  // ADL overshoot: closed_notional / adl and closed_profit / adl (empty when adl <= 0).
  std::optional<double> notional_overshoot;
  std::optional<double> profit_overshoot;
  std::vector<AdlAccount> adl_accounts;  // by closed notional, largest first; ties by account
  std::int64_t socialized_backstop = 0;
  std::int64_t socialized_unattributed = 0;
  // Concentration of the winners' payments.
  std::uint64_t payers = 0;
  std::int64_t top1 = 0;
  std::int64_t top10 = 0;
  double top1_share = 0;
  double top10_share = 0;
  double hhi = 0;
  double gini = 0;
  // Accounts touched.
  std::uint64_t winners_closed = 0;
  std::uint64_t winners_touched = 0;
  std::uint64_t members_charged = 0;

  [[nodiscard]] std::int64_t covered_total() const noexcept {
    return own_default_fund + insurance + venue_tranche + members_default_fund + adl + socialized +
           assessment + bad_debt;
  }
};

// Concentration of per-account amounts (all > 0), as defined above; `top*` and the ratios of
// LabAssetMetrics.
struct Concentration {
  std::uint64_t n = 0;
  std::int64_t top1 = 0;
  std::int64_t top10 = 0;
  double top1_share = 0;
  double top10_share = 0;
  double hhi = 0;
  double gini = 0;
};
[[nodiscard]] Concentration concentration_of(std::vector<std::int64_t> amounts);

class PolicyLab {
 public:
  // One kSocializedLoss charge waiting for its split over the winning side.
  struct Socialization {
    std::uint8_t asset = 0;
    std::uint16_t instrument = 0;
    bool winners_long = false;
    std::int64_t part = 0;     // the deficit covered
    std::int64_t charged = 0;  // Σ the payers' shares
    std::int64_t lots = 0;     // the open interest charged
  };
  struct Holder {
    std::uint64_t account = 0;
    std::int64_t lots = 0;  // > 0, on the winning side
  };

  // Instruments (to value ADL closes at the mark; an unknown instrument values at 0) and the
  // backstop accounts (excluded from the winners). Set before the first add().
  void set_instruments(std::vector<InstrumentRisk> instruments) {
    instruments_ = std::move(instruments);
  }
  void set_backstop_accounts(std::vector<std::uint64_t> ids) { backstops_ = std::move(ids); }

  // One waterfall record, in the engine's execution order.
  void add(const WaterfallRecord& r);
  // kSocializedLoss charges added since the last take_socializations(), oldest first.
  [[nodiscard]] std::vector<Socialization> take_socializations();
  // Splits one charge over `holders` (each account's lots on the winning side).
  void split_socialization(const Socialization& s, std::span<const Holder> holders);

  [[nodiscard]] std::vector<LabAssetMetrics> metrics() const;

  // The replay hooks; attach_policy_lab() wires them.
  void on_output(const OutputEvent& out);
  void after_event(const RiskEngine& risk);

 private:
  struct AssetState {
    LabAssetMetrics m;
    std::unordered_map<std::uint64_t, AdlAccount> adl_accounts;
    std::unordered_set<std::uint64_t> snapped;             // accounts whose first ADL is recorded
    std::unordered_map<std::uint64_t, std::int64_t> paid;  // trader account -> tier-6 payments
    std::unordered_set<std::uint64_t> closed;
    std::unordered_set<std::uint64_t> members;
  };
  AssetState& state(std::uint8_t asset);
  void add_cover(AssetState& s, const WaterfallRecord& r);
  void add_winners(AssetState& s, const WaterfallRecord& r);
  void add_remainder(LabAssetMetrics& m, const WaterfallRecord& r) const;
  void add_adl_close(AssetState& s, const WaterfallRecord& r);
  void snapshot_adl_accounts(const RiskEngine& risk);
  [[nodiscard]] bool is_backstop(std::uint64_t account) const noexcept;

  std::vector<InstrumentRisk> instruments_;
  std::vector<std::uint64_t> backstops_;
  std::vector<AssetState> assets_;                         // by asset index
  std::unordered_map<std::uint16_t, std::int64_t> taken_;  // instrument -> last takeover qty
  WaterfallKind last_tier6_ = WaterfallKind::kAdlFill;
  std::vector<Socialization> socializations_;
  std::vector<WaterfallRecord> pending_;  // this event's records, until after_event
  // Tier-6 realized PnL of the close being recorded, by account, until its kAdlClose.
  std::unordered_map<std::uint64_t, std::int64_t> close_profit_;
  // This event's ADL closes per (asset, account), for the first-ADL snapshot: lots, notional,
  // profit and payment to add back.
  struct EventAdl {
    std::uint8_t asset = 0;
    std::uint64_t account = 0;
    std::int64_t notional = 0;
    std::int64_t profit = 0;
    std::int64_t paid = 0;
  };
  std::vector<EventAdl> event_adl_;
  bool configured_ = false;
};

// Points `options`' on_output and after_event hooks at `lab` (synchronous replays only; `lab`
// must outlive the run), and turns on the engine's settlement legs (audit_balances: outputs only,
// the state and digest are the same), which give the profit an ADL close realizes. The
// instruments and backstops come from the engine at the first event.
void attach_policy_lab(replay::ReplayOptions& options, PolicyLab& lab);

}  // namespace backstop::report
