// SequencedPublisher: the Engine's entrance for a producer whose events carry the matching engine's
// own sequence numbers, so that a gap or a resend is refused before it reaches the input ring.
// One per producer thread, owned by it. Cost: one compare on top of Engine::try_publish.
#pragma once

#include <cstdint>

#include "pipeline/engine.hpp"

namespace backstop {

// A publisher whose events carry the matching engine's own sequence numbers (1, 2, 3, ...): a gap
// (missing inputs) or a repeat (a resend) is refused at the entrance with a typed code, and nothing
// is written. One per producer thread, owned by it; after a restart, construct it with the next
// sequence the matching engine will send. Cost: one compare on top of Engine::try_publish.
class SequencedPublisher {
 public:
  explicit SequencedPublisher(Engine& engine, std::uint64_t next_expected = 1) noexcept
      : engine_(engine), next_(next_expected) {}

  [[nodiscard]] PublishResult try_publish(const Event& event,
                                          std::uint64_t source_sequence) noexcept {
    if (source_sequence < next_)
      return {PublishStatus::kRejected, RejectCode::kDuplicateSequence, -1};
    if (source_sequence > next_) return {PublishStatus::kRejected, RejectCode::kSequenceGap, -1};
    const PublishResult r = engine_.try_publish(event);
    if (r.status == PublishStatus::kAccepted) ++next_;
    return r;
  }
  [[nodiscard]] std::uint64_t next_expected() const noexcept { return next_; }

 private:
  Engine& engine_;
  std::uint64_t next_;
};

}  // namespace backstop
