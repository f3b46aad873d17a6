// The revaluation band allocates nothing (revaluation_band.hpp): the engine computes it on the hot
// path whenever an options account is revalued, over scratch sized at start-up.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "backstop/options/revaluation_band.hpp"

#include "alloc/counting_allocator.hpp"

namespace backstop {
namespace {

TEST(RevaluationBandAlloc, ComputingABandAllocatesNothing) {
  const std::vector<PortfolioOption> options{
      {OptionRight::kCall, 62000, 7 * kNanosPerDay, -5, 10'000, 60000, 600'000},
      {OptionRight::kPut, 58000, 7 * kNanosPerDay, -5, 10'000, 60000, 650'000},
      {OptionRight::kCall, 62000, 60 * kNanosPerDay, 5, 10'000, 60300, 550'000}};
  const std::vector<PortfolioFuture> futures{{3, 10'000, 60000}};
  BookMarginInputs in;
  in.book = PortfolioBook{OptionSettlement::kLinear, 0, options, futures};
  in.underlying_ticks = 60000;
  in.other_equity = 5'000'000'000;
  std::vector<Int128> losses(scenario_count(in.portfolio));
  std::vector<RevaluationBandTerm> terms(revaluation_band_term_count(in));
  const std::uint64_t before = allocation_count();
  std::int64_t width = 0;
  for (int i = 0; i < 20; ++i) {
    in.model = i % 2 == 0 ? OptionMarginModel::kPortfolio : OptionMarginModel::kStandard;
    const RevaluationBand b = revaluation_band(in, RevaluationBandRequest{}, losses, terms);
    ASSERT_TRUE(b.ok());
    width += b.high_ticks - b.low_ticks;
  }
  EXPECT_EQ(allocation_count() - before, 0u);
  EXPECT_GT(width, 0);
}

}  // namespace
}  // namespace backstop
