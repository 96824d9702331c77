/* Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
 *
 * c_uring_echo: the machine's io_uring limit for the sockets chapter's line
 * echo. c_epoll_echo's protocol and rules (c_epoll_loop.h: every complete line
 * echoed in one write per read, a partial line kept, a line over 64 KiB or a
 * short write drops the connection), with the readiness loop replaced by
 * completions: each connection has one operation in flight, a recv or the send
 * of its answer, and one io_uring_submit_and_wait per loop turn submits every
 * operation the completions of the last turn asked for. What it saves against
 * epoll is system calls: per answered request, epoll makes three (the wait's
 * share, read, write); this loop makes one enter per turn for all connections.
 *
 * The ring is set up as one thread's (IORING_SETUP_SINGLE_ISSUER |
 * IORING_SETUP_DEFER_TASKRUN: completions are processed only when this thread
 * enters, not by interrupting it), falling back to a plain ring on kernels
 * before 6.1. liburing (Debian's liburing-dev) builds the submissions.
 *
 *   bazel run //tools/peers:c_uring_echo -- --port=0    # listening on 127.0.0.1:PORT
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tools/peers/c_listen.h"

#define REQUEST_MAX_BYTES (64 * 1024)
#define RING_ENTRIES 4096

/* What a completion is for: the low bits of its user_data; the rest is the
 * connection (malloc'ed, so aligned to more than 4). */
enum op { OP_ACCEPT = 1, OP_RECV = 2, OP_SEND = 3 };

struct conn {
  int fd;
  char* buf;
  size_t len;     /* bytes in buf */
  size_t answer;  /* bytes of buf being sent, 0 while a recv is in flight */
};

static struct io_uring ring;

static struct io_uring_sqe* next_sqe(void) {
  struct io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  if (sqe == NULL) { /* the submission queue is full: hand it to the kernel */
    io_uring_submit(&ring);
    sqe = io_uring_get_sqe(&ring);
  }
  return sqe;
}

static void* tag(struct conn* c, enum op op) { return (void*)((uintptr_t)c | (uintptr_t)op); }

static void submit_accept(int lfd) {
  struct io_uring_sqe* sqe = next_sqe();
  io_uring_prep_accept(sqe, lfd, NULL, NULL, SOCK_CLOEXEC);
  io_uring_sqe_set_data(sqe, tag(NULL, OP_ACCEPT));
}

static void submit_recv(struct conn* c) {
  struct io_uring_sqe* sqe = next_sqe();
  io_uring_prep_recv(sqe, c->fd, c->buf + c->len, REQUEST_MAX_BYTES - c->len, 0);
  io_uring_sqe_set_data(sqe, tag(c, OP_RECV));
}

static void drop(struct conn* c) {
  close(c->fd);
  free(c->buf);
  free(c);
}

static void on_accepted(int fd) {
  int one = 1;
  struct conn* c;
  if (fd < 0) return; /* out of descriptors, say: the next accept may succeed */
  c = calloc(1, sizeof(*c));
  c->fd = fd;
  c->buf = malloc(REQUEST_MAX_BYTES);
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  submit_recv(c);
}

/* A recv finished with `got` bytes (0 at end of file, negative on error). */
static void on_received(struct conn* c, int got) {
  size_t end;
  struct io_uring_sqe* sqe;
  if (got <= 0) {
    drop(c);
    return;
  }
  c->len += (size_t)got;
  end = c->len;
  while (end > 0 && c->buf[end - 1] != '\n') --end;
  if (end == 0) { /* no complete line yet */
    if (c->len == REQUEST_MAX_BYTES) {
      drop(c);
    } else {
      submit_recv(c);
    }
    return;
  }
  c->answer = end;
  sqe = next_sqe();
  io_uring_prep_send(sqe, c->fd, c->buf, end, MSG_NOSIGNAL);
  io_uring_sqe_set_data(sqe, tag(c, OP_SEND));
}

/* The send of c->answer bytes finished with `sent`. */
static void on_sent(struct conn* c, int sent) {
  if (sent < 0 || (size_t)sent != c->answer) {
    drop(c);
    return;
  }
  memmove(c->buf, c->buf + c->answer, c->len - c->answer);
  c->len -= c->answer;
  c->answer = 0;
  submit_recv(c);
}

int main(int argc, char** argv) {
  int port = 0, i, lfd, err;
  for (i = 1; i < argc; ++i) {
    if (strncmp(argv[i], "--port=", 7) == 0) {
      port = atoi(argv[i] + 7);
    } else {
      fprintf(stderr, "usage: %s [--port=N]: the minimal io_uring line echo on 127.0.0.1 (--port=0 picks a port)\n",
              argv[0]);
      return strcmp(argv[i], "--help") == 0 ? 0 : 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);
  lfd = listen_loopback(port, 0);
  err = io_uring_queue_init(RING_ENTRIES, &ring, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN);
  if (err == -EINVAL) err = io_uring_queue_init(RING_ENTRIES, &ring, 0); /* a kernel before 6.1 */
  if (err < 0) {
    /* io_uring disabled (kernel.io_uring_disabled, a seccomp filter) or not built in. */
    fprintf(stderr, "io_uring_queue_init: %s\n", strerror(-err));
    return 1;
  }
  say_listening(lfd); /* only once the ring works */
  submit_accept(lfd);
  for (;;) {
    struct io_uring_cqe* cqe;
    unsigned head, seen = 0;
    err = io_uring_submit_and_wait(&ring, 1);
    if (err < 0 && err != -EINTR && err != -EBUSY) {
      fprintf(stderr, "io_uring_submit_and_wait: %s\n", strerror(-err));
      return 1;
    }
    io_uring_for_each_cqe(&ring, head, cqe) {
      uintptr_t data = (uintptr_t)io_uring_cqe_get_data(cqe);
      struct conn* c = (struct conn*)(data & ~(uintptr_t)3);
      ++seen;
      switch ((enum op)(data & 3)) {
        case OP_ACCEPT:
          on_accepted(cqe->res);
          submit_accept(lfd);
          break;
        case OP_RECV:
          on_received(c, cqe->res);
          break;
        case OP_SEND:
          on_sent(c, cqe->res);
          break;
      }
    }
    io_uring_cq_advance(&ring, seen);
  }
}
