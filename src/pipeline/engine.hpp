// Engine: Backstop as a matching engine embeds it. Events go in through a multi-producer input
// ring; the risk engine thread (the single writer of all risk state, busy-spinning) applies them
// and publishes what happened into an output ring; a journal thread (sleeping wait) appends every
// input to the journal in parallel (docs/design.md §1, the diamond). The embedding thread polls
// outputs, and an output is released only once its input is durable under the journal's sync
// policy.
//
//   publisher threads ─try_publish─▶ INPUT RING ─┬─▶ risk thread ──▶ OUTPUT RING ─poll()─▶ embedder
//                                                └─▶ journal thread ── durable sequence ──┘ (gate)
//
// Recovery: an engine built on a journal folder that already holds a journal replays it first (a
// torn tail is cut; corruption, a gap or another configuration refuses to start), so its state is
// the state before the crash, and input sequences continue from the last journaled one. With
// JournalStart::kFresh it refuses such a folder instead (a new run, docs/journal.md).
//
// Synchronous mode (no start()): process() applies one event on the caller's thread through the
// same stages (entrance check, journal append, risk) and hands its outputs to the caller's handler:
// the same records, in the same order, as poll() gives when the threads run.
//
// Threads: try_publish* from any number of producer threads; poll() from one consumer thread;
// start/stop/process and the accessors from the owning thread. Hot-path cost: try_publish is one
// claim (CAS) and a 64-byte copy; poll is one acquire load per batch plus the handler.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "backstop/events.hpp"
#include "backstop/risk_engine.hpp"
#include "pipeline/engine_config.hpp"
#include "pipeline/output_event.hpp"
#include "pipeline/recovery.hpp"
#include "ringbuffers/ringbuffers.hpp"

namespace backstop {

namespace pipeline {
class JournalWriter;
}

enum class PublishStatus : std::uint8_t {
  kAccepted = 0,
  kRingFull = 1,  // back-pressure: try again later; nothing was written
  kRejected = 2,  // invalid at the entrance; `code` says why; nothing was written
};

struct PublishResult {
  PublishStatus status;
  RejectCode code;
  std::int64_t sequence;  // the input sequence when accepted, else -1
};

class Engine {
 public:
  using InputRing = ringbuffers::MultiProducerRing<Event, ringbuffers::BusySpinWait>;
  using OutputRing = ringbuffers::SingleProducerRing<OutputEvent, ringbuffers::BusySpinWait>;

  // Builds every pool and ring (cold). Throws std::invalid_argument("key: reason") on an invalid
  // configuration, RecoveryError when the journal folder cannot be used or recovered, and
  // std::runtime_error when the journal cannot be opened.
  explicit Engine(const EngineConfig& config);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Starts the risk thread and, with a journal, the journal thread. Synchronous process() must not
  // be called while started.
  void start();
  // Waits until every published event is handled and journaled, then stops the threads.
  void stop();
  [[nodiscard]] bool running() const noexcept { return running_; }

  // Stateless checks the publisher can make without touching risk state; everything that needs
  // state (unknown account, price band) is checked by the risk stage and comes back as an output.
  // Public so that a caller can tell in advance which events the entrance will refuse (the replay
  // counts only accepted inputs).
  [[nodiscard]] static RejectCode check_at_entrance(const Event& e) noexcept {
    if (!flags_valid(e)) return RejectCode::kUnknownFlags;
    switch (e.type) {
      case EventType::kMarkPrice:
        return e.mark.mark.raw() > 0 ? RejectCode::kOk : RejectCode::kNonPositivePrice;
      case EventType::kFill:
        if (e.fill.price.raw() <= 0) return RejectCode::kNonPositivePrice;
        if (e.fill.qty.raw() <= 0) return RejectCode::kNonPositiveQty;
        if (e.side != Side::kBuy && e.side != Side::kSell) return RejectCode::kInvalidSide;
        return RejectCode::kOk;
      case EventType::kDeposit:
      case EventType::kWithdraw:
        return e.transfer.amount.raw() > 0 ? RejectCode::kOk : RejectCode::kNonPositiveAmount;
      case EventType::kFundDeposit:
        return e.fund.amount.raw() > 0 ? RejectCode::kOk : RejectCode::kNonPositiveAmount;
      case EventType::kRiskControl:
        return control_kind_known(e) ? RejectCode::kOk : RejectCode::kUnknownControl;
      case EventType::kSettlement:
        return e.settlement.price.raw() > 0 ? RejectCode::kOk : RejectCode::kNonPositivePrice;
      case EventType::kFundingRate:
      case EventType::kAccountConfig:
      case EventType::kInstrumentConfig:
        return RejectCode::kOk;
      case EventType::kNone:
        break;
    }
    return RejectCode::kUnknownEventType;
  }

