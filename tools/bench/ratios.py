"""The side-by-side benchmark runner: C++ vs CPython vs the physical limit, as ratios.

    bazel run //tools/bench:ratios -- --chapter=generators
    bazel run //tools/bench:ratios -- --chapter=generators --rounds=5 --svg=/tmp/g.svg

A chapter describes its rows in modules/<chapter>/benchmarks/ratios.json:

    {"chapter": "generators",
     "rows": [{"workload": "one generator resumption",
               "cpp":    {"binary": "modules/generators/benchmarks/generator_benchmark",
                          "benchmark": "BM_Generator_Resume"},
               "python": {"peer": "tools/peers/generators_peer.py",
                          "case": "generator_resume"},
               "limit":  {"binary": "...", "benchmark": "BM_PlainLoop"},   # optional
               "target": {"vs_python": 10}}]}                               # optional

Each round runs every C++ benchmark and every CPython peer once, interleaved, so a
slow moment of the machine hits both sides; the table reports the median of the
rounds. Times are per operation: a Google Benchmark that sets items processed
counts 1e9 / items_per_second, otherwise its real time per iteration; a peer prints
one JSON object per line, {"case": NAME, "ns_per_op": X}.

Targets: "vs_python": N means CPython's time / C++'s time >= N; "vs_limit": F means
the limit's time / C++'s time >= F (a fraction of the physical limit's speed). A row
may carry both; it meets its target when it meets each.
A missed target is reported, never an error: benchmarks are not tests.

Rows that measure something else than time say so with "unit" (today only
"bytes", e.g. the memory one sleeping task holds): the C++ benchmark reports the
number in the user counter "value" (state.counters["value"]), the peer prints
{"case": NAME, "value": X, "unit": "bytes"}, the table prints bytes, and smaller
is still better, so CPython ÷ C++ and the targets read the same way. A row whose
peer is not plain CPython (uvloop's loop, say) names it in "versus", which the
target column prints instead of "CPython".

Server rows (the sockets chapter): any side ("cpp", "python", "limit") may instead be
a server measurement, a side with a "server" command, which tools/bench/server_rig.py
runs (its docstring has every key): the server is started, loaded for a few seconds by
//modules/sockets:load (ping-pong) or wrk, and stopped; the side's "metric" picks
what the row compares, "ns_per_op" (1e9 / requests per second), "p99_ns" (the p99
latency) or "cpu_ns_per_op" (the server's CPU time per request). All are
lower-is-better, so the ratios and targets above read the same: "vs_python": 3 on a
p99 row means CPython's p99 / C++'s p99 >= 3.

    {"workload": "line echo, 50 connections, 64 B: reactor vs uvloop",
     "cpp":    {"server": ["modules/sockets/serve", "--model=reactor"], "load": "line"},
     "python": {"server": ["python3", "tools/peers/sockets_asyncio_echo.py", "--loop=uvloop"],
                "load": "line"},
     "limit":  {"server": ["tools/peers/c_epoll_echo"], "load": "line"},
     "target": {"vs_python": 2, "vs_limit": 0.85}}

Sides that differ only in "metric" are one measurement per round, shared by the rows
that name it (a throughput row and a p99 row of the same server cost one run).
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import server_rig  # noqa: E402  (server rows: one measurement of a server)

PYTHON = "/usr/bin/python3"  # Debian's interpreter: its modules (grpcio, msgpack...) are there.


def runfiles_root():
    """Where the chapters' ratios.json files, benchmarks and peers are."""
    for candidate in (os.environ.get("RUNFILES_DIR"),
                      os.path.abspath(sys.argv[0]) + ".runfiles",
                      os.path.dirname(os.path.abspath(sys.argv[0]))):
        if candidate and os.path.isdir(os.path.join(candidate, "conc", "modules")):
            return os.path.join(candidate, "conc")
    # `bazel run` starts us in the runfiles tree of the workspace.
    return os.getcwd()


def build_mode(path):
    """'opt', 'fastbuild' or 'dbg', read off the bazel-out path the runfile links to."""
    real = os.path.realpath(path)
    for mode in ("opt", "fastbuild", "dbg"):
        if "-%s/" % mode in real:
            return mode
    return "unknown"


