// The coverage book's slippage curves (coverage_book.hpp) from one book-depth snapshot
// (docs/coverage.md): closing a long sells into the bids, closing a short buys from the asks. Band
// k (k = 1 ... 5 % from mid), in lots at the mark and valued like a position (V_k), is spread
// evenly over its 1 % of price, so closing V_k costs sum_{j<=k} (V_j - V_{j-1}) x (j - 1/2) %,
// rounded up: a cost to the account is never understated. Cold code, the replay's generating
// thread.
#pragma once

#include <cstdint>
#include <optional>

#include "backstop/instrument.hpp"
#include "replay/book_depth.hpp"
#include "replay/instrument_map.hpp"
#include "sizing/coverage_book.hpp"

namespace backstop::replay {

struct DepthSlippage {
  std::optional<sizing::SlippageCurve> sell;  // none where the side is empty
  std::optional<sizing::SlippageCurve> buy;
};

// Precondition: mark_ticks > 0.
[[nodiscard]] DepthSlippage depth_slippage(const DepthSnapshot& d, const MappedInstrument& m,
                                           const InstrumentRisk& risk, std::int64_t mark_ticks);

}  // namespace backstop::replay
