#!/usr/bin/python3
"""The Python half of the uvloop_streams_echo lesson: the same echo server and
clients as the C++ half, on one asyncio loop (the default one, or uvloop's).

    /usr/bin/python3 uvloop_streams_echo.py --loop=asyncio|uvloop --seconds=1 --connections=50

Prints one line: "<loop>: <requests> requests in <seconds> s: <rate> requests/s".
"""

import argparse
import asyncio
import time


async def echo(reader, writer):
    while line := await reader.readline():
        writer.write(line)
        await writer.drain()
    writer.close()


async def client(port, deadline, counts):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    n = 0
    while time.monotonic() < deadline:
        writer.write(b"x" * 63 + b"\n")   # 64 bytes, as the C++ half
        await reader.readline()
        n += 1
    counts.append(n)
    writer.close()


async def main(seconds, connections):
    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    counts = []
    start = time.monotonic()
    await asyncio.gather(*(client(port, start + seconds, counts) for _ in range(connections)))
    elapsed = time.monotonic() - start
    server.close()
    return sum(counts), elapsed


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args()
    if args.loop == "uvloop":
        import uvloop
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    total, elapsed = asyncio.run(main(args.seconds, args.connections))
    print("%s: %d requests in %.2f s: %.0f requests/s" % (args.loop, total, elapsed, total / elapsed))
