#include "pipeline/config_fingerprint.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <vector>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace backstop::pipeline {
namespace {

// Appends `key=value` lines; values are decimal integers, or quoted strings with every byte
// outside printable ASCII (and the quote and backslash) escaped, so one setting is one line.
class Lines {
 public:
  void add(std::string_view key, std::int64_t value) {
    text_ += fmt::format("{}={}\n", key, value);
  }
  void add(std::string_view key, std::string_view value) {
    std::string quoted = "\"";
    for (const char c : value) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u > 0x7e || c == '"' || c == '\\') {
        quoted += fmt::format("\\x{:02x}", u);
      } else {
        quoted += c;
      }
    }
    text_ += fmt::format("{}={}\"\n", key, quoted);
  }
  template <class T>
  void add_list(std::string_view key, const std::vector<T>& values) {
    std::string joined;
    for (const T& v : values)
      joined += fmt::format("{}{}", joined.empty() ? "" : ",", static_cast<std::int64_t>(v));
    text_ += fmt::format("{}=[{}]\n", key, joined);
  }
  std::string take() { return std::move(text_); }

 private:
  std::string text_;
};

// Conventions other than the defaults, one line each; a set equal to the defaults adds nothing, so
// that the fingerprints of configurations written before conventions existed stay the same.
void add_conventions(Lines& lines, const std::string& prefix, const VenueConventions& c) {
  const VenueConventions d{};
  const auto add = [&](std::string_view key, std::int64_t value, std::int64_t default_value) {
    if (value != default_value) lines.add(prefix + std::string(key), value);
  };
  add("maintenance_basis", static_cast<std::int64_t>(c.maintenance_basis),
      static_cast<std::int64_t>(d.maintenance_basis));
  add("tiers", static_cast<std::int64_t>(c.tiers), static_cast<std::int64_t>(d.tiers));
  add("closing_fee_rate", c.closing_fee_rate, d.closing_fee_rate);
  add("surplus", static_cast<std::int64_t>(c.surplus), static_cast<std::int64_t>(d.surplus));
  add("surplus_fee_cap_rate", c.surplus_fee_cap_rate, d.surplus_fee_cap_rate);
  add("order_limit", static_cast<std::int64_t>(c.order_limit),
      static_cast<std::int64_t>(d.order_limit));
  add("fillable_spread_ratio", c.fillable_spread_ratio, d.fillable_spread_ratio);
}

void add_instrument(Lines& lines, std::size_t index, const InstrumentSpec& s) {
  const std::string k = fmt::format("instrument[{}].", index);
  lines.add(k + "symbol", s.symbol);
  lines.add(k + "kind", static_cast<std::int64_t>(s.kind));
  lines.add(k + "settlement_asset", s.settlement_asset);
  lines.add(k + "multiplier", s.multiplier);
  lines.add(k + "min_price", s.min_price.raw());
  lines.add(k + "max_price", s.max_price.raw());
  lines.add(k + "initial_mark", s.initial_mark.raw());
  lines.add(k + "max_position", s.max_position.raw());
  lines.add(k + "brackets", static_cast<std::int64_t>(s.brackets.size()));
  for (std::size_t b = 0; b < s.brackets.size(); ++b) {
    const std::string kb = fmt::format("{}brackets[{}].", k, b);
    lines.add(kb + "notional_cap", s.brackets[b].notional_cap.raw());
    lines.add(kb + "initial_rate", s.brackets[b].initial_rate);
    lines.add(kb + "maintenance_rate", s.brackets[b].maintenance_rate);
  }
  if (s.conventions) {
    lines.add(k + "venue", 1);  // its own set, even when equal to the defaults
    add_conventions(lines, k + "venue.", *s.conventions);
  }
  // A dated future's expiry only when set, so that perpetuals keep the fingerprints written
  // before expiries existed.
  if (s.expiry_ns != 0) lines.add(k + "expiry_ns", s.expiry_ns);
}

