// Shared by the market-data fuzz targets: reads an input to its end and checks what every reader
// promises whatever the bytes - a definite end status, a record count that matches the records
// handed out, and records that passed the checks of record_checks.hpp (prices > 0, sizes >= 0, a
// candle's low at or below its high, times not negative). A broken promise traps.
#pragma once

#include <cstdint>

#include "marketdata/reader.hpp"

namespace backstop::fuzz {

inline void check_record(const marketdata::MarketRecord& r) {
  using marketdata::RecordKind;
  if (r.ts_ns < 0) __builtin_trap();
  switch (r.kind) {
    case RecordKind::kTrade:
    case RecordKind::kLiquidation:
      if (r.price.mantissa <= 0 || r.size.mantissa <= 0) __builtin_trap();
      break;
    case RecordKind::kMarkPrice:
    case RecordKind::kIndexPrice:
      if (r.price.mantissa <= 0) __builtin_trap();
      break;
    case RecordKind::kCandle:
      if (r.low.mantissa <= 0 || marketdata::to_double(r.low) > marketdata::to_double(r.high))
        __builtin_trap();
      break;
    default:
      break;
  }
}

// Drains `reader` (opened with status `open`).
inline void drain(marketdata::MarketReader& reader, marketdata::ReadStatus open) {
  using marketdata::ReadStatus;
  if (open != ReadStatus::kOk) {
    if (reader.error().empty() && open != ReadStatus::kOutOfMemory) __builtin_trap();
    return;
  }
  marketdata::MarketRecord r;
  ReadStatus status;
  std::uint64_t records = 0;
  while ((status = reader.next(r)) == ReadStatus::kOk) {
    check_record(r);
    ++records;
  }
  if (records != reader.stats().records) __builtin_trap();
  if (status != ReadStatus::kEnd && reader.error().empty()) __builtin_trap();
}

}  // namespace backstop::fuzz
