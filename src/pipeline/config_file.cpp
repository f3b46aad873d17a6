#include "pipeline/config_file.hpp"

#include "backstop/venue_presets.hpp"

#include <fmt/format.h>

#include <toml++/toml.h>
#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace backstop::pipeline {
namespace {

// Reads typed values out of one TOML table, remembering the first error with its full key.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string prefix, std::string& error)
      : table_(table), prefix_(std::move(prefix)), error_(error) {}

  [[nodiscard]] std::string key(std::string_view name) const {
    return prefix_.empty() ? std::string(name) : fmt::format("{}.{}", prefix_, name);
  }
  bool failed() const { return !error_.empty(); }
  void fail(std::string_view name, std::string_view reason) {
    if (error_.empty()) error_ = fmt::format("{}: {}", key(name), reason);
  }

  // Integer in [min, max]; absent keeps `out`.
  template <class T>
  void integer(std::string_view name, T& out, std::int64_t min, std::int64_t max) {
    known_.insert(std::string(name));
    const toml::node* node = table_.get(name);
    if (node == nullptr) return;
    // The type first: toml++ converts a float to an integer without a range check (undefined for
    // 1e84), so a value is read only from an integer node.
    if (!node->is_integer()) return fail(name, "must be an integer");
    const std::int64_t value = node->as_integer()->get();
    if (value < min || value > max)
      return fail(name, fmt::format("must be between {} and {}", min, max));
    out = static_cast<T>(value);
  }
  void boolean(std::string_view name, bool& out) {
    known_.insert(std::string(name));
    const toml::node* node = table_.get(name);
    if (node == nullptr) return;
    if (!node->is_boolean()) return fail(name, "must be true or false");
    out = *node->value<bool>();
  }
  void string(std::string_view name, std::string& out) {
    known_.insert(std::string(name));
    const toml::node* node = table_.get(name);
    if (node == nullptr) return;
    if (!node->is_string()) return fail(name, "must be a string");
    out = *node->value<std::string>();
  }
  const toml::node* raw(std::string_view name) {
    known_.insert(std::string(name));
    return table_.get(name);
  }
  // Any key not read is unknown: reported, never ignored.
  void reject_unknown() {
    for (const auto& [k, v] : table_) {
      if (!known_.contains(std::string(k.str()))) fail(k.str(), "unknown key");
    }
  }

 private:
  const toml::table& table_;
  std::string prefix_;
  std::string& error_;
  std::set<std::string> known_;
};

constexpr std::int64_t kMax = INT64_MAX;

// Days from 1970-01-01 to a proleptic Gregorian date (the civil-from-days inverse of H. Hinnant's
// chrono algorithms): exact for every date toml++ accepts.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// A point in time: an RFC 3339 date-time with its offset (TOML's own `2025-12-26T08:00:00Z`, or
// the same text quoted), or an integer of ns since the epoch. Times before the epoch, local times
// without an offset and times past 2262 (beyond int64 ns) are refused.
void read_time_ns(TableReader& r, std::string_view name, std::int64_t& out) {
  const toml::node* node = r.raw(name);
  if (node == nullptr) return;
  if (node->is_integer()) {
    const std::int64_t value = node->as_integer()->get();
    if (value < 0) return r.fail(name, "must be >= 0 (ns since the epoch)");
    out = value;
    return;
  }
  std::optional<toml::date_time> when;
  if (const toml::date_time* dt = node->as_date_time() ? &node->as_date_time()->get() : nullptr) {
    when = *dt;
  } else if (node->is_string()) {
    try {
      const toml::table t = toml::parse("v = " + *node->value<std::string>());
      if (const toml::node* v = t.get("v"); v != nullptr && v->is_date_time()) {
        when = v->as_date_time()->get();
      }
    } catch (const toml::parse_error&) {
    }
  }
  const char* expected =
      "must be an RFC 3339 UTC date-time (2025-12-26T08:00:00Z) or an integer of ns since the "
      "epoch";
  if (!when) return r.fail(name, expected);
  if (!when->offset) return r.fail(name, "a date-time needs its UTC offset (Z or +hh:mm)");
  const std::int64_t days = days_from_civil(when->date.year, when->date.month, when->date.day);
  const std::int64_t seconds = days * 86'400 + when->time.hour * 3'600 + when->time.minute * 60 +
                               when->time.second - std::int64_t{when->offset->minutes} * 60;
  // int64 ns reach 2262-04-11; the bound keeps the product below in range.
  if (seconds < 0 || seconds > kMax / 1'000'000'000 - 1) {
    return r.fail(name, "must lie between 1970 and 2262");
  }
  out = seconds * 1'000'000'000 + when->time.nanosecond;
}

