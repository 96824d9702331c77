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
