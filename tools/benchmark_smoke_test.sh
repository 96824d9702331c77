#!/usr/bin/env bash
# Runs every benchmark of one binary for a token time; passes if it exits 0.
# Speed is never asserted (see tools/benchmark.bzl).
set -euo pipefail
"$1" --benchmark_min_time=0.001 --benchmark_format=console
