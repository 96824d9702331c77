#!/usr/bin/env bash
# Entry point of `bazel run //tools/bench:oversubscription`: the runner is oversubscription.py, run
# with Debian's /usr/bin/python3 (the peers need Debian's Python modules).
set -euo pipefail
here=$(dirname "$0")
runner=$here/oversubscription.py
[ -f "$runner" ] || runner=${RUNFILES_DIR:-$0.runfiles}/conc/tools/bench/oversubscription.py
[ -f "$runner" ] || runner=$PWD/tools/bench/oversubscription.py
exec /usr/bin/python3 "$runner" "$@"
