#!/usr/bin/python3
"""CPython peer of modules/ipc/shared_memory_benchmark.cc.

Measures multiprocessing.shared_memory.SharedMemory between two processes, the
same shape as the C++ benchmark: one op = this process writes 64 MiB into the
block with `shm.buf[:] = data` and sends a token on a Pipe; a reader process
(attached by name) copies the block out with `bytes(shm.buf)`, checks two stamp
bytes and answers. The block's and the data's pages are touched beforehand.

  shm_64mib     64 MiB per op (C++: BM_SharedMemory_64MiB_WriteThenReadInChild)

Prints one JSON object per case per line, e.g.
  {"case": "shm_64mib", "ns_per_op": 12345678.9, "ops": 40}
where ns_per_op is the best of several repeats, each repeating ops until
--min-time seconds have passed. Run with Debian's interpreter:
  /usr/bin/python3 tools/peers/ipc_shm_peer.py [--case=NAME] [--min-time=SECONDS]
"""

import argparse
import json
import multiprocessing
import time
from multiprocessing import shared_memory

REPEATS = 3
SIZE = 64 << 20
CASES = {"shm_64mib": SIZE}


def reader(name, conn):
    shm = shared_memory.SharedMemory(name)
    # Python < 3.13 registers an attached block with the resource tracker too
    # (bpo-39959); with fork (the default here) the reader shares the parent's
    # tracker, whose set already holds the name, and the parent's unlink()
    # unregisters it once.
    while True:
        token = conn.recv()
        if token is None:
            break
        data = bytes(shm.buf)
        if data[0] != token or data[-1] != token:
            raise SystemExit(3)
        conn.send(token)
    shm.close()


def run(size, min_time):
    shm = shared_memory.SharedMemory(create=True, size=size)
    data = bytearray(b"x" * size)
    shm.buf[:] = data  # Touch the block's pages.
    parent, child = multiprocessing.Pipe()
    p = multiprocessing.Process(target=reader, args=(shm.name, child))
    p.start()
    token = 0

    def one_op():
        nonlocal token
        token = (token + 1) % 256
        data[0] = data[-1] = token
        shm.buf[:] = data
        parent.send(token)
        if parent.recv() != token:
            raise SystemExit(4)

    one_op()  # Warm-up: the reader maps the block.
    best, ops = None, 0
    for _ in range(REPEATS):
        n = 0
        start = time.perf_counter()
        while True:
            one_op()
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
        per_op = elapsed * 1e9 / n
        if best is None or per_op < best:
            best, ops = per_op, n
    parent.send(None)
    p.join()
    shm.close()
    shm.unlink()
    return best, ops


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--case", choices=sorted(CASES), action="append")
    parser.add_argument("--min-time", type=float, default=0.5)
    args = parser.parse_args()
    for case in args.case or sorted(CASES):
        ns, ops = run(CASES[case], args.min_time)
        print(json.dumps({"case": case, "ns_per_op": ns, "ops": ops}), flush=True)


if __name__ == "__main__":
    main()
