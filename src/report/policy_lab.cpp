#include "report/policy_lab.hpp"

#include <algorithm>
#include <limits>

#include "backstop/margin.hpp"
#include "backstop/risk_engine.hpp"
#include "replay/replay.hpp"

namespace backstop::report {

using replay::ReplayOptions;

namespace {

constexpr std::size_t kTopMany = 10;

std::int64_t saturating_add(std::int64_t a, Int128 b) noexcept {
  return clamp_to_int64(Int128{a} + b);
}

}  // namespace

Concentration concentration_of(std::vector<std::int64_t> amounts) {
  Concentration c;
  if (amounts.empty()) return c;
  std::sort(amounts.begin(), amounts.end());
  const auto n = static_cast<std::int64_t>(amounts.size());
  Int128 total = 0;
  for (const std::int64_t x : amounts)
    total += x;
  if (total <= 0) return c;
  c.n = amounts.size();
  c.top1 = amounts.back();
  Int128 top10 = 0;
  for (std::size_t k = 0; k < std::min(kTopMany, amounts.size()); ++k)
    top10 += amounts[amounts.size() - 1 - k];
  c.top10 = clamp_to_int64(top10);
  const auto total_d = static_cast<double>(total);
  c.top1_share = static_cast<double>(c.top1) / total_d;
  c.top10_share = static_cast<double>(top10) / total_d;
  // Σ x² <= X², and X < 2^63 in any replay (it is a sum of int64 payments of one asset), so the
  // exact numerator and denominator fit Int128; beyond that the ratio is taken in doubles.
  if (total <= Int128{std::numeric_limits<std::int64_t>::max()}) {
    Int128 squares = 0;
    for (const std::int64_t x : amounts)
      squares += Int128{x} * x;
    c.hhi = static_cast<double>(squares) / (total_d * total_d);
  } else {
    for (const std::int64_t x : amounts) {
      const double s = static_cast<double>(x) / total_d;
      c.hhi += s * s;
    }
  }
  // |2i - n - 1| <= n and x < 2^63: each term < 2^95, their sum bounded by n x X < 2^127 for any
  // n a replay reaches.
  Int128 weighted = 0;
  for (std::int64_t i = 1; i <= n; ++i)
    weighted += Int128{2 * i - n - 1} * amounts[static_cast<std::size_t>(i - 1)];
  c.gini = static_cast<double>(weighted) / (static_cast<double>(n) * total_d);
  return c;
}

PolicyLab::AssetState& PolicyLab::state(std::uint8_t asset) {
  if (asset >= assets_.size()) {
    const std::size_t old = assets_.size();
    assets_.resize(std::size_t{asset} + 1);
    for (std::size_t a = old; a < assets_.size(); ++a)
      assets_[a].m.asset = static_cast<std::uint8_t>(a);
  }
  return assets_[asset];
}

bool PolicyLab::is_backstop(std::uint64_t account) const noexcept {
  return account != 0 &&
         std::find(backstops_.begin(), backstops_.end(), account) != backstops_.end();
}

void PolicyLab::add(const WaterfallRecord& r) {
  switch (r.kind) {
    case WaterfallKind::kLiquidationOrder:
    case WaterfallKind::kFundDeposit:
      return;  // no money towards a deficit
    case WaterfallKind::kTakeover:
      taken_[r.instrument] = r.amount;
      return;
    case WaterfallKind::kAdlClose:
    case WaterfallKind::kAdlFill:
    case WaterfallKind::kSocializedLoss:
      add_winners(state(r.asset), r);
      return;
    case WaterfallKind::kRemainder:
      add_remainder(state(r.asset).m, r);
      return;
    case WaterfallKind::kRealizedPnl:
      // An ADL close's settlement leg comes just before its kAdlClose (WaterfallContext::trade).
      if (r.tier == 6 && !is_backstop(r.account)) {
        close_profit_[r.account] = from_party(r) == Party::kPositions ? r.amount : -r.amount;
      }
      return;
    default:
      add_cover(state(r.asset), r);
      return;
  }
}

// Fees and surplus, the deficit, and what covered it at every tier but the winners'.
void PolicyLab::add_cover(AssetState& s, const WaterfallRecord& r) {
  LabAssetMetrics& m = s.m;
  switch (r.kind) {
    case WaterfallKind::kLiquidationFee:
      m.liquidation_fees += r.amount;
      break;
    case WaterfallKind::kSurplus:
      m.surplus += r.amount;
      break;
    case WaterfallKind::kDeficit:
      ++m.deficits;
      m.deficit += r.amount;
      break;
    case WaterfallKind::kCollateral:
      m.defaulter_collateral += r.amount;
      break;
    case WaterfallKind::kOwnDefaultFund:
      m.own_default_fund += r.amount;
      break;
    case WaterfallKind::kInsuranceDraw:
      m.insurance += r.amount;
      break;
    case WaterfallKind::kVenueTranche:
      m.venue_tranche += r.amount;
      break;
    case WaterfallKind::kDefaultFundDraw:
      m.members_charged_amount += r.amount;
      m.members_default_fund += r.amount;
      s.members.insert(r.account);
      break;
    case WaterfallKind::kAssessment:
      if (r.reason != WaterfallReason::kCover) break;  // a risk control's receivable
      m.assessment_charged_amount += r.amount;
      m.assessment += r.amount;
      s.members.insert(r.account);
      break;
    case WaterfallKind::kBadDebt:
      m.bad_debt += r.amount;
      break;
    default:
      break;
  }
}

// Tier 6: ADL closes and fills, socialized charges.
void PolicyLab::add_winners(AssetState& s, const WaterfallRecord& r) {
  LabAssetMetrics& m = s.m;
  switch (r.kind) {
    case WaterfallKind::kAdlClose:
      add_adl_close(s, r);
      break;
    case WaterfallKind::kAdlFill:
      if (!event_adl_.empty() && event_adl_.back().account == r.account) {
        event_adl_.back().paid += r.amount;
        s.adl_accounts[r.account].paid += r.amount;
      }
      last_tier6_ = WaterfallKind::kAdlFill;
      m.adl += r.amount;
      m.winners_charged += r.amount;
      if (r.amount > 0 && !is_backstop(r.account)) s.paid[r.account] += r.amount;
      break;
    case WaterfallKind::kSocializedLoss: {
      last_tier6_ = WaterfallKind::kSocializedLoss;
      m.socialized += r.amount;
      m.winners_charged += r.amount;
      const auto it = taken_.find(r.instrument);
      // The winners hold the side opposite the position taken over (a short's loss is charged to
      // the longs).
      const bool winners_long = it != taken_.end() && it->second < 0;
      socializations_.push_back(
          Socialization{r.asset, r.instrument, winners_long, r.amount, r.before, r.after});
      break;
    }
    default:
      break;
  }
}

// One ADL close: the lots, their value at the mark and the profit its settlement leg realized.
void PolicyLab::add_adl_close(AssetState& s, const WaterfallRecord& r) {
  LabAssetMetrics& m = s.m;
  ++m.adl_closes;
  m.closed_lots += r.amount;
  std::int64_t notional = 0;
  if (r.instrument < instruments_.size()) {
    const Int128 v = value_down(instruments_[r.instrument], r.amount, r.before);
    notional = clamp_to_int64(v < 0 ? -v : v);
    m.closed_notional = saturating_add(m.closed_notional, notional);
  }
  std::int64_t profit = 0;
  if (const auto it = close_profit_.find(r.account); it != close_profit_.end()) {
    profit = it->second;
    close_profit_.erase(it);
  }
  m.closed_profit = saturating_add(m.closed_profit, profit);
  s.closed.insert(r.account);
  AdlAccount& a = s.adl_accounts[r.account];
  a.account = r.account;
  ++a.closes;
  a.lots += r.amount;
  a.notional = saturating_add(a.notional, notional);
  a.profit = saturating_add(a.profit, profit);
  event_adl_.push_back(EventAdl{r.asset, r.account, notional, profit, 0});
}

// Each account ADL'd for the first time in this event, as it stood just before its closes: the
// engine after the event, with the event's closed notional, realized profit and payments added
// back (closing at the mark moves profit from unrealized to the balance and leaves equity as it
// was, so the payment is the only change in equity).
void PolicyLab::snapshot_adl_accounts(const RiskEngine& risk) {
  for (std::size_t i = 0; i < event_adl_.size(); ++i) {
    const EventAdl& e = event_adl_[i];
    AssetState& s = state(e.asset);
    AdlAccount& a = s.adl_accounts[e.account];
    if (!s.snapped.insert(e.account).second) continue;
    Int128 notional = 0;
    Int128 profit = 0;
    Int128 equity = 0;
    const std::uint32_t slot = risk.find_account(e.account);
    if (slot != kNoSlot) {
      equity = risk.slot_margin(slot).equity;
      for (const Position& p : risk.positions(slot)) {
        if (p.instrument >= instruments_.size()) continue;
        const Int128 v =
            value_down(instruments_[p.instrument], p.qty, risk.instrument_state(p.instrument).mark);
        notional += v < 0 ? -v : v;
        profit += v - p.cost;
      }
    }
    for (std::size_t j = i; j < event_adl_.size(); ++j) {
      if (event_adl_[j].account != e.account) continue;
      notional += event_adl_[j].notional;
      profit += event_adl_[j].profit;
      equity += event_adl_[j].paid;
    }
    a.notional_before = clamp_to_int64(notional);
    a.profit_before = clamp_to_int64(profit);
    a.equity_before = clamp_to_int64(equity);
    a.leverage = equity > 0 ? static_cast<double>(notional) / static_cast<double>(equity) : 0;
  }
  event_adl_.clear();
  close_profit_.clear();
}

// Rounding up of a pro-rata split: charged beyond what that tier covered.
void PolicyLab::add_remainder(LabAssetMetrics& m, const WaterfallRecord& r) const {
  if (r.tier == 5) {
    m.members_default_fund -= r.amount;
  } else if (r.tier == 7) {
    m.assessment -= r.amount;
  } else if (r.tier == 6) {
    m.winners_excess += r.amount;
    // A socialized charge's remainder is on top of its recorded amount; an ADL fill's is inside
    // the payment.
    if (last_tier6_ == WaterfallKind::kSocializedLoss) {
      m.winners_charged += r.amount;
    } else {
      m.adl -= r.amount;
    }
  }
}

std::vector<PolicyLab::Socialization> PolicyLab::take_socializations() {
  std::vector<Socialization> out;
  out.swap(socializations_);
  return out;
}

void PolicyLab::split_socialization(const Socialization& z, std::span<const Holder> holders) {
  AssetState& s = state(z.asset);
  if (z.lots <= 0) return;
  Int128 found = 0;
  for (const Holder& h : holders) {
    if (h.lots <= 0) continue;
    // The engine's rule (adl_policies.hpp): the exact share, rounded up once.
    const std::int64_t share = clamp_to_int64(div_round_up(Int128{z.part} * h.lots, z.lots));
    found += share;
    if (is_backstop(h.account)) {
      s.m.socialized_backstop += share;
    } else {
      s.paid[h.account] += share;
    }
  }
  if (Int128{z.charged} > found) s.m.socialized_unattributed += clamp_to_int64(z.charged - found);
}

std::vector<LabAssetMetrics> PolicyLab::metrics() const {
  std::vector<LabAssetMetrics> out;
  for (const AssetState& s : assets_) {
    LabAssetMetrics m = s.m;
    std::vector<std::int64_t> amounts;
    amounts.reserve(s.paid.size());
    for (const auto& [account, amount] : s.paid)
      if (amount > 0) amounts.push_back(amount);
    const Concentration c = concentration_of(std::move(amounts));
    m.payers = c.n;
    m.top1 = c.top1;
    m.top10 = c.top10;
    m.top1_share = c.top1_share;
    m.top10_share = c.top10_share;
    m.hhi = c.hhi;
    m.gini = c.gini;
    m.winners_closed = s.closed.size();
    std::unordered_set<std::uint64_t> touched(s.closed.begin(), s.closed.end());
    for (const auto& [account, amount] : s.paid)
      if (amount > 0) touched.insert(account);
    m.winners_touched = touched.size();
    m.members_charged = s.members.size();
    if (m.adl > 0) {
      m.notional_overshoot = static_cast<double>(m.closed_notional) / static_cast<double>(m.adl);
      m.profit_overshoot = static_cast<double>(m.closed_profit) / static_cast<double>(m.adl);
    }
    for (const auto& [account, a] : s.adl_accounts)
      m.adl_accounts.push_back(a);
    std::sort(m.adl_accounts.begin(), m.adl_accounts.end(),
              [](const AdlAccount& x, const AdlAccount& y) {
                return x.notional != y.notional ? x.notional > y.notional : x.account < y.account;
              });
    out.push_back(m);
  }
  return out;
}

void PolicyLab::on_output(const OutputEvent& out) {
  if (out.kind != OutputKind::kWaterfall) return;
  const WaterfallRecord& r = out.waterfall;
  // Of the settlement legs (audit_balances) only an ADL close's realized PnL is read.
  const bool leg = r.kind >= WaterfallKind::kRealizedPnl;
  if (!leg || (r.kind == WaterfallKind::kRealizedPnl && r.tier == 6)) pending_.push_back(r);
}

void PolicyLab::after_event(const RiskEngine& risk) {
  if (!configured_) {
    configured_ = true;
    std::vector<InstrumentRisk> instruments;
    for (std::uint16_t i = 0; i < risk.instrument_count(); ++i)
      instruments.push_back(risk.instrument_risk(i));
    set_instruments(std::move(instruments));
    std::vector<std::uint64_t> ids;
    for (const std::uint64_t id : risk.waterfall_config().backstop_accounts)
      if (id != 0) ids.push_back(id);
    set_backstop_accounts(std::move(ids));
  }
  if (pending_.empty()) return;
  for (const WaterfallRecord& r : pending_)
    add(r);
  pending_.clear();
  snapshot_adl_accounts(risk);
  // The split of each socialized charge: every position on the winning side after the event.
  std::vector<Holder> holders;
  for (const Socialization& z : take_socializations()) {
    holders.clear();
    for (std::uint32_t slot = 0; slot < risk.account_count(); ++slot) {
      for (const Position& p : risk.positions(slot)) {
        if (p.instrument != z.instrument || p.qty == 0 || (p.qty > 0) != z.winners_long) continue;
        holders.push_back(Holder{risk.account(slot).id, p.qty < 0 ? -p.qty : p.qty});
      }
    }
    split_socialization(z, holders);
  }
}

void attach_policy_lab(ReplayOptions& options, PolicyLab& lab) {
  options.audit_balances = true;
  options.on_output = [&lab](const OutputEvent& out) { lab.on_output(out); };
  options.after_event = [&lab](const RiskEngine& risk, const Event&) { lab.after_event(risk); };
}

}  // namespace backstop::report
