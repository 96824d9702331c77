"""The profiling chapter's lessons, in the order the tour runs them."""

load("//tools:lesson.bzl", "lesson")

LESSONS = [
    # sys.getsizeof beside sizeof and the heap a value owns, counted by the
    # chapter's allocation tracker; Python's numbers from /usr/bin/python3.
    lesson(
        name = "getsizeof",
        deps = [
            "//modules/generators:generator",
            "//modules/profiling:alloc_hooks",
            "//modules/profiling:alloc_tracker",
            "//modules/profiling:run_command",
            "//modules/sync:queue",
            "//third_party:absl_strings",
            "//third_party:absl_time",
        ],
        expect = [
            "sys.getsizeof(x) vs sizeof(x) + the heap x owns",
            "[0] * 1000                           8056       24         4000        1",
            "sizeof(std::vector<int>) = 24 whatever it holds; its 1000 ints are one heap block of 4000 bytes",
            "a short string allocates nothing: yes",
            "a map allocates one node per entry: yes",
            "a generator's frame is one heap block: yes",
            "an int and a double own no heap and carry no object header: yes",
        ],
    ),
    # sys.getrefcount and shared_ptr::use_count; weak_ptr, unique_ptr, plain values.
    lesson(
        name = "getrefcount",
        deps = [
            "//modules/profiling:run_command",
            "//modules/profiling:timeit",
            "//third_party:absl_strings",
            "//third_party:absl_time",
        ],
        expect = [
            "x = []         2\ny = x          3\ndel y          2",
            "auto x = std::make_shared<std::vector<int>>() use_count() = 1",
            "auto y = x                                   use_count() = 2",
            "std::weak_ptr w = x (watches, does not own)  use_count() = 2",
            "y's scope ended                              use_count() = 1",
            "watcher.expired() = true",
            "b = a copies: a.size() = 3, b.size() = 4",
            "unique_ptr moved: the old one is empty",
            "copy a shared_ptr: 1000000 loops, best of 3:",
        ],
    ),
    # sys.getswitchinterval vs the kernel's slice, a measured context switch, and
    # two CPU-bound threads at once.
    lesson(
        name = "switchinterval",
        deps = [
            "//modules/profiling:run_command",
            "//modules/profiling:timeit",
            "//third_party:absl_flags",
            "//third_party:absl_time",
        ],
        args = ["--quick"],
        expect = [
            "sys.getswitchinterval() = 0.005",
            "one hop, both threads on CPU 0:",
            "5 ms is about",
            "done: no switch interval in C++; the kernel shares the CPUs",
        ],
    ),
    # python3 -m timeit and conc::timeit on sum(range(100)).
    lesson(
        name = "timeit_basics",
        deps = [
            "//modules/profiling:run_command",
            "//modules/profiling:timeit",
            "//third_party:absl_flags",
            "//third_party:absl_time",
        ],
        args = ["--quick"],
        expect = [
            "1000 loops, best of 3:",
            "conc::timeit: the same loop in C++",
            "1000 loops, best of 3:",
            "sum(range(100)) = 4950",
            "faster on this line",
        ],
    ),
    # inspect.stack(), getframeinfo and type names from inside the program.
    lesson(
        name = "inspect_stack",
        deps = [
            "//modules/profiling:stack_trace",
            "//third_party:absl_base",
        ],
        expect = [
            "#0 (anonymous namespace)::HandleRequest()",
            "(anonymous namespace)::Dispatch()",
            "(anonymous namespace)::Serve()",
            "main",
            "inspect_stack.cc:",
            "type of index: std::map<std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >, " +
            "std::vector<int, std::allocator<int> >",
            "type of 1.5f: float",
        ],
    ),
    # pdb's job done by gdb: a dead-locked program's threads, each inside a lock call.
    # Not under the sanitizers: TSan reports the lock-order inversion itself
    # before gdb gets to see it, and neither adds to what gdb shows.
    lesson(
        name = "gdb_deadlock",
        data = [":deadlock_program"],
        deps = [
            "//modules/profiling:run_command",
            "//third_party:absl_strings",
            "//third_party:absl_time",
        ],
        expect = [
            "deadlock_program: both threads are blocked",
            "a thread in TakeAThenB waits inside a lock call: yes",
            "a thread in TakeBThenA waits inside a lock call: yes",
            "diagnosis: each holds one lock and waits for the other's",
        ],
        size = "medium",
        tags = ["notsan", "noasan"],
    ),
    # cProfile's question answered by gperftools' sampling profiler: the flat
    # table (google-pprof --text) and the call graph drawn (--svg, with dot).
    lesson(
        name = "cprofile",
        deps = [
            "//modules/profiling:run_command",
            "//third_party:absl_base",
            "//third_party:absl_flags",
            "//third_party:absl_strings",
            "//third_party:absl_time",
            "//third_party:profiler",
        ],
        args = ["--quick"],
        expect = [
            "primes below 3000000: 216816",
            "Total:",
            "the function on top: IsPrime",
            "wrote the call graph:",
            "done: the hot function tops the profile: yes",
        ],
        size = "medium",
        # The profiler's SIGPROF sampling and the sanitizers' runtimes do not mix,
        # and a sanitized build would profile the sanitizer's checks.
        tags = ["notsan", "noasan"],
    ),
    # line_profiler's question answered by valgrind's callgrind: instructions per line.
    lesson(
        name = "line_profiler",
        data = [
            ":hot_loop_program",
            "hot_loop_program.cc",
        ],
        deps = [
            "//modules/profiling:run_command",
            "//third_party:absl_strings",
            "//third_party:absl_time",
        ],
        expect = [
            "checksum",
            "the hottest line (",
            "done: the hot line is the multiply-add: yes",
        ],
        size = "medium",
        # valgrind runs the uninstrumented helper program; sanitizing the lesson
        # itself adds nothing.
        tags = ["notsan", "noasan"],
    ),
    # Memray's questions answered by heaptrack, beside the chapter's own counter.
    lesson(
        name = "memray",
        srcs = [
            "memray.cc",
            "alloc_workload.h",
        ],
        data = [":alloc_program"],
        deps = [
            "//modules/profiling:alloc_hooks",
            "//modules/profiling:alloc_tracker",
            "//modules/profiling:run_command",
            "//third_party:absl_strings",
            "//third_party:absl_time",
        ],
        expect = [
            "alloc_program: 50000 records, 8 buffers",
            "most calls come from MakeRecords: yes",
            "the peak is BigBuffers: yes",
            "the leak is LeakSome: yes",
            "conc tracker: 100",
        ],
        size = "medium",
        # heaptrack preloads its own malloc hooks into the helper program.
        tags = ["notsan", "noasan"],
    ),
    # Python's logging: levels, named loggers, console + file, threads, async, processes.
    lesson(
        name = "logging_basics",
        deps = [
            "//modules/profiling:logging",
        ],
        expect = [
            "info [pool]: worker 3 done",
            "warning [pool]: queue is 90% full",
            "the file has 6 lines; 4 are the threads' \"finished\" lines",
            "async: 10000 of 10000 lines written by ShutdownLogging",
            "3000 lines from 3 processes, 3000 whole: none torn",
        ],
    ),
    # Lock contention made visible: one bank-wide lock vs one per account,
    # counted by conc::ProfiledLock (which lock, how many waits, how long).
    lesson(
        name = "lock_contention",
        deps = [
            "//modules/profiling:contention",
            "//modules/sync:lock",
            "//third_party:absl_flags",
        ],
        args = ["--quick"],
        expect = [
            "one lock for the whole bank",
            "bank.global",
            "balances still sum to 16000: yes",
            "one lock per account, taken in index order",
            "bank.account[",
            "balances still sum to 16000: yes",
            "time spent waiting for locks: one lock",
        ],
    ),
]
