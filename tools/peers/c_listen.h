/* Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
 *
 * c_listen.h: the listening socket of the C limits (c_epoll_loop.h,
 * c_uring_echo.c) and the first line they print, the contract of
 * //modules/sockets:serve that tools/bench/server_rig.py reads.
 */
#ifndef TOOLS_PEERS_C_LISTEN_H_
#define TOOLS_PEERS_C_LISTEN_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* A TCP socket listening on 127.0.0.1:port (0 picks one), SO_REUSEADDR, with
 * `type_flags` (SOCK_NONBLOCK, say) added to SOCK_STREAM | SOCK_CLOEXEC. Exits
 * the process, saying why, if it cannot. */
static int listen_loopback(int port, int type_flags) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | type_flags, 0);
  int one = 1;
  struct sockaddr_in a;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
      bind(fd, (struct sockaddr*)&a, sizeof(a)) < 0 || listen(fd, 4096) < 0) {
    perror("listen on 127.0.0.1");
    exit(1);
  }
  return fd;
}

/* Prints `listening on 127.0.0.1:PORT` for the listening socket fd, flushed. */
static void say_listening(int fd) {
  struct sockaddr_in a;
  socklen_t len = sizeof(a);
  if (getsockname(fd, (struct sockaddr*)&a, &len) < 0) {
    perror("getsockname");
    exit(1);
  }
  printf("listening on 127.0.0.1:%d\n", ntohs(a.sin_port));
  fflush(stdout);
}

#endif /* TOOLS_PEERS_C_LISTEN_H_ */
