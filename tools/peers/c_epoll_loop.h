/* Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
 *
 * c_epoll_loop.h: the loop the two C limits share (c_epoll_echo.c, c_epoll_http.c).
 * One thread, level-triggered epoll, non-blocking sockets with TCP_NODELAY on
 * 127.0.0.1, one 64 KiB input buffer per connection allocated at accept. Per
 * readable connection: one read, then the protocol's `answer` writes what the
 * complete requests in the buffer ask for and says how many bytes it consumed;
 * the rest (a partial request) stays for the next read. A request longer than
 * the buffer, a short write (a ping-pong client never fills the send buffer) or
 * a write error drops the connection. `--port=N` (0 picks one); the first stdout
 * line is `listening on 127.0.0.1:PORT`, like //modules/sockets:serve; SIGTERM
 * or SIGINT end the process.
 */
#ifndef TOOLS_PEERS_C_EPOLL_LOOP_H_
#define TOOLS_PEERS_C_EPOLL_LOOP_H_

#define _GNU_SOURCE /* accept4, memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tools/peers/c_listen.h"

#define REQUEST_MAX_BYTES (64 * 1024)

/* Writes the answers to the complete requests in buf[0, len) on fd; returns the
 * bytes consumed, or -1 to drop the connection. */
typedef long (*answer_fn)(int fd, const char* buf, size_t len);

struct conn {
  char* buf;
  size_t len;
};

static struct conn* conns; /* indexed by descriptor */
static size_t nconns;

static int listen_on(int port) {
  int fd = listen_loopback(port, SOCK_NONBLOCK);
  say_listening(fd);
  return fd;
}

static void drop(int ep, int fd) {
  epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
  close(fd);
  free(conns[fd].buf);
  conns[fd].buf = NULL;
  conns[fd].len = 0;
}

static void accept_all(int ep, int lfd) {
  for (;;) {
    int one = 1, fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    struct epoll_event e;
    if (fd < 0) return; /* EAGAIN, or out of descriptors: try at the next wake-up */
    if ((size_t)fd >= nconns) {
      size_t n = (size_t)fd * 2 + 64;
      conns = realloc(conns, n * sizeof(*conns));
      memset(conns + nconns, 0, (n - nconns) * sizeof(*conns));
      nconns = n;
    }
    conns[fd].buf = malloc(REQUEST_MAX_BYTES);
    conns[fd].len = 0;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    e.events = EPOLLIN;
    e.data.fd = fd;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
  }
}

static void on_readable(int ep, int fd, answer_fn answer) {
  struct conn* c = &conns[fd];
  ssize_t n = read(fd, c->buf + c->len, REQUEST_MAX_BYTES - c->len);
  long used;
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    drop(ep, fd);
    return;
  }
  c->len += (size_t)n;
  used = answer(fd, c->buf, c->len);
  if (used < 0 || (used == 0 && c->len == REQUEST_MAX_BYTES)) {
    drop(ep, fd);
    return;
  }
  memmove(c->buf, c->buf + used, c->len - (size_t)used);
  c->len -= (size_t)used;
}

static int serve_forever(int argc, char** argv, const char* what, answer_fn answer) {
  int port = 0, i, ep, lfd;
  struct epoll_event e, events[256];
  for (i = 1; i < argc; ++i) {
    if (strncmp(argv[i], "--port=", 7) == 0) {
      port = atoi(argv[i] + 7);
    } else {
      fprintf(stderr, "usage: %s [--port=N]: %s on 127.0.0.1 (--port=0 picks a port)\n", argv[0], what);
      return strcmp(argv[i], "--help") == 0 ? 0 : 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);
  lfd = listen_on(port);
  ep = epoll_create1(EPOLL_CLOEXEC);
  e.events = EPOLLIN;
  e.data.fd = lfd;
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &e);
  for (;;) {
    int n = epoll_wait(ep, events, 256, -1);
    for (i = 0; i < n; ++i) {
      if (events[i].data.fd == lfd) {
        accept_all(ep, lfd);
      } else {
        on_readable(ep, events[i].data.fd, answer);
      }
    }
  }
}

#endif /* TOOLS_PEERS_C_EPOLL_LOOP_H_ */
