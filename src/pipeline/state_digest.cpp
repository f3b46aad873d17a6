#include "pipeline/state_digest.hpp"

#include <fmt/format.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace backstop::pipeline {
namespace {

class Hasher {
 public:
  Hasher() : state_(XXH3_createState()) { XXH3_64bits_reset(state_); }
  ~Hasher() { XXH3_freeState(state_); }
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void add(std::int64_t v) { XXH3_64bits_update(state_, &v, sizeof v); }
  void add(std::uint64_t v) { XXH3_64bits_update(state_, &v, sizeof v); }
  [[nodiscard]] std::uint64_t digest() const { return XXH3_64bits_digest(state_); }

 private:
  XXH3_state_t* state_;
};

struct DigestVisitor {
  Hasher& h;
  void instrument(std::uint16_t index, const InstrumentRisk& risk, const InstrumentState& state) {
    h.add(std::uint64_t{index});
    h.add(risk.min_price);
    h.add(risk.max_price);
    h.add(risk.max_position);
    h.add(state.mark);
    h.add(state.long_funding_index);
    h.add(state.short_funding_index);
    h.add(state.open_interest);
  }
  void account(std::uint32_t slot, const Account& a, std::span<const Position> positions) {
    h.add(std::uint64_t{slot});
    h.add(a.id);
    h.add(a.balance);
    h.add(std::uint64_t{a.asset} | std::uint64_t{a.position_count} << 8 |
          std::uint64_t{static_cast<std::uint8_t>(a.status)} << 16 |
          std::uint64_t{static_cast<std::uint8_t>(a.mode)} << 24);
    for (const Position& p : positions) {
      h.add(std::uint64_t{p.instrument});
      h.add(p.qty);
      h.add(p.cost);
      h.add(p.funding_snapshot);
    }
  }
  void funds(std::uint8_t asset, Money insurance, Money fee_pool, Money net_deposits) {
    h.add(std::uint64_t{asset});
    h.add(insurance.raw());
    h.add(fee_pool.raw());
    h.add(net_deposits.raw());
  }
  void waterfall_funds(std::uint8_t asset, std::int64_t default_fund, std::int64_t venue_tranche,
                       std::int64_t receivable, std::int64_t bad_debt, std::int64_t socialized,
                       std::int64_t adl_paid) {
    h.add(std::uint64_t{asset});
    for (std::int64_t v : {default_fund, venue_tranche, receivable, bad_debt, socialized, adl_paid})
      h.add(v);
  }
  void waterfall_account(std::uint32_t slot, std::int64_t contribution, std::int64_t committed,
                         std::int64_t owed, std::int64_t deadline_ns, std::int64_t window_start_ns,
                         std::int64_t window_drawn) {
    if ((contribution | committed | owed | deadline_ns | window_start_ns | window_drawn) == 0)
      return;
    h.add(std::uint64_t{slot});
    for (std::int64_t v :
         {contribution, committed, owed, deadline_ns, window_start_ns, window_drawn})
      h.add(v);
  }
  void adl_quantile_clock(std::int64_t next_due_ns) { h.add(next_due_ns); }
  void adl_quantile_published(std::uint32_t slot, std::uint16_t instrument, std::uint8_t q) {
    h.add(std::uint64_t{slot} << 24 | std::uint64_t{instrument} << 8 | q);
  }
  void waterfall_instrument(std::uint16_t index, std::int64_t long_index,
                            std::int64_t short_index) {
    h.add(std::uint64_t{index});
    h.add(long_index);
    h.add(short_index);
  }
};

}  // namespace

std::uint64_t state_digest(const RiskEngine& risk) {
  Hasher h;
  DigestVisitor visitor{h};
  risk.visit_state(visitor);
  risk.visit_waterfall_state(visitor);
  return h.digest();
}

std::string digest_hex(std::uint64_t digest) {
  return fmt::format("{:016x}", digest);
}

}  // namespace backstop::pipeline
