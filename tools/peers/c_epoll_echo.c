/* Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
 *
 * c_epoll_echo: the machine's limit for the sockets chapter's line echo. The
 * smallest server that answers //modules/sockets:load's ping-pong as conc's
 * LineProtocol does: every complete line echoed, in order, in one write per
 * read (the loop: c_epoll_loop.h). What it leaves out is what conc's servers
 * add: the commands, the limits beyond a 64 KiB line, idle timeouts, counters,
 * graceful shutdown, back-pressure.
 *
 *   bazel run //tools/peers:c_epoll_echo -- --port=0    # listening on 127.0.0.1:PORT
 */
#include "tools/peers/c_epoll_loop.h"

static long echo_lines(int fd, const char* buf, size_t len) {
  size_t end = len;
  while (end > 0 && buf[end - 1] != '\n') --end;
  if (end > 0 && write(fd, buf, end) != (ssize_t)end) return -1;
  return (long)end;
}

int main(int argc, char** argv) {
  return serve_forever(argc, argv, "the minimal epoll line echo", echo_lines);
}
