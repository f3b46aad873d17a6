// What an Engine is built from: the risk core's configuration plus the pipeline's own (ring sizes,
// the journal, the risk thread's CPU, acknowledgements, ADL ranking upkeep). Plain configuration;
// read once by the thread that builds the engine (config_file.hpp loads it from TOML).
#pragma once

#include <cstdint>
#include <string>

#include "backstop/risk_config.hpp"
#include "pipeline/journal_options.hpp"

namespace backstop {

struct EngineConfig {
  RiskConfig risk;
  std::int64_t input_ring_size = 1 << 16;   // power of two
  std::int64_t output_ring_size = 1 << 16;  // power of two
  JournalOptions journal;                   // folder empty: journal off
  int risk_cpu = 1;                         // CPU the risk thread pins itself to; -1: no pinning
  bool acknowledge_inputs = false;          // emit a kProcessed output after each input's others
  // The risk thread rebuilds an unusable ADL ranking between batches, so that ranked ADL finds it
  // ready instead of rebuilding it inside a liquidation (a latency choice: outputs and state are
  // the same either way). Off: the ranking is rebuilt only when ADL needs it, as in synchronous
  // mode; until an ADL first builds it, touched accounts cost no upkeep either.
  bool maintain_adl_ranking = true;
};

// Empty when valid; otherwise "key: reason" for the first invalid value.
std::string validate_engine_config(const EngineConfig& config);

}  // namespace backstop
