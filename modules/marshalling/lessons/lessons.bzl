"""The marshalling chapter's lessons, in the order the tour runs them."""

load("//tools:lesson.bzl", "lesson")

LESSONS = [
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
]
