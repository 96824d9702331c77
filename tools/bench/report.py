"""The performance report: every chapter's rows against CPython and the machine's limits, in one run.

    bazel run //tools/bench:report                     # the full report, into docs/
    bazel run //tools/bench:report -- --quick          # one short round (under two minutes)
    bazel run //tools/bench:report -- --only=sync --rounds=5

One invocation runs every chapter's modules/<chapter>/benchmarks/ratios.json rows (the
C++ benchmarks, their CPython peers, their limits, and the server measurements of server
rows: ratios.py's docstring) and the machine's limits
(tools/bench/limits.json, measured by limits_benchmark), interleaved: each round runs
every job once, in the same order, so a machine that drifts hurts both sides alike. Each
row reports the median of the rounds and their min-max; a row whose spread (max / min,
either side) exceeds 2x is flagged, not hidden. The load average is read before and
after; above 1 on this 2-core machine (more generally: above half the cores) the report
says the run is unreliable.

Writes, into --out (default: the workspace's docs/):
  PERFORMANCE.md      the date and machine on top, the limits, then per chapter: workload,
                      C++, CPython, limit, CPython / C++, C++ speed / limit, target, met
                      (times, or bytes for a row whose "unit" says so: see ratios.py),
                      and, for a row that misses its target, what bounds it: the row's
                      "bound" in ratios.json (a measurement, not a guess), or, for a row
                      with a limit, the limit's own ratio to CPython in this run
  performance.json    this run, appended to the previous runs (the rows' history)
  performance/*.svg   one chart per chapter and a headline chart across chapters
and, unless --no-readmes, rewrites each chapter README's generated block (between
"<!-- performance:begin -->" and "<!-- performance:end -->") with its rows.

With --only, the chapters not named keep their rows from the latest earlier run in
performance.json that measured them: PERFORMANCE.md still shows every chapter, and each
carried-over one says the date and load of the run it comes from. Only the chapters run
get new charts, README blocks and history entries.
"""

import argparse
import datetime
import json
import math
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ratios  # noqa: E402  (the per-chapter runner: its job runners and chart)

BEGIN, END = "<!-- performance:begin -->", "<!-- performance:end -->"
HISTORY_KEPT = 50  # runs kept in performance.json


def load_average():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def load_specs(root, only):
    modules = os.path.join(root, "modules")
    specs = []
    for chapter in sorted(os.listdir(modules)):
        path = os.path.join(modules, chapter, "benchmarks", "ratios.json")
        if os.path.exists(path) and (not only or chapter in only):
            with open(path) as f:
                spec = json.load(f)
            spec.setdefault("chapter", chapter)
            specs.append(spec)
    return specs


def summary(samples):
    if not samples:
        return None
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "n": len(samples)}


def spread(s):
    return None if not s or s["min"] <= 0 else s["max"] / s["min"]


class Progress:
    """One line on stderr, rewritten, saying where the run is."""

    def __init__(self, total):
        self.total, self.done, self.start = total, 0, time.time()
        self.tty = sys.stderr.isatty()  # a log gets one line per step instead

    def step(self, what):
        self.done += 1
        elapsed = time.time() - self.start
        left = elapsed / self.done * (self.total - self.done)
        line = "[%d/%d, %.0f s, ~%.0f s left] %s" % (self.done, self.total, elapsed, left, what[-70:])
        sys.stderr.write(("\r%-100s" % line) if self.tty else line + "\n")
        sys.stderr.flush()

    def finish(self):
        if self.tty:
            sys.stderr.write("\n")


