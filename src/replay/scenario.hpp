// Generated price paths for replays: the embedded default scenario (a day with a crash, generated
// at run time from a seed and calibrated on the real data, so the repository ships no data copy),
// the trade-size distribution, and the deterministic walk through a candle's open/high/low/close
// used both for mark-price klines and for synthesizing trades around candle-only files. Cold code;
// the replay's building thread. Cost: O(trades) for the scenario, O(1) per candle.
//
// Calibration (computed once by tests/replay/calibration/calibrate.py on ../shared/data; the
// numbers below are its output, rounded as shown):
//   kCalmOneMinuteLogVol   0.0004857   stdev of 1-minute log returns of the Binance COIN-M
//                                      BTCUSD_PERP mark price on the calm 2025-10-09 (1,439
//                                      returns)
//   kCrashPeakMinute       1244        2025-10-10 20:44 UTC, the pre-crash high 117,133.37
//   kCrashMinutesToLow     36          the low 102,497.49 at 21:20 UTC
//   kCrashDepth            -0.124951   low / pre-crash high - 1
//   kCrashRecoveredShare   0.771782    40 minutes after the low the mark (113,793.2) had won back
//                                      77 % of the fall
//   kCrashOneMinuteLogVol  0.0073      stdev of the crash window's 1-minute log returns (0.00809)
//                                      with the fall and rebound drifts taken out (~15x calm)
//   kOpenPrice             121,662.0   the 2025-10-10 open
//   trade sizes            quantiles of the 21,313 Binance USD-M BTCUSDT trades of 2024-08-08 in
//                          lots of 0.001 BTC (kTradeSizeQuantiles)
//   kTakerBuyShare         0.4512      share of those trades whose taker bought
// Not calibrated: the trade rate, 2 per second (the sample has 62/s; a full day at that rate
// would make the default replay 30x longer for no new information).
//
// The scenario: BTCUSDT (linear, tick 0.1, lot 0.001 BTC), 2025-10-10 00:00 to 24:00 UTC. The log
// price moves each second by N(0, vol/sqrt(60)), vol = calm or crash figure; on top of that noise,
// from the peak minute the log price ramps linearly down by ln(1 + kCrashDepth) over
// kCrashMinutesToLow, then back up by kCrashRecoveredShare of the fall over 40 minutes, and holds.
// Trades arrive as a Poisson process (exponential gaps, mean 0.5 s) at the second's price rounded
// to the tick; the taker buys when the price rose since the last trade, sells when it fell, and
// otherwise buys with probability kTakerBuyShare; sizes come from kTradeSizeQuantiles.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "marketdata/market_record.hpp"
#include "replay/rng.hpp"

namespace backstop::replay {

inline constexpr double kCalmOneMinuteLogVol = 0.0004857;
inline constexpr int kCrashPeakMinute = 1244;
inline constexpr int kCrashMinutesToLow = 36;
inline constexpr double kCrashDepth = -0.124951;
inline constexpr double kCrashRecoveredShare = 0.771782;
inline constexpr int kCrashRecoveryMinutes = 40;
inline constexpr double kCrashOneMinuteLogVol = 0.0073;
inline constexpr double kOpenPrice = 121'662.0;
inline constexpr double kTakerBuyShare = 0.4512;
inline constexpr double kScenarioTradesPerSecond = 2.0;
inline constexpr std::int64_t kScenarioStartNs = 1'760'054'400'000'000'000;  // 2025-10-10 UTC
inline constexpr std::int64_t kScenarioSeconds = 86'400;
// The BTC price during the trade-size sample, to turn a sampled size into a USD notional.
inline constexpr double kTradeSizeSampleBtcUsd = 61'700.0;

struct Quantile {
  double p;
  double lots;  // lots of 0.001 BTC
};
inline constexpr std::array<Quantile, 10> kTradeSizeQuantiles{{
    {0.0, 1},
    {0.1, 2},
    {0.25, 3},
    {0.5, 16},
    {0.75, 81},
    {0.9, 265},
    {0.95, 486},
    {0.99, 1146},
    {0.999, 5894},
    {1.0, 46000},
}};

// A trade size in lots of 0.001 BTC: inverse CDF of kTradeSizeQuantiles, log-linear between the
// points, rounded to the nearest lot (at least 1).
std::int64_t sample_trade_lots(Rng& rng) noexcept;

// One trade of the default scenario, in the 32 bytes it needs: the replay keeps the day's 172k
// trades in this form (5.5 MB) rather than as 176-byte MarketRecords (30 MB), whose first-touch
// page faults would dominate the scenario's generation.
struct ScenarioTrade {
  std::int64_t ts_ns;
  std::int64_t ticks;  // of 0.1 USD
  std::int64_t lots;   // of 0.001 BTC
  marketdata::MarketSide side;
  friend bool operator==(const ScenarioTrade&, const ScenarioTrade&) = default;
};

// The default scenario's trades, in time order.
std::vector<ScenarioTrade> generate_default_trades(std::uint64_t seed);

// The trade as the readers would give it: symbol BTCUSDT, price in ticks of 0.1, size in lots of
// 0.001 BTC, trade id `id`. Inline: the replay builds one per trade in each of its two passes.
inline marketdata::MarketRecord to_market_record(const ScenarioTrade& trade,
                                                 std::uint64_t id) noexcept {
  marketdata::MarketRecord r;
  r.kind = marketdata::RecordKind::kTrade;
  r.symbol = marketdata::Symbol::from("BTCUSDT");
  r.ts_ns = trade.ts_ns;
  r.id = id;
  r.price = marketdata::Decimal{trade.ticks, -1};
  r.size = marketdata::Decimal{trade.lots, -3};
  r.side = trade.side;
  return r;
}

// A candle's deterministic path: O -> L -> H -> C when the bar closed at or above its open (it
// dipped before it rose), else O -> H -> L -> C; point k at open_time + k * duration / 4, where
// duration = close time - open time (Binance's close_time is open + interval - 1 ms) and 60 s
// when the file gives no close time.
struct PathPoint {
  std::int64_t ts_ns;
  marketdata::Decimal price;
};
std::array<PathPoint, 4> candle_path(const marketdata::MarketRecord& candle) noexcept;
std::int64_t candle_duration_ns(const marketdata::MarketRecord& candle) noexcept;

}  // namespace backstop::replay
