// The differential check shared by the random-stream and the real-marks tests: applies each event
// to the engine and to the brute-force reference model and asserts, after every event, the same
// reject code, liquidatable and bankrupt sets, outputs, balances, funds, margins and conservation.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "backstop/risk_engine.hpp"
#include "reference_model.hpp"
#include "support/engine_checks.hpp"
#include "test_support.hpp"

namespace backstop::test {

struct Differ {
  explicit Differ(const RiskConfig& config) : engine(config), reference(config) {}

  static std::uint8_t status_of(std::uint64_t id, const std::vector<std::uint64_t>& liq,
                                const std::vector<std::uint64_t>& bk) {
    if (std::binary_search(bk.begin(), bk.end(), id)) return 2;
    if (std::binary_search(liq.begin(), liq.end(), id)) return 1;
    return 0;
  }

  void compare_margin(std::uint64_t id) {
    const std::uint32_t slot = engine.find_account(id);
    ASSERT_NE(slot, kNoSlot);
    const ReferenceModel::Acct* ra = reference.find_const(id);
    ASSERT_NE(ra, nullptr);
    const AccountMargin m = engine.slot_margin(slot);
    const ReferenceModel::Margin rm = reference.margin(*ra);
    ASSERT_TRUE(m.equity == rm.equity) << "equity of " << id << " at event " << events;
    ASSERT_TRUE(m.maintenance == rm.maintenance) << "MM of " << id << " at event " << events;
    ASSERT_TRUE(m.initial == rm.initial) << "IM of " << id << " at event " << events;
    ASSERT_EQ(engine.positions(slot).size(), ra->positions.size());
  }

  void step(const Event& e) {
    ++events;
    const RejectCode got = engine.process(e).code;
    const RejectCode want = reference.apply(e);
    ASSERT_EQ(got, want) << "event " << events << " type " << int(e.type);
    if (got == RejectCode::kOk) ++accepted;

    reference.scan(liq, bk);
    engine_liq.clear();
    engine_bk.clear();
    for (std::uint32_t slot : engine.liquidatable()) {
      engine_liq.push_back(engine.account(slot).id);
      if (engine.account(slot).status == AccountStatus::kBankrupt) {
        engine_bk.push_back(engine.account(slot).id);
      }
    }
    std::sort(engine_liq.begin(), engine_liq.end());
    std::sort(engine_bk.begin(), engine_bk.end());
    ASSERT_EQ(engine_liq, liq) << "liquidatable set differs at event " << events;
    ASSERT_EQ(engine_bk, bk) << "bankrupt set differs at event " << events;
    max_liquidatable = std::max<std::size_t>(max_liquidatable, liq.size());

    // Outputs: exactly the accounts whose status changed, with the new status; plus under-IM fills.
    std::vector<std::pair<std::uint64_t, OutputType>> expected;
    for (const std::uint64_t id : liq) {
      const std::uint8_t now = status_of(id, liq, bk);
      if (now != status_of(id, prev_liq, prev_bk)) {
        expected.emplace_back(
            id, now == 2 ? OutputType::kBecameBankrupt : OutputType::kBecameLiquidatable);
      }
    }
    for (const std::uint64_t id : prev_liq) {
      if (!std::binary_search(liq.begin(), liq.end(), id))
        expected.emplace_back(id, OutputType::kRecovered);
    }
    if (e.type == EventType::kFill && got == RejectCode::kOk) {
      for (const std::uint64_t id : {e.fill.taker, e.fill.maker}) {
        const ReferenceModel::Margin rm = reference.margin(*reference.find_const(id));
        if (rm.equity < rm.initial) expected.emplace_back(id, OutputType::kUnderInitialMargin);
      }
    }
    std::sort(expected.begin(), expected.end());
    std::vector<std::pair<std::uint64_t, OutputType>> outputs;
    for (const RiskOutput& o : engine.outputs())
      outputs.emplace_back(o.account, o.type);
    ASSERT_EQ(outputs, expected) << "outputs differ at event " << events;
    outputs_seen += outputs.size();
    prev_liq = liq;
    prev_bk = bk;

    // Balances of every account (slots are assigned in the same order as the reference's), and
    // the funds.
    const std::vector<ReferenceModel::Acct>& accts = reference.accounts();
    ASSERT_EQ(engine.account_count(), accts.size());
    for (std::uint32_t slot = 0; slot < accts.size(); ++slot) {
      ASSERT_EQ(engine.account(slot).id, accts[slot].id);
      ASSERT_EQ(engine.account(slot).balance, accts[slot].balance)
          << "balance of " << accts[slot].id << " at event " << events;
    }
    for (std::uint8_t k = 0; k < engine.asset_count(); ++k) {
      ASSERT_TRUE(engine.insurance_fund(k).raw() == reference.insurance(k))
          << "insurance, event " << events;
      ASSERT_TRUE(engine.fee_pool(k).raw() == reference.fees(k));
    }
    ASSERT_TRUE(conservation_holds(engine)) << "conservation broken at event " << events;

    // Margins: the touched accounts every event, all accounts every 256 events.
    if (e.type == EventType::kFill && got == RejectCode::kOk) {
      compare_margin(e.fill.taker);
      compare_margin(e.fill.maker);
    } else if ((e.type == EventType::kDeposit || e.type == EventType::kWithdraw) &&
               got == RejectCode::kOk) {
      compare_margin(e.transfer.account);
    }
    if (events % 256 == 0) {
      for (const ReferenceModel::Acct& ra : reference.accounts())
        compare_margin(ra.id);
    }
    if (events % 4096 == 0) {
      ASSERT_TRUE(checks::verify_index(engine)) << "index broken at event " << events;
    }
  }

  RiskEngine engine;
  ReferenceModel reference;
  std::vector<std::uint64_t> liq, bk, prev_liq, prev_bk, engine_liq, engine_bk;
  std::uint64_t events = 0;
  std::uint64_t accepted = 0;
  std::uint64_t outputs_seen = 0;
  std::uint64_t refused_orders = 0;
  std::size_t max_liquidatable = 0;
};

}  // namespace backstop::test
