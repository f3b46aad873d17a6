// The periodic ADL-quantile output (WaterfallConfig::adl_quantile_interval_ns): the 1-5 "lights"
// users see for each position. The first event starts the clock; an event whose time reaches the
// due time rebuilds the ranking and publishes every (account, instrument) whose quantile changed
// since its last publication, in ascending (account id, instrument) order; beyond the capacity a
// change is counted and left for a later due time. Owned by the risk engine thread; tables
// allocated by the constructor, only when the output is on. Cost: an event before the due time,
// one compare; at the due time, a ranking rebuild and O(accounts x instruments) (cold,
// adl_quantiles.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <type_traits>

#include "backstop/adl_quantile_record.hpp"
#include "backstop/adl_schedule.hpp"
#include "backstop/ledger.hpp"
#include "backstop/state_records.hpp"
#include "backstop/waterfall_config.hpp"

namespace backstop {

class AdlQuantilePublisher {
 public:
  static constexpr std::int64_t kClockStopped = INT64_MIN;  // no event seen yet

  // Allocates the tables when the output is on (liquidation on and an interval set).
  AdlQuantilePublisher(const Ledger& ledger, AdlSchedule& schedule, const WaterfallConfig& config);

  bool on() const noexcept { return capacity_ != 0; }
  void clear() noexcept { count_ = 0; }
  // After each event: publishes if `time_ns` reached the due time.
  void after_event(std::int64_t time_ns) noexcept {
    if (capacity_ == 0) return;
    if (next_due_ns_ == kClockStopped) {
      next_due_ns_ = saturated(Int128{time_ns} + interval_ns_);
      return;
    }
    if (time_ns >= next_due_ns_) publish(time_ns);
  }
  std::span<const AdlQuantileRecord> records() const noexcept { return {records_.get(), count_}; }
  // Changes left out of publications for lack of capacity (each published at a later due time).
  std::uint64_t dropped() const noexcept { return dropped_; }

  // The persistent state, in order: v(AdlQuantileClockRecord{on}, next due ns),
  // v(StatisticRecord{}, dropped), v(QuantileTableRecord{}, held: 1 when the output is on), then,
  // when held, v(PublishedQuantileRecord{slot, instrument}, quantile last published) for every
  // account slot and instrument.
  template <class V>
  void visit(V& v) const {
    describe(*this, v);
  }
  // A state saved with the output on restores into an engine with it off (the table is read and
  // dropped) and the other way (nothing published yet); either way the clock starts afresh.
  template <class V>
  void restore(V& v) {
    describe(*this, v);
  }
  // After restore(): empty when what was read is consistent, else what is wrong.
  [[nodiscard]] std::string finish_restore();

 private:
  static std::int64_t saturated(Int128 v) noexcept {
    return v > INT64_MAX ? INT64_MAX : static_cast<std::int64_t>(v);
  }
  void publish(std::int64_t time_ns) noexcept;

  template <class Self, class V>
  static void describe(Self& self, V& v) {
    constexpr bool restoring = !std::is_const_v<Self>;
    v(AdlQuantileClockRecord{self.on()}, self.next_due_ns_);
    v(StatisticRecord{}, self.dropped_);
    std::uint8_t held = self.on() ? 1 : 0;
    v(QuantileTableRecord{}, held);  // restoring: what the saved state holds
    if constexpr (restoring) self.table_read_ = held;
    if (held != 1) return;
    const std::uint32_t instruments = self.ledger_.instrument_count();
    for (std::uint32_t a = 0; a < self.ledger_.account_count(); ++a) {
      for (std::uint32_t i = 0; i < instruments; ++i) {
        std::uint8_t dropped_entry = 0;  // restoring with the output off
        auto& q = self.on() ? as_self<Self>(self.published_[std::size_t{a} * instruments + i])
                            : dropped_entry;
        v(PublishedQuantileRecord{a, static_cast<std::uint16_t>(i)}, q);
        if constexpr (restoring) self.bad_entry_ |= dropped_entry > 5;
      }
    }
  }

  const Ledger& ledger_;
  AdlSchedule& schedule_;
  std::int64_t interval_ns_ = 0;
  std::size_t capacity_ = 0;
  std::size_t count_ = 0;
  std::int64_t next_due_ns_ = kClockStopped;
  std::uint64_t dropped_ = 0;
  std::unique_ptr<AdlQuantileRecord[]> records_;
  std::unique_ptr<std::uint8_t[]> published_;  // per account slot x instrument
  std::unique_ptr<std::uint32_t[]> by_id_;     // account slots sorted by id (scratch)
  std::uint8_t table_read_ = 0;                // restoring: whether the saved state held the table
  bool bad_entry_ = false;                     // restoring: a dropped entry was not a quantile
};

}  // namespace backstop
