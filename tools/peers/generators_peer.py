#!/usr/bin/python3
"""CPython peer of modules/generators/generator_benchmark.cc.

Measures what one generator resumption costs in CPython, next to the plain loop:

  generator_resume  a generator yielding 0..N-1, consumed by a for loop that sums
                    (C++: BM_Generator_Resume)
  plain_loop        a for loop over range(N) that sums (C++: BM_PlainLoop)

Prints one JSON object per case per line, e.g.
  {"case": "generator_resume", "ns_per_op": 23.4, "ops": 1000000}
where ns_per_op is the best of several repeats, each repeating the workload until
--min-time seconds have passed. Run with Debian's interpreter:
  /usr/bin/python3 tools/peers/generators_peer.py [--case=NAME] [--min-time=SECONDS]
"""

import argparse
import json
import time

N = 1 << 16  # Items per run, as kN in generator_benchmark.cc.
REPEATS = 5


def count_to(n):
    for i in range(n):
        yield i


def generator_resume():
    total = 0
    for v in count_to(N):
        total += v
    return total


def plain_loop():
    total = 0
    for i in range(N):
        total += i
    return total


CASES = {"generator_resume": generator_resume, "plain_loop": plain_loop}


def measure(fn, min_time):
    """Returns (best ns per item, items in that repeat) over REPEATS repeats."""
    best = None
    for _ in range(REPEATS):
        runs = 0
        start = time.perf_counter_ns()
        deadline = start + int(min_time * 1e9)
        while True:
            fn()
            runs += 1
            now = time.perf_counter_ns()
            if now >= deadline:
                break
        ops = runs * N
        ns_per_op = (now - start) / ops
        if best is None or ns_per_op < best[0]:
            best = (ns_per_op, ops)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=sorted(CASES), help="one case (default: all)")
    parser.add_argument("--min-time", type=float, default=0.2,
                        help="seconds per repeat (default: 0.2)")
    args = parser.parse_args()
    for name in [args.case] if args.case else sorted(CASES):
        ns_per_op, ops = measure(CASES[name], args.min_time)
        print(json.dumps({"case": name, "ns_per_op": round(ns_per_op, 3), "ops": ops}),
              flush=True)


if __name__ == "__main__":
    main()
