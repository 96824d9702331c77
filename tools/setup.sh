#!/usr/bin/env bash
# Installs every Debian package the project needs: the build (Bazel, g++, Debian's
# Abseil, gRPC, protobuf, GoogleTest and Google Benchmark), the tests, the
# benchmarks and their CPython peers (Debian's /usr/bin/python3 and its modules).
#
#   ./tools/setup.sh
#
# Safe to run twice: when every package is already installed it changes nothing
# and returns at once. Needs no terminal (CI has no stdin). Runs apt-get as root,
# through sudo when you are not root.
set -euo pipefail

packages=(
  # The build: Bazel 4.2.3 (WORKSPACE mode), g++ 12, pkg-config for third_party/.
  bazel-bootstrap
  g++
  pkg-config
  # Debian's C++ libraries, wrapped as cc_library targets in third_party/BUILD.
  libabsl-dev
  libgtest-dev
  libgmock-dev
  libbenchmark-dev
  libgrpc++-dev
  libprotobuf-dev
  protobuf-compiler
  protobuf-compiler-grpc
  libfmt-dev
  libssl-dev
  # The CPython peers of the benchmarks run under Debian's interpreter.
  python3
  python3-grpcio
  python3-protobuf
  python3-msgpack
  # The profiling chapter (modules/profiling): the logging library it chose, the
  # CPU profiler and its drawing, and the tools its lessons drive.
  libspdlog-dev
  libgoogle-perftools-dev
  google-perftools
  graphviz
  gdb
  valgrind
  libc6-dbg
  heaptrack
  linux-perf
  # The sockets chapter's HTTP test fetches the page with a client no one here
  # wrote (//modules/sockets:http_test finds it at /usr/bin/curl).
  curl
  # The sockets and event-loop benchmarks: the HTTP load tool and the CPython
  # servers they are compared with (asyncio on uvloop, aiohttp, gevent).
  wrk
  python3-uvloop
  python3-aiohttp
  python3-gevent
  # The io_uring limit beside the epoll one (tools/peers/c_uring_echo.c).
  liburing-dev
  # The marshalling chapter: the store under Shelf, the format libraries it
  # wraps, and the fuzzers for every decoder of untrusted bytes (libFuzzer).
  liblmdb-dev
  libsimdjson-dev
  rapidjson-dev
  nlohmann-json3-dev
  libyaml-cpp-dev
  libtomlplusplus-dev
  libmsgpack-cxx-dev
  libxml2-dev
  libcsv-dev
  python3-yaml
  python3-lxml
  clang-16
  libclang-rt-16-dev
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages are installed"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: run as root (or install sudo)" >&2; exit 1; }
  sudo=(sudo)
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q "${missing[@]}" </dev/null
echo "setup: done"
