#!/usr/bin/python3
"""CPython peer of modules/sockets/benchmarks/grpc_benchmark.cc.

Measures Python's grpcio on the work queue's proto (modules/sockets/work_queue.proto),
with the grpcio server of modules/sockets/testing/work_queue_server.py in a process
of its own (as a Python service would run; in one process the client and the
server would share one GIL) and a grpcio client here, on one channel:

  unary_ping_pong   Status of a finished task, one call at a time; ns per call
                    (C++: BM_WorkQueue_Unary_*)
  server_streaming  Watch of a finished task of 10,000 steps: 10,001 messages;
                    ns per message (C++: BM_WorkQueue_Stream_*)

Prints one JSON object per case per line, e.g.
  {"case": "unary_ping_pong", "ns_per_op": 250000.0, "ops": 800}
Run with Debian's interpreter (it has grpcio):
  /usr/bin/python3 tools/peers/sockets_grpc_peer.py [--case=NAME] [--min-time=SECONDS]
"""

import os
import subprocess
import sys
import tempfile
import time

import peer_util

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TESTING = os.path.join(ROOT, "modules", "sockets", "testing")
sys.path.insert(0, TESTING)
import work_queue_stubs  # noqa: E402  pylint: disable=wrong-import-position

import grpc  # noqa: E402  pylint: disable=wrong-import-position

pb, pb_grpc = work_queue_stubs.load()

STEPS = 10000  # as kSteps in grpc_benchmark.cc
CALLS_PER_STEP = 50
REPEATS = 5
TIMEOUT = 30.0


class PythonServer:
    """work_queue_server.py in a child process, stopped through its stop file."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="grpc_peer.")
        self.port_file = os.path.join(self.dir, "port")
        self.stop_file = os.path.join(self.dir, "stop")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(TESTING, "work_queue_server.py"),
             "--port-file=" + self.port_file, "--stop-file=" + self.stop_file, "--seconds=600"])
        deadline = time.monotonic() + 30
        while not os.path.exists(self.port_file):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                sys.exit("sockets_grpc_peer: the grpcio server did not start")
            time.sleep(0.01)
        with open(self.port_file, encoding="ascii") as f:
            self.port = int(f.read())

    def stop(self):
        with open(self.stop_file, "w", encoding="ascii"):
            pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for name in (self.port_file, self.stop_file):
            if os.path.exists(name):
                os.remove(name)
        os.rmdir(self.dir)


def finished_task(stub, steps):
    spec = pb.TaskSpec(kind=pb.COUNT, n=steps)
    task_id = stub.Submit(pb.SubmitRequest(spec=spec), timeout=TIMEOUT).task_id
    for _ in stub.Watch(pb.WatchRequest(task_id=task_id), timeout=TIMEOUT):
        pass
    return task_id


def measure(name, min_time):
    server = PythonServer()
    try:
        channel = grpc.insecure_channel("127.0.0.1:%d" % server.port,
                                        options=work_queue_stubs.CLIENT_OPTIONS)
        stub = pb_grpc.WorkQueueStub(channel)
        if name == "unary_ping_pong":
            ref = pb.TaskRef(task_id=finished_task(stub, 1))

            def step():
                for _ in range(CALLS_PER_STEP):
                    stub.Status(ref, timeout=TIMEOUT)
                return CALLS_PER_STEP
        else:
            request = pb.WatchRequest(task_id=finished_task(stub, STEPS))

            def step():
                messages = 0
                for _ in stub.Watch(request, timeout=TIMEOUT):
                    messages += 1
                assert messages == STEPS + 1, messages
                return messages
        result = peer_util.best_of(REPEATS, step, min_time)
        channel.close()
        return result
    finally:
        server.stop()


if __name__ == "__main__":
    peer_util.main(__doc__, ["unary_ping_pong", "server_streaming"], measure)
