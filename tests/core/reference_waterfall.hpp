// The brute-force reference of liquidation and the loss waterfall (docs/design.md §5, the rules
// stated at the top of liquidation.hpp, funding_tiers.hpp and adl_policies.hpp): ReferenceModel
// plus takeover, fee and surplus, tiers 1-7, bad debt, the three tier-6 policies, cascades and fund
// deposits, written the plainest way. No index, no cache, no lazy settlement: every liquidation
// scans every account for the flagged ones, ranked ADL scores every opposite position and sorts
// them (score desc, id asc) each time, socialized loss is charged into every payer's accrued
// funding at once. Only adl_score (the published score formulas, pure functions of exact inputs) is
// shared with the engine. The oracle of tests/core/waterfall_reference_test.cpp and nothing else.
//
// Rules the header leaves implicit, read from the engine and written down here:
// - Flagged = equity < maintenance margin. Eligible for liquidation: flagged, not the asset's
//   backstop, and either holding no position with a negative balance, or holding positions while
//   the asset's backstop account exists. In order mode an account with positions first gets its
//   orders (one per position, in position order, limit = its bankruptcy price) and a deadline of
//   event time + timeout (1 if that is 0); it is taken over at the first event at or after the
//   deadline while still flagged. Recovering (equity >= MM) cancels the deadline.
// - Positions are taken over last first (ReferenceModel::Acct::order). Tier 1 records the balance
//   held before the takeover, if positive. Each tier 2-7 record is written only when the tier is
//   on and has something to give (tier 3 even then only if it gives > 0).
// - Tier 3's window per account opens at its first draw (or the first after a window expired, or
//   while nothing was drawn in it) and lasts insurance_cap_window_ns of event time.
// - Default-fund members are listed in the order of their first contribution; an account stays a
//   member (listed once) whatever its contribution later. Tier 5 draws, in that order, from every
//   other member of the asset with a positive share left, pro rata to those shares; tier 7 assesses
//   every other member pro rata to what it has committed over time (Σ contributions, never
//   reduced by draws).
// - Tier 6 splits the rest over the taken positions in takeover order by their losses (a
//   position's loss: minus its contribution to equity before the close, if negative): each part
//   rounded up and capped at what is left to split, the last position gets what is left; with no
//   loss at all the first position gets everything. Each position is then handled by its
//   instrument's policy; what a part leaves uncovered falls to tier 7.
// - ADL closes min(lots taken over, the backstop's remaining same-direction lots in the
//   instrument); nothing if the backstop holds no such position. Eligible counterparties: healthy
//   (equity >= MM) non-backstop accounts holding the opposite side. Per-lot payment
//   ceil(part / lots taken over) with bankruptcy-price execution, 0 at the mark; each payment
//   capped at the counterparty's equity after its close (never negative). Paid beyond the part
//   goes to the insurance fund (tier 6 remainder, charged back to the defaulter).
// - Pro-rata: want = min(lots, Σ eligible sizes); floor(want * size / Σ) each, the leftover lots
//   one each to the largest remainders (ties: lower id); fills in ascending id order.
// - Socialized: per-lot charge ceil(part / open interest) on every position of the winning side,
//   the backstop's included; the excess over the part to the insurance fund.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <vector>

#include "backstop/adl_ranking.hpp"
#include "backstop/adl_score.hpp"
#include "backstop/waterfall.hpp"
#include "reference_model.hpp"

namespace backstop::test {

class ReferenceWaterfall : public ReferenceModel {
 public:
  struct Member {
    std::int64_t contribution = 0;  // default-fund share left
    std::int64_t committed = 0;     // Σ default-fund contributions ever paid in
    std::int64_t owed = 0;
    std::int64_t deadline_ns = 0;
    std::int64_t window_start_ns = 0;
    std::int64_t window_drawn = 0;
  };
  struct Funds {
    std::int64_t default_fund = 0;
    std::int64_t venue_tranche = 0;
    std::int64_t receivable = 0;
    std::int64_t bad_debt = 0;
    std::int64_t socialized = 0;
    std::int64_t adl_paid = 0;
  };

  explicit ReferenceWaterfall(const RiskConfig& c)
      : ReferenceModel(c), cfg_(c.waterfall), funds_(c.asset_count) {
    socialized_index_.assign(c.instruments.size() * 2, 0);
  }

