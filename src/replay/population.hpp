// The replay's population: a seeded, deterministic set of trader accounts with a realistic
// leverage mix, built once before a replay. Cold code; the replay's building thread. Cost: O(N)
// to build, a few draws per account.
//
// The model (every parameter a named constant below; the shares are an assumption modelled on
// what venues publish about retail leverage, not fitted to our data):
//   collateral    log-normal in USD: median kCollateralMedianUsd (2,000), log-sd kCollateralLogSd
//                 (1.5), clipped to [kCollateralMinUsd, kCollateralMaxUsd] = [50, 5,000,000];
//                 then multiplied by one population-wide `scale` the replay fits to the day's
//                 traded notional (see replay.hpp), so that open interest can build up to the
//                 accounts' leverage targets whatever the venue's volume.
//   leverage      target buckets 2-5x 35 %, 5-20x 40 %, 20-50x 18 %, 50-125x 7 %; log-uniform
//                 inside a bucket, kept in 1/100 x (an integer).
//   direction     55 % long-biased (open longs, only reduce shorts), 45 % short-biased (the
//                 mirror): the crowd leans long, as funding on perpetuals usually shows.
//   asset         accounts are dealt round-robin over the settlement assets the replay uses
//                 (USD for linear instruments, BTC for inverse ones); BTC collateral is the USD
//                 figure converted at the inverse instrument's first price, rounded down.
// Everything comes from one Rng stream forked from the seed; doubles are used for sampling only
// and every money amount is converted to an integer with an explicit rounding (down).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "backstop/money.hpp"
#include "replay/rng.hpp"

namespace backstop::replay {

inline constexpr double kCollateralMedianUsd = 2'000.0;
inline constexpr double kCollateralLogSd = 1.5;
inline constexpr double kCollateralMinUsd = 50.0;
inline constexpr double kCollateralMaxUsd = 5'000'000.0;
inline constexpr double kLongBiasedShare = 0.55;

struct LeverageBucket {
  double low;  // x, inclusive
  double high;
  double share;
};
inline constexpr std::array<LeverageBucket, 4> kLeverageBuckets{{
    {2.0, 5.0, 0.35},
    {5.0, 20.0, 0.40},
    {20.0, 50.0, 0.18},
    {50.0, 125.0, 0.07},
}};

enum class Bias : std::uint8_t {
  kLong = 0,   // opens longs; sells only to reduce
  kShort = 1,  // opens shorts; buys only to reduce
};

struct Trader {
  std::uint64_t id;    // external account id (1-based)
  std::uint8_t asset;  // settlement asset of its wallet
  Bias bias;
  std::uint8_t bucket;           // index into kLeverageBuckets
  std::int64_t leverage_e2;      // target leverage in 1/100 x
  double collateral_usd;         // before the population scale (statistics only)
  std::int64_t collateral;       // Money of `asset`, after the scale (what is deposited)
  std::int64_t target_notional;  // collateral * leverage: the cap on |position| notional, Money
};

struct PopulationParams {
  std::uint32_t accounts = 10'000;
  std::vector<std::uint8_t> assets{0};  // settlement assets in use, dealt round-robin
  double scale = 1.0;                   // multiplies every account's USD collateral
  double btc_price_usd = 0;             // for BTC wallets: USD per BTC (> 0 when asset 1 used)
};

// Draws the traders' collateral (unscaled), leverage and bias from `rng`; the scale and the asset
// conversion are applied by finalize_population so that the scale can be fitted on the draws.
std::vector<Trader> draw_population(Rng& rng, const PopulationParams& params);
// Fills `collateral` and `target_notional` from the draws, the scale and the BTC rate.
void finalize_population(std::vector<Trader>& traders, const PopulationParams& params);

}  // namespace backstop::replay
