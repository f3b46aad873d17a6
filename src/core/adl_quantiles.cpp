// The quantile publication itself: cold, runs once per interval of event time.
#include "backstop/adl_quantiles.hpp"

#include <algorithm>

namespace backstop {

AdlQuantilePublisher::AdlQuantilePublisher(const Ledger& ledger, AdlSchedule& schedule,
                                           const WaterfallConfig& config)
    : ledger_(ledger), schedule_(schedule), interval_ns_(config.adl_quantile_interval_ns) {
  if (config.mode == LiquidationMode::kOff || interval_ns_ <= 0) return;
  const std::uint32_t accounts = ledger.max_accounts();
  const std::uint32_t instruments = ledger.instrument_count();
  // An account changes at most min(instruments, 2 x positions) quantiles between two
  // publications (every position it held then, and every one it holds now).
  capacity_ =
      config.adl_quantile_capacity != 0
          ? config.adl_quantile_capacity
          : std::size_t{accounts} * std::min(instruments, 2 * ledger.positions_per_account());
  records_ = std::make_unique<AdlQuantileRecord[]>(capacity_);
  published_ = std::make_unique<std::uint8_t[]>(std::size_t{accounts} * instruments);
  by_id_ = std::make_unique<std::uint32_t[]>(accounts);
}

// Advances the due time by whole intervals past `time_ns`, rebuilds the ranking and records every
// change in (account id, instrument) order.
void AdlQuantilePublisher::publish(std::int64_t time_ns) noexcept {
  const std::int64_t due = next_due_ns_;
  const Int128 steps = (Int128{time_ns} - due) / interval_ns_ + 1;
  next_due_ns_ = saturated(due + steps * interval_ns_);
  schedule_.rebuild();
  const std::uint32_t accounts = ledger_.account_count();
  const std::uint32_t instruments = ledger_.instrument_count();
  for (std::uint32_t a = 0; a < accounts; ++a)
    by_id_[a] = a;
  std::sort(by_id_.get(), by_id_.get() + accounts, [this](std::uint32_t x, std::uint32_t y) {
    return ledger_.account(x).id < ledger_.account(y).id;
  });
  for (std::uint32_t k = 0; k < accounts; ++k) {
    const std::uint32_t slot = by_id_[k];
    for (std::uint32_t i = 0; i < instruments; ++i) {
      const auto instrument = static_cast<std::uint16_t>(i);
      const std::uint8_t q = schedule_.quantile(slot, instrument);
      std::uint8_t& last = published_[std::size_t{slot} * instruments + i];
      if (q == last) continue;
      if (count_ == capacity_) {
        ++dropped_;
        continue;
      }
      records_[count_++] = AdlQuantileRecord{ledger_.account(slot).id,
                                             time_ns,
                                             due,
                                             ledger_.position_qty(slot, instrument),
                                             instrument,
                                             last,
                                             q,
                                             0};
      last = q;
    }
  }
}

std::string AdlQuantilePublisher::finish_restore() {
  if (table_read_ > 1) return "bad ADL-quantile table flag";
  const std::size_t n = std::size_t{ledger_.account_count()} * ledger_.instrument_count();
  for (std::size_t k = 0; on() && table_read_ == 1 && k < n; ++k)
    bad_entry_ |= published_[k] > 5;
  if (bad_entry_) return "bad published ADL quantiles";
  if (!on() || table_read_ == 0) next_due_ns_ = kClockStopped;
  return {};
}

}  // namespace backstop
