#include "replay/conservation.hpp"

#include <fmt/format.h>

#include <array>

namespace backstop::replay {

namespace {

// Returns kNoSlot-like sentinels through `bad_asset` / `bad_instrument` (-1: none).
struct Sums {
  std::array<Int128, kMaxAssets> lhs{};
  int bad_asset = -1;
  int bad_instrument = -1;
  bool bad_parts = false;  // a waterfall fund differs from the sum of its per-account parts
  std::array<Int128, kMaxAssets> funds{};
  Int128 net = 0;
  Int128 longs = 0;
};

void compute(const RiskEngine& e, Sums& out) noexcept {
  // Open interest per instrument: net lots and long lots. Instruments are few (<= 2^16, in
  // practice a handful); accumulate in one pass over the accounts per instrument block.
  const std::uint32_t instruments = e.instrument_count();
  constexpr std::uint32_t kBlock = 64;
  for (std::uint32_t a = 0; a < e.account_count(); ++a) {
    const Account& acct = e.account(a);
    out.lhs[acct.asset] += acct.balance;
    for (const Position& p : e.positions(a)) {
      const InstrumentState& s = e.instrument_state(p.instrument);
      out.lhs[acct.asset] -= Int128{p.qty} * (funding_index_for(s, p.qty) - p.funding_snapshot);
      out.lhs[acct.asset] -= p.cost;
    }
  }
  // The waterfall's funds and receivables (docs/design.md §2, as tests/core/test_support.hpp): the
  // default fund holds members' money; assessments owed and bad debt were credited to defaulters
  // before any money arrived, so they count against the total. Each fund's total must equal the sum
  // of its per-account parts.
  const WaterfallState& w = e.waterfall_state();
  std::array<Int128, kMaxAssets> contributions{};
  std::array<Int128, kMaxAssets> owed{};
  for (std::uint32_t a = 0; a < e.account_count(); ++a) {
    const std::uint8_t asset = e.account(a).asset;
    if (w.contribution[a] < 0 || w.owed[a] < 0) {
      out.bad_asset = asset;
      out.bad_parts = true;
      return;
    }
    contributions[asset] += w.contribution[a];
    owed[asset] += w.owed[a];
  }
  for (std::uint32_t k = 0; k < e.asset_count(); ++k) {
    const auto asset = static_cast<std::uint8_t>(k);
    if (contributions[k] != w.default_fund[k] || owed[k] != w.receivable[k] ||
        w.venue_tranche[k] < 0 || w.bad_debt[k] < 0) {
      out.bad_asset = static_cast<int>(k);
      out.bad_parts = true;
      return;
    }
    out.funds[k] = Int128{e.insurance_fund(asset).raw()} + e.fee_pool(asset).raw() +
                   w.default_fund[k] + w.venue_tranche[k] - w.receivable[k] - w.bad_debt[k];
    if (out.lhs[k] + out.funds[k] != e.net_deposits(asset).raw()) {
      out.bad_asset = static_cast<int>(k);
      return;
    }
  }
  for (std::uint32_t base = 0; base < instruments; base += kBlock) {
    std::array<Int128, kBlock> net{};
    std::array<Int128, kBlock> longs{};
    for (std::uint32_t a = 0; a < e.account_count(); ++a) {
      for (const Position& p : e.positions(a)) {
        if (p.instrument < base || p.instrument >= base + kBlock) continue;
        net[p.instrument - base] += p.qty;
        if (p.qty > 0) longs[p.instrument - base] += p.qty;
      }
    }
    for (std::uint32_t i = base; i < instruments && i < base + kBlock; ++i) {
      if (net[i - base] != 0 ||
          longs[i - base] != e.instrument_state(static_cast<std::uint16_t>(i)).open_interest) {
        out.bad_instrument = static_cast<int>(i);
        out.net = net[i - base];
        out.longs = longs[i - base];
        return;
      }
    }
  }
}

}  // namespace

bool conservation_holds(const RiskEngine& engine) noexcept {
  Sums sums;
  compute(engine, sums);
  return sums.bad_asset < 0 && sums.bad_instrument < 0;
}

ConservationResult check_conservation(const RiskEngine& engine) {
  Sums sums;
  compute(engine, sums);
  ConservationResult r;
  if (sums.bad_asset >= 0) {
    const auto k = static_cast<std::uint8_t>(sums.bad_asset);
    r.ok = false;
    const WaterfallState& w = engine.waterfall_state();
    if (sums.bad_parts) {
      r.detail = fmt::format(
          "asset {}: a waterfall fund disagrees with its parts or is negative (default fund {}, "
          "receivable {}, venue tranche {}, bad debt {})",
          k, w.default_fund[k], w.receivable[k], w.venue_tranche[k], w.bad_debt[k]);
    } else {
      r.detail = fmt::format(
          "asset {}: balances - cost bases - accrued funding {} + insurance {} + fee pool {} + "
          "default fund {} + venue tranche {} - receivable {} - bad debt {} != net deposits {}",
          k, static_cast<long long>(sums.lhs[k]), engine.insurance_fund(k).raw(),
          engine.fee_pool(k).raw(), w.default_fund[k], w.venue_tranche[k], w.receivable[k],
          w.bad_debt[k], engine.net_deposits(k).raw());
    }
  } else if (sums.bad_instrument >= 0) {
    r.ok = false;
    r.detail = fmt::format(
        "instrument {}: net lots {} (want 0), long lots {} vs open interest {}",
        sums.bad_instrument, static_cast<long long>(sums.net), static_cast<long long>(sums.longs),
        engine.instrument_state(static_cast<std::uint16_t>(sums.bad_instrument)).open_interest);
  }
  return r;
}

}  // namespace backstop::replay
