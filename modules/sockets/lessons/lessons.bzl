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
]
