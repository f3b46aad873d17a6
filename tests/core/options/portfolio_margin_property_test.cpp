// Seeded properties of portfolio margin over random books (portfolio_margin.hpp): each position's
// scenario loss is computed alone and rounded alone, so the grid is additive over positions, the
// margin of a book is at most the sum of its parts' margins, and the worst case grows with size.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "backstop/options/portfolio_margin.hpp"

namespace backstop {
namespace {

struct Book {
  OptionSettlement settlement;
  std::vector<PortfolioOption> options;
  std::vector<PortfolioFuture> futures;
  std::size_t size() const { return options.size() + futures.size(); }
};

Book random_book(std::mt19937_64& rng) {
  const auto uniform = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  const auto lots = [&] { return uniform(1, 20) * (uniform(0, 1) == 0 ? -1 : 1); };
  Book b;
  b.settlement = uniform(0, 1) == 0 ? OptionSettlement::kLinear : OptionSettlement::kInverse;
  const std::int64_t option_lot = b.settlement == OptionSettlement::kLinear ? 10'000 : 10'000'000;
  const std::int64_t future_lot =
      b.settlement == OptionSettlement::kLinear ? 10'000 : 1'000'000'000;
  const std::int64_t spot = uniform(20000, 100000);
  // A few expiries, each with its forward, and strikes on a grid so that some strikes coincide.
  const std::int64_t expiries[3] = {uniform(1, 10), uniform(11, 45), uniform(46, 180)};
  const std::int64_t n_options = uniform(1, 8);
  for (std::int64_t i = 0; i < n_options; ++i) {
    const std::int64_t e = uniform(0, 2);
    const std::int64_t forward = spot + spot * e / 200;  // contango of 0.5 % per expiry bucket
    PortfolioOption o;
    o.right = uniform(0, 1) == 0 ? OptionRight::kCall : OptionRight::kPut;
    o.strike_ticks = spot / 1000 * (700 + 50 * uniform(0, 12));
    o.expiry_ns = expiries[e] * kNanosPerDay;
    o.qty = lots();
    o.multiplier = option_lot;
    o.forward_ticks = forward;
    o.volatility_ppm = uniform(250'000, 1'200'000);
    b.options.push_back(o);
  }
  const std::int64_t n_futures = uniform(0, 2);
  for (std::int64_t i = 0; i < n_futures; ++i) {
    b.futures.push_back(PortfolioFuture{lots(), future_lot, spot + spot * i / 200});
  }
  return b;
}

struct Margin {
  PortfolioMarginResult result;
  std::vector<Int128> losses;
};

Margin margin_of(const Book& b, const PortfolioMarginConfig& c = {}) {
  Margin m{{}, std::vector<Int128>(scenario_count(c))};
  m.result = portfolio_margin(PortfolioBook{b.settlement, 0, b.options, b.futures}, c, m.losses);
  return m;
}

Book scaled(const Book& b, std::int64_t k) {
  Book s = b;
  for (PortfolioOption& o : s.options)
    o.qty *= k;
  for (PortfolioFuture& f : s.futures)
    f.qty *= k;
  return s;
}

TEST(PortfolioMarginProperty, BookNeedsNoMoreThanItsPartsAndTheGridAdds) {
  std::mt19937_64 rng(20261208);
  const PortfolioMarginConfig config;
  const std::uint32_t first_extended = grid_move_count(config) * 3;
  for (int iteration = 0; iteration < 300; ++iteration) {
    const Book whole = random_book(rng);
    Book a{whole.settlement, {}, {}};
    Book b{whole.settlement, {}, {}};
    for (const PortfolioOption& o : whole.options)
      (rng() % 2 ? a : b).options.push_back(o);
    for (const PortfolioFuture& f : whole.futures)
      (rng() % 2 ? a : b).futures.push_back(f);
    const Margin mw = margin_of(whole);
    const Margin ma = margin_of(a);
    const Margin mb = margin_of(b);
    ASSERT_TRUE(mw.result.ok() && ma.result.ok() && mb.result.ok()) << iteration;
    for (std::uint32_t s = 0; s < scenario_count(config); ++s) {
      if (s < first_extended) {
        // Each position's loss is rounded on its own: the grid is exactly additive.
        ASSERT_EQ(mw.losses[s], ma.losses[s] + mb.losses[s]) << iteration << " scenario " << s;
      } else {
        // The fraction is rounded up once per book: the parts may each gain a unit.
        ASSERT_LE(mw.losses[s], ma.losses[s] + mb.losses[s]) << iteration << " scenario " << s;
        ASSERT_GE(mw.losses[s], ma.losses[s] + mb.losses[s] - 1) << iteration << " scenario " << s;
      }
    }
    // max(worst, 0), the netted contingency and the rounded-up multiple are all subadditive.
    ASSERT_LE(mw.result.maintenance, ma.result.maintenance + mb.result.maintenance) << iteration;
    ASSERT_LE(mw.result.initial, ma.result.initial + mb.result.initial) << iteration;
    ASSERT_LE(mw.result.contingency, ma.result.contingency + mb.result.contingency) << iteration;
    // ... so the book needs no more than its positions margined one by one.
    Int128 standalone = 0;
    for (const PortfolioOption& o : whole.options) {
      standalone += margin_of(Book{whole.settlement, {o}, {}}).result.maintenance;
    }
    for (const PortfolioFuture& f : whole.futures) {
      standalone += margin_of(Book{whole.settlement, {}, {f}}).result.maintenance;
    }
    ASSERT_LE(mw.result.maintenance, standalone) << iteration;
  }
}

TEST(PortfolioMarginProperty, WorstCaseGrowsWithPositionSize) {
  // Scaling every position by k scales each scenario's exact loss X by k; rounding adds less than
  // 2 units per position: L(kB) in [kX, kX + 2n). So L(kB) >= L((k-1)B) whenever X >= 2n, i.e.
  // L(B) >= 4n, which almost every book here satisfies by far (losses in the millions of units).
  std::mt19937_64 rng(424242);
  int checked = 0;
  for (int iteration = 0; iteration < 300; ++iteration) {
    const Book book = random_book(rng);
    const Margin unit = margin_of(book);
    ASSERT_TRUE(unit.result.ok());
    const auto n = static_cast<Int128>(book.size());
    if (unit.result.worst_loss < 4 * n + 4) continue;
    ++checked;
    Margin previous = unit;
    for (std::int64_t k = 2; k <= 5; ++k) {
      const Margin m = margin_of(scaled(book, k));
      ASSERT_TRUE(m.result.ok());
      ASSERT_GE(m.result.worst_loss, previous.result.worst_loss) << iteration << " k=" << k;
      ASSERT_GE(m.result.maintenance, previous.result.maintenance) << iteration << " k=" << k;
      ASSERT_GE(m.result.initial, previous.result.initial) << iteration << " k=" << k;
      // And nearly linear: L(kB) < kX + 2n <= k L(B) + 2n (+1 for the extended fraction's
      // rounding, +1 for the doubles' last bits).
      ASSERT_LE(m.result.worst_loss, k * unit.result.worst_loss + 2 * n + 2) << iteration;
      previous = m;
    }
  }
  EXPECT_GT(checked, 250);  // the precondition held for almost every random book
}

}  // namespace
}  // namespace backstop
