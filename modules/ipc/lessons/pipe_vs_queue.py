#!/usr/bin/python3
"""Is a Pipe three times faster than a Queue? The Python half of the lesson.

The article the course cites (Programmer's Python Async, "Pipes") says a
multiprocessing Pipe is about three times faster than a Queue. This sends N
64-byte messages from one process to another through a Pipe(False) and through
a Queue, and prints both rates (messages per second) on one line:

    /usr/bin/python3 modules/ipc/lessons/pipe_vs_queue.py 50000

The C++ lesson (pipe_vs_queue.cc) runs it and prints its answer beside conc's.
"""

import multiprocessing as mp
import sys
import time

MSG = b"x" * 64


def pipe_reader(r, done, n):
    for _ in range(n):
        r.recv()
    done.put(1)


def queue_reader(q, done, n):
    for _ in range(n):
        q.get()
    done.put(1)


def measure(target, make, n):
    done = mp.Queue()
    reader_end, writer_end = make()
    p = mp.Process(target=target, args=(reader_end, done, n))
    p.start()
    send = writer_end.send if hasattr(writer_end, "send") else writer_end.put
    start = time.perf_counter()
    for _ in range(n):
        send(MSG)
    done.get()
    elapsed = time.perf_counter() - start
    p.join()
    return n / elapsed


def make_pipe():
    return mp.Pipe(False)


def make_queue():
    q = mp.Queue()
    return q, q


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50000
    print("%.0f %.0f" % (measure(pipe_reader, make_pipe, n), measure(queue_reader, make_queue, n)))