  // ---- producer side (any thread) ----

  [[nodiscard]] PublishResult try_publish(const Event& event) noexcept {
    const RejectCode code = check_at_entrance(event);
    if (code != RejectCode::kOk) return {PublishStatus::kRejected, code, -1};
    const std::optional<std::int64_t> sequence = input_.try_next();
    if (!sequence) return {PublishStatus::kRingFull, RejectCode::kOk, -1};
    input_[*sequence] = event;
    input_.publish(*sequence);
    return {PublishStatus::kAccepted, RejectCode::kOk, base_sequence_ + *sequence};
  }

  // All or nothing: either every event is accepted (one claim, one publish) or none is. A batch
  // with an invalid event is rejected whole, with the first reason; `sequence` is then the index of
  // the offending event in the batch.
  [[nodiscard]] PublishResult try_publish_batch(std::span<const Event> events) noexcept {
    if (events.empty()) return {PublishStatus::kAccepted, RejectCode::kOk, -1};
    for (std::size_t i = 0; i < events.size(); ++i) {
      const RejectCode code = check_at_entrance(events[i]);
      if (code != RejectCode::kOk)
        return {PublishStatus::kRejected, code, static_cast<std::int64_t>(i)};
    }
    const auto n = static_cast<std::int64_t>(events.size());
    if (n > input_.size()) return {PublishStatus::kRejected, RejectCode::kValueOverflow, -1};
    const std::optional<std::int64_t> hi = input_.try_next(n);
    if (!hi) return {PublishStatus::kRingFull, RejectCode::kOk, -1};
    for (std::int64_t i = 0; i < n; ++i)
      input_[*hi - n + 1 + i] = events[static_cast<std::size_t>(i)];
    input_.publish(*hi - n + 1, *hi);
    return {PublishStatus::kAccepted, RejectCode::kOk, base_sequence_ + *hi};
  }

  // ---- output side (one consumer thread) ----

  // Hands every released output to `handler(const OutputEvent&)` and returns how many. Released:
  // published by the risk stage and, with a journal, its input durable.
  template <class Handler>
  std::size_t poll(Handler&& handler) noexcept {
    // Read before the output cursor (acquire, paired with the risk processor's release after each
    // batch): every output of an input up to `applied` was published before it, so is below the
    // cursor read next.
    const std::int64_t applied = base_sequence_ + risk_processor_.sequence().get();
    const std::int64_t available = output_.cursor();
    const std::int64_t durable = durable_input_.get();  // acquire: pairs with the journal's set()
    std::int64_t next = output_read_.get_relaxed() + 1;
    std::size_t handled = 0;
    for (; next <= available; ++next) {
      const OutputEvent& out = output_[next];
      if (out.input_sequence > durable) break;  // its input is not on disk yet
      handler(out);
      ++handled;
    }
    // Release: the risk thread may reuse these output slots only after we have read them.
    if (handled > 0) output_read_.set(next - 1);
    // Outputs come in input order, so every output of an input up to both bounds was handed out
    // (also when the loop stopped at an input not yet durable).
    polled_through_ = std::min(applied, durable);
    return handled;
  }

  // The last input sequence every output of which poll() has handed out: applied by the risk
  // stage and, with a journal, durable (before the first poll: one before the first input). A
  // consumer that must know an input is applied even when it had no output waits on this, instead
  // of acknowledge_inputs' record per input. The consumer thread's, like poll().
  [[nodiscard]] std::int64_t polled_through() const noexcept { return polled_through_; }

  // ---- synchronous mode (owning thread, not started) ----

