#!/bin/bash
# Runs a libFuzzer target of the project for a while, outside Bazel.
#
#   tools/fuzz.sh <target> [seconds=60] [extra libFuzzer flags...]
#   tools/fuzz.sh pickle 60
#
# Targets: pickle, object_stream, mp_connection (modules/marshalling/testing/fuzz/<target>_fuzz.cc).
#
# Bazel's toolchain here is g++ 12, which has no libFuzzer, so the target is
# built directly with Debian's clang-16 (packages clang-16 and libclang-rt-16-dev,
# installed by tools/setup.sh), with -fsanitize=fuzzer,address,undefined, on the
# same sources and include path (the workspace root) the BUILD files use, and
# linked against Debian's Abseil and OpenSSL through pkg-config, as
# third_party/debian_libs.bzl does. It starts from the committed seed corpus,
# modules/marshalling/testing/corpus/<target>/ (read only: new inputs go to a
# scratch directory), and writes any crashing input to
# /tmp/conc-fuzz/<target>/crash-*: add such a file to the seed corpus once it
# is fixed, so that //modules/marshalling:<target>_fuzz_replay_test keeps it fixed.
set -euo pipefail

cd "$(dirname "$0")/.."
target="${1:?usage: tools/fuzz.sh <target> [seconds] [libFuzzer flags...]}"
seconds="${2:-60}"
shift $(( $# >= 2 ? 2 : 1 ))

m=modules/marshalling
c=modules/common
case "$target" in
  pickle)        srcs=("$m/pickle.cc") ;;
  object_stream) srcs=("$m/object_stream.cc" "$c/codec.cc" "$c/fd.cc" "$c/framed.cc" "$c/status.cc") ;;
  mp_connection) srcs=("$m/mp_connection.cc" "$m/pickle.cc" "$c/fd.cc" "$c/status.cc" "$c/timeout.cc") ;;
  *) echo "tools/fuzz.sh: unknown target '$target' (pickle, object_stream, mp_connection)" >&2; exit 2 ;;
esac

clang=clang++-16
command -v "$clang" >/dev/null || { echo "tools/fuzz.sh: $clang not found: run tools/setup.sh" >&2; exit 2; }

work=/tmp/conc-fuzz/$target
mkdir -p "$work/corpus"
binary=$work/${target}_fuzz
# shellcheck disable=SC2046
"$clang" -std=c++20 -O1 -g -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I. $(pkg-config --cflags absl_status absl_statusor absl_strings absl_str_format absl_time libcrypto) \
  "$m/testing/fuzz/${target}_fuzz.cc" "${srcs[@]}" -o "$binary" \
  $(pkg-config --libs absl_status absl_statusor absl_strings absl_str_format absl_time libcrypto)

echo "tools/fuzz.sh: fuzzing $target for ${seconds}s ($binary)"
cd "$work"
exec "$binary" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
  -artifact_prefix="$work/" "$@" "$work/corpus" "$OLDPWD/$m/testing/corpus/$target"
