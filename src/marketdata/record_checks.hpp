// What every record a reader produces must satisfy before it is handed out: the sanity of its
// numbers (positive prices and sizes, a candle's low at or below its high ...), their range (so
// that no later conversion to the engine's integers can overflow or lose the instrument's scale),
// and the plausibility of its prices against the file's own recent prices. A record that fails
// makes its line malformed: counted, named by file and line, fatal under fatal_malformed
// (docs/replay.md, "Malformed input"). One thread (the reader's). Cost: a few compares per number;
// the price reference adds one window update per price and a median of kReferenceWindow prices
// every kReferenceRefresh prices; no allocation but once per new symbol.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "marketdata/market_record.hpp"

namespace backstop::marketdata {

struct LineParser;

// Ranges every parsed number must fall in. Prices (trade, mark, index, candle, a depth band's
// average) lie in [kMinPrice, kMaxPrice]; sizes, volumes, open interest and notionals in
// [0, kMaxQuantity] (trade and liquidation sizes > 0); funding rates in [-kMaxFundingRate,
// kMaxFundingRate] (a fraction per interval); a depth band within ±kMaxDepthBandPct of mid. The
// bounds hold every listed market with orders of magnitude to spare, and keep every conversion the
// replay makes (ticks as fine as 1e-8, lots, notionals) inside int64.
inline constexpr double kMinPrice = 1e-8;
inline constexpr double kMaxPrice = 1e12;
inline constexpr double kMaxQuantity = 1e15;
inline constexpr double kMaxFundingRate = 1.0;
inline constexpr double kMaxDepthBandPct = 100.0;

// The plausibility rule: a price more than kOutlierFactor times above or below the reference of
// its symbol in the file is malformed. The reference is the median of the last kReferenceWindow
// prices of the symbol read before it in the same file (accepted or not, so that a lasting move
// becomes the reference after about half a window), recomputed every kReferenceRefresh prices;
// the symbol's first kReferenceMinimum prices have no reference and are only range-checked.
// Deterministic: it depends on the file's text alone.
inline constexpr double kOutlierFactor = 10.0;
inline constexpr std::size_t kReferenceWindow = 31;
inline constexpr std::size_t kReferenceMinimum = 1;
inline constexpr std::size_t kReferenceRefresh = 8;
inline constexpr std::size_t kMaxReferenceSymbols = 256;  // further symbols: range checks only

class PriceReference {
 public:
  void reset() noexcept { windows_.clear(); }
  // Whether `price` lies within kOutlierFactor of `symbol`'s reference (true while it has none);
  // `price` joins the symbol's window either way.
  [[nodiscard]] bool plausible(const Symbol& symbol, double price);

 private:
  struct Window {
    Symbol symbol;
    std::array<double, kReferenceWindow> prices{};
    std::size_t count = 0;  // prices seen (the window holds the last kReferenceWindow)
    double median = 0;      // the reference; valid once count >= kReferenceMinimum
  };
  Window* find(const Symbol& symbol);

  std::vector<Window> windows_;
  std::size_t last_ = 0;  // find's memo: records of one symbol come in runs
};

// Checks the records of the line `p` holds (p.batch); false when one fails, with p's reason, field
// and text saying which number and why.
[[nodiscard]] bool check_records(LineParser& p, PriceReference& reference);

}  // namespace backstop::marketdata