// An enum read by name: `out` becomes the value paired with the name given; absent keeps it.
template <class Enum>
void read_choice(TableReader& r, std::string_view name, Enum& out,
                 std::initializer_list<std::pair<std::string_view, int>> names) {
  std::string text;
  const bool given = r.raw(name) != nullptr;
  r.string(name, text);
  if (!given || r.failed()) return;
  for (const auto& [n, v] : names) {
    if (n == text) {
      out = static_cast<Enum>(v);
      return;
    }
  }
  std::string all;
  for (const auto& [n, v] : names)
    all += fmt::format("{}{}", all.empty() ? "" : ", ", n);
  r.fail(name, fmt::format("must be one of: {}", all));
}

// [venue] or [instrument.venue]: a preset by name first (venue_presets.hpp), then any key given
// overrides it; absent keys keep `c` (the defaults, or for an instrument the venue's set).
void read_conventions(const toml::table& t, const std::string& prefix, VenueConventions& c,
                      std::string& error) {
  TableReader r(t, prefix, error);
  std::string preset;
  r.string("preset", preset);
  if (!preset.empty()) {
    if (const auto p = presets::venue_by_name(preset)) {
      c = *p;
    } else {
      r.fail("preset",
             fmt::format("unknown venue \"{}\"; known: {}", preset, presets::venue_names()));
    }
  }
  read_choice(r, "maintenance_basis", c.maintenance_basis, {{"mark_value", 0}, {"entry_value", 1}});
  read_choice(r, "tiers", c.tiers, {{"continuous", 0}, {"whole_position", 1}});
  r.integer("closing_fee_rate", c.closing_fee_rate, 0, kRateScale / 10 - 1);
  read_choice(r, "surplus", c.surplus,
              {{"all_to_insurance", 0}, {"fee_capped", 1}, {"fee_only", 2}});
  r.integer("surplus_fee_cap_rate", c.surplus_fee_cap_rate, 0, kRateScale);
  read_choice(r, "order_limit", c.order_limit, {{"bankruptcy", 0}, {"fillable", 1}});
  r.integer("fillable_spread_ratio", c.fillable_spread_ratio, 0, 100 * kRateScale);
  r.reject_unknown();
}

