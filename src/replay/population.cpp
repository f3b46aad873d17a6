#include "replay/population.hpp"

#include <algorithm>
#include <cmath>

namespace backstop::replay {

std::vector<Trader> draw_population(Rng& rng, const PopulationParams& params) {
  std::vector<Trader> traders;
  traders.reserve(params.accounts);
  const std::size_t asset_count = params.assets.empty() ? 1 : params.assets.size();
  for (std::uint32_t i = 0; i < params.accounts; ++i) {
    Trader t{};
    t.id = i + 1;
    t.asset = params.assets.empty() ? 0 : params.assets[i % asset_count];
    const double collateral = kCollateralMedianUsd * std::exp(kCollateralLogSd * rng.normal());
    t.collateral_usd = std::clamp(collateral, kCollateralMinUsd, kCollateralMaxUsd);
    double u = rng.uniform();
    std::uint8_t b = 0;
    while (b + 1u < kLeverageBuckets.size() && u >= kLeverageBuckets[b].share) {
      u -= kLeverageBuckets[b].share;
      ++b;
    }
    t.bucket = b;
    const LeverageBucket& bucket = kLeverageBuckets[b];
    const double leverage =
        bucket.low * std::exp(std::log(bucket.high / bucket.low) * rng.uniform());
    // Rounded down to 1/100 x, never below the bucket's floor.
    t.leverage_e2 = std::max(static_cast<std::int64_t>(std::floor(leverage * 100.0)),
                             static_cast<std::int64_t>(bucket.low * 100.0));
    t.bias = rng.uniform() < kLongBiasedShare ? Bias::kLong : Bias::kShort;
    traders.push_back(t);
  }
  return traders;
}

void finalize_population(std::vector<Trader>& traders, const PopulationParams& params) {
  for (Trader& t : traders) {
    const double usd = t.collateral_usd * params.scale;
    // Money rounds down: the replay never deposits more than the model says.
    if (t.asset == 1) {
      t.collateral = static_cast<std::int64_t>(std::floor(usd / params.btc_price_usd * 1e8));
    } else {
      t.collateral = static_cast<std::int64_t>(std::floor(usd * 1e6));
    }
    t.collateral = std::max<std::int64_t>(t.collateral, 1);
    t.target_notional = static_cast<std::int64_t>(Int128{t.collateral} * t.leverage_e2 / 100);
  }
}

}  // namespace backstop::replay
