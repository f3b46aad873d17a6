// ReplayRun in synchronous mode: each item's events through Engine::process on this thread, one
// at a time, with the funds sampled, the conservation checked every check_every events and the
// caller's after_event hook called after each event.
#include "replay/replay_run.hpp"

namespace backstop::replay {

void ReplayRun::run_synchronous() {
  std::vector<Event>& fresh = builder_.events();
  std::uint64_t applied = 0;
  apply(fresh, applied);  // the setup
  while (builder_.has_item()) {
    gate_.react_up_to(gate_.inputs_before(builder_.next_item_time()), builder_);
    builder_.generate_next();
    apply(fresh, applied);
  }
  summary_.events = applied;
}

// Applies the generated events and clears them; `applied` counts the events so far.
void ReplayRun::apply(std::vector<Event>& fresh, std::uint64_t& applied) {
  const std::uint64_t every = options_.check_every;
  const std::size_t setup_events = builder_.setup_events();
  // The item's events are all known: start loading their accounts while the first applies.
  for (const Event& e : fresh)
    risk_.prefetch(e);
  for (const Event& e : fresh) {
    const PublishResult r = engine_.process(e, tally_);
    if (r.status != PublishStatus::kAccepted) {
      ++summary_.rejections;
    } else {
      gate_.record_input(e.time_ns);
    }
    if (applied + 1 >= setup_events) funds_.sample(risk_);
    if (every != 0 && (applied + 1) % every == 0) check_conservation();
    if (options_.after_event) options_.after_event(risk_, e);
    ++applied;
    progress_(applied);
  }
  fresh.clear();
}

}  // namespace backstop::replay
