#include "sizing/account_mirror.hpp"

#include <gtest/gtest.h>

#include "feed_builders.hpp"

namespace backstop::sizing {
namespace {

using testing::account_group;
using testing::account_record;
using testing::instrument_record;
using testing::position_record;
using testing::simple_spec;

RiskConfig two_instruments() {
  RiskConfig c;
  c.positions_per_account = 2;
  c.instruments = {simple_spec("BTCUSDT", ContractKind::kLinearPerpetual, 1, 100),
                   simple_spec("XBTUSD", ContractKind::kInversePerpetual, 1'000'000, 1000)};
  return c;
}

// Balance 1000, long 5 BTCUSDT at cost 450 (mark 100: +50), short 10 XBTUSD at cost 11000
// (its value q·w = -10·(-1e6/1000) = 10000 at 1000, so -1000), the long's funding index moved by 2
// (-10).
TEST(AccountMirror, EquityIsTheBalancePlusEachPositionsContribution) {
  AccountMirror m(two_instruments());
  ASSERT_EQ(m.apply(account_group(42, 1000, {{0, 5, 450}, {1, -10, 11000}})), MirrorError::kNone);
  ASSERT_EQ(m.account_count(), 1u);
  EXPECT_EQ(m.slot_of(42), 0u);
  EXPECT_EQ(m.slot_of(7), kNoSlot);
  EXPECT_EQ(static_cast<std::int64_t>(m.equity(0)), 1000 + 50 - 1000);
  ASSERT_EQ(m.apply(instrument_record(0, 110, 2, 1)), MirrorError::kNone);
  EXPECT_EQ(static_cast<std::int64_t>(m.equity(0)), 1000 + 100 - 10 - 1000);
}

TEST(AccountMirror, AnAccountRecordReplacesEveryPosition) {
  AccountMirror m(two_instruments());
  ASSERT_EQ(m.apply(account_group(1, 10, {{0, 5, 500}, {1, 3, -3000}})), MirrorError::kNone);
  ASSERT_EQ(m.apply(account_group(1, 20, {{1, 4, -4000}})), MirrorError::kNone);
  ASSERT_EQ(m.positions(0).size(), 1u);
  EXPECT_EQ(m.positions(0)[0].instrument, 1);
  EXPECT_EQ(m.positions(0)[0].qty, 4);
  EXPECT_EQ(m.balance(0), 20);
  ASSERT_EQ(m.apply(account_group(1, 30, {})), MirrorError::kNone);
  EXPECT_TRUE(m.positions(0).empty());
  EXPECT_EQ(static_cast<std::int64_t>(m.equity(0)), 30);
}

TEST(AccountMirror, ChangesAreListedOnceUntilCleared) {
  AccountMirror m(two_instruments());
  ASSERT_EQ(m.apply(account_group(5, 1, {})), MirrorError::kNone);
  ASSERT_EQ(m.apply(account_group(6, 1, {})), MirrorError::kNone);
  ASSERT_EQ(m.apply(account_group(5, 2, {})), MirrorError::kNone);
  ASSERT_EQ(m.apply(instrument_record(1, 900)), MirrorError::kNone);
  EXPECT_EQ(std::vector<std::uint32_t>(m.changed_accounts().begin(), m.changed_accounts().end()),
            (std::vector<std::uint32_t>{0, 1}));
  EXPECT_EQ(m.changed_instruments().size(), 1u);
  m.clear_changes();
  EXPECT_TRUE(m.changed_accounts().empty());
  EXPECT_TRUE(m.changed_instruments().empty());
}

TEST(AccountMirror, MalformedRecordsAreRefusedAndLeaveTheAccountAsItWas) {
  AccountMirror m(two_instruments());
  ASSERT_EQ(m.apply(account_group(1, 10, {{0, 5, 500}})), MirrorError::kNone);
  EXPECT_EQ(m.apply(position_record(1, 0, 5, 500)), MirrorError::kPositionWithoutAccount);
  EXPECT_EQ(m.apply(account_record(1, 99, 3)), MirrorError::kTooManyPositions);
  EXPECT_EQ(m.apply(instrument_record(2, 100)), MirrorError::kUnknownInstrument);
  EXPECT_EQ(m.apply(instrument_record(0, 0)), MirrorError::kMarkOutOfRange);

  ASSERT_EQ(m.apply(account_record(1, 99, 2)), MirrorError::kNone);
  EXPECT_EQ(m.apply(position_record(2, 0, 1, 100)), MirrorError::kPositionOfOtherAccount);
  ASSERT_EQ(m.apply(account_record(1, 99, 2)), MirrorError::kNone);
  ASSERT_EQ(m.apply(position_record(1, 0, 1, 100)), MirrorError::kNone);
  EXPECT_EQ(m.apply(position_record(1, 0, 2, 200)), MirrorError::kDuplicateInstrument);
  ASSERT_EQ(m.apply(account_record(1, 99, 1)), MirrorError::kNone);
  EXPECT_EQ(m.apply(position_record(1, 1, 0, 0)), MirrorError::kZeroQuantity);
  ASSERT_EQ(m.apply(account_record(1, 99, 1)), MirrorError::kNone);
  EXPECT_EQ(m.apply(instrument_record(0, 100)), MirrorError::kGroupInterrupted);

  EXPECT_EQ(m.balance(0), 10);
  ASSERT_EQ(m.positions(0).size(), 1u);
  EXPECT_EQ(m.positions(0)[0].qty, 5);
}

}  // namespace
}  // namespace backstop::sizing
