#!/usr/bin/env bash
# Writes compile_commands.json at the top of the workspace from `bazel aquery`, so
# clangd (and clang-tidy) see the same flags as the build.
#
#   ./tools/compile_commands.sh            # every C++ target
#   ./tools/compile_commands.sh //modules/sync/...
#
# Run it again after adding files or targets. The generated sources (protoc's
# output) must exist for clangd to resolve their headers: the script builds first.
set -euo pipefail
cd "$(dirname "$0")/.."
scope=${1:-//...}
bazel build "$scope" >/dev/null
execroot=$(bazel info execution_root)
bazel aquery --output=jsonproto "mnemonic('CppCompile', $scope)" 2>/dev/null |
  /usr/bin/python3 -c '
import json, sys
execroot = sys.argv[1]
actions = json.load(sys.stdin).get("actions", [])
entries = []
for action in actions:
    args = action["arguments"]
    if "-c" not in args:
        continue
    source = args[args.index("-c") + 1]
    entries.append({"directory": execroot, "file": source, "arguments": args})
json.dump(entries, open("compile_commands.json", "w"), indent=1)
print("compile_commands.json: %d files" % len(entries))
' "$execroot"
