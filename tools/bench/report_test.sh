#!/usr/bin/env bash
# Runs the performance report once, quickly, into a scratch directory, twice (the
# second run must append to the history), and checks what it wrote (report_check.py).
set -euo pipefail
out=${TEST_TMPDIR:-$(mktemp -d)}/report
tools/bench/report --quick --min-time=0.01 --out="$out" --no-readmes
cp "$out/PERFORMANCE.md" "$out/full.md"  # the second reruns sync alone, carrying the rest over
tools/bench/report --quick --min-time=0.01 --out="$out" --no-readmes --only=sync
/usr/bin/python3 tools/bench/report_check.py "$out" "$out/full.md" modules
tools/bench/report --only=no_such_chapter --out="$out" 2>/dev/null && { echo "FAIL: unknown chapter accepted"; exit 1; }
echo PASS
