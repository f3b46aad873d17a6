// ReplayRun in threaded mode: the generator publishes its events to the engine's input ring in
// chunks and polls the outputs while the risk thread applies them; it waits (yielding) only when
// the next item may react to inputs the risk thread has not applied yet.
#include <span>
#include <thread>

#include "replay/replay_run.hpp"

namespace backstop::replay {

struct ReplayRun::Feed {
  std::vector<Event> batch;     // generated, not yet published
  std::uint64_t accepted = 0;   // published and accepted by the entrance
  std::uint64_t generated = 0;  // all events generated
};

void ReplayRun::run_threaded() {
  summary_.insurance_min_sampled_every_event = false;
  engine_.start();
  Feed feed;
  std::vector<Event>& fresh = builder_.events();
  take(feed, fresh);  // the setup
  while (builder_.has_item()) {
    const std::size_t need = gate_.inputs_before(builder_.next_item_time());
    if (tally_.processed < need) wait_for_inputs(feed, need);
    gate_.react_up_to(need, builder_);
    builder_.generate_next();
    take(feed, fresh);
  }
  flush(feed);
  while (tally_.processed < feed.accepted) {
    if (!poll_outputs()) std::this_thread::yield();
  }
  engine_.stop();
  summary_.events = feed.generated;
}

// Polls the outputs into the tally; true when an output came or another input was applied.
bool ReplayRun::poll_outputs() {
  const std::uint64_t before = tally_.processed;
  const std::size_t handled = engine_.poll(tally_);
  tally_.processed =
      static_cast<std::uint64_t>(engine_.polled_through() - gate_.first_sequence() + 1);
  return handled != 0 || tally_.processed != before;
}

// Takes the generated events into the feed and clears them.
void ReplayRun::take(Feed& feed, std::vector<Event>& fresh) {
  for (const Event& e : fresh) {
    feed.batch.push_back(e);
    // Only inputs the entrance accepts get a sequence (flush() may publish them later); the
    // synchronous mode counts the same ones.
    if (Engine::check_at_entrance(e) == RejectCode::kOk) gate_.record_input(e.time_ns);
  }
  feed.generated += fresh.size();
  fresh.clear();
  // Published in chunks: each hand-off moves ring slots and cursors between the cores, which
  // costs more than the events' own work when paid per item. The risk thread has the earlier
  // chunks (up to kReactionLagInputs inputs) to work on meanwhile.
  if (feed.batch.size() >= kThreadedPublishChunk) flush(feed);
  poll_outputs();
  progress_(tally_.processed);
}

// Publishes the feed's batch whole (polling while the ring is full).
void ReplayRun::flush(Feed& feed) {
  constexpr std::size_t kBatch = 256;
  std::size_t i = 0;
  while (i < feed.batch.size()) {
    const std::size_t n = std::min(kBatch, feed.batch.size() - i);
    const PublishResult r =
        engine_.try_publish_batch(std::span<const Event>(feed.batch.data() + i, n));
    if (r.status == PublishStatus::kAccepted) {
      feed.accepted += n;
      i += n;
    } else if (r.status == PublishStatus::kRejected) {
      publish_one_by_one(feed, i, n);
      i += n;
    } else if (!poll_outputs()) {
      std::this_thread::yield();  // ring full: the risk thread is behind
    }
  }
  feed.batch.clear();
}

// One bad event refuses a whole batch: the batch's `n` events from `from` are published one by
// one instead.
void ReplayRun::publish_one_by_one(Feed& feed, std::size_t from, std::size_t n) {
  for (std::size_t k = 0; k < n;) {
    const PublishResult one = engine_.try_publish(feed.batch[from + k]);
    if (one.status == PublishStatus::kRingFull) {
      if (!poll_outputs()) std::this_thread::yield();
      continue;
    }
    if (one.status == PublishStatus::kAccepted) {
      ++feed.accepted;
    } else {
      ++summary_.rejections;
    }
    ++k;
  }
}

// Waits (yielding: the risk thread has a core of its own, we share the other) until the risk
// thread has applied every input the next item may react to, and a chunk more when there is one:
// waiting only for `need` would leave the generator one item ahead, handing off item by item. The
// wait's length never changes what is generated: the reactions taken are those before `need`.
void ReplayRun::wait_for_inputs(Feed& feed, std::size_t need) {
  flush(feed);
  const std::size_t target = std::min<std::size_t>(feed.accepted, need + kThreadedPublishChunk);
  while (tally_.processed < target) {
    if (!poll_outputs()) std::this_thread::yield();
  }
}

}  // namespace backstop::replay
