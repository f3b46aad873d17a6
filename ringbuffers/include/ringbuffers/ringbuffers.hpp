// The whole ring-buffer library: our implementation of the LMAX Disruptor design. Header-only, the
// standard library only, no knowledge of Backstop's domain.
#pragma once

#include "batch_event_processor.hpp"
#include "cache_line.hpp"
#include "multi_producer_sequencer.hpp"
#include "ring_buffer.hpp"
#include "sequence.hpp"
#include "sequence_barrier.hpp"
#include "single_producer_sequencer.hpp"
#include "wait_strategy.hpp"