  // Applies one event on the caller's thread through the same stages as the threaded pipeline
  // (entrance check, journal, risk) and hands its outputs straight to `handler(const OutputEvent&)`
  // instead of the output ring: the same records, in the same order, as poll() would give. With a
  // journal whose policy is not kOff the input is fdatasynced before any output is handed out.
  template <class Handler>
  PublishResult process(const Event& event, Handler&& handler) noexcept {
    const RejectCode code = check_at_entrance(event);
    if (code != RejectCode::kOk) return {PublishStatus::kRejected, code, -1};
    const std::optional<std::int64_t> sequence = input_.try_next();
    if (!sequence) return {PublishStatus::kRingFull, RejectCode::kOk, -1};
    Event& slot = input_[*sequence];
    slot = event;
    input_.publish(*sequence);
    const std::int64_t global = base_sequence_ + *sequence;
    const bool journaled = !journal_ || journal_append_now(slot, global);
    journal_done_.set(*sequence);
    if (!journaled) {
      // Not on disk, so not applied: the slot is passed over by both stages.
      risk_processor_.sequence().set(*sequence);
      return {PublishStatus::kRejected, RejectCode::kJournalFailure, global};
    }
    const RejectCode result = risk_stage_.apply(slot, global, handler);
    risk_processor_.sequence().set(*sequence);
    return {PublishStatus::kAccepted, result, global};
  }

  // Synchronous mode, between events when the caller is idle: rebuilds the ADL ranking if it is
  // unusable (RiskEngine::maintain_adl_ranking), as the risk thread does between batches when
  // started. Cold: O(n log n) when it rebuilds. Returns whether it did.
  bool maintain() noexcept { return risk_->maintain_adl_ranking(); }

  // ---- state (owning thread, when not started or after stop()) ----

  [[nodiscard]] const RiskEngine& risk() const noexcept { return *risk_; }
  // Input sequences count across restarts: the first input after a recovery continues the journal.
  [[nodiscard]] std::int64_t last_input_sequence() const noexcept {
    return base_sequence_ + input_.cursor();
  }
  [[nodiscard]] const RecoveryReport& recovery() const noexcept { return recovery_; }
  // Writes a snapshot of the current state into the journal folder (owning thread, engine not
  // running). Recovery then replays only the journal after it. False with `error` set.
  bool save_snapshot(std::string& error) const;
  [[nodiscard]] std::int64_t durable_input_sequence() const noexcept {
    return durable_input_.get();
  }
  [[nodiscard]] const std::string& journal_error() const noexcept { return journal_error_; }
  [[nodiscard]] std::uint64_t risk_rejections() const noexcept { return risk_stage_.rejections; }

 private:
  static constexpr std::int64_t kNothingDurable = -1;
  static constexpr std::int64_t kNoJournal = INT64_MAX;

  // The risk stage: applies an input and emits its outputs, in a fixed order (a rejection, else the
  // risk engine's records). Runs on the risk thread, or on the caller's in synchronous mode; both
  // modes share apply(), so their outputs are the same by construction.
  struct RiskStage {
    RiskEngine* risk = nullptr;
    OutputRing* output = nullptr;
    std::uint64_t rejections = 0;
    bool acknowledge = false;
    bool maintain_ranking = true;
    std::int64_t base_sequence = 0;  // ring sequence 0 is this input sequence

    template <class Emit>
    RejectCode apply(const Event& e, std::int64_t sequence, Emit&& emit) noexcept {
      const EventResult result = risk->process(e);
      const auto type = static_cast<std::uint8_t>(e.type);
      if (result.code != RejectCode::kOk) {
        ++rejections;
        emit(OutputEvent{
            sequence, OutputKind::kRejected, type, result.code, 0, {RiskOutput{}}, e.time_ns});
      }
      for (const RiskOutput& r : risk->outputs())
        emit(OutputEvent{sequence, OutputKind::kRisk, type, RejectCode::kOk, 0, {r}, e.time_ns});
      // Then the waterfall's money movements, in execution order (the audit trail).
      for (const WaterfallRecord& w : risk->waterfall_records()) {
        OutputEvent out{sequence, OutputKind::kWaterfall, type,     RejectCode::kOk,
                        0,        {RiskOutput{}},         e.time_ns};
        out.waterfall = w;
        emit(out);
      }
      // Then the periodic ADL-quantile publication, if this event reached its due time.
      for (const AdlQuantileRecord& q : risk->adl_quantile_records()) {
        OutputEvent out{sequence, OutputKind::kAdlQuantile, type,     RejectCode::kOk,
                        0,        {RiskOutput{}},           e.time_ns};
        out.adl_quantile = q;
        emit(out);
      }
      // Then the state the input left, for the off-hot-path consumers (state_feed.hpp).
      if (risk->feeds_state()) {
        risk->emit_state([&](const StateRecord& st) {
          OutputEvent out{sequence, OutputKind::kState, type,     RejectCode::kOk,
                          0,        {RiskOutput{}},     e.time_ns};
          out.state = st;
          emit(out);
        });
      }
      if (acknowledge)
        emit(OutputEvent{
            sequence, OutputKind::kProcessed, type, result.code, 0, {RiskOutput{}}, e.time_ns});
      return result.code;
    }