def bare_name(name):
    """A benchmark's name without the "/real_time" that UseRealTime() appends, so
    ratios.json may name it either way."""
    return name[:-len("/real_time")] if name.endswith("/real_time") else name


def run_cpp(root, binary, names, min_time, prefix=()):
    """Runs one Google Benchmark binary for the named benchmarks; returns {name: ns/op}.
    prefix: a command to run it under (e.g. taskset)."""
    wanted = {bare_name(n): n for n in names}
    pattern = "^(%s)(/real_time)?$" % "|".join(sorted(wanted))
    cmd = list(prefix) + [os.path.join(root, binary), "--benchmark_filter=" + pattern,
           "--benchmark_format=json", "--benchmark_min_time=%g" % min_time]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
    result = {}
    for bench in json.loads(out)["benchmarks"]:
        name = wanted.get(bare_name(bench.get("run_name", bench["name"])))
        if name is None:
            continue
        if "value" in bench:  # a row with a "unit": the number is not a time
            result[name] = float(bench["value"])
        elif "items_per_second" in bench and bench["items_per_second"] > 0:
            result[name] = 1e9 / bench["items_per_second"]
        else:
            result[name] = bench["real_time"] * scale[bench.get("time_unit", "ns")]
    missing = set(names) - set(result)
    if missing:
        sys.exit("ratios: %s has no benchmark named %s" % (binary, ", ".join(sorted(missing))))
    return result


def run_peer(root, peer, case, min_time, prefix=()):
    """Runs one CPython peer case; returns its ns/op (or its "value", for a unit)."""
    cmd = list(prefix) + [PYTHON, os.path.join(root, peer), "--case=" + case, "--min-time=%g" % min_time]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("case") == case:
                return float(record["ns_per_op"] if "ns_per_op" in record else record["value"])
    sys.exit("ratios: %s printed no result for case %s" % (peer, case))


def is_server(side):
    return bool(side) and "server" in side


def row_jobs(rows):
    """What the rows name: ({binary: {benchmark}}, {(peer, case)}, {measurement key: server side})."""
    cpp_jobs, peer_jobs, server_jobs = {}, set(), {}
    for row in rows:
        for slot in ("cpp", "python", "limit"):
            side = row.get(slot)
            if not side:
                continue
            if is_server(side):
                server_jobs[server_rig.measurement_key(side)] = side
            elif slot == "python":
                peer_jobs.add((side["peer"], side["case"]))
            else:
                cpp_jobs.setdefault(side["binary"], set()).add(side["benchmark"])
    return cpp_jobs, peer_jobs, server_jobs


def job_binaries(root, cpp_jobs, server_jobs):
    """The C++ (and C) binaries a run executes, for the build-mode check."""
    binaries = list(cpp_jobs)
    for side in server_jobs.values():
        if os.path.exists(os.path.join(root, side["server"][0])):
            binaries.append(side["server"][0])
    return binaries


def side_samples(slot, side, samples):
    """The ns samples of one side of a row, or None. `samples` holds "cpp"
    ({(binary, name): [ns]}), "peer" ({(peer, case): [ns]}) and "server"
    ({measurement key: [result dicts]})."""
    if not side:
        return None
    if is_server(side):
        runs = samples["server"].get(server_rig.measurement_key(side))
        return [r[side.get("metric", "ns_per_op")] for r in runs] if runs else None
    if slot == "python":
        return samples["peer"].get((side["peer"], side["case"]))
    return samples["cpp"].get((side["binary"], side["benchmark"]))


def evaluate_target(target, speedup, of_limit, versus="CPython"):
    """(met: True/False/None when there is no target, the target as text). `versus`
    names the peer the row compares with (a row's "versus", e.g. uvloop)."""
    checks, texts = [], []
    if "vs_python" in target:
        checks.append(speedup is not None and speedup >= target["vs_python"])
        texts.append("≥ %gx %s" % (target["vs_python"], versus))
    if "vs_limit" in target:
        checks.append(of_limit is not None and of_limit >= target["vs_limit"])
        texts.append("≥ %gx the limit" % target["vs_limit"])
    return (all(checks) if checks else None), ("; ".join(texts) or "-")


def human_time(ns):
    if ns is None:
        return "-"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return "%.3g %s" % (ns / scale, unit)
    return "%.3g ns" % ns


