// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// clients.h: test helpers for the server suites (testonly).

#ifndef MODULES_SOCKETS_TESTING_CLIENTS_H_
#define MODULES_SOCKETS_TESTING_CLIENTS_H_

#include <sys/resource.h>

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/sockets/socket.h"

namespace conc::testing {

// Raises RLIMIT_NOFILE to at least `wanted` if it can (the hard limit too when
// running as root); returns the soft limit in force afterwards.
inline uint64_t RaiseFileLimit(uint64_t wanted) {
  rlimit r{};
  ::getrlimit(RLIMIT_NOFILE, &r);
  if (r.rlim_cur >= wanted) return r.rlim_cur;
  rlimit want{wanted, std::max<rlim_t>(wanted, r.rlim_max)};
  if (::setrlimit(RLIMIT_NOFILE, &want) != 0) {
    want = {r.rlim_max, r.rlim_max};
    ::setrlimit(RLIMIT_NOFILE, &want);
  }
  ::getrlimit(RLIMIT_NOFILE, &r);
  return r.rlim_cur;
}

// A connected client with a 20 s timeout on every call: wide, because the CI
// VM is a loaded 2-core machine, and a wait that does not end is a failure.
inline absl::StatusOr<Socket> Connect(int port, absl::Duration timeout = absl::Seconds(20)) {
  return create_connection("127.0.0.1", port, timeout);
}

// Reads until `n` bytes or end of stream; the error if one comes first.
inline absl::StatusOr<std::string> ReadUntilClosed(Socket& s, size_t limit = 1 << 20) {
  std::string all;
  while (all.size() < limit) {
    absl::StatusOr<std::string> chunk = s.recv(64 * 1024);
    if (!chunk.ok()) return chunk.status();
    if (chunk->empty()) break;
    all += *chunk;
  }
  return all;
}

}  // namespace conc::testing

#endif  // MODULES_SOCKETS_TESTING_CLIENTS_H_
