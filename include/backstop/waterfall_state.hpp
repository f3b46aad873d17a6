// All state the waterfall adds to the ledger: the funds beyond the insurance fund (default fund,
// venue tranche, receivables, bad debt), what was socialized and paid by ADL, each member's
// default-fund share and assessment, order-mode deadlines and insurance-cap windows, and what
// socialized losses charged each side of each instrument. Canonical (snapshot and digest) but for
// the counters. Per-asset arrays inline, per-account tables allocated once. Owned by the risk
// engine thread.
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "backstop/control_state.hpp"
#include "backstop/huge_array.hpp"
#include "backstop/risk_config.hpp"
#include "backstop/state_records.hpp"

namespace backstop {

struct WaterfallState {
  std::array<std::int64_t, kMaxAssets> default_fund{};  // Σ contributions
  std::array<std::int64_t, kMaxAssets> venue_tranche{};
  std::array<std::int64_t, kMaxAssets> receivable{};  // Σ assessments owed
  std::array<std::int64_t, kMaxAssets> bad_debt{};
  std::array<std::int64_t, kMaxAssets> socialized{};  // Σ deficits socialized
  std::array<std::int64_t, kMaxAssets> adl_paid{};    // Σ paid by ADL counterparties
  std::uint64_t liquidations = 0;
  std::uint64_t partial_liquidations = 0;  // of `liquidations`: reduced to IM, not closed out
  std::uint64_t adl_fills = 0;
  std::uint64_t records_dropped = 0;  // audit records beyond the per-event capacity
  std::uint32_t member_count = 0;
  std::unique_ptr<std::int64_t[]> contribution;  // per account slot: default-fund share
  // Per account slot: Σ default-fund contributions ever paid in, never reduced by draws. Tier 7
  // assesses pro rata to it: the replenishment call comes exactly when draws have emptied the
  // shares, so the shares left cannot be the key.
  std::unique_ptr<std::int64_t[]> committed;
  std::unique_ptr<std::int64_t[]> owed;             // per account slot: assessment receivable
  std::unique_ptr<std::int64_t[]> deadline_ns;      // per account: order-mode takeover time (0)
  std::unique_ptr<std::int64_t[]> window_start_ns;  // per account: insurance cap window
  std::unique_ptr<std::int64_t[]> window_drawn;     // per account: drawn in that window
  std::unique_ptr<std::uint32_t[]> members;         // slots with a contribution, first-come order
  // Per instrument x side (long, short): Σ socialized charges its holders paid, the parts covered
  // plus their rounding excess (adl_policies.hpp). A statistic of the whole history, never read
  // back by the engine.
  std::unique_ptr<std::int64_t[]> socialized_charged;
  ControlState controls;  // the risk controls and fund triggers (control_state.hpp)

  // Cold: sizes every table.
  void allocate(std::uint32_t accounts, std::uint32_t instruments,
                std::uint32_t drawdown_capacity = 0) {
    controls.allocate(instruments, drawdown_capacity);
    contribution = std::make_unique<std::int64_t[]>(accounts);
    committed = std::make_unique<std::int64_t[]>(accounts);
    owed = std::make_unique<std::int64_t[]>(accounts);
    deadline_ns = std::make_unique<std::int64_t[]>(accounts);
    window_start_ns = std::make_unique<std::int64_t[]>(accounts);
    window_drawn = std::make_unique<std::int64_t[]>(accounts);
    members = std::make_unique<std::uint32_t[]>(accounts);
    socialized_charged = std::make_unique<std::int64_t[]>(std::size_t{instruments} * 2);
  }

  // Cold: backstop::touch_pages over the per-account tables of the first `accounts` slots.
  std::uint64_t touch_pages(std::uint32_t accounts) const noexcept {
    std::uint64_t sum = 0;
    for (const auto* t : {contribution.get(), committed.get(), owed.get(), deadline_ns.get(),
                          window_start_ns.get(), window_drawn.get()}) {
      if (t != nullptr) sum += backstop::touch_pages(t, std::size_t{accounts} * sizeof(*t));
    }
    return sum;
  }

  // The persistent state, in order (see state_records.hpp):
  //   v(WaterfallFundsRecord{asset}, default_fund, venue_tranche, receivable, bad_debt,
  //     socialized, adl_paid)                                         per asset
  //   v(StatisticRecord{}, liquidations, partial_liquidations, adl_fills, records_dropped)
  //   v(MemberCountRecord{}, member_count), then v(MemberRecord{k}, members[k]) per member
  //   v(WaterfallAccountRecord{slot}, contribution, committed, owed, deadline_ns,
  //     window_start_ns, window_drawn)                                per account slot
  //   v(WaterfallInstrumentRecord{i}, socialized charged to longs, to shorts)   per instrument
  //   the risk controls' list (ControlState::visit)
  template <class V>
  void visit(V& v, std::uint32_t assets, std::uint32_t accounts, std::uint32_t instruments) const {
    describe(*this, v, assets, accounts, instruments);
    controls.visit(v, assets, instruments);
  }
  template <class V>
  void restore(V& v, std::uint32_t assets, std::uint32_t accounts, std::uint32_t instruments) {
    describe(*this, v, assets, accounts, instruments);
    controls.restore(v, assets, instruments);
  }

 private:
  template <class Self, class V>
  static void describe(Self& self, V& v, std::uint32_t assets, std::uint32_t accounts,
                       std::uint32_t instruments) {
    for (std::uint32_t k = 0; k < assets; ++k) {
      v(WaterfallFundsRecord{static_cast<std::uint8_t>(k)}, self.default_fund[k],
        self.venue_tranche[k], self.receivable[k], self.bad_debt[k], self.socialized[k],
        self.adl_paid[k]);
    }
    v(StatisticRecord{}, self.liquidations, self.partial_liquidations, self.adl_fills,
      self.records_dropped);
    v(MemberCountRecord{}, self.member_count);
    const std::uint32_t members = self.member_count < accounts ? self.member_count : accounts;
    for (std::uint32_t k = 0; k < members; ++k)
      v(MemberRecord{k}, as_self<Self>(self.members[k]));
    for (std::uint32_t a = 0; a < accounts; ++a) {
      v(WaterfallAccountRecord{a}, as_self<Self>(self.contribution[a]),
        as_self<Self>(self.committed[a]), as_self<Self>(self.owed[a]),
        as_self<Self>(self.deadline_ns[a]), as_self<Self>(self.window_start_ns[a]),
        as_self<Self>(self.window_drawn[a]));
    }
    for (std::uint32_t i = 0; i < instruments; ++i) {
      v(WaterfallInstrumentRecord{static_cast<std::uint16_t>(i)},
        as_self<Self>(self.socialized_charged[2 * i]),
        as_self<Self>(self.socialized_charged[2 * i + 1]));
    }
  }
};

}  // namespace backstop
