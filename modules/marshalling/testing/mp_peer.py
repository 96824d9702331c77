"""The Python side of mp_connection_test: multiprocessing.connection's own Listener and Client.

    mp_peer.py client tcp PORT KEY      Client(("127.0.0.1", PORT), authkey=KEY): sends REQUESTS,
                                        checks each reply against serve(), prints "all replies match"
    mp_peer.py client unix NAME KEY     the same over the abstract socket "\\0NAME"
    mp_peer.py listener tcp KEY         Listener(("127.0.0.1", 0), authkey=KEY): prints its port,
                                        then serves requests on one connection until None or EOF
    mp_peer.py listener unix NAME KEY   the same on the abstract socket "\\0NAME" (prints "ready")

KEY is the authkey as hex, or "-" for authkey=None. An AuthenticationError is printed
("AuthenticationError: ...") and exits with status 3.
"""
import sys
from multiprocessing.connection import AuthenticationError, Client, Listener

# What both sides serve: (op, arg) -> result. mp_connection_test.cc has the same.
REQUESTS = [
    ("square", 7),
    ("upper", "abc"),
    ("sum", [1, 2, 3.5]),
    ("echo", {"k": (1, b"\x00\xff", None, True), "f": frozenset({1}), "s": {2, 3}}),
    ("echo", "x" * 100000),           # header and payload in two writes (> 16384)
    ("echo", list(range(3000))),
    ("echo", 2 ** 100),
]


def serve(request):
    op, arg = request
    if op == "square":
        return arg * arg
    if op == "upper":
        return arg.upper()
    if op == "sum":
        return sum(arg)
    return arg


def address(args):
    if args[0] == "tcp":
        return ("127.0.0.1", int(args[1]) if len(args) > 2 else 0), args[-1]
    return "\0" + args[1], args[-1]


def key(text):
    return None if text == "-" else bytes.fromhex(text)


def client(args):
    addr, k = address(args)
    conn = Client(addr, authkey=key(k))
    bad = 0
    for request in REQUESTS:
        conn.send(request)
        reply = conn.recv()
        if reply != serve(request) or type(reply) is not type(serve(request)):
            print("MISMATCH", request[0], repr(reply)[:200])
            bad += 1
    # The server answers this one with the long form of the header (-1, then 8 bytes).
    conn.send(("long-form", "payload"))
    print("long form:", conn.recv())
    conn.send_bytes(b"raw \x00 bytes")
    print("raw bytes echoed:", conn.recv_bytes() == b"raw \x00 bytes")
    conn.send(None)
    conn.close()
    if bad == 0:
        print("all replies match")
    return 1 if bad else 0


def listener(args):
    addr, k = address(args)
    with Listener(addr, authkey=key(k)) as lst:
        print(lst.address[1] if args[0] == "tcp" else "ready", flush=True)
        conn = lst.accept()
        served = 0
        while True:
            try:
                request = conn.recv()
            except EOFError:
                break
            if request is None:
                break
            conn.send(serve(request))
            served += 1
        print("served", served)
    return 0


def main():
    try:
        return client(sys.argv[2:]) if sys.argv[1] == "client" else listener(sys.argv[2:])
    except AuthenticationError as e:
        print("AuthenticationError:", e, flush=True)
        return 3


if __name__ == "__main__":
    sys.exit(main())
