/* Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
 *
 * c_epoll_http: the machine's limit for the sockets chapter's HTTP keep-alive
 * row. The smallest responder `wrk` accepts: every request head (up to the
 * blank line) is answered with the page conc's HttpProtocol serves at "/", with
 * the same headers, and the connection is kept (the loop: c_epoll_loop.h). It
 * parses nothing else: no method, path, header or body is looked at; no limits
 * beyond a 64 KiB head, no timeouts, no counters.
 *
 *   bazel run //tools/peers:c_epoll_http -- --port=0    # listening on 127.0.0.1:PORT
 */
#include "tools/peers/c_epoll_loop.h"

/* modules/sockets/http.cc's kIndex and Respond(), byte for byte. */
#define PAGE                                                  \
  "<!doctype html>\n<html><head><title>conc</title></head>\n" \
  "<body><h1>Hello from conc</h1><p>The sockets chapter's HTTP page.</p></body></html>\n"
static char page_answer[512];
static size_t page_answer_len;

static long answer_heads(int fd, const char* buf, size_t len) {
  size_t start = 0;
  const char* end;
  while ((end = memmem(buf + start, len - start, "\r\n\r\n", 4)) != NULL) {
    if (write(fd, page_answer, page_answer_len) != (ssize_t)page_answer_len) return -1;
    start = (size_t)(end - buf) + 4;
  }
  return (long)start;
}

int main(int argc, char** argv) {
  page_answer_len = (size_t)snprintf(page_answer, sizeof(page_answer),
                                     "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                                     "Content-Length: %zu\r\nConnection: keep-alive\r\n\r\n%s",
                                     sizeof(PAGE) - 1, PAGE);
  return serve_forever(argc, argv, "the minimal epoll HTTP/1.1 keep-alive responder", answer_heads);
}
