// Ready-made venue conventions (venue_conventions.hpp): what each venue does, each with the page
// that says so in docs/conventions.md, and reproduced on the venue's own worked examples by the
// `Preset*` tests. A preset sets the conventions only: brackets, fee rates and the waterfall stay
// the embedder's. Cold; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "backstop/venue_conventions.hpp"

namespace backstop::presets {

// Binance USDⓈ-M / COIN-M: margin on the mark value with the bracket's maintenance amount; prices
// without the closing fee; the liquidation clearance fee and the rest of the surplus to the
// insurance fund.
VenueConventions binance();
// Bybit (classic USDT perpetual, isolated): margin on the entry value, the whole position at its
// risk-limit tier's rate; the fee to close (taker fee) in the bankruptcy and liquidation prices;
// the surplus to the insurance fund.
VenueConventions bybit();
// BitMEX: margin on the entry value (its liquidation examples are exact only so), the whole
// position at its risk-limit step's rate; the surplus to the insurance fund.
VenueConventions bitmex();
// dYdX v4: margin on the oracle price; liquidation orders limited at the fillable price (SMMR 1.5);
// the insurance fund takes the surplus up to max_liquidation_fee_ppm (1.5 %), the trader keeps the
// rest.
VenueConventions dydx();
// Hyperliquid: margin on the mark value with the tier's maintenance deduction; the trader keeps
// what an order-book liquidation leaves.
VenueConventions hyperliquid();
// Drift: margin on the oracle price; the liquidation fee to the insurance fund, the rest back to
// the trader.
VenueConventions drift();

// The preset named `name` ("binance", "bybit", "bitmex", "dydx", "hyperliquid", "drift").
std::optional<VenueConventions> venue_by_name(std::string_view name);
// The names venue_by_name knows, comma-separated (for error messages).
std::string venue_names();

}  // namespace backstop::presets
