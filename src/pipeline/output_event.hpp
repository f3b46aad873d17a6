// The Engine's output record: one per thing that happened to an input (a rejection, a risk status
// change, a waterfall money movement, an ADL-quantile change), 64 bytes so that the output ring's
// slots are one cache line each. Trivially copyable, no padding, so that it can be written to a
// file or compared byte for byte.
#pragma once

#include <cstdint>
#include <type_traits>

#include "backstop/adl_quantile_record.hpp"
#include "backstop/events.hpp"
#include "backstop/reject_code.hpp"
#include "backstop/state_feed.hpp"
#include "backstop/waterfall_records.hpp"

namespace backstop {

enum class OutputKind : std::uint8_t {
  kRisk = 1,         // a RiskOutput: an account became liquidatable, bankrupt, recovered, ...
  kRejected = 2,     // the input event was refused; `code` says why
  kProcessed = 3,    // the input is applied (only with EngineConfig::acknowledge_inputs)
  kWaterfall = 4,    // a WaterfallRecord: liquidation order, takeover, fund draw, ADL fill, ...
  kAdlQuantile = 5,  // an AdlQuantileRecord: a position's ADL quantile changed (periodic)
  kState = 6,        // a StateRecord: the state the input left (only with RiskConfig::state_feed)
};

// One output record, in input order; an input's records are contiguous.
struct alignas(64) OutputEvent {
  std::int64_t input_sequence;
  OutputKind kind;
  std::uint8_t input_type;  // EventType of the input
  RejectCode code;          // kRejected: the reason
  std::uint32_t reserved;
  union {
    RiskOutput risk;                 // kRisk
    WaterfallRecord waterfall;       // kWaterfall (its `kind` says which movement)
    AdlQuantileRecord adl_quantile;  // kAdlQuantile
    StateRecord state;               // kState
  };
  std::int64_t input_time_ns;  // the input's event time (audit records carry it)
};
static_assert(sizeof(OutputEvent) == 64);
static_assert(std::has_unique_object_representations_v<OutputEvent>);

}  // namespace backstop
