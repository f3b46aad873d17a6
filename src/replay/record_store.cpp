#include "replay/record_store.hpp"

namespace backstop::replay {

using marketdata::MarketRecord;
using marketdata::Symbol;

std::uint16_t RecordStore::symbol_index(const Symbol& s) {
  if (last_symbol_ != kWhole && symbols_[last_symbol_] == s) return last_symbol_;
  for (std::size_t i = 0; i < symbols_.size(); ++i) {
    if (symbols_[i] == s) {
      last_symbol_ = static_cast<std::uint16_t>(i);
      return last_symbol_;
    }
  }
  if (symbols_.size() >= kMaxSymbols) return kWhole;  // table full: the record is kept whole
  symbols_.push_back(s);
  last_symbol_ = static_cast<std::uint16_t>(symbols_.size() - 1);
  return last_symbol_;
}

void RecordStore::push(const MarketRecord& r) {
  const std::uint16_t symbol = is_print(r.kind) ? symbol_index(r.symbol) : kWhole;
  if (symbol == kWhole) {
    entries_.push_back(
        Entry{r.ts_ns, static_cast<std::int64_t>(whole_.size()), 0, kWhole, 0, 0, r.kind, r.side});
    whole_.push_back(r);
    return;
  }
  entries_.push_back(Entry{r.ts_ns, r.price.mantissa, r.size.mantissa, symbol, r.price.exponent,
                           r.size.exponent, r.kind, r.side});
}

MarketRecord RecordStore::operator[](std::size_t i) const noexcept {
  const Entry& e = entries_[i];
  if (e.symbol == kWhole) return whole_[static_cast<std::size_t>(e.price_mantissa)];
  MarketRecord r;
  fill_print(e, r);
  r.symbol = symbols_[e.symbol];
  return r;
}

}  // namespace backstop::replay
