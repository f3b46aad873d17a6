// The output record of the periodic ADL-quantile publication (adl_quantiles.hpp). A plain value,
// 40 bytes with no padding, so that an OutputEvent can carry it.
#pragma once

#include <cstdint>
#include <type_traits>

namespace backstop {

// One publication: a position's quantile changed since it was last published. 40 bytes, no
// padding, so an OutputEvent can carry it.
struct AdlQuantileRecord {
  std::uint64_t account;  // external id
  std::int64_t time_ns;   // the event time that reached the due time
  std::int64_t due_ns;    // the due time reached
  std::int64_t qty;       // the position now (signed; 0: gone)
  std::uint16_t instrument;
  std::uint8_t old_quantile;  // as last published (0: none)
  std::uint8_t new_quantile;  // 1-5, 5 = first in line for ADL; 0: no position in the ranking
  std::uint32_t reserved;
};
static_assert(sizeof(AdlQuantileRecord) == 40);
static_assert(std::has_unique_object_representations_v<AdlQuantileRecord>);

}  // namespace backstop
