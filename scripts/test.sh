#!/usr/bin/env bash
# Quick start 2: install, build, run the whole suite; then the stress tests again under ThreadSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
ctest --test-dir build --output-on-failure -j1

# ThreadSanitizer: its own build folder, only the binaries with threads in them (rings, pipeline).
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBACKSTOP_WERROR=ON \
  -DBACKSTOP_SANITIZE=thread >/dev/null
cmake --build build-tsan -j"$(nproc)" --target backstop_stress_tests --target backstop_ringbuffers_tests \
  --target backstop_pipeline_tests
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
  ctest --test-dir build-tsan -L "stress|ringbuffers|pipeline" --output-on-failure -j1
