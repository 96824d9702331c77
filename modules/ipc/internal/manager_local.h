// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// manager_local.h: conc::Manager's same-host transport, both ends.
//
// A same-host client talks to the manager over a Linux abstract Unix socket
// (no file, no 108-byte path limit, gone with the server) in the project's one
// wire format: frames of modules/common/framed.h, each one serialised message
// of manager.proto (LocalRequest / LocalReply; the protocol is written there).
// It carries the same ExecuteRequest/ExecuteReply as the gRPC service, and the
// server answers both transports through one dispatch function
// (ManagerDispatch::Execute): the operations exist once.
//
// Why: a gRPC unary call's floor on this machine is above CPython's whole
// socket + pickle round trip (modules/ipc/doc/performance.md); a frame over a
// Unix socket is a few system calls.
//
// Authentication: the challenge/response of the gRPC path (HMAC-SHA256 both
// ways, manager_auth.h), once per connection; a wrong key is Unauthenticated
// with Python's words ("digest received was wrong"). The gRPC path needs a
// per-call token because its calls are independent; here only the peer that
// passed the handshake can write on the connection.
//
// Deadlines: every request says how long its client waits (budget_us) and the
// server never blocks an op past it, as with a gRPC deadline. The client waits
// for the reply with poll(2) up to the call's deadline, and each read or write
// system call is also bounded by SO_RCVTIMEO/SO_SNDTIMEO (the call timeout),
// so a server that dies (EOF at once) or stops answering (SIGSTOP: the
// deadline) is Unavailable within the deadline, never a hang. A connection
// that failed or timed out is closed, never reused.
//
// Spinning: a round trip that sleeps on both sides costs two cross-process
// wake-ups, which on a small VM are most of a call (the bare socketpair round
// trip in manager_benchmark). So the client polls for its reply, and the
// server for a connection's next request, for at most 50 µs before blocking,
// yielding the CPU between polls: on an idle core the reply is seen without a
// wake-up; on an oversubscribed one the yield hands the CPU to whoever needs
// it (the peer included), and after 50 µs each side sleeps as before. Reads
// take one recv(2) per small frame where FrameReader takes two.
//
// Hostile peers: before authentication a frame may hold at most
// kLocalHandshakeBytes and the peer has kLocalHandshakeTimeout to send it;
// after it, kMaxMessageBytes. A frame above the limit, bytes that do not parse,
// or a request out of turn closes that connection only; the server goes on.
// A client that disappears while its op waits in the server (queue get, lock
// acquire, event wait) is noticed within 100 ms (POLLRDHUP) and its wait ends.
//
// Thread-safety: LocalManagerClient is thread-safe: each call takes an idle
// connection from a pool (or opens one), so blocking ops in several threads do
// not queue behind each other, as with gRPC. LocalManagerServer serves each
// connection on a thread of its own.

#ifndef MODULES_IPC_INTERNAL_MANAGER_LOCAL_H_
#define MODULES_IPC_INTERNAL_MANAGER_LOCAL_H_

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/common/fd.h"
#include "modules/common/internal/mutex.h"
#include "modules/ipc/manager.pb.h"

