#!/usr/bin/python3
"""CPython peer of modules/ipc/mp_queue_benchmark.cc.

Measures multiprocessing.Queue between two processes, the same shape as the C++
benchmark: the parent puts a batch of messages, a consumer process gets them and
acknowledges the batch on a second queue; the time per message is end to end.

  queue_64b     64-byte bytes objects, batches of 10000 (C++: BM_MpQueue_64B)
  queue_4kib    4096-byte bytes objects, batches of 1000 (C++: BM_MpQueue_4KiB)

Prints one JSON object per case per line, e.g.
  {"case": "queue_64b", "ns_per_op": 1234.5, "ops": 100000}
where ns_per_op is the best of several repeats, each repeating batches until
--min-time seconds have passed. Run with Debian's interpreter:
  /usr/bin/python3 tools/peers/ipc_queue_peer.py [--case=NAME] [--min-time=SECONDS]
"""

import multiprocessing

import peer_util

REPEATS = 3
CASES = {"queue_64b": (64, 10000), "queue_4kib": (4096, 1000)}


def consumer(q, ack, batch):
    while True:
        for _ in range(batch):
            if not q.get():
                return
        ack.put(1)


def run(size, batch, min_time):
    q, ack = multiprocessing.Queue(), multiprocessing.Queue()
    p = multiprocessing.Process(target=consumer, args=(q, ack, batch))
    p.start()
    msg = b"x" * size

    def one_batch():
        for _ in range(batch):
            q.put(msg)
        ack.get()
        return batch

    best, ops = peer_util.best_of(REPEATS, one_batch, min_time)
    q.put(b"")
    p.join()
    return best, ops


def measure_case(name, min_time):
    size, batch = CASES[name]
    return run(size, batch, min_time)


if __name__ == "__main__":
    peer_util.main(__doc__, CASES, measure_case, default_min_time=0.5)
