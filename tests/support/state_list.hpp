// The engine's one state list (RiskEngine::visit_state) written out as text, one line per record:
// the tag, its index and every field. Two engines hold the same state, statistics and member list
// included (which the digest leaves out), exactly when their lists are equal; a failing comparison
// names the first record that differs. Cold; tests only.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "backstop/risk_engine.hpp"
#include "backstop/state_records.hpp"

namespace backstop::checks {

class StateLister {
 public:
  template <class Record, class... Field>
  void operator()(Record record, const Field&... fields) {
    std::string line = name(record);
    ((line += ' ', line += std::to_string(number(fields))), ...);
    lines.push_back(std::move(line));
  }

  std::vector<std::string> lines;

 private:
  template <class T>
  static long long number(const T& v) {
    if constexpr (std::is_enum_v<T>) {
      return static_cast<long long>(static_cast<std::underlying_type_t<T>>(v));
    } else {
      return static_cast<long long>(v);
    }
  }
  static std::string name(InstrumentRecord r) {
    return "instrument " + std::to_string(r.instrument);
  }
  static std::string name(AccountRecord r) { return "account " + std::to_string(r.slot); }
  static std::string name(PositionRecord r) {
    return "position " + std::to_string(r.slot) + "." + std::to_string(r.index);
  }
  static std::string name(FundsRecord r) { return "funds " + std::to_string(r.asset); }
  static std::string name(WaterfallFundsRecord r) {
    return "waterfall funds " + std::to_string(r.asset);
  }
  static std::string name(WaterfallAccountRecord r) {
    return "waterfall account " + std::to_string(r.slot);
  }
  static std::string name(WaterfallInstrumentRecord r) {
    return "waterfall instrument " + std::to_string(r.instrument);
  }
  static std::string name(MemberCountRecord) { return "members"; }
  static std::string name(MemberRecord r) { return "member " + std::to_string(r.index); }
  static std::string name(AdlQuantileClockRecord r) {
    return r.on ? "adl quantile clock" : "adl quantile clock (off)";
  }
  static std::string name(QuantileTableRecord) { return "adl quantile table"; }
  static std::string name(PublishedQuantileRecord r) {
    return "adl quantile " + std::to_string(r.slot) + "." + std::to_string(r.instrument);
  }
  static std::string name(ControlAssetRecord r) { return "controls " + std::to_string(r.asset); }
  static std::string name(DrawdownSampleRecord r) {
    return "drawdown sample " + std::to_string(r.asset) + "." + std::to_string(r.index);
  }
  static std::string name(ControlInstrumentRecord r) {
    return "controls instrument " + std::to_string(r.instrument);
  }
  static std::string name(SettlementRecord r) {
    return "settlement " + std::to_string(r.instrument);
  }
  static std::string name(StatisticRecord) { return "statistics"; }
};

inline std::vector<std::string> state_list(const RiskEngine& e) {
  StateLister lister;
  e.visit_state(lister);
  return std::move(lister.lines);
}

}  // namespace backstop::checks
