// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// manager.h: conc::Manager, Python's `multiprocessing.Manager()` /
// `managers.SyncManager`, and `BaseManager(address, authkey).connect()`.
//
// A manager is a server process that holds shared objects — dict, list,
// Namespace, Queue, Lock, Event, Value — which other processes, on this host or
// another, use through proxies (manager_proxies.h). Every proxy call is one
// round trip to the server (a Unix socket on the same host, gRPC from
// another), which applies it to the object: slower than
// shared memory (mp::Queue, Value), but any encodable type, any number of
// processes, and across machines.
//
//   Python                                        C++
//   m = Manager()  /  SyncManager(); m.start()    conc::Manager m; auto s = m.start();
//   with Manager() as m: ...                      { conc::Manager m; ...; }  // destructor shuts down
//   BaseManager(("", 50000), b"key")              conc::Manager m({.address = "0.0.0.0:50000",
//                                                                 .authkey = "key"});
//   m.connect()  (a client of a running server)   auto c = conc::Manager::connect(addr, "key");
//   m.address, m.shutdown()                       m.address(), m.shutdown()
//   m.dict(), m.list(), m.Namespace()             m.dict<K, V>(), m.list<T>(), m.Namespace()
//   m.Queue(maxsize), m.Lock(), m.Event()         m.Queue<T>(maxsize), m.Lock(), m.Event()
//   m.Value("i", 0)                               m.Value<int>(0)
//   (pickling a proxy to a child process)         pass proxy.id(), m.address(), m.authkey();
//                                                 the child: connect, then m.dict<K, V>(id)
//
// THE SERVER PROCESS is started by re-executing the program (conc::Process's
// spawn method; main() must call conc::ProcessMain(argc, argv) first), never by
// fork: gRPC is not fork-safe (its threads and locks do not survive a fork).
// It reports the address it bound back on a pipe. It is daemonic: it dies with
// its parent (PR_SET_PDEATHSIG, see process.h), so start the manager from the
// main thread or one that outlives it.
//
// ADDRESSES. "" (the default) is a fresh Linux abstract Unix socket
// ("unix-abstract:conc-manager-PID-N-RANDOM": no file to clean up, no 108-byte
// path limit). "HOST:PORT" is TCP, port 0 letting the kernel choose (address()
// reports it after start). "unix:/path" works too.
//
// TRANSPORTS. Every server also listens on a fresh abstract Unix socket of its
// own and publishes both: address() is "GRPC-TARGET#local=HOSTNAME/NAME". A
// client on host HOSTNAME talks to NAME, framed protobuf messages over the
// socket (internal/manager_local.h), several times faster per call than a gRPC
// round trip; any other client, or one that asks for it
// (ManagerTransport::kGrpc), uses gRPC. Both carry the same operations, the
// same handshake and the same errors; a bare gRPC target (no "#local=") works
// as before, over gRPC.
//
// AUTHENTICATION. As Python, a client must know the authkey (default: 32
// random bytes, per manager). The key never crosses the wire: HMAC-SHA256
// challenge/response in both directions, then an HMAC-derived token per call
// (manager.proto; on the same-host socket the connection is authenticated
// once instead). A wrong key is Unauthenticated (AuthenticationError). Limits
// (as Python's): no encryption; anyone who can read the traffic sees the data
// and can replay the per-call token to that server for its lifetime. Use it on
// a trusted network, or tunnel it (SSH, or TLS credentials in gRPC).
//
// DEADLINES. Every call has one: `call_timeout` (default 5 s), plus the op's own
// timeout for blocking ops; waits without a timeout are sent in slices of one
// call timeout. A dead or unreachable manager is Unavailable, within the
// deadline: nothing hangs.
//
// Errors of each op: manager_proxies.h.
//
// Thread-safety: the factories and accessors may be called from several
// threads; start() and shutdown() must not race each other.
//
// Example:
//
//   int main(int argc, char** argv) {
//     conc::ProcessMain(argc, argv);  // The server process runs here.
//     conc::Manager m;
//     if (!m.start().ok()) return 1;
//     absl::StatusOr<conc::DictProxy<std::string, int>> d = m.dict<std::string, int>();
//     absl::Status s = d->set("answer", 42);
//   }  // m's destructor shuts the server down and reaps it.

#ifndef MODULES_IPC_MANAGER_H_
#define MODULES_IPC_MANAGER_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/common/codec.h"
#include "modules/ipc/internal/manager_client.h"
#include "modules/ipc/manager_proxies.h"
#include "modules/threads/process.h"

