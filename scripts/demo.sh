#!/usr/bin/env bash
# Quick start 1: install what is missing, build Release, run the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
# The main job. Until the replay lands (issue 6) it is the ring-buffer benchmark.
./build/backstop bench ring