namespace conc::internal {

// Largest frame before the handshake is done, and how long it may take.
inline constexpr uint64_t kLocalHandshakeBytes = 4096;
inline constexpr absl::Duration kLocalHandshakeTimeout = absl::Seconds(10);

// A published manager address: the gRPC target, and (optionally) the
// same-host endpoint, written "GRPC#local=HOSTNAME/NAME" (NAME is an abstract
// Unix socket name). A client on host HOSTNAME uses NAME; any other uses GRPC.
struct ManagerAddress {
  std::string grpc;
  std::string local_host;  // "" when the address has no same-host part.
  std::string local_name;
};
ManagerAddress ParseManagerAddress(std::string_view address);
std::string FormatManagerAddress(const ManagerAddress& address);
// This machine's host name ("" if unknown).
std::string LocalHostName();

// What one call on the server may consult: how long its client waits, and
// whether the client has gone. Each transport supplies its own.
class CallContext {
 public:
  virtual ~CallContext() = default;
  // absl::InfiniteFuture() for none.
  virtual absl::Time deadline() const = 0;
  virtual bool cancelled() const = 0;
};

// The server's operations, shared by both transports.
class ManagerDispatch {
 public:
  virtual ~ManagerDispatch() = default;
  virtual const std::string& server_nonce() const = 0;
  // Checks a client's digest; returns the server's own digest of `client_nonce`
  // or Unauthenticated.
  virtual absl::StatusOr<std::string> Authenticate(std::string_view client_digest,
                                                   std::string_view client_nonce) const = 0;
  // Applies the ops in order, one result each.
  virtual void Execute(const managerpb::ExecuteRequest& request, const CallContext& context,
                       managerpb::ExecuteReply* reply) = 0;
  virtual void RequestShutdown() = 0;
};

// The client end: a pool of authenticated connections to one server.
class LocalManagerClient {
 public:
  // Connects to the abstract socket `name` and authenticates with `authkey`:
  // Unavailable if nobody listens or answers within `call_timeout`,
  // Unauthenticated if the key is refused or the server cannot prove it knows
  // it. `display` names the manager in error messages.
  static absl::StatusOr<std::unique_ptr<LocalManagerClient>> Connect(
      const std::string& name, const std::string& authkey, absl::Duration call_timeout,
      std::string display);

  // One request, one reply, within call_timeout + `wait` (saturating).
  absl::StatusOr<managerpb::ExecuteReply> Execute(managerpb::ExecuteRequest request,
                                                  absl::Duration wait);
  absl::Status Shutdown();

 private:
  LocalManagerClient(std::string name, std::string authkey, absl::Duration call_timeout,
                     std::string display)
      : name_(std::move(name)),
        authkey_(std::move(authkey)),
        call_timeout_(call_timeout),
        display_(std::move(display)) {}

  // A new authenticated connection.
  absl::StatusOr<FileDescriptor> Open() const;
  // Sends `request` on an idle (or new) connection and reads the reply.
  absl::StatusOr<managerpb::LocalReply> RoundTrip(const managerpb::LocalRequest& request,
                                                  absl::Duration budget);
  absl::Status Broken(std::string_view what, const absl::Status& why) const;

  const std::string name_;
  const std::string authkey_;
  const absl::Duration call_timeout_;
  const std::string display_;
  internal::Mutex mu_;
  std::vector<FileDescriptor> idle_ ABSL_GUARDED_BY(mu_);
};

// The server end: accepts on an abstract socket and serves each connection on
// a thread, through `dispatch` (which must outlive it).
class LocalManagerServer {
 public:
  // Listens on the abstract socket `name`. Unavailable if it is taken.
  static absl::StatusOr<std::unique_ptr<LocalManagerServer>> Listen(const std::string& name,
                                                                    ManagerDispatch* dispatch);
  // Stops: no new connections, every open one shut down, every thread joined.
  // Ops blocked in `dispatch` must be woken by it (RequestShutdown) first.
  ~LocalManagerServer();

 private:
  LocalManagerServer(FileDescriptor listener, ManagerDispatch* dispatch)
      : listener_(std::move(listener)), dispatch_(dispatch) {}
  void AcceptLoop();
  void Serve(int fd);
  // Joins the threads that have finished serving.
  void ReapFinished() ABSL_LOCKS_EXCLUDED(mu_);

  FileDescriptor listener_;
  ManagerDispatch* const dispatch_;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  internal::Mutex mu_;
  std::set<int> live_ ABSL_GUARDED_BY(mu_);  // Connections being served.
  std::map<int64_t, std::thread> threads_ ABSL_GUARDED_BY(mu_);
  std::vector<int64_t> finished_ ABSL_GUARDED_BY(mu_);
  int64_t next_thread_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace conc::internal

#endif  // MODULES_IPC_INTERNAL_MANAGER_LOCAL_H_
