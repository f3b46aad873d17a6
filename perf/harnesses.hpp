// The table of end-to-end harnesses behind `backstop bench <name>`. Cold; the CLI thread.
#pragma once

#include <span>
#include <string_view>

#include "bench_options.hpp"

namespace backstop::perf {

struct Harness {
  std::string_view name;
  std::string_view summary;
  int (*run)(const BenchOptions&);  // returns the process exit code (non-zero: a check failed)
};

std::span<const Harness> harnesses() noexcept;

// One function per harness, each in its own perf/<name>_harness.cpp.
int run_ring_harness(const BenchOptions& options);
int run_pipeline_harness(const BenchOptions& options);
int run_margin_harness(const BenchOptions& options);
int run_adl_harness(const BenchOptions& options);
int run_sizing_harness(const BenchOptions& options);

}  // namespace backstop::perf
