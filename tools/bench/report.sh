#!/usr/bin/env bash
# Entry point of `bazel run //tools/bench:report`: report.py under Debian's
# /usr/bin/python3 (the peers need Debian's Python modules).
set -euo pipefail
here=$(dirname "$0")
runner=$here/report.py
[ -f "$runner" ] || runner=${RUNFILES_DIR:-$0.runfiles}/conc/tools/bench/report.py
[ -f "$runner" ] || runner=$PWD/tools/bench/report.py
exec /usr/bin/python3 "$runner" "$@"
