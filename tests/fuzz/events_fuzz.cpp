// Fuzzes the event entrance and the risk engine: arbitrary bytes, cut into 64-byte events, go
// through the Engine's synchronous mode. Nothing may crash or trip a sanitizer, every event gets a
// definite outcome, and conservation (docs/design.md §2) holds after each one.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "backstop/instrument_presets.hpp"
#include "core/test_support.hpp"
#include "pipeline/engine.hpp"

namespace {

backstop::Engine& engine_for_run() {
  // A fresh engine per input keeps runs independent; small capacities reach "full" paths quickly.
  static backstop::EngineConfig config = [] {
    backstop::EngineConfig c;
    c.risk.max_accounts = 8;
    c.risk.positions_per_account = 2;
    c.risk.asset_count = 2;
    c.risk.instruments = {backstop::presets::btcusdt_linear(0),
                          backstop::presets::btcusd_inverse(1)};
    c.input_ring_size = 16;
    c.output_ring_size = 16;
    c.risk_cpu = -1;
    return c;
  }();
  static backstop::Engine* engine = nullptr;
  delete engine;
  engine = new backstop::Engine(config);
  return *engine;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  backstop::Engine& engine = engine_for_run();
  for (std::size_t at = 0; at + sizeof(backstop::Event) <= size; at += sizeof(backstop::Event)) {
    backstop::Event e;
    std::memcpy(&e, data + at, sizeof e);
    const backstop::PublishResult r = engine.process(e, [](const backstop::OutputEvent&) {});
    if (r.status == backstop::PublishStatus::kRingFull) __builtin_trap();  // sync mode never fills
    if (!backstop::test::conservation_holds(engine.risk())) __builtin_trap();
  }
  return 0;
}
