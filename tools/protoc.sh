#!/usr/bin/env bash
# Runs Debian's protoc (protobuf-compiler) with Debian's gRPC C++ plugin
# (protobuf-compiler-grpc). Both are installed by tools/setup.sh.
set -euo pipefail
if ! command -v protoc >/dev/null; then
  echo "protoc not found: run ./tools/setup.sh" >&2
  exit 1
fi
exec protoc --plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin "$@"
