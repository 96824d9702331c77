// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// The objects and what each op does to them (Python's behaviour, errors as
// modules/ipc/manager.h's table):
//
//   kind       ops
//   dict       GET (KeyError, or the default), SET, DEL (KeyError), POP
//              (KeyError, or the default), LEN, CONTAINS, KEYS, VALUES, ITEMS,
//              UPDATE, CLEAR, GET_MANY. Insertion order is kept, as in Python.
//   list       GET, SET, DEL, POP (IndexError), LEN, APPEND, EXTEND, INSERT
//              (clamps the index, as Python), CLEAR, VALUES (a copy).
//   Namespace  GET (AttributeError), SET, DEL (AttributeError), CONTAINS, KEYS.
//   Queue      PUT (queue.Full), TAKE (queue.Empty), LEN (qsize).
//   Lock       ACQUIRE, RELEASE (misuse if unlocked). Any client may release,
//              as threading.Lock.
//   Event      EVENT_SET, EVENT_CLEAR, EVENT_IS_SET, EVENT_WAIT.
//   Value      GET, SET.
//
// CREATE makes (or, for a name, finds) an object; ATTACH only finds one of a
// given kind (a proxy stored in a dict or list being rebuilt).
//
// Any other op on a kind is InvalidArgument (Python's AttributeError on the
// proxy's missing method / TypeError).

#include "modules/ipc/internal/manager_server.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "modules/common/fd.h"
#include "modules/common/internal/mutex.h"
#include "modules/common/timeout.h"
#include "modules/ipc/internal/manager_auth.h"
#include "modules/ipc/internal/manager_local.h"
#include "modules/ipc/internal/manager_wire.h"
#include "modules/ipc/manager.grpc.pb.h"

namespace conc::internal {
namespace {

using managerpb::Op;
using managerpb::OpKind;
using managerpb::Result;
using Clock = std::chrono::steady_clock;

enum class Kind { kDict, kList, kNamespace, kQueue, kLock, kEvent, kValue };

constexpr std::pair<std::string_view, Kind> kKindNames[] = {
    {"dict", Kind::kDict},   {"list", Kind::kList},   {"Namespace", Kind::kNamespace},
    {"Queue", Kind::kQueue}, {"Lock", Kind::kLock},   {"Event", Kind::kEvent},
    {"Value", Kind::kValue},
};

std::string_view KindNameView(Kind kind) {
  for (const auto& [name, k] : kKindNames) {
    if (k == kind) return name;
  }
  return "?";
}

std::string KindName(Kind kind) { return std::string(KindNameView(kind)); }

// A dict that remembers insertion order, as Python's does.
struct OrderedMap {
  std::list<std::pair<std::string, std::string>> entries;
  std::unordered_map<std::string, std::list<std::pair<std::string, std::string>>::iterator> index;

  const std::string* Find(const std::string& key) const {
    auto it = index.find(key);
    return it == index.end() ? nullptr : &it->second->second;
  }
  void Set(const std::string& key, const std::string& value) {
    auto it = index.find(key);
    if (it != index.end()) {
      it->second->second = value;  // Python keeps the original position.
      return;
    }
    entries.emplace_back(key, value);
    index.emplace(key, std::prev(entries.end()));
  }
  bool Erase(const std::string& key, std::string* value) {
    auto it = index.find(key);
    if (it == index.end()) return false;
    if (value != nullptr) *value = std::move(it->second->second);
    entries.erase(it->second);
    index.erase(it);
    return true;
  }
  void Clear() {
    entries.clear();
    index.clear();
  }
};

struct Object {
  explicit Object(Kind k) : kind(k) {}
  const Kind kind;
  OrderedMap map;                  // dict, Namespace
  std::vector<std::string> list;   // list
  std::deque<std::string> queue;   // Queue
  int64_t maxsize = 0;             // Queue: <= 0 is unbounded, as Python.
  bool flag = false;               // Lock: locked; Event: set.
  std::string value;               // Value
};

Result Error(absl::StatusCode code, std::string message) {
  Result r;
  r.set_code(static_cast<int>(code));
  r.set_message(std::move(message));
  return r;
}

Result Ok() { return Result(); }

Result Number(int64_t n) {
  Result r;
  r.set_number(n);
  return r;
}

Result Bytes(std::string value) {
  Result r;
  r.set_value(std::move(value));
  return r;
}

// Python's index rule: negative counts from the end; out of range is IndexError.
bool NormalizeIndex(int64_t index, size_t size, size_t* out) {
  const int64_t n = static_cast<int64_t>(size);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return false;
  *out = static_cast<size_t>(index);
  return true;
}

// A gRPC call's deadline and cancellation, for the shared dispatch.
class GrpcCallContext final : public CallContext {
 public:
  explicit GrpcCallContext(grpc::ServerContext* context) : context_(context) {}
  absl::Time deadline() const override {
    const auto d = context_->deadline();
    if (d == std::chrono::system_clock::time_point::max()) return absl::InfiniteFuture();
    return absl::FromChrono(d);
  }
  bool cancelled() const override { return context_->IsCancelled(); }