  RejectCode apply(const Event& e) {
    records_.clear();
    RejectCode code;
    if (e.type == EventType::kFundDeposit) {
      code = fund_deposit(e.fund);
    } else if (e.type == EventType::kWithdraw && withdrawal_gated(e.transfer)) {
      code = RejectCode::kDeficitUnresolved;
    } else {
      code = ReferenceModel::apply(e);
    }
    if (code == RejectCode::kOk && cfg_.mode != LiquidationMode::kOff) run(e.time_ns);
    return code;
  }

  const std::vector<WaterfallRecord>& records() const { return records_; }
  const Funds& funds(std::uint8_t asset) const { return funds_[asset]; }
  Member member(std::uint64_t id) const {
    auto it = members_.find(id);
    return it == members_.end() ? Member{} : it->second;
  }
  std::int64_t socialized_index(std::uint16_t instrument, bool longs) const {
    return socialized_index_[std::size_t{instrument} * 2 + (longs ? 0 : 1)];
  }
  std::uint64_t liquidations() const { return liquidations_; }
  std::uint64_t adl_fills() const { return adl_fills_; }

  // The conventions an instrument follows: its own, else the venue's.
  const VenueConventions& conventions(std::uint16_t instrument) const {
    const auto& own = instruments_[instrument].spec.conventions;
    return own ? *own : config_.venue;
  }

  // Bankruptcy price of closing the account's whole position in `instrument` (close_prices.hpp),
  // by bisection over the band: closing at p leaves equity_at(p) (the position
  // valued at p, everything else at the marks) less the closing fee rounded up; a long's is the
  // lowest tick where that is >= 0, a short's the highest; the band's edge when all are; when none
  // is, the far edge (the order's limit then).
  std::int64_t bankruptcy_price(const Acct& a, std::uint16_t instrument) const {
    const InstrumentSpec& spec = instruments_[instrument].spec;
    const std::int64_t q = a.positions.at(instrument).qty;
    const std::int64_t fee_rate = conventions(instrument).closing_fee_rate;
    auto solvent = [&](std::int64_t p) {
      const Int128 v = value_floor(spec, q, p);
      return equity_at(a, instrument, p) - ceil_div((v < 0 ? -v : v) * fee_rate, kRateScale) >= 0;
    };
    std::int64_t lo = spec.min_price.raw();
    std::int64_t hi = spec.max_price.raw();
    if (q > 0) {
      if (!solvent(hi)) return hi;
      while (lo < hi) {  // solvent at hi; find the lowest such
        const std::int64_t mid = lo + (hi - lo) / 2;
        if (solvent(mid))
          hi = mid;
        else
          lo = mid + 1;
      }
      return lo;
    }
    if (!solvent(lo)) return lo;
    while (lo < hi) {  // solvent at lo; find the highest such
      const std::int64_t mid = lo + (hi - lo + 1) / 2;
      if (solvent(mid))
        lo = mid;
      else
        hi = mid - 1;
    }
    return lo;
  }

  bool is_backstop(const Acct& a) const {
    const auto& ids = cfg_.backstop_accounts;
    return a.asset < ids.size() && ids[a.asset] != 0 && ids[a.asset] == a.id;
  }

 private:
  struct Taken {
    std::uint16_t instrument;
    std::int64_t qty;
    Int128 loss;
  };

  Member& member_of(std::uint64_t id) { return members_[id]; }

  Int128 equity_at(const Acct& a, std::uint16_t instrument, std::int64_t price) const {
    Int128 e = a.balance;
    for (const auto& [i, p] : a.positions) {
      const std::int64_t m = i == instrument ? price : instruments_[i].mark;
      e += value_floor(instruments_[i].spec, p.qty, m) - p.cost - p.accrued;
    }
    return e;
  }

  bool healthy(const Acct& a) const {
    const Margin m = margin(a, false);
    return m.equity >= m.maintenance;
  }

  Acct* backstop_of(std::uint8_t asset) {
    const auto& ids = cfg_.backstop_accounts;
    if (asset >= ids.size() || ids[asset] == 0) return nullptr;
    return find(ids[asset]);
  }

