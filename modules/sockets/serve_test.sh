#!/usr/bin/env bash
# serve's contract, for every model and protocol: the first stdout line is
# exactly `listening on 127.0.0.1:PORT`, it answers, and SIGTERM (or SIGINT)
# stops it gracefully with exit status 0. Every wait is bounded.
set -euo pipefail
serve="$1"
"$serve" --help | grep -q -- "--model" || { echo "FAIL: --help does not list --model"; exit 1; }
if "$serve" --model=forking >/dev/null 2>&1; then echo "FAIL: --model=forking accepted"; exit 1; fi
failures=0
for model in iterative thread pool reactor reuseport; do
  for protocol in line http; do
    out="$TEST_TMPDIR/serve_${model}_${protocol}.out"
    "$serve" --model="$model" --protocol="$protocol" --port=0 >"$out" 2>"$out.err" &
    pid=$!
    for _ in $(seq 1 300); do [ -s "$out" ] && break; sleep 0.1; done  # Up to 30 s: a loaded CI VM.
    line=$(head -n1 "$out")
    if [[ ! "$line" =~ ^listening\ on\ 127\.0\.0\.1:[0-9]+$ ]]; then
      echo "FAIL $model/$protocol: first line is '$line'"; failures=$((failures + 1)); kill -KILL "$pid"; continue
    fi
    port=${line##*:}
    exec 3<>"/dev/tcp/127.0.0.1/$port"
    if [ "$protocol" = line ]; then
      printf 'SUM 40 2\nQUIT\n' >&3
      answer=$(timeout 20 cat <&3 | tr -d '\r' | tr '\n' ' ')
      expected="42 BYE "
      requests=2
    else
      printf 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3
      answer=$(timeout 20 cat <&3 | head -n1 | tr -d '\r')
      expected="HTTP/1.1 200 OK"
      requests=1
    fi
    exec 3>&-
    [ "$answer" = "$expected" ] || { echo "FAIL $model/$protocol: answer '$answer'"; failures=$((failures + 1)); }
    signal=TERM; [ "$model" = pool ] && signal=INT
    kill -"$signal" "$pid"
    timeout 30 tail --pid="$pid" -f /dev/null || true  # Bounded: kill -KILL below if it hangs.
    kill -0 "$pid" 2>/dev/null && { echo "FAIL $model/$protocol: still running 30 s after SIG$signal"; kill -KILL "$pid"; }
    wait "$pid" || { echo "FAIL $model/$protocol: exit status $? after SIG$signal"; failures=$((failures + 1)); }
    grep -q "requests $requests," "$out.err" || { echo "FAIL $model/$protocol: counters: $(cat "$out.err")"; failures=$((failures + 1)); continue; }
    echo "ok $model/$protocol: $line; $(cat "$out.err")"
  done
done
[ "$failures" -eq 0 ] || { echo "$failures failed"; exit 1; }
echo "10 passed, 0 failed"
