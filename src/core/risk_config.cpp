#include "backstop/risk_config.hpp"

#include <limits>

namespace backstop {

bool instrument_bounds_ok(ContractKind kind, std::int64_t multiplier, std::int64_t max_price,
                          std::int64_t max_position) noexcept {
  if (multiplier <= 0 || max_price <= 0 || max_price > kMaxPriceTicks || max_position <= 0) {
    return false;
  }
  Int128 worst = Int128{max_position} * multiplier;
  if (kind == ContractKind::kLinearPerpetual) worst *= max_price;
  return worst <= kMaxNotional;
}

namespace {

// `key` names where the set came from: "venue" or "instrument[i].venue".
std::string check_conventions(const VenueConventions& c, const std::string& key) {
  if (c.maintenance_basis != MarginBasis::kMarkValue &&
      c.maintenance_basis != MarginBasis::kEntryValue) {
    return key + ".maintenance_basis: unknown basis";
  }
  if (c.tiers != TierRule::kContinuous && c.tiers != TierRule::kWholePosition) {
    return key + ".tiers: unknown tier rule";
  }
  // On the mark value a whole-position tier's margin jumps whenever the mark carries the notional
  // across a tier's edge, in the position's favour too (a long's notional grows as the mark
  // rises), and a position's trigger watches one direction only (docs/conventions.md).
  if (c.tiers == TierRule::kWholePosition && c.maintenance_basis != MarginBasis::kEntryValue) {
    return key + ".tiers: whole_position needs maintenance_basis = entry_value";
  }
  if (c.closing_fee_rate < 0 || c.closing_fee_rate >= kRateScale / 10) {
    return key + ".closing_fee_rate: must be in [0, 1e5) (millionths, below 10 %)";
  }
  if (c.surplus != SurplusRule::kAllToInsurance && c.surplus != SurplusRule::kFeeCapped &&
      c.surplus != SurplusRule::kFeeOnly) {
    return key + ".surplus: unknown surplus rule";
  }
  if (c.surplus_fee_cap_rate < 0 || c.surplus_fee_cap_rate > kRateScale) {
    return key + ".surplus_fee_cap_rate: must be in [0, 1e6] (millionths)";
  }
  if (c.order_limit != OrderLimit::kBankruptcy && c.order_limit != OrderLimit::kFillable) {
    return key + ".order_limit: unknown order limit";
  }
  if (c.fillable_spread_ratio < 0 || c.fillable_spread_ratio > 100 * kRateScale) {
    return key + ".fillable_spread_ratio: must be in [0, 1e8] (millionths)";
  }
  return {};
}

std::string check_instrument(const InstrumentSpec& s, const std::string& key,
                             std::uint32_t asset_count) {
  if (s.symbol.empty()) return key + ".symbol: empty";
  if (s.kind != ContractKind::kLinearPerpetual && s.kind != ContractKind::kInversePerpetual) {
    return key + ".kind: unknown contract kind";
  }
  if (s.settlement_asset >= asset_count) return key + ".settlement_asset: beyond asset_count";
  if (s.multiplier <= 0) return key + ".multiplier: must be > 0";
  if (s.expiry_ns < 0) return key + ".expiry: must be >= 0 (ns since the epoch; 0: perpetual)";
  if (s.min_price.raw() < 1) return key + ".min_price: must be >= 1 tick";
  if (s.max_price < s.min_price) return key + ".max_price: below min_price";
  if (s.initial_mark < s.min_price || s.initial_mark > s.max_price) {
    return key + ".initial_mark: outside the price band";
  }
  if (!instrument_bounds_ok(s.kind, s.multiplier, s.max_price.raw(), s.max_position.raw())) {
    return key +
           ".max_position: max_position * multiplier (* max_price) exceeds 2^62 or price > 2^40";
  }
  if (s.conventions) {
    std::string err = check_conventions(*s.conventions, key + ".venue");
    if (!err.empty()) return err;
  }
  if (s.brackets.empty() || s.brackets.size() > kMaxBrackets) {
    return key + ".brackets: need 1.." + std::to_string(kMaxBrackets);
  }
  for (std::size_t b = 0; b < s.brackets.size(); ++b) {
    const MarginBracket& br = s.brackets[b];
    const std::string bkey = key + ".brackets[" + std::to_string(b) + "]";
    if (br.maintenance_rate <= 0 || br.maintenance_rate >= kRateScale) {
      return bkey + ".maintenance_rate: must be in (0, 1)";
    }
    if (br.initial_rate < br.maintenance_rate || br.initial_rate > kRateScale) {
      return bkey + ".initial_rate: must be in [maintenance_rate, 1]";
    }
    if (b + 1 < s.brackets.size()) {
      if (br.notional_cap.raw() <= 0) return bkey + ".notional_cap: must be > 0";
      if (b > 0 && br.notional_cap <= s.brackets[b - 1].notional_cap) {
        return bkey + ".notional_cap: must increase";
      }
    }
    if (b > 0) {
      // Continuity and convexity need rates that never decrease with the notional.
      if (br.maintenance_rate < s.brackets[b - 1].maintenance_rate) {
        return bkey + ".maintenance_rate: must not decrease";
      }
      if (br.initial_rate < s.brackets[b - 1].initial_rate) {
        return bkey + ".initial_rate: must not decrease";
      }
    }
  }
  return {};
}

std::string check_waterfall(const RiskConfig& config) {
  const WaterfallConfig& w = config.waterfall;
  const auto mode = static_cast<std::uint8_t>(w.mode);
  if (mode > static_cast<std::uint8_t>(LiquidationMode::kOrder)) {
    return "waterfall.mode: unknown liquidation mode";
  }
  if (w.liquidation_fee_rate < 0 || w.liquidation_fee_rate > kRateScale) {
    return "waterfall.liquidation_fee_rate: must be in [0, 1e6] (millionths)";
  }
  if (w.order_timeout_ns <= 0) return "waterfall.order_timeout_ns: must be > 0";
  if (w.backstop_accounts.size() > config.asset_count) {
    return "waterfall.backstop_accounts: more entries than assets";
  }
  if (w.mode != LiquidationMode::kOff) {
    bool any = false;
    for (const std::uint64_t id : w.backstop_accounts)
      any = any || id != 0;
    if (!any) return "waterfall.backstop_accounts: liquidation needs a backstop account";
    // The backstop takes every liquidated position over, so it may come to hold every instrument
    // of its asset at once; a position it had no slot for would be written past its own slots.
    for (std::size_t a = 0; a < w.backstop_accounts.size(); ++a) {
      if (w.backstop_accounts[a] == 0) continue;
      std::uint32_t held = 0;
      for (const InstrumentSpec& s : config.instruments)
        held += s.settlement_asset == a ? 1 : 0;
      if (held > config.positions_per_account) {
        return "waterfall.backstop_accounts: asset " + std::to_string(a) + " has " +
               std::to_string(held) +
               " instruments, more than positions_per_account: its backstop could not hold them "
               "all";
      }
    }
  }
  if (w.insurance_floor.size() > config.asset_count) {
    return "waterfall.insurance_floor: more entries than assets";
  }
  for (const std::int64_t f : w.insurance_floor) {
    if (f < 0) return "waterfall.insurance_floor: must be >= 0";
  }
  if (w.insurance_cap_per_account < 0) return "waterfall.insurance_cap_per_account: must be >= 0";
  if (w.insurance_cap_window_ns <= 0) return "waterfall.insurance_cap_window_ns: must be > 0";
  if (w.assessment_cap < 0) return "waterfall.assessment_cap: must be >= 0";
  const auto valid_policy = [](AdlPolicy p) {
    return static_cast<std::uint8_t>(p) <= static_cast<std::uint8_t>(AdlPolicy::kNone);
  };
  if (!valid_policy(w.policy)) return "waterfall.policy: unknown policy";
  if (w.instrument_policy.size() > config.instruments.size()) {
    return "waterfall.instrument_policy: more entries than instruments";
  }
  for (const AdlPolicy p : w.instrument_policy) {
    if (!valid_policy(p)) return "waterfall.instrument_policy: unknown policy";
  }
  if (static_cast<std::uint8_t>(w.score) > static_cast<std::uint8_t>(AdlScore::kHyperliquid)) {
    return "waterfall.score: unknown ADL score";
  }
  if (static_cast<std::uint8_t>(w.price) > static_cast<std::uint8_t>(AdlPrice::kMark)) {
    return "waterfall.price: unknown ADL execution price";
  }
  if (w.adl_band_ppm <= 0 || w.adl_band_ppm >= 1'000'000) {
    return "waterfall.adl_band_ppm: must be in (0, 1e6)";
  }
  if (w.adl_dirty_capacity == 0) return "waterfall.adl_dirty_capacity: must be > 0";
  if (w.adl_quantile_interval_ns < 0) return "waterfall.adl_quantile_interval_ns: must be >= 0";
  if (w.exposure_cap_ppm < 0) return "waterfall.exposure_cap_ppm: must be >= 0";
  if (w.drawdown_ppm < 0 || w.drawdown_ppm >= kRateScale) {
    return "waterfall.drawdown_ppm: must be in [0, 1e6)";
  }
  if (w.drawdown_ppm != 0) {
    if (w.drawdown_window_ns <= 0) return "waterfall.drawdown_window_ns: must be > 0";
    if (w.drawdown_release_ppm != 0 && (w.drawdown_release_ppm <= kRateScale - w.drawdown_ppm ||
                                        w.drawdown_release_ppm > kRateScale)) {
      return "waterfall.drawdown_release_ppm: must be in (1e6 - drawdown_ppm, 1e6], or 0";
    }
    if (w.drawdown_capacity == 0 || (w.drawdown_capacity & (w.drawdown_capacity - 1)) != 0 ||
        w.drawdown_capacity > (1u << 24)) {
      return "waterfall.drawdown_capacity: must be a power of two in [1, 2^24]";
    }
  }
  if (w.partial && w.mode != LiquidationMode::kOff) {
    // Selling a lot must free more initial margin than its fee costs, or reducing could never
    // restore an account (and the search for the smallest reduction would not be monotone).
    for (const InstrumentSpec& s : config.instruments) {
      if (!s.brackets.empty() && w.liquidation_fee_rate >= s.brackets[0].initial_rate) {
        return "waterfall.partial: liquidation_fee_rate must be below every instrument's "
               "initial-margin rate";
      }
    }
  }
  return {};
}

}  // namespace

std::string validate_config(const RiskConfig& config) {
  if (config.max_accounts == 0 || config.max_accounts > kMaxAccounts) {
    return "risk.max_accounts: must be in [1, 2^30]";
  }
  if (config.positions_per_account == 0 || config.positions_per_account > kMaxPositionsPerAccount) {
    return "risk.positions_per_account: must be in [1, " + std::to_string(kMaxPositionsPerAccount) +
           "]";
  }
  if (std::uint64_t{config.max_accounts} * config.positions_per_account >= (1ull << 32) - 1) {
    return "risk.positions_per_account: max_accounts * positions_per_account must fit 32 bits";
  }
  if (config.asset_count == 0 || config.asset_count > kMaxAssets) {
    return "risk.assets: need 1.." + std::to_string(kMaxAssets);
  }
  if (config.max_abs_funding_rate_e8 <= 0 || config.max_abs_funding_rate_e8 > kFundingRateScale) {
    return "risk.max_abs_funding_rate_e8: must be in (0, 1e8]";
  }
  if (config.instruments.empty() || config.instruments.size() > 65535) {
    return "instrument: need 1..65535";
  }
  if (std::string err = check_conventions(config.venue, "venue"); !err.empty()) return err;
  for (std::size_t i = 0; i < config.instruments.size(); ++i) {
    const std::string key = "instrument[" + std::to_string(i) + "]";
    std::string err = check_instrument(config.instruments[i], key, config.asset_count);
    if (!err.empty()) return err;
    // Symbols name instruments in market data, journals and reports: two alike would be confused.
    for (std::size_t j = 0; j < i; ++j) {
      if (config.instruments[j].symbol == config.instruments[i].symbol) {
        return key + ".symbol: \"" + config.instruments[i].symbol + "\" duplicates instrument[" +
               std::to_string(j) + "]";
      }
    }
  }
  return check_waterfall(config);
}

InstrumentRisk make_instrument_risk(const InstrumentSpec& spec, const VenueConventions& venue) {
  InstrumentRisk r{};
  r.conventions = spec.conventions.value_or(venue);
  const bool continuous = r.conventions.tiers == TierRule::kContinuous;
  r.kind = spec.kind;
  r.settlement_asset = spec.settlement_asset;
  r.bracket_count = static_cast<std::uint8_t>(spec.brackets.size());
  r.multiplier = spec.multiplier;
  r.min_price = spec.min_price.raw();
  r.max_price = spec.max_price.raw();
  r.max_position = spec.max_position.raw();
  r.expiry_ns = spec.expiry_ns;
  // cum_b = cum_{b-1} + cap_{b-1} * (rate_b - rate_{b-1}): MM continuous at every cap, kept scaled
  // by kRateScale so that it is exact.
  for (std::size_t b = 0; b < spec.brackets.size(); ++b) {
    const MarginBracket& br = spec.brackets[b];
    BracketParams& p = r.brackets[b];
    p.notional_cap = b + 1 == spec.brackets.size() ? std::numeric_limits<std::int64_t>::max()
                                                   : br.notional_cap.raw();
    p.initial_rate = br.initial_rate;
    p.maintenance_rate = br.maintenance_rate;
    if (b == 0 || !continuous) {
      p.cum_initial = 0;
      p.cum_maintenance = 0;
    } else {
      const BracketParams& prev = r.brackets[b - 1];
      p.cum_initial =
          prev.cum_initial + Int128{prev.notional_cap} * (br.initial_rate - prev.initial_rate);
      p.cum_maintenance = prev.cum_maintenance +
                          Int128{prev.notional_cap} * (br.maintenance_rate - prev.maintenance_rate);
    }
  }
  return r;
}

}  // namespace backstop