  void record(WaterfallKind kind, std::uint8_t tier, WaterfallReason reason, std::uint8_t asset,
              std::uint16_t instrument, std::uint64_t account, Int128 amount, Int128 before,
              Int128 after) {
    records_.push_back(WaterfallRecord{kind, tier, reason, asset, instrument, 0, Shown::kNeither,
                                       account, static_cast<std::int64_t>(amount),
                                       static_cast<std::int64_t>(before),
                                       static_cast<std::int64_t>(after)});
  }

  // ---- Fund deposits ----

  RejectCode fund_deposit(const FundDepositPayload& f) {
    const std::int64_t amount = f.amount.raw();
    if (amount <= 0) return RejectCode::kNonPositiveAmount;
    if (amount > (std::int64_t{1} << 60)) return RejectCode::kValueOverflow;
    const bool from_account =
        f.fund == FundKind::kDefaultFund || f.fund == FundKind::kAssessmentPayment;
    Acct* a = nullptr;
    std::uint8_t asset = f.asset;
    if (from_account) {
      a = find(f.account);
      if (a == nullptr) return RejectCode::kUnknownAccount;
      asset = a->asset;
      if (amount > a->balance) return RejectCode::kInsufficientBalance;
      const Margin m = margin(*a);
      if (m.equity - amount < m.initial) return RejectCode::kInsufficientMargin;
      if (f.fund == FundKind::kAssessmentPayment && amount > member_of(a->id).owed) {
        return RejectCode::kInsufficientBalance;
      }
    } else if (asset >= funds_.size()) {
      return RejectCode::kInvalidConfig;
    }
    Funds& fu = funds_[asset];
    switch (f.fund) {
      case FundKind::kInsurance:
        record(WaterfallKind::kFundDeposit, 0, WaterfallReason::kDeposit, asset, kNoInstrument,
               f.account, amount, insurance_[asset], insurance_[asset] + amount);
        insurance_[asset] += amount;
        net_deposits_[asset] += amount;
        return RejectCode::kOk;
      case FundKind::kVenueTranche:
        record(WaterfallKind::kFundDeposit, 0, WaterfallReason::kDeposit, asset, kNoInstrument,
               f.account, amount, fu.venue_tranche, fu.venue_tranche + amount);
        fu.venue_tranche += amount;
        net_deposits_[asset] += amount;
        return RejectCode::kOk;
      case FundKind::kRecoverBadDebt:
        if (amount > fu.bad_debt) return RejectCode::kInsufficientBalance;
        record(WaterfallKind::kFundDeposit, 8, WaterfallReason::kDeposit, asset, kNoInstrument, 0,
               amount, fu.bad_debt, fu.bad_debt - amount);
        fu.bad_debt -= amount;
        net_deposits_[asset] += amount;
        return RejectCode::kOk;
      case FundKind::kDefaultFund: {
        if (std::find(member_order_.begin(), member_order_.end(), a->id) == member_order_.end()) {
          member_order_.push_back(a->id);
        }
        Member& m = member_of(a->id);
        record(WaterfallKind::kFundDeposit, 0, WaterfallReason::kDeposit, asset, kNoInstrument,
               f.account, amount, m.contribution, m.contribution + amount);
        a->balance -= amount;
        m.contribution += amount;
        m.committed += amount;
        fu.default_fund += amount;
        return RejectCode::kOk;
      }
      case FundKind::kAssessmentPayment:
        record(WaterfallKind::kFundDeposit, 7, WaterfallReason::kDeposit, asset, kNoInstrument,
               f.account, amount, member_of(a->id).owed, member_of(a->id).owed - amount);
        a->balance -= amount;
        member_of(a->id).owed -= amount;
        fu.receivable -= amount;
        return RejectCode::kOk;
    }
    return RejectCode::kInvalidConfig;
  }

  // Withdrawals of an asset wait while it has bad debt or a bankrupt account (equity < 0).
  bool withdrawal_gated(const TransferPayload& t) {
    if (!cfg_.gate_withdrawals || cfg_.mode == LiquidationMode::kOff) return false;
    const Acct* a = find(t.account);
    if (a == nullptr || t.amount.raw() <= 0 || t.amount.raw() > a->balance) return false;
    if (funds_[a->asset].bad_debt > 0) return true;
    for (const Acct& o : accounts_) {
      if (o.asset == a->asset && margin(o, false).equity < 0) return true;
    }
    return false;
  }

