// Shared test fixtures: realistic instrument specs and the conservation check (DESIGN §2).
#pragma once

#include <cstdint>
#include <vector>

#include "backstop/risk_engine.hpp"

namespace backstop::test {

// BTCUSDT-like linear perpetual: tick 0.1 USDT, lot 0.001 BTC, Money = 1e-6 USDT, so one lot moves
// 0.1 * 0.001 USDT = 100 units per tick. Binance-style brackets (50k / 250k / 1M USDT).
inline InstrumentSpec linear_btcusdt() {
  InstrumentSpec s;
  s.symbol = "BTCUSDT";
  s.kind = ContractKind::kLinearPerpetual;
  s.settlement_asset = 0;
  s.multiplier = 100;
  s.tick_size_e8 = 10'000'000;
  s.lot_size_e8 = 100'000;
  s.min_price = Price{1};
  s.max_price = Price{100'000'000};  // 10M USDT
  s.initial_mark = Price{600'000};   // 60,000 USDT
  s.max_position = Qty{1'000'000};   // 1,000 BTC
  s.brackets = {{Money{50'000'000'000}, 8'000, 4'000},
                {Money{250'000'000'000}, 10'000, 5'000},
                {Money{1'000'000'000'000}, 20'000, 10'000},
                {Money{0}, 50'000, 25'000}};
  return s;
}

// BTCUSD COIN-M-like inverse perpetual: contract 100 USD, tick 0.1 USD, Money = 1 satoshi. One
// contract at p ticks is worth 100 / (0.1 p) BTC = 1e11 / p sat, so multiplier = 1e11.
inline InstrumentSpec inverse_btcusd() {
  InstrumentSpec s;
  s.symbol = "BTCUSD_PERP";
  s.kind = ContractKind::kInversePerpetual;
  s.settlement_asset = 1;
  s.multiplier = 100'000'000'000;
  s.tick_size_e8 = 10'000'000;
  s.lot_size_e8 = 100'000'000;
  s.min_price = Price{10};
  s.max_price = Price{100'000'000};
  s.initial_mark = Price{500'000};  // 50,000 USD
  s.max_position = Qty{10'000'000};
  // Coin notional caps: 5 / 10 / 20 BTC.
  s.brackets = {{Money{500'000'000}, 5'000, 2'500},
                {Money{1'000'000'000}, 10'000, 5'000},
                {Money{2'000'000'000}, 20'000, 10'000},
                {Money{0}, 50'000, 25'000}};
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

// DESIGN §2, per asset, exact: Σ balances + Σ accrued funding still owed to accounts - Σ cost bases
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
  // The waterfall's funds and receivables (DESIGN §2): the default fund holds members' money;
  // assessments owed and bad debt were credited to defaulters before any money arrived, so they
  // count against the total. Each fund's total must equal the sum of its per-account parts.
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
