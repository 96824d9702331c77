"""The values the pickle interop test sends both ways, by name (pickle_test.cc builds
the same values in C++).

    pickle_cases.py dump            prints "PROTOCOL NAME HEX" for protocols 2-5
    pickle_cases.py load FILE       loads each "PROTOCOL NAME HEX" line of FILE and
                                    prints "OK PROTOCOL NAME" or "MISMATCH ..."
"""
import pickle
import sys

l = [1]
CASES = {
    "none": None,
    "bools": (True, False),
    "ints": [0, 1, 255, 256, 65535, 65536, -1, -2**31, 2**31 - 1, 2**40, -2**40],
    "int64_edges": [2**63 - 1, -2**63],
    "big_ints": [2**64, -(2**100)],
    "floats": [0.0, -1.5, 1e300, float("inf")],
    "strs": ["", "hello", "h\u00e9llo \u2713", "x" * 300],
    "bytes": [b"", b"\x00\xff abc", b"y" * 300],
    "bytearray": bytearray(b"\x01\x02\xff"),
    "nested": {"name": "sensor-7", "readings": [1.5, 2.25], "ok": True, "tags": ("a", "b", "c", "d"), "empty": {}},
    "set": {1, 2, 3},
    "frozenset": frozenset({"x"}),
    "shared": [l, l],
    "long_list": list(range(2500)),
    "tuples": ((), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)),
}


def main():
    if sys.argv[1] == "dump":
        for proto in (2, 3, 4, 5):
            for name, value in CASES.items():
                print(proto, name, pickle.dumps(value, protocol=proto).hex())
    else:
        with open(sys.argv[2]) as f:
            for line in f:
                proto, name, data = line.split()
                value = pickle.loads(bytes.fromhex(data))
                want = CASES[name]
                same = value == want and type(value) is type(want)
                print(("OK" if same else "MISMATCH"), proto, name, "" if same else repr(value)[:200])


if __name__ == "__main__":
    main()
