// Configuration of liquidation and the loss waterfall (docs/design.md §5): liquidation mode, fees,
// which tiers are on and their floors and caps, the per-instrument end-of-waterfall policy (ranked
// ADL with the BitMEX / Binance / Hyperliquid score, pro-rata ADL, or socialized loss) and the
// guards. Cold: read once when the risk engine is built; validate_config() checks it ("key:
// reason").
#pragma once

#include <cstdint>
#include <vector>

namespace backstop {

enum class LiquidationMode : std::uint8_t {
  kOff = 0,       // flagged accounts stay flagged (nothing acts on them)
  kTakeover = 1,  // the asset's backstop account takes every position over at the mark at once
  kOrder = 2,     // emit reduce-only IOC orders at the bankruptcy price; takeover after a timeout
};

enum class AdlPolicy : std::uint8_t {
  kRanked = 0,      // close the highest-scored opposite positions first (BitMEX, Binance, ...)
  kProRata = 1,     // every opposite position gives up the same fraction of its size
  kSocialized = 2,  // charge the winning side per lot through a lazily settled loss index
  kNone = 3,        // skip tier 6
};

enum class AdlScore : std::uint8_t {
  kBitmex = 0,       // pnl% * lev if pnl% > 0, else pnl% / lev
  kBinance = 1,      // max(0, upnl) / max(1, wallet) * MM / (wallet + upnl)
  kHyperliquid = 2,  // (mark / entry) * (notional / equity)
};

enum class AdlPrice : std::uint8_t {
  kBankruptcy = 0,  // the winners pay the remaining deficit per lot (BitMEX, Binance)
  kMark = 1,        // winners close at the mark; the deficit falls to the next tier (Hyperliquid)
};

struct WaterfallConfig {
  LiquidationMode mode = LiquidationMode::kOff;
  // Reduce only as far as needed to restore initial margin when the account is not bankrupt
  // (equity > 0); a bankrupt account is liquidated in full. Needs liquidation_fee_rate below every
  // instrument's lowest initial-margin rate (liquidation.hpp, plan_partial, says why).
  bool partial = false;
  std::int64_t liquidation_fee_rate = 0;          // millionths of the closed notional
  std::int64_t order_timeout_ns = 1'000'000'000;  // order mode: unfilled rest falls to takeover
  std::vector<std::uint64_t> backstop_accounts;   // per asset: the takeover account's id (0: none)
  // Tiers 2-5 and 7 on/off. Tier 1 (the defaulter's own collateral) is always on.
  bool own_default_fund = true;
  bool insurance = true;
  bool venue_tranche = true;
  bool default_fund = true;
  bool assessment = false;
  std::vector<std::int64_t> insurance_floor;   // per asset; the fund is not drawn below it
  std::int64_t insurance_cap_per_account = 0;  // 0: no cap; else per account per window
  std::int64_t insurance_cap_window_ns = 3'600'000'000'000;
  std::int64_t assessment_cap = 0;           // per default, Money (0 with assessment: no cap)
  bool gate_withdrawals = true;              // while an unresolved deficit exists
  AdlPolicy policy = AdlPolicy::kRanked;     // for every instrument without an override
  std::vector<AdlPolicy> instrument_policy;  // per instrument; empty: `policy` everywhere
  AdlScore score = AdlScore::kBitmex;
  AdlPrice price = AdlPrice::kBankruptcy;
  std::int64_t adl_band_ppm = 20'000;       // the ranking cache stays exact within mark ±2 %
  std::uint32_t adl_dirty_capacity = 4096;  // touched accounts tracked between ranking rebuilds
  // Rank by scoring and sorting every opposite position each time ADL fires (O(n log n)) instead
  // of through the ranking cache: the same counterparties, no upkeep between liquidations; for a
  // venue with few positions, and the reference the cache is tested and benchmarked against.
  bool adl_full_sort = false;
  std::uint32_t audit_capacity = 0;  // records per event; 0: 4 * max_accounts + 256 (16 x with
                                     // audit_balances)
  // Also record every movement of every account balance (fills' PnL, funding and fees, trade
  // rounding, deposits, withdrawals, funding spreads) and the cover legs, so that the audit log
  // rebuilds every balance and fund alone (docs/audit.md). Outputs only: the state is the same.
  bool audit_balances = false;
  // Periodic ADL-quantile output: once the event time reaches each due time (the first event's time
  // + the interval, then whole intervals on), the ranking is rebuilt and every position whose
  // quantile (1-5, 0: none) changed since its last publication is published. 0: off.
  std::int64_t adl_quantile_interval_ns = 0;
  // Records per publication; 0: every possible change (max_accounts x min(instruments, 2 x
  // positions_per_account)). Changes beyond it are counted and published at a later due time.
  std::uint32_t adl_quantile_capacity = 0;

  // ---- Fund triggers (risk_controls.hpp, docs/waterfall.md) ----
  // Exposure cap: the backstop account's taken-over notional (Σ |value at the mark| of its
  // positions) at most this multiple of its asset's insurance fund, in ppm (1,000,000: 100 %,
  // Binance); a takeover beyond it goes to ADL. 0: off.
  std::int64_t exposure_cap_ppm = 0;
  // Drawdown: tier 3 never draws the insurance fund below ceil((1e6 - drawdown_ppm) / 1e6 x the
  // fund's highest sample within drawdown_window_ns), and the asset's instruments go to ADL
  // (AdlMode::kSkipInsurance) from when a draw reaches that level (or the fund ends an event
  // below it) until the fund is at least drawdown_release_ppm / 1e6 of the window's highest
  // (0: halfway back, 1e6 - drawdown_ppm / 2). 0: off.
  std::int64_t drawdown_ppm = 0;
  std::int64_t drawdown_window_ns = 8 * 3'600'000'000'000;
  std::int64_t drawdown_release_ppm = 0;
  std::uint32_t drawdown_capacity = 1024;  // window samples per asset, a power of two
};

}  // namespace backstop
