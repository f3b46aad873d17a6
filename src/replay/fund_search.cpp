// search_min_fund(): the bisection of fund_sweep.hpp, independent of what a probe runs.
#include <algorithm>
#include <map>

#include "replay/fund_sweep.hpp"

namespace backstop::replay {

namespace {

std::int64_t round_up_to(std::int64_t v, std::int64_t step) {
  return (v + step - 1) / step * step;
}

// The power of ten at or below v (at least 1).
std::int64_t power_of_ten_below(std::int64_t v) {
  std::int64_t p = 1;
  while (p <= v / 10)
    p *= 10;
  return p;
}

class Search {
 public:
  Search(const FundProbeFn& probe, const FundSearchOptions& options)
      : probe_(probe), options_(options) {}

  std::optional<FundSearchResult> run(std::string& error) {
    const std::int64_t granularity = std::max<std::int64_t>(1, options_.granularity);
    result_.resolution = round_up_to(std::max(options_.resolution, granularity), granularity);
    const std::optional<FundProbe> zero = at(0, error);
    if (!zero) return std::nullopt;
    if (!zero->needs_end) return finish(0, std::nullopt, true);
    // The first upper bound: twice what fund 0's run covered, which a fund that size would have
    // covered had the path stayed the same.
    const std::int64_t guess =
        std::clamp<std::int64_t>(2 * std::clamp<std::int64_t>(zero->covered, 1, options_.max_fund),
                                 granularity, std::max(options_.max_fund, granularity));
    std::int64_t res = options_.resolution > 0
                           ? options_.resolution
                           : power_of_ten_below(std::max<std::int64_t>(guess / 1000, 1));
    res = round_up_to(std::max(res, granularity), granularity);
    result_.resolution = res;
    std::int64_t lo = 0;
    std::int64_t hi = round_up_to(guess, res);
    // Grow the bracket until its top needs no end.
    for (;;) {
      if (hi > options_.max_fund || result_.replays >= options_.max_replays)
        return finish_unfound(lo);
      const std::optional<FundProbe> p = at(hi, error);
      if (!p) return std::nullopt;
      if (!p->needs_end) break;
      lo = hi;
      if (hi > options_.max_fund / 2) return finish_unfound(lo);
      hi *= 2;
    }
    // Bisect on multiples of res: lo needs the end, hi does not.
    while (hi - lo > res) {
      if (result_.replays >= options_.max_replays) return finish(hi, lo, false);
      const std::int64_t mid = lo + (hi - lo) / res / 2 * res;
      const std::optional<FundProbe> p = at(mid, error);
      if (!p) return std::nullopt;
      (p->needs_end ? lo : hi) = mid;
    }
    return finish(hi, lo, true);
  }

 private:
  std::optional<FundProbe> at(std::int64_t fund, std::string& error) {
    std::optional<FundProbe> p = probe_(fund, error);
    if (!p) return std::nullopt;
    p->fund = fund;
    ++result_.replays;
    result_.probes.push_back(*p);
    done_[fund] = *p;
    return p;
  }

  FundSearchResult finish(std::int64_t found, std::optional<std::int64_t> below, bool converged) {
    result_.found = true;
    result_.converged = converged;
    result_.min_needed = found;
    result_.at = done_.at(found);
    if (below) result_.below = done_.at(*below);
    return std::move(result_);
  }

  FundSearchResult finish_unfound(std::int64_t lo) {
    result_.below = done_.at(lo);
    return std::move(result_);
  }

  const FundProbeFn& probe_;
  const FundSearchOptions& options_;
  FundSearchResult result_;
  std::map<std::int64_t, FundProbe> done_;
};

}  // namespace

std::optional<FundSearchResult> search_min_fund(const FundProbeFn& probe,
                                                const FundSearchOptions& options,
                                                std::string& error) {
  Search search(probe, options);
  return search.run(error);
}

}  // namespace backstop::replay