def human_value(x, unit=None):
    """A row's number: a time per operation, or bytes for a row with unit "bytes"."""
    if x is None or unit != "bytes":
        return human_time(x)
    for name, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if x >= scale:
            return "%.3g %s" % (x / scale, name)
    return "%.3g B" % x


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def human_ratio(r):
    return "-" if r is None else ("%.3gx" % r)


def machine_lines():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    python = subprocess.run([PYTHON, "--version"], capture_output=True, text=True).stdout.strip()
    return [
        "Machine: %s, %d cores, %s %s" % (cpu, os.cpu_count(), platform.system(), platform.release()),
        "CPython: %s (%s)" % (python, PYTHON),
        "Date: %s" % datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
    ]


def write_svg(path, title, rows):
    """A horizontal bar chart of CPython ÷ C++ per workload, on a log scale, with
    gridlines at each power of ten and a black tick at each row's target."""
    import math
    bars = [r for r in rows if r["speedup"]]
    if not bars:
        return
    def esc(text):
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    width, left, bar_h, gap, top_y = 1000, 430, 22, 12, 64
    height = top_y + len(bars) * (bar_h + gap) + 24
    targets = [r["target_speedup"] for r in bars if r.get("target_speedup")]
    # The axis runs from 1x (or the slowest row's decade, when C++ loses) up.
    low = min(0, math.floor(math.log10(min(r["speedup"] for r in bars))))
    decades = max(math.ceil(math.log10(max([r["speedup"] for r in bars] + targets + [10]))), 1)
    scale = (width - left - 70) / (decades - low)
    left_axis = left
    left = left_axis - low * scale  # x of 1x
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
             'font-family="sans-serif" font-size="12">' % (width, height),
             '<rect width="100%" height="100%" fill="white"/>',
             '<text x="10" y="20" font-size="15" font-weight="bold">%s</text>' % esc(title),
             '<text x="10" y="38" fill="#555">how many times faster than CPython '
             '(log scale; black tick: the target)</text>']
    for d in range(low, decades + 1):
        x = left + d * scale
        parts.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>'
                     % (x, top_y - 8, x, height - 20))
        parts.append('<text x="%.1f" y="%d" fill="#777" text-anchor="middle">%sx</text>'
                     % (x, height - 6, "{:,}".format(10 ** d) if d >= 0 else "%g" % 10 ** d))
    for i, r in enumerate(bars):
        y = top_y + i * (bar_h + gap)
        # A bar grows from 1x: right when C++ is faster, left (red) when slower.
        end = left + math.log10(r["speedup"]) * scale
        x0, x1 = min(left, end), max(left, end)
        color = "#2b7bb9" if r["speedup"] >= 1 else "#c0392b"
        name = r["workload"] if len(r["workload"]) <= 64 else r["workload"][:63] + "…"
        parts.append('<text x="%d" y="%d" text-anchor="end">%s</text>' % (left_axis - 8, y + 15, esc(name)))
        parts.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"/>'
                     % (x0, y, max(x1 - x0, 1), bar_h, color))
        parts.append('<text x="%.1f" y="%d">%.3gx</text>' % (x1 + 6, y + 15, r["speedup"]))
        if r.get("target_speedup"):
            tx = left + math.log10(r["target_speedup"]) * scale
            parts.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="black" stroke-width="3"/>'
                         % (tx, y - 3, tx, y + bar_h + 3))
    parts.append("</svg>")
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(parts) + "\n")