 private:
  grpc::ServerContext* const context_;
};

// The objects and their operations (ManagerDispatch, shared by both
// transports), and the gRPC service on top of them.
class ManagerServiceImpl final : public managerpb::ManagerService::Service,
                                 public ManagerDispatch {
 public:
  explicit ManagerServiceImpl(std::string authkey)
      : authkey_(std::move(authkey)),
        server_nonce_(RandomBytes(kNonceBytes)),
        token_(ToHex(HmacSha256(authkey_, "call" + server_nonce_))) {}

  grpc::Status Challenge(grpc::ServerContext*, const managerpb::ChallengeRequest*,
                         managerpb::ChallengeReply* reply) override {
    reply->set_server_nonce(server_nonce_);
    return grpc::Status::OK;
  }

  grpc::Status Authenticate(grpc::ServerContext*, const managerpb::AuthenticateRequest* request,
                            managerpb::AuthenticateReply* reply) override {
    absl::StatusOr<std::string> digest =
        Authenticate(request->client_digest(), request->client_nonce());
    if (!digest.ok()) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, std::string(digest.status().message()));
    }
    reply->set_server_digest(*digest);
    return grpc::Status::OK;
  }

  grpc::Status Execute(grpc::ServerContext* context, const managerpb::ExecuteRequest* request,
                       managerpb::ExecuteReply* reply) override {
    if (!Authorized(context)) return Refused();
    Execute(*request, GrpcCallContext(context), reply);
    return grpc::Status::OK;
  }

  grpc::Status Shutdown(grpc::ServerContext* context, const managerpb::ShutdownRequest*,
                        managerpb::ShutdownReply*) override {
    if (!Authorized(context)) return Refused();
    RequestShutdown();
    return grpc::Status::OK;
  }

  // ManagerDispatch: what both transports call (the operations exist once).
  const std::string& server_nonce() const override { return server_nonce_; }

  absl::StatusOr<std::string> Authenticate(std::string_view client_digest,
                                           std::string_view client_nonce) const override {
    if (!ConstantTimeEquals(client_digest, HmacSha256(authkey_, "client" + server_nonce_))) {
      // Python's words (multiprocessing.connection.deliver_challenge).
      return absl::UnauthenticatedError("AuthenticationError: digest received was wrong");
    }
    return HmacSha256(authkey_, "server" + std::string(client_nonce));
  }

  void Execute(const managerpb::ExecuteRequest& request, const CallContext& context,
               managerpb::ExecuteReply* reply) override {
    internal::MutexLock lock(mu_);
    for (const Op& op : request.ops()) *reply->add_results() = Apply(op, context, lock);
  }

  void RequestShutdown() override {
    {
      internal::MutexLock lock(mu_);
      shutting_down_ = true;
    }
    changed_.notify_all();
  }

  // Blocks until a client has called Shutdown.
  void WaitForShutdown() {
    internal::MutexLock lock(mu_);
    changed_.wait(lock.native(), [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return shutting_down_; });
  }

 private:
  bool Authorized(grpc::ServerContext* context) const {
    const auto& metadata = context->client_metadata();
    auto it = metadata.find(grpc::string_ref(kTokenMetadata.data(), kTokenMetadata.size()));
    if (it == metadata.end()) return false;
    return ConstantTimeEquals(std::string_view(it->second.data(), it->second.size()), token_);
  }

