"""The generators chapter's lessons, in the order the tour runs them."""

load("//tools:lesson.bzl", "lesson")

LESSONS = [
    # `return` runs the body at once; `yield` makes a generator that runs nothing
    # until iterated; three yields of three types.
    lesson(
        name = "return_vs_yield",
        deps = ["//modules/generators:generator"],
        expect = [
            "Start of testfn...",
            "testfn() returned 10",
            "g = testfn() created a generator; nothing has run yet",
            "Start of testfn...\nIn for loop: v = 10\nBack inside testfn...",
            "Start of testfn...\nIn for loop: v = 10\nBack inside testfn...\n" +
            "In for loop: v = hello\nBack again inside testfn...\n" +
            "In for loop: v = 100\nEnd of testfn...",
        ],
    ),
    # iter/next/StopIteration as begin()/*it,++it/== end(); a for loop desugared.
    lesson(
        name = "iterator_protocol",
        deps = ["//modules/generators:generator"],
        expect = [
            "v = 11\nv = 22\nv = 33\nv = 44\nStopIteration: it == a.end()",
            "next(it) -> 0",
            "next(it) -> 2",
            "StopIteration: it == g.end()",
            "an int is not iterable",
        ],
    ),
    # The whole list first vs one value at a time: memory held and time to the first value.
    lesson(
        name = "fib_list_vs_gen",
        deps = ["//modules/generators:generator"],
        args = ["--quick"],
        expect = [
            "0 0\n1 1\n1 1\n2 4\n3 9",
            "4181 17480761",
            "0 0\n1 1\n1 1\n2 4\n3 9",
            "4181 17480761",
            "the list grows with n: yes",
            "the generator's frame does not grow with n: yes",
            "first value sooner from the generator: yes",
        ],
    ),
    # foo(); bar() one after the other, then interleaved by zip_longest.
    lesson(
        name = "round_robin",
        deps = ["//modules/generators:generator"],
        args = ["--quick"],
        expect = [
            "foo: counting 0\nfoo: counting 1",
            "foo: counting 9\nbar: counting 0",
            "bar: counting 9",
            "foo: counting 0\nbar: counting 0\nfoo: counting 1\nbar: counting 1",
            # After bar's last count, foo runs on alone to 14.
            "foo: counting 4\nbar: counting 4\n" + "".join(["foo: counting %d\n" % i for i in range(5, 15)]),
        ],
    ),
    # foo and bar as coroutines under conc::run + conc::gather: they take
    # turns at each await (the order is fixed by the timers' deadlines, not by
    # timing), then foo runs on alone to 14.
    lesson(
        name = "asyncio_foo_bar",
        deps = ["//modules/generators:asyncio"],
        args = ["--quick"],
        expect = [
            "foo: counting 0\nbar: counting 0\nfoo: counting 1\nbar: counting 1\n" +
            "foo: counting 2\nbar: counting 2\nfoo: counting 3\nbar: counting 3\n" +
            "foo: counting 4\nbar: counting 4\n" + "".join(["foo: counting %d\n" % i for i in range(5, 15)]),
            "done: 15 + 5 counts took about 15 sleeps, not 20",
        ],
    ),
    # The notebook's last asyncio cell: asyncio.run() inside a running loop fails.
    lesson(
        name = "asyncio_run_nested",
        deps = ["//modules/generators:asyncio"],
        expect = [
            "conc::run(main_task()) -> 10",
            "inside a running loop: conc::run(main_task()) -> FAILED_PRECONDITION: " +
            "asyncio.run() cannot be called from a running event loop",
            "inside a running loop: co_await main_task() -> 10",
        ],
    ),
    # Python's id() and `is` vs `==`; C++ addresses vs values.
    lesson(
        name = "identity_vs_equality",
        expect = [
            "a == b: true",
            "&a == &b: false",
            "&a unchanged by a += 1: true",
            "&r == &a: true",
        ],
    ),
    # gevent's point: 10,000 concurrent tasks (--tasks=1000000: a million), each
    # sleeping and waking, the memory each holds, beside a thread per task and
    # what the machine allows for threads. Numbers vary; the checks do not.
    lesson(
        name = "gevent_many_tasks",
        deps = [
            "//modules/generators:asyncio",
            "//modules/profiling:alloc_hooks",
            "//modules/profiling:alloc_tracker",
            "//modules/threads:thread",
            "//third_party:absl_time",
        ],
        args = ["--quick"],
        expect = [
            "10000 tasks sleeping at once: 10000 finished",
            "all were asleep while measured: yes",
            "they slept concurrently: yes",
            "heap held per sleeping task:",
            "200 threads blocked at once: 200 finished",
            "a sleeping task costs less memory than a blocked thread: yes",
            "/proc/sys/kernel/threads-max:",
            "RLIMIT_STACK:",
        ],
    ),
    # Structured concurrency (trio's nurseries): a TaskGroup whose failing
    # child cancels its siblings (their cleanup runs) and reports the failure; a
    # deadline over a block of work; a deadline over a group.
    lesson(
        name = "trio_task_group",
        deps = ["//modules/generators:asyncio"],
        args = ["--quick"],
        expect = [
            "a: started\nb: started\nc: started\nb: fails with std::runtime_error\n" +
            "a: cancelled; cleanup runs\na: connection closed\n" +
            "c: cancelled; cleanup runs\nc: connection closed\n" +
            "the group reported the failure: b: connection reset",
            "block: step 1 done\nblock: step 2 done\n" +
            "block: cancelled at step 3 (expired: yes); cleanup runs\nblock: connection closed\n" +
            "timeout -> DEADLINE_EXCEEDED: timeout: the block overran its deadline",
            "worker 1: started\nworker 2: started\n" +
            "worker 1: cancelled; cleanup runs\nworker 1: connection closed\n" +
            "worker 2: cancelled; cleanup runs\nworker 2: connection closed\n" +
            "timeout -> DEADLINE_EXCEEDED",
            "no task outlived its block",
        ],
    ),
    # uvloop's point: the same echo program on conc's loop, asyncio's and uvloop's.
    lesson(
        name = "uvloop_streams_echo",
        deps = [
            "//modules/generators:asyncio",
            "//modules/profiling:run_command",
            "//third_party:absl_flags",
            "//third_party:absl_strings",
            "//third_party:absl_time",
        ],
        data = ["uvloop_streams_echo.py"],
        args = ["--quick"],
        expect = [
            "conc (C++): ",
            "asyncio: ",
            "conc's loop did ",
            "uvloop: ",
            "the loop is the program",
        ],
        tags = ["notsan"],  # it measures; TSan only makes the numbers meaningless (and the run long)
    ),
    # "Choosing a concurrency model": an I/O-bound job (many sleeps) and a
    # CPU-bound job (counting primes) each run with coroutines, a thread pool and
    # a process pool; the times side by side, then the rule of thumb. Only the
    # I/O-bound verdict is checked (its margin is tens of times); the CPU-bound
    # speed-ups depend on the machine's load and are printed, not checked.
    lesson(
        name = "choosing_a_model",
        deps = [
            "//modules/generators:asyncio",
            "//modules/threads:future",
            "//modules/threads:process",
            "//modules/threads:process_pool_executor",
            "//modules/threads:thread_pool_executor",
            "//third_party:absl_time",
        ],
        args = ["--quick"],
        expect = [
            "I/O-bound job: 100 waits of 5 ms",
            "| model | I/O-bound (100 waits) | CPU-bound (primes below 200000) |",
            "| coroutines |",
            "| threads    |",
            "| processes  |",
            "every model did every wait and found 17984 primes: yes",
            "I/O-bound: coroutines beat processes: yes",
            "== the rule of thumb ==",
            "CPU-bound work: use the cores",
        ],
    ),
]
