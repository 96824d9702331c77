"""Writes the seed corpora of the marshalling fuzz targets (run once; the files are committed).

    /usr/bin/python3 modules/marshalling/testing/make_corpus.py modules/marshalling/testing/corpus

corpus/pickle/         Python's own pickles of pickle_cases.py's kinds of value, protocols 2-5
corpus/object_stream/  object streams of object_stream_fuzz.cc's Item variant, whole and cut
corpus/mp_connection/  what a multiprocessing.connection peer sends: a challenge, WELCOME or
                       FAILURE, a digest, pickled messages in both header forms
"""
import os
import pickle
import struct
import sys

out = sys.argv[1]


def write(sub, name, data):
    os.makedirs(os.path.join(out, sub), exist_ok=True)
    with open(os.path.join(out, sub, name), "wb") as f:
        f.write(data)


VALUES = {
    "none": None, "ints": [0, 1, -1, 255, 65536, 2 ** 31, -(2 ** 40)], "big": 2 ** 100 * -3,
    "float": [1.5, float("inf"), -0.0], "str": "h\u00e9llo \U0001f600", "bytes": b"\x00\xff" * 4,
    "bytearray": bytearray(b"ab"), "nested": {"a": [1, (2, 3)], "b": {"c": {1, 2}}, "d": frozenset({"x"})},
    "shared": (lambda l: [l, l])([1, 2]), "long_list": list(range(1200)), "dict": {i: str(i) for i in range(30)},
}
for name, value in VALUES.items():
    for protocol in range(2, 6):
        write("pickle", f"{name}_p{protocol}", pickle.dumps(value, protocol=protocol))


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def record(kind, body):
    payload = bytes([kind]) + struct.pack("<I", crc32c(bytes([kind]) + body)) + body
    return struct.pack("<Q", len(payload)) + payload


def s(text):
    b = text.encode()
    return struct.pack("<Q", len(b)) + b


# Item = variant<vector<int>, Record{name, age, optional<double>}, map<string, double>,
#                set<int>, int64_t, monostate, string>
items = [
    struct.pack("<I", 0) + struct.pack("<Q", 4) + struct.pack("<4i", 10, 20, 30, 40),
    struct.pack("<I", 1) + s("Alice") + struct.pack("<i", 30) + b"\x01" + struct.pack("<d", 9.5),
    struct.pack("<I", 2) + struct.pack("<Q", 1) + s("x") + struct.pack("<d", 1.5),
    struct.pack("<I", 3) + struct.pack("<Q", 4) + struct.pack("<4i", 14, 33, 55, 66),
    struct.pack("<I", 4) + struct.pack("<q", 100),
    struct.pack("<I", 5),
    struct.pack("<I", 6) + s("end"),
]
header = b"conc-obj" + struct.pack("<II", 1, 0)
stream = header + b"".join(record(1, i) for i in items) + record(2, struct.pack("<Q", len(items)))
write("object_stream", "seven_items", stream)
write("object_stream", "empty_stream", header + record(2, struct.pack("<Q", 0)))
write("object_stream", "cut", stream[: len(stream) - 5])
write("object_stream", "header_only", header)
write("object_stream", "each_alone_1", header + record(1, items[1]) + record(2, struct.pack("<Q", 1)))


def frame(data):
    return struct.pack("!i", len(data)) + data


def long_frame(data):
    return struct.pack("!i", -1) + struct.pack("!Q", len(data)) + data


challenge = frame(b"#CHALLENGE#" + bytes(range(20)))
msgs = frame(pickle.dumps(("square", 7), 4)) + long_frame(pickle.dumps({"k": [1, 2.5]}, 4))
write("mp_connection", "welcome_then_messages", challenge + frame(b"#WELCOME#") + msgs)
write("mp_connection", "failure", challenge + frame(b"#FAILURE#"))
write("mp_connection", "digest_then_messages", frame(bytes(16)) + msgs)
write("mp_connection", "messages", msgs + frame(pickle.dumps(None, 5)))
write("mp_connection", "hostile_length", long_frame(b"")[:4] + struct.pack("!Q", 2 ** 31))
write("mp_connection", "negative_length", struct.pack("!i", -2) + b"xx")