  static grpc::Status Refused() {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "AuthenticationError: missing or wrong call token");
  }

  // Waits until `ready()` or the op's timeout, whichever first; never past the
  // call's own deadline (less a margin, so the reply reaches the client before
  // it gives up), and never once the client has gone or the server is shutting
  // down. Wakes every 100 ms to notice a cancelled call: gRPC does not signal
  // our condition variable when a client disappears.
  template <typename Ready>
  Result WaitFor(internal::MutexLock& lock, const CallContext& context,
                 int64_t timeout_us, std::string_view what, Ready ready)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    // Any int64 may arrive (INT64_MAX included): absl::Duration arithmetic and
    // Deadline::FromTimeout saturate, where `now + microseconds(timeout_us)`
    // overflowed. A timeout past ~292 years is forever; negative polls once.
    absl::Duration wait = absl::Microseconds(timeout_us);
    const absl::Time call_deadline = context.deadline();
    if (call_deadline != absl::InfiniteFuture()) {
      wait = std::min(wait, call_deadline - absl::Now() - absl::Milliseconds(50));
    }
    const Deadline deadline = Deadline::FromTimeout(wait);
    while (!ready()) {
      if (shutting_down_) return Error(absl::StatusCode::kUnavailable, "manager is shutting down");
      if (context.cancelled()) return Error(absl::StatusCode::kCancelled, "call cancelled");
      if (deadline.expired()) {
        return Error(absl::StatusCode::kDeadlineExceeded, std::string(what));
      }
      // now() + 100 ms cannot overflow: the steady clock counts from boot.
      changed_.wait_until(lock.native(), std::min(deadline.to_steady_time_point(),
                                         Clock::now() + std::chrono::milliseconds(100)));
    }
    return Ok();
  }

  // A stored proxy being rebuilt: the object must exist and be of the kind
  // asked for. Never creates (a forged reference names nothing new).
  Result Attach(const Op& op) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = objects_.find(op.object());
    if (it == objects_.end()) {
      return Error(absl::StatusCode::kNotFound, "no object '" + op.object() + "' in the manager");
    }
    if (KindNameView(it->second->kind) != op.key()) {
      return Error(absl::StatusCode::kInvalidArgument,
                   absl::StrCat("TypeError: '", op.object(), "' is a ", KindName(it->second->kind),
                                ", not a ", op.key()));
    }
    return Bytes(op.object());
  }

  Result Create(const Op& op) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::optional<Kind> kind;
    for (const auto& [name, k] : kKindNames) {
      if (name == op.key()) kind = k;
    }
    if (!kind) return Error(absl::StatusCode::kInvalidArgument, "unknown object kind '" + op.key() + "'");
    std::string id = op.object();
    if (id.empty()) {
      id = absl::StrCat("#", ++next_id_);
    } else if (auto it = objects_.find(id); it != objects_.end()) {
      // Get-or-create: a second process asking for the same name shares it.
      if (it->second->kind != *kind) {
        return Error(absl::StatusCode::kInvalidArgument,
                     absl::StrCat("TypeError: '", id, "' is a ", KindName(it->second->kind),
                                  ", not a ", KindName(*kind)));
      }
      return Bytes(id);
    } else if (absl::StartsWith(id, "#")) {
      return Error(absl::StatusCode::kNotFound, "no object '" + id + "' in the manager");
    }
    auto object = std::make_unique<Object>(*kind);
    object->value = op.value();
    object->maxsize = op.index();
    objects_.emplace(id, std::move(object));
    return Bytes(id);
  }

  Result Apply(const Op& op, const CallContext& context, internal::MutexLock& lock)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (op.kind() == managerpb::CREATE) return Create(op);
    if (op.kind() == managerpb::ATTACH) return Attach(op);
    auto it = objects_.find(op.object());
    if (it == objects_.end()) {
      return Error(absl::StatusCode::kNotFound, "no object '" + op.object() + "' in the manager");
    }
    Object& o = *it->second;
    switch (o.kind) {
      case Kind::kDict:
      case Kind::kNamespace:
        return ApplyMap(op, o);
      case Kind::kList:
        return ApplyList(op, o);
      case Kind::kQueue:
        return ApplyQueue(op, o, context, lock);
      case Kind::kLock:
        return ApplyLock(op, o, context, lock);
      case Kind::kEvent:
        return ApplyEvent(op, o, context, lock);
      case Kind::kValue:
        if (op.kind() == managerpb::GET) return Bytes(o.value);
        if (op.kind() == managerpb::SET) {
          o.value = op.value();
          return Ok();
        }
        break;
    }
    return Unsupported(op, o);
  }

  static Result Unsupported(const Op& op, const Object& o) {
    return Error(absl::StatusCode::kInvalidArgument,
                 absl::StrCat("a ", KindName(o.kind), " has no operation ",
                              managerpb::OpKind_Name(op.kind())));
  }

  static Result Missing(const Op& op, const Object& o) {
    if (o.kind == Kind::kNamespace) {
      return Error(absl::StatusCode::kNotFound,
                   "AttributeError: 'Namespace' object has no attribute '" + op.key() + "'");
    }
    return Error(absl::StatusCode::kNotFound, "KeyError: key not in dict");
  }

  static Result ApplyMap(const Op& op, Object& o) {
    OrderedMap& m = o.map;
    const bool is_dict = o.kind == Kind::kDict;
    switch (op.kind()) {
      case managerpb::GET: {
        if (const std::string* v = m.Find(op.key())) return Bytes(*v);
        if (op.has_default()) return Bytes(op.value());
        return Missing(op, o);
      }
      case managerpb::SET:
        m.Set(op.key(), op.value());
        return Ok();
      case managerpb::DEL:
        if (!m.Erase(op.key(), nullptr)) return Missing(op, o);
        return Ok();
      case managerpb::CONTAINS:
        return Number(m.Find(op.key()) != nullptr ? 1 : 0);
      case managerpb::KEYS: {
        Result r;
        for (const auto& [k, v] : m.entries) r.add_items(k);
        return r;
      }
      default:
        break;
    }
    if (!is_dict) return Unsupported(op, o);
    switch (op.kind()) {
      case managerpb::POP: {
        std::string value;
        if (m.Erase(op.key(), &value)) return Bytes(std::move(value));
        if (op.has_default()) return Bytes(op.value());
        return Missing(op, o);
      }
      case managerpb::LEN:
        return Number(static_cast<int64_t>(m.entries.size()));
      case managerpb::VALUES: {
        Result r;
        for (const auto& [k, v] : m.entries) r.add_items(v);
        return r;
      }
      case managerpb::ITEMS: {
        Result r;
        for (const auto& [k, v] : m.entries) {
          r.add_items(k);
          r.add_items(v);
        }
        return r;
      }
      case managerpb::UPDATE:
        if (op.items_size() % 2 != 0) {
          return Error(absl::StatusCode::kInvalidArgument, "update: odd number of items");
        }
        for (int i = 0; i < op.items_size(); i += 2) m.Set(op.items(i), op.items(i + 1));
        return Ok();
      case managerpb::CLEAR:
        m.Clear();
        return Ok();
      case managerpb::GET_MANY: {
        Result r;
        for (const std::string& key : op.items()) {
          const std::string* v = m.Find(key);
          r.add_items(v != nullptr ? *v : std::string());
          r.add_found(v != nullptr);
        }
        return r;
      }
      default:
        return Unsupported(op, o);
    }
  }

  static Result ApplyList(const Op& op, Object& o) {
    std::vector<std::string>& l = o.list;
    size_t i = 0;
    switch (op.kind()) {
      case managerpb::GET:
        if (!NormalizeIndex(op.index(), l.size(), &i)) {
          return Error(absl::StatusCode::kOutOfRange, "IndexError: list index out of range");
        }
        return Bytes(l[i]);
      case managerpb::SET:
        if (!NormalizeIndex(op.index(), l.size(), &i)) {
          return Error(absl::StatusCode::kOutOfRange,
                       "IndexError: list assignment index out of range");
        }
        l[i] = op.value();
        return Ok();
      case managerpb::DEL:
        if (!NormalizeIndex(op.index(), l.size(), &i)) {
          return Error(absl::StatusCode::kOutOfRange,
                       "IndexError: list assignment index out of range");
        }
        l.erase(l.begin() + static_cast<ptrdiff_t>(i));
        return Ok();
      case managerpb::POP: {
        if (l.empty()) return Error(absl::StatusCode::kOutOfRange, "IndexError: pop from empty list");
        if (!NormalizeIndex(op.index(), l.size(), &i)) {
          return Error(absl::StatusCode::kOutOfRange, "IndexError: pop index out of range");
        }
        std::string value = std::move(l[i]);
        l.erase(l.begin() + static_cast<ptrdiff_t>(i));
        return Bytes(std::move(value));
      }
      case managerpb::LEN:
        return Number(static_cast<int64_t>(l.size()));
      case managerpb::APPEND:
        l.push_back(op.value());
        return Ok();
      case managerpb::EXTEND:
        l.insert(l.end(), op.items().begin(), op.items().end());
        return Ok();
      case managerpb::INSERT: {
        // Python clamps: insert(-100, x) on a short list inserts at the front.
        const int64_t n = static_cast<int64_t>(l.size());
        int64_t at = op.index() < 0 ? op.index() + n : op.index();
        at = std::clamp<int64_t>(at, 0, n);
        l.insert(l.begin() + at, op.value());
        return Ok();
      }
      case managerpb::CLEAR:
        l.clear();
        return Ok();
      case managerpb::VALUES: {
        Result r;
        for (const std::string& v : l) r.add_items(v);
        return r;
      }
      default:
        return Unsupported(op, o);
    }
  }

  Result ApplyQueue(const Op& op, Object& o, const CallContext& context,
                    internal::MutexLock& lock) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    switch (op.kind()) {
      case managerpb::PUT: {
        Result waited = WaitFor(lock, context, op.timeout_us(), "queue.Full: Queue.put timed out",
                                [&] { return o.maxsize <= 0 || static_cast<int64_t>(o.queue.size()) < o.maxsize; });
        if (waited.code() != 0) return waited;
        o.queue.push_back(op.value());
        changed_.notify_all();
        return Ok();
      }
      case managerpb::TAKE: {
        Result waited = WaitFor(lock, context, op.timeout_us(), "queue.Empty: Queue.get timed out",
                                [&] { return !o.queue.empty(); });
        if (waited.code() != 0) return waited;
        std::string value = std::move(o.queue.front());
        o.queue.pop_front();
        changed_.notify_all();
        return Bytes(std::move(value));
      }
      case managerpb::LEN:
        return Number(static_cast<int64_t>(o.queue.size()));
      case managerpb::QUEUE_FULL:
        return Number(o.maxsize > 0 && static_cast<int64_t>(o.queue.size()) >= o.maxsize ? 1 : 0);
      default:
        return Unsupported(op, o);
    }
  }

  Result ApplyLock(const Op& op, Object& o, const CallContext& context,
                   internal::MutexLock& lock) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    switch (op.kind()) {
      case managerpb::ACQUIRE: {
        Result waited = WaitFor(lock, context, op.timeout_us(), "Lock.acquire timed out",
                                [&] { return !o.flag; });
        if (waited.code() == static_cast<int>(absl::StatusCode::kDeadlineExceeded)) {
          return Number(0);  // Python returns False.
        }
        if (waited.code() != 0) return waited;
        o.flag = true;
        return Number(1);
      }
      case managerpb::RELEASE:
        if (!o.flag) {
          return Error(absl::StatusCode::kFailedPrecondition,
                       "RuntimeError: release unlocked lock");
        }
        o.flag = false;
        changed_.notify_all();
        return Ok();
      default:
        return Unsupported(op, o);
    }
  }

  Result ApplyEvent(const Op& op, Object& o, const CallContext& context,
                    internal::MutexLock& lock) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    switch (op.kind()) {
      case managerpb::EVENT_SET:
        o.flag = true;
        changed_.notify_all();
        return Ok();
      case managerpb::EVENT_CLEAR:
        o.flag = false;
        return Ok();
      case managerpb::EVENT_IS_SET:
        return Number(o.flag ? 1 : 0);
      case managerpb::EVENT_WAIT: {
        Result waited = WaitFor(lock, context, op.timeout_us(), "Event.wait timed out",
                                [&] { return o.flag; });
        if (waited.code() == static_cast<int>(absl::StatusCode::kDeadlineExceeded)) {
          return Number(0);  // Python returns False.
        }
        if (waited.code() != 0) return waited;
        return Number(1);
      }
      default:
        return Unsupported(op, o);
    }
  }

  const std::string authkey_;
  const std::string server_nonce_;
  const std::string token_;

  internal::Mutex mu_;
  // Signalled on every change a blocked call may wait for (queue put/get, lock
  // release, event set) and on shutdown. One condition for all objects: waiters
  // re-check their own predicate, which is cheap at a manager's scale.
  std::condition_variable changed_;
  std::map<std::string, std::unique_ptr<Object>> objects_ ABSL_GUARDED_BY(mu_);
  int64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

