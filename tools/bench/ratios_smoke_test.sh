#!/usr/bin/env bash
# The ratio runner starts, lists its chapters, and refuses an unknown one with exit 2.
# (It measures nothing here: benchmarks are never timed tests.)
set -uo pipefail
runner=tools/bench/ratios
out=$("$runner" --list) || { echo "FAIL: --list exited non-zero"; exit 1; }
echo "$out"
case $out in "chapters with ratios:"*) ;; *) echo "FAIL: unexpected --list output"; exit 1 ;; esac
"$runner" --chapter=no_such_chapter 2>/dev/null
rc=$?
[ $rc -eq 2 ] || { echo "FAIL: unknown chapter gave exit $rc, want 2"; exit 1; }
"$runner" --help | grep -q -- "--chapter" || { echo "FAIL: --help does not mention --chapter"; exit 1; }
echo PASS
