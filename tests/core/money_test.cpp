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
