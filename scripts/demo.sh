#!/usr/bin/env bash
# Quick start 1: install what is missing, build Release, run the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
# The main job: replay the embedded default scenario (a generated crash day calibrated on real
# Binance data, 10,000 seeded accounts) through the engine, print the summary and write the HTML
# report (charts of the mark, open interest, insurance fund, coverage, liquidations; largest losses).
./build/backstop replay --report build/report.html
echo "report: $(pwd)/build/report.html (open it in a browser; one self-contained page)"
