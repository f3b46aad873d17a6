#include "sizing/scenario_set.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <unordered_map>

#include <fmt/core.h>

#include <toml++/toml.h>

namespace backstop::sizing {

namespace {

// A shock must leave a positive price: the fall is less than 100 %.
bool valid_shock(double x) noexcept {
  return std::isfinite(x) && x > -1.0;
}

std::string percent(double fraction) {
  return fmt::format("{:+g}%", fraction * 100.0);
}

}  // namespace

std::string base_asset_of(std::string_view symbol) {
  std::string_view base = symbol.substr(0, symbol.find_first_of("_-"));
  static constexpr std::array<std::string_view, 5> kQuotes{"USDT", "USDC", "BUSD", "FDUSD", "USD"};
  for (const std::string_view quote : kQuotes) {
    if (base.size() > quote.size() && base.ends_with(quote)) {
      base.remove_suffix(quote.size());
      break;
    }
  }
  if (base == "XBT") return "BTC";
  return std::string{base};
}

UnderlyingMap underlyings_by_base_asset(std::span<const InstrumentSpec> instruments) {
  UnderlyingMap map;
  for (const InstrumentSpec& spec : instruments) {
    const std::string base = base_asset_of(spec.symbol);
    const auto it = std::find(map.names.begin(), map.names.end(), base);
    map.of_instrument.push_back(static_cast<std::uint32_t>(it - map.names.begin()));
    if (it == map.names.end()) map.names.push_back(base);
  }
  return map;
}

ScenarioSet::ScenarioSet(UnderlyingMap underlyings) : underlyings_(std::move(underlyings)) {}

void ScenarioSet::push(std::string name, std::span<const double> shock_by_instrument) {
  names_.push_back(std::move(name));
  shocks_.insert(shocks_.end(), shock_by_instrument.begin(), shock_by_instrument.end());
}

std::string ScenarioSet::add(std::string name, std::span<const double> shock_by_underlying) {
  if (shock_by_underlying.size() != underlyings_.names.size()) {
    return fmt::format("scenario {}: {} shocks for {} underlyings", name,
                       shock_by_underlying.size(), underlyings_.names.size());
  }
  for (const double x : shock_by_underlying) {
    if (!valid_shock(x)) return fmt::format("scenario {}: shock {} is not above -1", name, x);
  }
  std::vector<double> per_instrument(instrument_count());
  for (std::size_t i = 0; i < per_instrument.size(); ++i)
    per_instrument[i] = shock_by_underlying[underlyings_.of_instrument[i]];
  push(std::move(name), per_instrument);
  return {};
}

std::string ScenarioSet::add_grid(const GridOptions& options) {
  if (options.steps == 0) return "grid.steps: must be at least 1";
  if (!(options.scan_range > 0.0 && options.scan_range < 1.0))
    return "grid.scan_range: must be in (0, 1)";
  const std::size_t n = underlyings_.names.size();
  std::vector<double> shock(n);
  for (std::uint32_t k = 1; k <= options.steps; ++k) {
    const double magnitude = options.scan_range * k / options.steps;
    for (const double fraction : {-magnitude, magnitude}) {
      if (options.all_underlyings_together) {
        std::fill(shock.begin(), shock.end(), fraction);
        (void)add(fmt::format("grid all {}", percent(fraction)), shock);
      }
      if (options.each_underlying_alone && n > 1) {
        for (std::size_t u = 0; u < n; ++u) {
          std::fill(shock.begin(), shock.end(), 0.0);
          shock[u] = fraction;
          (void)add(fmt::format("grid {} {}", underlyings_.names[u], percent(fraction)), shock);
        }
      }
    }
  }
  return {};
}

std::string ScenarioSet::add_historical(
    std::span<const std::span<const double>> returns_by_instrument,
    const HistoricalOptions& options) {
  const std::size_t instruments = instrument_count();
  if (returns_by_instrument.size() != instruments) {
    return fmt::format("historical: {} return series for {} instruments",
                       returns_by_instrument.size(), instruments);
  }
  if (instruments == 0) return {};
  const std::size_t times = returns_by_instrument[0].size();
  for (std::size_t i = 0; i < instruments; ++i) {
    if (returns_by_instrument[i].size() != times) {
      return fmt::format("historical: series {} has {} returns, series 0 has {}", i,
                         returns_by_instrument[i].size(), times);
    }
    for (std::size_t t = 0; t < times; ++t) {
      if (!valid_shock(returns_by_instrument[i][t])) {
        return fmt::format("historical: series {} return {} at {} is not above -1", i,
                           returns_by_instrument[i][t], t);
      }
    }
  }
  // Times already taken, so that one crash that is the worst for two underlyings is one scenario.
  std::vector<bool> taken(times, false);
  std::vector<std::size_t> order(times);
  std::vector<double> shock(instruments);
  for (std::size_t u = 0; u < underlyings_.names.size(); ++u) {
    const auto first = std::find(underlyings_.of_instrument.begin(),
                                 underlyings_.of_instrument.end(), static_cast<std::uint32_t>(u));
    const std::span<const double> series =
        returns_by_instrument[static_cast<std::size_t>(first - underlyings_.of_instrument.begin())];
    for (const bool falls : {true, false}) {
      std::iota(order.begin(), order.end(), std::size_t{0});
      // Ties go to the earlier time, so that the choice is deterministic.
      std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return falls ? series[a] < series[b] : series[a] > series[b];
      });
      const std::size_t picks = std::min<std::size_t>(options.per_side, times);
      for (std::size_t k = 0; k < picks; ++k) {
        const std::size_t t = order[k];
        if (taken[t]) continue;
        taken[t] = true;
        for (std::size_t i = 0; i < instruments; ++i)
          shock[i] = returns_by_instrument[i][t];
        const std::string when =
            t < options.labels.size() ? options.labels[t] : fmt::format("t={}", t);
        push(fmt::format("historical {} {} #{} ({})", underlyings_.names[u],
                         falls ? "fall" : "rise", k + 1, when),
             shock);
      }
    }
  }
  return {};
}

