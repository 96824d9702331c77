"""CPython peer of modules/sync/queue_benchmark.cc: one producer thread, one consumer thread.

    /usr/bin/python3 tools/peers/queue_peer.py --case=queue_put_get --min-time=0.5

Cases:
  queue_put_get         queue.Queue(): put + get of one int (pure Python, Lib/queue.py)
  simple_queue_put_get  queue.SimpleQueue(): the same (implemented in C)

As in the C++ benchmark, the clock runs from the first put to the consumer's last
get. Prints one JSON line: {"case": NAME, "ns_per_op": X} (ns per item moved).
"""

import argparse
import json
import queue
import sys
import threading
import time

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", required=True, choices=sorted(CASES))
    parser.add_argument("--min-time", type=float, default=0.5, help="seconds to measure at least")
    args = parser.parse_args()
    make_queue = CASES[args.case]
    n = 1000
    while True:  # Grow the run until it lasts min_time, as Google Benchmark does.
        elapsed = run_once(make_queue, n)
        if elapsed >= args.min_time or n >= 1 << 26:
            break
        n = min(n * 10, max(n * 2, int(n * 1.4 * args.min_time / max(elapsed, 1e-9))))
    print(json.dumps({"case": args.case, "ns_per_op": elapsed * 1e9 / n}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
