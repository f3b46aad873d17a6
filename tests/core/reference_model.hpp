// The brute-force reference model: the same rules as RiskEngine written the plainest way, with no
// index at all. Every query recomputes from scratch; funding is applied eagerly to every position
// at each funding event (O(positions)) instead of through lazy indices; maintenance margin is
// computed from the marginal-rate form Σ_b rate_b * (the part of N inside bracket b) instead of the
// engine's `cum` form; a dated future's settlement visits every account and closes its position at
// the settlement price by the closed form (value at the price - cost - accrued funding), the
// values' rounding to the insurance fund. Slow and obviously correct: the oracle of the
// differential tests and nothing else.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

#include "backstop/events.hpp"
#include "backstop/risk_config.hpp"

namespace backstop::test {

class ReferenceModel {
 public:
  struct Pos {
    std::int64_t qty = 0;
    std::int64_t cost = 0;
    Int128 accrued = 0;  // funding owed by the account (negative: owed to it), not yet settled
  };
  struct Acct {
    std::uint64_t id = 0;
    std::uint8_t asset = 0;
    std::int64_t balance = 0;
    std::map<std::uint16_t, Pos> positions;
    // The instruments in the order the engine lists the account's positions: opening order, a
    // closed position's place taken by the last one. The waterfall takes positions over last first,
    // so its audit records follow this order.
    std::vector<std::uint16_t> order;
  };
  struct Instr {
    InstrumentSpec spec;
    std::int64_t mark = 0;
    std::int64_t settlement = 0;  // a dated future's settlement price once settled
  };
  struct Margin {
    Int128 equity = 0;
    Int128 maintenance = 0;
    Int128 initial = 0;
  };

  explicit ReferenceModel(const RiskConfig& c) : config_(c) {
    for (const InstrumentSpec& s : c.instruments)
      instruments_.push_back(Instr{s, s.initial_mark.raw(), 0});
    insurance_.assign(c.asset_count, 0);
    fees_.assign(c.asset_count, 0);
    net_deposits_.assign(c.asset_count, 0);
  }

  static Int128 floor_div(Int128 a, Int128 b) {
    if (fits_int64(a) && fits_int64(b)) {  // same result, cheaper divide
      const auto x = static_cast<std::int64_t>(a);
      const auto y = static_cast<std::int64_t>(b);
      std::int64_t q = x / y;
      if (x % y != 0 && ((x < 0) != (y < 0))) --q;
      return q;
    }
    Int128 q = a / b;
    if (a % b != 0 && ((a < 0) != (b < 0))) --q;
    return q;
  }
  static Int128 ceil_div(Int128 a, Int128 b) { return -floor_div(-a, b); }

  // q * w(price): linear q*price*mult; inverse -q*mult/price (rational: numerator/denominator).
  Int128 value_floor(const InstrumentSpec& s, std::int64_t q, std::int64_t price) const {
    if (s.kind == ContractKind::kLinearPerpetual) return Int128{q} * price * s.multiplier;
    return floor_div(-Int128{q} * s.multiplier, price);
  }
  Int128 value_ceil(const InstrumentSpec& s, std::int64_t q, std::int64_t price) const {
    if (s.kind == ContractKind::kLinearPerpetual) return Int128{q} * price * s.multiplier;
    return ceil_div(-Int128{q} * s.multiplier, price);
  }

  // The instrument's conventions: its own, else the venue's.
  const VenueConventions& conventions_of(const InstrumentSpec& s) const {
    return s.conventions ? *s.conventions : config_.venue;
  }