    // The processor's look-ahead hint: the synchronous replay prefetches an item's accounts the
    // same way before applying them.
    void prefetch(const Event& e) const noexcept { risk->prefetch(e); }

    void on_event(Event& e, std::int64_t sequence, bool end_of_batch) noexcept {
      // Waits (spinning) while the output ring is full: the embedder's poll() is the back-pressure.
      apply(e, base_sequence + sequence, [this](const OutputEvent& out) {
        output->publish_event([&](OutputEvent& slot) { slot = out; });
      });
      // Between batches, an unusable ADL ranking is rebuilt, so that it is ready when ADL fires
      // instead of being rebuilt inside a liquidation. At most once per 64 events per open
      // position: a rebuild costs a few events' time per position, so this keeps rebuilds to a
      // few percent of the thread; under a heavy fill flow the overlay of touched accounts fills
      // up and leaves the ranking unusable again and again, and rebuilding each time would starve
      // the events. The ranking is derived state, exact either way: outputs and digest do
      // not depend on when this runs.
      if (maintain_ranking && end_of_batch && sequence >= next_maintenance &&
          risk->maintain_adl_ranking()) {
        next_maintenance = sequence + kMaintenanceEventsPerPosition * open_positions();
      }
    }

    static constexpr std::int64_t kMaintenanceEventsPerPosition = 64;
    std::int64_t next_maintenance = 0;  // the first ring sequence at which a rebuild may run again

    std::int64_t open_positions() const noexcept {
      std::int64_t n = 1;
      for (std::uint32_t i = 0; i < risk->instrument_count(); ++i) {
        const LiquidationIndex& index = risk->liquidation_index(static_cast<std::uint16_t>(i));
        n += index.long_count() + index.short_count();
      }
      return n;
    }
  };

  using RiskProcessor = ringbuffers::BatchEventProcessor<InputRing, RiskStage>;
  using JournalBarrier = InputRing::BarrierWith<ringbuffers::SleepingWait>;

  void recover(const EngineConfig& config);
  void journal_loop() noexcept;
  // Synchronous mode: append, and make durable unless the policy is kOff.
  bool journal_append_now(const Event& e, std::int64_t sequence) noexcept;

  std::int64_t base_sequence_ = 0;  // input sequence of ring sequence 0 (after a recovery: > 0)
  RecoveryReport recovery_;
  std::unique_ptr<RiskEngine> risk_;
  InputRing input_;
  OutputRing output_;
  RiskStage risk_stage_;
  InputRing::Barrier risk_barrier_;
  RiskProcessor risk_processor_;
  JournalBarrier journal_barrier_;
  ringbuffers::Sequence journal_done_;   // the journal thread's progress through the input ring
  ringbuffers::Sequence durable_input_;  // highest input sequence on disk (kNoJournal: no journal)
  ringbuffers::Sequence output_read_;    // the poller's progress through the output ring
  std::int64_t polled_through_ = -1;     // see polled_through(); the poller's own
  std::unique_ptr<pipeline::JournalWriter> journal_;
  std::string journal_error_;
  std::atomic<bool> journal_stop_{false};
  std::thread risk_thread_;
  std::thread journal_thread_;
  std::filesystem::path journal_folder_;
  std::string config_text_;  // the configuration's canonical text: journal and snapshot headers
  int risk_cpu_ = -1;
  bool running_ = false;
};

}  // namespace backstop
