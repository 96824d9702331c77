"""The CPython peer of the sockets chapter's line echo: asyncio streams, the way
the course writes a server ("Using asyncio for concurrent socket programming").

    /usr/bin/python3 tools/peers/sockets_asyncio_echo.py --port=0 [--loop=asyncio|uvloop]

Serves on 127.0.0.1 what conc's LineProtocol answers to a ping: each line echoed
(`reader.readline()`, `writer.write(line)`, `await writer.drain()`); the first
stdout line is `listening on 127.0.0.1:PORT`, like //modules/sockets:serve, and
SIGTERM or SIGINT stop it. --loop=uvloop runs the same code on uvloop (Debian's
python3-uvloop), the fastest event loop a CPython user can install. Measured by
//modules/sockets:load through tools/bench/server_rig.py; run with Debian's
/usr/bin/python3 (uvloop is there, not in a pyenv).
"""

import argparse
import asyncio
import signal


async def handle(reader, writer):
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            writer.write(line)
            await writer.drain()
    except (ConnectionError, ValueError):  # a reset; a line over the 64 KiB limit
        pass
    finally:
        writer.close()


async def serve(port):
    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=4096)
    print("listening on 127.0.0.1:%d" % server.sockets[0].getsockname()[1], flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1; 0 picks one")
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    args = parser.parse_args()
    if args.loop == "uvloop":
        import uvloop
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    asyncio.run(serve(args.port))


if __name__ == "__main__":
    main()