  // A margin under the instrument's conventions, rounded up once. The notional N it is measured on
  // is the value at the mark (|q|*mult*mark linear, |q|*mult/mark inverse) or at entry (|cost|);
  // continuous tiers charge Σ_b rate_b * (the part of N inside bracket b), whole-position tiers
  // N * the rate of N's bracket; the closing fee, when included, adds fee_rate * the value at the
  // mark. Everything is multiplied by `scale` (1 linear, the mark inverse) to stay exact.
  Int128 margin_of(const InstrumentSpec& s, std::int64_t abs_q, std::int64_t abs_cost,
                   std::int64_t mark, bool initial) const {
    if (abs_q == 0) return 0;
    const VenueConventions& c = conventions_of(s);
    const bool linear = s.kind == ContractKind::kLinearPerpetual;
    const Int128 scale = linear ? 1 : mark;
    const Int128 at_mark =
        linear ? Int128{abs_q} * s.multiplier * mark : Int128{abs_q} * s.multiplier;
    const Int128 n_scaled =
        c.maintenance_basis == MarginBasis::kEntryValue ? Int128{abs_cost} * scale : at_mark;
    const auto rate = [&](std::size_t b) {
      return initial ? s.brackets[b].initial_rate : s.brackets[b].maintenance_rate;
    };
    Int128 sum = 0;
    Int128 lower = 0;
    for (std::size_t b = 0; b < s.brackets.size(); ++b) {
      const bool last = b + 1 == s.brackets.size();
      const Int128 upper = last ? n_scaled : Int128{s.brackets[b].notional_cap.raw()} * scale;
      if (c.tiers == TierRule::kWholePosition) {
        if (n_scaled <= upper) {
          sum = n_scaled * rate(b);
          break;
        }
        continue;
      }
      const Int128 part = std::min(n_scaled, upper) - lower;
      if (part > 0) sum += part * rate(b);
      if (n_scaled <= upper) break;
      lower = upper;
    }
    sum += at_mark * c.closing_fee_rate;
    return ceil_div(sum, scale * kRateScale);
  }

  Margin margin(const Acct& a, bool with_initial = true) const {
    Margin m;
    m.equity = a.balance;
    for (const auto& [i, p] : a.positions) {
      const Instr& in = instruments_[i];
      const std::int64_t abs_q = p.qty < 0 ? -p.qty : p.qty;
      m.equity += value_floor(in.spec, p.qty, in.mark) - p.cost - p.accrued;
      const std::int64_t abs_cost = p.cost < 0 ? -p.cost : p.cost;
      m.maintenance += margin_of(in.spec, abs_q, abs_cost, in.mark, false);
      if (with_initial) m.initial += margin_of(in.spec, abs_q, abs_cost, in.mark, true);
    }
    return m;
  }

  RejectCode apply(const Event& e) {
    switch (e.type) {
      case EventType::kMarkPrice: {
        if (e.instrument >= instruments_.size()) return RejectCode::kUnknownInstrument;
        const std::int64_t m = e.mark.mark.raw();
        if (m <= 0) return RejectCode::kNonPositivePrice;
        if (instruments_[e.instrument].settlement != 0) return RejectCode::kInstrumentSettled;
        if (m < instruments_[e.instrument].spec.min_price.raw() ||
            m > instruments_[e.instrument].spec.max_price.raw()) {
          return RejectCode::kPriceOutOfBand;
        }
        instruments_[e.instrument].mark = m;
        return RejectCode::kOk;
      }
      case EventType::kFill:
        return fill(e);
      case EventType::kDeposit: {
        Acct* a = find(e.transfer.account);
        if (a == nullptr) return RejectCode::kUnknownAccount;
        if (e.transfer.amount.raw() <= 0) return RejectCode::kNonPositiveAmount;
        a->balance += e.transfer.amount.raw();
        net_deposits_[a->asset] += e.transfer.amount.raw();
        return RejectCode::kOk;
      }
      case EventType::kWithdraw: {
        Acct* a = find(e.transfer.account);
        if (a == nullptr) return RejectCode::kUnknownAccount;
        const std::int64_t amount = e.transfer.amount.raw();
        if (amount <= 0) return RejectCode::kNonPositiveAmount;
        if (amount > a->balance) return RejectCode::kInsufficientBalance;
        const Margin m = margin(*a);
        if (m.equity - amount < m.initial) return RejectCode::kInsufficientMargin;
        a->balance -= amount;
        net_deposits_[a->asset] -= amount;
        return RejectCode::kOk;
      }
      case EventType::kFundingRate:
        return funding(e);
      case EventType::kSettlement:
        return settle(e);
      case EventType::kAccountConfig: {
        if (e.account.asset >= config_.asset_count) return RejectCode::kInvalidConfig;
        if (find(e.account.account) != nullptr) return RejectCode::kDuplicateAccount;
        if (accounts_.size() == config_.max_accounts) return RejectCode::kAccountCapacity;
        by_id_[e.account.account] = accounts_.size();
        accounts_.push_back(Acct{e.account.account, e.account.asset, 0, {}, {}});
        return RejectCode::kOk;
      }
      default:
        return RejectCode::kUnknownEventType;
    }
  }

