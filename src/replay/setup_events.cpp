// EventBuilder's setup events, all at the first item's time and before any fill: every trader's
// account and deposit, then per settlement asset in use the waterfall's accounts and funds - the
// backstop account, the clearing members and their default-fund contributions, in order mode the
// book's liquidity account, and the insurance fund's seed.
#include "replay/event_builder.hpp"

namespace backstop::replay {

namespace {

// `ppm` millionths of `collateral`, rounded down.
std::int64_t share_of(std::int64_t collateral, std::int64_t ppm) {
  return static_cast<std::int64_t>(Int128{collateral} * ppm / 1'000'000);
}

}  // namespace

void EventBuilder::build_setup() {
  const std::int64_t t0 = items_.front().ts_ns;
  events_.reserve(book_.traders().size() * 2 + 64);
  open_traders(t0);
  for (std::uint8_t a = 0; a < kReplayAssetCount; ++a) {
    if (book_.pool(a).empty()) continue;
    open_asset_accounts(a, t0);
  }
  setup_events_ = events_.size();
  last_event_ts_ = t0;
  for (std::uint16_t i = 0; i < instruments_.size(); ++i)
    instruments_[i].last_mark = instruments_[i].mapped.spec.initial_mark.raw();
}

void EventBuilder::open_traders(std::int64_t t0) {
  for (const Trader& t : book_.traders()) {
    events_.push_back(make_open_account(t.id, t.asset, MarginMode::kCross, t0));
    // A zero deposit would be refused at the entrance (and shift the input sequences).
    if (t.collateral > 0) events_.push_back(make_deposit(t.id, Money{t.collateral}, t0));
    setup_[t.asset].collateral += t.collateral;
  }
}

// The waterfall's accounts and funds of one asset in use, sized on its traders' collateral.
void EventBuilder::open_asset_accounts(std::uint8_t a, std::int64_t t0) {
  AssetSetup& f = setup_[a];
  if (options_.liquidation != LiquidationMode::kOff) {
    f.backstop = options_.accounts + 1u + a;
    f.backstop_collateral =
        std::max<std::int64_t>(1, share_of(f.collateral, kBackstopCollateralPpm));
    events_.push_back(make_open_account(f.backstop, a, MarginMode::kCross, t0));
    events_.push_back(make_deposit(f.backstop, Money{f.backstop_collateral}, t0));
  }
  const std::optional<std::int64_t> default_fund = options_.default_fund_money[a];
  const std::int64_t member_share =
      (default_fund ? *default_fund : share_of(f.collateral, options_.default_fund_ppm)) /
      kClearingMembers;
  if (member_share > 0) open_clearing_members(a, member_share, t0);
  bool depth_here = false;
  for (const ReplayInstrument& inst : instruments_)
    depth_here = depth_here || (!inst.depth.empty() && inst.mapped.spec.settlement_asset == a);
  if (order_mode_ && depth_here) open_market_account(a, t0);
  const std::optional<std::int64_t> insurance = options_.insurance_fund_money[a];
  f.insurance = insurance ? *insurance : share_of(f.collateral, options_.insurance_fund_ppm);
  if (f.insurance > 0)
    events_.push_back(make_fund_deposit(FundKind::kInsurance, a, Money{f.insurance}, 0, t0));
}

// kClearingMembers members, each depositing twice its share and contributing it to the default
// fund.
void EventBuilder::open_clearing_members(std::uint8_t a, std::int64_t member_share,
                                         std::int64_t t0) {
  for (std::uint32_t k = 0; k < kClearingMembers; ++k) {
    const std::uint64_t id =
        options_.accounts + 1u + kReplayAssetCount + std::uint64_t{a} * kClearingMembers + k;
    events_.push_back(make_open_account(id, a, MarginMode::kCross, t0));
    events_.push_back(make_deposit(id, Money{2 * member_share}, t0));
    events_.push_back(make_fund_deposit(FundKind::kDefaultFund, a, Money{member_share}, id, t0));
    setup_[a].default_fund += member_share;
  }
}

// Order mode: the book's resting liquidity, as one account that takes the other side of every
// liquidation order fill, funded with the asset's traders' total target notional (it holds what
// it absorbs at leverage <= 1 and is never liquidated in a -50 % move).
void EventBuilder::open_market_account(std::uint8_t a, std::int64_t t0) {
  AssetSetup& f = setup_[a];
  Int128 notional = 0;
  for (const std::uint32_t t : book_.pool(a))
    notional += book_.traders()[t].target_notional;
  f.market = options_.accounts + 1u + kReplayAssetCount +
             std::uint64_t{kReplayAssetCount} * kClearingMembers + a;
  f.market_collateral =
      static_cast<std::int64_t>(std::clamp<Int128>(notional, 1, std::int64_t{1} << 60));
  events_.push_back(make_open_account(f.market, a, MarginMode::kCross, t0));
  events_.push_back(make_deposit(f.market, Money{f.market_collateral}, t0));
}

}  // namespace backstop::replay
