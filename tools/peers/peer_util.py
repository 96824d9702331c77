"""What the CPython peers share: the timing loop and the command line.

A peer measures named cases and prints one JSON object per case per line,
{"case": NAME, "ns_per_op": FLOAT, "ops": INT}, which //tools/bench:ratios reads.
Each case is timed by calling a step function (which does some operations and
returns how many) until --min-time seconds have passed; the best of several such
repeats is reported, because on a shared machine noise only ever adds time.
"""

import argparse
import json
import time


def time_steps(step, min_time):
    """Calls step() until min_time seconds have passed; returns (ns per op, ops).

    step() returns the number of operations it performed.
    """
    ops = 0
    start = time.perf_counter_ns()
    deadline = start + int(min_time * 1e9)
    while True:
        ops += step()
        now = time.perf_counter_ns()
        if now >= deadline:
            break
    return (now - start) / ops, ops


def best_of(repeats, step, min_time):
    """The fastest of `repeats` time_steps() runs: (ns per op, ops)."""
    best = None
    for _ in range(repeats):
        result = time_steps(step, min_time)
        if best is None or result[0] < best[0]:
            best = result
    return best


def main(doc, case_names, measure, default_min_time=0.2, units=None):
    """Parses --case and --min-time, runs measure(name, min_time) for the chosen
    case (default: all, sorted) and prints the JSON lines. measure returns
    (ns per op, ops) or just ns per op. A case named in `units` ({case: unit},
    e.g. "bytes") measures something other than time: its line says
    {"case": NAME, "value": X, "unit": UNIT} (a ratios.json row with "unit")."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--case", choices=sorted(case_names), help="one case (default: all)")
    parser.add_argument("--min-time", type=float, default=default_min_time,
                        help="seconds per repeat (default: %g)" % default_min_time)
    args = parser.parse_args()
    for name in [args.case] if args.case else sorted(case_names):
        result = measure(name, args.min_time)
        ns_per_op, ops = result if isinstance(result, tuple) else (result, None)
        if units and name in units:
            line = {"case": name, "value": round(ns_per_op, 3), "unit": units[name]}
        else:
            line = {"case": name, "ns_per_op": round(ns_per_op, 3)}
        if ops is not None:
            line["ops"] = ops
        print(json.dumps(line), flush=True)
