"""The work queue of modules/sockets/work_queue.proto, served by Python's grpcio.

The same service as conc::WorkQueueServer (modules/sockets/work_queue_server.h),
written the way a Python programmer would: grpc.server over a
ThreadPoolExecutor, generators for the server streams, one
threading.Condition over the task table. It is the peer no one here wrote the
library of: the C++ client calls it (work_queue_interop_test), and the CPython
benchmark peer (tools/peers/sockets_grpc_peer.py) runs it.

    /usr/bin/python3 work_queue_server.py --port-file=F [--stop-file=S] [--seconds=120]

prints nothing, writes the chosen port to F once serving on 127.0.0.1:0, and
stops when S exists or after --seconds (bounded, always).
"""

import argparse
import os
import sys
import threading
import time
from concurrent import futures

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import work_queue_stubs  # noqa: E402  pylint: disable=wrong-import-position

pb, pb_grpc = work_queue_stubs.load()

MAX_STEPS = 1000000
MAX_STEP_DELAY_MS = 60000
ENDED = (pb.DONE, pb.CANCELLED)
POLL = 0.01  # how often a waiting stream looks at context.is_active()


def validate(spec):
    """The refusal's message (as the C++ server words it), or None."""
    if spec.kind not in (pb.COUNT, pb.SUM_OF_SQUARES):
        return "task kind must be COUNT or SUM_OF_SQUARES, got %d" % spec.kind
    if not 0 <= spec.n <= MAX_STEPS:
        return "n must be in [0, %d], got %d" % (MAX_STEPS, spec.n)
    if not 0 <= spec.step_delay_ms <= MAX_STEP_DELAY_MS:
        return "step_delay_ms must be in [0, %d], got %d" % (MAX_STEP_DELAY_MS, spec.step_delay_ms)
    return None


class Queue:
    """Tasks by id, run on a pool of workers; every change notifies self.cond."""

    def __init__(self, workers):
        self.cond = threading.Condition()
        self.tasks = {}  # id -> [spec, TaskStatus]
        self.next_id = 1
        self.steps = 0
        self.pool = futures.ThreadPoolExecutor(workers)

    def submit(self, spec):
        """(task id, None) or (None, why refused)."""
        error = validate(spec)
        if error:
            return None, error
        with self.cond:
            task_id = self.next_id
            self.next_id += 1
            self.tasks[task_id] = [spec, pb.TaskStatus(task_id=task_id, state=pb.QUEUED,
                                                       total_steps=spec.n)]
            self.cond.notify_all()
        self.pool.submit(self._run, task_id)
        return task_id, None

    def get(self, task_id):
        with self.cond:
            entry = self.tasks.get(task_id)
            if entry is None:
                return None
            status = pb.TaskStatus()
            status.CopyFrom(entry[1])
            return status

    def cancel(self, task_id, why):
        with self.cond:
            entry = self.tasks.get(task_id)
            if entry is None:
                return None
            if entry[1].state not in ENDED:
                entry[1].state = pb.CANCELLED
                entry[1].error = why
                self.cond.notify_all()
        return self.get(task_id)

    def _run(self, task_id):
        with self.cond:
            spec, status = self.tasks[task_id]
            if status.state != pb.QUEUED:
                return
            status.state = pb.RUNNING
            self.cond.notify_all()
        acc = 0
        for step in range(1, spec.n + 1):
            with self.cond:
                if status.state != pb.RUNNING:
                    return
                acc += step * step if spec.kind == pb.SUM_OF_SQUARES else 1
                status.steps_done = step
                self.steps += 1
                self.cond.notify_all()
                if spec.step_delay_ms and step < spec.n:
                    self.cond.wait_for(lambda: status.state != pb.RUNNING,
                                       spec.step_delay_ms / 1000.0)
        with self.cond:
            if status.state == pb.RUNNING:
                status.result = acc
                status.state = pb.DONE
                self.cond.notify_all()


