#include "backstop/venue_presets.hpp"

#include <array>
#include <utility>

namespace backstop::presets {

VenueConventions binance() {
  return VenueConventions{};
}

VenueConventions bybit() {
  VenueConventions c;
  c.maintenance_basis = MarginBasis::kEntryValue;
  c.tiers = TierRule::kWholePosition;
  c.closing_fee_rate = 550;  // the taker fee, 0.055 %
  return c;
}

VenueConventions bitmex() {
  VenueConventions c;
  c.maintenance_basis = MarginBasis::kEntryValue;
  c.tiers = TierRule::kWholePosition;
  return c;
}

VenueConventions dydx() {
  VenueConventions c;
  c.surplus = SurplusRule::kFeeCapped;
  c.surplus_fee_cap_rate = 15'000;  // max_liquidation_fee_ppm
  c.order_limit = OrderLimit::kFillable;
  c.fillable_spread_ratio = 1'500'000;  // spread_to_maintenance_margin_ratio 1.5
  return c;
}

VenueConventions hyperliquid() {
  VenueConventions c;
  c.surplus = SurplusRule::kFeeOnly;
  return c;
}

VenueConventions drift() {
  VenueConventions c;
  c.surplus = SurplusRule::kFeeOnly;
  return c;
}

namespace {
using Preset = VenueConventions (*)();
constexpr std::array<std::pair<std::string_view, Preset>, 6> kPresets{{
    {"binance", binance},
    {"bybit", bybit},
    {"bitmex", bitmex},
    {"dydx", dydx},
    {"hyperliquid", hyperliquid},
    {"drift", drift},
}};
}  // namespace

std::optional<VenueConventions> venue_by_name(std::string_view name) {
  for (const auto& [n, f] : kPresets) {
    if (n == name) return f();
  }
  return std::nullopt;
}

std::string venue_names() {
  std::string all;
  for (const auto& [n, f] : kPresets) {
    if (!all.empty()) all += ", ";
    all += n;
  }
  return all;
}

}  // namespace backstop::presets
