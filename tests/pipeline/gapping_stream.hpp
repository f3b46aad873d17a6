// A seeded stream for pipeline tests of the waterfall: a backstop account and accounts 1..n open
// and deposit, then trade the linear instrument 0 with each other near the mark while the mark
// walks and, with `gaps`, sometimes gaps down by a fifteenth (liquidations, and ADL once the
// backstop holds positions); now and then a deposit. Event time advances by 1 per event.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "backstop/events.hpp"

namespace backstop::test {

inline std::vector<Event> gapping_stream(std::uint64_t backstop, std::uint64_t seed,
                                         std::size_t events, std::uint32_t n, bool gaps = true) {
  std::mt19937_64 rng(seed);
  std::vector<Event> out{make_open_account(backstop, 0),
                         make_deposit(backstop, Money{std::int64_t{1} << 50})};
  for (std::uint32_t a = 1; a <= n; ++a) {
    out.push_back(make_open_account(a, 0));
    out.push_back(
        make_deposit(a, Money{static_cast<std::int64_t>(100 + rng() % 5000) * 1'000'000}));
  }
  std::int64_t mark = 600'000;
  while (out.size() < events) {
    const auto t = static_cast<std::int64_t>(out.size());
    const auto roll = rng() % 100;
    if (roll < 60) {
      const std::uint64_t taker = 1 + rng() % n;
      const std::uint64_t maker = 1 + (taker + rng() % (n - 1)) % n;
      out.push_back(make_fill(0, rng() % 2 ? Side::kBuy : Side::kSell, taker, maker,
                              Price{mark + static_cast<std::int64_t>(rng() % 21) - 10},
                              Qty{static_cast<std::int64_t>(1 + rng() % 300)}, Money{0}, Money{0},
                              t));
    } else if (roll < 95) {
      const std::int64_t step = roll < 93 || !gaps ? static_cast<std::int64_t>(rng() % 2001) - 1000
                                                   : -static_cast<std::int64_t>(mark / 15);
      mark = std::max<std::int64_t>(1000, mark + step);
      out.push_back(make_mark(0, Price{mark}, t));
    } else {
      out.push_back(make_deposit(1 + rng() % n, Money{1'000'000'000}, t));
    }
  }
  return out;
}

}  // namespace backstop::test
