// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// http.h: a minimal HTTP/1.1 server protocol, enough for clients no one here
// wrote (curl, wrk, Python's http.client) to talk to every server model.
//
//   request                                   answer
//   ----------------------------------------  ------------------------------------------
//   GET / (or /index.html), HEAD the same     200, a small HTML page (no body for HEAD)
//   GET of any other path                     404 (the connection stays open)
//   another method                            405, then close
//   a malformed request line or header, a     400, then close
//     Transfer-Encoding (chunked is not
//     supported), a bad Content-Length
//   Content-Length above max_body             413, then close (the body is not read)
//   headers longer than max_header_bytes      431, then close
//     (request line included) before the
//     blank line
//
// Keep-alive: HTTP/1.1 keeps the connection unless `Connection: close`; HTTP/1.0
// closes unless `Connection: keep-alive`. A request body (Content-Length) is
// read and ignored. Pipelined requests are answered in order.
//
// Why by hand, not a library: Debian 12 has no llhttp (Node's parser), and its
// libhttp-parser-dev (2.9.4) is the parser that llhttp replaced, archived
// upstream since 2022. What this server needs is the request line, four headers
// and two bounds; the bounds are the lesson (a parser that buffers without limit
// is how a slowloris or a 10 MB header takes a server down), and they are
// checked before anything is kept: at most max_header_bytes are ever buffered
// for a header block.
//
// Example:
//
//   auto session = conc::HttpProtocol().NewSession();
//   std::string out;
//   session->feed("GET / HTTP/1.1\r\nHost: x\r\n\r\n", out);  // out: "HTTP/1.1 200 OK\r\n..."

#ifndef MODULES_SOCKETS_HTTP_H_
#define MODULES_SOCKETS_HTTP_H_

#include <cstddef>
#include <memory>
#include <string_view>

#include "modules/sockets/protocol.h"

namespace conc {

struct HttpLimits {
  size_t max_header_bytes = 8 * 1024;  // Request line and headers, the blank line included.
  size_t max_body = 1024 * 1024;       // Content-Length accepted (and discarded).
};

class HttpProtocol : public Protocol {
 public:
  explicit HttpProtocol(HttpLimits limits = {}) : limits_(limits) {}
  std::unique_ptr<Session> NewSession() const override;
  std::string_view name() const override { return "http"; }

  // The page served at "/".
  static std::string_view IndexPage();

 private:
  HttpLimits limits_;
};

}  // namespace conc

#endif  // MODULES_SOCKETS_HTTP_H_
