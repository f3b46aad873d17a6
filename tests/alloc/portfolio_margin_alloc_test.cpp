// Portfolio margin allocates nothing (portfolio_margin.hpp): it will run on the hot path, over a
// book and a scenario buffer the caller sized at start-up.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "backstop/options/portfolio_margin.hpp"

#include "alloc/counting_allocator.hpp"

namespace backstop {
namespace {

TEST(PortfolioMarginAlloc, RevaluingABookAllocatesNothing) {
  const std::vector<PortfolioOption> options{
      {OptionRight::kCall, 62000, 7 * kNanosPerDay, -5, 10'000, 60000, 600'000},
      {OptionRight::kPut, 58000, 7 * kNanosPerDay, -5, 10'000, 60000, 650'000},
      {OptionRight::kCall, 62000, 60 * kNanosPerDay, 5, 10'000, 60300, 550'000}};
  const std::vector<PortfolioFuture> futures{{3, 10'000, 60000}};
  const PortfolioMarginConfig config;
  std::vector<Int128> losses(scenario_count(config));
  const PortfolioBook book{OptionSettlement::kLinear, 0, options, futures};
  const std::uint64_t before = allocation_count();
  Int128 total = 0;
  for (int i = 0; i < 100; ++i) {
    const PortfolioMarginResult r = portfolio_margin(book, config, losses);
    ASSERT_TRUE(r.ok());
    total += r.maintenance;
  }
  EXPECT_EQ(allocation_count() - before, 0u);
  EXPECT_GT(total, 0);
}

}  // namespace
}  // namespace backstop