void read_instrument(const toml::table& t, std::size_t index,
                     const std::vector<std::string>& assets, const VenueConventions& venue,
                     InstrumentSpec& s, std::string& error) {
  TableReader r(t, fmt::format("instrument[{}]", index), error);
  r.string("symbol", s.symbol);
  if (s.symbol.empty()) r.fail("symbol", "required");
  std::string kind = "linear";
  r.string("kind", kind);
  if (kind == "linear") {
    s.kind = ContractKind::kLinearPerpetual;
  } else if (kind == "inverse") {
    s.kind = ContractKind::kInversePerpetual;
  } else {
    r.fail("kind", "must be \"linear\" or \"inverse\"");
  }
  std::string asset = assets.empty() ? "" : assets.front();
  r.string("settlement_asset", asset);
  const auto found = std::find(assets.begin(), assets.end(), asset);
  if (found == assets.end()) {
    r.fail("settlement_asset", fmt::format("\"{}\" is not in risk.assets", asset));
  } else {
    s.settlement_asset = static_cast<std::uint8_t>(found - assets.begin());
  }
  r.integer("multiplier", s.multiplier, 1, kMax);
  r.integer("tick_size_e8", s.tick_size_e8, 1, kMax);
  r.integer("lot_size_e8", s.lot_size_e8, 1, kMax);
  std::int64_t min_price = s.min_price.raw(), max_price = s.max_price.raw(),
               initial_mark = s.initial_mark.raw(), max_position = s.max_position.raw();
  r.integer("min_price", min_price, 1, kMax);
  r.integer("max_price", max_price, 1, kMax);
  r.integer("initial_mark", initial_mark, 1, kMax);
  r.integer("max_position", max_position, 1, kMax);
  read_time_ns(r, "expiry", s.expiry_ns);
  s.min_price = Price{min_price};
  s.max_price = Price{max_price};
  s.initial_mark = Price{initial_mark};
  s.max_position = Qty{max_position};
  const toml::node* brackets = r.raw("brackets");
  if (brackets == nullptr) {
    r.fail("brackets", "required: an array of {notional_cap, initial_rate, maintenance_rate}");
  } else if (const toml::array* list = brackets->as_array()) {
    s.brackets.clear();
    for (std::size_t b = 0; b < list->size() && error.empty(); ++b) {
      const toml::table* bt = list->get(b)->as_table();
      if (bt == nullptr) {
        r.fail(fmt::format("brackets[{}]", b), "must be a table");
        break;
      }
      TableReader br(*bt, r.key(fmt::format("brackets[{}]", b)), error);
      std::int64_t cap = 0;
      MarginBracket m{};
      br.integer("notional_cap", cap, 0, kMax);
      br.integer("initial_rate", m.initial_rate, 1, 1'000'000);
      br.integer("maintenance_rate", m.maintenance_rate, 1, 1'000'000);
      m.notional_cap = Money{cap};
      br.reject_unknown();
      s.brackets.push_back(m);
    }
  } else {
    r.fail("brackets", "must be an array of tables");
  }
  if (const toml::node* own = r.raw("venue")) {
    if (const toml::table* vt = own->as_table()) {
      VenueConventions c = venue;
      read_conventions(*vt, r.key("venue"), c, error);
      s.conventions = c;
    } else {
      r.fail("venue", "must be a table");
    }
  }
  r.reject_unknown();
}

void read_engine_section(const toml::table& t, EngineConfig& config, std::string& error) {
  TableReader r(t, "engine", error);
  r.integer("input_ring_size", config.input_ring_size, 2, std::int64_t{1} << 30);
  r.integer("output_ring_size", config.output_ring_size, 2, std::int64_t{1} << 30);
  r.integer("risk_cpu", config.risk_cpu, -1, 1023);
  r.boolean("acknowledge_inputs", config.acknowledge_inputs);
  r.boolean("maintain_adl_ranking", config.maintain_adl_ranking);
  r.reject_unknown();
}

// [risk]; the asset names it lists (instruments name their settlement asset by them).
void read_risk_section(const toml::table& t, RiskConfig& risk, std::vector<std::string>& assets,
                       std::string& error) {
  TableReader r(t, "risk", error);
  // The core's bounds (risk_config.hpp), so that both layers refuse the same values.
  r.integer("max_accounts", risk.max_accounts, 1, kMaxAccounts);
  r.integer("positions_per_account", risk.positions_per_account, 1, kMaxPositionsPerAccount);
  r.integer("max_abs_funding_rate_e8", risk.max_abs_funding_rate_e8, 1, kFundingRateScale);
  if (const toml::node* a = r.raw("assets")) {
    const toml::array* list = a->as_array();
    if (list == nullptr || list->empty() || list->size() > kMaxAssets) {
      r.fail("assets", fmt::format("must be an array of 1 to {} asset names", kMaxAssets));
    } else {
      assets.clear();
      for (const auto& item : *list) {
        if (!item.is_string()) {
          r.fail("assets", "every asset name must be a string");
          break;
        }
        const std::string name = *item.value<std::string>();
        if (name.empty() || std::find(assets.begin(), assets.end(), name) != assets.end()) {
          r.fail("assets",
                 fmt::format("\"{}\" is {}", name, name.empty() ? "empty" : "listed twice"));
          break;
        }
        assets.push_back(name);
      }
    }
  }
  r.reject_unknown();
}