def run(root, specs, limits, rounds, min_time):
    """Every job once per round; returns ({"cpp", "peer", "server": samples}, modes) (ratios.side_samples)."""
    rows = [row for spec in specs for row in spec["rows"]]
    cpp_jobs, peer_jobs, server_jobs = ratios.row_jobs(rows)
    for lim in limits:
        cpp_jobs.setdefault(lim["binary"], set()).add(lim["benchmark"])
    # Interleaved: a C++ binary, a peer, a server, a C++ binary, ... in a fixed order.
    lists = [[("cpp", j) for j in sorted(cpp_jobs.items())], [("py", j) for j in sorted(peer_jobs)],
             [("server", j) for j in sorted(server_jobs.items())]]
    order = [l[i] for i in range(max(len(l) for l in lists)) for l in lists if i < len(l)]
    samples = {"cpp": {}, "peer": {}, "server": {}}
    progress = Progress(rounds * len(order))
    for r in range(rounds):
        for kind, job in order:
            if kind == "cpp":
                binary, names = job
                progress.step("round %d: %s" % (r + 1, binary))
                for name, ns in ratios.run_cpp(root, binary, names, min_time).items():
                    samples["cpp"].setdefault((binary, name), []).append(ns)
            elif kind == "py":
                peer, case = job
                progress.step("round %d: %s %s" % (r + 1, os.path.basename(peer), case))
                samples["peer"].setdefault(job, []).append(ratios.run_peer(root, peer, case, min_time))
            else:
                key, side = job
                progress.step("round %d: server %s" % (r + 1, " ".join(os.path.basename(a) for a in side["server"])))
                samples["server"].setdefault(key, []).append(ratios.server_rig.measure(root, side, min_time))
    progress.finish()
    modes = {ratios.build_mode(os.path.join(root, b)) for b in ratios.job_binaries(root, cpp_jobs, server_jobs)}
    return samples, modes


def evaluate(specs, limits, samples):
    chapters = []
    for spec in specs:
        rows = []
        for row in spec["rows"]:
            cpp, py, lim = (summary(ratios.side_samples(slot, row.get(slot), samples))
                            for slot in ("cpp", "python", "limit"))
            med = lambda s: s["median"] if s else None  # noqa: E731
            speedup, of_limit = ratios.ratio(med(py), med(cpp)), ratios.ratio(med(lim), med(cpp))
            target = row.get("target") or {}
            met, target_text = ratios.evaluate_target(target, speedup, of_limit, row.get("versus", "CPython"))
            spreads = [s for s in (spread(cpp), spread(py), spread(lim)) if s]
            bound = row.get("bound")
            if met is False and not bound and lim and med(py):
                # Measured in this very run: how far the limit itself is from CPython.
                limit_speedup = med(py) / med(lim)
                if "vs_python" in target and limit_speedup < target["vs_python"]:
                    bound = ("the limit measured in this run is itself only %.3gx CPython (target %gx): "
                             "no implementation over it can reach the target" % (limit_speedup, target["vs_python"]))
                else:
                    bound = ("the limit measured in this run is %.3gx CPython and C++ reaches %.3g of it: "
                             "the gap is in conc, above the limit" % (limit_speedup, of_limit or 0))
            rows.append({
                "workload": row["workload"], "unit": row.get("unit"), "cpp": cpp, "python": py, "limit": lim,
                "speedup": speedup, "of_limit": of_limit, "target": target_text,
                "target_speedup": target.get("vs_python"), "met": met,
                "bound": bound, "spread": max(spreads) if spreads else None,
            })
        chapters.append({"chapter": spec["chapter"], "rows": rows})
    limit_rows = [{"name": l["name"], "time": summary(samples["cpp"].get((l["binary"], l["benchmark"])))}
                  for l in limits]
    return chapters, limit_rows


def timing(s, unit=None):
    if not s:
        return "-"
    show = lambda x: ratios.human_value(x, unit)  # noqa: E731
    if s["n"] == 1:
        return show(s["median"])
    return "%s (%s–%s)" % (show(s["median"]), show(s["min"]), show(s["max"]))


def chapter_table(chapter):
    lines = ["| workload | C++ | CPython | limit | CPython ÷ C++ | C++ speed ÷ limit | target | met |",
             "|---|---|---|---|---|---|---|---|"]
    notes = []
    for r in chapter["rows"]:
        met = "-" if r["met"] is None else ("yes" if r["met"] else "**no**")
        flag = " ⚠ spread %.1fx" % r["spread"] if r["spread"] and r["spread"] > 2 else ""
        lines.append("| %s%s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["workload"], flag, timing(r["cpp"], r["unit"]), timing(r["python"], r["unit"]),
            timing(r["limit"], r["unit"]),
            ratios.human_ratio(r["speedup"]), ratios.human_ratio(r["of_limit"]), r["target"], met))
        if r["met"] is False:
            notes.append("- *%s*: %s" % (r["workload"], r["bound"] or
                                          "no measured bound recorded yet (add a `bound` to its ratios.json row)"))
    if notes:
        lines += ["", "What bounds the rows that miss their target:", ""] + notes
    return "\n".join(lines)