  // Ids of accounts with equity < MM (liquidatable, bankrupt included) and with equity < 0.
  void scan(std::vector<std::uint64_t>& liquidatable, std::vector<std::uint64_t>& bankrupt) const {
    liquidatable.clear();
    bankrupt.clear();
    for (const Acct& a : accounts_) {
      const Margin m = margin(a, false);
      if (m.equity < m.maintenance) liquidatable.push_back(a.id);
      if (m.equity < 0) bankrupt.push_back(a.id);
    }
    std::sort(liquidatable.begin(), liquidatable.end());
    std::sort(bankrupt.begin(), bankrupt.end());
  }

  const std::vector<Acct>& accounts() const { return accounts_; }
  const Acct* find_const(std::uint64_t id) const {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : &accounts_[it->second];
  }
  Int128 insurance(std::uint8_t asset) const { return insurance_[asset]; }
  Int128 fees(std::uint8_t asset) const { return fees_[asset]; }

 protected:
  Acct* find(std::uint64_t id) {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : &accounts_[it->second];
  }

  // One side of a trade: settles the position's funding, charges the fee, realizes PnL on the
  // closed part. Returns the side's effect on Σ(balance - cost) (rounding dust, <= 0 with the
  // other side's).
  Int128 trade(Acct& a, std::uint16_t instrument, std::int64_t delta, std::int64_t price,
               std::int64_t fee) {
    const InstrumentSpec& s = instruments_[instrument].spec;
    if (!a.positions.count(instrument)) a.order.push_back(instrument);
    Pos& p = a.positions[instrument];
    a.balance = static_cast<std::int64_t>(a.balance - p.accrued - fee);
    p.accrued = 0;
    Int128 effect = 0;
    const std::int64_t q = p.qty;
    if (q == 0 || (q > 0) == (delta > 0)) {
      const Int128 c = value_ceil(s, delta, price);
      p.cost = static_cast<std::int64_t>(p.cost + c);
      p.qty += delta;
      effect -= c;
    } else {
      const std::int64_t abs_q = q < 0 ? -q : q;
      const std::int64_t abs_d = delta < 0 ? -delta : delta;
      const std::int64_t c_abs = std::min(abs_q, abs_d);
      const std::int64_t closed = q > 0 ? c_abs : -c_abs;
      const Int128 share = Int128{p.cost} * c_abs;
      const Int128 realized = value_floor(s, closed, price) - ceil_div(share, abs_q);
      const Int128 leaving = floor_div(share, abs_q);
      a.balance = static_cast<std::int64_t>(a.balance + realized);
      p.cost = static_cast<std::int64_t>(p.cost - leaving);
      p.qty -= closed;
      effect += realized + leaving;
      if (abs_d > abs_q) {
        const std::int64_t rest = delta + closed;
        const Int128 c = value_ceil(s, rest, price);
        p.cost = static_cast<std::int64_t>(p.cost + c);
        p.qty = rest;
        effect -= c;
      }
    }
    if (p.qty == 0) {
      a.positions.erase(instrument);
      auto it = std::find(a.order.begin(), a.order.end(), instrument);
      *it = a.order.back();
      a.order.pop_back();
    }
    return effect;
  }

  RejectCode fill(const Event& e) {
    if (e.instrument >= instruments_.size()) return RejectCode::kUnknownInstrument;
    const InstrumentSpec& s = instruments_[e.instrument].spec;
    if (s.expiry_ns != 0 && instruments_[e.instrument].settlement != 0) {
      return RejectCode::kInstrumentSettled;
    }
    if (s.expiry_ns != 0 && e.time_ns >= s.expiry_ns) return RejectCode::kInstrumentExpired;
    const FillPayload& f = e.fill;
    const std::int64_t price = f.price.raw();
    if (price <= 0) return RejectCode::kNonPositivePrice;
    if (price < s.min_price.raw() || price > s.max_price.raw()) return RejectCode::kPriceOutOfBand;
    if (f.qty.raw() <= 0) return RejectCode::kNonPositiveQty;
    if (f.qty.raw() > s.max_position.raw()) return RejectCode::kPositionLimit;
    if (f.taker == f.maker) return RejectCode::kSelfTrade;
    Acct* taker = find(f.taker);
    Acct* maker = find(f.maker);
    if (taker == nullptr || maker == nullptr) return RejectCode::kUnknownAccount;
    if (taker->asset != s.settlement_asset || maker->asset != s.settlement_asset) {
      return RejectCode::kAssetMismatch;
    }
    const std::int64_t d = e.side == Side::kBuy ? f.qty.raw() : -f.qty.raw();
    for (Acct* a : {taker, maker}) {
      if (!a->positions.count(e.instrument) &&
          a->positions.size() == config_.positions_per_account) {
        return RejectCode::kPositionCapacity;
      }
    }
    for (auto [a, delta] : {std::pair{taker, d}, std::pair{maker, -d}}) {
      auto it = a->positions.find(e.instrument);
      const std::int64_t q = (it == a->positions.end() ? 0 : it->second.qty) + delta;
      if ((q < 0 ? -q : q) > s.max_position.raw()) return RejectCode::kPositionLimit;
    }
    // Dust: what rounding took from the two sides together, to the insurance fund.
    const Int128 effect = trade(*taker, e.instrument, d, price, f.taker_fee.raw()) +
                          trade(*maker, e.instrument, -d, price, f.maker_fee.raw());
    insurance_[s.settlement_asset] -= effect;
    fees_[s.settlement_asset] += f.taker_fee.raw() + f.maker_fee.raw();
    return RejectCode::kOk;
  }