class WorkQueueServicer(pb_grpc.WorkQueueServicer):
    """The six RPCs over one Queue."""

    def __init__(self, queue):
        self.queue = queue

    def Submit(self, request, context):
        task_id, error = self.queue.submit(request.spec)
        if error:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, error)
        return pb.SubmitReply(task_id=task_id)

    def _known(self, status, task_id, context):
        if status is None:
            context.abort(grpc.StatusCode.NOT_FOUND, "no task %d" % task_id)
        return status

    def Status(self, request, context):
        return self._known(self.queue.get(request.task_id), request.task_id, context)

    def Cancel(self, request, context):
        return self._known(self.queue.cancel(request.task_id, "cancelled by a client"),
                           request.task_id, context)

    def Watch(self, request, context):
        task_id = request.task_id
        status = self._known(self.queue.get(task_id), task_id, context)
        if request.cancel_on_abandon:
            context.add_callback(lambda: self.queue.cancel(
                task_id, "its watcher went away (cancel_on_abandon)"))
        sent = 0
        while True:
            for step in range(sent + 1, status.steps_done + 1):
                yield pb.WatchEvent(progress=pb.Progress(task_id=task_id, steps_done=step,
                                                         total_steps=status.total_steps))
            sent = status.steps_done
            if status.state in ENDED:
                yield pb.WatchEvent(final=status)
                return
            if not context.is_active():
                return
            with self.queue.cond:
                entry = self.queue.tasks[task_id][1]
                if entry.steps_done == sent and entry.state not in ENDED:
                    self.queue.cond.wait(POLL)
            status = self.queue.get(task_id)

    def SubmitBatch(self, request_iterator, context):
        summary = pb.BatchSummary()
        for request in request_iterator:
            task_id, error = self.queue.submit(request.spec)
            if error:
                if not summary.rejected:
                    summary.first_error = error
                summary.rejected += 1
            else:
                summary.task_ids.append(task_id)
                summary.accepted += 1
        return summary

    def Session(self, request_iterator, context):
        queue = self.queue
        pending = {}  # task id -> tag
        out = []
        reading = [True]

        def reader():
            for request in request_iterator:
                task_id, error = queue.submit(request.spec)
                with queue.cond:
                    if error:
                        out.append(pb.SessionEvent(tag=request.tag,
                                                   rejected="INVALID_ARGUMENT: " + error))
                    else:
                        pending[task_id] = request.tag
                    queue.cond.notify_all()
            with queue.cond:
                reading[0] = False
                queue.cond.notify_all()

        def cancel_pending():
            with queue.cond:
                ids = list(pending)
            for task_id in ids:
                queue.cancel(task_id, "its session was cancelled")

        context.add_callback(cancel_pending)
        threading.Thread(target=reader, daemon=True).start()
        while True:
            with queue.cond:
                for task_id, tag in list(pending.items()):
                    status = queue.tasks[task_id][1]
                    if status.state in ENDED:
                        finished = pb.TaskStatus()
                        finished.CopyFrom(status)
                        out.append(pb.SessionEvent(tag=tag, finished=finished))
                        del pending[task_id]
                events, out[:] = out[:], []
                done = not reading[0] and not pending
                if not events and not done:
                    queue.cond.wait(POLL)
            for event in events:
                yield event
            if done or not context.is_active():
                return


def serve(port=0, workers=2):
    """Starts a server on 127.0.0.1:port; returns (server, queue, chosen port)."""
    queue = Queue(workers)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16),
                         options=work_queue_stubs.SERVER_OPTIONS)
    pb_grpc.add_WorkQueueServicer_to_server(WorkQueueServicer(queue), server)
    chosen = server.add_insecure_port("127.0.0.1:%d" % port)
    server.start()
    return server, queue, chosen


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", required=True, help="where to write the chosen port")
    parser.add_argument("--stop-file", help="stop once this file exists")
    parser.add_argument("--seconds", type=float, default=120.0, help="stop after this long")
    args = parser.parse_args()
    server, _, port = serve(args.port)
    with open(args.port_file + ".tmp", "w", encoding="ascii") as f:
        f.write("%d\n" % port)
    os.rename(args.port_file + ".tmp", args.port_file)  # atomic: never half a number
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline and not (args.stop_file and os.path.exists(args.stop_file)):
        time.sleep(0.02)
    server.stop(grace=1).wait()


if __name__ == "__main__":
    main()