def markdown(run_info, chapters, limit_rows):
    lines = ["# Performance: conc against CPython and the machine's limits", "",
             "Generated by `bazel run //tools/bench:report` (tools/bench/report.py); do not edit by hand.", ""]
    lines += ["- Date: %s" % run_info["date"]]
    lines += ["- " + l for l in run_info["machine"]]
    lines += ["- Load average before: %s; after: %s" % (
        " ".join("%.2f" % x for x in run_info["load_before"]), " ".join("%.2f" % x for x in run_info["load_after"]))]
    lines += ["- Rounds: %d (median, min–max), %.2g s per measurement; C++ build: %s%s" % (
        run_info["rounds"], run_info["min_time"], ", ".join(run_info["modes"]), "; **quick run**" if run_info["quick"] else "")]
    if run_info["unreliable"]:
        lines += ["", "> **Warning: the machine was busy** (load average above %.1f on %d cores): the numbers below "
                  "are not reliable; rerun on a quiet machine." % (run_info["load_limit"], os.cpu_count())]
    if "opt" not in run_info["modes"] or len(run_info["modes"]) > 1:
        lines += ["", "> **Warning**: C++ built without optimisation (`bazel run` builds with `-c opt`)."]
    lines += ["", "Times are per operation (bytes where a row says memory). CPython ÷ C++ > 1: C++ is faster "
              "(or smaller). C++ speed ÷ limit: 1 = as fast as the "
              "limit. ⚠ marks a row whose rounds differ by more than 2x.", "",
              "![headline](performance/headline.svg)", "", "## The machine's limits", "",
              "| limit | time per operation |", "|---|---|"]
    for l in limit_rows:
        lines.append("| %s | %s |" % (l["name"], timing(l["time"])))
    for c in chapters:
        lines += ["", "## %s" % c["chapter"], ""]
        if c.get("from_run"):
            lines += ["*Not rerun this time: these rows are from the report of %s (load %s before it).*" % (
                c["from_run"]["date"], " ".join("%.2f" % x for x in c["from_run"]["load_before"])), ""]
        lines += ["![%s](performance/%s.svg)" % (c["chapter"], c["chapter"]), "", chapter_table(c)]
    return "\n".join(lines) + "\n"


def with_earlier_runs(chapters, specs_all, history):
    """This run's chapters, and for every other chapter with ratios, its latest earlier rows.

    A carried-over chapter gets "from_run": the date and load of the run it comes from.
    A chapter no earlier run measured is left out."""
    ran = {c["chapter"]: c for c in chapters}
    shown = []
    for spec in specs_all:
        name = spec["chapter"]
        if name in ran:
            shown.append(ran[name])
            continue
        for run_ in reversed(history["runs"]):
            found = [c for c in run_.get("chapters", []) if c["chapter"] == name]
            if found:
                shown.append(dict(found[0], from_run={"date": run_["date"], "load_before": run_["load_before"]}))
                break
    return shown


def headline_rows(chapters):
    """One bar per chapter: the geometric mean of its rows' CPython ÷ C++."""
    rows = []
    for c in chapters:
        s = [r["speedup"] for r in c["rows"] if r["speedup"]]
        if s:
            gm = math.exp(sum(math.log(x) for x in s) / len(s))
            rows.append({"workload": "%s (%d rows, geometric mean)" % (c["chapter"], len(s)), "speedup": gm})
    return rows


def update_readme(path, chapter, run_info):
    if not os.path.exists(path):
        return False
    with open(path) as f:
        text = f.read()
    if BEGIN not in text or END not in text:
        return False
    block = "\n".join([BEGIN, "", "Generated by `bazel run //tools/bench:report` on %s (load %s); "
                       "the whole report and its history: [docs/PERFORMANCE.md](../../docs/PERFORMANCE.md)."
                       % (run_info["date"], " ".join("%.2f" % x for x in run_info["load_before"])), "",
                       chapter_table(chapter), "", END])
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    with open(path, "w") as f:
        f.write(head + block + tail)
    return True


