// The toy venue of the waterfall's worked examples (waterfall_test.cpp,
// waterfall_examples_test.cpp): a linear contract with multiplier 1 (one lot moves 1 unit of money
// per tick), IM 10 %, MM 5 %, a backstop account, and a Venue that records every waterfall record
// and checks conservation after every event.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "backstop/risk_engine.hpp"
#include "test_support.hpp"

namespace backstop::test {

constexpr std::uint64_t kBackstop = 1;
constexpr std::uint64_t kA = 2;    // the defaulter
constexpr std::uint64_t kL = 20;   // a healthy long
constexpr std::uint64_t kS1 = 11;  // shorts: the ADL counterparties
constexpr std::uint64_t kS2 = 12;
constexpr std::uint64_t kS3 = 13;

inline RiskConfig toy_config(AdlPolicy policy = AdlPolicy::kRanked,
                             AdlScore score = AdlScore::kBitmex,
                             AdlPrice price = AdlPrice::kBankruptcy) {
  RiskConfig c;
  c.max_accounts = 64;
  c.positions_per_account = 4;
  c.asset_count = 1;
  c.instruments = {toy()};
  c.waterfall.mode = LiquidationMode::kTakeover;
  c.waterfall.backstop_accounts = {kBackstop};
  c.waterfall.policy = policy;
  c.waterfall.score = score;
  c.waterfall.price = price;
  return c;
}

struct Venue {
  explicit Venue(const RiskConfig& c) : e(c) {}
  RiskEngine e;
  std::vector<WaterfallRecord> records;  // every waterfall record so far

  RejectCode step(const Event& ev) {
    const RejectCode code = e.process(ev).code;
    for (const WaterfallRecord& r : e.waterfall_records())
      records.push_back(r);
    EXPECT_TRUE(conservation_holds(e)) << "after event type " << int(ev.type);
    return code;
  }
  void ok(const Event& ev) { ASSERT_EQ(step(ev), RejectCode::kOk); }
  void open(std::uint64_t id, std::int64_t balance) {
    ok(make_open_account(id, 0));
    if (balance > 0) ok(make_deposit(id, Money{balance}));
  }
  // `buyer` buys `lots` from `seller` at `price` (the buyer is the taker).
  void trade(std::uint64_t buyer, std::uint64_t seller, std::int64_t price, std::int64_t lots) {
    ok(make_fill(0, Side::kBuy, buyer, seller, Price{price}, Qty{lots}));
  }
  void mark(std::int64_t m, std::int64_t t = 0) { ok(make_mark(0, Price{m}, t)); }
  std::uint32_t slot(std::uint64_t id) const { return e.find_account(id); }
  std::int64_t balance(std::uint64_t id) const { return e.account(slot(id)).balance; }
  std::int64_t qty(std::uint64_t id) const {
    for (const Position& p : e.positions(slot(id)))
      return p.qty;
    return 0;
  }
  std::int64_t insurance() const { return e.insurance_fund(0).raw(); }
  std::int64_t sum(WaterfallKind kind, std::uint64_t account = ~0ull) const {
    std::int64_t s = 0;
    for (const WaterfallRecord& r : records)
      if (r.kind == kind && (account == ~0ull || r.account == account)) s += r.amount;
    return s;
  }
};

// The ADL scene: A long 10 lots (cost 104,000, balance 12,000, so its bankruptcy price is
// (104,000 - 12,000) / 10 = 9,200); shorts S1 4 @ 10,000 (balance 20,000), S2 4 @ 10,500
// (5,000), S3 6 @ 11,000 (30,000); L long 4 @ 11,000 (50,000). The mark then gaps to 8,500:
// A's equity is 12,000 + 85,000 - 104,000 = -7,000.
inline void adl_scene(Venue& v) {
  v.open(kBackstop, 10'000'000);
  v.open(kA, 12'000);
  v.open(kS1, 20'000);
  v.open(kS2, 5'000);
  v.open(kS3, 30'000);
  v.open(kL, 50'000);
  v.trade(kA, kS1, 10'000, 4);
  v.trade(kA, kS2, 10'500, 4);
  v.trade(kA, kS3, 11'000, 2);
  v.trade(kL, kS3, 11'000, 4);
  ASSERT_EQ(v.qty(kA), 10);
}

}  // namespace backstop::test
