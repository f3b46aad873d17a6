// The README's "embedding in ten lines", whole: a venue with one BTCUSDT perpetual and a backstop
// account; a trader buys 1 BTC at 60,000 USDT with 1,000 USDT of collateral, the mark falls to
// 59,200 and Backstop liquidates it (the backstop account takes the position over). Exits 0 when
// the takeover was published, 1 otherwise.
#include <cstdio>

#include "backstop/instrument_presets.hpp"
#include "pipeline/engine.hpp"

using namespace backstop;

int main() {
  EngineConfig config;
  config.risk.instruments = {presets::btcusdt_linear()};  // instrument 0: price in 0.1 USDT ticks
  config.risk.waterfall.mode = LiquidationMode::kTakeover;
  config.risk.waterfall.backstop_accounts = {999};
  config.risk_cpu = -1;   // an example does not pin its risk thread
  Engine engine(config);  // every table is sized here; an invalid config throws
  engine.start();         // the risk thread (and, with a journal, the journal thread)

  const std::int64_t usdt = 1'000'000;  // Money is 1e-6 USDT
  for (const std::uint64_t id : {1, 2, 999})
    (void)engine.try_publish(make_open_account(id, 0));
  (void)engine.try_publish(make_deposit(1, Money{1'000 * usdt}));
  (void)engine.try_publish(make_deposit(2, Money{1'000'000 * usdt}));
  (void)engine.try_publish(make_deposit(999, Money{1'000'000 * usdt}));
  // Account 1 buys 1,000 lots (1 BTC) from account 2 at 60,000.0 USDT; then the mark falls.
  (void)engine.try_publish(make_fill(0, Side::kBuy, 1, 2, Price{600'000}, Qty{1'000}));
  (void)engine.try_publish(make_mark(0, Price{592'000}));
  engine.stop();  // waits until every published event is applied

  bool taken_over = false;
  engine.poll([&](const OutputEvent& out) {
    if (out.kind == OutputKind::kWaterfall && out.waterfall.kind == WaterfallKind::kTakeover) {
      std::printf("account %llu: %lld lots taken over by the backstop\n",
                  static_cast<unsigned long long>(out.waterfall.account),
                  static_cast<long long>(out.waterfall.amount));
      taken_over = true;
    }
  });
  return taken_over ? 0 : 1;
}
