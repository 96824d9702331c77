#!/usr/bin/env bash
# Checks the thread-safety annotations of the library with clang's analysis.
#
#   ./tools/checks/thread_safety.sh              # every library source and test of modules/
#   ./tools/checks/thread_safety.sh a.cc b.cc    # just these files
#
# g++ ignores ABSL_GUARDED_BY, ABSL_EXCLUSIVE_LOCKS_REQUIRED, ABSL_LOCKS_EXCLUDED and
# friends; clang's -Wthread-safety checks them: a guarded member touched without its
# lock, a lock released twice or not held, a function that must not hold a lock
# called while holding it. This runs clang++-16 -fsyntax-only with -Wthread-safety
# -Werror over every library source and test of modules/ (tests instantiate the
# templates, such as Queue<int>, which is where the analysis sees a template's
# locking), with the include paths Bazel gives them. .ci/run runs it after its plain
# step, whose `bazel build` outputs it needs: generated headers (the Manager's gRPC
# stubs) come from bazel-bin. Needs clang-16 (tools/setup.sh installs it).
#
# What makes the analysis see the locks: libstdc++'s std::mutex, std::lock_guard and
# std::unique_lock carry no capability annotations, so the library takes every lock
# that guards an annotated member through an annotated type:
#   - modules/common/internal/mutex.h: Mutex (a std::mutex) and MutexLock (a
#     std::unique_lock); condition-variable waits go through MutexLock::native();
#   - modules/common/internal/spin_lock.h: SpinLock and SpinLockHolder;
#   - conc::Lock, RLock and ScopedAcquire (modules/sync/lock.h).
# A predicate run under the lock (cv.wait(lock, pred)) says so with
# ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) on the lambda. ABSL_NO_THREAD_SAFETY_ANALYSIS is
# kept for what the analysis cannot express, each with its reason next to it: a lock
# released by another thread than the one that took it (the Condition's waiter
# locks, tests of Lock/RLock), a lock chosen at run time (Condition over a Lock or an
# RLock), a try-acquire under ASSERT_TRUE in a test.
#
# First a self-test: a snippet that reads a guarded member without its lock must be
# rejected, so the check cannot pass by checking nothing (a flag or macro gone wrong).
# Exits 1 and prints clang's diagnostics when a file fails.
set -euo pipefail
cd "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"

clang=${CLANG:-clang++-16}
command -v "$clang" >/dev/null || { echo "thread_safety: $clang not found (run tools/setup.sh)"; exit 1; }
# The workspace's bazel-bin link: any configuration's output has the same stubs.
bin=${BAZEL_BIN:-$PWD/bazel-bin}
[ -f "$bin/modules/ipc/manager.grpc.pb.h" ] || {
  echo "thread_safety: $bin/modules/ipc/manager.grpc.pb.h is missing: run bazel build //... first"; exit 1; }

flags=(-std=c++20 -fsyntax-only -Wthread-safety -Wthread-safety-beta -Werror=thread-safety
       -Wno-unknown-warning-option -I. -I"$bin"
       $(pkg-config --cflags absl_base absl_status absl_statusor absl_time absl_strings absl_flags grpc++ protobuf libxml-2.0))

# The self-test: the analysis is on, and it sees through Mutex.
probe=$(mktemp --suffix=.cc)
trap 'rm -f "$probe"' EXIT
cat >"$probe" <<'CC'
#include "modules/common/internal/mutex.h"
struct Probe {
  conc::internal::Mutex mu;
  int n ABSL_GUARDED_BY(mu) = 0;
  int Unlocked() { return n; }
};
CC
probe_out=$("$clang" "${flags[@]}" "$probe" 2>&1 || true)
if ! grep -q "reading variable 'n' requires holding mutex 'mu'" <<<"$probe_out"; then
  echo "thread_safety: clang did not reject an unguarded read of a guarded member: the analysis is off"
  exit 1
fi

if [ $# -gt 0 ]; then
  files=$(printf '%s\n' "$@")
else
  files=$(git ls-files 'modules/*.cc' | grep -v -e '/lessons/' -e '/benchmarks/')
fi
count=$(echo "$files" | wc -l)
log=$(mktemp)
trap 'rm -f "$probe" "$log"' EXIT
# Two at a time (the machines have two cores); each file's output as one piece.
if ! echo "$files" | xargs -P 2 -I{} sh -c 'out=$("$0" "$@" {} 2>&1) || { printf "%s\n%s\n" "FAILED: {}" "$out"; exit 1; }' \
    "$clang" "${flags[@]}" >"$log"; then
  cat "$log"
  echo "thread_safety: $(grep -c '^FAILED: ' "$log") of $count files fail the analysis"
  exit 1
fi
echo "thread_safety: $count files pass clang's -Wthread-safety"