// A per-asset list of integers >= 0 (in risk.assets order); absent keeps `out`.
template <class T>
void read_int_list(TableReader& r, std::string_view name, std::vector<T>& out) {
  const toml::node* node = r.raw(name);
  if (node == nullptr) return;
  const toml::array* list = node->as_array();
  if (list == nullptr) return r.fail(name, "must be an array of integers, one per asset");
  out.clear();
  for (const auto& item : *list) {
    if (!item.is_integer() || item.as_integer()->get() < 0) {
      return r.fail(name, "every entry must be an integer >= 0");
    }
    out.push_back(static_cast<T>(item.as_integer()->get()));
  }
}

// [waterfall]: liquidation and the loss waterfall (include/backstop/waterfall_config.hpp); enums
// by name, per-asset lists in risk.assets order.
void read_waterfall_section(const toml::table& t, WaterfallConfig& w, std::string& error) {
  TableReader r(t, "waterfall", error);
  read_choice(r, "mode", w.mode, {{"off", 0}, {"takeover", 1}, {"order", 2}});
  read_choice(r, "policy", w.policy,
              {{"ranked", 0}, {"pro_rata", 1}, {"socialized", 2}, {"none", 3}});
  read_choice(r, "score", w.score, {{"bitmex", 0}, {"binance", 1}, {"hyperliquid", 2}});
  read_choice(r, "price", w.price, {{"bankruptcy", 0}, {"mark", 1}});
  r.boolean("partial", w.partial);
  r.integer("liquidation_fee_rate", w.liquidation_fee_rate, 0, kRateScale);
  r.integer("order_timeout_ns", w.order_timeout_ns, 1, INT64_MAX);
  read_int_list(r, "backstop_accounts", w.backstop_accounts);
  read_int_list(r, "insurance_floor", w.insurance_floor);
  r.boolean("own_default_fund", w.own_default_fund);
  r.boolean("insurance", w.insurance);
  r.boolean("venue_tranche", w.venue_tranche);
  r.boolean("default_fund", w.default_fund);
  r.boolean("assessment", w.assessment);
  r.integer("insurance_cap_per_account", w.insurance_cap_per_account, 0, INT64_MAX);
  r.integer("insurance_cap_window_ns", w.insurance_cap_window_ns, 1, INT64_MAX);
  r.integer("assessment_cap", w.assessment_cap, 0, INT64_MAX);
  r.boolean("gate_withdrawals", w.gate_withdrawals);
  r.integer("adl_band_ppm", w.adl_band_ppm, 1, 999'999);
  r.integer("adl_dirty_capacity", w.adl_dirty_capacity, 1, std::int64_t{1} << 30);
  r.integer("audit_capacity", w.audit_capacity, 0, std::int64_t{1} << 30);
  r.boolean("audit_balances", w.audit_balances);
  r.integer("adl_quantile_interval_ns", w.adl_quantile_interval_ns, 0, INT64_MAX);
  r.integer("adl_quantile_capacity", w.adl_quantile_capacity, 0, std::int64_t{1} << 30);
  r.integer("exposure_cap_ppm", w.exposure_cap_ppm, 0, INT64_MAX);
  r.integer("drawdown_ppm", w.drawdown_ppm, 0, kRateScale - 1);
  r.integer("drawdown_window_ns", w.drawdown_window_ns, 1, INT64_MAX);
  r.integer("drawdown_release_ppm", w.drawdown_release_ppm, 0, kRateScale);
  r.integer("drawdown_capacity", w.drawdown_capacity, 1, std::int64_t{1} << 24);
  r.reject_unknown();
}

void read_journal_section(const toml::table& t, JournalOptions& journal, std::string& error) {
  TableReader r(t, "journal", error);
  std::string folder, sync = "every_us";
  r.string("folder", folder);
  journal.folder = folder;
  r.string("sync", sync);
  if (sync == "off") {
    journal.sync = SyncPolicy::kOff;
  } else if (sync == "every_batch") {
    journal.sync = SyncPolicy::kEveryBatch;
  } else if (sync == "every_n") {
    journal.sync = SyncPolicy::kEveryN;
  } else if (sync == "every_us") {
    journal.sync = SyncPolicy::kEveryMicros;
  } else {
    r.fail("sync", "must be \"off\", \"every_batch\", \"every_n\" or \"every_us\"");
  }
  r.integer("sync_every_records", journal.sync_every_records, 1, kMax);
  r.integer("sync_every_us", journal.sync_every_us, 1, kMax);
  r.integer("max_file_bytes", journal.max_file_bytes, 4096, kMax);
  r.reject_unknown();
}

// [[instrument]]: at least one.
void read_instruments(TableReader& top, const std::vector<std::string>& assets,
                      const VenueConventions& venue, std::vector<InstrumentSpec>& out,
                      std::string& error) {
  const toml::node* node = top.raw("instrument");
  if (node == nullptr) return top.fail("instrument", "at least one [[instrument]] is required");
  const toml::array* list = node->as_array();
  if (list == nullptr) top.fail("instrument", "must be an array of tables ([[instrument]])");
  for (std::size_t i = 0; list != nullptr && i < list->size() && error.empty(); ++i) {
    const toml::table* t = list->get(i)->as_table();
    if (t == nullptr) {
      top.fail(fmt::format("instrument[{}]", i), "must be a table");
      break;
    }
    InstrumentSpec spec;
    read_instrument(*t, i, assets, venue, spec, error);
    out.push_back(std::move(spec));
  }
}

}  // namespace

