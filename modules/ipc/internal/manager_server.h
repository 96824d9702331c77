// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// manager_server.h: the server process of conc::Manager.
//
// Holds the shared objects (dict, list, Namespace, Queue, Lock, Event, Value)
// as codec bytes and applies the proxies' operations to them; see
// manager_server.cc for the operations each kind accepts and the errors they
// give. It serves two transports through one dispatch (ManagerDispatch in
// manager_local.h): gRPC, whose synchronous server runs each call on a thread
// of its own pool (it grows while all threads are busy), and the same-host
// socket, one thread per connection. So a call blocked in a queue get, a lock
// acquire or an event wait does not stop other clients. A blocked call waits
// at most its op's timeout and never past its own deadline (the gRPC deadline,
// or the same-host request's budget), and wakes when the client cancels or
// hangs up, or the server shuts down.

#ifndef MODULES_IPC_INTERNAL_MANAGER_SERVER_H_
#define MODULES_IPC_INTERNAL_MANAGER_SERVER_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace conc::internal {

// Serves gRPC on `address` ("unix-abstract:NAME", "unix:/path", "HOST:PORT";
// port 0 lets the kernel choose; a published "GRPC#local=..." address serves
// its GRPC part) and the same-host socket on a fresh abstract name, with
// `authkey`, until a client calls Shutdown. Calls `on_bound` once, with the
// address clients should use ("GRPC#local=HOST/NAME", the chosen port filled
// in) or with the reason the server could not listen. Returns when shut down.
absl::Status RunManagerServer(const std::string& address, const std::string& authkey,
                              const std::function<void(absl::StatusOr<std::string>)>& on_bound);

// The spawned process's entry (registered with CONC_PROCESS_FUNCTION in
// manager.cc): runs the server and reports its address, or "!" and the error,
// on `report_fd`, then closes it.
void ManagerServerMain(int report_fd, std::string address, std::string authkey);

}  // namespace conc::internal

#endif  // MODULES_IPC_INTERNAL_MANAGER_SERVER_H_
