#!/usr/bin/env bash
# Configures and builds Release into build/ (warnings are errors). Usage: scripts/build.sh [targets...]
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBACKSTOP_WERROR=ON >/dev/null
if [ $# -gt 0 ]; then
  for t in "$@"; do cmake --build build -j"$(nproc)" --target "$t"; done
else
  cmake --build build -j"$(nproc)"
fi
