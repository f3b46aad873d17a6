// ReplayRun: one replay in progress - the built events fed through the Engine, synchronously
// (synchronous_run.cpp) or on the engine's threads (threaded_run.cpp), with the engine's outputs
// counted and handed back to the generator as the reaction gate allows, the insurance fund's and
// the backstops' lows sampled, the conservation checked, and at the end the summary's figures read
// from the engine (replay_run.cpp). Internal to the replay; the calling thread (the threaded mode
// adds the engine's own threads). Cost: the engine's per event, plus O(1) per event here.
//
// The reaction gate: the generator reacts to the engine's outputs (retirement, the backstop's
// unwind, liquidation order fills) with a fixed delay in exchange time, so that the synchronous
// and the threaded mode build the very same input stream: before the item at time t, every input
// with time <= t - kReactionDelayNs must have been applied (threaded: Engine::polled_through()
// past it), and only the outputs of those inputs are handed to the generator, in input order.
// Takeover mode also keeps kReactionLagInputs inputs between the generator and the risk thread, so
// that on sparse data the threaded mode is not in lockstep; order mode cannot (its orders must be
// answered before their timeout), so there the delay is in time only, and at most the order
// timeout.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <vector>

#include "backstop/risk_engine.hpp"
#include "pipeline/engine.hpp"
#include "replay/equity_memo.hpp"
#include "replay/event_builder.hpp"
#include "replay/output_tally.hpp"
#include "replay/replay.hpp"

namespace backstop::replay {

// Which inputs' outputs the generator may react to before an item, and those outputs, in input
// order until handed over.
class ReactionGate {
 public:
  // `first_sequence`: the engine's sequence of the first input; `expected_inputs`: room reserved
  // for the inputs' times, so that they are not copied or faulted in while the replay runs.
  ReactionGate(std::int64_t delay_ns, std::size_t lag_inputs, std::int64_t first_sequence,
               std::size_t expected_inputs)
      : delay_ns_(delay_ns), lag_inputs_(lag_inputs), first_sequence_(first_sequence) {
    input_times_.reserve(expected_inputs);
  }

  // An input the engine accepts (or will: threaded mode records them as they are generated).
  void record_input(std::int64_t time_ns) { input_times_.push_back(time_ns); }
  // How many inputs, from the first, the item at `t` may know the outputs of.
  std::size_t inputs_before(std::int64_t t) {
    const std::size_t n = input_times_.size();
    const std::size_t limit = n > lag_inputs_ ? n - lag_inputs_ : 0;
    while (known_ < limit && input_times_[known_] <= t - delay_ns_)
      ++known_;
    return known_;
  }
  // Hands `builder` the kept outputs of the inputs before the `n`-th, in input order.
  void react_up_to(std::size_t n, EventBuilder& builder) {
    while (!reactions_.empty() &&
           static_cast<std::size_t>(reactions_.front().input_sequence - first_sequence_) < n) {
      builder.react(reactions_.front());
      reactions_.pop_front();
    }
  }
  std::deque<OutputEvent>& reactions() { return reactions_; }
  [[nodiscard]] std::int64_t first_sequence() const noexcept { return first_sequence_; }

 private:
  std::int64_t delay_ns_;
  std::size_t lag_inputs_;
  std::int64_t first_sequence_;
  std::vector<std::int64_t> input_times_;  // per input, in sequence order
  std::size_t known_ = 0;                  // inputs [0, known_) whose outputs the generator has
  std::deque<OutputEvent> reactions_;
};

// The insurance fund of each asset as seeded and its lowest, and the backstop account's equity
// and its lowest, sampled from the first event after the setup.
class FundWatch {
 public:
  explicit FundWatch(const std::array<AssetSetup, kReplayAssetCount>& setup) : setup_(setup) {
    for (std::uint8_t a = 0; a < kReplayAssetCount; ++a) {
      // No fill, so no liquidation, comes before the seed deposit.
      fund_start_[a] = fund_min_[a] = setup[a].insurance;
      backstop_min_[a] = setup[a].backstop_collateral;
      backstop_slot_[a] = kNoSlot;
    }
  }

