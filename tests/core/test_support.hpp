// Shared test fixtures: realistic instrument specs and the conservation check (docs/design.md §2).
#pragma once

#include <cstdint>
#include <vector>

#include "backstop/instrument_presets.hpp"
#include "backstop/risk_engine.hpp"

namespace backstop::test {

// Realistic instrument specs: the presets the CLI uses (Binance-like BTCUSDT linear, settling in
// asset 0, and BTCUSD_PERP inverse, settling in asset 1).
inline InstrumentSpec linear_btcusdt() {
  return presets::btcusdt_linear(0);
}
inline InstrumentSpec inverse_btcusd() {
  return presets::btcusd_inverse(1);
}

// The waterfall examples' toy linear contract: multiplier 1 (one lot moves 1 unit of money per
// tick), IM 10 %, MM 5 %, mark 10,000.
inline InstrumentSpec toy(const char* symbol = "TOY") {
  InstrumentSpec s;
  s.symbol = symbol;
  s.kind = ContractKind::kLinearPerpetual;
  s.multiplier = 1;
  s.min_price = Price{1};
  s.max_price = Price{1'000'000'000};
  s.initial_mark = Price{10'000};
  s.max_position = Qty{1'000'000};
  s.brackets = {{Money{0}, 100'000, 50'000}};
  return s;
}

inline RiskConfig two_instrument_config(std::uint32_t accounts = 64, std::uint32_t positions = 4) {
  RiskConfig c;
  c.max_accounts = accounts;
  c.positions_per_account = positions;
  c.asset_count = 2;
  c.instruments = {linear_btcusdt(), inverse_btcusd()};
  return c;
}

// docs/design.md §2, per asset, exact: Σ balances + Σ accrued funding still owed to accounts - Σ
// cost bases
// + insurance + fee pool = net deposits. Σ q*w(m) is 0 at any common mark (open interest nets to
// zero), so the cost bases carry the positions' part.
inline bool conservation_holds(const RiskEngine& e) {
  std::vector<Int128> lhs(e.asset_count(), 0);
  std::vector<Int128> net(e.instrument_count(), 0);
  std::vector<Int128> longs(e.instrument_count(), 0);
  for (std::uint32_t a = 0; a < e.account_count(); ++a) {
    const Account& acct = e.account(a);
    lhs[acct.asset] += acct.balance;
    for (const Position& p : e.positions(a)) {
      const InstrumentState& s = e.instrument_state(p.instrument);
      lhs[acct.asset] -= Int128{p.qty} * (funding_index_for(s, p.qty) - p.funding_snapshot);
      lhs[acct.asset] -= p.cost;
      net[p.instrument] += p.qty;
      if (p.qty > 0) longs[p.instrument] += p.qty;
    }
  }
  // The waterfall's funds and receivables (docs/design.md §2): the default fund holds members'
  // money; assessments owed and bad debt were credited to defaulters before any money arrived, so
  // they count against the total. Each fund's total must equal the sum of its per-account parts.
  const WaterfallState& w = e.waterfall_state();
  std::vector<Int128> contributions(e.asset_count(), 0);
  std::vector<Int128> owed(e.asset_count(), 0);
  for (std::uint32_t a = 0; a < e.account_count(); ++a) {
    if (w.contribution[a] < 0 || w.owed[a] < 0) return false;
    contributions[e.account(a).asset] += w.contribution[a];
    owed[e.account(a).asset] += w.owed[a];
  }
  for (std::uint32_t k = 0; k < e.asset_count(); ++k) {
    const auto asset = static_cast<std::uint8_t>(k);
    if (contributions[k] != w.default_fund[k] || owed[k] != w.receivable[k]) return false;
    if (w.venue_tranche[k] < 0 || w.bad_debt[k] < 0) return false;
    if (lhs[k] + e.insurance_fund(asset).raw() + e.fee_pool(asset).raw() + w.default_fund[k] +
            w.venue_tranche[k] - w.receivable[k] - w.bad_debt[k] !=
        e.net_deposits(asset).raw()) {
      return false;
    }
  }
  // Open interest nets to zero per instrument, and the engine's running total agrees.
  for (std::uint16_t i = 0; i < e.instrument_count(); ++i) {
    if (net[i] != 0 || longs[i] != e.instrument_state(i).open_interest) return false;
  }
  return true;
}

}  // namespace backstop::test
