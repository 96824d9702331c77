"""The Python half of the python_parent_cpp_worker lesson: the parent.

    python_parent_cpp_worker.py WORKER    starts WORKER (the C++ lesson binary, "worker" mode),
                                          connects with multiprocessing.connection.Client and
                                          hands it jobs, printing each result
"""
import os
import subprocess
import sys
from multiprocessing.connection import Client

JOBS = [
    ("primes_below", 50),
    ("fib", 90),
    ("word_count", "the quick brown fox jumps over the lazy dog and the fox"),
    ("mean", [21.5, 22.0, 23.25]),
]

authkey = os.urandom(16)
worker = subprocess.Popen([sys.argv[1], "worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
worker.stdin.write(authkey.hex() + "\n")  # the key goes by pipe, never on a command line
worker.stdin.flush()
port = int(worker.stdout.readline())
print(f"python: the C++ worker listens on 127.0.0.1:{port}")

with Client(("127.0.0.1", port), authkey=authkey) as conn:
    for job in JOBS:
        conn.send(job)
        print(f"python: {job[0]}({job[1]!r}) -> {conn.recv()!r}")
    conn.send(None)  # no more work

print(worker.stdout.read(), end="")
print("python: worker exit code", worker.wait())
try:
    Client(("127.0.0.1", port), authkey=authkey)
except ConnectionRefusedError:
    print("python: the worker has gone, as it should")