  void sample(const RiskEngine& risk) {
    for (std::uint8_t a = 0; a < kReplayAssetCount; ++a) {
      fund_min_[a] = std::min(fund_min_[a], risk.insurance_fund(a).raw());
      if (setup_[a].backstop != 0)
        backstop_min_[a] = std::min(backstop_min_[a], backstop_equity(risk, a));
    }
  }

  // The backstop's equity (balance + PnL at the mark); its collateral until the engine has it.
  std::int64_t backstop_equity(const RiskEngine& risk, std::uint8_t a) {
    const std::uint64_t id = setup_[a].backstop;
    if (id == 0) return 0;
    if (backstop_slot_[a] == kNoSlot) backstop_slot_[a] = risk.find_account(id);
    if (backstop_slot_[a] == kNoSlot) return setup_[a].backstop_collateral;
    return backstop_memo_[a].equity(risk, backstop_slot_[a]);
  }
  // Its slot in the engine once backstop_equity() found it, else kNoSlot.
  [[nodiscard]] std::uint32_t backstop_slot(std::uint8_t a) const { return backstop_slot_[a]; }
  [[nodiscard]] std::int64_t fund_start(std::uint8_t a) const { return fund_start_[a]; }
  [[nodiscard]] std::int64_t fund_min(std::uint8_t a) const { return fund_min_[a]; }
  [[nodiscard]] std::int64_t backstop_min(std::uint8_t a) const { return backstop_min_[a]; }

 private:
  const std::array<AssetSetup, kReplayAssetCount>& setup_;
  std::array<std::int64_t, kReplayAssetCount> fund_start_{};
  std::array<std::int64_t, kReplayAssetCount> fund_min_{};
  std::array<std::int64_t, kReplayAssetCount> backstop_min_{};
  std::array<std::uint32_t, kReplayAssetCount> backstop_slot_{};
  std::array<EquityMemo, kReplayAssetCount> backstop_memo_{};
};

// Engine progress for ReplayOptions::engine_progress, every kEngineProgressEvents events. Events
// are built as the replay goes: the total is estimated from the items left.
class EngineProgress {
 public:
  EngineProgress(const marketdata::ProgressFn& report, const EventBuilder& builder)
      : report_(report), builder_(builder) {}

  void operator()(std::uint64_t done) {
    if (!report_ || done < next_) return;
    next_ = (done / kEngineProgressEvents + 1) * kEngineProgressEvents;
    const std::size_t items = std::max<std::size_t>(1, builder_.items_done());
    const std::uint64_t estimate =
        done + (builder_.item_count() - builder_.items_done()) * done / items;
    report_(done, std::max(done, estimate));
  }

 private:
  const marketdata::ProgressFn& report_;
  const EventBuilder& builder_;
  std::uint64_t next_ = kEngineProgressEvents;
};

class ReplayRun {
 public:
  // `waterfall`: the engine's waterfall configuration (its mode sets the reaction gate).
  ReplayRun(const ReplayOptions& options, ReplaySummary& summary, EventBuilder& builder,
            Engine& engine, const WaterfallConfig& waterfall);

  void run_synchronous();
  void run_threaded();
  // After either run: the last conservation check and the caller's end hooks.
  void finish();
  // The summary's end figures, read from the engine and the builder.
  void summarize();

 private:
  struct Feed;  // the threaded run's events not yet published, and its counts

  void check_conservation();
  void apply(std::vector<Event>& fresh, std::uint64_t& applied);
  bool poll_outputs();
  void take(Feed& feed, std::vector<Event>& fresh);
  void flush(Feed& feed);
  void publish_one_by_one(Feed& feed, std::size_t from, std::size_t n);
  void wait_for_inputs(Feed& feed, std::size_t need);
  AssetSummary asset_summary(std::uint8_t a);
  InstrumentSummary instrument_summary(std::uint16_t i);

  const ReplayOptions& options_;
  ReplaySummary& summary_;
  EventBuilder& builder_;
  Engine& engine_;
  const RiskEngine& risk_;
  std::vector<std::uint8_t> seen_;  // OutputTally's flags per account id
  OutputTally tally_;
  FundWatch funds_;
  ReactionGate gate_;
  EngineProgress progress_;
};

}  // namespace backstop::replay
