#include "backstop/money.hpp"

#include <gtest/gtest.h>

#include <random>

namespace backstop {
namespace {

TEST(Money, DivRoundDownGoesTowardMinusInfinity) {
  EXPECT_EQ(div_round_down(7, 2), 3);
  EXPECT_EQ(div_round_down(-7, 2), -4);
  EXPECT_EQ(div_round_down(-8, 2), -4);
  EXPECT_EQ(div_round_down(0, 5), 0);
}

TEST(Money, DivRoundUpGoesTowardPlusInfinity) {
  EXPECT_EQ(div_round_up(7, 2), 4);
  EXPECT_EQ(div_round_up(-7, 2), -3);
  EXPECT_EQ(div_round_up(8, 2), 4);
  EXPECT_EQ(div_round_up(0, 5), 0);
}

TEST(Money, WideOperandsTakeThe128BitPathAndAgree) {
  const Int128 big = Int128{1} << 100;
  EXPECT_EQ(div_round_down(big + 1, 2), Int128{1} << 99);
  EXPECT_EQ(div_round_up(big + 1, 2), (Int128{1} << 99) + 1);
  EXPECT_EQ(div_round_down(-(big + 1), 2), -(Int128{1} << 99) - 1);
  EXPECT_EQ(div_round_up(-(big + 1), 2), -(Int128{1} << 99));
}

TEST(Money, PropertyFloorAndCeilBracketTheQuotient) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 200000; ++i) {
    const Int128 n = static_cast<Int128>(static_cast<std::int64_t>(rng())) *
                     (i % 3 == 0 ? (Int128{1} << 40) : 1);
    const Int128 d = static_cast<Int128>(rng() % 1'000'000'007ull) + 1;
    const Int128 lo = div_round_down(n, d);
    const Int128 hi = div_round_up(n, d);
    ASSERT_LE(lo * d, n);
    ASSERT_GT((lo + 1) * d, n);
    ASSERT_GE(hi * d, n);
    ASSERT_LT((hi - 1) * d, n);
  }
}

// The 128-by-64 hardware divide (a wide dividend, a divisor within 64 bits, the quotient within 64
// bits) and the generic 128-bit path it falls back to must give exactly the quotients of plain
// __int128 arithmetic: dividends up to 127 bits of either sign, divisors up to 64 bits, at and
// around the boundary where the quotient stops fitting 64 bits.
TEST(Money, WideDividendsMatchPlainInt128Division) {
  auto floor_ref = [](Int128 n, Int128 d) {
    const Int128 q = n / d;
    return n % d != 0 && n < 0 ? q - 1 : q;
  };
  auto ceil_ref = [](Int128 n, Int128 d) {
    const Int128 q = n / d;
    return n % d != 0 && n > 0 ? q + 1 : q;
  };
  using U128 = unsigned __int128;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 400000; ++i) {
    const int n_bits = 1 + static_cast<int>(rng() % 127);  // magnitude below 2^n_bits
    const int d_bits = 1 + static_cast<int>(rng() % 64);
    const U128 raw = (U128{rng()} << 64) | rng();
    Int128 n = static_cast<Int128>(n_bits == 127 ? raw >> 1 : raw & ((U128{1} << n_bits) - 1));
    if (rng() & 1) n = -n;
    const std::uint64_t d_raw = d_bits == 64 ? rng() : rng() & ((std::uint64_t{1} << d_bits) - 1);
    const Int128 d = d_raw == 0 ? 1 : Int128{d_raw};
    ASSERT_EQ(div_round_down(n, d), floor_ref(n, d));
    ASSERT_EQ(div_round_up(n, d), ceil_ref(n, d));
    ASSERT_EQ(div_truncated(n, d), n / d);
  }
  // The boundary: quotients of exactly 2^64 - 1 (hardware path) and 2^64 (generic path), exact
  // and with a remainder, both signs.
  const Int128 d = (Int128{1} << 62) + 3;
  const Int128 widest = Int128{std::numeric_limits<std::uint64_t>::max()};
  for (const Int128 q : {widest, widest + 1}) {
    for (const Int128 rem : {Int128{0}, Int128{1}, d - 1}) {
      for (const Int128 sign : {Int128{1}, Int128{-1}}) {
        const Int128 n = sign * (q * d + rem);
        EXPECT_EQ(div_round_down(n, d), floor_ref(n, d));
        EXPECT_EQ(div_round_up(n, d), ceil_ref(n, d));
        EXPECT_EQ(div_truncated(n, d), n / d);
      }
    }
  }
  const Int128 most_negative = -(Int128{1} << 126) * 2;  // -2^127
  EXPECT_EQ(div_round_down(most_negative, widest), floor_ref(most_negative, widest));
  EXPECT_EQ(div_round_up(most_negative + 1, 3), ceil_ref(most_negative + 1, 3));
}

TEST(Money, StrongTypesCompareAndAdd) {
  EXPECT_EQ(Money{5} + Money{7}, Money{12});
  EXPECT_LT(Price{3}, Price{4});
  Qty q{10};
  q -= Qty{3};
  EXPECT_EQ(q.raw(), 7);
  EXPECT_EQ(clamp_to_int64(Int128{1} << 70), std::numeric_limits<std::int64_t>::max());
}

}  // namespace
}  // namespace backstop
