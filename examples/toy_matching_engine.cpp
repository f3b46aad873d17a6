// A toy matching engine embedding Backstop: one thread publishes the fills it "matches" and the
// marks it computes, and between publishes polls Backstop's outputs for accounts to liquidate.
// Exits 0 when the crash it simulates got the over-leveraged account reported, 1 otherwise.
#include <cstdio>
#include <vector>

#include "backstop/instrument_presets.hpp"
#include "pipeline/engine.hpp"

using namespace backstop;

int main() {
  EngineConfig config;
  config.risk.max_accounts = 16;
  config.risk.instruments = {presets::btcusdt_linear()};  // instrument 0, settles in asset 0
  config.input_ring_size = 1024;
  config.output_ring_size = 1024;
  config.risk_cpu = -1;  // an example should not pin itself
  Engine engine(config);
  engine.start();

  std::vector<std::uint64_t> to_liquidate;
  int rejected = 0;
  auto drain = [&] {
    engine.poll([&](const OutputEvent& out) {
      if (out.kind == OutputKind::kRejected) {
        ++rejected;
        std::printf("rejected input %lld: %.*s\n", static_cast<long long>(out.input_sequence),
                    static_cast<int>(to_string(out.code).size()), to_string(out.code).data());
      } else if (out.kind == OutputKind::kRisk &&
                 (out.risk.type == OutputType::kBecameLiquidatable ||
                  out.risk.type == OutputType::kBecameBankrupt)) {
        to_liquidate.push_back(out.risk.account);
        std::printf("account %llu under maintenance: equity %lld, maintenance %lld\n",
                    static_cast<unsigned long long>(out.risk.account),
                    static_cast<long long>(out.risk.equity.raw()),
                    static_cast<long long>(out.risk.maintenance.raw()));
      }
    });
  };
  // Publish with back-pressure: a full ring means "poll, then try again".
  auto publish = [&](const Event& e) {
    while (engine.try_publish(e).status == PublishStatus::kRingFull)
      drain();
    drain();
  };

  // Two traders with 1,000 USDT each; a third account that will never exist gets rejected.
  for (std::uint64_t id : {1, 2}) {
    publish(make_open_account(id, 0));
    publish(make_deposit(id, Money{1'000'000'000}));  // Money is 1e-6 USDT
  }
  publish(make_deposit(3, Money{5}));  // unknown account: rejected, nothing changes
  // The "book" matches account 1 buying 0.25 BTC from account 2 at 60,000 USDT (15x leverage).
  publish(
      make_fill(0, Side::kBuy, 1, 2, Price{600'000}, Qty{250}, Money{7'500'000}, Money{3'000'000}));
  // The index slides 8 % in 0.1 % steps; Backstop flags account 1 on the way down (under
  // maintenance near -6.3 %, bankrupt near -7 %), never account 2 (short, and winning).
  for (std::int64_t mark = 600'000; mark >= 552'000; mark -= 600)
    publish(make_mark(0, Price{mark}));

  engine.stop();
  drain();
  std::printf("liquidation candidates: %zu, rejected inputs: %d\n", to_liquidate.size(), rejected);
  bool only_account_1 = !to_liquidate.empty();
  for (std::uint64_t id : to_liquidate)
    only_account_1 = only_account_1 && id == 1;
  const bool ok = only_account_1 && rejected == 1;
  return ok ? 0 : 1;
}
