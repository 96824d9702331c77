"""The marshalling chapter's lessons, in the order the tour runs them."""

load("//tools:lesson.bzl", "lesson")

LESSONS = [
    # The notebook's six objects dumped into one file and loaded back until the
    # end of the stream (EOFError); a file cut short is not a clean end.
    lesson(
        name = "pickle_dump_load_stream",
        deps = [
            "//modules/common:codec",
            "//modules/marshalling:object_stream",
            "//third_party:absl_strings",
        ],
        expect = [
            "wrote 6 objects",
            "[10, 20, 30, 40] <class 'list'>",
            "{'name': 'Alice', 'age': 30} <class 'dict'>",
            "(44, 55, 6, 77) <class 'tuple'>",
            "{14, 33, 55, 66} <class 'set'>",
            "100 <class 'int'>",
            "None <class 'NoneType'>",
            "the loop ended with OUT_OF_RANGE: end of stream; Python's EOFError: yes",
            "DATA_LOSS: object stream: truncated record at offset",
            "a clean end: no",
        ],
    ),
    # Python writes a pickle, C++ reads it, changes it and writes it back, Python
    # reads it; a pickle that would run a command is refused by name.
    lesson(
        name = "pickle_python_interop",
        data = ["pickle_python_interop.py"],
        deps = [
            "//modules/marshalling:pickle",
            "//modules/profiling:run_command",
            "//third_party:absl_time",
        ],
        expect = [
            "python wrote {'name': 'sensor-7', 'readings': [21.5, 21.75, 22.0], 'ok': True, 'tags': ('lab', 'north'), 'raw': b'\\x00\\x01'}",
            "C++ read    {'name': 'sensor-7', 'readings': [21.5, 21.75, 22.0], 'ok': True, 'tags': ('lab', 'north'), 'raw': b'\\x00\\x01'}",
            "python read  {'name': 'sensor-7', 'readings': [21.5, 21.75, 22.0, 22.25]",
            "python: the same as its own record, with one reading added: True",
            "refused: it would load os.system",
            "nothing ran: yes",
        ],
    ),
    # A Shelf (shelve on LMDB) open in a parent while a spawned child commits
    # a batch to it; the parent sees the batch whole without reopening.
    lesson(
        name = "shelve_two_processes",
        deps = [
            "//modules/common:codec",
            "//modules/marshalling:shelf",
            "//modules/threads:process",
        ],
        expect = [
            "parent sees apples   count=12  price=0.50",
            "child: db['apples'].count = 12, restocking",
            "child: committed apples, pears and plums together",
            "child exit code 0",
            "parent sees pears    count=20  price=0.75",
            "parent sees plums    count=45  price=0.20",
            "parent sees apples   count=42  price=0.50",
            "parent: len(db) = 3, 'pears' in db: True",
        ],
    ),
    # The raw bytes of a value (the notebook's marshal.dumps) and why they are
    # not a file format: endianness, padding, versions; the codec instead.
    lesson(
        name = "marshal_raw_bytes",
        deps = [
            "//modules/common:codec",
            "//third_party:absl_status",
        ],
        expect = [
            "b'\\xdb\\x04\\x00\\x00\\x00\\xe9\\n\\x00\\x00\\x00\\xe9\\x14\\x00\\x00\\x00\\xe9\\x1e\\x00\\x00\\x00\\xe9(\\x00\\x00\\x00'",
            "b'\\x04\\x03\\x02\\x01'  (little-endian)",
            "a big-endian machine reading the same 4 bytes sees 67305985, not 16909060",
            "sizeof(Reading) = 16, but its fields hold 13 bytes",
            "offsets: kind 0, sensor 4, celsius 8",
            "memcpy would read 8 bytes",
            "= 13 bytes (1 + 4 + 8, no padding)",
            "conc::Decode<RecordV2>(those bytes) -> DATA_LOSS",
            "kind T, sensor 7, celsius 21.5",
        ],
    ),
    # dill's lesson: a closure cannot be serialised in C++; registered named
    # functions (as the process pool uses) and the capture as an argument.
    lesson(
        name = "dill_named_functions",
        deps = [
            "//modules/common:codec",
            "//modules/threads:process",
            "//modules/threads:process_pool_executor",
            "//third_party:absl_strings",
        ],
        expect = [
            "conc::process_function<square>.name = \"square\"",
            "in this process: closure(14) = 42",
            "what crosses the pipe: the name \"scale\" and the arguments 030000000e000000 (8 bytes)",
            "square(12) in a worker = 144",
            "scale(3, 14) in a worker = 42 (the closure gave 42)",
        ],
    ),
    # A Python parent (multiprocessing.connection.Client, authkey) hands jobs to
    # this program as a C++ worker and gets the results back, pickled both ways.
    lesson(
        name = "python_parent_cpp_worker",
        data = ["python_parent_cpp_worker.py"],
        deps = [
            "//modules/marshalling:mp_connection",
            "//modules/marshalling:pickle",
            "//modules/profiling:run_command",
            "//third_party:absl_strings",
            "//third_party:absl_time",
        ],
        expect = [
            "python: the C++ worker listens on 127.0.0.1:",
            "python: primes_below(50) -> [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47]",
            "python: fib(90) -> 2880067194370816120",
            "python: word_count('the quick brown fox jumps over the lazy dog and the fox') -> {'the': 3, 'quick': 1, 'brown': 1, 'fox': 2,",
            "python: mean([21.5, 22.0, 23.25]) -> 22.25",
            "C++ worker: served 4 jobs, authenticated with HMAC-MD5, pickles both ways",
            "python: worker exit code 0",
            "python: the worker has gone, as it should",
        ],
    ),
]
