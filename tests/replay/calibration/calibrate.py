#!/usr/bin/env python3
"""Computes, once, the statistics the default replay scenario is calibrated on (src/replay/scenario.hpp
holds the results as named constants). Run: python3 tests/replay/calibration/calibrate.py [DATA_DIR]
(default ../shared/data). Doubles are fine here: these are statistics, not money."""
import csv, math, statistics, sys, os

data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '../../../../shared/data')

def klines(name):
    with open(os.path.join(data, name)) as f:
        return list(csv.DictReader(f))

calm = klines('binance_cm_BTCUSD_PERP_markPrice_1m_2025-10-09.csv')
closes = [float(r['close']) for r in calm]
lr = [math.log(closes[i] / closes[i - 1]) for i in range(1, len(closes))]
print(f'calm day 1m log-return stdev: {statistics.pstdev(lr):.10f}  (n={len(lr)})')

crash = klines('binance_cm_BTCUSD_PERP_markPrice_1m_2025-10-10.csv')
low, low_i = min((float(r['low']), i) for i, r in enumerate(crash))
peak, peak_off = max((float(r['high']), i) for i, r in enumerate(crash[low_i - 120:low_i]))
peak_i = low_i - 120 + peak_off
rec_i = low_i + 40
rec = float(crash[rec_i]['close'])
print(f'day open {float(crash[0]["open"])}, pre-crash peak {peak} at minute {peak_i}, low {low} at minute {low_i}')
print(f'crash depth from peak: {low / peak - 1:.6f}, minutes peak->low: {low_i - peak_i}')
print(f'close 40 min after the low: {rec}, recovered fraction: {(rec - low) / (peak - low):.6f}')
print(f'day close {float(crash[-1]["close"])}')

with open(os.path.join(data, 'binance-usdm_BTCUSDT_2024-08-08_trades.csv')) as f:
    rows = list(csv.DictReader(f))
lots = sorted(round(float(r['qty']) * 1000) for r in rows)
t0, t1 = int(rows[0]['trade_time_ms']), int(rows[-1]['trade_time_ms'])
print(f'trades {len(rows)} over {(t1 - t0) / 1000:.1f} s: {len(rows) / ((t1 - t0) / 1000):.2f}/s')
qs = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0]
print('trade size quantiles in lots of 0.001 BTC:')
for q in qs:
    print(f'  q{q}: {lots[min(len(lots) - 1, int(q * (len(lots) - 1)))]}')
buys = sum(1 for r in rows if r['taker_side'] == 'buy')
print(f'taker buy share: {buys / len(rows):.4f}')

crash_closes = [float(r['close']) for r in crash[peak_i:rec_i + 1]]
crash_lr = [math.log(crash_closes[i] / crash_closes[i - 1]) for i in range(1, len(crash_closes))]
print(f'1m log-return stdev from the peak to 40 min after the low: {statistics.pstdev(crash_lr):.10f}'
      f' ({statistics.pstdev(crash_lr) / statistics.pstdev(lr):.3f} x calm)')
