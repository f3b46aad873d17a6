// A deterministic population for the margin benchmarks: N accounts in one USDT wallet, three linear
// perpetuals (BTC, ETH, SOL-like, Binance-style brackets), each account holding 1-3 positions (mean
// 2) at 1-10x leverage, built through ordinary events (open, deposit, fills between account pairs).
// Cold: start-up of `bench margin` and of bench/margin_bench.cpp.
#pragma once

#include <cstdint>
#include <memory>

#include "backstop/risk_engine.hpp"

namespace backstop::perf {

struct MarginPopulation {
  std::unique_ptr<RiskEngine> engine;
  std::uint32_t accounts = 0;
  std::uint64_t open_positions = 0;
  std::uint64_t holders_of_instrument0 = 0;  // accounts with a position in the ticked instrument
};

inline constexpr std::uint16_t kTickedInstrument = 0;

// Account ids are 1..accounts; accounts 2k+1 and 2k+2 traded with each other, so they hold the
// same instruments (one long, one short) and can trade again without opening new positions.
// With `state_feed`, the engine keeps the account-state feed on (RiskConfig::state_feed).
MarginPopulation build_margin_population(std::uint32_t accounts,
                                         std::uint32_t positions_per_account, std::uint64_t seed,
                                         bool state_feed = false);

// The config the population uses (3 instruments), for memory estimates.
RiskConfig margin_population_config(std::uint32_t accounts, std::uint32_t positions_per_account);

}  // namespace backstop::perf