  // ---- Liquidation ----

  bool eligible(const Acct& a, std::int64_t time_ns) const {
    if (is_backstop(a)) return false;
    const Margin m = margin(a, false);
    if (m.equity >= m.maintenance) return false;
    if (a.positions.empty()) return true;  // balance < 0: nothing to take over, cover the deficit
    const auto& ids = cfg_.backstop_accounts;
    if (a.asset >= ids.size() || ids[a.asset] == 0 || find_const(ids[a.asset]) == nullptr) {
      return false;
    }
    if (cfg_.mode == LiquidationMode::kOrder) {
      auto it = members_.find(a.id);
      const std::int64_t d = it == members_.end() ? 0 : it->second.deadline_ns;
      return d == 0 || time_ns >= d;
    }
    return true;
  }

  void forget_recovered_deadlines() {
    for (auto& [id, m] : members_) {
      if (m.deadline_ns != 0 && healthy(*find(id))) m.deadline_ns = 0;
    }
  }

  // Cascades: liquidate the lowest eligible id, then look again, until none is left.
  void run(std::int64_t time_ns) {
    forget_recovered_deadlines();
    for (;;) {
      Acct* best = nullptr;
      for (Acct& a : accounts_) {
        if ((best == nullptr || a.id < best->id) && eligible(a, time_ns)) best = &a;
      }
      if (best == nullptr) return;
      if (cfg_.mode == LiquidationMode::kOrder && !best->positions.empty() &&
          member_of(best->id).deadline_ns == 0) {
        emit_orders(*best, time_ns);
        continue;
      }
      liquidate(*best, time_ns);
      forget_recovered_deadlines();
    }
  }

  void emit_orders(Acct& a, std::int64_t time_ns) {
    for (const std::uint16_t i : a.order) {
      record(WaterfallKind::kLiquidationOrder, 0, WaterfallReason::kTransfer, a.asset, i, a.id,
             -a.positions.at(i).qty, bankruptcy_price(a, i), 0);
    }
    const std::int64_t t = time_ns + cfg_.order_timeout_ns;
    member_of(a.id).deadline_ns = t == 0 ? 1 : t;
  }

  void to_insurance(Acct& a, Int128 amount, WaterfallKind kind, std::uint8_t tier,
                    WaterfallReason reason) {
    record(kind, tier, reason, a.asset, kNoInstrument, a.id, amount, a.balance, a.balance - amount);
    a.balance = static_cast<std::int64_t>(a.balance - amount);
    insurance_[a.asset] += amount;
  }

  void liquidate(Acct& a, std::int64_t time_ns) {
    member_of(a.id).deadline_ns = 0;
    ++liquidations_;
    const std::int64_t balance_start = a.balance;
    Acct* backstop = backstop_of(a.asset);
    std::vector<Taken> taken;
    Int128 fee_notional = 0;  // closed under kAllToInsurance or kFeeOnly
    Int128 capped = 0;        // Σ notional x surplus_fee_cap_rate, closed under kFeeCapped
    bool rest_to_insurance = false;
    while (!a.order.empty()) {
      const std::uint16_t i = a.order.back();
      const Pos p = a.positions.at(i);
      const std::int64_t mark = instruments_[i].mark;
      const Int128 value = value_floor(instruments_[i].spec, p.qty, mark);
      const Int128 notional = value < 0 ? -value : value;
      const VenueConventions& vc = conventions(i);
      if (vc.surplus == SurplusRule::kFeeCapped) {
        capped += notional * vc.surplus_fee_cap_rate;
      } else {
        fee_notional += notional;
      }
      rest_to_insurance = rest_to_insurance || vc.surplus == SurplusRule::kAllToInsurance;
      const Int128 contribution = value - p.cost - p.accrued;
      taken.push_back(Taken{i, p.qty, contribution < 0 ? -contribution : 0});
      const std::int64_t before = a.balance;
      const Int128 effect = trade(a, i, -p.qty, mark, 0) + trade(*backstop, i, p.qty, mark, 0);
      insurance_[a.asset] -= effect;
      record(WaterfallKind::kTakeover, 0, WaterfallReason::kTransfer, a.asset, i, a.id, p.qty,
             before, a.balance);
    }
    const std::int64_t equity = a.balance;
    if (equity >= 0) {
      // SurplusRule (venue_conventions.hpp): the fee part, then the rest only under
      // kAllToInsurance.
      const Int128 fee =
          std::min<Int128>(ceil_div(fee_notional * cfg_.liquidation_fee_rate, kRateScale) +
                               ceil_div(capped, kRateScale),
                           equity);
      if (fee > 0) to_insurance(a, fee, WaterfallKind::kLiquidationFee, 0, WaterfallReason::kFee);
      if (rest_to_insurance && equity - fee > 0) {
        to_insurance(a, equity - fee, WaterfallKind::kSurplus, 0, WaterfallReason::kSurplus);
      }
      return;
    }
    cover(a, -equity, balance_start, taken, backstop, time_ns);
  }

