// A seeded stream (and its engine) for pipeline tests of the waterfall: a backstop account and
// accounts 1..n open and deposit, then trade the linear instrument 0 with each other near the mark
// while the mark walks and, with `gaps`, sometimes gaps down by a fifteenth (liquidations, and ADL
// once the backstop holds positions); now and then a deposit. Event time advances by 1 per event.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <vector>

#include "backstop/events.hpp"
#include "core/test_support.hpp"
#include "pipeline/engine.hpp"

namespace backstop::test {

// The engine such a stream runs through: two instruments, 128 accounts, takeover liquidation with
// `backstop` as the backstop account, small rings, no pinning.
inline EngineConfig gapping_engine_config(std::uint64_t backstop) {
  EngineConfig c;
  c.risk = two_instrument_config(128);
  c.risk.waterfall.mode = LiquidationMode::kTakeover;
  c.risk.waterfall.backstop_accounts = {backstop};
  c.input_ring_size = 1024;
  c.output_ring_size = 1024;
  c.risk_cpu = -1;
  return c;
}

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

// Runs `events` through a started `engine` and returns every output, draining the output ring
// until `expected` outputs have come (bounded at 60 s, so that missing outputs fail the caller's
// comparison instead of hanging it: the risk thread waits for room in the output ring) before
// stopping it.
inline std::vector<OutputEvent> run_threaded(Engine& engine, const std::vector<Event>& events,
                                             std::size_t expected) {
  std::vector<OutputEvent> outputs;
  auto take = [&](const OutputEvent& o) { outputs.push_back(o); };
  engine.start();
  for (std::size_t next = 0; next < events.size();) {
    if (engine.try_publish(events[next]).status == PublishStatus::kAccepted) ++next;
    engine.poll(take);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (outputs.size() < expected && std::chrono::steady_clock::now() < deadline)
    engine.poll(take);
  engine.stop();
  engine.poll(take);
  return outputs;
}

}  // namespace backstop::test
