"""The server rig: one server benchmark measurement, for ratios.py's server rows.

Starts a server command, waits for its first stdout line `listening on
127.0.0.1:PORT` (the contract of //modules/sockets:serve, the C limits and the
CPython peers in tools/peers), drives it for S seconds with the chapter's load
generator (//modules/sockets:load, ping-pong on N connections) or with `wrk`
(HTTP keep-alive), stops it with SIGTERM (SIGKILL 10 s later), and returns

    {"case": ..., "ns_per_op": 1e9 / requests_per_second, "p99_ns": ..., "p50_ns": ...,
     "cpu_ns_per_op": ..., "requests_per_second": ..., "errors": ...}

cpu_ns_per_op is the server process's CPU time (user + system, all its threads, from
/proc/PID/stat, while the load ran) per request answered: what a request costs the
server, which a busy machine disturbs far less than the rate (the rate needs free
cores; the cost per request does not).

A server row side in ratios.json is such a measurement (ratios.py's docstring):

    {"server": ["modules/sockets/serve", "--model=reactor", "--protocol=line"],
     "load": "line", "connections": 50, "message_size": 64, "seconds": 2,
     "metric": "ns_per_op"}

  server        the command; an element naming a file of the runfiles tree is
                made absolute; "python3" is Debian's /usr/bin/python3
  load          "line" or "http" (//modules/sockets:load), or "wrk" (/usr/bin/wrk
                with --latency, `threads` threads, whole seconds, at least 1)
  connections   default 50; message_size (line only) default 64; threads default 1
  seconds       default 2; scaled down with ratios.py's --min-time below 0.5 s
                (quick runs), never below 0.2 s
  metric        what the row compares: "ns_per_op" (default), "p99_ns" or
                "cpu_ns_per_op"; all are lower-is-better, so a row's ratios read as for any other row.
                Every key but "metric" names the measurement: two rows that differ
                only in it share one run per round.

Command line, for one measurement by hand (after `bazel build -c opt
//tools/bench:ratios`; paths are looked up in its runfiles tree, or bazel-bin):

    /usr/bin/python3 tools/bench/server_rig.py --load=line --connections=50 --seconds=2 \\
        -- modules/sockets/serve --model=reactor

A server that never prints its line, a load generator that fails or answers
nothing, a wrk that reports socket errors: an exception (RigError) naming the
command and its stderr. Slowness is never an error: benchmarks are not tests.
"""

import argparse
import json
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time

PYTHON = "/usr/bin/python3"
WRK = "/usr/bin/wrk"
LOAD = "modules/sockets/load"
STARTUP_TIMEOUT = 30.0  # seconds for a server to print its line (a loaded machine, a cold Python)


class RigError(Exception):
    pass


def measurement_key(side):
    """What names a measurement: the side without its "metric"."""
    return json.dumps({k: v for k, v in side.items() if k != "metric"}, sort_keys=True)


def seconds_for(side, min_time):
    seconds = float(side.get("seconds", 2))
    if min_time < 0.5:
        seconds *= min_time / 0.5
    return max(seconds, 0.2)


def resolve(root, argv):
    out = []
    for arg in argv:
        if arg == "python3":
            out.append(PYTHON)
        elif not arg.startswith("-") and os.path.exists(os.path.join(root, arg)):
            out.append(os.path.join(root, arg))
        else:
            out.append(arg)
    return out


def start_server(cmd, err):
    """Starts `cmd`; returns (process, port) once it printed `listening on 127.0.0.1:PORT`."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    line = b""
    while not line.endswith(b"\n"):
        left = deadline - time.monotonic()
        ready = select.select([proc.stdout], [], [], max(left, 0))[0] if left > 0 else []
        if not ready:
            stop_server(proc)
            raise RigError("%s printed no `listening on` line within %.0f s" % (cmd, STARTUP_TIMEOUT))
        chunk = os.read(proc.stdout.fileno(), 1)
        if not chunk:
            proc.wait()
            raise RigError("%s exited (%s) before listening" % (cmd, proc.returncode))
        line += chunk
    match = re.match(r"listening on 127\.0\.0\.1:(\d+)$", line.decode().strip())
    if not match:
        stop_server(proc)
        raise RigError("%s: first line %r, want `listening on 127.0.0.1:PORT`" % (cmd, line))
    return proc, int(match.group(1))


def stop_server(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stdout:
        proc.stdout.close()


def cpu_seconds(pid):
    """User + system CPU time of a process (all its threads), in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk_time_ns(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)$", text).groups()
    return float(value) * {"us": 1e3, "ms": 1e6, "s": 1e9}[unit]


