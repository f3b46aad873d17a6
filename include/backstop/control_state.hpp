// The state the risk controls and the two fund triggers add to the waterfall (docs/waterfall.md,
// risk controls and triggers): per asset the share of trading fees routed to the insurance fund and
// whether the drawdown trigger holds the asset in ADL, with the fund levels of its rolling window;
// per instrument the ADL mode and the liquidation hold. Canonical (snapshot and digest; a digest
// leaves out what is all zero, so that runs without controls keep their digests). Tables allocated
// once; owned by the risk engine thread.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "backstop/money.hpp"
#include "backstop/risk_config.hpp"
#include "backstop/state_records.hpp"

namespace backstop {

struct ControlState {
  std::array<std::int64_t, kMaxAssets> fee_share_ppm{};
  std::array<std::int64_t, kMaxAssets> drawdown_adl{};  // 1 while the drawdown trigger is on
  std::unique_ptr<std::uint8_t[]> adl_mode;             // per instrument: AdlMode
  std::unique_ptr<std::uint8_t[]> hold_mode;            // per instrument: HoldMode
  std::unique_ptr<std::int64_t[]> hold_until_ns;        // per instrument
  // The latest end of any hold set (derived): no hold is in force at or after it, so that the
  // waterfall looks at an account's positions only while one may be.
  std::int64_t holds_until_ns = 0;

  // The drawdown window per asset: a monotonic queue of (event time, fund level) samples, levels
  // strictly decreasing from the head, so that the head is the maximum of the samples still in the
  // window. `ring_capacity` samples per asset (a power of two); when full, a new sample lower than
  // the tail does not get a slot: the tail keeps its (higher) level and takes the new time, which
  // can only keep a high level longer in the window - the trigger fires earlier, never later.
  std::uint32_t ring_capacity = 0;
  std::unique_ptr<std::int64_t[]> ring_time_ns;  // assets x capacity
  std::unique_ptr<std::int64_t[]> ring_level;
  std::array<std::uint32_t, kMaxAssets> ring_head{};
  std::array<std::uint32_t, kMaxAssets> ring_count{};
  std::uint64_t ring_merged = 0;  // samples merged into the tail because the ring was full

  // Cold: sizes every table; `ring_capacity` 0 when the drawdown trigger is off.
  void allocate(std::uint32_t instruments, std::uint32_t capacity) {
    adl_mode = std::make_unique<std::uint8_t[]>(instruments);
    hold_mode = std::make_unique<std::uint8_t[]>(instruments);
    hold_until_ns = std::make_unique<std::int64_t[]>(instruments);
    ring_capacity = capacity;
    if (capacity != 0) {
      ring_time_ns = std::make_unique<std::int64_t[]>(std::size_t{kMaxAssets} * capacity);
      ring_level = std::make_unique<std::int64_t[]>(std::size_t{kMaxAssets} * capacity);
    }
  }

  // ---- The drawdown window ----
  std::size_t at(std::uint8_t asset, std::uint32_t k) const noexcept {
    return std::size_t{asset} * ring_capacity + ((ring_head[asset] + k) & (ring_capacity - 1));
  }
  // A sample of the fund at `time_ns`; samples older than time_ns - window_ns leave the window
  // (the newest always stays). O(1) amortized. Precondition: ring_capacity > 0.
  void note_level(std::uint8_t asset, std::int64_t time_ns, std::int64_t level,
                  std::int64_t window_ns) noexcept {
    std::uint32_t& count = ring_count[asset];
    while (count > 0 && ring_level[at(asset, count - 1)] <= level)
      --count;
    if (count == ring_capacity) {
      ring_time_ns[at(asset, count - 1)] = time_ns;
      ++ring_merged;
    } else {
      ring_time_ns[at(asset, count)] = time_ns;
      ring_level[at(asset, count)] = level;
      ++count;
    }
    while (count > 1 && ring_time_ns[at(asset, 0)] < time_ns - window_ns) {
      ring_head[asset] = (ring_head[asset] + 1) & (ring_capacity - 1);
      --count;
    }
  }
  // The highest sample in the window; `level` when there is none.
  std::int64_t window_max(std::uint8_t asset, std::int64_t level) const noexcept {
    return ring_count[asset] == 0 ? level : ring_level[at(asset, 0)];
  }

