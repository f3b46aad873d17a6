#include "margin_population.hpp"

#include <random>
#include <stdexcept>
#include <string>

namespace backstop::perf {

namespace {

InstrumentSpec linear(std::string symbol, std::int64_t multiplier, std::int64_t mark) {
  InstrumentSpec s;
  s.symbol = std::move(symbol);
  s.kind = ContractKind::kLinearPerpetual;
  s.settlement_asset = 0;
  s.multiplier = multiplier;
  s.min_price = Price{1};
  s.max_price = Price{mark * 100};
  s.initial_mark = Price{mark};
  s.max_position = Qty{100'000'000};
  s.brackets = {{Money{50'000'000'000}, 8'000, 4'000},
                {Money{250'000'000'000}, 10'000, 5'000},
                {Money{1'000'000'000'000}, 20'000, 10'000},
                {Money{0}, 50'000, 25'000}};
  return s;
}

}  // namespace

RiskConfig margin_population_config(std::uint32_t accounts, std::uint32_t positions_per_account) {
  RiskConfig c;
  c.max_accounts = accounts;
  c.positions_per_account = positions_per_account;
  c.asset_count = 1;
  // Money = 1e-6 USDT. BTC: tick 0.1, lot 0.001 -> 100/tick/lot; ETH: tick 0.01, lot 0.01 -> 100;
  // SOL: tick 0.001, lot 1 -> 1000.
  c.instruments = {linear("BTCUSDT", 100, 600'000), linear("ETHUSDT", 100, 300'000),
                   linear("SOLUSDT", 1000, 150'000)};
  return c;
}

MarginPopulation build_margin_population(std::uint32_t accounts,
                                         std::uint32_t positions_per_account, std::uint64_t seed,
                                         bool state_feed) {
  if (accounts < 2 || accounts % 2 != 0) throw std::invalid_argument("accounts: even, >= 2");
  MarginPopulation pop;
  pop.accounts = accounts;
  RiskConfig config = margin_population_config(accounts, positions_per_account);
  config.state_feed = state_feed;
  pop.engine = std::make_unique<RiskEngine>(config);
  RiskEngine& e = *pop.engine;
  std::mt19937_64 rng(seed);
  auto must = [](EventResult r, const char* what) {
    if (r.code != RejectCode::kOk)
      throw std::runtime_error(std::string(what) + " rejected: " + std::string(to_string(r.code)));
  };
  for (std::uint32_t a = 0; a < accounts; a += 2) {
    const std::uint64_t id = a + 1;
    // Deposit 1k-100k USDT each; both sides of a pair alike.
    const std::int64_t deposit = (1'000 + static_cast<std::int64_t>(rng() % 99'000)) * 1'000'000;
    must(e.process(make_open_account(id, 0)), "open");
    must(e.process(make_open_account(id + 1, 0)), "open");
    must(e.process(make_deposit(id, Money{deposit})), "deposit");
    must(e.process(make_deposit(id + 1, Money{deposit})), "deposit");
    // 1, 2 or 3 positions with probabilities 1/4, 1/2, 1/4 (capped by the capacity).
    const std::uint32_t roll = static_cast<std::uint32_t>(rng() % 4);
    std::uint32_t count = roll == 0 ? 1 : roll == 3 ? 3 : 2;
    count = std::min(count, positions_per_account);
    const double leverage = 1.0 + static_cast<double>(rng() % 900) / 100.0;
    const std::uint16_t first = static_cast<std::uint16_t>(count == 3 ? 0 : rng() % (4 - count));
    for (std::uint32_t k = 0; k < count; ++k) {
      const auto i = static_cast<std::uint16_t>(count == 3 ? k : (first + k) % 3);
      const InstrumentSpec& s = config.instruments[i];
      const double lot_value = double(s.initial_mark.raw()) * double(s.multiplier);
      const auto qty = std::max<std::int64_t>(
          1, static_cast<std::int64_t>(double(deposit) * leverage / count / lot_value));
      const Side side = rng() % 2 ? Side::kBuy : Side::kSell;
      must(e.process(make_fill(i, side, id, id + 1, s.initial_mark, Qty{qty})), "fill");
      pop.open_positions += 2;
      if (i == kTickedInstrument) pop.holders_of_instrument0 += 2;
    }
  }
  return pop;
}

}  // namespace backstop::perf
