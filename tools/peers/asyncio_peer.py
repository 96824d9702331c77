#!/usr/bin/python3
"""CPython peer of modules/generators/benchmarks/event_loop_benchmark.cc.

Measures what asyncio's two basic operations cost in CPython:

  call_soon                  N callbacks scheduled with loop.call_soon, run by one
                             run_forever; the last one stops the loop; per callback
                             (C++: BM_CallSoon)
  task_create_run_complete   a main task creates N tasks (create_task) of a coroutine
                             that returns at once, then awaits each; per task
                             (C++: BM_Task_CreateRunComplete)

Prints one JSON object per case per line, e.g.
  {"case": "call_soon", "ns_per_op": 450.0, "ops": 400000}
where ns_per_op is the best of several repeats, each repeating the workload until
--min-time seconds have passed. The default asyncio loop (no uvloop). Run with
Debian's interpreter:
  /usr/bin/python3 tools/peers/asyncio_peer.py [--case=NAME] [--min-time=SECONDS]
"""

import asyncio

import peer_util

N = 1000  # Operations per run, as kN in event_loop_benchmark.cc.
REPEATS = 5


def make_call_soon(loop):
    count = [0]

    def bump():
        count[0] += 1

    def last():
        count[0] += 1
        loop.stop()

    def run():
        for _ in range(N - 1):
            loop.call_soon(bump)
        loop.call_soon(last)
        loop.run_forever()
    return run


async def noop(i):
    return i


async def create_and_await_all():
    tasks = [asyncio.create_task(noop(i)) for i in range(N)]
    total = 0
    for t in tasks:
        total += await t
    return total


def make_task_create_run_complete(loop):
    def run():
        loop.run_until_complete(create_and_await_all())
    return run


CASES = {"call_soon": make_call_soon, "task_create_run_complete": make_task_create_run_complete}


def measure(name, min_time):
    """(best ns per operation, operations in that repeat) over REPEATS repeats."""
    loop = asyncio.new_event_loop()
    try:
        fn = CASES[name](loop)

        def step():
            fn()
            return N
        return peer_util.best_of(REPEATS, step, min_time)
    finally:
        loop.close()


if __name__ == "__main__":
    peer_util.main(__doc__, CASES, measure)
