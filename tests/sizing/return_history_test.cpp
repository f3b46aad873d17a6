#include "sizing/return_history.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

namespace backstop::sizing {
namespace {

constexpr std::int64_t kMinute = kDefaultReturnIntervalNs;

TEST(ReturnHistory, OneReturnPerBoundaryFromTheLastPriceAtOrBeforeIt) {
  ReturnHistory history(1, 8);
  // Boundaries at 1, 2, 3 minutes: prices 100 (at 1 exactly), 110 (last before 2), 99 (at 3).
  ASSERT_EQ(history.try_add(0, 30 * 1'000'000'000LL, 90.0), SampleRejection::kNone);
  ASSERT_EQ(history.try_add(0, kMinute, 100.0), SampleRejection::kNone);
  ASSERT_EQ(history.try_add(0, kMinute + 10, 105.0), SampleRejection::kNone);
  ASSERT_EQ(history.try_add(0, 2 * kMinute - 1, 110.0), SampleRejection::kNone);
  ASSERT_EQ(history.try_add(0, 3 * kMinute, 99.0), SampleRejection::kNone);
  EXPECT_EQ(history.count(), 1u);  // boundary 3 is not closed until a later sample
  ASSERT_EQ(history.try_add(0, 3 * kMinute + 1, 98.0), SampleRejection::kNone);
  ASSERT_EQ(history.count(), 2u);
  EXPECT_EQ(history.boundary_ns(0), kMinute);
  const JointReturns joint = history.joint();
  EXPECT_NEAR(joint.log_return(0, 0), std::log(110.0 / 100.0), 1e-15);
  EXPECT_NEAR(joint.log_return(0, 1), std::log(99.0 / 110.0), 1e-15);
  EXPECT_NEAR(joint.horizon_return(0, 0, 2), std::log(99.0 / 100.0), 1e-15);
}

TEST(ReturnHistory, GapsCarryTheLastPriceForward) {
  ReturnHistory history(1, 16);
  ASSERT_EQ(history.try_add(0, 0, 100.0), SampleRejection::kNone);
  // Nothing for 4 minutes, then 120: boundaries 1..4 all see 100.
  ASSERT_EQ(history.try_add(0, 4 * kMinute + 5, 120.0), SampleRejection::kNone);
  ASSERT_EQ(history.try_add(0, 5 * kMinute + 5, 120.0), SampleRejection::kNone);
  ASSERT_EQ(history.count(), 5u);
  const JointReturns joint = history.joint();
  for (std::size_t k = 0; k < 4; ++k)
    EXPECT_EQ(joint.log_return(0, k), 0.0) << k;
  EXPECT_NEAR(joint.log_return(0, 4), std::log(1.2), 1e-15);
}

TEST(ReturnHistory, InstrumentsShareTheGridAndALateListingStartsAtZero) {
  ReturnHistory history(2, 16);
  ASSERT_EQ(history.try_add(0, 0, 100.0), SampleRejection::kNone);
  ASSERT_EQ(history.try_add(0, kMinute, 101.0), SampleRejection::kNone);
  ASSERT_EQ(history.try_add(1, kMinute, 50.0), SampleRejection::kNone);  // listed later
  ASSERT_EQ(history.try_add(0, 2 * kMinute, 102.0), SampleRejection::kNone);
  ASSERT_EQ(history.try_add(1, 2 * kMinute, 55.0), SampleRejection::kNone);
  ASSERT_EQ(history.try_add(0, 2 * kMinute + 1, 102.0), SampleRejection::kNone);
  ASSERT_EQ(history.count(), 2u);
  const JointReturns joint = history.joint();
  EXPECT_NEAR(joint.log_return(0, 0), std::log(101.0 / 100.0), 1e-15);
  EXPECT_NEAR(joint.log_return(0, 1), std::log(102.0 / 101.0), 1e-15);
  EXPECT_EQ(joint.log_return(1, 0), 0.0);  // no price at boundary 0
  EXPECT_NEAR(joint.log_return(1, 1), std::log(55.0 / 50.0), 1e-15);
  EXPECT_EQ(history.first_priced_index(0), 0u);
  EXPECT_EQ(history.first_priced_index(1), 1u);
}

TEST(ReturnHistory, RefusesBadSamplesWithTheirReasonAndKeepsWhatItHad) {
  ReturnHistory history(1, 4);
  ASSERT_EQ(history.try_add(0, 0, 100.0), SampleRejection::kNone);
  ASSERT_EQ(history.try_add(0, kMinute + 1, 110.0), SampleRejection::kNone);
  EXPECT_EQ(history.try_add(0, kMinute, 111.0), SampleRejection::kOutOfOrder);
  EXPECT_EQ(history.try_add(0, 2 * kMinute, 0.0), SampleRejection::kNonPositivePrice);
  EXPECT_EQ(history.try_add(0, 2 * kMinute, -1.0), SampleRejection::kNonPositivePrice);
  EXPECT_EQ(history.try_add(0, 2 * kMinute, std::nan("")), SampleRejection::kNonPositivePrice);
  EXPECT_EQ(history.try_add(0, 2 * kMinute, INFINITY), SampleRejection::kNonPositivePrice);
  EXPECT_EQ(history.try_add(1, 2 * kMinute, 100.0), SampleRejection::kUnknownInstrument);
  // Equal times are in order. The sample at 1 min + 1 closed boundaries 0 and 1 min (both at
  // 100); 2 min + 1 closes 2 min at 120.
  EXPECT_EQ(history.try_add(0, kMinute + 1, 120.0), SampleRejection::kNone);
  ASSERT_EQ(history.try_add(0, 2 * kMinute + 1, 120.0), SampleRejection::kNone);
  ASSERT_EQ(history.count(), 2u);
  EXPECT_EQ(history.joint().log_return(0, 0), 0.0);
  EXPECT_NEAR(history.joint().log_return(0, 1), std::log(1.2), 1e-15);
  EXPECT_STREQ(to_string(SampleRejection::kOutOfOrder),
               "sample earlier than the last accepted one");
}

TEST(ReturnHistory, FullIsARefusalThatLosesNothing) {
  ReturnHistory history(1, 3);
  ASSERT_EQ(history.try_add(0, 0, 100.0), SampleRejection::kNone);
  // Closes boundaries 0, 1 and 2 min, all at 100: two zero returns.
  ASSERT_EQ(history.try_add(0, 2 * kMinute + 1, 101.0), SampleRejection::kNone);
  ASSERT_EQ(history.count(), 2u);
  // A gap that would close 5 more boundaries does not fit: refused whole.
  EXPECT_EQ(history.try_add(0, 7 * kMinute + 1, 150.0), SampleRejection::kHistoryFull);
  EXPECT_EQ(history.count(), 2u);
  // The third: boundary 3 min at 101.
  ASSERT_EQ(history.try_add(0, 3 * kMinute + 1, 102.0), SampleRejection::kNone);
  ASSERT_EQ(history.count(), 3u);
  EXPECT_EQ(history.try_add(0, 4 * kMinute + 1, 103.0), SampleRejection::kHistoryFull);
  // Within the current interval nothing closes, so a sample still fits.
  EXPECT_EQ(history.try_add(0, 4 * kMinute, 103.0), SampleRejection::kNone);
  const JointReturns joint = history.joint();
  EXPECT_EQ(joint.count(), 3u);
  EXPECT_NEAR(joint.horizon_return(0, 0, 3), std::log(101.0 / 100.0), 1e-15);
  EXPECT_EQ(joint.log_return(0, 0), 0.0);
  EXPECT_EQ(joint.log_return(0, 1), 0.0);
  EXPECT_NEAR(joint.log_return(0, 2), std::log(101.0 / 100.0), 1e-15);
}

TEST(ReturnHistory, HorizonReturnsAreOverlappingSumsOfIntervalReturns) {
  ReturnHistory history(1, 64, 1000);
  const double prices[] = {100, 103, 101, 98, 104, 107, 99, 100, 102, 101};
  for (int k = 0; k < 10; ++k) {
    ASSERT_EQ(history.try_add(0, k * 1000, prices[k]), SampleRejection::kNone);
  }
  ASSERT_EQ(history.try_add(0, 10 * 1000, 100.0), SampleRejection::kNone);
  const JointReturns joint = history.joint();
  ASSERT_EQ(joint.count(), 9u);
  EXPECT_EQ(joint.horizon_count(3), 7u);
  EXPECT_EQ(joint.horizon_count(10), 0u);
  EXPECT_EQ(joint.horizon_count(0), 0u);
  for (std::size_t start = 0; start + 3 <= 9; ++start) {
    double sum = 0;
    for (std::size_t k = start; k < start + 3; ++k)
      sum += joint.log_return(0, k);
    EXPECT_NEAR(joint.horizon_return(0, start, 3), sum, 1e-14);
    EXPECT_NEAR(joint.horizon_return(0, start, 3), std::log(prices[start + 3] / prices[start]),
                1e-14);
  }
}

// Prices that move every interval, so that each kept return can be checked against its time.
double price_at_interval(std::int64_t j) {
  return 100.0 + static_cast<double>((j * 5) % 7);
}

TEST(ReturnHistory, ARollingHistoryKeepsTheLatestReturns) {
  constexpr std::int64_t kInterval = 1000;
  for (const std::size_t capacity : {std::size_t{1}, std::size_t{8}, std::size_t{16}}) {
    ReturnHistory history(1, capacity, kInterval, WhenFull::kDropOldest);
    for (std::int64_t j = 0; j <= 40; ++j) {
      ASSERT_EQ(history.try_add(0, j * kInterval, price_at_interval(j)), SampleRejection::kNone);
    }
    ASSERT_EQ(history.try_add(0, 41 * kInterval, 1.0), SampleRejection::kNone);  // closes 40
    // Between 7/8 of the capacity and all of it; the last return ends at boundary 40.
    EXPECT_LE(history.count(), capacity);
    EXPECT_GE(history.count(), capacity - capacity / 8);
    EXPECT_EQ(history.boundary_ns(history.count()), 40 * kInterval);
    const JointReturns joint = history.joint();
    for (std::size_t k = 0; k < history.count(); ++k) {
      const std::int64_t j = history.boundary_ns(k) / kInterval;
      EXPECT_NEAR(joint.log_return(0, k), std::log(price_at_interval(j + 1) / price_at_interval(j)),
                  1e-12)
          << capacity << " " << k;
    }
    EXPECT_EQ(history.first_priced_index(0), 0u);
  }
}

TEST(ReturnHistory, ARollingHistorySkipsAGapLongerThanItself) {
  constexpr std::int64_t kInterval = 1000;
  ReturnHistory history(2, 4, kInterval, WhenFull::kDropOldest);
  ASSERT_EQ(history.try_add(0, 0, 100.0), SampleRejection::kNone);
  ASSERT_EQ(history.try_add(0, kInterval, 110.0), SampleRejection::kNone);
  // A billion intervals later: only the last 4 (zero) returns can be kept, and are, at once.
  const std::int64_t later = 1'000'000'000 * kInterval + 1;
  ASSERT_EQ(history.try_add(1, later, 50.0), SampleRejection::kNone);
  EXPECT_GE(history.count(), 3u);
  EXPECT_LE(history.count(), 4u);
  EXPECT_EQ(history.boundary_ns(history.count()), 1'000'000'000 * kInterval);
  for (std::size_t k = 0; k < history.count(); ++k) {
    EXPECT_EQ(history.joint().log_return(0, k), 0.0);
  }
  EXPECT_EQ(history.first_priced_index(0), 0u);
  EXPECT_EQ(history.first_priced_index(1), history.count());  // no price at a boundary yet
  ASSERT_EQ(history.try_add(1, later + kInterval, 55.0), SampleRejection::kNone);
  EXPECT_NEAR(history.joint().log_return(0, history.count() - 1), 0.0, 0.0);
  // Refusing is the default, even for the same gap.
  ReturnHistory fixed(1, 4, kInterval);
  ASSERT_EQ(fixed.try_add(0, 0, 100.0), SampleRejection::kNone);
  EXPECT_EQ(fixed.try_add(0, later, 100.0), SampleRejection::kHistoryFull);
}

TEST(ReturnHistory, RefusesANonPositiveIntervalAtConstruction) {
  EXPECT_THROW(ReturnHistory(1, 4, 0), std::invalid_argument);
  EXPECT_THROW(ReturnHistory(1, 4, -60), std::invalid_argument);
}

// Against a reference that, for every boundary, looks up each instrument's last sample at or
// before it among all the samples.
TEST(ReturnHistory, MatchesANaiveReferenceOnARandomStream) {
  constexpr std::int64_t kInterval = 1000;
  constexpr std::size_t kInstruments = 3;
  struct Sample {
    std::size_t instrument;
    std::int64_t time_ns;
    double price;
  };
  std::mt19937_64 rng(9);
  std::uniform_int_distribution<int> pick(0, kInstruments - 1);
  std::uniform_int_distribution<int> step(0, 2500);  // often 0 (equal times), sometimes gaps
  std::uniform_real_distribution<double> price(50, 150);
  std::vector<Sample> samples;
  std::int64_t t = 12'345;
  for (int i = 0; i < 2000; ++i) {
    t += step(rng) < 500 ? 0 : step(rng);
    samples.push_back({static_cast<std::size_t>(pick(rng)), t, price(rng)});
  }
  ReturnHistory history(kInstruments, 10'000, kInterval);
  for (const Sample& s : samples) {
    ASSERT_EQ(history.try_add(s.instrument, s.time_ns, s.price), SampleRejection::kNone);
  }
  // Boundaries from the first at or after the first sample, each strictly before the last sample.
  const std::int64_t first = (samples.front().time_ns + kInterval - 1) / kInterval * kInterval;
  std::vector<std::int64_t> boundaries;
  for (std::int64_t b = first; b < samples.back().time_ns; b += kInterval)
    boundaries.push_back(b);
  ASSERT_EQ(history.count(), boundaries.size() - 1);
  const JointReturns joint = history.joint();
  for (std::size_t i = 0; i < kInstruments; ++i) {
    auto price_at = [&](std::int64_t b) {
      double p = 0;
      for (const Sample& s : samples) {
        if (s.time_ns <= b && s.instrument == i) p = s.price;
      }
      return p;
    };
    for (std::size_t k = 0; k + 1 < boundaries.size(); ++k) {
      const double before = price_at(boundaries[k]);
      const double after = price_at(boundaries[k + 1]);
      const double expected = before > 0 ? std::log(after / before) : 0.0;
      ASSERT_NEAR(joint.log_return(i, k), expected, 1e-12) << i << " " << k;
    }
  }
}

}  // namespace
}  // namespace backstop::sizing
