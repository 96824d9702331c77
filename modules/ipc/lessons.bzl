"""The ipc chapter's lessons, in the order the tour runs them."""

load("//tools:lesson.bzl", "lesson")

LESSONS = [
    # --- Pipe and Connection ---
    # The seed's deque-based pseudo Pipe (an end hears itself), then the real one.
    lesson(
        name = "pipe_pseudo",
        deps = [":pipe"],
        expect = [
            "pseudo r.recv() -> Hello world",
            "pseudo w.recv() -> to myself",
            "w.poll() after w.send: false",
            "real r.recv() -> Hello world",
        ],
    ),
    # r, w = Pipe(); w.send("Hello, world"); r.recv(); then with r in a spawned child.
    lesson(
        name = "pipe_hello",
        deps = [
            ":pipe",
            "//modules/threads:process",
        ],
        expect = [
            "r.recv() -> 'Hello, world'",
            "w.recv() -> 'child got: Hello, world'",
        ],
    ),
    # The article's addCount/getCount: one writer, two readers, a lock around printing.
    lesson(
        name = "pipe_one_writer_two_readers",
        deps = [
            ":pipe",
            ":robust_mutex",
            "//modules/threads:process",
        ],
        expect = [
            "readers together got 500 numbers, sum 124750",
            "every number reached exactly one reader: yes",
        ],
    ),
    # Pipe(False): the first end receives, the second sends; the wrong way is an error.
    lesson(
        name = "pipe_one_way",
        deps = [":pipe"],
        expect = [
            "r: readable=true writable=false",
            "w: readable=false writable=true",
            "r.recv() -> message 1\nr.recv() -> message 2\nr.recv() -> message 3",
            "r.send(1): FAILED_PRECONDITION: connection is read-only",
            "w.recv(): FAILED_PRECONDITION: connection is write-only",
            "r.recv() -> last words",
            "r.recv(): OUT_OF_RANGE: EOF",
        ],
    ),
    # send_bytes/recv_bytes/recv_bytes_into/poll, and BufferTooShort.
    lesson(
        name = "pipe_bytes",
        deps = [":pipe"],
        expect = [
            "b.poll() with nothing sent: false",
            "b.poll(0.1s) with nothing sent: false",
            "b.poll() after send_bytes: true",
            "b.recv_bytes() -> abcdefghijklmnopqrstuvwxyz",
            "b.recv_bytes() -> klmno   (offset=10, size=5)",
            "a.send_bytes(buf, 30): INVALID_ARGUMENT",
            "-> 5; buffer = ....hello.......",
            "recv_bytes_into(buffer of 16): RESOURCE_EXHAUSTED",
            "the message travels with the error: abcdefghijklmnopqrstuvwxyz",
            "b.poll() afterwards: false",
        ],
    ),
    # queue lessons go here
    # multiprocessing.Queue: a producer and a consumer process, maxsize, a None sentinel.
    lesson(
        name = "queue_producer_consumer",
        deps = [
            ":mp_queue",
            "//modules/threads:process",
        ],
        expect = [
            "maxsize=2 qsize=0 empty=true full=false",
            "consumer got item 0\nconsumer got item 1\nconsumer got item 2\nconsumer got item 3\nconsumer got item 4",
            "consumer: sentinel received, done",
            "producer exitcode=0, consumer exitcode=0",
            "empty=true, get_nowait: DEADLINE_EXCEEDED",
        ],
    ),
    # "Is a Pipe three times faster than a Queue?": Python's answer and C++'s, side by side.
    lesson(
        name = "pipe_vs_queue",
        deps = [
            ":mp_queue",
            ":pipe",
            "//modules/threads:process",
            "//third_party:absl_flags",
            "//third_party:absl_time",
        ],
        args = ["--quick"],
        size = "medium",
        expect = [
            "C++: conc::Pipe(false) vs conc::mp::Queue",
            "Python: multiprocessing.Pipe(False) vs multiprocessing.Queue",
            "Side by side (messages per second)",
            "C++ ",
            "C++: a shared-memory queue turns it around",
        ],
    ),
    # --- Process-shared locks, Value and Array (lessons go here) ---
    # --- end of process-shared locks, Value and Array ---
    # --- Shared memory (lessons go here) ---
    # --- end of shared memory ---
    # --- Manager (lessons go here) ---
    # --- end of Manager ---
]
