#!/usr/bin/env bash
# Entry point of `bazel run //tools/bench:ratios`: the runner is ratios.py, run
# with Debian's /usr/bin/python3 (the peers need Debian's Python modules).
set -euo pipefail
here=$(dirname "$0")
runner=$here/ratios.py
[ -f "$runner" ] || runner=${RUNFILES_DIR:-$0.runfiles}/conc/tools/bench/ratios.py
[ -f "$runner" ] || runner=$PWD/tools/bench/ratios.py
exec /usr/bin/python3 "$runner" "$@"
