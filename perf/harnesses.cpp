#include "harnesses.hpp"

#include <array>

namespace backstop::perf {

std::span<const Harness> harnesses() noexcept {
  static constexpr std::array kHarnesses{
      Harness{"ring",
              "ring-buffer throughput (1P->1C, batched, 64-byte), mutex baseline, round trip",
              &run_ring_harness},
      Harness{"pipeline", "end-to-end publish -> output latency and throughput of the Engine",
              &run_pipeline_harness},
      Harness{"margin",
              "risk core: mark tick via the trigger index vs full rescan, fill, funding, memory",
              &run_margin_harness},
      Harness{
          "adl",
          "liquidation + waterfall + ranked ADL allocation latency vs a full sort (--positions)",
          &run_adl_harness},
      Harness{"sizing",
              "coverage book: full recompute, one account's incremental update (--scenarios)",
              &run_sizing_harness},
  };
  return kHarnesses;
}

}  // namespace backstop::perf