absl::Status RunManagerServer(const std::string& address, const std::string& authkey,
                              const std::function<void(absl::StatusOr<std::string>)>& on_bound) {
  ManagerServiceImpl service(authkey);
  // A published address ("GRPC#local=HOST/NAME") names the gRPC target first;
  // this server gets a same-host socket of its own, whatever the old one was.
  const std::string grpc_address = ParseManagerAddress(address).grpc;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(grpc_address, grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  // The minimal filter stack saves CPU per call. It drops the server's deadline
  // filter, which is fine here: WaitFor bounds every wait by the call's deadline
  // itself, and the other ops never block.
  builder.AddChannelArgument(GRPC_ARG_MINIMAL_STACK, 1);
  // gRPC's default sync-server pollers. One poller and one completion queue
  // (NUM_CQS = MIN_POLLERS = MAX_POLLERS = 1) made a call 2-5x slower (every
  // request handed off between threads); 2-4 pollers changed nothing measurable.
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    absl::Status status =
        absl::UnavailableError("manager: cannot listen on '" + grpc_address + "'");
    on_bound(status);
    return status;
  }
  ManagerAddress bound;
  bound.grpc = grpc_address;
  if (!absl::StartsWith(grpc_address, "unix")) {
    // HOST:PORT (or [v6]:PORT): report the port the kernel chose.
    bound.grpc = grpc_address.substr(0, grpc_address.rfind(':') + 1) + std::to_string(port);
  }
  // The same-host transport (manager_local.h): a fresh abstract socket; the
  // random part keeps another user from guessing and squatting it.
  const std::string local_name =
      absl::StrCat("conc-manager-local-", getpid(), "-", ToHex(RandomBytes(8)));
  absl::StatusOr<std::unique_ptr<LocalManagerServer>> local =
      LocalManagerServer::Listen(local_name, &service);
  if (!local.ok()) {
    server->Shutdown(std::chrono::system_clock::now());
    server->Wait();
    on_bound(local.status());
    return local.status();
  }
  bound.local_host = LocalHostName();
  bound.local_name = local_name;
  on_bound(FormatManagerAddress(bound));
  service.WaitForShutdown();
  // Blocked ops have been woken (shutting_down_); stop the same-host side
  // first (joins its threads), then gRPC.
  local->reset();
  // Cancel whatever is still running at once: blocked calls have already been
  // woken by WaitFor's shutting_down_ check, and a grace period only made gRPC
  // wait it out in full (the Shutdown call itself counts as in flight). The
  // caller of Shutdown may therefore see its own call cancelled, which
  // Manager::shutdown ignores: it waits for the process to exit instead.
  server->Shutdown(std::chrono::system_clock::now());
  server->Wait();
  return absl::OkStatus();
}

void ManagerServerMain(int report_fd, std::string address, std::string authkey) {
  FileDescriptor report(report_fd);
  absl::Status status = RunManagerServer(address, authkey, [&](absl::StatusOr<std::string> bound) {
    const std::string message = bound.ok() ? *bound : "!" + bound.status().ToString();
    (void)WriteFull(report.get(), std::as_bytes(std::span(message.data(), message.size())));
    report.reset();  // EOF tells the parent the whole address has arrived.
  });
  // _exit, not exit: gRPC's background threads may still run, and static
  // destructors racing them is a crash (or a sanitizer report) waiting to
  // happen. Nothing of ours needs flushing.
  std::fflush(nullptr);
  _exit(status.ok() ? 0 : 1);
}

}  // namespace conc::internal
