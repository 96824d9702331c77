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

import multiprocessing
from multiprocessing import shared_memory

import peer_util

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
        return 1

    one_op()  # Warm-up: the reader maps the block.
    best, ops = peer_util.best_of(REPEATS, one_op, min_time)
    parent.send(None)
    p.join()
    shm.close()
    shm.unlink()
    return best, ops


if __name__ == "__main__":
    peer_util.main(__doc__, CASES, lambda name, min_time: run(CASES[name], min_time),
                   default_min_time=0.5)
