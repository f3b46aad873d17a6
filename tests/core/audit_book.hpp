// A test's independent reading of the audit records (docs/audit.md): every money movement applied
// to its two parties' holdings, each record's before/after compared with the figure it shows, and,
// on request, every holding compared with the engine's own state - each account's balance, each
// member's contribution and owed assessment, each asset's funds and net deposits, each
// instrument's open positions (Σ cost + accrued funding) - and the cover empty.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <utility>

#include "backstop/risk_engine.hpp"

namespace backstop::test {

class AuditBook {
 public:
  // Applies the records of one event; false (with `error`) at the first record whose figure does
  // not match the holding rebuilt so far, or that is not a transfer of a non-negative amount.
  bool apply(std::span<const WaterfallRecord> records, std::string& error) {
    for (const WaterfallRecord& r : records) {
      ++records_;
      if (r.parties == 0) continue;
      ++movements_;
      const Key from{from_party(r), id_of(r, from_party(r))};
      const Key to{to_party(r), id_of(r, to_party(r))};
      if (from.first == Party::kNone || to.first == Party::kNone || r.amount < 0) {
        error = describe(r, "not a transfer of a non-negative amount");
        return false;
      }
      const Key* shown = r.shown == Shown::kFrom ? &from : r.shown == Shown::kTo ? &to : nullptr;
      if (shown != nullptr && figure(*shown) != r.before) {
        error = describe(r, "before differs from the rebuilt figure " + text(figure(*shown)));
        return false;
      }
      held_[from] -= r.amount;
      held_[to] += r.amount;
      if (shown != nullptr && figure(*shown) != r.after) {
        error = describe(r, "after differs from the rebuilt figure " + text(figure(*shown)));
        return false;
      }
    }
    return true;
  }

  // Every holding against the engine's state; empty when all agree, else the first difference.
  std::string compare(const RiskEngine& e) const {
    const WaterfallState& w = e.waterfall_state();
    std::map<Key, Int128> want;
    for (std::uint32_t a = 0; a < e.account_count(); ++a) {
      const Account& acct = e.account(a);
      want[{Party::kAccount, acct.id}] = acct.balance;
      want[{Party::kDefaultFund, acct.id}] = w.contribution[a];
      want[{Party::kReceivable, acct.id}] = -Int128{w.owed[a]};
      for (const Position& p : e.positions(a)) {
        const InstrumentState& s = e.instrument_state(p.instrument);
        want[{Party::kPositions, p.instrument}] -=
            Int128{p.cost} + Int128{p.qty} * (funding_index_for(s, p.qty) - p.funding_snapshot);
      }
    }
    for (std::uint8_t k = 0; k < e.asset_count(); ++k) {
      want[{Party::kInsurance, k}] = e.insurance_fund(k).raw();
      want[{Party::kFeePool, k}] = e.fee_pool(k).raw();
      want[{Party::kVenueTranche, k}] = w.venue_tranche[k];
      want[{Party::kBadDebt, k}] = -Int128{w.bad_debt[k]};
      want[{Party::kOutside, k}] = -Int128{e.net_deposits(k).raw()};
    }
    for (const auto& [key, h] : held_) {
      const auto it = want.find(key);
      const Int128 engine = it == want.end() ? 0 : it->second;
      if (engine != h) return name(key) + ": log " + text(h) + ", engine " + text(engine);
    }
    for (const auto& [key, engine] : want) {
      if (engine != 0 && held_.find(key) == held_.end()) {
        return name(key) + ": no record, engine " + text(engine);
      }
    }
    return {};
  }

  Int128 holding(Party p, std::uint64_t id) const {
    const auto it = held_.find({p, id});
    return it == held_.end() ? 0 : it->second;
  }
  Int128 sum() const {
    Int128 s = 0;
    for (const auto& [key, h] : held_)
      s += h;
    return s;
  }
  std::uint64_t records() const { return records_; }
  std::uint64_t movements() const { return movements_; }

 private:
  using Key = std::pair<Party, std::uint64_t>;

  static std::uint64_t id_of(const WaterfallRecord& r, Party p) {
    if (p == Party::kAccount || p == Party::kDefaultFund || p == Party::kReceivable) {
      return r.account;
    }
    return p == Party::kPositions ? r.instrument : r.asset;
  }
  // The engine's figure of a party: its holding, or minus it for those that count against the
  // rest (bad debt, owed assessments, net deposits, the positions' cost).
  Int128 figure(const Key& k) const {
    const Int128 h = holding(k.first, k.second);
    const bool negative = k.first == Party::kBadDebt || k.first == Party::kReceivable ||
                          k.first == Party::kOutside || k.first == Party::kPositions;
    return negative ? -h : h;
  }
  static std::string text(Int128 v) { return std::to_string(static_cast<long long>(v)); }
  static std::string name(const Key& k) {
    return "party " + std::to_string(static_cast<int>(k.first)) + ":" + std::to_string(k.second);
  }
  std::string describe(const WaterfallRecord& r, const std::string& what) const {
    std::ostringstream s;
    s << "record " << records_ << " (kind " << int(r.kind) << ", account " << r.account
      << ", amount " << r.amount << ", before " << r.before << ", after " << r.after
      << "): " << what;
    return s.str();
  }

  std::map<Key, Int128> held_;
  std::uint64_t records_ = 0;
  std::uint64_t movements_ = 0;
};

}  // namespace backstop::test
