// Seeded random event streams for the differential tests: 1-5 instruments (linear and inverse, 1-4
// brackets), a population with a mixed leverage, fills between random accounts near the mark, marks
// that random-walk with crashes, spikes and slow drifts, funding of either sign, deposits,
// withdrawals (some refused), and a sprinkle of invalid events. Same seed, same stream.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "backstop/events.hpp"
#include "backstop/risk_config.hpp"

namespace backstop::test {

class StreamGenerator {
 public:
  StreamGenerator(std::uint64_t seed, std::uint32_t instruments, std::uint32_t accounts)
      : rng_(seed), account_count_(accounts) {
    config_.max_accounts = accounts + 8;
    config_.positions_per_account = 2 + static_cast<std::uint32_t>(rng_() % 3);
    config_.asset_count = 2;
    config_.max_abs_funding_rate_e8 = 500'000;
    for (std::uint32_t i = 0; i < instruments; ++i)
      config_.instruments.push_back(random_instrument(i));
    for (const InstrumentSpec& s : config_.instruments) {
      marks_.push_back(s.initial_mark.raw());
      regime_.push_back(Regime{0, 0});
    }
    for (std::uint32_t a = 0; a < accounts; ++a) {
      // Asset 0 accounts trade the linear instruments, asset 1 the inverse ones.
      assets_.push_back(static_cast<std::uint8_t>(rng_() % 2));
      const double lev_mix[] = {1, 2, 3, 5, 5, 10, 10, 20, 25, 50};
      leverage_.push_back(lev_mix[rng_() % 10]);
      deposits_.push_back(0);
    }
  }

  const RiskConfig& config() const { return config_; }
  std::uint64_t account_id(std::uint32_t a) const { return 1000 + a * 7; }

