#!/usr/bin/env bash
# Quick start 2: install, build, run the whole suite; build examples/ against the installed package;
# fuzz each libFuzzer target for a bounded time; then the threaded tests again under
# ThreadSanitizer (last, so ctest's summary closes the output).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
ctest --test-dir build --output-on-failure -j1

# The installed package: examples/ built on its own, as an exchange's project would, against what
# `cmake --install` puts under a prefix (find_package(Backstop), Backstop::pipeline), then run.
rm -rf build/install build-examples
cmake --install build --prefix "$PWD/build/install" >/dev/null
cmake -S examples -B build-examples -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$PWD/build/install" >/dev/null
cmake --build build-examples -j"$(nproc)"
ctest --test-dir build-examples --output-on-failure

# Fuzzing: libFuzzer (clang) with ASan and UBSan, each target for a bounded time, starting from the
# inputs in tests/fuzz/corpus (excerpts of real files and regression inputs; new units go to a
# scratch folder, not into the repo). The libraries are instrumented too (BACKSTOP_FUZZ), so the
# coverage each run starts and ends with shows in the log.
fuzz_targets=(events journal config marketdata_csv marketdata_stream marketdata_coinapi gzip snapshot)
cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DBACKSTOP_FUZZ=ON >/dev/null
cmake --build build-fuzz -j"$(nproc)" $(printf -- '--target backstop_fuzz_%s ' "${fuzz_targets[@]}")
fuzz_seconds="${BACKSTOP_FUZZ_SECONDS:-8}"
for target in "${fuzz_targets[@]}"; do
  scratch="$(mktemp -d)"
  log="$(mktemp)"
  echo "fuzzing ${target} for ${fuzz_seconds}s"
  status=0
  ./build-fuzz/tests/fuzz/backstop_fuzz_${target} -max_total_time="${fuzz_seconds}" \
    -print_final_stats=1 "${scratch}" "tests/fuzz/corpus/${target}" >"${log}" 2>&1 || status=$?
  start_cov="$(grep -m1 -o 'INITED cov: [0-9]*' "${log}" | grep -o '[0-9]*$' || true)"
  end_cov="$(grep -o 'DONE *cov: [0-9]*' "${log}" | grep -o '[0-9]*$' || true)"
  echo "  coverage ${start_cov:-?} -> ${end_cov:-?} edges; $(grep -o 'stat::number_of_executed_units: [0-9]*' "${log}" || true)"
  if [ "${status}" -ne 0 ]; then
    tail -n 40 "${log}"
    rm -rf "${scratch}" "${log}"
    exit "${status}"
  fi
  rm -rf "${scratch}" "${log}"
done

# ThreadSanitizer: its own build folder, only the binaries with threads in them (rings, pipeline).
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBACKSTOP_WERROR=ON \
  -DBACKSTOP_SANITIZE=thread >/dev/null
cmake --build build-tsan -j"$(nproc)" --target backstop_stress_tests --target backstop_ringbuffers_tests \
  --target backstop_pipeline_tests
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
  ctest --test-dir build-tsan -L "stress|ringbuffers|pipeline" --output-on-failure -j1
