// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// manager_client.h: the client under conc::Manager's proxies.
//
// One ManagerClient is one authenticated connection to a manager server: the
// same-host transport (manager_local.h: framed messages over a Unix socket, a
// pool of connections) when the published address offers it for this host
// and the caller did not ask for gRPC, else a gRPC channel. The
// Manager and every proxy it hands out share it (std::shared_ptr), so a proxy
// stays usable after its Manager object is gone (its calls then fail with
// Unavailable once the server has shut down).
//
// Every RPC has a deadline: the client's call timeout, plus the time the server
// is allowed to block for the operation (queue get, lock acquire, event wait),
// saturating (a deadline past what system_clock holds is no deadline).
// An operation that may wait forever is sent in slices of one call timeout each
// and re-sent while the slice expires, so a server that stops answering is
// noticed within one slice plus one call timeout, never "never".
//
// Errors: anything the transport reports (connection refused, reset, the call's
// deadline passing, the server shutting down) is Unavailable, Python's
// BrokenPipeError/ConnectionError; a refused authentication is Unauthenticated
// (multiprocessing.AuthenticationError). The errors of the operations
// themselves (KeyError, IndexError, queue.Empty, ...) travel inside the reply
// (ResultToStatus).
//
// Thread-safety: thread-safe; gRPC channels and stubs may be shared.

#ifndef MODULES_IPC_INTERNAL_MANAGER_CLIENT_H_
#define MODULES_IPC_INTERNAL_MANAGER_CLIENT_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/ipc/manager.pb.h"

namespace conc {

// How a client reaches its manager.
enum class ManagerTransport {
  // The same-host socket when the address offers one for this host (its
  // "#local=HOST/NAME" part, HOST this machine's name), else gRPC. If that
  // socket cannot be reached (another network namespace under the same host
  // name), gRPC after all; a refused key is final.
  kAuto,
  // Always gRPC (as a remote client would).
  kGrpc,
};

}  // namespace conc

namespace conc::internal {

class ManagerClient {
 public:
  // Connects to the server at `address` (a published address, or a bare gRPC
  // target: "unix-abstract:NAME", "unix:/path", "HOST:PORT") and authenticates
  // with `authkey`. Unavailable if nobody answers within `call_timeout`;
  // Unauthenticated if the server refuses the key, or if the server cannot
  // prove that it knows the key.
  static absl::StatusOr<std::shared_ptr<ManagerClient>> Connect(
      const std::string& address, const std::string& authkey, absl::Duration call_timeout,
      ManagerTransport transport = ManagerTransport::kAuto);

  ~ManagerClient();

  // Sends `ops` in one RPC and returns one result per op. `wait` is the longest
  // time the server may block on them in total (added to the call timeout).
  absl::StatusOr<std::vector<managerpb::Result>> Execute(
      std::vector<managerpb::Op> ops, absl::Duration wait = absl::ZeroDuration());

  // One op; its in-band error becomes the returned status. For a blocking op,
  // `timeout` follows the project's convention through Deadline::FromTimeout
  // (nullopt, or a timeout too large for the clock: forever, in slices as
  // described above; zero or negative: poll once) and is written into the op.
  absl::StatusOr<managerpb::Result> Call(managerpb::Op op);
  absl::StatusOr<managerpb::Result> CallBlocking(managerpb::Op op,
                                                 std::optional<absl::Duration> timeout);

  // Asks the server to shut down (it replies first).
  absl::Status Shutdown();

  const std::string& address() const { return address_; }
  // "unix" (the same-host socket) or "grpc".
  std::string_view transport() const;
  absl::Duration call_timeout() const { return call_timeout_; }

 private:
  struct Impl;
  ManagerClient(std::string address, absl::Duration call_timeout, std::unique_ptr<Impl> impl);

  const std::string address_;
  const absl::Duration call_timeout_;
  const std::unique_ptr<Impl> impl_;
};

// The status a result carries (OK for code 0).
absl::Status ResultToStatus(const managerpb::Result& result);

}  // namespace conc::internal

#endif  // MODULES_IPC_INTERNAL_MANAGER_CLIENT_H_
