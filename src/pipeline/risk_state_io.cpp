#include "pipeline/risk_state_io.hpp"

#include <fmt/format.h>

#include <cstring>
#include <type_traits>

namespace backstop {
namespace {

class Writer {
 public:
  explicit Writer(std::vector<std::byte>& out) : out_(out) {}
  template <class T>
  void put(T value) {
    static_assert(std::is_integral_v<T> || std::is_enum_v<T>);
    const auto at = out_.size();
    out_.resize(at + sizeof value);
    std::memcpy(out_.data() + at, &value, sizeof value);
  }

 private:
  std::vector<std::byte>& out_;
};

class Reader {
 public:
  explicit Reader(const std::vector<std::byte>& in) : in_(in) {}
  template <class T>
  bool get(T& value) {
    if (in_.size() - at_ < sizeof value) return false;
    std::memcpy(&value, in_.data() + at_, sizeof value);
    at_ += sizeof value;
    return true;
  }
  [[nodiscard]] bool done() const { return at_ == in_.size(); }

 private:
  const std::vector<std::byte>& in_;
  std::size_t at_ = 0;
};

}  // namespace

void RiskStateIo::save(const RiskEngine& r, std::vector<std::byte>& out) {
  out.clear();
  Writer w(out);
  w.put(kFormat);
  w.put(r.instrument_count_);
  w.put(r.asset_count_);
  w.put(r.positions_per_account_);
  w.put(r.account_count_);
  for (std::uint32_t i = 0; i < r.instrument_count_; ++i) {
    w.put(r.risk_[i].min_price);
    w.put(r.risk_[i].max_price);
    w.put(r.risk_[i].max_position);
    w.put(r.state_[i].mark);
    w.put(r.state_[i].long_funding_index);
    w.put(r.state_[i].short_funding_index);
    w.put(r.state_[i].open_interest);
  }
  for (std::uint32_t a = 0; a < r.account_count_; ++a) {
    const Account& acct = r.accounts_[a];
    w.put(acct.id);
    w.put(acct.balance);
    w.put(acct.asset);
    w.put(acct.mode);
    w.put(acct.status);
    w.put(acct.position_count);
    for (const Position& p : r.positions(a)) {
      w.put(p.instrument);
      w.put(p.qty);
      w.put(p.cost);
      w.put(p.funding_snapshot);
    }
  }
  for (std::uint32_t k = 0; k < r.asset_count_; ++k) {
    w.put(r.insurance_[k]);
    w.put(r.fee_pool_[k]);
    w.put(r.net_deposits_[k]);
  }
  w.put(r.triggers_fired_);
  // The waterfall's canonical state (the ADL ranking cache is derived and rebuilt).
  const WaterfallState& wf = r.wf_;
  for (std::uint32_t k = 0; k < r.asset_count_; ++k) {
    for (const auto* fund : {&wf.default_fund, &wf.venue_tranche, &wf.receivable, &wf.bad_debt,
                             &wf.socialized, &wf.adl_paid})
      w.put((*fund)[k]);
  }
  w.put(wf.liquidations);
  w.put(wf.partial_liquidations);
  w.put(wf.adl_fills);
  w.put(wf.records_dropped);
  w.put(wf.member_count);
  for (std::uint32_t m = 0; m < wf.member_count; ++m)
    w.put(wf.members[m]);
  for (std::uint32_t a = 0; a < r.account_count_; ++a) {
    w.put(wf.contribution[a]);
    w.put(wf.committed[a]);
    w.put(wf.owed[a]);
    w.put(wf.deadline_ns[a]);
    w.put(wf.window_start_ns[a]);
    w.put(wf.window_drawn[a]);
  }
  for (std::uint32_t i = 0; i < 2 * r.instrument_count_; ++i)
    w.put(wf.socialized_index[i]);
  // The periodic ADL-quantile output: its clock, drop count and what was last published.
  w.put(r.adl_next_due_ns_);
  w.put(r.adl_q_dropped_);
  w.put(static_cast<std::uint8_t>(r.adl_published_ ? 1 : 0));
  if (r.adl_published_) {
    for (std::size_t k = 0; k < std::size_t{r.account_count_} * r.instrument_count_; ++k)
      w.put(r.adl_published_[k]);
  }
}

bool RiskStateIo::load(RiskEngine& r, const std::vector<std::byte>& bytes, std::string& error) {
  Reader in(bytes);
  const auto fail = [&](std::string message) {
    error = "snapshot state: " + std::move(message);
    return false;
  };
  std::uint32_t format = 0, instruments = 0, assets = 0, per_account = 0, accounts = 0;
  if (!in.get(format) || format != kFormat) return fail(fmt::format("format {} unknown", format));
  if (!in.get(instruments) || !in.get(assets) || !in.get(per_account) || !in.get(accounts))
    return fail("truncated header");
  if (instruments != r.instrument_count_ || assets != r.asset_count_ ||
      per_account != r.positions_per_account_ || accounts > r.max_accounts_) {
    return fail(fmt::format(
        "saved with {} instruments, {} assets, {} positions per account, {} accounts; this engine "
        "has {}, {}, {}, capacity {}",
        instruments, assets, per_account, accounts, r.instrument_count_, r.asset_count_,
        r.positions_per_account_, r.max_accounts_));
  }
  if (r.account_count_ != 0) return fail("the engine is not fresh");
  for (std::uint32_t i = 0; i < instruments; ++i) {
    InstrumentRisk& ir = r.risk_[i];
    InstrumentState& st = r.state_[i];
    if (!in.get(ir.min_price) || !in.get(ir.max_price) || !in.get(ir.max_position) ||
        !in.get(st.mark) || !in.get(st.long_funding_index) || !in.get(st.short_funding_index) ||
        !in.get(st.open_interest)) {
      return fail("truncated instruments");
    }
  }
  for (std::uint32_t a = 0; a < accounts; ++a) {
    Account acct{};
    if (!in.get(acct.id) || !in.get(acct.balance) || !in.get(acct.asset) || !in.get(acct.mode) ||
        !in.get(acct.status) || !in.get(acct.position_count)) {
      return fail("truncated accounts");
    }
    if (acct.position_count > per_account || acct.asset >= assets ||
        r.find_slot(acct.id) != kNoSlot) {
      return fail(fmt::format("account {} is inconsistent", acct.id));
    }
    acct.flagged_index = kNoSlot;
    r.accounts_[a] = acct;
    r.ids_.insert(acct.id, a);
    const std::uint32_t base = r.position_base(a);
    for (std::uint32_t j = 0; j < acct.position_count; ++j) {
      Position p{};
      p.heap_index = kNoSlot;
      p.heap_side = HeapSide::kNone;
      if (!in.get(p.instrument) || !in.get(p.qty) || !in.get(p.cost) ||
          !in.get(p.funding_snapshot)) {
        return fail("truncated positions");
      }
      if (p.instrument >= instruments || p.qty == 0)
        return fail(fmt::format("a position of account {} is inconsistent", acct.id));
      r.positions_[base + j] = p;
    }
    r.account_count_ = a + 1;
  }
  for (std::uint32_t k = 0; k < assets; ++k) {
    if (!in.get(r.insurance_[k]) || !in.get(r.fee_pool_[k]) || !in.get(r.net_deposits_[k]))
      return fail("truncated funds");
  }
  if (!in.get(r.triggers_fired_)) return fail("truncated counters");
  WaterfallState& wf = r.wf_;
  for (std::uint32_t k = 0; k < assets; ++k) {
    for (auto* fund : {&wf.default_fund, &wf.venue_tranche, &wf.receivable, &wf.bad_debt,
                       &wf.socialized, &wf.adl_paid}) {
      if (!in.get((*fund)[k])) return fail("truncated waterfall funds");
    }
  }
  if (!in.get(wf.liquidations) || !in.get(wf.partial_liquidations) || !in.get(wf.adl_fills) ||
      !in.get(wf.records_dropped) || !in.get(wf.member_count) || wf.member_count > accounts) {
    return fail("truncated or inconsistent waterfall counters");
  }
  for (std::uint32_t m = 0; m < wf.member_count; ++m) {
    if (!in.get(wf.members[m]) || wf.members[m] >= accounts) return fail("bad member list");
  }
  for (std::uint32_t a = 0; a < accounts; ++a) {
    if (!in.get(wf.contribution[a]) || !in.get(wf.committed[a]) || !in.get(wf.owed[a]) ||
        !in.get(wf.deadline_ns[a]) || !in.get(wf.window_start_ns[a]) ||
        !in.get(wf.window_drawn[a])) {
      return fail("truncated waterfall accounts");
    }
  }
  for (std::uint32_t i = 0; i < 2 * instruments; ++i) {
    if (!in.get(wf.socialized_index[i])) return fail("truncated socialized-loss indices");
  }
  std::uint8_t published = 0;
  if (!in.get(r.adl_next_due_ns_) || !in.get(r.adl_q_dropped_) || !in.get(published) ||
      published > 1) {
    return fail("truncated ADL-quantile clock");
  }
  // Saved with the output off and restored with it on (or the other way): it starts afresh.
  if (!r.adl_published_) r.adl_next_due_ns_ = RiskEngine::kAdlClockStopped;
  if (published == 1) {
    for (std::size_t k = 0; k < std::size_t{accounts} * instruments; ++k) {
      std::uint8_t q = 0;
      if (!in.get(q) || q > 5) return fail("truncated or bad published ADL quantiles");
      if (r.adl_published_) r.adl_published_[k] = q;
    }
  } else if (r.adl_published_) {
    r.adl_next_due_ns_ = RiskEngine::kAdlClockStopped;
  }
  if (!in.done()) return fail("trailing bytes");
  // Derived state: healthy accounts get fresh triggers (never later than the saved ones would have
  // fired, which is all the index promises); the others go back to the flagged list.
  RiskEngine::Evaluation ev;
  for (std::uint32_t a = 0; a < accounts; ++a) {
    if (r.accounts_[a].status == AccountStatus::kHealthy) {
      r.refresh(a, ev);
    } else {
      r.flag(a);
    }
  }
  r.refresh_adl_ranking();
  r.output_count_ = 0;
  return true;
}

}  // namespace backstop