  // Σ of the asset's other members' shares left (tier 5) or commitments (tier 7).
  Int128 others_pool(std::uint64_t id, std::uint8_t asset, bool committed) {
    Int128 pool = 0;
    for (const std::uint64_t m : member_order_) {
      const Member& mm = member_of(m);
      const std::int64_t key = committed ? mm.committed : mm.contribution;
      if (m != id && find(m)->asset == asset && key > 0) pool += key;
    }
    return pool;
  }

  void cover(Acct& a, std::int64_t deficit, std::int64_t balance_start,
             const std::vector<Taken>& taken, Acct* backstop, std::int64_t time_ns) {
    const std::uint8_t asset = a.asset;
    Funds& fu = funds_[asset];
    Member& own = member_of(a.id);
    record(WaterfallKind::kDeficit, 0, WaterfallReason::kCover, asset, kNoInstrument, a.id, deficit,
           a.balance, a.balance);
    if (balance_start > 0) {
      record(WaterfallKind::kCollateral, 1, WaterfallReason::kCover, asset, kNoInstrument, a.id,
             balance_start, balance_start, 0);
    }
    std::int64_t rest = deficit;
    auto cover_with = [&](std::int64_t x) {
      a.balance += x;
      rest -= x;
    };
    // 2. own default-fund contribution
    if (cfg_.own_default_fund && own.contribution > 0) {
      const std::int64_t x = std::min(rest, own.contribution);
      record(WaterfallKind::kOwnDefaultFund, 2, WaterfallReason::kCover, asset, kNoInstrument, a.id,
             x, own.contribution, own.contribution - x);
      own.contribution -= x;
      fu.default_fund -= x;
      cover_with(x);
    }
    // 3. insurance down to the floor, capped per account per window
    if (rest > 0 && cfg_.insurance) {
      const std::int64_t floor =
          asset < cfg_.insurance_floor.size() ? cfg_.insurance_floor[asset] : 0;
      Int128 avail = std::max<Int128>(0, insurance_[asset] - floor);
      if (cfg_.insurance_cap_per_account > 0) {
        const bool expired = time_ns - own.window_start_ns >= cfg_.insurance_cap_window_ns;
        if (own.window_drawn == 0 || expired) {
          own.window_start_ns = time_ns;
          own.window_drawn = 0;
        }
        avail = std::min<Int128>(avail, cfg_.insurance_cap_per_account - own.window_drawn);
      }
      const auto x = static_cast<std::int64_t>(std::min<Int128>(rest, avail));
      if (x > 0) {
        record(WaterfallKind::kInsuranceDraw, 3, WaterfallReason::kCover, asset, kNoInstrument,
               a.id, x, insurance_[asset], insurance_[asset] - x);
        insurance_[asset] -= x;
        own.window_drawn += x;
        cover_with(x);
      }
    }
    // 4. venue tranche
    if (rest > 0 && cfg_.venue_tranche && fu.venue_tranche > 0) {
      const std::int64_t x = std::min(rest, fu.venue_tranche);
      record(WaterfallKind::kVenueTranche, 4, WaterfallReason::kCover, asset, kNoInstrument, a.id,
             x, fu.venue_tranche, fu.venue_tranche - x);
      fu.venue_tranche -= x;
      cover_with(x);
    }
    // 5. the other members, pro rata, shares rounded up
    if (rest > 0 && cfg_.default_fund) {
      const Int128 pool = others_pool(a.id, asset, false);
      if (pool > 0) {
        const auto need = static_cast<std::int64_t>(std::min<Int128>(rest, pool));
        const Int128 charged = charge_members(a, need, pool, true);
        fu.default_fund = static_cast<std::int64_t>(fu.default_fund - charged);
        cover_with(need);
        if (charged > need) {
          record(WaterfallKind::kRemainder, 5, WaterfallReason::kRounding, asset, kNoInstrument, 0,
                 charged - need, insurance_[asset], insurance_[asset] + charged - need);
          insurance_[asset] += charged - need;
        }
      }
    }
    // 6. per instrument, the rest split over the taken positions by their losses
    if (rest > 0 && !taken.empty() && backstop != nullptr) {
      Int128 total_loss = 0;
      for (const Taken& t : taken)
        total_loss += t.loss;
      const std::int64_t to_split = rest;
      std::int64_t assigned = 0;
      for (std::size_t j = 0; j < taken.size() && rest > 0; ++j) {
        std::int64_t part = 0;
        if (total_loss == 0) {
          part = j == 0 ? to_split : 0;
        } else if (j + 1 == taken.size()) {
          part = to_split - assigned;
        } else {
          part = static_cast<std::int64_t>(std::min<Int128>(
              ceil_div(Int128{to_split} * taken[j].loss, total_loss), to_split - assigned));
        }
        assigned += part;
        if (part > 0) rest -= tier6(a, *backstop, taken[j], part);
      }
    }
    // 7. assessment of the other members, capped, as receivables
    if (rest > 0 && cfg_.assessment) {
      const Int128 pool = others_pool(a.id, asset, true);
      if (pool > 0) {
        const std::int64_t x = cfg_.assessment_cap > 0 ? std::min(rest, cfg_.assessment_cap) : rest;
        const Int128 charged = charge_members(a, x, pool, false);
        fu.receivable = static_cast<std::int64_t>(fu.receivable + charged);
        cover_with(x);
        if (charged > x) {
          record(WaterfallKind::kRemainder, 7, WaterfallReason::kRounding, asset, kNoInstrument, 0,
                 charged - x, insurance_[asset], insurance_[asset] + charged - x);
          insurance_[asset] += charged - x;
        }
      }
    }
    // 8. bad debt
    if (rest > 0) {
      record(WaterfallKind::kBadDebt, 8, WaterfallReason::kCover, asset, kNoInstrument, a.id, rest,
             fu.bad_debt, fu.bad_debt + rest);
      fu.bad_debt += rest;
      cover_with(rest);
    }
  }