  RejectCode funding(const Event& e) {
    if (e.instrument >= instruments_.size()) return RejectCode::kUnknownInstrument;
    if (instruments_[e.instrument].spec.expiry_ns != 0) return RejectCode::kFundingNotApplicable;
    const std::int64_t rate = e.funding.rate_e8;
    if (rate > config_.max_abs_funding_rate_e8 || rate < -config_.max_abs_funding_rate_e8) {
      return RejectCode::kFundingRateOutOfRange;
    }
    const Instr& in = instruments_[e.instrument];
    const bool linear = in.spec.kind == ContractKind::kLinearPerpetual;
    const Int128 num =
        linear ? Int128{in.mark} * in.spec.multiplier * rate : Int128{in.spec.multiplier} * rate;
    const Int128 den = linear ? Int128{kFundingRateScale} : Int128{in.mark} * kFundingRateScale;
    const Int128 pay = ceil_div(num, den);
    const Int128 receive = floor_div(num, den);
    for (Acct& a : accounts_) {
      auto it = a.positions.find(e.instrument);
      if (it == a.positions.end()) continue;
      Pos& p = it->second;
      p.accrued += Int128{p.qty} * (p.qty > 0 ? pay : receive);
      if (p.qty > 0) insurance_[in.spec.settlement_asset] += Int128{p.qty} * (pay - receive);
    }
    return RejectCode::kOk;
  }

  // Every account holding the instrument is paid its position's value at the settlement price
  // (rounded down) less its cost and accrued funding, and the position is gone; the values sum to
  // at most 0 (exactly 0 when linear), and the insurance fund gets what rounding kept.
  RejectCode settle(const Event& e) {
    if (e.instrument >= instruments_.size()) return RejectCode::kUnknownInstrument;
    Instr& in = instruments_[e.instrument];
    if (in.spec.expiry_ns == 0) return RejectCode::kNotDatedFuture;
    if (in.settlement != 0) return RejectCode::kInstrumentSettled;
    if (e.time_ns < in.spec.expiry_ns) return RejectCode::kNotExpired;
    const std::int64_t price = e.settlement.price.raw();
    if (price <= 0) return RejectCode::kNonPositivePrice;
    if (price < in.spec.min_price.raw() || price > in.spec.max_price.raw()) {
      return RejectCode::kPriceOutOfBand;
    }
    Int128 values = 0;
    for (Acct& a : accounts_) {
      auto it = a.positions.find(e.instrument);
      if (it == a.positions.end()) continue;
      const Pos& p = it->second;
      const Int128 value = value_floor(in.spec, p.qty, price);
      a.balance = static_cast<std::int64_t>(a.balance + value - p.cost - p.accrued);
      values += value;
      a.positions.erase(it);
      auto o = std::find(a.order.begin(), a.order.end(), e.instrument);
      *o = a.order.back();
      a.order.pop_back();
    }
    insurance_[in.spec.settlement_asset] -= values;
    in.settlement = price;
    in.mark = price;
    return RejectCode::kOk;
  }

  RiskConfig config_;
  std::vector<Instr> instruments_;
  std::vector<Acct> accounts_;
  std::map<std::uint64_t, std::size_t> by_id_;
  std::vector<Int128> insurance_;
  std::vector<Int128> fees_;
  std::vector<Int128> net_deposits_;
};

}  // namespace backstop::test
