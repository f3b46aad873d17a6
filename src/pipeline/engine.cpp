// The cold half of the Engine: construction, threads, the journal thread's loop.
#include "pipeline/engine.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <sched.h>

#include <chrono>
#include <cstring>
#include <stdexcept>

#include "pipeline/config_fingerprint.hpp"
#include "pipeline/journal_reader.hpp"
#include "pipeline/journal_writer.hpp"
#include "pipeline/recovery.hpp"

namespace backstop {
namespace {

std::uint64_t now_us() noexcept {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

bool power_of_two(std::int64_t v) noexcept {
  return v > 0 && (v & (v - 1)) == 0;
}

const EngineConfig& checked(const EngineConfig& config) {
  const std::string error = validate_engine_config(config);
  if (!error.empty()) throw std::invalid_argument(error);
  return config;
}

}  // namespace

std::string validate_engine_config(const EngineConfig& config) {
  if (!power_of_two(config.input_ring_size) || config.input_ring_size < 2)
    return "engine.input_ring_size: must be a power of two >= 2";
  if (!power_of_two(config.output_ring_size) || config.output_ring_size < 2)
    return "engine.output_ring_size: must be a power of two >= 2";
  const JournalOptions& j = config.journal;
  if (!j.folder.empty()) {
    if (j.sync == SyncPolicy::kEveryN && j.sync_every_records == 0)
      return "journal.sync_every_records: must be > 0";
    if (j.sync == SyncPolicy::kEveryMicros && j.sync_every_us == 0)
      return "journal.sync_every_us: must be > 0";
    if (j.max_file_bytes < 4096) return "journal.max_file_bytes: must be at least 4096";
  }
  return validate_config(config.risk);
}

Engine::Engine(const EngineConfig& config)
    : risk_(std::make_unique<RiskEngine>(checked(config).risk)),
      input_(config.input_ring_size),
      output_(config.output_ring_size),
      risk_stage_{risk_.get(), &output_, 0, config.acknowledge_inputs, config.maintain_adl_ranking},
      risk_barrier_(input_.sequencer(), {}),
      risk_processor_(input_, risk_barrier_, risk_stage_),
      journal_barrier_(input_.sequencer(), {}),
      durable_input_(kNoJournal),
      risk_cpu_(config.risk_cpu) {
  // Producers never overwrite an input before the risk stage (and the journal, if any) has it.
  input_.add_gating_sequence(risk_processor_.sequence());
  output_.add_gating_sequence(output_read_);
  if (!config.journal.folder.empty()) {
    journal_folder_ = config.journal.folder;
    config_text_ = pipeline::config_fingerprint(config.risk).text;
    pipeline::prepare_journal_folder(config.journal);
    recover(config);
    std::string error;
    journal_ = pipeline::JournalWriter::open(config.journal, base_sequence_, config_text_, error);
    if (!journal_) throw std::runtime_error(error);
    input_.add_gating_sequence(journal_done_);
    durable_input_.set(base_sequence_ - 1);
  }
  polled_through_ = base_sequence_ - 1;
}

void Engine::recover(const EngineConfig& config) {
  // The snapshot plus every journaled input after it, through the risk engine alone: their outputs
  // were released (or not) before the crash and are not released again.
  risk_ =
      pipeline::recover_risk(config.risk, config.journal.folder, /*cut_torn_tail=*/true, recovery_);
  risk_stage_.risk = risk_.get();
  base_sequence_ = recovery_.last_sequence + 1;
  risk_stage_.base_sequence = base_sequence_;
}

bool Engine::save_snapshot(std::string& error) const {
  if (running_ || journal_folder_.empty()) {
    error = running_ ? "snapshot: stop the engine first" : "snapshot: the engine has no journal";
    return false;
  }
  return pipeline::save_risk_snapshot(journal_folder_, config_text_, *risk_, last_input_sequence(),
                                      error);
}

Engine::~Engine() {
  if (running_) stop();
}

void Engine::start() {
  if (running_) return;
  running_ = true;
  journal_stop_.store(false, std::memory_order_relaxed);
  risk_thread_ = std::thread([this] {
    if (risk_cpu_ >= 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(static_cast<unsigned>(risk_cpu_) % std::max(1u, std::thread::hardware_concurrency()),
              &set);
      pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    }
    risk_processor_.run();
  });
  if (journal_) journal_thread_ = std::thread([this] { journal_loop(); });
}

void Engine::stop() {
  if (!running_) return;
  const std::int64_t last = input_.cursor();
  while (risk_processor_.sequence().get() < last)
    std::this_thread::yield();
  risk_processor_.halt();
  risk_thread_.join();
  // Release: pairs with the journal loop's acquire; it drains to `last` before it exits.
  journal_stop_.store(true, std::memory_order_release);
  if (journal_thread_.joinable()) journal_thread_.join();
  running_ = false;
}

bool Engine::journal_append_now(const Event& e, std::int64_t sequence) noexcept {
  const auto* bytes = reinterpret_cast<const std::byte*>(&e);
  if (!journal_->append(sequence, static_cast<std::uint16_t>(e.type), {bytes, sizeof e}) ||
      !journal_->end_of_batch(now_us())) {
    journal_error_ = journal_->error();
    return false;
  }
  if (journal_->durable_sequence() < sequence && !journal_->sync()) {
    journal_error_ = journal_->error();
    return false;
  }
  durable_input_.set(journal_->durable_sequence());
  return true;
}

void Engine::journal_loop() noexcept {
  ringbuffers::SleepingWait backoff;
  std::int64_t next = journal_done_.get_relaxed() + 1;
  std::uint32_t idle = 0;
  bool failed = false;
  for (;;) {
    const std::int64_t available = journal_barrier_.poll_available(next);
    if (available >= next) {
      for (std::int64_t s = next; s <= available && !failed; ++s) {
        const Event& e = input_[s];
        const auto* bytes = reinterpret_cast<const std::byte*>(&e);
        failed = !journal_->append(base_sequence_ + s, static_cast<std::uint16_t>(e.type),
                                   {bytes, sizeof e});
      }
      // A failed journal stops releasing outputs (durable stops moving) but never blocks the
      // producers: the ring keeps flowing, and the failure is reported by journal_error().
      journal_done_.set(available);
      next = available + 1;
      idle = 0;
      if (!failed) failed = !journal_->end_of_batch(now_us());
      if (!failed) durable_input_.set(journal_->durable_sequence());
      continue;
    }
    if (journal_stop_.load(std::memory_order_acquire) &&
        journal_barrier_.poll_available(next) < next) {
      if (!failed && journal_->last_appended() > journal_->durable_sequence()) {
        failed = !journal_->sync();
        if (!failed) durable_input_.set(journal_->durable_sequence());
      }
      break;
    }
    // Idle: a timed sync policy must still sync the tail of a burst that nothing follows.
    if (!failed && journal_->last_appended() > journal_->durable_sequence()) {
      failed = !journal_->end_of_batch(now_us());
      if (!failed) durable_input_.set(journal_->durable_sequence());
    }
    backoff.producer_backoff(idle++);
  }
  if (failed) journal_error_ = journal_->error();
}

}  // namespace backstop
