#!/usr/bin/python3
"""CPython peer of modules/generators/benchmarks/event_loop_benchmark.cc and
sleeping_tasks_benchmark.cc.

Measures what asyncio's operations cost in CPython:

  call_soon                  N callbacks scheduled with loop.call_soon, run by one
                             run_forever; the last one stops the loop; per callback
                             (C++: BM_CallSoon)
  call_soon_uvloop           the same on uvloop's loop (Debian's python3-uvloop,
                             uvloop.new_event_loop()), a loop written in Cython over
                             libuv
  task_create_run_complete   a main task creates N tasks (create_task) of a coroutine
                             that returns at once, then awaits each; per task
                             (C++: BM_Task_CreateRunComplete)
  timers_random_sleeps       a main task creates TIMERS tasks, each awaiting
                             asyncio.sleep of a random length in [0, 10 ms) (a fixed
                             seed), then awaits each; the time from the first
                             create_task to the last wake-up, per sleep
                             (C++: BM_Timers_RandomSleeps)
  sleeping_tasks_memory      SLEEPERS tasks created, each parked in asyncio.sleep at
                             once; the growth of the resident set (VmRSS) divided by
                             SLEEPERS: bytes per sleeping task, measured once in a
                             fresh interpreter; then all of them must finish
                             (C++: BM_SleepingTasks_Memory)

Prints one JSON object per case per line, e.g.
  {"case": "call_soon", "ns_per_op": 450.0, "ops": 400000}
where ns_per_op is the best of several repeats, each repeating the workload until
--min-time seconds have passed; the memory case prints {"case": ..., "value": B,
"unit": "bytes"} instead. The default asyncio loop except where the case says
uvloop. Run with Debian's interpreter:
  /usr/bin/python3 tools/peers/asyncio_peer.py [--case=NAME] [--min-time=SECONDS]
"""

import asyncio
import os
import random
import sys

import peer_util

N = 1000  # Operations per run, as kN in event_loop_benchmark.cc.
TIMERS = 100_000  # Sleeps per run, as kTimers in event_loop_benchmark.cc.
SLEEPERS = 1_000_000  # Tasks, as kSleepers in sleeping_tasks_benchmark.cc.
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


async def random_sleeps(delays):
    tasks = [asyncio.create_task(asyncio.sleep(d)) for d in delays]
    for t in tasks:
        await t


def make_timers_random_sleeps(loop):
    rng = random.Random(42)
    delays = [rng.randrange(10_000) / 1e6 for _ in range(TIMERS)]  # [0, 10 ms), in µs steps

    def run():
        loop.run_until_complete(random_sleeps(delays))
    return run, TIMERS


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def parked(finished):
    await asyncio.sleep(0.5)
    finished[0] += 1


async def sleeping_tasks():
    """RSS growth per task while SLEEPERS tasks sleep; all must then finish."""
    finished = [0]
    before = rss_bytes()
    tasks = [asyncio.create_task(parked(finished)) for _ in range(SLEEPERS)]
    # Every task's first step runs in the next iteration, before ours: after
    # this yield each one is parked in its sleep.
    await asyncio.sleep(0)
    grown = rss_bytes() - before
    for t in tasks:
        await t
    if finished[0] != SLEEPERS:
        sys.exit("sleeping_tasks_memory: %d of %d tasks finished" % (finished[0], SLEEPERS))
    return grown / SLEEPERS


def new_uvloop():
    import uvloop  # Debian's python3-uvloop
    return uvloop.new_event_loop()


# name: (make(loop) -> run or (run, ops per run), the loop factory)
CASES = {
    "call_soon": (make_call_soon, asyncio.new_event_loop),
    "call_soon_uvloop": (make_call_soon, new_uvloop),
    "task_create_run_complete": (make_task_create_run_complete, asyncio.new_event_loop),
    "timers_random_sleeps": (make_timers_random_sleeps, asyncio.new_event_loop),
    "sleeping_tasks_memory": (None, asyncio.new_event_loop),
}
UNITS = {"sleeping_tasks_memory": "bytes"}


def measure(name, min_time):
    """(best ns per operation, operations in that repeat) over REPEATS repeats;
    for the memory case, bytes per task, measured once."""
    make, new_loop = CASES[name]
    loop = new_loop()
    try:
        if make is None:
            return loop.run_until_complete(sleeping_tasks())
        made = make(loop)
        fn, ops = made if isinstance(made, tuple) else (made, N)

        def step():
            fn()
            return ops
        return peer_util.best_of(REPEATS if ops == N else 3, step, min_time)
    finally:
        loop.close()


if __name__ == "__main__":
    peer_util.main(__doc__, CASES, measure, units=UNITS)