std::string ScenarioSet::add_toml(std::string_view text, std::string_view source,
                                  std::span<const InstrumentSpec> instruments) {
  if (instruments.size() != instrument_count()) {
    return fmt::format("{}: {} instruments given, the scenario set has {}", source,
                       instruments.size(), instrument_count());
  }
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return fmt::format("{}:{}:{}: {}", source, where.line, where.column, e.description());
  }
  const auto fail = [&](const toml::node& at, const std::string& what) {
    return fmt::format("{}:{}: {}", source, at.source().begin.line, what);
  };
  for (auto&& [key, node] : root) {
    if (key.str() != "scenario") {
      return fmt::format("{}:{}: {}: unknown key (expected [[scenario]])", source,
                         key.source().begin.line, key.str());
    }
  }
  const toml::node* list_node = root.get("scenario");
  if (list_node == nullptr) return fmt::format("{}: no [[scenario]]", source);
  const toml::array* list = list_node->as_array();
  if (list == nullptr) return fail(*list_node, "scenario: must be an array of tables [[scenario]]");

  std::vector<std::string> names;
  std::vector<double> shocks;
  for (std::size_t n = 0; n < list->size(); ++n) {
    const toml::node& entry = *list->get(n);
    const std::string where = fmt::format("scenario[{}]", n);
    const toml::table* table = entry.as_table();
    if (table == nullptr) return fail(entry, where + ": must be a table");
    for (auto&& [key, node] : *table) {
      if (key.str() != "name" && key.str() != "shock") {
        return fmt::format("{}:{}: {}.{}: unknown key (expected name, shock)", source,
                           key.source().begin.line, where, key.str());
      }
    }
    const toml::node* name_node = table->get("name");
    if (name_node == nullptr) return fail(entry, where + ".name: missing");
    const std::optional<std::string> name = name_node->value<std::string>();
    if (!name || name->empty())
      return fail(*name_node, where + ".name: must be a non-empty string");
    if (std::find(names.begin(), names.end(), *name) != names.end() ||
        std::find(names_.begin(), names_.end(), *name) != names_.end()) {
      return fail(*name_node, fmt::format("{}.name: \"{}\" is already a scenario", where, *name));
    }
    const toml::node* shock_node = table->get("shock");
    if (shock_node == nullptr) return fail(entry, where + ".shock: missing");
    const toml::table* shock_table = shock_node->as_table();
    if (shock_table == nullptr || shock_table->empty()) {
      return fail(*shock_node, where + ".shock: must be a non-empty table { BTC = -0.30 }");
    }
    // Underlying keys first, then instrument keys over them, whatever order the file lists them.
    std::vector<double> shock(instrument_count(), 0.0);
    std::vector<bool> by_symbol(instrument_count(), false);
    for (auto&& [key, node] : *shock_table) {
      const std::string what = fmt::format("{}.shock.{}", where, key.str());
      const std::optional<double> value = node.value<double>();
      if (!node.is_number() || !value) return fail(node, what + ": must be a number");
      if (!valid_shock(*value)) return fail(node, what + ": must be a fraction above -1");
      const auto u = std::find(underlyings_.names.begin(), underlyings_.names.end(), key.str());
      const auto sym = std::find_if(instruments.begin(), instruments.end(),
                                    [&](const InstrumentSpec& s) { return s.symbol == key.str(); });
      if (sym != instruments.end()) {
        const auto i = static_cast<std::size_t>(sym - instruments.begin());
        shock[i] = *value;
        by_symbol[i] = true;
      } else if (u != underlyings_.names.end()) {
        const auto index = static_cast<std::uint32_t>(u - underlyings_.names.begin());
        for (std::size_t i = 0; i < shock.size(); ++i) {
          if (underlyings_.of_instrument[i] == index && !by_symbol[i]) shock[i] = *value;
        }
      } else {
        return fail(node, what + ": no such underlying or instrument");
      }
    }
    names.push_back(*name);
    shocks.insert(shocks.end(), shock.begin(), shock.end());
  }
  for (std::size_t n = 0; n < names.size(); ++n) {
    push(std::move(names[n]),
         std::span<const double>{shocks.data() + n * instrument_count(), instrument_count()});
  }
  return {};
}

}  // namespace backstop::sizing