std::optional<EngineConfig> parse_engine_config(std::string_view text, std::string_view source,
                                                std::string& error) {
  error.clear();
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    error = fmt::format("{}:{}:{}: {}", source, where.line, where.column, e.description());
    return std::nullopt;
  }
  EngineConfig config;
  TableReader top(root, "", error);
  const auto section = [&](std::string_view name) -> const toml::table* {
    const toml::node* node = top.raw(name);
    if (node == nullptr) return nullptr;
    if (!node->is_table()) top.fail(name, "must be a table");
    return node->as_table();
  };
  if (const toml::table* t = section("engine")) read_engine_section(*t, config, error);
  std::vector<std::string> assets{"USDT"};
  if (const toml::table* t = section("risk")) read_risk_section(*t, config.risk, assets, error);
  config.risk.asset_count = static_cast<std::uint32_t>(assets.size());
  if (const toml::table* t = section("waterfall")) {
    read_waterfall_section(*t, config.risk.waterfall, error);
  }
  if (const toml::table* t = section("journal")) read_journal_section(*t, config.journal, error);
  if (const toml::table* t = section("venue")) {
    read_conventions(*t, "venue", config.risk.venue, error);
  }
  read_instruments(top, assets, config.risk.venue, config.risk.instruments, error);
  top.reject_unknown();
  if (!error.empty()) return std::nullopt;
  error = validate_engine_config(config);
  if (!error.empty()) return std::nullopt;
  return config;
}

std::optional<EngineConfig> load_engine_config(const std::filesystem::path& file,
                                               std::string& error) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) {
    error = fmt::format("{}: is a folder, not a configuration file", file.string());
    return std::nullopt;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    error = fmt::format("{}: cannot open", file.string());
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_engine_config(text.str(), file.string(), error);
}

}  // namespace backstop::pipeline
