#include "marketdata/record_checks.hpp"

#include <algorithm>

#include "marketdata/line_parser.hpp"

namespace backstop::marketdata {

PriceReference::Window* PriceReference::find(const Symbol& symbol) {
  if (last_ < windows_.size() && windows_[last_].symbol == symbol) return &windows_[last_];
  for (std::size_t i = 0; i < windows_.size(); ++i) {
    if (windows_[i].symbol == symbol) {
      last_ = i;
      return &windows_[i];
    }
  }
  if (windows_.size() >= kMaxReferenceSymbols) return nullptr;
  windows_.push_back(Window{symbol});
  last_ = windows_.size() - 1;
  return &windows_.back();
}

bool PriceReference::plausible(const Symbol& symbol, double price) {
  Window* w = find(symbol);
  if (w == nullptr) return true;
  const bool judged = w->count >= kReferenceMinimum;
  const bool ok =
      !judged || (price <= w->median * kOutlierFactor && price * kOutlierFactor >= w->median);
  w->prices[w->count % kReferenceWindow] = price;
  ++w->count;
  // While the window fills, every price moves the reference; then every kReferenceRefresh-th.
  if (w->count <= kReferenceWindow || w->count % kReferenceRefresh == 0) {
    const std::size_t n = std::min(w->count, kReferenceWindow);
    std::array<double, kReferenceWindow> sorted = w->prices;
    // Odd n: the middle; even n: the upper middle (deterministic either way).
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(n / 2),
                     sorted.begin() + static_cast<std::ptrdiff_t>(n));
    w->median = sorted[n / 2];
  }
  return ok;
}

namespace {

// Checks of one record: each returns false after rejecting the line through `p`.
class RecordChecker {
 public:
  RecordChecker(LineParser& p, PriceReference& reference, const MarketRecord& r)
      : p_(p), reference_(reference), r_(r) {}

  bool price(std::string_view label, Decimal d) {
    if (d.mantissa <= 0) return p_.reject_number("price must be > 0", label, d);
    const double v = to_double(d);
    if (v < kMinPrice || v > kMaxPrice) {
      return p_.reject_number("price out of range [1e-8, 1e12]", label, d);
    }
    if (!reference_.plausible(r_.symbol, v)) {
      return p_.reject_number("price more than 10x away from the file's recent prices", label, d);
    }
    return true;
  }
  // A price that may be absent (zero), else checked as a price.
  bool optional_price(std::string_view label, Decimal d) {
    return d.mantissa == 0 || price(label, d);
  }
  bool quantity(std::string_view label, Decimal d, bool positive) {
    if (positive && d.mantissa <= 0) return p_.reject_number("size must be > 0", label, d);
    if (d.mantissa < 0) return p_.reject_number("must not be negative", label, d);
    if (to_double(d) > kMaxQuantity) return p_.reject_number("out of range [0, 1e15]", label, d);
    return true;
  }
  bool count(std::string_view label) {
    if (r_.count < 0) return p_.reject("must not be negative", label);
    return true;
  }

  bool check() {
    switch (r_.kind) {
      case RecordKind::kTrade:
      case RecordKind::kLiquidation:
        return price("price", r_.price) && quantity("size", r_.size, true) &&
               quantity("quote quantity", r_.amount, false);
      case RecordKind::kMarkPrice:
      case RecordKind::kIndexPrice:
        return price("price", r_.price);
      case RecordKind::kFundingRate: {
        const double rate = to_double(r_.price);
        if (rate < -kMaxFundingRate || rate > kMaxFundingRate) {
          return p_.reject_number("funding rate out of range [-1, 1]", "funding_rate", r_.price);
        }
        return count("funding interval");
      }
      case RecordKind::kOpenInterest:
        return quantity("open_interest", r_.size, false);
      case RecordKind::kCandle:
        return check_candle();
      case RecordKind::kDepth: {
        const double band = to_double(r_.band_pct);
        if (r_.band_pct.mantissa == 0 || band < -kMaxDepthBandPct || band > kMaxDepthBandPct) {
          return p_.reject_number("band must be non-zero, within ±100 % of mid", "percentage",
                                  r_.band_pct);
        }
        return quantity("depth", r_.size, false) && quantity("notional", r_.amount, false) &&
               optional_price("weighted_avg_price", r_.price);
      }
    }
    return p_.reject("unknown record kind");
  }

 private:
  bool check_candle() {
    if (!price("open", r_.open) || !price("high", r_.high) || !price("low", r_.low) ||
        !price("close", r_.price)) {
      return false;
    }
    const double open = to_double(r_.open), high = to_double(r_.high), low = to_double(r_.low),
                 close = to_double(r_.price);
    if (low > high) return p_.reject_number("low above high", "low", r_.low);
    if (open < low || open > high)
      return p_.reject_number("open outside [low, high]", "open", r_.open);
    if (close < low || close > high) {
      return p_.reject_number("close outside [low, high]", "close", r_.price);
    }
    return quantity("volume", r_.size, false) && quantity("quote volume", r_.amount, false) &&
           count("count");
  }

  LineParser& p_;
  PriceReference& reference_;
  const MarketRecord& r_;
};

}  // namespace

bool check_records(LineParser& p, PriceReference& reference) {
  for (std::size_t i = 0; i < p.batch_size; ++i) {
    if (!RecordChecker(p, reference, p.batch[i]).check()) return false;
  }
  return true;
}

}  // namespace backstop::marketdata
