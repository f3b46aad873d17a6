// The configuration a journal's inputs were applied under, in canonical form: one `key=value` line
// per setting that changes what the inputs do (risk capacities, every instrument, the loss
// waterfall), in a fixed order, with the TOML file's key names (docs/configuration.md). Settings
// that cannot change the state an input sequence leads to are left out: ring sizes, the risk
// thread's CPU, acknowledgements, the journal's own options, the descriptive tick and lot sizes,
// and the ADL ranking cache's tuning and the audit buffer's size (docs/journal.md says why each).
// Every journal file header and every snapshot header carries this text and its XXH3 hash, so
// recovery under another configuration is refused, naming the first setting that differs. Cold;
// any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "backstop/risk_config.hpp"

namespace backstop::pipeline {

struct ConfigFingerprint {
  std::string text;        // canonical lines, each "key=value\n"
  std::uint64_t hash = 0;  // XXH3-64 of `text`
};

[[nodiscard]] ConfigFingerprint config_fingerprint(const RiskConfig& config);

// XXH3-64 of a canonical text, as stored beside it in file headers.
[[nodiscard]] std::uint64_t fingerprint_hash(std::string_view text);

// Empty when the texts are the same; otherwise the sections that differ, then the first few
// settings with both values: `instrument[0] differ: instrument[0].multiplier: 100 in the journal,
// 10 in the configuration`.
// `recorded_by` names where `recorded` came from ("the journal", "the snapshot").
[[nodiscard]] std::string describe_config_difference(std::string_view recorded,
                                                     std::string_view current,
                                                     std::string_view recorded_by);

}  // namespace backstop::pipeline
