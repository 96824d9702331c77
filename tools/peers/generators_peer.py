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

import peer_util

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


def measure(name, min_time):
    """(best ns per item, items in that repeat) over REPEATS repeats."""
    fn = CASES[name]

    def step():
        fn()
        return N
    return peer_util.best_of(REPEATS, step, min_time)


if __name__ == "__main__":
    peer_util.main(__doc__, CASES, measure)
