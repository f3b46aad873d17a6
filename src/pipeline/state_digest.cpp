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

// Hashes the canonical records of RiskEngine::visit_state, each field by value; the statistics and
// the member list are kept by snapshots but are not part of what two runs must agree on.
struct DigestVisitor {
  Hasher& h;
  using I64 = std::int64_t;

  void operator()(InstrumentRecord r, const I64& min_price, const I64& max_price,
                  const I64& max_position, const I64& mark, const I64& long_funding_index,
                  const I64& short_funding_index, const I64& open_interest) {
    h.add(std::uint64_t{r.instrument});
    for (I64 v : {min_price, max_price, max_position, mark, long_funding_index, short_funding_index,
                  open_interest})
      h.add(v);
  }
  void operator()(AccountRecord r, const std::uint64_t& id, const I64& balance,
                  const std::uint8_t& asset, const MarginMode& mode, const AccountStatus& status,
                  const std::uint8_t& position_count) {
    h.add(std::uint64_t{r.slot});
    h.add(id);
    h.add(balance);
    h.add(std::uint64_t{asset} | std::uint64_t{position_count} << 8 |
          std::uint64_t{static_cast<std::uint8_t>(status)} << 16 |
          std::uint64_t{static_cast<std::uint8_t>(mode)} << 24);
  }
  void operator()(PositionRecord, const std::uint16_t& instrument, const I64& qty, const I64& cost,
                  const I64& funding_snapshot) {
    h.add(std::uint64_t{instrument});
    h.add(qty);
    h.add(cost);
    h.add(funding_snapshot);
  }
  void operator()(FundsRecord r, const I64& insurance, const I64& fee_pool,
                  const I64& net_deposits) {
    h.add(std::uint64_t{r.asset});
    h.add(insurance);
    h.add(fee_pool);
    h.add(net_deposits);
  }
  void operator()(WaterfallFundsRecord r, const I64& default_fund, const I64& venue_tranche,
                  const I64& receivable, const I64& bad_debt, const I64& socialized,
                  const I64& adl_paid) {
    h.add(std::uint64_t{r.asset});
    for (I64 v : {default_fund, venue_tranche, receivable, bad_debt, socialized, adl_paid})
      h.add(v);
  }
  // Accounts without any waterfall state are left out, so that the digest does not grow with them.
  void operator()(WaterfallAccountRecord r, const I64& contribution, const I64& committed,
                  const I64& owed, const I64& deadline_ns, const I64& window_start_ns,
                  const I64& window_drawn) {
    if ((contribution | committed | owed | deadline_ns | window_start_ns | window_drawn) == 0)
      return;
    h.add(std::uint64_t{r.slot});
    for (I64 v : {contribution, committed, owed, deadline_ns, window_start_ns, window_drawn})
      h.add(v);
  }
  void operator()(WaterfallInstrumentRecord r, const I64& charged_longs,
                  const I64& charged_shorts) {
    h.add(std::uint64_t{r.instrument});
    h.add(charged_longs);
    h.add(charged_shorts);
  }
  void operator()(AdlQuantileClockRecord r, const I64& next_due_ns) {
    if (r.on) h.add(next_due_ns);
  }
  void operator()(PublishedQuantileRecord r, const std::uint8_t& q) {
    if (q != 0) h.add(std::uint64_t{r.slot} << 24 | std::uint64_t{r.instrument} << 8 | q);
  }
  // The risk controls' records are left out while all zero, so that runs without controls or
  // triggers keep their digests.
  void operator()(ControlAssetRecord r, const I64& fee_share_ppm, const I64& drawdown_adl,
                  const std::uint32_t& samples) {
    if ((fee_share_ppm | drawdown_adl | samples) == 0) return;
    h.add(std::uint64_t{r.asset} | std::uint64_t{0xC0} << 8);
    h.add(fee_share_ppm);
    h.add(drawdown_adl);
    h.add(std::uint64_t{samples});
  }
  void operator()(DrawdownSampleRecord, const I64& time_ns, const I64& level) {
    h.add(time_ns);
    h.add(level);
  }
  void operator()(ControlInstrumentRecord r, const std::uint8_t& adl_mode,
                  const std::uint8_t& hold_mode, const I64& hold_until_ns) {
    if ((adl_mode | hold_mode | hold_until_ns) == 0) return;
    h.add(std::uint64_t{r.instrument} | std::uint64_t{0xC1} << 16);
    h.add(std::uint64_t{adl_mode} | std::uint64_t{hold_mode} << 8);
    h.add(hold_until_ns);
  }
  // Left out while 0 (no dated future settled), so that the digests of earlier runs stay the same.
  void operator()(SettlementRecord r, const I64& settlement_price) {
    if (settlement_price == 0) return;
    h.add(std::uint64_t{r.instrument} | std::uint64_t{0xC2} << 16);
    h.add(settlement_price);
  }
  template <class... Field>
  void operator()(StatisticRecord, const Field&...) {}
  void operator()(MemberCountRecord, const std::uint32_t&) {}
  void operator()(MemberRecord, const std::uint32_t&) {}
  void operator()(QuantileTableRecord, const std::uint8_t&) {}
};

}  // namespace

std::uint64_t state_digest(const RiskEngine& risk) {
  Hasher h;
  DigestVisitor visitor{h};
  risk.visit_state(visitor);
  return h.digest();
}

std::string digest_hex(std::uint64_t digest) {
  return fmt::format("{:016x}", digest);
}

}  // namespace backstop::pipeline
