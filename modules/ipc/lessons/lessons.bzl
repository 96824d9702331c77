"""The ipc chapter's lessons, in the order the tour runs them."""

load("//tools:lesson.bzl", "lesson")

LESSONS = [
    # --- Pipe and Connection ---
    # The seed's deque-based pseudo Pipe (an end hears itself), then the real one.
    lesson(
        name = "pipe_pseudo",
        deps = ["//modules/ipc:pipe"],
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
            "//modules/ipc:pipe",
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
            "//modules/ipc:mp_lock",
            "//modules/ipc:pipe",
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
        deps = ["//modules/ipc:pipe"],
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
        deps = ["//modules/ipc:pipe"],
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
            "//modules/ipc:mp_queue",
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
        data = ["pipe_vs_queue.py"],
        deps = [
            "//modules/ipc:mp_queue",
            "//modules/ipc:pipe",
            "//modules/threads:process",
            "//third_party:absl_flags",
            "//third_party:absl_time",
        ],
        args = ["--quick"],
        size = "medium",
        expect = [
            "C++: conc::Pipe(false) vs conc::mp::Queue",
            "Python: multiprocessing.Pipe(False) vs multiprocessing.Queue",
            # tools/setup.sh installs /usr/bin/python3: the script must have run.
            "messages each way (/usr/bin/python3)",
            "Side by side (messages per second)",
            "Python ",
            "C++ ",
            "C++: a shared-memory queue turns it around",
        ],
    ),
    # --- Process-shared locks, Value and Array (lessons go here) ---
    # Value("b", 129) is -127: a Value holds a C type (Value<int8_t>).
    lesson(
        name = "value_int8_wraps",
        deps = ["//modules/ipc:shared_value"],
        expect = [
            "v.value -> -127",
            "Value<uint8_t>(300).value() -> 44",
            "Value<int16_t>(40000).value() -> -25536",
            "set_value(32768) -> -32768",
        ],
    ),
    # A Value counter incremented by several processes, without and with its lock.
    lesson(
        name = "value_counter_race",
        deps = [
            "//modules/ipc:shared_value",
            "//modules/threads:process",
            "//third_party:absl_flags",
        ],
        size = "medium",
        expect = [
            "without the lock: expected 80000, got ",
            "with v.get_lock(): expected 80000, got 80000 (lost 0 updates)",
        ],
    ),
    # Array('i', [...]) and array.array: homogeneous and typed; a float into an int array does not compile.
    lesson(
        name = "array_typed",
        deps = ["//modules/ipc:shared_value"],
        expect = [
            "a[:] -> [3, 2, 6, 8, 3, 1, 8, 5, 9, 4]   len(a) -> 10",
            "a[0] -> 22",
            "a[10] -> OUT_OF_RANGE: array index 10 out of range (size 10)",
            "Array<int>::set(i, 4.5) compiles: no",
            "Array<int>::set(i, 7) compiles: yes",
            "Array<double>::set(i, 7) compiles: yes",
            "std::vector<int>::push_back(4.5) compiles: yes -> [22, 33, 44, 4]",
        ],
    ),
    # Computing pi with worker processes writing partial sums into a shared Array<double>.
    lesson(
        name = "pi_shared_memory",
        deps = [
            "//modules/ipc:shared_value",
            "//modules/threads:process",
            "//third_party:absl_flags",
            "//third_party:absl_time",
        ],
        args = ["--quick"],
        size = "medium",
        expect = [
            "serial:   pi = 3.14159265",
            "parallel: pi = 3.14159265",
            "speed-up: ",
        ],
    ),
    # Processes meet at an mp::Barrier round after round; an mp::Event starts them.
    lesson(
        name = "mp_barrier_event",
        deps = [
            "//modules/ipc:mp_barrier",
            "//modules/ipc:mp_event",
            "//modules/ipc:mp_queue",
            "//modules/threads:process",
            "//third_party:absl_time",
        ],
        expect = [
            "workers waiting at start.wait(): 3",
            "start.set()",
            "round 0: indices 0 1 2; the action ran 1 time(s)",
            "round 1: indices 0 1 2; the action ran 1 time(s)",
            "round 2: indices 0 1 2; the action ran 1 time(s)",
            "exit codes: 0 0 0",
            "pair.wait(timeout=0.05) -> ABORTED",
            "pair.broken = true",
            "pair.wait() again -> ABORTED",
            "after pair.reset(): broken = false",
        ],
    ),
    # --- end of process-shared locks, Value and Array ---
    # --- Shared memory (lessons go here) ---
    # SharedMemory and ShareableList: the parent creates, a spawned child attaches by name.
    lesson(
        name = "shared_memory_two_processes",
        deps = [
            "//modules/ipc:shareable_list",
            "//modules/ipc:shared_memory",
            "//modules/threads:process",
        ],
        expect = [
            "parent: shm.size = 16, buf[:5] = b'hello'",
            "parent: sl = [1, 2.5, 'three', None, True], len(sl) = 5, sl.format = 'qd8sxxxxxx?xxxxxxxx?'",
            "child: attached by name: buf[:5] = b'hello', sl = [1, 2.5, 'three', None, True]",
            "parent after join: buf[:5] = b'HELLO', sl = [100, 2.5, 'THREE!', None, False]",
            "sl[-6]: OUT_OF_RANGE",
            "sl[2] = 'a much longer string': INVALID_ARGUMENT",
            "-> [100, 'fits!!!', 'THREE!', None, False]",
            "after unlink: NOT_FOUND",
        ],
    ),
    # SharedMemoryManager: /dev/shm before, during and after; a child uses the segments.
    lesson(
        name = "shared_memory_manager_cleanup",
        deps = [
            "//modules/ipc:shareable_list",
            "//modules/ipc:shared_memory",
            "//modules/ipc:shared_memory_manager",
            "//modules/threads:process",
            "//third_party:absl_strings",
        ],
        expect = [
            "/dev/shm before: 0 segment(s) of ours",
            "/dev/shm during: 2 segment(s) of ours",
            "child: sum(sl) = 10 written into shm",
            "parent: the child wrote 10",
            "smm.shutdown() done",
            "/dev/shm after: 0 segment(s) of ours",
        ],
    ),
    # --- end of shared memory ---
    # --- Manager (lessons go here) ---
    # "Sharing lists and dictionaries using Manager": four workers fill a dict and a list.
    lesson(
        name = "manager_dict_list_workers",
        deps = [
            "//modules/ipc:manager",
            "//modules/threads:process",
        ],
        size = "medium",
        expect = [
            "all 4 workers exited with code 0",
            "d[worker-0] = [0, 1, 4, 9, 16]\nd[worker-1] = [25, 36, 49, 64, 81]\nd[worker-2] = [100, 121, 144, 169, 196]\nd[worker-3] = [225, 256, 289, 324, 361]",
            "sorted(l) has 20 results, sum 2470",
        ],
    ),
    # A dict of list proxies (d["evens"] = m.list()), appended to from two workers.
    lesson(
        name = "manager_nested_proxies",
        deps = [
            "//modules/ipc:manager",
            "//modules/threads:process",
        ],
        size = "medium",
        expect = [
            "sorted(d['evens']) = 0 2 4 6 8\nsorted(d['odds']) = 1 3 5 7 9",
            "storing another manager's list: INVALID_ARGUMENT",
            "d['n'] read as a list proxy: DATA_LOSS",
        ],
    ),
    # A Namespace as shared configuration, read by three worker processes.
    lesson(
        name = "manager_namespace_config",
        deps = [
            "//modules/ipc:manager",
            "//modules/threads:process",
        ],
        size = "medium",
        expect = [
            "ns.mode = fast, ns.retries = 3",
            "ns.seen_by_0 = fast/3\nns.seen_by_1 = fast/3\nns.seen_by_2 = fast/3",
            "attributes, sorted as Namespace's repr: mode retries seen_by_0 seen_by_1 seen_by_2",
            "ns.timeout: NOT_FOUND: AttributeError: 'Namespace' object has no attribute 'timeout'",
            "ns.retries read as a string: DATA_LOSS",
        ],
    ),
    # BaseManager on TCP with an authkey; a client with a wrong key is refused.
    lesson(
        name = "manager_tcp_authkey",
        deps = [
            "//modules/ipc:manager",
            "//modules/threads:process",
            "//third_party:absl_strings",
        ],
        size = "medium",
        expect = [
            "listening on 127.0.0.1:<port chosen by the kernel> (yes)",
            "client exit code: 0",
            "inbox.get() -> hello from a client process over TCP",
            "client exit code: 10 (refused: AuthenticationError)",
            "connect with a wrong key: UNAUTHENTICATED",
            "reason: AuthenticationError: digest received was wrong",
        ],
    ),
    # One round trip per proxy call vs get_many: the per-call cost, measured.
    lesson(
        name = "manager_batch_vs_per_call",
        deps = [
            "//modules/ipc:manager",
            "//modules/threads:process",
            "//third_party:absl_flags",
            "//third_party:absl_time",
        ],
        args = ["--quick"],
        size = "medium",
        expect = [
            "per call: for k in keys: d[k]",
            "x 100 gets, sum ",
            "x get_many(100), sum ",
            "same answers: yes",
            "the batch is many times cheaper per item",
        ],
    ),
    # --- end of Manager ---
]