  // The start-up events: open every account and fund it.
  std::vector<Event> setup() {
    std::vector<Event> out;
    for (std::uint32_t a = 0; a < account_count_; ++a) {
      out.push_back(make_open_account(account_id(a), assets_[a]));
      const std::int64_t d = assets_[a] == 0 ? log_uniform(1'000'000'000, 1'000'000'000'000)
                                             : log_uniform(1'000'000, 10'000'000'000);
      deposits_[a] = d;
      out.push_back(make_deposit(account_id(a), Money{d}));
    }
    return out;
  }

  Event next() {
    ++time_ns_;
    const std::uint32_t roll = static_cast<std::uint32_t>(rng_() % 1000);
    if (roll < 420) return mark_event();
    if (roll < 800) return fill_event();
    if (roll < 870) return deposit_event();
    if (roll < 950) return withdraw_event();
    if (roll < 975) return funding_event();
    return invalid_event();
  }

 private:
  struct Regime {
    int ticks_left;
    double drift;  // relative move per tick while the regime lasts
  };

  std::int64_t log_uniform(std::int64_t lo, std::int64_t hi) {
    std::uniform_real_distribution<double> u(std::log(double(lo)), std::log(double(hi)));
    return static_cast<std::int64_t>(std::exp(u(rng_)));
  }

  InstrumentSpec random_instrument(std::uint32_t i) {
    InstrumentSpec s;
    s.symbol = std::to_string(i);
    s.symbol.insert(s.symbol.begin(), 'I');
    const bool inverse = rng_() % 3 == 0;
    s.kind = inverse ? ContractKind::kInversePerpetual : ContractKind::kLinearPerpetual;
    s.settlement_asset = inverse ? 1 : 0;
    const std::int64_t mark = log_uniform(20'000, 2'000'000);
    s.initial_mark = Price{mark};
    s.min_price = Price{std::max<std::int64_t>(1, mark / 50)};
    s.max_price = Price{mark * 50};
    if (inverse) {
      s.multiplier = log_uniform(10'000'000, 100'000'000'000);
    } else {
      const std::int64_t mults[] = {1, 10, 100, 1000};
      s.multiplier = mults[rng_() % 4];
    }
    s.max_position = Qty{1'000'000'000};
    while (!instrument_bounds_ok(s.kind, s.multiplier, s.max_price.raw(), s.max_position.raw())) {
      s.max_position = Qty{s.max_position.raw() / 2};
    }
    // Brackets around a typical account's notional, so positions cross them.
    const std::int64_t typical = inverse ? 100'000'000 : 50'000'000'000;
    const std::uint32_t n = 1 + static_cast<std::uint32_t>(rng_() % 4);
    std::int64_t mmr = 2'000 + static_cast<std::int64_t>(rng_() % 18'000);
    std::int64_t cap =
        typical / 4 + static_cast<std::int64_t>(rng_() % static_cast<std::uint64_t>(typical));
    for (std::uint32_t b = 0; b < n; ++b) {
      const std::int64_t imr = std::min<std::int64_t>(kRateScale, mmr * 2);
      s.brackets.push_back(MarginBracket{Money{cap}, imr, mmr});
      mmr = std::min<std::int64_t>(kRateScale / 2, mmr * 2);
      cap *= 3;
    }
    return s;
  }

  std::uint16_t random_instrument_for(std::uint8_t asset, bool& found) {
    for (int tries = 0; tries < 8; ++tries) {
      const auto i = static_cast<std::uint16_t>(rng_() % config_.instruments.size());
      if (config_.instruments[i].settlement_asset == asset) {
        found = true;
        return i;
      }
    }
    found = false;
    return 0;
  }

  Event mark_event() {
    const auto i = static_cast<std::uint16_t>(rng_() % config_.instruments.size());
    Regime& g = regime_[i];
    if (g.ticks_left == 0) {
      const std::uint32_t r = static_cast<std::uint32_t>(rng_() % 100);
      if (r < 3) {
        g = Regime{5 + int(rng_() % 15),
                   -0.002 - 0.008 * std::uniform_real_distribution<double>()(rng_)};
      } else if (r < 6) {
        g = Regime{5 + int(rng_() % 15),
                   0.002 + 0.008 * std::uniform_real_distribution<double>()(rng_)};
      } else if (r < 15) {
        g = Regime{50 + int(rng_() % 200), (rng_() % 2 ? 1 : -1) * 0.0005};
      } else {
        g = Regime{20, 0.0};
      }
    }
    --g.ticks_left;
    const double noise = std::normal_distribution<double>(0.0, 0.0015)(rng_);
    const InstrumentSpec& s = config_.instruments[i];
    std::int64_t m = static_cast<std::int64_t>(double(marks_[i]) * (1.0 + g.drift + noise));
    // Mean reversion keeps a stream near its start so accounts keep trading.
    m += (s.initial_mark.raw() - m) / 50;
    m = std::clamp(m, s.min_price.raw(), s.max_price.raw());
    if (rng_() % 50 == 0) m = marks_[i];  // an unchanged mark now and then
    marks_[i] = m;
    return make_mark(i, Price{m}, time_ns_);
  }

  Event fill_event() {
    const auto a = static_cast<std::uint32_t>(rng_() % account_count_);
    bool found = false;
    const std::uint16_t i = random_instrument_for(assets_[a], found);
    if (!found) return mark_event();
    std::uint32_t b = static_cast<std::uint32_t>(rng_() % account_count_);
    for (int tries = 0; tries < 16 && (b == a || assets_[b] != assets_[a]); ++tries) {
      b = static_cast<std::uint32_t>(rng_() % account_count_);
    }
    if (b == a || assets_[b] != assets_[a]) return mark_event();
    const InstrumentSpec& s = config_.instruments[i];
    const std::int64_t mark = marks_[i];
    const std::int64_t price =
        std::clamp(mark + static_cast<std::int64_t>(
                              double(mark) * std::normal_distribution<double>(0, 0.002)(rng_)),
                   s.min_price.raw(), s.max_price.raw());
    // Size from the taker's leverage: notional ~ deposit * leverage * U(0.05, 0.6).
    const double notional = double(deposits_[a]) * leverage_[a] *
                            std::uniform_real_distribution<double>(0.05, 0.6)(rng_);
    const double lot_value = s.kind == ContractKind::kLinearPerpetual
                                 ? double(price) * double(s.multiplier)
                                 : double(s.multiplier) / double(price);
    std::int64_t qty = std::max<std::int64_t>(1, static_cast<std::int64_t>(notional / lot_value));
    qty = std::min(qty, s.max_position.raw() / 4);
    const Side side = rng_() % 2 ? Side::kBuy : Side::kSell;
    const std::int64_t fee = static_cast<std::int64_t>(notional * 0.0004);
    const std::int64_t rebate = rng_() % 2 ? -static_cast<std::int64_t>(notional * 0.0001) : 0;
    return make_fill(i, side, account_id(a), account_id(b), Price{price}, Qty{qty}, Money{fee},
                     Money{rebate}, time_ns_);
  }

  Event deposit_event() {
    const auto a = static_cast<std::uint32_t>(rng_() % account_count_);
    const std::int64_t amount =
        std::max<std::int64_t>(1, deposits_[a] / (1 + static_cast<std::int64_t>(rng_() % 20)));
    return make_deposit(account_id(a), Money{amount}, time_ns_);
  }

  Event withdraw_event() {
    const auto a = static_cast<std::uint32_t>(rng_() % account_count_);
    const std::int64_t amount =
        std::max<std::int64_t>(1, deposits_[a] / (1 + static_cast<std::int64_t>(rng_() % 4)));
    return make_withdraw(account_id(a), Money{amount}, time_ns_);
  }

  Event funding_event() {
    const auto i = static_cast<std::uint16_t>(rng_() % config_.instruments.size());
    std::int64_t rate = static_cast<std::int64_t>(rng_() % 60'001) - 30'000;  // +-0.03%
    if (rng_() % 10 == 0) rate *= 10;                                         // stressed funding
    if (rng_() % 50 == 0) rate = 2 * config_.max_abs_funding_rate_e8;         // refused
    return make_funding(i, rate, time_ns_);
  }

  Event invalid_event() {
    switch (rng_() % 6) {
      case 0:
        return make_deposit(999'999'999, Money{5}, time_ns_);
      case 1:
        return make_mark(static_cast<std::uint16_t>(config_.instruments.size() + 3), Price{5},
                         time_ns_);
      case 2:
        return make_mark(0, Price{config_.instruments[0].max_price.raw() + 1}, time_ns_);
      case 3:
        return make_fill(0, Side::kBuy, account_id(1), account_id(1), Price{marks_[0]}, Qty{1});
      case 4:
        return make_fill(0, Side::kSell, account_id(1), account_id(2), Price{marks_[0]}, Qty{0});
      default:
        return make_open_account(account_id(0), 0, MarginMode::kCross, time_ns_);
    }
  }

  std::mt19937_64 rng_;
  std::uint32_t account_count_;
  RiskConfig config_;
  std::vector<std::int64_t> marks_;
  std::vector<Regime> regime_;
  std::vector<std::uint8_t> assets_;
  std::vector<double> leverage_;
  std::vector<std::int64_t> deposits_;
  std::int64_t time_ns_ = 0;
};

// Makes the first account of each asset (in `setup`'s order) that asset's backstop account.
inline void first_accounts_as_backstops(WaterfallConfig& w, const std::vector<Event>& setup) {
  w.backstop_accounts = {0, 0};
  for (const Event& e : setup) {
    if (e.type != EventType::kAccountConfig) continue;
    std::uint64_t& b = w.backstop_accounts[e.account.asset];
    if (b == 0) b = e.account.account;
  }
}

// The configuration of a stream followed through liquidations: takeover mode (fee 0.5 %), the
// first accounts as backstops, a position slot for every instrument the backstop may take over.
inline RiskConfig takeover_stream_config(const StreamGenerator& gen,
                                         const std::vector<Event>& setup,
                                         std::uint32_t instruments) {
  RiskConfig config = gen.config();
  config.positions_per_account = std::max<std::uint32_t>(config.positions_per_account, instruments);
  first_accounts_as_backstops(config.waterfall, setup);
  config.waterfall.mode = LiquidationMode::kTakeover;
  config.waterfall.liquidation_fee_rate = 5'000;
  return config;
}

}  // namespace backstop::test
