// The waterfall differential check shared by the random-stream and the scenario tests: applies
// each event to the risk engine and to the brute-force reference waterfall and asserts, after
// every event, the same reject code, the same waterfall records to the unit (kinds, tiers,
// accounts, lots, amounts, before/after, in order), every balance and position (size, cost,
// accrued funding, order), every fund, every member's contribution, receivable, deadline and
// insurance window, the socialized-loss indices, bad debt, the flagged set, and conservation
// (docs/design.md §2) on both sides.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "backstop/risk_engine.hpp"
#include "reference_waterfall.hpp"
#include "test_support.hpp"

namespace backstop::test {

inline std::string describe(const WaterfallRecord& r) {
  std::ostringstream s;
  s << "{kind " << int(r.kind) << " tier " << int(r.tier) << " reason " << int(r.reason)
    << " asset " << int(r.asset) << " instrument " << r.instrument << " account " << r.account
    << " amount " << r.amount << " before " << r.before << " after " << r.after << "}";
  return s.str();
}

inline bool same(const WaterfallRecord& a, const WaterfallRecord& b) {
  return a.kind == b.kind && a.tier == b.tier && a.reason == b.reason && a.asset == b.asset &&
         a.instrument == b.instrument && a.account == b.account && a.amount == b.amount &&
         a.before == b.before && a.after == b.after;
}

// docs/design.md §2 on the reference's side: Σ (balance - cost - accrued) + insurance + fees +
// default fund + tranche - receivables - bad debt = net deposits, per asset.
inline bool reference_conserves(const ReferenceWaterfall& r, std::uint32_t assets,
                                const std::vector<Int128>& net_deposits) {
  std::vector<Int128> lhs(assets, 0);
  for (const auto& a : r.accounts()) {
    lhs[a.asset] += a.balance;
    for (const auto& [i, p] : a.positions)
      lhs[a.asset] -= Int128{p.cost} + p.accrued;
  }
  for (std::uint8_t k = 0; k < assets; ++k) {
    const auto& f = r.funds(k);
    if (lhs[k] + r.insurance(k) + r.fees(k) + f.default_fund + f.venue_tranche - f.receivable -
            f.bad_debt !=
        net_deposits[k]) {
      return false;
    }
  }
  return true;
}

// One waterfall configuration of a differential run.
struct Combo {
  AdlPolicy policy;
  AdlScore score;
  AdlPrice price;
  LiquidationMode mode;
};

// Every tier-6 configuration in takeover mode: ranked with each score at either price, pro-rata
// at either price, socialized, none; then two in order mode.
inline std::vector<Combo> combos() {
  std::vector<Combo> out;
  for (AdlScore s : {AdlScore::kBitmex, AdlScore::kBinance, AdlScore::kHyperliquid}) {
    for (AdlPrice pr : {AdlPrice::kBankruptcy, AdlPrice::kMark})
      out.push_back({AdlPolicy::kRanked, s, pr, LiquidationMode::kTakeover});
  }
  for (AdlPrice pr : {AdlPrice::kBankruptcy, AdlPrice::kMark})
    out.push_back({AdlPolicy::kProRata, AdlScore::kBitmex, pr, LiquidationMode::kTakeover});
  out.push_back({AdlPolicy::kSocialized, AdlScore::kBitmex, AdlPrice::kBankruptcy,
                 LiquidationMode::kTakeover});
  out.push_back(
      {AdlPolicy::kNone, AdlScore::kBitmex, AdlPrice::kBankruptcy, LiquidationMode::kTakeover});
  // Order mode: orders at the bankruptcy price first, takeover at the timeout.
  out.push_back(
      {AdlPolicy::kRanked, AdlScore::kBitmex, AdlPrice::kBankruptcy, LiquidationMode::kOrder});
  out.push_back(
      {AdlPolicy::kSocialized, AdlScore::kBitmex, AdlPrice::kBankruptcy, LiquidationMode::kOrder});
  return out;
}

struct Stats {
  std::uint64_t events = 0;
  std::uint64_t liquidations = 0;
  std::uint64_t deficits = 0;
  std::uint64_t adl_fills = 0;
  std::uint64_t records = 0;
  std::uint64_t bad_debts = 0;
  std::uint64_t tiers_seen = 0;  // bit k: a record of tier k
};

class WaterfallDiffer {
 public:
  explicit WaterfallDiffer(const RiskConfig& c) : engine(c), reference(c) {}

  void step(const Event& e) {
    ++stats.events;
    const RejectCode got = engine.process(e).code;
    const RejectCode want = reference.apply(e);
    ASSERT_EQ(got, want) << "event " << stats.events << " type " << int(e.type);
    compare_records();
    compare_state();
  }

