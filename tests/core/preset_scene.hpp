// The `Preset*` tests' venue: an engine built from a venue preset (venue_presets.hpp) and
// instruments written in the venue's own units, so that each venue's published worked example can
// be replayed through the public API (events in, queries out) and compared to the tick. It reuses
// the waterfall tests' Venue (waterfall_scene.hpp: records every waterfall record and checks
// conservation after every event) and adds the queries by account id.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "backstop/venue_presets.hpp"
#include "waterfall_scene.hpp"

namespace backstop::test {

// One instrument in venue units. `multiplier` is Money per (tick x lot) for a linear contract and
// Money x ticks per lot for an inverse one (instrument.hpp); the band is [1, max_price] ticks, the
// mark starts at `mark` and one account may hold up to `max_lots`.
inline InstrumentSpec venue_instrument(const char* symbol, ContractKind kind,
                                       std::int64_t multiplier, std::int64_t mark,
                                       std::int64_t max_price, std::int64_t max_lots,
                                       std::vector<MarginBracket> brackets) {
  InstrumentSpec s;
  s.symbol = symbol;
  s.kind = kind;
  s.multiplier = multiplier;
  s.min_price = Price{1};
  s.max_price = Price{max_price};
  s.initial_mark = Price{mark};
  s.max_position = Qty{max_lots};
  s.brackets = std::move(brackets);
  return s;
}

// One settlement asset, the given instruments, the venue's conventions, and the liquidation mode;
// account kBackstop (waterfall_scene.hpp) is the backstop when liquidation is on.
inline RiskConfig preset_config(const VenueConventions& venue,
                                std::vector<InstrumentSpec> instruments,
                                LiquidationMode mode = LiquidationMode::kOff) {
  RiskConfig c;
  c.max_accounts = 64;
  c.positions_per_account = 4;
  c.asset_count = 1;
  c.instruments = std::move(instruments);
  c.venue = venue;
  c.waterfall.mode = mode;
  c.waterfall.backstop_accounts = {kBackstop};
  return c;
}

struct PresetVenue : Venue {
  using Venue::Venue;

  // `buyer` buys `lots` of `instrument` from `seller` at `price` (the buyer is the taker).
  void trade_in(std::uint16_t instrument, std::uint64_t buyer, std::uint64_t seller,
                std::int64_t price, std::int64_t lots) {
    ok(make_fill(instrument, Side::kBuy, buyer, seller, Price{price}, Qty{lots}));
  }
  void mark_in(std::uint16_t instrument, std::int64_t m) { ok(make_mark(instrument, Price{m})); }

  // The embedder's queries, by account id.
  AccountMargin margin_of(std::uint64_t id) const {
    const std::optional<AccountMargin> m = e.margin(AccountId{id});
    EXPECT_TRUE(m.has_value()) << "account " << id;
    return m.value_or(AccountMargin{0, 0, 0});
  }
  std::int64_t equity(std::uint64_t id) const {
    return static_cast<std::int64_t>(margin_of(id).equity);
  }
  std::int64_t maintenance(std::uint64_t id) const {
    return static_cast<std::int64_t>(margin_of(id).maintenance);
  }
  std::int64_t initial(std::uint64_t id) const {
    return static_cast<std::int64_t>(margin_of(id).initial);
  }
  // A price query's answer in ticks; -1 when it has none.
  std::int64_t bankruptcy(std::uint64_t id, std::uint16_t instrument = 0) const {
    const std::optional<Price> p = e.bankruptcy_price(AccountId{id}, instrument);
    return p ? p->raw() : -1;
  }
  std::int64_t liquidation(std::uint64_t id, std::uint16_t instrument = 0) const {
    const std::optional<Price> p = e.liquidation_price(AccountId{id}, instrument);
    return p ? p->raw() : -1;
  }
  bool liquidatable(std::uint64_t id) const {
    return e.account(slot(id)).status != AccountStatus::kHealthy;
  }
  // The limit price of the last LiquidationOrder recorded for `id` in `instrument`; -1 if none.
  std::int64_t order_limit(std::uint64_t id, std::uint16_t instrument = 0) const {
    std::int64_t limit = -1;
    for (const WaterfallRecord& r : records) {
      if (r.kind == WaterfallKind::kLiquidationOrder && r.account == id &&
          r.instrument == instrument) {
        limit = r.before;
      }
    }
    return limit;
  }
};

}  // namespace backstop::test
