#include "replay/scenario.hpp"

#include <algorithm>
#include <cmath>

namespace backstop::replay {

using marketdata::Decimal;
using marketdata::MarketRecord;
using marketdata::MarketSide;
using marketdata::to_double;

namespace {

// std::log of each quantile's lots, computed once at run time by the same libm call the formula
// used to make per draw (the barrier keeps the compiler from folding it at compile time, where it
// may round differently), so every draw gives the very same double as before.
const std::array<double, kTradeSizeQuantiles.size()>& quantile_logs() noexcept {
  static const std::array<double, kTradeSizeQuantiles.size()> logs = [] {
    std::array<double, kTradeSizeQuantiles.size()> out{};
    for (std::size_t i = 0; i < out.size(); ++i) {
      double lots = kTradeSizeQuantiles[i].lots;
      asm volatile("" : "+m"(lots));
      out[i] = std::log(lots);
    }
    return out;
  }();
  return logs;
}

}  // namespace

std::int64_t sample_trade_lots(Rng& rng) noexcept {
  const std::array<double, kTradeSizeQuantiles.size()>& logs = quantile_logs();
  const double u = rng.uniform();
  std::size_t i = 1;
  while (i + 1 < kTradeSizeQuantiles.size() && u > kTradeSizeQuantiles[i].p)
    ++i;
  const Quantile& a = kTradeSizeQuantiles[i - 1];
  const Quantile& b = kTradeSizeQuantiles[i];
  const double f = (u - a.p) / (b.p - a.p);
  const double lots = std::exp(logs[i - 1] + f * (logs[i] - logs[i - 1]));
  return std::max<std::int64_t>(1, std::llround(lots));
}

std::vector<ScenarioTrade> generate_default_trades(std::uint64_t seed) {
  Rng root(seed);
  Rng path_rng = root.fork(1);
  Rng trade_rng = root.fork(2);
  // Log price per second, noise plus the crash overlay.
  std::vector<double> log_price(static_cast<std::size_t>(kScenarioSeconds) + 1);
  const double calm_sd = kCalmOneMinuteLogVol / std::sqrt(60.0);
  const double crash_sd = kCrashOneMinuteLogVol / std::sqrt(60.0);
  const std::int64_t crash_start = std::int64_t{kCrashPeakMinute} * 60;
  const std::int64_t crash_low = crash_start + std::int64_t{kCrashMinutesToLow} * 60;
  const std::int64_t crash_end = crash_low + std::int64_t{kCrashRecoveryMinutes} * 60;
  const double fall = std::log(1.0 + kCrashDepth);
  const double rebound = -fall * kCrashRecoveredShare;
  double noise = 0;
  for (std::int64_t s = 0; s <= kScenarioSeconds; ++s) {
    const bool in_crash = s > crash_start && s <= crash_end;
    if (s > 0) noise += (in_crash ? crash_sd : calm_sd) * path_rng.normal();
    double overlay = 0;
    if (s > crash_start && s <= crash_low) {
      overlay = fall * static_cast<double>(s - crash_start) /
                static_cast<double>(crash_low - crash_start);
    } else if (s > crash_low && s <= crash_end) {
      overlay = fall + rebound * static_cast<double>(s - crash_low) /
                           static_cast<double>(crash_end - crash_low);
    } else if (s > crash_end) {
      overlay = fall + rebound;
    }
    log_price[static_cast<std::size_t>(s)] = std::log(kOpenPrice) + noise + overlay;
  }

  std::vector<ScenarioTrade> out;
  out.reserve(static_cast<std::size_t>(kScenarioSeconds * kScenarioTradesPerSecond * 1.05));
  const double mean_gap_s = 1.0 / kScenarioTradesPerSecond;
  double t = trade_rng.exponential(mean_gap_s);
  std::int64_t last_ticks = 0;
  // Trades come ~2 a second and the price path is per second: one exp per second suffices.
  std::size_t px_second = SIZE_MAX;
  double px = 0;
  while (t < static_cast<double>(kScenarioSeconds)) {
    const auto second = static_cast<std::size_t>(t);
    if (second != px_second) {
      px_second = second;
      px = std::exp(log_price[second]);
    }
    // Nearest tick of 0.1 USD.
    const std::int64_t ticks = std::max<std::int64_t>(1, std::llround(px * 10.0));
    ScenarioTrade& r = out.emplace_back();
    r.ts_ns = kScenarioStartNs + static_cast<std::int64_t>(t * 1e9);
    r.ticks = ticks;
    r.lots = sample_trade_lots(trade_rng);
    const bool buy = ticks > last_ticks   ? true
                     : ticks < last_ticks ? false
                                          : trade_rng.uniform() < kTakerBuyShare;
    r.side = buy ? MarketSide::kBuy : MarketSide::kSell;
    last_ticks = ticks;
    t += trade_rng.exponential(mean_gap_s);
  }
  return out;
}

std::int64_t candle_duration_ns(const MarketRecord& candle) noexcept {
  const std::int64_t d = candle.aux_ts_ns - candle.ts_ns;
  return d > 0 ? d : std::int64_t{60'000'000'000};
}

std::array<PathPoint, 4> candle_path(const MarketRecord& c) noexcept {
  const std::int64_t step = candle_duration_ns(c) / 4;
  const bool up = to_double(c.price) >= to_double(c.open);
  const Decimal second = up ? c.low : c.high;
  const Decimal third = up ? c.high : c.low;
  return {{{c.ts_ns, c.open},
           {c.ts_ns + step, second},
           {c.ts_ns + 2 * step, third},
           {c.ts_ns + 3 * step, c.price}}};
}

}  // namespace backstop::replay