// The waterfall's settings that decide what a liquidation does. Left out: adl_band_ppm,
// adl_dirty_capacity and adl_full_sort (the ranking cache is exact, so they choose the same
// counterparties: docs/waterfall.md) and audit_capacity (how many records an event may emit, not
// what the state becomes).
void add_waterfall(Lines& lines, const WaterfallConfig& w) {
  lines.add("waterfall.mode", static_cast<std::int64_t>(w.mode));
  lines.add("waterfall.partial", w.partial);
  lines.add("waterfall.liquidation_fee_rate", w.liquidation_fee_rate);
  lines.add("waterfall.order_timeout_ns", w.order_timeout_ns);
  lines.add_list("waterfall.backstop_accounts", w.backstop_accounts);
  lines.add("waterfall.own_default_fund", w.own_default_fund);
  lines.add("waterfall.insurance", w.insurance);
  lines.add("waterfall.venue_tranche", w.venue_tranche);
  lines.add("waterfall.default_fund", w.default_fund);
  lines.add("waterfall.assessment", w.assessment);
  lines.add_list("waterfall.insurance_floor", w.insurance_floor);
  lines.add("waterfall.insurance_cap_per_account", w.insurance_cap_per_account);
  lines.add("waterfall.insurance_cap_window_ns", w.insurance_cap_window_ns);
  lines.add("waterfall.assessment_cap", w.assessment_cap);
  lines.add("waterfall.gate_withdrawals", w.gate_withdrawals);
  lines.add("waterfall.policy", static_cast<std::int64_t>(w.policy));
  lines.add_list("waterfall.instrument_policy", w.instrument_policy);
  lines.add("waterfall.score", static_cast<std::int64_t>(w.score));
  lines.add("waterfall.price", static_cast<std::int64_t>(w.price));
  lines.add("waterfall.adl_quantile_interval_ns", w.adl_quantile_interval_ns);
  lines.add("waterfall.adl_quantile_capacity", w.adl_quantile_capacity);
  // The fund triggers only when set, so that fingerprints written before they existed stay the
  // same.
  if (w.exposure_cap_ppm != 0) lines.add("waterfall.exposure_cap_ppm", w.exposure_cap_ppm);
  if (w.drawdown_ppm != 0) {
    lines.add("waterfall.drawdown_ppm", w.drawdown_ppm);
    lines.add("waterfall.drawdown_window_ns", w.drawdown_window_ns);
    lines.add("waterfall.drawdown_release_ppm", w.drawdown_release_ppm);
    lines.add("waterfall.drawdown_capacity", w.drawdown_capacity);
  }
}

// `key=value` lines as a map; a line without '=' (only in a damaged text) keys itself.
std::map<std::string, std::string, std::less<>> settings(std::string_view text) {
  std::map<std::string, std::string, std::less<>> out;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) {
      out.emplace(std::string(line), "");
    } else {
      out.emplace(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
    }
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return out;
}

}  // namespace

std::uint64_t fingerprint_hash(std::string_view text) {
  return XXH3_64bits(text.data(), text.size());
}

ConfigFingerprint config_fingerprint(const RiskConfig& config) {
  Lines lines;
  lines.add("risk.max_accounts", config.max_accounts);
  lines.add("risk.positions_per_account", config.positions_per_account);
  lines.add("risk.assets", config.asset_count);
  lines.add("risk.max_abs_funding_rate_e8", config.max_abs_funding_rate_e8);
  add_conventions(lines, "venue.", config.venue);
  lines.add("instruments", static_cast<std::int64_t>(config.instruments.size()));
  for (std::size_t i = 0; i < config.instruments.size(); ++i)
    add_instrument(lines, i, config.instruments[i]);
  add_waterfall(lines, config.waterfall);
  ConfigFingerprint f;
  f.text = lines.take();
  f.hash = fingerprint_hash(f.text);
  return f;
}

std::string describe_config_difference(std::string_view recorded, std::string_view current,
                                       std::string_view recorded_by) {
  if (recorded == current) return {};
  const auto before = settings(recorded);
  const auto now = settings(current);
  constexpr std::size_t kNamed = 3;
  std::vector<std::string> named;
  std::size_t differing = 0;
  std::vector<std::string> sections;  // "risk", "instrument[0]", "waterfall": where they differ
  const auto note = [&](const std::string& key, std::string_view was, std::string_view is) {
    const std::string section = key.substr(0, key.find('.'));
    if (std::find(sections.begin(), sections.end(), section) == sections.end())
      sections.push_back(section);
    if (++differing <= kNamed)
      named.push_back(
          fmt::format("{}: {} in {}, {} in the configuration", key, was, recorded_by, is));
  };
  // Both maps are ordered by key; the walk names settings in key order.
  for (const auto& [key, value] : before) {
    const auto it = now.find(key);
    if (it == now.end()) {
      note(key, value, "absent");
    } else if (it->second != value) {
      note(key, value, it->second);
    }
  }
  for (const auto& [key, value] : now) {
    if (!before.contains(key)) note(key, "absent", value);
  }
  if (differing == 0) return fmt::format("the configuration text differs from {}'s", recorded_by);
  std::string out = fmt::format("{} differ: {}", fmt::join(sections, ", "), fmt::join(named, "; "));
  if (differing > kNamed) out += fmt::format(" (and {} more)", differing - kNamed);
  return out;
}

}  // namespace backstop::pipeline
