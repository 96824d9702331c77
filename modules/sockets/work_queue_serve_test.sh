#!/usr/bin/env bash
# work_queue_serve's contract, for the server APIs named after the two paths
# (BUILD passes both, or sync alone under TSan): the first stdout line is
# exactly `listening on 127.0.0.1:PORT`; Python's grpcio client
# (testing/work_queue_client.py, every call kind) passes its checks against it;
# SIGTERM stops it with exit status 0. A bad --api is refused. Every wait is
# bounded.
set -uo pipefail
serve="$1" client="$2"; shift 2
apis=("$@")
[ "${#apis[@]}" -gt 0 ] || { echo "FAIL: no server API named after the two paths"; exit 1; }
"$serve" --help | grep -q -- "--api" || { echo "FAIL: --help does not list --api"; exit 1; }
err=$("$serve" --api=async 2>&1) && { echo "FAIL: --api=async accepted"; exit 1; }
grep -q "unknown API 'async'" <<<"$err" || { echo "FAIL: the refusal says: $err"; exit 1; }
failures=0
for api in "${apis[@]}"; do
  out="$TEST_TMPDIR/work_queue_serve_$api.out"
  "$serve" --api="$api" --port=0 >"$out" 2>"$out.err" &
  pid=$!
  for _ in $(seq 1 300); do [ -s "$out" ] && break; sleep 0.1; done  # Up to 30 s: a loaded CI VM.
  line=$(head -n1 "$out")
  if [[ ! "$line" =~ ^listening\ on\ 127\.0\.0\.1:[0-9]+$ ]]; then
    echo "FAIL $api: first line is '$line'; stderr: $(cat "$out.err")"; failures=$((failures + 1)); kill -KILL "$pid"; continue
  fi
  checks=$(timeout 120 /usr/bin/python3 "$client" --target="${line#listening on }" 2>&1)
  if ! grep -q "python client: 13 checks passed" <<<"$checks"; then
    echo "FAIL $api: the Python client says: $checks"; failures=$((failures + 1))
  fi
  kill -TERM "$pid"
  timeout 30 tail --pid="$pid" -f /dev/null || { echo "FAIL $api: alive 30 s after SIGTERM"; kill -KILL "$pid"; failures=$((failures + 1)); continue; }
  wait "$pid"; status=$?
  [ "$status" -eq 0 ] || { echo "FAIL $api: exit status $status after SIGTERM"; failures=$((failures + 1)); }
  grep -q "stopped by signal 15" "$out.err" || { echo "FAIL $api: stderr: $(cat "$out.err")"; failures=$((failures + 1)); }
done
[ "$failures" -eq 0 ] || { echo "$failures failed"; exit 1; }
echo "${#apis[@]} passed, 0 failed"