def main():
    parser = argparse.ArgumentParser(description="Runs every chapter's benchmarks beside CPython and the machine's "
                                     "limits, and writes docs/PERFORMANCE.md, docs/performance.json and charts.")
    parser.add_argument("--only", action="append", default=[], help="a chapter to include (repeatable); default all")
    parser.add_argument("--quick", action="store_true", help="one short round, under two minutes in all")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--min-time", type=float, default=None, help="seconds per measurement (default 0.5)")
    parser.add_argument("--out", help="where to write (default: the workspace's docs/)")
    parser.add_argument("--no-readmes", action="store_true", help="leave the chapter READMEs alone")
    parser.add_argument("--no-history", action="store_true", help="do not append to an existing performance.json")
    args = parser.parse_args()

    root = ratios.runfiles_root()
    workspace = os.environ.get("BUILD_WORKSPACE_DIRECTORY")
    cwd = os.environ.get("BUILD_WORKING_DIRECTORY", os.getcwd())
    out = os.path.join(cwd, args.out) if args.out else os.path.join(workspace or cwd, "docs")
    rounds, min_time = (1, 0.05) if args.quick else (max(args.rounds, 1), 0.5)
    if args.min_time is not None:
        min_time = args.min_time
    only = set(args.only)

    specs = load_specs(root, only)
    specs_all = load_specs(root, set())
    known = {s["chapter"] for s in specs_all}
    if only - known:
        print("report: no chapter with ratios named %s; chapters: %s"
              % (", ".join(sorted(only - known)), ", ".join(sorted(known))), file=sys.stderr)
        return 2
    with open(os.path.join(root, "tools", "bench", "limits.json")) as f:
        limits = json.load(f)["limits"]

    load_before = load_average()
    samples, modes = run(root, specs, limits, rounds, min_time)
    load_after = load_average()
    chapters, limit_rows = evaluate(specs, limits, samples)
    load_limit = max(1.0, (os.cpu_count() or 2) / 2)
    run_info = {
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "machine": [l for l in ratios.machine_lines() if not l.startswith("Date:")],
        "load_before": load_before, "load_after": load_after, "load_limit": load_limit,
        # The run loads the machine itself (two-thread benchmarks, peer processes), so
        # the load after it says little; what makes numbers unreliable is other work
        # already running when it starts.
        "unreliable": load_before[0] > load_limit,
        "rounds": rounds, "min_time": min_time, "quick": args.quick, "modes": sorted(modes),
    }

    history_path = os.path.join(out, "performance.json")
    history = {"runs": []}
    if os.path.exists(history_path) and not args.no_history:
        with open(history_path) as f:
            history = json.load(f)
    shown = with_earlier_runs(chapters, specs_all, history) if only else chapters

    os.makedirs(os.path.join(out, "performance"), exist_ok=True)
    with open(os.path.join(out, "PERFORMANCE.md"), "w") as f:
        f.write(markdown(run_info, shown, limit_rows))
    for c in chapters:
        ratios.write_svg(os.path.join(out, "performance", c["chapter"] + ".svg"),
                         "%s: C++ vs CPython" % c["chapter"], c["rows"])
    ratios.write_svg(os.path.join(out, "performance", "headline.svg"),
                     "conc vs CPython, by chapter", headline_rows(shown))
    history["runs"].append(dict(run_info, limits=limit_rows, chapters=chapters))
    history["runs"] = history["runs"][-HISTORY_KEPT:]
    with open(history_path, "w") as f:
        json.dump(history, f, indent=1, ensure_ascii=False)
        f.write("\n")
    updated = []
    if not args.no_readmes and workspace:
        for c in chapters:
            if update_readme(os.path.join(workspace, "modules", c["chapter"], "README.md"), c, run_info):
                updated.append(c["chapter"])
    print("report: wrote %s, performance.json and %d charts in %s%s" % (
        "PERFORMANCE.md", len(chapters) + 1, out,
        ("; updated the READMEs of " + ", ".join(updated)) if updated else ""))
    if run_info["unreliable"]:
        print("report: warning: load average %.2f before the run: the machine was busy" % load_before[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
