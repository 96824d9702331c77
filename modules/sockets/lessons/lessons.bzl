"""The sockets chapter's lessons, in the order the tour runs them."""

load("//tools:lesson.bzl", "lesson")

def _server_lesson(model):
    # One source, one lesson per model: the notes' concurrent-connections cells.
    return lesson(
        name = "server_" + model,
        srcs = ["server_model.cc"],
        deps = [
            "//modules/sockets:line_protocol",
            "//modules/sockets:server",
            "//modules/sockets:socket",
            "//third_party:absl_flags",
            "//third_party:absl_strings",
            "//third_party:absl_time",
        ],
        args = ["--quick", "--model=" + model],
        expect = [
            "serving the line protocol on 127.0.0.1 with model '%s'" % model,
            "4 of 4 clients got the right answers",
            "connections 4, requests 8, errors 0, active 0",
        ],
    )

_GRPC_DEPS = [
    "//modules/sockets:work_queue_client",
    "//modules/sockets:work_queue_server",
    "//third_party:absl_flags",
    "//third_party:absl_time",
]

LESSONS = [
    # --- The socket module: a TCP echo, then UDP ---
    lesson(
        name = "socket_echo_basics",
        deps = [
            "//modules/sockets:socket",
            "//third_party:absl_flags",
            "//third_party:absl_time",
        ],
        args = ["--quick"],
        expect = [
            "server: accepted a connection from 127.0.0.1",
            "client got: hello",
            "client got: sockets are byte streams",
            "server: client closed, closing too",
            "connect after close -> UNAVAILABLE",
        ],
    ),
    lesson(
        name = "udp_exchange",
        deps = [
            "//modules/sockets:socket",
            "//third_party:absl_flags",
            "//third_party:absl_time",
        ],
        args = ["--quick"],
        expect = [
            "server got 'ping' from 127.0.0.1",
            "client got 'pong'",
            "recvfrom -> 'one'",
            "recvfrom -> 'two'",
            "recvfrom -> 'three'",
            "recvfrom -> recvfrom: timed out",
        ],
    ),
    # --- Servers: one model each, the same protocol and counters ---
    _server_lesson("iterative"),
    _server_lesson("thread"),
    _server_lesson("pool"),
    _server_lesson("reactor"),
    _server_lesson("reuseport"),
    _server_lesson("coroutine"),
    _server_lesson("coroutine_reuseport"),
    # --- gRPC: the work queue, one call kind at a time ---
    lesson(
        name = "grpc_hello",
        deps = _GRPC_DEPS + [
            "//modules/sockets:grpc_call",
            "//modules/sockets:grpc_status",
            "//modules/sockets:work_queue_grpc",
            "//third_party:grpcpp",
        ],
        args = ["--quick"],
        expect = [
            "server listening on 127.0.0.1, port",
            "Submit(SUM_OF_SQUARES, n=10) -> task 1",
            "Status(1) -> DONE, result 385",
            "Status(42) -> NOT_FOUND: no task 42",
        ],
    ),
    lesson(
        name = "grpc_server_streaming",
        deps = _GRPC_DEPS,
        args = ["--quick"],
        expect = [
            "submitted task 1",
            "progress 1/5",
            "progress 5/5",
            "final: DONE, result 5",
            "second watcher saw 5 steps",
        ],
    ),
    lesson(
        name = "grpc_client_streaming",
        deps = _GRPC_DEPS,
        args = ["--quick"],
        expect = [
            "accepted 3, rejected 1: n must be in [0, 1000000], got -2",
            "task 1: sum of squares to 3 = 14",
            "task 2: sum of squares to 4 = 30",
            "task 3: sum of squares to 5 = 55",
        ],
    ),
    lesson(
        name = "grpc_bidi_streaming",
        deps = _GRPC_DEPS,
        args = ["--quick"],
        expect = [
            "tag 1 finished: result 338350",
            "tag 0 finished: result 10",
            "session over",
        ],
    ),
    lesson(
        name = "grpc_deadline",
        deps = _GRPC_DEPS,
        args = ["--quick"],
        expect = [
            "Watch -> DEADLINE_EXCEEDED",
            "it ended near its deadline",
            "Status(timeout=0) -> DEADLINE_EXCEEDED",
            "the task is still RUNNING",
            "Cancel -> CANCELLED (cancelled by a client)",
        ],
    ),
    lesson(
        name = "grpc_cancel",
        deps = _GRPC_DEPS,
        args = ["--quick"],
        # notsan: its second half runs the callback server API, whose reactors
        # are driven from libgrpc++'s inline header code synchronised inside the
        # uninstrumented library (see //modules/sockets:work_queue_callback_test).
        tags = ["notsan"],
        expect = [
            "the synchronous server API",
            "progress 3",
            "Watch -> CANCELLED",
            "task: CANCELLED (its watcher went away (cancel_on_abandon))",
            "the server took no further step",
            "the callback server API",
            "Watch -> CANCELLED",
            "task: CANCELLED",
            "the server took no further step",
        ],
    ),
]
