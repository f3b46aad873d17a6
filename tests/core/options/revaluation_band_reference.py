#!/usr/bin/env python3
"""Independent reference for the revaluation band's hand-computed cases (docs/options.md,
"Revaluation band"; tests/core/options/revaluation_band_test.cpp).

Linear books under standard margin, volatility band 0 and horizon 0, so that every option is
valued at its own total volatility s = sigma sqrt(T). The bound of the excess at S0 + x on one
side (x >= 0) is A + B x - G x^2 / 2 - slack with
  A  = other + sum over options of w c V(F0) - sum over shorts of 0.075 |c| S0
       + sum over futures of (c m0 - rate |c| m0)
  B  = +-(sum of w c delta - 0.075 |c| per short + (c - rate |c|) per future)
  G  = sum over shorts of w |c| n(d1*) / (Fa s)      (w = 2 for a short, 1 for a long; c = q mult)
  slack = 4 + 1e-9 |other| + per option 2 (3 + 1e-9 |c| (Fb + K)) + per short 1e-9 0.075 |c| (S0 + x+)
          + per future 3 + 1e-9 |c| mb + 1 + 1e-9 rate |c| mb
over the interval [Fa, Fb] of forwards; d1* is the value of d1 on it nearest 0. The band's extent
is the largest integer x with root(G(x)) >= x, found here by a plain binary search.
Run: python3 tests/core/options/revaluation_band_reference.py
"""
import math

DAY_NS = 86400 * 10**9
YEAR_NS = 365 * DAY_NS
MM_RATE = 0.075
FUTURE_RATE = 0.005


def ncdf(x):
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def npdf(x):
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def black76(call, f, k, s):
    d1 = (math.log(f / k) + 0.5 * s * s) / s
    d2 = d1 - s
    if call:
        return f * ncdf(d1) - k * ncdf(d2), ncdf(d1)
    return k * ncdf(-d2) - f * ncdf(-d1), -ncdf(-d1)


def band(options, futures, s0, other):
    """options: (call, strike, qty, mult, forward, vol, days); futures: (qty, mult, mark)."""
    a = float(other)
    slope = 0.0
    for call, k, q, mult, f, vol, days in options:
        c = q * mult
        s = vol * math.sqrt(days * DAY_NS / YEAR_NS)
        v, delta = black76(call, f, k, s)
        w = 2.0 if q < 0 else 1.0
        a += w * c * v
        slope += w * c * delta
        if q < 0:
            a -= MM_RATE * abs(c) * s0
            slope -= MM_RATE * abs(c)
    for q, mult, m in futures:
        c = q * mult
        a += c * m - FUTURE_RATE * abs(c) * m
        slope += c - FUTURE_RATE * abs(c)

    def reach(side, x, cap):
        lo, hi = (0.0, float(x)) if side > 0 else (-float(x), 0.0)
        g = 0.0
        slack = 4.0 + 1e-9 * abs(other)
        for call, k, q, mult, f, vol, days in options:
            c = q * mult
            s = vol * math.sqrt(days * DAY_NS / YEAR_NS)
            fa, fb = f + lo, f + hi
            if q < 0:
                d1a = math.log(fa / k) / s + 0.5 * s
                d1b = math.log(fb / k) / s + 0.5 * s
                d = d1a if d1a > 0 else (d1b if d1b < 0 else 0.0)
                g += 2.0 * abs(c) * npdf(d) / (fa * s)
                slack += 1e-9 * MM_RATE * abs(c) * (s0 + hi)
            slack += 2.0 * (3.0 + 1e-9 * abs(c) * (fb + k))
        for q, mult, m in futures:
            c = q * mult
            slack += 3.0 + 1e-9 * abs(c) * (m + hi) + 1.0 + 1e-9 * FUTURE_RATE * abs(c) * (m + hi)
        b = slope if side > 0 else -slope
        g *= 1.0 + 1e-9
        av = a - slack
        if av < 0:
            return 0
        if g <= 0:
            root = math.inf if b >= 0 else av / -b
        else:
            disc = math.sqrt(b * b + 2 * g * av)
            root = (b + disc) / g if b >= 0 else 2 * av / (disc - b)
        root *= 1.0 - 1e-9
        return cap if root >= cap else max(0, math.floor(root))

    def extent(side, cap):
        lo, hi = 0, cap
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if reach(side, mid, cap) >= mid:
                lo = mid
            else:
                hi = mid - 1
        return lo

    lowest = min([s0] + [o[4] for o in options] + [f[2] for f in futures])
    return s0 - extent(-1, lowest - 2), s0 + extent(1, s0), a, slope


CASES = {
    "short call": ([(True, 62000, -10, 10000, 60000, 0.6, 30)], [], 3_000_000_000),
    "short put": ([(False, 58000, -10, 10000, 60000, 0.6, 30)], [], 3_000_000_000),
    "short straddle": ([(True, 60000, -10, 10000, 60000, 0.6, 30),
                        (False, 60000, -10, 10000, 60000, 0.6, 30)], [], 6_000_000_000),
    "perpetual hedged with a put": ([(False, 57000, 10, 10000, 60000, 0.6, 30)],
                                    [(10, 10000, 60000)], -5_600_000_000),
}

if __name__ == "__main__":
    for name, (opts, futs, other) in CASES.items():
        low, high, a, slope = band(opts, futs, 60000, other)
        print(f"{name}: A = {a:.1f}, B = {slope:.4f} per tick, band [{low}, {high}]")