  // Tier 5 (draw from the shares left) or 7 (assess as receivables, keyed by commitments): every
  // other member of the asset with a positive key owes ceil(amount * key / pool). Returns the sum.
  Int128 charge_members(const Acct& a, std::int64_t amount, Int128 pool, bool draw) {
    Int128 charged = 0;
    for (const std::uint64_t id : member_order_) {
      Member& m = member_of(id);
      const std::int64_t key = draw ? m.contribution : m.committed;
      if (id == a.id || find(id)->asset != a.asset || key <= 0) continue;
      const auto share = static_cast<std::int64_t>(ceil_div(Int128{amount} * key, pool));
      if (draw) {
        record(WaterfallKind::kDefaultFundDraw, 5, WaterfallReason::kCover, a.asset, kNoInstrument,
               id, share, m.contribution, m.contribution - share);
        m.contribution -= share;
      } else {
        record(WaterfallKind::kAssessment, 7, WaterfallReason::kCover, a.asset, kNoInstrument, id,
               share, m.owed, m.owed + share);
        m.owed += share;
      }
      charged += share;
    }
    return charged;
  }

  // Tier 6 for one taken position: returns the part of `part` covered.
  std::int64_t tier6(Acct& a, Acct& backstop, const Taken& t, std::int64_t part) {
    const AdlPolicy policy = t.instrument < cfg_.instrument_policy.size()
                                 ? cfg_.instrument_policy[t.instrument]
                                 : cfg_.policy;
    if (policy == AdlPolicy::kNone) return 0;
    if (policy == AdlPolicy::kSocialized) return socialize(a, t, part);
    auto bp = backstop.positions.find(t.instrument);
    if (bp == backstop.positions.end() || (bp->second.qty > 0) != (t.qty > 0)) return 0;
    const std::int64_t taken_lots = t.qty < 0 ? -t.qty : t.qty;
    const std::int64_t held = bp->second.qty < 0 ? -bp->second.qty : bp->second.qty;
    const std::int64_t lots = std::min(taken_lots, held);
    const std::int64_t per_lot = cfg_.price == AdlPrice::kBankruptcy
                                     ? static_cast<std::int64_t>(ceil_div(part, taken_lots))
                                     : 0;
    // (counterparty id, lots to close), in execution order.
    const std::vector<std::pair<std::uint64_t, std::int64_t>> plan =
        policy == AdlPolicy::kRanked ? ranked_plan(t, lots) : pro_rata_plan(t, lots);
    Int128 paid = 0;
    for (const auto& [id, x] : plan)
      paid += adl_fill(a, backstop, *find(id), t, x, per_lot);
    // The excess goes to the insurance fund, recorded with the fund (as tiers 5 and 7 do).
    if (paid > part) {
      record(WaterfallKind::kRemainder, 6, WaterfallReason::kRounding, a.asset, t.instrument, 0,
             paid - part, insurance_[a.asset], insurance_[a.asset] + paid - part);
      a.balance -= static_cast<std::int64_t>(paid - part);
      insurance_[a.asset] += paid - part;
      paid = part;
    }
    return static_cast<std::int64_t>(paid);
  }