  // The persistent state, in order (see state_records.hpp):
  //   v(ControlAssetRecord{asset}, fee_share_ppm, drawdown_adl, samples in the window)  per asset
  //     then v(DrawdownSampleRecord{asset, k}, time, level) per sample, oldest first
  //   v(ControlInstrumentRecord{i}, adl_mode, hold_mode, hold_until_ns)               per
  //   instrument
  template <class V>
  void visit(V& v, std::uint32_t assets, std::uint32_t instruments) const {
    for (std::uint32_t a = 0; a < assets; ++a) {
      const auto asset = static_cast<std::uint8_t>(a);
      v(ControlAssetRecord{asset}, fee_share_ppm[a], drawdown_adl[a], ring_count[a]);
      for (std::uint32_t k = 0; k < ring_count[a]; ++k)
        v(DrawdownSampleRecord{asset, k}, ring_time_ns[at(asset, k)], ring_level[at(asset, k)]);
    }
    for (std::uint32_t i = 0; i < instruments; ++i)
      v(ControlInstrumentRecord{static_cast<std::uint16_t>(i)}, adl_mode[i], hold_mode[i],
        hold_until_ns[i]);
  }
  // Reads the same list; samples beyond this engine's ring capacity are read and counted, and
  // finish_restore() refuses them.
  template <class V>
  void restore(V& v, std::uint32_t assets, std::uint32_t instruments) {
    for (std::uint32_t a = 0; a < assets; ++a) {
      const auto asset = static_cast<std::uint8_t>(a);
      std::uint32_t count = 0;
      v(ControlAssetRecord{asset}, fee_share_ppm[a], drawdown_adl[a], count);
      ring_head[a] = 0;
      ring_count[a] = 0;
      for (std::uint32_t k = 0; k < count; ++k) {
        std::int64_t time_ns = 0;
        std::int64_t level = 0;
        v(DrawdownSampleRecord{asset, k}, time_ns, level);
        if (k < ring_capacity) {
          ring_time_ns[at(asset, k)] = time_ns;
          ring_level[at(asset, k)] = level;
          ring_count[a] = k + 1;
        } else {
          ++restore_overflow_;
        }
      }
    }
    for (std::uint32_t i = 0; i < instruments; ++i)
      v(ControlInstrumentRecord{static_cast<std::uint16_t>(i)}, adl_mode[i], hold_mode[i],
        hold_until_ns[i]);
  }
  // After restore(): empty when what was read fits this engine, else what is wrong; derives
  // holds_until_ns.
  [[nodiscard]] std::string finish_restore(std::uint32_t instruments) {
    if (restore_overflow_ != 0) {
      return "the drawdown window holds more samples than this engine's drawdown_capacity";
    }
    for (std::size_t a = 0; a < kMaxAssets; ++a) {
      if (fee_share_ppm[a] < 0 || fee_share_ppm[a] > kRateScale || drawdown_adl[a] < 0 ||
          drawdown_adl[a] > 1) {
        return "bad risk control state";
      }
    }
    holds_until_ns = 0;
    for (std::uint32_t i = 0; i < instruments; ++i) {
      if (adl_mode[i] > 2 || hold_mode[i] > 2) return "bad risk control state";

      if (hold_mode[i] != 0 && hold_until_ns[i] > holds_until_ns) holds_until_ns = hold_until_ns[i];
    }
    return {};
  }

 private:
  std::uint32_t restore_overflow_ = 0;
};

}  // namespace backstop
