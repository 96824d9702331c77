#!/usr/bin/python3
"""CPython's side of modules/sync/benchmarks/sync_benchmark.cc (threading's primitives).

    /usr/bin/python3 tools/peers/sync_peer.py --case=event_pingpong_two_cpus --min-time=1

prints one JSON line, {"case": NAME, "ns_per_op": X}. Cases mirror the C++
benchmarks one for one:

    lock_acquire_release          Lock.acquire() + Lock.release(), one thread
    event_pingpong_one_cpu        round trip through two Events, both threads on one CPU
    event_pingpong_two_cpus       ... the two threads on two different CPUs
    condition_pingpong_one_cpu    round trip through notify()/wait() on one Condition
    condition_pingpong_two_cpus

Threads pin themselves with os.sched_setaffinity(0, {cpu}) called inside each
thread (on Linux it applies to the calling thread only); the main thread's mask
is restored afterwards.
"""

import os
import threading
import time

import peer_util


def lock_acquire_release(min_time):
    lock = threading.Lock()
    acquire, release = lock.acquire, lock.release
    n, elapsed = 1000, 0.0
    while True:
        start = time.perf_counter()
        for _ in range(n):
            acquire()
            release()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return elapsed * 1e9 / n
        n *= 2


class EventGame:
    def __init__(self):
        self.ping_e, self.pong_e = threading.Event(), threading.Event()
        self.stopping = False

    def ping(self):
        self.ping_e.set()
        self.pong_e.wait()
        self.pong_e.clear()

    def serve(self):
        self.ping_e.wait()
        self.ping_e.clear()
        if self.stopping:
            return False
        self.pong_e.set()
        return True

    def stop(self):
        self.stopping = True
        self.ping_e.set()


class ConditionGame:
    def __init__(self):
        self.c = threading.Condition(threading.Lock())
        self.turn = 0  # 1: the partner's turn
        self.stopping = False

    def ping(self):
        with self.c:
            self.turn = 1
            self.c.notify()
            while self.turn == 1:
                self.c.wait()

    def serve(self):
        with self.c:
            while self.turn == 0 and not self.stopping:
                self.c.wait()
            if self.stopping:
                return False
            self.turn = 0
            self.c.notify()
            return True

    def stop(self):
        with self.c:
            self.stopping = True
            self.c.notify_all()


def ping_pong(game_type, two_cpus, min_time):
    cpus = sorted(os.sched_getaffinity(0))
    if two_cpus and len(cpus) < 2:
        raise SystemExit("sync_peer: needs two CPUs")
    mine, theirs = cpus[0], (cpus[1] if two_cpus else cpus[0])
    saved = os.sched_getaffinity(0)
    game = game_type()

    def partner():
        os.sched_setaffinity(0, {theirs})
        while game.serve():
            pass

    thread = threading.Thread(target=partner)
    thread.start()
    os.sched_setaffinity(0, {mine})
    try:
        for _ in range(100):  # warm up
            game.ping()
        n = 0
        start = time.perf_counter()
        while True:
            for _ in range(100):
                game.ping()
            n += 100
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                return elapsed * 1e9 / n
    finally:
        game.stop()
        thread.join()
        os.sched_setaffinity(0, saved)


CASES = {
    "lock_acquire_release": lock_acquire_release,
    "event_pingpong_one_cpu": lambda t: ping_pong(EventGame, False, t),
    "event_pingpong_two_cpus": lambda t: ping_pong(EventGame, True, t),
    "condition_pingpong_one_cpu": lambda t: ping_pong(ConditionGame, False, t),
    "condition_pingpong_two_cpus": lambda t: ping_pong(ConditionGame, True, t),
}


def measure(name, min_time):
    return CASES[name](min_time)


if __name__ == "__main__":
    peer_util.main(__doc__, CASES, measure, default_min_time=1.0)
