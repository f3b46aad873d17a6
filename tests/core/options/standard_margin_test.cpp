#include "backstop/options/standard_margin.hpp"

#include <gtest/gtest.h>

namespace backstop {
namespace {

// Units as in option_money_test: linear mult 10,000 micro-USDC per (1 USD tick * 0.01 BTC lot);
// inverse mult 1e7 sats (a 0.1 BTC lot). Rates are Deribit's (standard_margin.hpp cites them):
// IM = max(0.15 S - OTM, 0.10 S) + premium, MM = 0.075 S + premium.
constexpr OptionUnits kLinear{OptionSettlement::kLinear, 10'000};
constexpr OptionUnits kInverse{OptionSettlement::kInverse, 10'000'000};

TEST(StandardOptionMargin, ShortLinearCallOutOfTheMoney) {
  // 2 short calls K = 65,000 at S = 60,000: OTM = 5,000; max(9,000 - 5,000, 6,000) = 6,000 USD a
  // unit, x 2 lots x 10,000 = 120,000,000. Premium 2,238 USD: liability 2 x 2,238 x 10,000 =
  // 44,760,000. MM: 0.075 x 60,000 = 4,500 -> 90,000,000 + 44,760,000.
  const Int128 premium = option_value_from_quote_price(kLinear, -2, 2238, 60000).value;
  ASSERT_EQ(premium, -44'760'000);
  const OptionMargin m =
      standard_option_margin(kLinear, {OptionRight::kCall, -2, 65000, 60000, premium});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m.initial, 164'760'000);
  EXPECT_EQ(m.maintenance, 134'760'000);
}

TEST(StandardOptionMargin, ShortLinearPutAndInTheMoneyCall) {
  // Put K = 58,000 at S = 60,000: OTM = 2,000; max(9,000 - 2,000, 6,000) = 7,000 -> 70,000,000.
  const OptionMargin put =
      standard_option_margin(kLinear, {OptionRight::kPut, -1, 58000, 60000, 0});
  EXPECT_EQ(put.initial, 70'000'000);
  EXPECT_EQ(put.maintenance, 45'000'000);
  // An in-the-money call has no OTM amount: 0.15 x 60,000 = 9,000 -> 90,000,000.
  const OptionMargin itm =
      standard_option_margin(kLinear, {OptionRight::kCall, -1, 50000, 60000, 0});
  EXPECT_EQ(itm.initial, 90'000'000);
  // Far out of the money the floor holds: K = 90,000 -> max(9,000 - 30,000, 6,000) = 6,000.
  const OptionMargin far =
      standard_option_margin(kLinear, {OptionRight::kCall, -1, 90000, 60000, 0});
  EXPECT_EQ(far.initial, 60'000'000);
}

TEST(StandardOptionMargin, ShortInverseCallIsInCoinPerCoin) {
  // S = 61,234, K = 65,000: OTM = 3,766; max(9,185.1 - 3,766, 6,123.4) = 6,123.4 USD = 0.10 BTC
  // per BTC exactly -> 0.1 x 1e7 = 1,000,000 sats. MM = 0.075 BTC per BTC = 750,000 sats.
  // Premium 2,238 USD / 61,234 = 365,483.2 sats a lot, owed by the short: 365,484 (up).
  const Int128 premium = option_value_from_quote_price(kInverse, -1, 2238, 61234).value;
  ASSERT_EQ(premium, -365'484);
  const OptionMargin m =
      standard_option_margin(kInverse, {OptionRight::kCall, -1, 65000, 61234, premium});
  EXPECT_EQ(m.initial, 1'365'484);
  EXPECT_EQ(m.maintenance, 1'115'484);
}

TEST(StandardOptionMargin, ShortInversePutRoundsTheRequirementUp) {
  // S = 61,234, K = 60,000: OTM = 1,234; 9,185.1 - 1,234 = 7,951.1 USD; over S: 0.129847... BTC
  // per BTC; x 1e7 = 1,298,477.97 sats -> 1,298,478.
  const OptionMargin m = standard_option_margin(kInverse, {OptionRight::kPut, -1, 60000, 61234, 0});
  EXPECT_EQ(m.initial, 1'298'478);
  EXPECT_EQ(m.maintenance, 750'000);
}

TEST(StandardOptionMargin, LongNeedsItsPremiumOnly) {
  const OptionMargin m =
      standard_option_margin(kInverse, {OptionRight::kCall, 4, 65000, 61234, 1'461'932});
  EXPECT_EQ(m.initial, 1'461'932);
  EXPECT_EQ(m.maintenance, 0);
  EXPECT_EQ(standard_option_margin(kInverse, {OptionRight::kCall, 0, 65000, 61234, 0}).initial, 0);
}

TEST(StandardOptionMargin, RatesAreConfigurableAndInitialIsNeverBelowMaintenance) {
  // Deribit's earlier rates (20 % less OTM, 10 % maintenance) on the linear put above:
  // max(12,000 - 2,000, 6,000) = 10,000 -> 100,000,000; MM 6,000 -> 60,000,000.
  const StandardOptionMarginRates older{200'000, 100'000, 100'000};
  const OptionMargin m =
      standard_option_margin(kLinear, {OptionRight::kPut, -1, 58000, 60000, 0}, older);
  EXPECT_EQ(m.initial, 100'000'000);
  EXPECT_EQ(m.maintenance, 60'000'000);
  // An initial rate below the maintenance rate is raised to it.
  const StandardOptionMarginRates low{50'000, 50'000, 75'000};
  const OptionMargin raised =
      standard_option_margin(kLinear, {OptionRight::kPut, -1, 58000, 60000, 0}, low);
  EXPECT_EQ(raised.initial, raised.maintenance);
  EXPECT_EQ(raised.maintenance, 45'000'000);
}

TEST(StandardOptionMargin, RefusalsAreTyped) {
  const StandardMarginInputs ok{OptionRight::kCall, -1, 65000, 60000, 0};
  EXPECT_EQ(standard_option_margin({OptionSettlement::kLinear, 0}, ok).status,
            OptionStatus::kMultiplierNotPositive);
  EXPECT_EQ(standard_option_margin(kLinear, {OptionRight::kCall, -1, 0, 60000, 0}).status,
            OptionStatus::kStrikeNotPositive);
  EXPECT_EQ(standard_option_margin(kLinear, {OptionRight::kCall, -1, 65000, 0, 0}).status,
            OptionStatus::kForwardNotPositive);
  EXPECT_EQ(standard_option_margin(kLinear, ok, {-1, 100'000, 75'000}).status,
            OptionStatus::kInvalidConfig);
  const StandardMarginInputs huge{OptionRight::kCall, std::int64_t{-1} << 62, 65000,
                                  std::int64_t{1} << 60, 0};
  EXPECT_EQ(standard_option_margin(kLinear, huge).status, OptionStatus::kOutOfRange);
}

}  // namespace
}  // namespace backstop