  // Healthy non-backstop accounts holding the side opposite to the taken position.
  std::vector<const Acct*> opposite_side(const Taken& t) const {
    std::vector<const Acct*> out;
    for (const Acct& c : accounts_) {
      auto it = c.positions.find(t.instrument);
      if (it == c.positions.end() || (it->second.qty > 0) == (t.qty > 0)) continue;
      if (is_backstop(c) || !healthy(c)) continue;
      out.push_back(&c);
    }
    return out;
  }

  std::vector<std::pair<std::uint64_t, std::int64_t>> ranked_plan(const Taken& t,
                                                                  std::int64_t lots) const {
    struct Scored {
      double score;
      std::uint64_t id;
      std::int64_t size;
    };
    std::vector<Scored> all;
    const Instr& in = instruments_[t.instrument];
    for (const Acct* c : opposite_side(t)) {
      const Pos& p = c->positions.at(t.instrument);
      const std::int64_t abs_q = p.qty < 0 ? -p.qty : p.qty;
      const AdlInputs inputs{
          value_floor(in.spec, p.qty, in.mark),
          p.cost,
          c->balance,
          margin(*c, false).equity,
          margin_of(in.spec, abs_q, p.cost < 0 ? -p.cost : p.cost, in.mark, false),
          in.spec.kind == ContractKind::kLinearPerpetual};
      all.push_back(Scored{adl_score(cfg_.score, inputs), c->id, abs_q});
    }
    std::sort(all.begin(), all.end(), [](const Scored& x, const Scored& y) {
      return x.score != y.score ? x.score > y.score : x.id < y.id;
    });
    std::vector<std::pair<std::uint64_t, std::int64_t>> plan;
    std::int64_t left = lots;
    for (const Scored& s : all) {
      if (left == 0) break;
      const std::int64_t x = std::min(left, s.size);
      plan.emplace_back(s.id, x);
      left -= x;
    }
    return plan;
  }

  std::vector<std::pair<std::uint64_t, std::int64_t>> pro_rata_plan(const Taken& t,
                                                                    std::int64_t lots) const {
    struct Share {
      std::uint64_t id;
      std::int64_t size;
      std::int64_t lots;
      Int128 remainder;
    };
    std::vector<Share> shares;
    Int128 total = 0;
    for (const Acct* c : opposite_side(t)) {
      const std::int64_t q = c->positions.at(t.instrument).qty;
      shares.push_back(Share{c->id, q < 0 ? -q : q, 0, 0});
      total += q < 0 ? -q : q;
    }
    std::vector<std::pair<std::uint64_t, std::int64_t>> plan;
    if (shares.empty()) return plan;
    const Int128 want = std::min<Int128>(lots, total);
    Int128 given = 0;
    for (Share& s : shares) {
      s.lots = static_cast<std::int64_t>(want * s.size / total);
      s.remainder = want * s.size % total;
      given += s.lots;
    }
    std::sort(shares.begin(), shares.end(), [](const Share& x, const Share& y) {
      return x.remainder != y.remainder ? x.remainder > y.remainder : x.id < y.id;
    });
    for (Int128 k = 0; k < want - given; ++k)
      ++shares[static_cast<std::size_t>(k)].lots;
    std::sort(shares.begin(), shares.end(),
              [](const Share& x, const Share& y) { return x.id < y.id; });
    for (const Share& s : shares) {
      if (s.lots > 0) plan.emplace_back(s.id, s.lots);
    }
    return plan;
  }

