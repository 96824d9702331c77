#!/usr/bin/env bash
# The sockets chapter's servers outside conc, driven by its load generator: the C
# limits and the CPython peers each print `listening on 127.0.0.1:PORT` first,
# answer a second of //modules/sockets:load without an error, and stop on
# SIGTERM. Also the load generator's own command line: --help, and a host that
# is not loopback refused with a clear message. Nothing about speed is asserted.
# Every wait is bounded.
set -uo pipefail
load=modules/sockets/load
py=/usr/bin/python3
"$load" --help | grep -q -- "--connections" || { echo "FAIL: load --help does not list --connections"; exit 1; }
err=$("$load" --server=10.0.0.1:80 2>&1) && { echo "FAIL: load accepted 10.0.0.1"; exit 1; }
grep -q "only loopback" <<<"$err" || { echo "FAIL: the refusal says: $err"; exit 1; }
failures=0 skipped=0
check() {  # check NAME PROTOCOL COMMAND...
  local name=$1 protocol=$2; shift 2
  local out="$TEST_TMPDIR/$name.out"
  "$@" >"$out" 2>"$out.err" &
  local pid=$!
  for _ in $(seq 1 300); do [ -s "$out" ] && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done  # Up to 30 s: a loaded VM.
  local line; line=$(head -n1 "$out")
  if [ -z "$line" ] && grep -Eq "io_uring_queue_init: (Operation not permitted|Function not implemented)" "$out.err"; then
    # A kernel built without io_uring, or with kernel.io_uring_disabled set: nothing to measure.
    echo "skip $name: $(cat "$out.err")"; skipped=$((skipped + 1)); return
  fi
  if [[ ! "$line" =~ ^listening\ on\ 127\.0\.0\.1:[0-9]+$ ]]; then
    echo "FAIL $name: first line '$line'; stderr: $(cat "$out.err")"; failures=$((failures + 1)); kill -KILL "$pid"; return
  fi
  local json
  json=$(timeout 60 "$load" --server="127.0.0.1:${line##*:}" --protocol="$protocol" --connections=8 --seconds=1 --json 2>/dev/null)
  if ! "$py" -c 'import json, sys; r = json.loads(sys.argv[1]); sys.exit(0 if r["requests"] > 0 and r["connected"] == 8 and r["bad_responses"] + r["resets"] + r["server_closes"] == 0 else 1)' "$json"; then
    echo "FAIL $name: $json"; failures=$((failures + 1))
  else
    echo "ok $name: $json"
  fi
  kill -TERM "$pid"
  timeout 30 tail --pid="$pid" -f /dev/null || { echo "FAIL $name: alive 30 s after SIGTERM"; kill -KILL "$pid"; failures=$((failures + 1)); }
}
check c_epoll_echo line tools/peers/c_epoll_echo --port=0
check c_uring_echo line tools/peers/c_uring_echo --port=0
check c_epoll_http http tools/peers/c_epoll_http --port=0
check asyncio_echo line "$py" tools/peers/sockets_asyncio_echo.py --port=0 --loop=asyncio
check uvloop_echo line "$py" tools/peers/sockets_asyncio_echo.py --port=0 --loop=uvloop
check aiohttp http "$py" tools/peers/sockets_aiohttp.py --port=0
[ "$failures" -eq 0 ] || { echo "$failures failed"; exit 1; }
if [ "$skipped" -eq 0 ]; then echo "6 passed, 0 failed"; else echo "$((6 - skipped)) passed, 0 failed, $skipped skipped"; fi
