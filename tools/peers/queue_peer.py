"""CPython peer of modules/sync/benchmarks/queue_benchmark.cc: one producer thread, one consumer thread.

    /usr/bin/python3 tools/peers/queue_peer.py --case=queue_put_get --min-time=0.5

Cases:
  queue_put_get         queue.Queue(): put + get of one int (pure Python, Lib/queue.py)
  simple_queue_put_get  queue.SimpleQueue(): the same (implemented in C)

As in the C++ benchmark, the clock runs from the first put to the consumer's last
get. Prints one JSON line: {"case": NAME, "ns_per_op": X} (ns per item moved).
"""

import queue
import threading
import time

import peer_util

STOP = -1


def consume(q):
    get = q.get
    total = 0
    while True:
        item = get()
        if item == STOP:
            break
        total += item


def run_once(make_queue, n):
    """Moves n items through a fresh queue; returns the elapsed seconds."""
    q = make_queue()
    consumer = threading.Thread(target=consume, args=(q,))
    consumer.start()
    put = q.put
    start = time.perf_counter()
    for i in range(n):
        put(i)
    put(STOP)
    consumer.join()
    return time.perf_counter() - start


CASES = {
    "queue_put_get": queue.Queue,
    "simple_queue_put_get": queue.SimpleQueue,
}


def measure(name, min_time):
    make_queue = CASES[name]
    n = 1000
    while True:  # Grow the run until it lasts min_time, as Google Benchmark does.
        elapsed = run_once(make_queue, n)
        if elapsed >= min_time or n >= 1 << 26:
            break
        n = min(n * 10, max(n * 2, int(n * 1.4 * min_time / max(elapsed, 1e-9))))
    return elapsed * 1e9 / n, n


if __name__ == "__main__":
    peer_util.main(__doc__, CASES, measure, default_min_time=0.5)
