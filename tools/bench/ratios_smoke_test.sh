#!/usr/bin/env bash
# The ratio runner starts, refuses an unknown chapter with exit 2, and runs one
# chapter's table once, quickly, end to end (benchmark binaries and CPython peers
# wired up, every row printed). //tools/bench:report_test runs every chapter's rows.
# Nothing about speed is asserted: benchmarks are never timed tests.
set -uo pipefail
runner=tools/bench/ratios
out=$("$runner" --list) || { echo "FAIL: --list exited non-zero"; exit 1; }
echo "$out"
case $out in "chapters with ratios:"*) ;; *) echo "FAIL: unexpected --list output"; exit 1 ;; esac
"$runner" --chapter=no_such_chapter 2>/dev/null
rc=$?
[ $rc -eq 2 ] || { echo "FAIL: unknown chapter gave exit $rc, want 2"; exit 1; }
"$runner" --help | grep -q -- "--chapter" || { echo "FAIL: --help does not mention --chapter"; exit 1; }

chapters=${out#chapters with ratios: }
[ "$chapters" = none ] && { echo "FAIL: no chapter has ratios"; exit 1; }
chapter=${chapters%%,*}
table=$("$runner" --chapter="$chapter" --quick) || { echo "FAIL: --chapter=$chapter exited non-zero"; exit 1; }
echo "$table"
rows=$(grep -c '^| ' <<<"$table")
# The header line and at least one row (the |---| separator does not count).
[ "$rows" -ge 2 ] || { echo "FAIL: chapter $chapter printed no rows"; exit 1; }
echo PASS
