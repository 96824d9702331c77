"""The sync chapter's lessons, in the order the tour runs them (the course's order)."""

load("//tools:lesson.bzl", "lesson")

LESSONS = [
    # Five threads wait on a Condition; notify_all() releases them. Then three rounds.
    lesson(
        name = "condition_notify_all",
        deps = [
            "//modules/sync:condition",
            "//modules/sync:lock",
            "//modules/sync:semaphore",
        ],
        expect = [
            "Thread-0 is waiting\nThread-1 is waiting\nThread-2 is waiting\n" +
            "Thread-3 is waiting\nThread-4 is waiting\nmain: notify_all()",
            "all 5 threads are done waiting",
            "0: Thread-0 is waiting\n0: Thread-1 is waiting\n0: Thread-2 is waiting\n" +
            "0: Thread-3 is waiting\n0: Thread-4 is waiting\n",
            "main: round 0, all 5 waiting: notify_all()",
            "main: round 1, all 5 waiting: notify_all()",
            "main: round 2, all 5 waiting: notify_all()",
            "all 5 threads finished 3 rounds",
        ],
    ),
    # Five threads wait on an Event; set() releases them; it stays set.
    lesson(
        name = "event_wait",
        deps = [
            "//modules/sync:event",
            "//modules/sync:semaphore",
        ],
        expect = [
            "Thread-0 is waiting\nThread-1 is waiting\nThread-2 is waiting\n" +
            "Thread-3 is waiting\nThread-4 is waiting\nmain: e.set()",
            "5 waits returned; e.is_set() = true",
            "0: Thread-0 is waiting\n0: Thread-1 is waiting\n0: Thread-2 is waiting\n" +
            "0: Thread-3 is waiting\n0: Thread-4 is waiting\nmain: e.set()",
            "15 waits returned; e.is_set() = true",
        ],
    ),
    # Semaphore(0) as a gate released one release() at a time; BoundedSemaphore.
    lesson(
        name = "semaphore_gate",
        deps = ["//modules/sync:semaphore"],
        expect = [
            "0: Thread-0 is waiting\n0: Thread-1 is waiting\n0: Thread-2 is waiting\n" +
            "0: Thread-3 is waiting\n0: Thread-4 is waiting\nmain: s.release() #1",
            "main: s.release() #15",
            "15 releases let 15 waits through, one at a time",
            "one release too many: FAILED_PRECONDITION",
            "value still 2",
        ],
    ),
    # A bounded Queue(5) filled, inspected (qsize, empty, full), drained; get on empty.
    lesson(
        name = "queue_basics",
        deps = ["//modules/sync:queue"],
        args = ["--quick"],
        expect = [
            "q.put(10) -> OK",
            "q.put(60) -> OK",
            "q.put(54, block=False) -> DEADLINE_EXCEEDED: Queue.put: the queue is full",
            "q.qsize() = 5",
            "q.maxsize = 5",
            "q.empty() = false",
            "q.full() = true",
            "Queue size: 5, Queue Empty ? false\nq.get() -> 10",
            "q.get() -> 60\nQueue size: 0, Queue Empty ? true",
            "q.get(block=False) -> DEADLINE_EXCEEDED: Queue.get: the queue is empty",
            "q.get_nowait() -> DEADLINE_EXCEEDED",
            "q.get(timeout=20ms) -> DEADLINE_EXCEEDED: Queue.get: the queue is empty",
            "waited at least the timeout: true",
            "q.get(timeout=-1) -> INVALID_ARGUMENT",
        ],
    ),
    # A producer blocked in q.join() until the consumer's task_done() for every item.
    lesson(
        name = "queue_join",
        deps = ["//modules/sync:queue"],
        expect = [
            "0: Producer is waiting to put\n0: Producer is done putting\n" +
            "1: Producer is waiting to put\n1: Producer is done putting\n" +
            "2: Producer is waiting to put\n2: Producer is done putting\n" +
            "Producer is waiting for acknowledgement",
            "10\nunfinished tasks before task_done(): 3",
            "11\nunfinished tasks before task_done(): 2",
            "12\nunfinished tasks before task_done(): 1\n" +
            "Producer is done waiting for acknowledgement",
            "q.task_done() -> FAILED_PRECONDITION: Queue.task_done: task_done() called too many times",
        ],
    ),
    # PriorityQueue: lowest first; (priority, item) pairs; ties ordered by the item.
    lesson(
        name = "priority_queue_order",
        deps = ["//modules/sync:queue"],
        expect = [
            "pq.get() -> 12\npq.get() -> 20\npq.get() -> 45\npq.get() -> 78",
            "jobs.get() -> (1, 'answer the email')\njobs.get() -> (1, 'fix the bug')\n" +
            "jobs.get() -> (2, 'write the report')\njobs.get() -> (3, 'lunch')",
            "stack.get() -> 45\nstack.get() -> 12\nstack.get() -> 78\nstack.get() -> 20",
        ],
    ),
    # The same producer/consumer workload through reference::Queue (CPython's
    # algorithm) and conc::Queue (tuned): same items, same order; then the times.
    lesson(
        name = "queue_reference_vs_tuned",
        deps = [
            "//modules/sync:queue",
            "//modules/sync:reference_queue",
        ],
        args = ["--quick"],
        expect = [
            "reference::Queue: moved 20000 items",
            "conc::Queue: moved 20000 items",
            "same items, same order: yes",
            "in the order they were put: yes",
        ],
    ),
    # Three threads meet at a Barrier three times; a timeout breaks it; reset mends it.
    lesson(
        name = "barrier_rounds",
        deps = ["//modules/sync:barrier"],
        expect = [
            "--- all 3 arrived: round 0 complete ---",
            "--- all 3 arrived: round 1 complete ---",
            "--- all 3 arrived: round 2 complete ---",
            "after 3 rounds: n_waiting = 0, broken = false",
            "pair.wait(timeout=0.05) -> ABORTED",
            "pair.broken = true",
            "pair.wait() again -> ABORTED",
            "after pair.reset(): broken = false",
        ],
    ),
    # A recursive function under one RLock; a Lock would deadlock; owner-only release.
    lesson(
        name = "rlock_recursion",
        deps = [
            "//modules/sync:lock",
            "//modules/sync:rlock",
        ],
        expect = [
            "Sum(5) holds the RLock",
            "Sum(0) holds the RLock",
            "Sum(5) = 15",
            "rlock.locked() after the recursion: false",
            "lock.acquire(blocking=False) while held -> false",
            "another thread: rlock.release() -> FAILED_PRECONDITION",
            "owner: release() -> OK\nowner: release() -> OK\n" +
            "owner: one more release() -> FAILED_PRECONDITION",
        ],
    ),
    # threading.local(): each thread sets and reads its own data; values die with their thread.
    lesson(
        name = "thread_local_data",
        deps = ["//modules/sync:local"],
        expect = [
            "MainThread: data.name = MainThread",
            "Thread-0: data.name = Thread-0, data.count = 10\n" +
            "Thread-1: data.name = Thread-1, data.count = 20\n" +
            "Thread-2: data.name = Thread-2, data.count = 30",
            "MainThread: data.name = MainThread, data.count = 0",
            "per-thread values still alive: 1 (the main thread's)",
        ],
    ),
]
