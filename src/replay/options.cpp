// The replay's option parsers (declared in replay.hpp): --shock PCT:MIN and --policy NAME.
#include <fmt/format.h>

#include <array>

#include "replay/replay.hpp"

namespace backstop::replay {

using marketdata::Decimal;
using marketdata::DecimalError;
using marketdata::FixedResult;
using marketdata::FixedStatus;
using marketdata::Rounding;

bool try_parse_shock(std::string_view text, Shock& out, std::string& error) {
  const std::size_t colon = text.find(':');
  Decimal pct;
  Decimal minutes;
  if (colon == std::string_view::npos ||
      try_parse_decimal(text.substr(0, colon), pct) != DecimalError::kOk ||
      try_parse_decimal(text.substr(colon + 1), minutes) != DecimalError::kOk) {
    error = fmt::format("--shock '{}': expected PCT:MINUTES, e.g. -30:10", text);
    return false;
  }
  const FixedResult ppb = to_fixed(pct, 7, Rounding::kNearest);     // percent -> parts per billion
  const FixedResult ns = to_fixed(minutes, 9, Rounding::kNearest);  // nanominutes
  if (ppb.status == FixedStatus::kOverflow || ns.status == FixedStatus::kOverflow ||
      ppb.value <= -900'000'000 || ppb.value > 10'000'000'000 || ns.value <= 0 ||
      ns.value > INT64_MAX / 60) {
    error = fmt::format("--shock '{}': PCT must be in (-90, 1000] and MINUTES > 0", text);
    return false;
  }
  out.pct_ppb = ppb.value;
  out.duration_ns = ns.value * 60;
  return true;
}

bool try_parse_policy(std::string_view text, ReplayOptions& out, std::string& error) {
  struct Choice {
    std::string_view name;
    AdlPolicy policy;
    AdlScore score;
    AdlPrice price;
  };
  static constexpr std::array<Choice, 5> kChoices{{
      {"ranked", AdlPolicy::kRanked, AdlScore::kBitmex, AdlPrice::kBankruptcy},
      {"ranked-binance", AdlPolicy::kRanked, AdlScore::kBinance, AdlPrice::kBankruptcy},
      {"ranked-hyperliquid", AdlPolicy::kRanked, AdlScore::kHyperliquid, AdlPrice::kMark},
      {"pro-rata", AdlPolicy::kProRata, AdlScore::kBitmex, AdlPrice::kBankruptcy},
      {"socialized", AdlPolicy::kSocialized, AdlScore::kBitmex, AdlPrice::kBankruptcy},
  }};
  for (const Choice& c : kChoices) {
    if (c.name != text) continue;
    out.policy = c.policy;
    out.score = c.score;
    out.adl_price = c.price;
    return true;
  }
  error = fmt::format(
      "--policy '{}': expected ranked, ranked-binance, ranked-hyperliquid, pro-rata or socialized",
      text);
  return false;
}

}  // namespace backstop::replay