  void compare_records() {
    const auto got = engine.waterfall_records();
    const auto& want = reference.records();
    const std::size_t n = std::min(got.size(), want.size());
    bool equal = got.size() == want.size();
    for (std::size_t k = 0; k < n; ++k)
      equal = equal && same(got[k], want[k]);
    if (!equal) {
      std::ostringstream all;
      for (std::size_t k = 0; k < std::max(got.size(), want.size()); ++k) {
        all << "\n"
            << k << (k < n && same(got[k], want[k]) ? "   " : " * ") << "engine    "
            << (k < got.size() ? describe(got[k]) : "-") << "\n     reference "
            << (k < want.size() ? describe(want[k]) : "-");
      }
      FAIL() << "waterfall records differ at event " << stats.events << all.str();
    }
    stats.records += n;
    for (const WaterfallRecord& r : want) {
      stats.tiers_seen |= std::uint64_t{1} << r.tier;
      stats.deficits += r.kind == WaterfallKind::kDeficit;
      stats.bad_debts += r.kind == WaterfallKind::kBadDebt;
    }
  }

  void compare_state() {
    const auto& accts = reference.accounts();
    ASSERT_EQ(engine.account_count(), accts.size());
    const WaterfallState& w = engine.waterfall_state();
    std::vector<std::uint64_t> flagged;
    for (std::uint32_t slot = 0; slot < accts.size(); ++slot) {
      const auto& ra = accts[slot];
      const Account& ea = engine.account(slot);
      ASSERT_EQ(ea.id, ra.id);
      ASSERT_EQ(ea.balance, ra.balance) << "balance of " << ra.id << " at event " << stats.events;
      const auto pos = engine.positions(slot);
      ASSERT_EQ(pos.size(), ra.order.size()) << "positions of " << ra.id;
      for (std::size_t j = 0; j < pos.size(); ++j) {
        const auto& rp = ra.positions.at(ra.order[j]);
        const InstrumentState& s = engine.instrument_state(pos[j].instrument);
        ASSERT_EQ(pos[j].instrument, ra.order[j]) << "position order of " << ra.id;
        ASSERT_EQ(pos[j].qty, rp.qty) << "qty of " << ra.id << " at event " << stats.events;
        ASSERT_EQ(pos[j].cost, rp.cost) << "cost of " << ra.id;
        ASSERT_TRUE(Int128{pos[j].qty} *
                        (funding_index_for(s, pos[j].qty) - pos[j].funding_snapshot) ==
                    rp.accrued)
            << "accrued funding of " << ra.id << " at event " << stats.events;
      }
      const auto m = reference.member(ra.id);
      ASSERT_EQ(w.contribution[slot], m.contribution) << "contribution of " << ra.id;
      ASSERT_EQ(w.committed[slot], m.committed) << "commitment of " << ra.id;
      ASSERT_EQ(w.owed[slot], m.owed) << "owed by " << ra.id;
      ASSERT_EQ(w.deadline_ns[slot], m.deadline_ns) << "deadline of " << ra.id;
      ASSERT_EQ(w.window_drawn[slot], m.window_drawn) << "window of " << ra.id;
      if (m.window_drawn != 0) {
        ASSERT_EQ(w.window_start_ns[slot], m.window_start_ns);
      }
      const auto rm = reference.margin(ra, false);
      if (rm.equity < rm.maintenance) flagged.push_back(ra.id);
    }
    std::vector<std::uint64_t> engine_flagged;
    for (std::uint32_t slot : engine.liquidatable())
      engine_flagged.push_back(engine.account(slot).id);
    std::sort(engine_flagged.begin(), engine_flagged.end());
    ASSERT_EQ(engine_flagged, flagged) << "flagged set at event " << stats.events;
    std::vector<Int128> net(engine.asset_count());
    for (std::uint8_t k = 0; k < engine.asset_count(); ++k) {
      const auto& f = reference.funds(k);
      ASSERT_TRUE(engine.insurance_fund(k).raw() == reference.insurance(k))
          << "insurance of asset " << int(k) << " at event " << stats.events;
      ASSERT_TRUE(engine.fee_pool(k).raw() == reference.fees(k));
      ASSERT_EQ(w.default_fund[k], f.default_fund);
      ASSERT_EQ(w.venue_tranche[k], f.venue_tranche);
      ASSERT_EQ(w.receivable[k], f.receivable);
      ASSERT_EQ(w.bad_debt[k], f.bad_debt) << "bad debt at event " << stats.events;
      ASSERT_EQ(w.socialized[k], f.socialized);
      ASSERT_EQ(w.adl_paid[k], f.adl_paid);
      net[k] = engine.net_deposits(k).raw();
    }
    for (std::uint16_t i = 0; i < engine.instrument_count(); ++i) {
      ASSERT_EQ(w.socialized_index[2 * i], reference.socialized_index(i, true));
      ASSERT_EQ(w.socialized_index[2 * i + 1], reference.socialized_index(i, false));
    }
    ASSERT_EQ(w.liquidations, reference.liquidations());
    ASSERT_EQ(w.adl_fills, reference.adl_fills());
    ASSERT_EQ(w.records_dropped, 0u);
    ASSERT_TRUE(conservation_holds(engine)) << "engine conservation at " << stats.events;
    ASSERT_TRUE(reference_conserves(reference, engine.asset_count(), net))
        << "reference conservation at " << stats.events;
  }

  RiskEngine engine;
  ReferenceWaterfall reference;
  Stats stats;
};

}  // namespace backstop::test
