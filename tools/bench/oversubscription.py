"""Spinning under oversubscription: do the sync and ipc rows hold when the CPUs are scarce?

    bazel run //tools/bench:oversubscription
    bazel run //tools/bench:oversubscription -- --rounds=5 --chapter=sync

Every primitive of conc spins for a while before it sleeps (one policy,
modules/common/internal/spin.h). A spin pays only if the thread it waits for runs at the
same time on another CPU; when the machine is oversubscribed, a spinner burns the time
slice the other side needs. This runner measures each row of the sync and ipc ratio tables
(the C++ benchmark and its CPython peer, from the chapters' ratios.json) under three
conditions, interleaved round by round:

  quiet    nothing else runs;
  pinned   both sides pinned to one CPU (taskset -c 0): every thread and process of a
           ping-pong shares it (not the rows that place their threads themselves, "one
           CPU" / "two CPUs": the one-CPU row is this case already);
  loaded   beside one busy loop per CPU (a 2-core machine at load 4).

Two ratios per row and condition, each measured under that condition:

  vs limit   the machine's limit for the row (its "limit" in ratios.json: a bare futex
             hand-off, a raw pipe loop, a bare ring; or the limit another row gives the same
             C++ benchmark) ÷ C++. This is issue 15's measure ("Pipe(False) fell to 0.35x of
             the raw write/read loop"): it says what conc's waiting costs above the floor the
             kernel sets under the same starvation.
  CPython    CPython ÷ C++.

A row holds when, under pinned and under loaded, its ratio is at least half its quiet value
("within 2x of its quiet value"): the limit ratio where the row has a limit, and failing
that, at least 0.8x the limit under the same condition (the bar of the project's vs-limit
targets: a row that beats its limit on a quiet machine by spinning cannot keep that lead when
the CPUs are taken, and the kernel's floor is the best it can fall back to); without a limit,
the CPython ratio, or failing that C++'s own time at most doubled (what losing half of each
CPU to a busy loop costs; CPython getting faster on one CPU is not conc getting slower). Why
not always CPython's: a spin is what makes conc fast on a quiet machine, and no spin
can pay off when the CPUs are taken, so a row whose quiet speed comes from spinning falls to
the kernel's floor under load, while CPython, which never spins, keeps its speed (and
queue.Queue even gets 3x faster on one CPU). Rows that move bulk data (1 MiB, 64 MiB) and
the gRPC paths are left out: they do not spin. Like every benchmark here, a miss is reported,
never an error.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ratios  # noqa: E402  (the runners and the table helpers)

CHAPTERS = ("sync", "ipc")
SKIP = ("1 MiB", "64 MiB", "gRPC", "The floor under")
CONDITIONS = ("quiet", "pinned", "loaded")
FLOOR = 0.8  # limit ÷ C++ that counts as "at the kernel's floor" (see above)


def rows_of(root, chapter):
    with open(os.path.join(root, "modules", chapter, "benchmarks", "ratios.json")) as f:
        spec = json.load(f)
    return [r for r in spec["rows"]
            if "binary" in r.get("cpp", {}) and "peer" in r.get("python", {})
            and not any(s in r["workload"] for s in SKIP)]


class Load:
    """One busy loop per CPU while the `loaded` condition runs."""

    def __enter__(self):
        self.procs = [subprocess.Popen([ratios.PYTHON, "-c", "while True: pass"])
                      for _ in range(os.cpu_count() or 2)]
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            p.kill()
            p.wait()


def limits_of(rows):
    """{C++ benchmark: its limit}: a row's own "limit", or the one another row gives the same
    C++ benchmark (the SimpleQueue-vs-C row measures the same Queue as the queue.Queue row)."""
    out = {}
    for row in rows:
        if "limit" in row:
            out.setdefault((row["cpp"]["binary"], row["cpp"]["benchmark"]),
                           (row["limit"]["binary"], row["limit"]["benchmark"]))
    return out


def pins_itself(row):
    """The ping-pong rows that place their threads on CPUs themselves ("one CPU", "two
    CPUs"): taskset would contradict them (the one-CPU row is the pinned case already)."""
    return "CPU" in row["workload"]


def measure(root, rows, condition, min_time, samples):
    prefix = ("taskset", "-c", "0") if condition == "pinned" else ()
    if condition == "pinned":
        rows = [r for r in rows if not pins_itself(r)]
    cpp = {}
    limits = limits_of(rows)
    for row in rows:
        cpp.setdefault(row["cpp"]["binary"], set()).add(row["cpp"]["benchmark"])
        limit = limits.get((row["cpp"]["binary"], row["cpp"]["benchmark"]))
        if limit:
            cpp.setdefault(limit[0], set()).add(limit[1])
    for binary, names in sorted(cpp.items()):
        for name, ns in ratios.run_cpp(root, binary, sorted(names), min_time, prefix).items():
            samples.setdefault((condition, "cpp", binary, name), []).append(ns)
    peers = {(r["python"]["peer"], r["python"]["case"]) for r in rows}
    for peer, case in sorted(peers):
        ns = ratios.run_peer(root, peer, case, min_time, prefix)
        samples.setdefault((condition, "peer", peer, case), []).append(ns)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapter", action="append", choices=CHAPTERS,
                        help="a chapter (repeatable); default sync and ipc")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the median is reported")
    parser.add_argument("--min-time", type=float, default=0.3, help="seconds per measurement")
    parser.add_argument("--markdown", help="also write the table to this file")
    args = parser.parse_args()
    root = ratios.runfiles_root()
    chapters = args.chapter or list(CHAPTERS)
    rows = [(c, r) for c in chapters for r in rows_of(root, c)]
    load_before = os.getloadavg()
    samples = {}
    for k in range(args.rounds):
        for condition in CONDITIONS:
            print("[round %d/%d] %s" % (k + 1, args.rounds, condition), file=sys.stderr, flush=True)
            chapter_rows = [r for _, r in rows]
            if condition == "loaded":
                with Load():
                    measure(root, chapter_rows, condition, args.min_time, samples)
            else:
                measure(root, chapter_rows, condition, args.min_time, samples)

    def med(condition, side, a, b):
        got = samples.get((condition, side, a, b))
        return statistics.median(got) if got else None

    lines = ["## Spinning under oversubscription: sync and ipc", "",
             *["- " + line for line in ratios.machine_lines()],
             "- Rounds: %d (median), %g s per measurement; load before %.2f (1 min)" %
             (args.rounds, args.min_time, load_before[0]), "",
             "| chapter | workload | C++ quiet | pinned | loaded "
             "| limit ÷ C++ quiet | pinned | loaded "
             "| CPython ÷ C++ quiet | pinned | loaded | holds (≥ ½ the quiet ratio) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    misses = 0
    limits = limits_of([r for _, r in rows])
    for chapter, row in rows:
        cpp = (row["cpp"]["binary"], row["cpp"]["benchmark"])
        py = (row["python"]["peer"], row["python"]["case"])
        limit = limits.get(cpp)
        t = {c: med(c, "cpp", *cpp) for c in CONDITIONS}

        def ratio(c, other):
            return other / t[c] if other and t[c] else None

        r_py = {c: ratio(c, med(c, "peer", *py)) for c in CONDITIONS}
        r_lim = {c: ratio(c, med(c, "cpp", *limit)) if limit else None for c in CONDITIONS}
        def within_2x(r, c):
            return r[c] is None or r[c] >= r["quiet"] / 2

        if limit:
            holds = all(within_2x(r_lim, c) or r_lim[c] >= FLOOR for c in ("pinned", "loaded"))
        else:
            holds = all(within_2x(r_py, c) or (t[c] is None or t[c] <= 2 * t["quiet"])
                        for c in ("pinned", "loaded"))
        misses += not holds
        cells = [ratios.human_time(t[c]) for c in CONDITIONS]
        cells += [ratios.human_ratio(r_lim[c]) for c in CONDITIONS]
        cells += [ratios.human_ratio(r_py[c]) for c in CONDITIONS]
        lines.append("| %s | %s | %s | %s |" % (
            chapter, row["workload"], " | ".join(cells),
            ("yes" if holds else "**no**") + (" (vs limit)" if limit else " (vs CPython)")))
    lines += ["", "Load after: %.2f (1 min). %d of %d rows hold." %
              (os.getloadavg()[0], len(rows) - misses, len(rows))]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
