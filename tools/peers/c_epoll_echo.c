/* Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
 *
 * c_epoll_echo: the machine's limit for the sockets chapter's line echo. The
 * smallest server that answers //modules/sockets:load's ping-pong as conc's
 * LineProtocol does (each complete line echoed, in order, in one write): one
 * thread, level-triggered epoll, non-blocking sockets, TCP_NODELAY, no
 * allocation per request. What it leaves out is what conc's servers add: the
 * commands, the limits beyond a 64 KiB line, idle timeouts, counters, graceful
 * shutdown, back-pressure (a connection whose answer does not fit the send
 * buffer at once is closed: a ping-pong client never fills it).
 *
 *   bazel run //tools/peers:c_epoll_echo -- --port=0    # listening on 127.0.0.1:PORT
 *
 * First stdout line `listening on 127.0.0.1:PORT`, like //modules/sockets:serve;
 * SIGTERM or SIGINT end it.
 */
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

#define LINE_MAX_BYTES (64 * 1024)

struct conn {
  char* buf; /* LINE_MAX_BYTES, allocated at accept */
  size_t len;
};

static struct conn* conns; /* indexed by descriptor */
static size_t nconns;

static int listen_on(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  struct sockaddr_in a;
  socklen_t len = sizeof(a);
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
      bind(fd, (struct sockaddr*)&a, sizeof(a)) < 0 || listen(fd, 4096) < 0 ||
      getsockname(fd, (struct sockaddr*)&a, &len) < 0) {
    perror("c_epoll_echo: listen");
    exit(1);
  }
  printf("listening on 127.0.0.1:%d\n", ntohs(a.sin_port));
  fflush(stdout);
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
    conns[fd].buf = malloc(LINE_MAX_BYTES);
    conns[fd].len = 0;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    e.events = EPOLLIN;
    e.data.fd = fd;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
  }
}

/* One read; every complete line goes back in one write; a partial line stays. */
static void echo(int ep, int fd) {
  struct conn* c = &conns[fd];
  ssize_t n = read(fd, c->buf + c->len, LINE_MAX_BYTES - c->len);
  size_t end;
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    drop(ep, fd);
    return;
  }
  c->len += (size_t)n;
  for (end = c->len; end > 0 && c->buf[end - 1] != '\n'; --end) {
  }
  if (end == 0) {
    if (c->len == LINE_MAX_BYTES) drop(ep, fd); /* a line too long */
    return;
  }
  if (write(fd, c->buf, end) != (ssize_t)end) {
    drop(ep, fd);
    return;
  }
  memmove(c->buf, c->buf + end, c->len - end);
  c->len -= end;
}

int main(int argc, char** argv) {
  int port = 0, i, ep, lfd;
  struct epoll_event e, events[256];
  for (i = 1; i < argc; ++i) {
    if (strncmp(argv[i], "--port=", 7) == 0) {
      port = atoi(argv[i] + 7);
    } else {
      fprintf(stderr, "usage: %s [--port=N]: the minimal epoll line echo on 127.0.0.1 (0 picks a port)\n", argv[0]);
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
        echo(ep, events[i].data.fd);
      }
    }
  }
}