def run_wrk(port, connections, threads, seconds):
    cmd = [WRK, "-t%d" % threads, "-c%d" % connections, "-d%ds" % max(1, round(seconds)), "--latency",
           "http://127.0.0.1:%d/" % port]
    if not os.path.exists(WRK):
        raise RigError("wrk is not installed (%s; tools/setup.sh installs it)" % WRK)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    if out.returncode != 0:
        raise RigError("%s failed (%d): %s" % (cmd, out.returncode, out.stderr.strip()))
    text = out.stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", text)
    count = re.search(r"(\d+) requests in", text)
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
    if not (rate and count and p50 and p99):
        raise RigError("%s: cannot read its output:\n%s" % (cmd, text))
    errors = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", text))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors += int(non2xx.group(1)) if non2xx else 0
    return {"requests_per_second": float(rate.group(1)), "requests": int(count.group(1)),
            "p50_ns": wrk_time_ns(p50.group(1)), "p99_ns": wrk_time_ns(p99.group(1)), "errors": errors}


def run_load(root, port, side, seconds):
    load = os.path.join(root, LOAD)
    cmd = [load, "--server=127.0.0.1:%d" % port, "--protocol=" + side.get("load", "line"),
           "--connections=%d" % side.get("connections", 50), "--seconds=%g" % seconds,
           "--message-size=%d" % side.get("message_size", 64), "--threads=%d" % side.get("threads", 1), "--json"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    lines = [l for l in out.stdout.splitlines() if l.startswith("{")]
    if out.returncode != 0 or not lines:
        raise RigError("%s failed (%d): %s" % (cmd, out.returncode, out.stderr.strip()[-500:]))
    r = json.loads(lines[-1])
    errors = r["connect_errors"] + r["resets"] + r["server_closes"] + r["bad_responses"]
    return {"requests_per_second": r["requests_per_second"], "requests": r["requests"], "p50_ns": r["p50_ns"],
            "p99_ns": r["p99_ns"], "errors": errors}


def measure(root, side, min_time=0.5, case=None):
    """One measurement of a server side (see the top of this file)."""
    seconds = seconds_for(side, min_time)
    cmd = resolve(root, side["server"])
    with tempfile.TemporaryFile() as err:
        proc, port = start_server(cmd, err)
        try:
            cpu_before = cpu_seconds(proc.pid)
            if side.get("load", "line") == "wrk":
                result = run_wrk(port, side.get("connections", 50), side.get("threads", 1), seconds)
            else:
                result = run_load(root, port, side, seconds)
            cpu = cpu_seconds(proc.pid) - cpu_before
        except (RigError, subprocess.TimeoutExpired, OSError) as e:
            stop_server(proc)
            err.seek(0)
            raise RigError("%s\nserver %s stderr: %s" % (e, cmd, err.read().decode(errors="replace")[-500:]))
        stop_server(proc)
    if result["requests_per_second"] <= 0:
        raise RigError("%s answered no request" % cmd)
    result["ns_per_op"] = 1e9 / result["requests_per_second"]
    result["cpu_ns_per_op"] = cpu * 1e9 / max(result["requests"], 1)
    result["case"] = case or " ".join(side["server"])
    return result


def main():
    parser = argparse.ArgumentParser(description="One server measurement: start SERVER..., load it, print JSON.")
    parser.add_argument("--load", default="line", choices=("line", "http", "wrk"))
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--message-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=2)
    parser.add_argument("--case", help="the name printed in the JSON")
    parser.add_argument("--root", help="where modules/sockets/load is (default: the runfiles tree, or bazel-bin)")
    parser.add_argument("server", nargs="+", help="the server command (after --)")
    args = parser.parse_args()
    root = args.root
    if not root:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import ratios  # noqa: E402
        root = ratios.runfiles_root()
        if not os.path.exists(os.path.join(root, LOAD)) and os.path.exists(os.path.join("bazel-bin", LOAD)):
            root = "bazel-bin"
    side = {"server": args.server, "load": args.load, "connections": args.connections,
            "message_size": args.message_size, "threads": args.threads, "seconds": args.seconds}
    try:
        print(json.dumps(measure(root, side, case=args.case)))
    except RigError as e:
        print("server_rig: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
