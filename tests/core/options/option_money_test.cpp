#include "backstop/options/option_money.hpp"

#include <gtest/gtest.h>

#include <random>

namespace backstop {
namespace {

// A USDC-settled BTC option: prices in ticks of 1 USD, money in micro-USDC, a lot of 0.01 BTC, so
// mult = 0.01 BTC x 1 USD x 1e6 = 10,000 Money per (tick * lot).
constexpr OptionUnits kLinear{OptionSettlement::kLinear, 10'000};
// A BTC-settled (Deribit-style) option with a lot of 0.1 BTC: mult = 0.1 x 1e8 = 10,000,000 sats.
constexpr OptionUnits kInverse{OptionSettlement::kInverse, 10'000'000};

TEST(OptionMoney, LinearQuotePriceIsExact) {
  // 3 lots at 2,237 USD: 3 x 2,237 x 10,000 micro-USDC = 67.11 USDC, no rounding either side.
  EXPECT_EQ(option_value_from_quote_price(kLinear, 3, 2237, 60000).value, 67'110'000);
  EXPECT_EQ(option_value_from_quote_price(kLinear, -3, 2237, 60000).value, -67'110'000);
}

TEST(OptionMoney, InversePremiumIsTheQuotePriceOverTheUnderlyingToTheUnit) {
  // 2,238 USD of premium at an underlying of 61,234 USD is 2238 / 61234 BTC per BTC: one lot of
  // 0.1 BTC is 1e7 x 2238 / 61234 = 365,483.228... sats. The long holds 365,483 (down), the short
  // owes 365,484 (up).
  EXPECT_EQ(option_value_from_quote_price(kInverse, 1, 2238, 61234).value, 365'483);
  EXPECT_EQ(option_value_from_quote_price(kInverse, -1, 2238, 61234).value, -365'484);
  // At 60,000 it divides exactly: 1e7 x 2238 / 60000 = 373,000 both ways.
  EXPECT_EQ(option_value_from_quote_price(kInverse, 1, 2238, 60000).value, 373'000);
  EXPECT_EQ(option_value_from_quote_price(kInverse, -1, 2238, 60000).value, -373'000);
}

TEST(OptionMoney, CoinMarkConvertsToTheUnit) {
  // Deribit marks 0.0525 BTC per BTC: mark 525 at scale 10,000; a 0.1 BTC lot is 525,000 sats.
  EXPECT_EQ(option_value_from_coin_price(kInverse, 2, 525, 10'000).value, 1'050'000);
  // A lot of 3 units and a mark of 0.05253: 3 x 0.05253 = 0.15759 units; long 0, short owes 1.
  const OptionUnits odd{OptionSettlement::kInverse, 3};
  EXPECT_EQ(option_value_from_coin_price(odd, 1, 5253, 100'000).value, 0);
  EXPECT_EQ(option_value_from_coin_price(odd, -1, 5253, 100'000).value, -1);
  // A coin mark on a quote-settled option is a unit mistake.
  EXPECT_EQ(option_value_from_coin_price(kLinear, 1, 525, 10'000).status,
            OptionStatus::kInvalidConfig);
}

TEST(OptionMoney, VolatilityMarkIsPricedWithBlack76AndRoundedForTheVenue) {
  // F = 60,000, K = 65,000, 30 days, 60 %: the call is 2,237.8681554046634 USD (black76_test).
  const OptionMarkInputs m{OptionRight::kCall, 60000, 65000, 30 * kNanosPerDay, 600'000, 0};
  // Linear: x 10,000 = 22,378,681.55 micro-USDC: long 22,378,681, short -22,378,682.
  EXPECT_EQ(option_value_from_volatility(kLinear, 1, m).value, 22'378'681);
  EXPECT_EQ(option_value_from_volatility(kLinear, -1, m).value, -22'378'682);
  // Inverse: 1e7 x 2237.868155 / 60000 = 372,978.026 sats per lot; 3 lots = 1,118,934.08.
  EXPECT_EQ(option_value_from_volatility(kInverse, 1, m).value, 372'978);
  EXPECT_EQ(option_value_from_volatility(kInverse, -1, m).value, -372'979);
  EXPECT_EQ(option_value_from_volatility(kInverse, 3, m).value, 1'118'934);
  EXPECT_EQ(option_value_from_volatility(kInverse, -3, m).value, -1'118'935);
}

TEST(OptionMoney, PropertyLongRoundsDownShortRoundsUpWithinOneUnit) {
  std::mt19937_64 rng(77);
  for (int i = 0; i < 20000; ++i) {
    const std::int64_t q = static_cast<std::int64_t>(rng() % 1000) + 1;
    const std::int64_t premium = static_cast<std::int64_t>(rng() % 50000);
    const std::int64_t s = static_cast<std::int64_t>(rng() % 200000) + 1;
    const OptionUnits u{OptionSettlement::kInverse, static_cast<std::int64_t>(rng() % 100000) + 1};
    const Int128 exact_num = Int128{q} * premium * u.multiplier;  // the value is exact_num / s
    const Int128 long_value = option_value_from_quote_price(u, q, premium, s).value;
    const Int128 short_value = option_value_from_quote_price(u, -q, premium, s).value;
    ASSERT_LE(long_value * s, exact_num);        // the long is never overstated
    ASSERT_GT((long_value + 1) * s, exact_num);  // by less than one unit
    ASSERT_LE(-short_value * s, exact_num + s - 1);
    ASSERT_GE(-short_value * s, exact_num);  // the short's liability is never understated
  }
}

TEST(OptionMoney, ExpirySettlementPaysIntrinsicValueToTheUnit) {
  // Linear: a call K = 60,000 settling at 61,234 pays 1,234 USD a unit: 3 lots x 1,234 x 10,000.
  EXPECT_EQ(option_settlement_value(kLinear, OptionRight::kCall, 3, 60000, 61234).value,
            37'020'000);
  EXPECT_EQ(option_settlement_value(kLinear, OptionRight::kPut, 3, 60000, 61234).value, 0);
  // Inverse: 1,234 / 61,234 BTC per BTC on a 0.1 BTC lot = 201,522.03 sats: the long receives
  // 201,522, the short pays 201,523. A put K = 62,000: 766 / 61,234 x 1e7 = 125,093.9 -> 125,093
  // and 125,094.
  EXPECT_EQ(option_settlement_value(kInverse, OptionRight::kCall, 1, 60000, 61234).value, 201'522);
  EXPECT_EQ(option_settlement_value(kInverse, OptionRight::kCall, -1, 60000, 61234).value,
            -201'523);
  EXPECT_EQ(option_settlement_value(kInverse, OptionRight::kPut, 1, 62000, 61234).value, 125'093);
  EXPECT_EQ(option_settlement_value(kInverse, OptionRight::kPut, -1, 62000, 61234).value, -125'094);
  EXPECT_EQ(option_settlement_value(kInverse, OptionRight::kPut, 1, 0, 61234).status,
            OptionStatus::kStrikeNotPositive);
  EXPECT_EQ(option_settlement_value(kInverse, OptionRight::kPut, 1, 62000, 0).status,
            OptionStatus::kForwardNotPositive);
}

TEST(OptionMoney, PropertySettlementOfAMatchedPairNeverCreatesMoney) {
  std::mt19937_64 rng(9);
  for (int i = 0; i < 20000; ++i) {
    const OptionUnits u{i % 2 ? OptionSettlement::kInverse : OptionSettlement::kLinear,
                        static_cast<std::int64_t>(rng() % 10'000'000) + 1};
    const OptionRight right = rng() % 2 ? OptionRight::kCall : OptionRight::kPut;
    const std::int64_t q = static_cast<std::int64_t>(rng() % 100) + 1;
    const std::int64_t k = static_cast<std::int64_t>(rng() % 100000) + 1;
    const std::int64_t s = static_cast<std::int64_t>(rng() % 100000) + 1;
    const OptionMoney received = option_settlement_value(u, right, q, k, s);
    const OptionMoney paid = option_settlement_value(u, right, -q, k, s);
    ASSERT_TRUE(received.ok() && paid.ok());
    ASSERT_GE(received.value, 0);
    ASSERT_LE(received.value + paid.value, 0);   // the short pays at least what the long gets
    ASSERT_GE(received.value + paid.value, -1);  // and at most one unit more
  }
}

TEST(OptionMoney, RefusalsAreTyped) {
  EXPECT_EQ(option_value_from_quote_price({OptionSettlement::kLinear, 0}, 1, 10, 10).status,
            OptionStatus::kMultiplierNotPositive);
  EXPECT_EQ(option_value_from_quote_price(kLinear, 1, -1, 10).status, OptionStatus::kOutOfRange);
  EXPECT_EQ(option_value_from_quote_price(kInverse, 1, 10, 0).status,
            OptionStatus::kForwardNotPositive);
  // 2^62 lots x 2^40 ticks x 10,000 does not fit Money.
  EXPECT_EQ(option_value_from_quote_price(kLinear, std::int64_t{1} << 62, std::int64_t{1} << 40, 1)
                .status,
            OptionStatus::kOutOfRange);
  EXPECT_EQ(option_value_from_model(kLinear, 1, NAN, 1).status, OptionStatus::kNotFinite);
  EXPECT_EQ(option_value_from_model(kLinear, std::int64_t{1} << 50, 1e12, 1).status,
            OptionStatus::kOutOfRange);
  const OptionMarkInputs bad{OptionRight::kPut, 60000, 0, kNanosPerDay, 500'000, 0};
  EXPECT_EQ(option_value_from_volatility(kLinear, 1, bad).status, OptionStatus::kStrikeNotPositive);
  const OptionMarkInputs expired{OptionRight::kPut, 60000, 50000, -1, 500'000, 0};
  EXPECT_EQ(option_value_from_volatility(kLinear, 1, expired).status, OptionStatus::kTimeNegative);
}

}  // namespace
}  // namespace backstop