namespace conc {

struct ManagerOptions {
  // Where the server listens: "" (a fresh abstract Unix socket), "HOST:PORT"
  // (TCP; port 0 picks one), "unix:/path", "unix-abstract:NAME".
  std::string address = "";
  // The shared secret; "" gives 32 random bytes (read it with authkey()).
  std::string authkey = "";
  // The deadline of each call (blocking ops get their timeout on top).
  absl::Duration call_timeout = absl::Seconds(5);
  // How long start() waits for the server to report its address.
  absl::Duration start_timeout = absl::Seconds(30);
  // How this process's own client reaches the server: the same-host socket
  // (the default) or gRPC. Other clients choose for themselves (connect()).
  ManagerTransport transport = ManagerTransport::kAuto;
};

class Manager {
 public:
  // A manager that will run its own server; nothing happens until start().
  explicit Manager(ManagerOptions options = {});

  // Shuts the server down (if this object started it) and reaps it.
  ~Manager();

  Manager(Manager&&) noexcept;
  Manager& operator=(Manager&&) noexcept;
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // BaseManager(address, authkey).connect(): a client of a server someone
  // else runs (this object never shuts it down). Unavailable if nobody answers
  // within `call_timeout`; Unauthenticated if the key is refused.
  // `transport`: the same-host socket when `address` offers one for this host
  // (the default), or always gRPC.
  [[nodiscard]] static absl::StatusOr<Manager> connect(
      const std::string& address, const std::string& authkey,
      absl::Duration call_timeout = absl::Seconds(5),
      ManagerTransport transport = ManagerTransport::kAuto);

  // Spawns the server, waits for its address and connects. FailedPrecondition
  // if started (or connected) before, or if main() did not call ProcessMain;
  // Unavailable if the server cannot listen on the address (the reason in the
  // message) or does not report within start_timeout.
  [[nodiscard]] absl::Status start();

  // Asks the server to stop, waits for it (a few seconds, then SIGKILL) and
  // reaps it. Proxies fail with Unavailable afterwards. OK if already shut down
  // or never started; FailedPrecondition on a connect()ed client.
  [[nodiscard]] absl::Status shutdown();

  // The address clients use: the gRPC target ("127.0.0.1:40123" once a port 0
  // is bound), then "#local=HOST/NAME", the same-host socket (see ADDRESSES).
  const std::string& address() const { return address_; }
  const std::string& authkey() const { return authkey_; }
  // The server's process id (nullopt for a connect()ed client or before start).
  std::optional<pid_t> pid() const;

  // The factories: a new object (empty `name`) or the object called `name`,
  // created on first use and shared by every client that asks for that name,
  // which is also how a proxy's id() reaches the object from another process.
  // InvalidArgument if `name` holds an object of another kind; NotFound for an
  // unknown anonymous id ("#7"); FailedPrecondition before start/connect.
  template <Encodable K, Storable V>
  [[nodiscard]] absl::StatusOr<DictProxy<K, V>> dict(const std::string& name = "") {
    return Make<DictProxy<K, V>>("dict", name);
  }
  template <Storable T>
  [[nodiscard]] absl::StatusOr<ListProxy<T>> list(const std::string& name = "") {
    return Make<ListProxy<T>>("list", name);
  }
  [[nodiscard]] absl::StatusOr<NamespaceProxy> Namespace(const std::string& name = "") {
    return Make<NamespaceProxy>("Namespace", name);
  }
  // maxsize <= 0: unbounded, as Python.
  template <Encodable T>
  [[nodiscard]] absl::StatusOr<QueueProxy<T>> Queue(int64_t maxsize = 0,
                                                    const std::string& name = "") {
    return Make<QueueProxy<T>>("Queue", name, maxsize);
  }
  [[nodiscard]] absl::StatusOr<LockProxy> Lock(const std::string& name = "") {
    return Make<LockProxy>("Lock", name);
  }
  [[nodiscard]] absl::StatusOr<EventProxy> Event(const std::string& name = "") {
    return Make<EventProxy>("Event", name);
  }
  // `initial` is stored only when the object is created (not when attaching).
  template <Encodable T>
  [[nodiscard]] absl::StatusOr<ValueProxy<T>> Value(const T& initial = T{},
                                                    const std::string& name = "") {
    return Make<ValueProxy<T>>("Value", name, 0, Encode(initial));
  }

  // The connection every proxy of this manager shares (for batches and tests).
  std::shared_ptr<internal::ManagerClient> client() const { return client_; }

 private:
  // Sends CREATE and returns the object's id.
  absl::StatusOr<std::string> Create(std::string_view kind, const std::string& name,
                                     int64_t maxsize, std::string initial);

  template <typename Proxy>
  absl::StatusOr<Proxy> Make(std::string_view kind, const std::string& name,
                             int64_t maxsize = 0, std::string initial = {}) {
    absl::StatusOr<std::string> id = Create(kind, name, maxsize, std::move(initial));
    if (!id.ok()) return id.status();
    return Proxy(client_, *std::move(id));
  }

  ManagerOptions options_;
  std::string address_;
  std::string authkey_;
  std::optional<Process> process_;                   // Set once start() spawned the server.
  std::shared_ptr<internal::ManagerClient> client_;  // Set once connected.
  bool connected_only_ = false;                      // Made by connect(): not the owner.
};

}  // namespace conc

#endif  // MODULES_IPC_MANAGER_H_
