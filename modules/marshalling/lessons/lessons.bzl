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
    # Module 4's json cells: json.dumps of a dict (Python's text, byte for byte),
    # json.loads, a tuple that comes back a list; then a JSON file with a big int.
    lesson(
        name = "json_dumps_loads",
        data = ["data/station.json"],
        deps = ["//modules/marshalling:json"],
        expect = [
            "json.dumps(b) -> {\"name\": \"Alice\", \"age\": 30}",
            "json.loads(...) -> {'name': 'Alice', 'age': 30}, the same as b: True",
            "(10, 20, 30, 40) <class 'tuple'>",
            "[10, 20, 30, 40] <class 'str'>",
            "[10, 20, 30, 40] <class 'list'>",
            "serial     18446744073709551617",
            "json: Invalid value: line 2 column 27 (byte 51)",
        ],
    ),
    # A service configuration through yaml.safe_load's rules (yaml-cpp).
    lesson(
        name = "yaml_config",
        data = ["data/service.yaml"],
        deps = ["//modules/marshalling:yaml"],
        expect = [
            "debug    False  (the file says `no`)",
            "server   0.0.0.0:8080, timeout 2.5 s",
            "worker   ingest with 4 threads",
            "worker   export with 1 threads",
            "read back the same: True",
            "could not determine a constructor for the tag",
            "end of sequence flow not found at line 4 column 1",
        ],
    ),
    # The same configuration in TOML through tomllib's rules (toml++); equal to the YAML.
    lesson(
        name = "toml_config",
        data = [
            "data/service.toml",
            "data/service.yaml",
        ],
        deps = [
            "//modules/marshalling:toml",
            "//modules/marshalling:yaml",
        ],
        expect = [
            "service          'sensor-gateway'",
            "server           {'host': '0.0.0.0', 'port': 8080, 'timeout_s': 2.5}",
            "config == yaml.safe_load(open('service.yaml')): True",
            "line 3 column",
        ],
    ),
    # A CSV of measurements through csv.DictReader (libcsv), a summary through csv.writer.
    lesson(
        name = "csv_measurements",
        data = ["data/measurements.csv"],
        deps = [
            "//modules/marshalling:csv",
            "//third_party:absl_strings",
        ],
        expect = [
            "fieldnames: timestamp, sensor, celsius, humidity, note",
            "a note: door open, draught",
            "a note: recalibrated; said \\\"ok\\\"",
            "a note: two-line\\nnote",
            "lab-north,3,21.75",
            "lab-south,3,19.58",
            "never closed",
        ],
    ),
    # Module 4's msgpack cell (python3-msgpack's bytes), then a stream Python wrote.
    lesson(
        name = "msgpack_readings",
        data = ["data/readings.msgpack"],
        deps = [
            "//modules/marshalling:msgpack",
            "//third_party:absl_strings",
        ],
        expect = [
            "m = b'\\x94\\n\\x14\\x1e('  (5 bytes)",
            "msgpack.loads(m) -> [10, 20, 30, 40]",
            "{'seq': 0, 'sensor': 'lab-north', 'celsius': 21.5, 'raw': b'\\x00\\xff'}",
            "{'seq': 3, 'sensor': 'lab-south', 'celsius': 19.5, 'raw': b'\\x03\\xfc'}",
            "192 bytes read",
            "truncated object at byte 0",
        ],
    ),
    # An RSS feed through libxml2 (lxml's library), queried with XPath and namespaces.
    lesson(
        name = "xml_rss_feed",
        data = ["data/feed.xml"],
        deps = ["//modules/marshalling:xml"],
        expect = [
            "channel: Lab notes",
            "items:   3",
            "North room recalibrated",
            "South door & the draught",
            "Humidity <40% is fine",
            "Opening and ending tag mismatch: title line 2 and channel at line 2 column 30",
        ],
    ),
    # A messy HTML page repaired by lxml.html's parser (libxml2) and queried with XPath.
    lesson(
        name = "html_xpath",
        data = ["data/messy.html"],
        deps = ["//modules/marshalling:xml"],
        expect = [
            "title: Sensors & parts",
            "repaired: ",
            "Thermometer T-100",
            "Hygrometer H-20",
            "(sale)",
            "/catalogue?page=2",
        ],
    ),
]
