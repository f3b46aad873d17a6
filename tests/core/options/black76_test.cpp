#include "backstop/options/black76.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

namespace backstop {
namespace {

// Expected values were computed with python3's math.erfc from the textbook formulas (see the
// header): N(x) = erfc(-x / sqrt 2) / 2, n(x) = exp(-x^2 / 2) / sqrt(2 pi),
//   d1 = (ln(F/K) + s^2 T / 2) / (s sqrt T), d2 = d1 - s sqrt T, D = exp(-r T),
//   call = D (F N(d1) - K N(d2)), put = D (K N(-d2) - F N(-d1)),
//   delta = D N(d1) | -D N(-d1), gamma = D n(d1) / (F s sqrt T), vega = D F n(d1) sqrt T,
//   theta = -D F n(d1) s / (2 sqrt T) + r V.
void expect_greeks(const Black76Result& r, double price, double delta, double gamma, double vega,
                   double theta) {
  ASSERT_TRUE(r.ok()) << to_string(r.status);
  const auto near = [](double a, double b) {
    return std::fabs(a - b) <= 1e-9 * (1.0 + std::fabs(b));
  };
  EXPECT_PRED2(near, r.greeks.price, price);
  EXPECT_PRED2(near, r.greeks.delta, delta);
  EXPECT_PRED2(near, r.greeks.gamma, gamma);
  EXPECT_PRED2(near, r.greeks.vega, vega);
  EXPECT_PRED2(near, r.greeks.theta, theta);
}

TEST(Black76, AtTheMoneyOneYearMatchesHandValues) {
  // F = K = 100, T = 1, s = 0.2: d1 = 0.1, d2 = -0.1, call = put = 100 (N(0.1) - N(-0.1)).
  const Black76Inputs in{100.0, 100.0, 1.0, 0.2};
  expect_greeks(black76(OptionRight::kCall, in), 7.965567455405804, 0.539827837277029,
                0.01984762737385059, 39.69525474770118, -3.969525474770118);
  expect_greeks(black76(OptionRight::kPut, in), 7.965567455405804, -0.460172162722971,
                0.01984762737385059, 39.69525474770118, -3.969525474770118);
}

TEST(Black76, BitcoinOutOfTheMoneyCallAndItsPutMatchHandValues) {
  // F = 60,000, K = 65,000, 30 days on the 365-day basis, s = 0.6.
  const Black76Inputs in{60000.0, 65000.0, 30.0 / 365.0, 0.6};
  expect_greeks(black76(OptionRight::kCall, in), 2237.8681554046634, 0.3522260125458861,
                3.597077737078921e-05, 6386.04485925244, -23309.063736271404);
  expect_greeks(black76(OptionRight::kPut, in), 7237.868155404656, -0.647773987454114,
                3.597077737078921e-05, 6386.04485925244, -23309.063736271404);
}

TEST(Black76, RateDiscountsPriceAndGreeks) {
  // F = 60,000, K = 50,000, T = 0.25, s = 0.8, r = 5 %.
  const Black76Inputs in{60000.0, 50000.0, 0.25, 0.8, 0.05};
  expect_greeks(black76(OptionRight::kCall, in), 14412.75718691867, 0.7347824189844507,
                1.3239748343745658e-05, 9532.618807496874, -14531.552232649065);
  expect_greeks(black76(OptionRight::kPut, in), 4536.979181979854, -0.25279538150943076,
                1.3239748343745658e-05, 9532.618807496874, -15025.341132896006);
}

TEST(Black76, PutCallParityHoldsAcrossStrikes) {
  for (const double rate : {0.0, 0.03}) {
    for (double k = 20000.0; k <= 120000.0; k += 2500.0) {
      const Black76Inputs in{60000.0, k, 45.0 / 365.0, 0.7, rate};
      const Black76Price c = black76_price(OptionRight::kCall, in);
      const Black76Price p = black76_price(OptionRight::kPut, in);
      ASSERT_TRUE(c.ok() && p.ok());
      // c - p = D (F - K)
      EXPECT_NEAR(c.price - p.price, std::exp(-rate * in.years) * (60000.0 - k), 1e-7) << k;
    }
  }
}

TEST(Black76, AtExpiryThePriceIsIntrinsicAndTheLimitApproachesIt) {
  const Black76Inputs itm{60000.0, 55000.0, 0.0, 0.6};
  EXPECT_DOUBLE_EQ(black76_price(OptionRight::kCall, itm).price, 5000.0);
  EXPECT_DOUBLE_EQ(black76_price(OptionRight::kPut, itm).price, 0.0);
  const Black76Result call = black76(OptionRight::kCall, itm);
  EXPECT_DOUBLE_EQ(call.greeks.delta, 1.0);
  EXPECT_DOUBLE_EQ(call.greeks.gamma, 0.0);
  EXPECT_DOUBLE_EQ(call.greeks.vega, 0.0);
  EXPECT_DOUBLE_EQ(black76(OptionRight::kPut, itm).greeks.delta, 0.0);
  // T -> 0: one second before expiry the time value of a 5,000-deep option is gone.
  const Black76Inputs second{60000.0, 55000.0, years_from_ns(1'000'000'000), 0.6};
  EXPECT_NEAR(black76_price(OptionRight::kCall, second).price, 5000.0, 1e-9);
  // At the money the time value shrinks like sqrt(T): F s sqrt(T / 2 pi).
  const double t = years_from_ns(60'000'000'000);
  const Black76Inputs atm{60000.0, 60000.0, t, 0.6};
  const double expected = 60000.0 * 0.6 * std::sqrt(t / (2.0 * std::numbers::pi));
  EXPECT_NEAR(black76_price(OptionRight::kCall, atm).price, expected, 1e-4 * expected);
  const Black76Result at_strike =
      black76(OptionRight::kCall, Black76Inputs{60000.0, 60000.0, 0.0, 0.6});
  EXPECT_DOUBLE_EQ(at_strike.greeks.delta, 0.5);
  EXPECT_TRUE(std::isinf(at_strike.greeks.gamma));
}

TEST(Black76, ZeroVolatilityIsTheDiscountedIntrinsicValue) {
  const Black76Inputs in{60000.0, 50000.0, 0.5, 0.0, 0.04};
  const double discount = std::exp(-0.04 * 0.5);
  const Black76Result c = black76(OptionRight::kCall, in);
  ASSERT_TRUE(c.ok());
  EXPECT_DOUBLE_EQ(c.greeks.price, discount * 10000.0);
  EXPECT_DOUBLE_EQ(c.greeks.delta, discount);
  EXPECT_DOUBLE_EQ(c.greeks.theta, 0.04 * discount * 10000.0);
  EXPECT_DOUBLE_EQ(black76_price(OptionRight::kPut, in).price, 0.0);
}

TEST(Black76, DeepInAndOutOfTheMoneyStayFiniteAndOrdered) {
  // K a thousand times F: the call is worth nothing, the put K - F.
  const Black76Inputs far{100.0, 100000.0, 1.0, 0.5};
  const Black76Price otm = black76_price(OptionRight::kCall, far);
  ASSERT_TRUE(otm.ok());
  EXPECT_GE(otm.price, 0.0);
  EXPECT_LT(otm.price, 1e-30);
  EXPECT_NEAR(black76_price(OptionRight::kPut, far).price, 99900.0, 1e-9);
  // K a thousandth of F: the call is F - K, the put (tiny, relative accuracy kept by erfc) > 0.
  const Black76Inputs deep{100.0, 0.1, 1.0, 0.5};
  EXPECT_NEAR(black76_price(OptionRight::kCall, deep).price, 99.9, 1e-9);
  const Black76Price tiny_put = black76_price(OptionRight::kPut, deep);
  EXPECT_GT(tiny_put.price, 0.0);
  EXPECT_LT(tiny_put.price, 1e-20);
}

TEST(Black76, GreeksAgreeWithFiniteDifferences) {
  std::mt19937_64 rng(2026);
  std::uniform_real_distribution<double> moneyness(0.6, 1.5);
  std::uniform_real_distribution<double> years(5.0 / 365.0, 1.5);
  std::uniform_real_distribution<double> vol(0.2, 1.5);
  std::uniform_real_distribution<double> rate(0.0, 0.08);
  for (int i = 0; i < 300; ++i) {
    const OptionRight right = i % 2 == 0 ? OptionRight::kCall : OptionRight::kPut;
    const Black76Inputs in{60000.0, 60000.0 * moneyness(rng), years(rng), vol(rng), rate(rng)};
    const Black76Result g = black76(right, in);
    ASSERT_TRUE(g.ok());
    const auto price = [&](Black76Inputs x) { return black76_price(right, x).price; };
    const double hf = 1e-3 * in.forward;
    Black76Inputs up = in, down = in;
    up.forward += hf;
    down.forward -= hf;
    const double delta = (price(up) - price(down)) / (2 * hf);
    const double gamma = (price(up) - 2 * g.greeks.price + price(down)) / (hf * hf);
    EXPECT_NEAR(g.greeks.delta, delta, 1e-5) << i;
    EXPECT_NEAR(g.greeks.gamma, gamma, 1e-3 * g.greeks.gamma + 1e-10) << i;
    const double hv = 1e-5;
    up = in, down = in;
    up.volatility += hv;
    down.volatility -= hv;
    EXPECT_NEAR(g.greeks.vega, (price(up) - price(down)) / (2 * hv), 1e-4 * g.greeks.vega + 1e-6)
        << i;
    const double ht = 1e-6;
    up = in, down = in;
    up.years += ht;
    down.years -= ht;
    const double theta = -(price(up) - price(down)) / (2 * ht);
    EXPECT_NEAR(g.greeks.theta, theta, 1e-4 * std::fabs(g.greeks.theta) + 1e-3) << i;
  }
}

TEST(Black76, InvalidInputsAreRefusedWithTheirReason) {
  const auto status = [](Black76Inputs in) { return black76(OptionRight::kCall, in).status; };
  EXPECT_EQ(status({0.0, 100.0, 1.0, 0.2}), OptionStatus::kForwardNotPositive);
  EXPECT_EQ(status({-5.0, 100.0, 1.0, 0.2}), OptionStatus::kForwardNotPositive);
  EXPECT_EQ(status({100.0, 0.0, 1.0, 0.2}), OptionStatus::kStrikeNotPositive);
  EXPECT_EQ(status({100.0, 100.0, 1.0, -0.01}), OptionStatus::kVolatilityNegative);
  EXPECT_EQ(status({100.0, 100.0, -1e-9, 0.2}), OptionStatus::kTimeNegative);
  EXPECT_EQ(status({NAN, 100.0, 1.0, 0.2}), OptionStatus::kNotFinite);
  EXPECT_EQ(status({100.0, 100.0, INFINITY, 0.2}), OptionStatus::kNotFinite);
  const Black76Result refused = black76(OptionRight::kPut, {100.0, 100.0, 1.0, -1.0});
  EXPECT_EQ(refused.greeks.price, 0.0);
  EXPECT_EQ(black76_price(OptionRight::kPut, {100.0, -1.0, 1.0, 0.2}).status,
            OptionStatus::kStrikeNotPositive);
}

TEST(Black76, TimeIsCountedOnA365DayYear) {
  EXPECT_DOUBLE_EQ(years_from_ns(365 * kNanosPerDay), 1.0);
  EXPECT_DOUBLE_EQ(years_from_ns(30 * kNanosPerDay), 30.0 / 365.0);
  EXPECT_DOUBLE_EQ(days_from_ns(36 * 3600 * 1'000'000'000LL), 1.5);
}

}  // namespace
}  // namespace backstop