  // The backstop closes x lots of the taken position against `cp` at the mark; cp pays
  // per_lot * x to the defaulter, at most its equity after the close.
  Int128 adl_fill(Acct& a, Acct& backstop, Acct& cp, const Taken& t, std::int64_t x,
                  std::int64_t per_lot) {
    const std::int64_t mark = instruments_[t.instrument].mark;
    const std::int64_t dir = t.qty > 0 ? 1 : -1;
    const Int128 effect = trade(backstop, t.instrument, -dir * x, mark, 0) +
                          trade(cp, t.instrument, dir * x, mark, 0);
    insurance_[cp.asset] -= effect;
    const Int128 equity = margin(cp, false).equity;
    const Int128 pay = std::max<Int128>(0, std::min<Int128>(Int128{per_lot} * x, equity));
    record(WaterfallKind::kAdlClose, 6, WaterfallReason::kTransfer, cp.asset, t.instrument, cp.id,
           x, mark, per_lot);
    record(WaterfallKind::kAdlFill, 6, WaterfallReason::kCover, cp.asset, t.instrument, cp.id, pay,
           cp.balance, cp.balance - pay);
    cp.balance = static_cast<std::int64_t>(cp.balance - pay);
    a.balance = static_cast<std::int64_t>(a.balance + pay);
    funds_[cp.asset].adl_paid = static_cast<std::int64_t>(funds_[cp.asset].adl_paid + pay);
    ++adl_fills_;
    return pay;
  }

  std::int64_t socialize(Acct& a, const Taken& t, std::int64_t part) {
    const bool winners_long = t.qty < 0;
    Int128 lots = 0;  // the winning side's lots
    for (const Acct& c : accounts_) {
      auto it = c.positions.find(t.instrument);
      if (it != c.positions.end() && (it->second.qty > 0) == winners_long)
        lots += it->second.qty < 0 ? -it->second.qty : it->second.qty;
    }
    if (lots == 0) return 0;
    const Int128 per_lot = ceil_div(part, lots);
    for (Acct& c : accounts_) {
      auto it = c.positions.find(t.instrument);
      if (it == c.positions.end() || (it->second.qty > 0) != winners_long) continue;
      it->second.accrued += (it->second.qty < 0 ? -it->second.qty : it->second.qty) * per_lot;
    }
    socialized_index_[std::size_t{t.instrument} * 2 + (winners_long ? 0 : 1)] +=
        static_cast<std::int64_t>(per_lot);
    funds_[a.asset].socialized += part;
    record(WaterfallKind::kSocializedLoss, 6, WaterfallReason::kCover, a.asset, t.instrument, 0,
           part, per_lot, lots);
    a.balance += part;
    const Int128 excess = per_lot * lots - part;
    if (excess > 0) {
      record(WaterfallKind::kRemainder, 6, WaterfallReason::kRounding, a.asset, t.instrument, 0,
             excess, insurance_[a.asset], insurance_[a.asset] + excess);
      insurance_[a.asset] += excess;
    }
    return part;
  }

  WaterfallConfig cfg_;
  std::vector<Funds> funds_;
  std::map<std::uint64_t, Member> members_;  // every account's waterfall state, by id
  std::vector<std::uint64_t> member_order_;  // default-fund members, first contribution first
  std::vector<std::int64_t> socialized_index_;
  std::vector<WaterfallRecord> records_;
  std::uint64_t liquidations_ = 0;
  std::uint64_t adl_fills_ = 0;
};

}  // namespace backstop::test
