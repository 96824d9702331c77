#!/usr/bin/python3
"""CPython peer of modules/ipc/pipe_benchmark.cc.

Measures multiprocessing.Pipe between two processes: the parent sends, a
forked child receives until an empty message. Pipe(False) is an os.pipe(), as
conc::Pipe(false); Pipe() is a socketpair, as conc::Pipe().

  pipe_64b          Pipe(False), send_bytes/recv_bytes of 64-byte messages
                    (C++: BM_Pipe_64B)
  pipe_duplex_64b   the same on Pipe() (C++: BM_PipeDuplex_64B)
  pipe_1mib         Pipe(False), send_bytes/recv_bytes_into of 1 MiB messages
                    (C++: BM_Pipe_1MiB); one op = one message, as in C++

Prints one JSON object per case per line, e.g.
  {"case": "pipe_64b", "ns_per_op": 1234.5, "ops": 100000}
where ns_per_op is the best of several repeats, each sending messages until
--min-time seconds have passed and the child has received them all. Run with
Debian's interpreter:
  /usr/bin/python3 tools/peers/ipc_pipe_peer.py [--case=NAME] [--min-time=SECONDS]
"""

import multiprocessing
import time

import peer_util

REPEATS = 3
BATCH = 100  # Messages sent between two looks at the clock.


def reader(conn, done, size):
    buf = bytearray(size)
    while True:
        if size <= 64:
            if not conn.recv_bytes():
                break
        elif conn.recv_bytes_into(buf) == 0:
            break
    done.send(1)


def measure(size, duplex, min_time):
    """Returns (ns per message, messages) for one repeat."""
    ctx = multiprocessing.get_context("fork")
    r, w = ctx.Pipe(duplex)
    done_r, done_w = ctx.Pipe(False)
    p = ctx.Process(target=reader, args=(r, done_w, size))
    p.start()
    msg = b"x" * size
    ops = 0
    start = time.perf_counter_ns()
    deadline = start + int(min_time * 1e9)
    while True:
        for _ in range(BATCH):
            w.send_bytes(msg)
        ops += BATCH
        if time.perf_counter_ns() >= deadline:
            break
    w.send_bytes(b"")
    done_r.recv()
    elapsed = time.perf_counter_ns() - start
    p.join()
    return elapsed / ops, ops


CASES = {
    "pipe_64b": (64, False),
    "pipe_duplex_64b": (64, True),
    "pipe_1mib": (1 << 20, False),
}


def measure_case(name, min_time):
    size, duplex = CASES[name]
    return min(measure(size, duplex, min_time) for _ in range(REPEATS))


if __name__ == "__main__":
    peer_util.main(__doc__, CASES, measure_case)
