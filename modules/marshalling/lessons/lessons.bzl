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
]
