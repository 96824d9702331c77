// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// protocol.h: what every server model serves: a `Protocol` makes one `Session`
// per connection, and a session turns the bytes received into the bytes to
// send, without doing any I/O itself.
//
// Keeping the protocol free of I/O is what lets one protocol run unchanged under
// every concurrency model (iterative, thread per connection, pool, epoll
// reactor, one reactor per CPU): the model owns the socket and the waiting, the
// session only parses and answers. It is the shape of asyncio's
// `Protocol.data_received`, here returning its answer instead of calling
// `transport.write`.
//
// Contract of `Session::feed(input, output)`:
//   * `input` holds the bytes received and not yet consumed, oldest first.
//   * feed consumes every complete request at the front of `input`, appends each
//     answer to `output`, and returns how many bytes it consumed (the caller
//     erases them) and how many requests it answered.
//   * An incomplete request is left in `input` for the next call; a request that
//     can never become valid (too long, malformed) is answered with an error,
//     if the protocol has one, and `close` is set.
//   * `close` set: the model sends what is in `output`, then closes.
// Sessions are used by one thread at a time (the model's), never concurrently.
//
// Example:
//
//   std::unique_ptr<conc::Session> s = conc::LineProtocol().NewSession();
//   std::string in = "SUM 2 3\nhel", out;
//   conc::Session::Result r = s->feed(in, out);   // r.consumed 8, r.requests 1
//   // out == "5\n"; "hel" waits for its newline.

#ifndef MODULES_SOCKETS_PROTOCOL_H_
#define MODULES_SOCKETS_PROTOCOL_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace conc {

class Session {
 public:
  struct Result {
    size_t consumed = 0;  // Bytes of `input` used; the caller erases them.
    int requests = 0;     // Requests answered (error answers included).
    bool error = false;   // A request was refused (malformed, too long).
    bool close = false;   // Send `output`, then close the connection.
  };

  virtual ~Session() = default;

  // See the contract at the top of this file.
  virtual Result feed(std::string_view input, std::string& output) = 0;
};

class Protocol {
 public:
  virtual ~Protocol() = default;
  // A fresh session for a new connection. Thread-safe (called by every model's
  // accepting threads).
  virtual std::unique_ptr<Session> NewSession() const = 0;
  // "line" or "http".
  virtual std::string_view name() const = 0;
};

}  // namespace conc

#endif  // MODULES_SOCKETS_PROTOCOL_H_
