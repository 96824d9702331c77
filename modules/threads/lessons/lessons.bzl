"""The threads chapter's lessons, in the order the tour runs them."""

load("//tools:lesson.bzl", "lesson")

LESSONS = [
    # threading.Thread(target=, args=, name=): start, join, and the RuntimeError rules.
    lesson(
        name = "thread_basics",
        deps = ["//modules/threads:thread"],
        expect = [
            "before start: name=greeter daemon=false is_alive=false ident=0",
            "greeter: hello Alice (1 of 2)\ngreeter: hello Alice (2 of 2)",
            "after join: is_alive=false, ident set: yes",
            "Thread-1: hello Bob (1 of 1)\nThread-2: hello Carol (1 of 1)",
            "join before start: FAILED_PRECONDITION: cannot join thread before it is started",
            "start twice: FAILED_PRECONDITION: threads can only be started once",
            "daemon after start: FAILED_PRECONDITION",
            "adder computed 42",
        ],
    ),
    # 1:1 native threads, N:1 generators on one thread, M:N a pool of 2 running 6 tasks.
    lesson(
        name = "threading_models",
        deps = [
            "//modules/threads:thread",
            "//modules/threads:thread_pool_executor",
            "//modules/generators:generator",
        ],
        expect = [
            "3 threads ran on 3 distinct kernel threads (gettid), none of them main's: yes",
            "foo: step 0\nbar: step 0\nfoo: step 1\nbar: step 1\nfoo: step 2\n",
            "kernel threads used: 1, and it is main's: yes",
            "6 tasks ran on 2 worker threads: ThreadPoolExecutor-0_0 ThreadPoolExecutor-0_1",
        ],
    ),
    # Timer fires after its interval; cancel() before that means it never runs.
    lesson(
        name = "timer_cancel",
        deps = ["//modules/threads:timer"],
        args = ["--quick"],
        expect = [
            "hello, world\nfired after at least 50ms: yes",
            "cancelled: hello did not run, and join returned in under 30 s: yes",
            "alarm fired",
        ],
    ),
    # A child run of itself: the non-daemon worker is waited for, the daemon one is not.
    lesson(
        name = "daemon_vs_nondaemon",
        deps = ["//modules/threads:thread"],
        expect = [
            "  child: main() returns now\n  child: worker finished its work\n" +
            "the program waited for the worker: yes",
            "  child: main() returns now\nthe program waited for the worker: no",
        ],
    ),
    # current_thread, main_thread, active_count, enumerate, get_ident, get_native_id.
    lesson(
        name = "thread_helpers",
        deps = ["//modules/threads:thread"],
        expect = [
            "current_thread().name() = MainThread",
            "current_thread() is main_thread(): yes",
            "get_native_id() == getpid() on the main thread: yes",
            "active_count() = 1; enumerate(): MainThread\n",
            "active_count() = 3; enumerate(): MainThread worker-1 worker-2\n",
            "worker-1: get_ident() == t.ident: yes, differs from main's: yes",
            "worker-1: get_native_id() == t.native_id: yes",
            "after join: active_count() = 1; enumerate(): MainThread\n",
            "inside: active_count() = 2; enumerate(): MainThread Dummy-1\n",
            "current_thread() there was a dummy: yes (Dummy-1)",
            # Gone once the std::thread ended (the test trims the final newline).
            "active_count() = 1; enumerate(): MainThread",
        ],
    ),
    # map keeps input order; as_completed yields in completion order, then times out.
    lesson(
        name = "pool_map_as_completed",
        deps = [
            "//modules/threads:future",
            "//modules/threads:thread_pool_executor",
        ],
        expect = [
            "results: 1 4 9 16 25 36\n",
            "completed: fast medium slow\n",
            "completed: fast\nthen: DEADLINE_EXCEEDED: 1 (of 2) futures unfinished",
        ],
    ),
    # pi by the midpoint rule, serially and on a pool of 2; both timed.
    lesson(
        name = "pi_integration",
        deps = ["//modules/threads:thread_pool_executor"],
        args = ["--quick"],
        expect = [
            "steps: 2000000",
            "both within 1e-9 of M_PI: yes",
            "speed-up with 2 threads:",
        ],
    ),
    # --- Processes ---
    # multiprocessing.Process: target, args, name; exit codes 0, 3, 1, -9, -15.
    lesson(
        name = "process_basics",
        deps = ["//modules/threads:process"],
        expect = [
            "before start: name=greeter is_alive=false pid=None exitcode=None",
            "greeter: hello (1 of 2)\ngreeter: hello (2 of 2)\nafter join: is_alive=false exitcode=0",
            "exit_with(3): exitcode=3",
            "raise_error() (traceback on stderr): exitcode=1",
            "wait_forever() started: is_alive=true",
            "kill(): exitcode=-9",
            "terminate(): exitcode=-15",
            "parent: current_process().name() = MainProcess, parent_process() is None: yes",
            "child: current_process().name() = Process-6, parent_process().name() = MainProcess\n" +
            "who_am_i(): exitcode=0",
        ],
    ),
    # Creation cost (thread, spawned and forked process) and CPU-bound scaling on 1 vs 2.
    lesson(
        name = "process_vs_thread",
        deps = [
            "//modules/threads:process",
            "//modules/threads:process_pool_executor",
            "//modules/threads:thread",
            "//modules/threads:thread_pool_executor",
        ],
        args = ["--quick"],
        expect = [
            "thread:",
            "process (spawn):",
            "process (fork):",
            "1 thread:",
            "2 processes:",
            "speed-up with 2 threads:",
            "speed-up with 2 processes:",
        ],
    ),
    # pi by the midpoint rule, serially and on a process pool of 2; both timed.
    lesson(
        name = "pi_processes",
        deps = [
            "//modules/threads:process",
            "//modules/threads:process_pool_executor",
        ],
        args = ["--quick"],
        expect = [
            "steps: 2000000",
            "both within 1e-9 of M_PI: yes",
            "speed-up with 2 processes:",
        ],
    ),
]
