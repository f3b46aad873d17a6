// The replay's copy of what the files gave, in file order, kept small. The replay must hold every
// record before it starts (the instruments and the population are fitted to the whole input), and
// a MarketRecord is about 200 bytes: a vector of them, and its regrowth, is a large share of a
// big file's page faults. Prints (trades, liquidations, mark prices: the bulk of trade and mark
// files) are kept in 32 bytes with what the replay reads of them; every other record is kept
// whole. Cold code, the replay's loading thread.
// Cost: O(1) amortized per record.
//
// What a print keeps: kind, exchange time, price, size, side and symbol (as an index into a table
// of the symbols seen). What it drops, because the replay never reads it of a print: aux_ts_ns,
// local_ts_ns, id, count, amount and the candle/depth fields. Prints of more than kMaxSymbols
// symbols are kept whole past the first kMaxSymbols (a replay takes far fewer instruments).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "marketdata/market_record.hpp"

namespace backstop::replay {

class RecordStore {
 public:
  static constexpr std::size_t kMaxSymbols = 256;  // searched linearly (with a memo)

  void push(const marketdata::MarketRecord& r);
  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
  // Record `i` as pushed; a print with the fields it does not keep at their defaults.
  [[nodiscard]] marketdata::MarketRecord operator[](std::size_t i) const noexcept;
  // Calls f(const MarketRecord&) on every record in order, as operator[] gives it. Prints are
  // written into one scratch record, only the fields they keep (its others stay at their
  // defaults), instead of a fresh ~200-byte record per print.
  template <class F>
  void for_each(F&& f) const {
    marketdata::MarketRecord print;
    std::uint16_t symbol = kWhole;
    for (const Entry& e : entries_) {
      if (e.symbol == kWhole) {
        f(whole_[static_cast<std::size_t>(e.price_mantissa)]);
        continue;
      }
      if (e.symbol != symbol) {
        symbol = e.symbol;
        print.symbol = symbols_[symbol];
      }
      fill_print(e, print);
      f(std::as_const(print));
    }
  }
  // How many records are kept whole (for tests: prints are not).
  [[nodiscard]] std::size_t whole_records() const noexcept { return whole_.size(); }

  // Whether the store keeps `r` as a print (and so drops its other fields).
  [[nodiscard]] static bool is_print(marketdata::RecordKind kind) noexcept {
    return kind == marketdata::RecordKind::kTrade || kind == marketdata::RecordKind::kLiquidation ||
           kind == marketdata::RecordKind::kMarkPrice;
  }

 private:
  static constexpr std::uint16_t kWhole = UINT16_MAX;  // symbol index of an entry kept whole

  struct Entry {
    std::int64_t ts_ns;
    // A print's price and size mantissas; an entry kept whole has its index in whole_ in
    // price_mantissa.
    std::int64_t price_mantissa;
    std::int64_t size_mantissa;
    std::uint16_t symbol;  // index into symbols_, or kWhole
    std::int8_t price_exponent;
    std::int8_t size_exponent;
    marketdata::RecordKind kind;
    marketdata::MarketSide side;
  };
  static_assert(sizeof(Entry) == 32);

  std::uint16_t symbol_index(const marketdata::Symbol& s);
  // Writes a print's fields but its symbol.
  static void fill_print(const Entry& e, marketdata::MarketRecord& r) noexcept {
    r.kind = e.kind;
    r.ts_ns = e.ts_ns;
    r.price = marketdata::Decimal{e.price_mantissa, e.price_exponent};
    r.size = marketdata::Decimal{e.size_mantissa, e.size_exponent};
    r.side = e.side;
  }

  std::vector<Entry> entries_;
  std::vector<marketdata::MarketRecord> whole_;
  std::vector<marketdata::Symbol> symbols_;
  // symbol_index's memo: records of one symbol come in runs.
  std::uint16_t last_symbol_ = kWhole;
};

}  // namespace backstop::replay
