#!/usr/bin/env python3
"""An independent reference of portfolio margin (docs/options.md), for the expected values in
portfolio_margin_test.cpp that need Black-76 prices. Python's math module, integers for money.
Usage: python3 tests/core/options/portfolio_margin_reference.py  (prints each test book's result)"""
import math

PPM = 1_000_000
DAY_NS = 86_400 * 10**9
YEAR_NS = 365 * DAY_NS

DEFAULT = dict(range=160_000, steps=4, up=500_000, down=250_000, up_floor=500_000, ref_days=30,
               short_p=300_000, long_p=130_000,
               extended=[-660_000, -330_000, 500_000, 1_000_000, 2_000_000, 3_000_000, 4_000_000,
                         5_000_000],
               fraction=333_333, contingency=10_000, im_multiple=1_300_000)


def N(x):
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def black76(call, f, k, t, s):
    v = s * math.sqrt(t)
    if v == 0.0:
        return max(f - k, 0.0) if call else max(k - f, 0.0)
    d1 = (math.log(f / k) + 0.5 * v * v) / v
    d2 = d1 - v
    p = f * N(d1) - k * N(d2) if call else k * N(-d2) - f * N(-d1)
    return max(p, 0.0)


def scenarios(c):
    out = []
    for i in range(2 * c['steps'] + 1):
        step = i - c['steps']
        move = int(c['range'] * step / c['steps'])  # truncated toward 0
        for shock in ('up', 'same', 'down'):
            out.append((move, shock, False))
    for m in c['extended']:
        out.append((m, 'up', True))
    return out


def shocked(price, move):
    return max(1, (price * (PPM + move)) // PPM)


def value(settlement, mult, qty, premium, underlying, up):
    v = float(qty * mult) * premium
    if settlement == 'inverse':
        v /= float(underlying)
    return math.ceil(v) if up else math.floor(v)


def vols(c, sigma, days):
    if days <= 0:
        return {'up': sigma, 'same': sigma, 'down': sigma}
    p = (c['short_p'] if days < c['ref_days'] else c['long_p']) / PPM
    tenor = (c['ref_days'] / days) ** p
    return {'up': max(sigma * (1 + c['up'] / PPM * tenor), c['up_floor'] / PPM), 'same': sigma,
            'down': max(sigma * (1 - c['down'] / PPM * tenor), 0.0)}


def portfolio_margin(book, c=DEFAULT):
    sc = scenarios(c)
    losses = [0] * len(sc)
    st = book['settlement']
    for o in book['options']:
        t_ns = o['expiry_ns'] - book['now_ns']
        t = t_ns / YEAR_NS
        sigma = o['vol'] / PPM
        call = o['right'] == 'call'
        v0 = value(st, o['mult'], o['qty'], black76(call, o['fwd'], o['strike'], t, sigma), o['fwd'],
                   True)
        vs = vols(c, sigma, t_ns / DAY_NS)
        for i, (move, shock, _) in enumerate(sc):
            f = shocked(o['fwd'], move)
            p = black76(call, float(f), float(o['strike']), t, vs[shock])
            losses[i] += v0 - value(st, o['mult'], o['qty'], p, f, False)
    for fu in book.get('futures', []):
        qm = fu['qty'] * fu['mult']
        for i, (move, _, _) in enumerate(sc):
            m = shocked(fu['mark'], move)
            if st == 'linear':
                losses[i] += qm * fu['mark'] - qm * m
            else:
                losses[i] += -((qm) // fu['mark']) - ((-qm) // m)  # ceil(-qm/m0) - floor(-qm/m)
    for i, (_, _, ext) in enumerate(sc):
        if ext:
            losses[i] = -((-losses[i] * c['fraction']) // PPM)  # ceil
    worst = max(losses)
    nets = {}
    for o in book['options']:
        notional = o['fwd'] * o['mult'] if st == 'linear' else o['mult']
        key = (o['expiry_ns'], o['strike'])
        nets[key] = nets.get(key, 0) + o['qty'] * notional
    num = sum(-n * c['contingency'] for n in nets.values() if n < 0)
    contingency = -((-num) // PPM)
    mm = max(worst, 0) + contingency
    im = -((-mm * c['im_multiple']) // PPM)
    return dict(mm=mm, im=im, worst=worst, worst_index=losses.index(worst), contingency=contingency,
                losses=losses)


def option(right, strike, days, qty, fwd, vol, mult):
    return dict(right=right, strike=strike, expiry_ns=days * DAY_NS, qty=qty, fwd=fwd, vol=vol,
                mult=mult)


BOOKS = {
    # Inverse (BTC-settled, 0.1 BTC lots = 1e7 sats): a short straddle at 60,000, 14 days, 55 %.
    'inverse_short_straddle': dict(settlement='inverse', now_ns=0, options=[
        option('call', 60000, 14, -10, 60000, 550_000, 10_000_000),
        option('put', 60000, 14, -10, 60000, 550_000, 10_000_000)]),
    # Linear (micro-USDC, 0.01 BTC lots): short 7-day call, long 60-day call, both K = 62,000.
    'linear_calendar': dict(settlement='linear', now_ns=0, options=[
        option('call', 62000, 7, -5, 60000, 600_000, 10_000),
        option('call', 62000, 60, 5, 60300, 550_000, 10_000)]),
}

if __name__ == '__main__':
    for name, book in BOOKS.items():
        r = portfolio_margin(book)
        print(name, {k: v for k, v in r.items() if k != 'losses'})
        print('  losses', r['losses'])
