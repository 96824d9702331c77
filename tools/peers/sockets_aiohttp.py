"""The CPython peer of the sockets chapter's HTTP keep-alive row: aiohttp
(Debian's python3-aiohttp) serving the page conc's HttpProtocol serves at "/".

    /usr/bin/python3 tools/peers/sockets_aiohttp.py --port=0

The first stdout line is `listening on 127.0.0.1:PORT`, like
//modules/sockets:serve; SIGTERM or SIGINT stop it. The access log is off (a
log line per request would measure the logger). Measured by `wrk` through
tools/bench/server_rig.py; run with Debian's /usr/bin/python3.
"""

import argparse
import asyncio
import signal
import socket

from aiohttp import web

# modules/sockets/http.cc's kIndex, byte for byte.
PAGE = ("<!doctype html>\n<html><head><title>conc</title></head>\n"
        "<body><h1>Hello from conc</h1><p>The sockets chapter's HTTP page.</p></body></html>\n")


async def index(request):
    return web.Response(text=PAGE, content_type="text/html", charset="utf-8")


async def serve(port):
    app = web.Application()
    app.router.add_get("/", index)
    app.router.add_get("/index.html", index)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    site = web.SockSite(runner, sock, backlog=4096)
    await site.start()
    print("listening on 127.0.0.1:%d" % sock.getsockname()[1], flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1; 0 picks one")
    args = parser.parse_args()
    asyncio.run(serve(args.port))


if __name__ == "__main__":
    main()
