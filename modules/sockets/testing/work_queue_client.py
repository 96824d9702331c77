"""Drives a work queue server (modules/sockets/work_queue.proto) from Python's
grpcio on all four call kinds, checking each answer; the interop test runs it
against the C++ server (both of its APIs).

    /usr/bin/python3 work_queue_client.py --target=127.0.0.1:PORT

Prints one line per check and "python client: N checks passed"; exits 1 at the
first wrong answer.
"""

import argparse
import os
import sys
import time

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import work_queue_stubs  # noqa: E402  pylint: disable=wrong-import-position

pb, pb_grpc = work_queue_stubs.load()
TIMEOUT = 30.0  # every call has a deadline, as in the C++ client


def spec(kind, n, delay_ms=0):
    return pb.TaskSpec(kind=kind, n=n, step_delay_ms=delay_ms)


class Checks:
    def __init__(self):
        self.passed = 0

    def expect(self, what, got, want):
        if got != want:
            print("FAIL %s: got %r, want %r" % (what, got, want), flush=True)
            sys.exit(1)
        self.passed += 1
        print("ok %s: %s" % (what, got), flush=True)


def rpc_error(call):
    """(code name, details) of the RpcError that call() raises."""
    try:
        call()
    except grpc.RpcError as e:  # a grpc.Call too: code() and details()
        return e.code().name, e.details()
    return "OK", ""


def wait_state(stub, task_id, state):
    deadline = time.monotonic() + 20
    while True:
        status = stub.Status(pb.TaskRef(task_id=task_id), timeout=TIMEOUT)
        if status.state == state or time.monotonic() > deadline:
            return status
        time.sleep(0.005)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True)
    args = parser.parse_args()
    channel = grpc.insecure_channel(args.target, options=work_queue_stubs.CLIENT_OPTIONS)
    stub = pb_grpc.WorkQueueStub(channel)
    c = Checks()

    # Unary: Submit, Status.
    task_id = stub.Submit(pb.SubmitRequest(spec=spec(pb.SUM_OF_SQUARES, 10)), timeout=TIMEOUT).task_id
    c.expect("unary Submit gives an id", task_id > 0, True)
    # Server streaming: Watch, every step then the final status.
    events = list(stub.Watch(pb.WatchRequest(task_id=task_id), timeout=TIMEOUT))
    c.expect("server streaming Watch steps", [e.progress.steps_done for e in events[:-1]],
             list(range(1, 11)))
    c.expect("server streaming Watch result", (pb.TaskState.Name(events[-1].final.state),
                                               events[-1].final.result), ("DONE", 385))
    status = stub.Status(pb.TaskRef(task_id=task_id), timeout=TIMEOUT)
    c.expect("unary Status", (pb.TaskState.Name(status.state), status.steps_done), ("DONE", 10))
    # Bad input: clear statuses.
    c.expect("Submit n=-5", rpc_error(lambda: stub.Submit(
        pb.SubmitRequest(spec=spec(pb.COUNT, -5)), timeout=TIMEOUT)),
        ("INVALID_ARGUMENT", "n must be in [0, 1000000], got -5"))
    c.expect("Status of an unknown task", rpc_error(lambda: stub.Status(
        pb.TaskRef(task_id=999999), timeout=TIMEOUT)), ("NOT_FOUND", "no task 999999"))

    # Client streaming: SubmitBatch.
    batch = [pb.SubmitRequest(spec=s) for s in
             (spec(pb.COUNT, 3), spec(pb.COUNT, -1), spec(pb.SUM_OF_SQUARES, 3))]
    summary = stub.SubmitBatch(iter(batch), timeout=TIMEOUT)
    c.expect("client streaming SubmitBatch", (summary.accepted, summary.rejected, summary.first_error),
             (2, 1, "n must be in [0, 1000000], got -1"))
    c.expect("the batch's last task", wait_state(stub, summary.task_ids[1], pb.DONE).result, 14)

    # Bidirectional: Session, results as tasks finish.
    requests = [pb.SessionRequest(spec=spec(pb.COUNT, 20, 10), tag="slow"),
                pb.SessionRequest(spec=spec(pb.SUM_OF_SQUARES, 4), tag="quick"),
                pb.SessionRequest(spec=spec(pb.COUNT, -3), tag="bad")]
    events = list(stub.Session(iter(requests), timeout=TIMEOUT))
    outcome = {e.tag: (e.finished.result if e.HasField("finished") else e.rejected) for e in events}
    c.expect("bidirectional Session", outcome,
             {"slow": 20, "quick": 30, "bad": "INVALID_ARGUMENT: n must be in [0, 1000000], got -3"})
    c.expect("the slow task finishes last", events[-1].tag, "slow")

    # A deadline: Watch of a long task with a 0.2 s timeout.
    long_id = stub.Submit(pb.SubmitRequest(spec=spec(pb.COUNT, 100000, 10)), timeout=TIMEOUT).task_id
    c.expect("Watch past its deadline", rpc_error(lambda: list(stub.Watch(
        pb.WatchRequest(task_id=long_id), timeout=0.2)))[0], "DEADLINE_EXCEEDED")
    # Cancel (unary).
    cancelled = stub.Cancel(pb.TaskRef(task_id=long_id), timeout=TIMEOUT)
    c.expect("unary Cancel", (pb.TaskState.Name(cancelled.state), cancelled.error),
             ("CANCELLED", "cancelled by a client"))
    # Client cancellation: stop a Watch with cancel_on_abandon; the task is cancelled.
    watched_id = stub.Submit(pb.SubmitRequest(spec=spec(pb.COUNT, 100000, 5)), timeout=TIMEOUT).task_id
    call = stub.Watch(pb.WatchRequest(task_id=watched_id, cancel_on_abandon=True), timeout=TIMEOUT)
    for event in call:
        if event.progress.steps_done >= 2:
            call.cancel()
            break
    status = wait_state(stub, watched_id, pb.CANCELLED)
    c.expect("call.cancel() cancels the task", (pb.TaskState.Name(status.state), status.error),
             ("CANCELLED", "its watcher went away (cancel_on_abandon)"))

    channel.close()
    print("python client: %d checks passed" % c.passed, flush=True)


if __name__ == "__main__":
    main()