def main():
    parser = argparse.ArgumentParser(
        description="Runs a chapter's C++ benchmarks and CPython peers side by side "
                    "and prints their ratios as a Markdown table.")
    parser.add_argument("--chapter", help="the chapter to measure, e.g. generators")
    parser.add_argument("--list", action="store_true", help="list the chapters that have ratios")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the median is reported")
    parser.add_argument("--min-time", type=float, default=0.5, help="seconds per measurement")
    parser.add_argument("--quick", action="store_true", help="one short round (a smoke run)")
    parser.add_argument("--markdown", help="also write the table to this file")
    parser.add_argument("--svg", help="also draw the speedups as an SVG bar chart")
    args = parser.parse_args()

    # `bazel run` starts us inside the runfiles tree: output paths are the user's.
    cwd = os.environ.get("BUILD_WORKING_DIRECTORY", os.getcwd())
    for attr in ("markdown", "svg"):
        if getattr(args, attr):
            setattr(args, attr, os.path.join(cwd, getattr(args, attr)))

    root = runfiles_root()
    modules = os.path.join(root, "modules")
    chapters = sorted(d for d in (os.listdir(modules) if os.path.isdir(modules) else [])
                      if os.path.exists(os.path.join(modules, d, "benchmarks", "ratios.json")))
    if args.list or not args.chapter:
        print("chapters with ratios: " + (", ".join(chapters) or "none"))
        return 0 if args.list else 2
    spec_path = os.path.join(root, "modules", args.chapter, "benchmarks", "ratios.json")
    if not os.path.exists(spec_path):
        print("ratios: no chapter '%s' with ratios; chapters: %s"
              % (args.chapter, ", ".join(chapters) or "none"), file=sys.stderr)
        return 2
    with open(spec_path) as f:
        spec = json.load(f)
    if args.quick:
        args.rounds, args.min_time = 1, 0.05

    # What to run: each binary once per round with all its benchmarks; each peer
    # case; each server measurement.
    cpp_jobs, peer_jobs, server_jobs = row_jobs(spec["rows"])
    modes = {build_mode(os.path.join(root, b)) for b in job_binaries(root, cpp_jobs, server_jobs)}
    samples = {"cpp": {}, "peer": {}, "server": {}}
    for r in range(args.rounds):
        print("round %d/%d ..." % (r + 1, args.rounds), file=sys.stderr, flush=True)
        for binary, names in sorted(cpp_jobs.items()):
            for name, ns in run_cpp(root, binary, names, args.min_time).items():
                samples["cpp"].setdefault((binary, name), []).append(ns)
        for peer, case in sorted(peer_jobs):
            samples["peer"].setdefault((peer, case), []).append(run_peer(root, peer, case, args.min_time))
        for key, side in sorted(server_jobs.items()):
            samples["server"].setdefault(key, []).append(server_rig.measure(root, side, args.min_time))

    def median(slot, side):
        values = side_samples(slot, side, samples)
        return statistics.median(values) if values else None

    rows = []
    for row in spec["rows"]:
        cpp, py, limit = (median(slot, row.get(slot)) for slot in ("cpp", "python", "limit"))
        speedup, of_limit = ratio(py, cpp), ratio(limit, cpp)
        target = row.get("target") or {}
        met, target_text = evaluate_target(target, speedup, of_limit, row.get("versus", "CPython"))
        rows.append(dict(workload=row["workload"], unit=row.get("unit"), cpp=cpp, py=py, limit=limit, speedup=speedup,
                         of_limit=of_limit, target=target_text,
                         target_speedup=target.get("vs_python"),
                         met="-" if met is None else ("yes" if met else "**no**")))

    lines = ["## %s: C++ vs CPython vs the limit" % spec.get("chapter", args.chapter), ""]
    lines += ["- " + l for l in machine_lines()]
    lines.append("- Rounds: %d (median), %.2g s per measurement; C++ build: %s"
                 % (args.rounds, args.min_time, ", ".join(sorted(modes))))
    if modes != {"opt"}:
        lines.append("- **Warning**: C++ built without optimisation; run with `bazel run -c opt` "
                     "(the project's .bazelrc does this for `bazel run`).")
    lines += ["", "| workload | C++ | CPython | limit | CPython ÷ C++ | C++ speed ÷ limit | target | met |",
              "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["workload"], human_value(r["cpp"], r["unit"]), human_value(r["py"], r["unit"]),
            human_value(r["limit"], r["unit"]),
            human_ratio(r["speedup"]), human_ratio(r["of_limit"]), r["target"], r["met"]))
    lines += ["", "Times are per operation (bytes where the row says memory). CPython ÷ C++ > 1: "
              "C++ is faster (or smaller). C++ speed ÷ limit: 1 = as fast as the physical limit."]
    table = "\n".join(lines)
    print(table)
    if args.markdown:
        os.makedirs(os.path.dirname(args.markdown) or ".", exist_ok=True)
        with open(args.markdown, "w") as f:
            f.write(table + "\n")
    if args.svg:
        write_svg(args.svg, "%s: C++ vs CPython" % spec.get("chapter", args.chapter), rows)
        print("chart written to " + args.svg, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
