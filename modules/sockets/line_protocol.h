// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// line_protocol.h: the chapter's line protocol, an echo server with three
// commands that make a load test meaningful. One request is one line ending in
// "\n" (a "\r" before it is dropped); one answer is one line.
//
//   request               answer                       then
//   --------------------  ---------------------------  ----------------------
//   TIME                  nanoseconds since the epoch   (a server-side clock)
//   SUM a b ...           the sum of the integers       ("ERR bad number" for
//                           (int64; "ERR overflow")       a non-integer)
//   QUIT                  BYE                           the server closes
//   any other line        the line itself (echo)
//   a line longer than    ERR line too long             the server closes
//     max_line bytes
//   a control byte (below ERR bad bytes                 the server closes
//     0x20 except \t, or
//     0x7f)
//
// Several lines may arrive in one read (pipelining): each is answered in order.
// The Python the course writes is `for line in conn.makefile(): conn.sendall(line)`;
// the commands are this project's, for the load generator
// (//modules/sockets:serve and the benchmarks).
//
// Example:
//
//   auto session = conc::LineProtocol().NewSession();
//   std::string out;
//   session->feed("hello\nSUM 1 2\nQUIT\n", out);  // out == "hello\n3\nBYE\n"

#ifndef MODULES_SOCKETS_LINE_PROTOCOL_H_
#define MODULES_SOCKETS_LINE_PROTOCOL_H_

#include <cstddef>
#include <memory>
#include <string_view>

#include "modules/sockets/protocol.h"

namespace conc {

class LineProtocol : public Protocol {
 public:
  // `max_line`: the longest accepted line in bytes, newline included.
  explicit LineProtocol(size_t max_line = 64 * 1024) : max_line_(max_line) {}

  std::unique_ptr<Session> NewSession() const override;
  std::string_view name() const override { return "line"; }

 private:
  size_t max_line_;
};

}  // namespace conc

#endif  // MODULES_SOCKETS_LINE_PROTOCOL_H_
