// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// manager_proxies.h: the proxies of conc::Manager (manager.h): DictProxy,
// ListProxy, NamespaceProxy, QueueProxy, LockProxy, EventProxy, ValueProxy.
//
// A proxy names one object held by a manager's server process; every method is
// one round trip to that process (over the same-host socket, or gRPC from
// another host; see manager.h, TRANSPORTS, and modules/ipc/doc/performance.md
// for what each costs), so prefer the batched calls (`get_many`,
// `update`, `extend`, `items`) when moving many items. Keys and values travel
// in conc's codec (codec.h); the server keeps the bytes and never decodes them,
// so two proxies of different types on the same object see each other's bytes:
// decoding the wrong type is DataLoss, as everywhere in conc.
//
//   Python                          C++
//   d[k]; d.get(k, dflt)            d.get(k); d.get(k, dflt)          StatusOr<V>
//   d[k] = v; del d[k]; k in d      d.set(k, v); d.del(k); d.contains(k)
//   d.update(...); d.pop(k[, x])    d.update({{k, v}, ...}); d.pop(k[, x])
//   d.keys(), values(), items()     same names (std::vector)
//   len(d)                          d.len()
//   l.append(x); l.extend(xs)       l.append(x); l.extend(xs)
//   l[i]; l[i] = x; l.pop([i])      l.get(i); l.set(i, x); l.pop([i])   (i < 0 from the end)
//   ns.x; ns.x = 1                  ns.get<int>("x"); ns.set("x", 1)
//   q.put(x, timeout=t); q.get()    q.put(x, t); q.get()
//   lock.acquire(timeout=t)         lock.acquire(t)                    StatusOr<bool>
//   e.set(); e.wait(t)              e.set(); e.wait(t)                 StatusOr<bool>
//   v.value; v.value = x            v.get(); v.set(x)
//   d["evens"] = m.list()           m.dict<std::string, conc::ListProxy<int>>() holds proxies:
//   d["evens"].append(2)            d.set("evens", *m.list<int>()); d.get("evens")->append(2)
//
// Proxies inside proxies: a DictProxy's values and a ListProxy's items may be
// proxies of the same manager (any kind: ListProxy<int>, DictProxy<K, V>,
// QueueProxy<T>, ...). A stored proxy travels as a reference to its object
// (its id), as Python pickles a proxy as its token; reading one back makes one
// round trip in which the server checks that the object exists and is of the
// kind asked for (NotFound / InvalidArgument otherwise, never a proxy on the
// wrong object), as Python's RebuildProxy makes one. A proxy of another manager
// cannot be stored (InvalidArgument). Lifetime: every object lives until the
// manager shuts down, so a stored reference never dangles; Python instead
// counts references across processes and frees an object nobody refers to.
//
// Errors (Python's exception → code; modules/common/status.h has no rows for
// the first three yet, so the manager fixes them here):
//   KeyError (missing key), AttributeError (missing attribute)  NotFound
//   IndexError (list index out of range, pop from empty list)   OutOfRange
//   AuthenticationError (wrong authkey)                         Unauthenticated
//   queue.Empty / queue.Full after the timeout                  DeadlineExceeded
//   releasing an unlocked Lock (RuntimeError)                   FailedPrecondition
//   the manager is gone, or did not answer within the deadline  Unavailable
//   bytes that do not decode as the requested type              DataLoss
//   an op the object does not have (a dict proxy on a list)     InvalidArgument
//
// Timeouts follow the project's convention (modules/common/timeout.h):
// nullopt waits forever, zero or negative polls once (Python's queue.get
// raises ValueError on a negative timeout; conc polls), and a timeout too
// large for the clock (beyond ~292 years, e.g. 1000 years) is forever, never
// an overflow. A wait forever is sent in slices of one call timeout (see
// internal/manager_client.h).
//
// Where it differs from Python: an operation's errors are statuses; the
// objects live until the manager shuts down (no reference counting across
// processes); a proxy is passed to another process as its `id()` plus the
// manager's address and authkey (Manager::connect, then e.g. `m.dict<K,V>(id)`)
// instead of being pickled.
//
// Thread-safety: a proxy may be used from several threads at once; each call is
// atomic on the server (one lock guards all objects), but a sequence of calls
// is not: `d.set(k, *d.get(k) + 1)` from two processes loses updates unless a
// manager Lock is held around it (the chapter's lesson).

#ifndef MODULES_IPC_MANAGER_PROXIES_H_
#define MODULES_IPC_MANAGER_PROXIES_H_

#include <concepts>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "modules/common/codec.h"
#include "modules/common/internal/mutex.h"
#include "modules/common/timeout.h"
#include "modules/ipc/internal/manager_client.h"
#include "modules/ipc/manager.pb.h"

namespace conc {

class Manager;

namespace internal {

// Decodes a result's bytes as T, with the operation in the error message.
template <Encodable T>
absl::StatusOr<T> DecodeManagerValue(const std::string& bytes, std::string_view what) {
  absl::StatusOr<T> value = Decode<T>(bytes);
  if (!value.ok()) {
    return absl::DataLossError(
        absl::StrCat(std::string(what), ": the stored value is not of the requested type: ",
                     value.status().message()));
  }
  return value;
}

template <Encodable T>
absl::StatusOr<std::vector<T>> DecodeManagerItems(
    const google::protobuf::RepeatedPtrField<std::string>& items, std::string_view what) {
  std::vector<T> out;
  out.reserve(static_cast<size_t>(items.size()));
  for (const std::string& bytes : items) {
    absl::StatusOr<T> v = DecodeManagerValue<T>(bytes, what);
    if (!v.ok()) return v.status();
    out.push_back(*std::move(v));
  }
  return out;
}

}  // namespace internal

// What every proxy has: the object's id and the connection to its manager.
namespace internal {
struct ProxyAccess;
}  // namespace internal

class BaseProxy {
 public:
  // The object's id in its manager: what another process passes to the
  // manager's factory (`m.dict<K, V>(id)`) to reach the same object.
  const std::string& id() const { return id_; }
  // The manager's address.
  const std::string& address() const { return client_->address(); }

 protected:
  BaseProxy(std::shared_ptr<internal::ManagerClient> client, std::string id)
      : client_(std::move(client)), id_(std::move(id)) {}

  managerpb::Op NewOp(managerpb::OpKind kind) const {
    managerpb::Op op;
    op.set_kind(kind);
    op.set_object(id_);
    return op;
  }
  absl::StatusOr<managerpb::Result> Call(managerpb::Op op) const {
    return client_->Call(std::move(op));
  }
  absl::StatusOr<managerpb::Result> CallBlocking(managerpb::Op op,
                                                 std::optional<absl::Duration> timeout) const {
    return client_->CallBlocking(std::move(op), timeout);
  }
  absl::Status CallStatus(managerpb::Op op) const { return Call(std::move(op)).status(); }
  absl::StatusOr<int64_t> CallNumber(managerpb::Op op) const {
    absl::StatusOr<managerpb::Result> r = Call(std::move(op));
    if (!r.ok()) return r.status();
    return r->number();
  }

  friend struct internal::ProxyAccess;
  std::shared_ptr<internal::ManagerClient> client_;  // Never null.
  std::string id_;
};

// A proxy of this manager: what a DictProxy or ListProxy can hold as a value
// (Python: `d["evens"] = m.list()`).
template <class T>
concept ManagerProxy = std::derived_from<T, BaseProxy> && requires { T::kKind; };
// What a dict or list proxy can hold: an encodable value, or a proxy.
template <class T>
concept Storable = Encodable<T> || ManagerProxy<T>;

namespace internal {

// A stored proxy travels as this tag and the object's id (Python pickles a
// proxy as its token: the id, the address and the type).
inline constexpr std::string_view kStoredProxyTag = "conc.proxy";

struct ProxyAccess {
  template <class P>
  static P Make(std::shared_ptr<ManagerClient> client, std::string id) {
    return P(std::move(client), std::move(id));
  }
  static const std::shared_ptr<ManagerClient>& Client(const BaseProxy& p) { return p.client_; }
};

// Encodes `value` for storing in `into`'s object. A proxy must belong to the
// same manager: InvalidArgument otherwise (its id would name nothing there).
template <Storable T>
absl::Status EncodeStored(const T& value, const BaseProxy& into, std::string* out) {
  if constexpr (ManagerProxy<T>) {
    if (value.address() != into.address()) {
      return absl::InvalidArgumentError(
          absl::StrCat("a proxy of the manager at ", value.address(),
                       " cannot be stored in an object of the manager at ", into.address()));
    }
    EncodeTo(std::tuple<std::string, std::string>(std::string(kStoredProxyTag), value.id()), out);
  } else {
    EncodeTo(value, out);
  }
  return absl::OkStatus();
}

// Decodes a stored value as T. For a proxy, one round trip (as Python's
// RebuildProxy makes one): the server checks that the id names an object and
// that it is of T's kind, so a forged or stale reference is NotFound ("no
// object") or InvalidArgument ("TypeError: '#3' is a dict, not a list"), never
// a proxy on the wrong object.
template <Storable T>
absl::StatusOr<T> DecodeStored(const std::string& bytes, std::string_view what,
                               const std::shared_ptr<ManagerClient>& client) {
  if constexpr (ManagerProxy<T>) {
    absl::StatusOr<std::tuple<std::string, std::string>> ref =
        DecodeManagerValue<std::tuple<std::string, std::string>>(bytes, what);
    if (!ref.ok() || std::get<0>(*ref) != kStoredProxyTag) {
      return absl::DataLossError(absl::StrCat(std::string(what), ": the stored value is not a proxy"));
    }
    managerpb::Op op;
    op.set_kind(managerpb::ATTACH);
    op.set_key(std::string(T::kKind));
    op.set_object(std::get<1>(*ref));
    absl::StatusOr<managerpb::Result> r = client->Call(std::move(op));
    if (!r.ok()) return r.status();
    return ProxyAccess::Make<T>(client, std::get<1>(std::move(*ref)));
  } else {
    return DecodeManagerValue<T>(bytes, what);
  }
}

template <Storable T>
absl::StatusOr<std::vector<T>> DecodeStoredItems(
    const google::protobuf::RepeatedPtrField<std::string>& items, std::string_view what,
    const std::shared_ptr<ManagerClient>& client) {
  std::vector<T> out;
  out.reserve(static_cast<size_t>(items.size()));
  for (const std::string& bytes : items) {
    absl::StatusOr<T> v = DecodeStored<T>(bytes, what, client);
    if (!v.ok()) return v.status();
    out.push_back(*std::move(v));
  }
  return out;
}

}  // namespace internal

// A dict in the manager: Python's DictProxy (`manager.dict()`).
//
//   absl::StatusOr<conc::DictProxy<std::string, int>> d = m.dict<std::string, int>();
//   absl::Status s = d->set("a", 1);
//   absl::StatusOr<int> a = d->get("a");              // 1
//   absl::StatusOr<int> b = d->get("b");              // NotFound (KeyError)
//   absl::StatusOr<int> c = d->get("b", 0);           // 0
template <Encodable K, Storable V>
class DictProxy : public BaseProxy {
 public:
  // The manager kind this proxy names (what a stored proxy is checked against).
  static constexpr std::string_view kKind = "dict";

  // d[key]: NotFound (KeyError) if absent.
  [[nodiscard]] absl::StatusOr<V> get(const K& key) const {
    managerpb::Op op = NewOp(managerpb::GET);
    op.set_key(Encode(key));
    return Value(std::move(op), "dict get");
  }
  // d.get(key, default_value).
  [[nodiscard]] absl::StatusOr<V> get(const K& key, const V& default_value) const {
    managerpb::Op op = NewOp(managerpb::GET);
    op.set_key(Encode(key));
    op.set_has_default(true);
    if (absl::Status s = internal::EncodeStored(default_value, *this, op.mutable_value()); !s.ok()) return s;
    return Value(std::move(op), "dict get");
  }
  // Batched d.get(key) for every key, in one round trip: nullopt where absent.
  [[nodiscard]] absl::StatusOr<std::vector<std::optional<V>>> get_many(
      const std::vector<K>& keys) const {
    managerpb::Op op = NewOp(managerpb::GET_MANY);
    for (const K& key : keys) EncodeTo(key, op.add_items());
    absl::StatusOr<managerpb::Result> r = Call(std::move(op));
    if (!r.ok()) return r.status();
    std::vector<std::optional<V>> out(keys.size());
    for (int i = 0; i < r->items_size() && i < r->found_size(); ++i) {
      if (!r->found(i)) continue;
      absl::StatusOr<V> v = internal::DecodeStored<V>(r->items(i), "dict get_many", client_);
      if (!v.ok()) return v.status();
      out[static_cast<size_t>(i)] = *std::move(v);
    }
    return out;
  }
  // d[key] = value.
  [[nodiscard]] absl::Status set(const K& key, const V& value) const {
    managerpb::Op op = NewOp(managerpb::SET);
    op.set_key(Encode(key));
    if (absl::Status s = internal::EncodeStored(value, *this, op.mutable_value()); !s.ok()) return s;
    return CallStatus(std::move(op));
  }
  // d.update(items), one round trip for all of them, applied in order.
  [[nodiscard]] absl::Status update(const std::vector<std::pair<K, V>>& items) const {
    managerpb::Op op = NewOp(managerpb::UPDATE);
    for (const auto& [k, v] : items) {
      EncodeTo(k, op.add_items());
      if (absl::Status s = internal::EncodeStored(v, *this, op.add_items()); !s.ok()) return s;
    }
    return CallStatus(std::move(op));
  }
  // del d[key]: NotFound (KeyError) if absent.
  [[nodiscard]] absl::Status del(const K& key) const {
    managerpb::Op op = NewOp(managerpb::DEL);
    op.set_key(Encode(key));
    return CallStatus(std::move(op));
  }
  // d.pop(key): NotFound (KeyError) if absent. d.pop(key, default_value).
  [[nodiscard]] absl::StatusOr<V> pop(const K& key) const {
    managerpb::Op op = NewOp(managerpb::POP);
    op.set_key(Encode(key));
    return Value(std::move(op), "dict pop");
  }
  [[nodiscard]] absl::StatusOr<V> pop(const K& key, const V& default_value) const {
    managerpb::Op op = NewOp(managerpb::POP);
    op.set_key(Encode(key));
    op.set_has_default(true);
    if (absl::Status s = internal::EncodeStored(default_value, *this, op.mutable_value()); !s.ok()) return s;
    return Value(std::move(op), "dict pop");
  }
  // key in d.
  [[nodiscard]] absl::StatusOr<bool> contains(const K& key) const {
    managerpb::Op op = NewOp(managerpb::CONTAINS);
    op.set_key(Encode(key));
    absl::StatusOr<int64_t> n = CallNumber(std::move(op));
    if (!n.ok()) return n.status();
    return *n != 0;
  }
  // len(d).
  [[nodiscard]] absl::StatusOr<size_t> len() const {
    absl::StatusOr<int64_t> n = CallNumber(NewOp(managerpb::LEN));
    if (!n.ok()) return n.status();
    return static_cast<size_t>(*n);
  }
  // d.clear().
  [[nodiscard]] absl::Status clear() const { return CallStatus(NewOp(managerpb::CLEAR)); }
  // list(d.keys()), list(d.values()), list(d.items()): insertion order, as Python.
  [[nodiscard]] absl::StatusOr<std::vector<K>> keys() const {
    absl::StatusOr<managerpb::Result> r = Call(NewOp(managerpb::KEYS));
    if (!r.ok()) return r.status();
    return internal::DecodeManagerItems<K>(r->items(), "dict keys");
  }
  [[nodiscard]] absl::StatusOr<std::vector<V>> values() const {
    absl::StatusOr<managerpb::Result> r = Call(NewOp(managerpb::VALUES));
    if (!r.ok()) return r.status();
    return internal::DecodeStoredItems<V>(r->items(), "dict values", client_);
  }
  [[nodiscard]] absl::StatusOr<std::vector<std::pair<K, V>>> items() const {
    absl::StatusOr<managerpb::Result> r = Call(NewOp(managerpb::ITEMS));
    if (!r.ok()) return r.status();
    std::vector<std::pair<K, V>> out;
    for (int i = 0; i + 1 < r->items_size(); i += 2) {
      absl::StatusOr<K> k = internal::DecodeManagerValue<K>(r->items(i), "dict items");
      if (!k.ok()) return k.status();
      absl::StatusOr<V> v = internal::DecodeStored<V>(r->items(i + 1), "dict items", client_);
      if (!v.ok()) return v.status();
      out.emplace_back(*std::move(k), *std::move(v));
    }
    return out;
  }

 private:
  friend class Manager;
  friend struct internal::ProxyAccess;
  using BaseProxy::BaseProxy;

  absl::StatusOr<V> Value(managerpb::Op op, std::string_view what) const {
    absl::StatusOr<managerpb::Result> r = Call(std::move(op));
    if (!r.ok()) return r.status();
    return internal::DecodeStored<V>(r->value(), what, client_);
  }
};

// A list in the manager: Python's ListProxy (`manager.list()`). Indices follow
// Python: negative counts from the end; out of range is OutOfRange (IndexError).
//
//   absl::StatusOr<conc::ListProxy<int>> l = m.list<int>();
//   absl::Status s = l->append(1);
//   absl::StatusOr<int> last = l->get(-1);            // 1
template <Storable T>
class ListProxy : public BaseProxy {
 public:
  // The manager kind this proxy names (what a stored proxy is checked against).
  static constexpr std::string_view kKind = "list";

  // l.append(x).
  [[nodiscard]] absl::Status append(const T& item) const {
    managerpb::Op op = NewOp(managerpb::APPEND);
    if (absl::Status s = internal::EncodeStored(item, *this, op.mutable_value()); !s.ok()) return s;
    return CallStatus(std::move(op));
  }
  // l.extend(items): one round trip.
  [[nodiscard]] absl::Status extend(const std::vector<T>& items) const {
    managerpb::Op op = NewOp(managerpb::EXTEND);
    for (const T& item : items) {
      if (absl::Status s = internal::EncodeStored(item, *this, op.add_items()); !s.ok()) return s;
    }
    return CallStatus(std::move(op));
  }
  // l.insert(index, x): the index is clamped, as Python.
  [[nodiscard]] absl::Status insert(int64_t index, const T& item) const {
    managerpb::Op op = NewOp(managerpb::INSERT);
    op.set_index(index);
    if (absl::Status s = internal::EncodeStored(item, *this, op.mutable_value()); !s.ok()) return s;
    return CallStatus(std::move(op));
  }
  // l[index].
  [[nodiscard]] absl::StatusOr<T> get(int64_t index) const {
    managerpb::Op op = NewOp(managerpb::GET);
    op.set_index(index);
    absl::StatusOr<managerpb::Result> r = Call(std::move(op));
    if (!r.ok()) return r.status();
    return internal::DecodeStored<T>(r->value(), "list get", client_);
  }
  // l[index] = x.
  [[nodiscard]] absl::Status set(int64_t index, const T& item) const {
    managerpb::Op op = NewOp(managerpb::SET);
    op.set_index(index);
    if (absl::Status s = internal::EncodeStored(item, *this, op.mutable_value()); !s.ok()) return s;
    return CallStatus(std::move(op));
  }
  // del l[index].
  [[nodiscard]] absl::Status del(int64_t index) const {
    managerpb::Op op = NewOp(managerpb::DEL);
    op.set_index(index);
    return CallStatus(std::move(op));
  }
  // l.pop(index=-1).
  [[nodiscard]] absl::StatusOr<T> pop(int64_t index = -1) const {
    managerpb::Op op = NewOp(managerpb::POP);
    op.set_index(index);
    absl::StatusOr<managerpb::Result> r = Call(std::move(op));
    if (!r.ok()) return r.status();
    return internal::DecodeStored<T>(r->value(), "list pop", client_);
  }
  // len(l).
  [[nodiscard]] absl::StatusOr<size_t> len() const {
    absl::StatusOr<int64_t> n = CallNumber(NewOp(managerpb::LEN));
    if (!n.ok()) return n.status();
    return static_cast<size_t>(*n);
  }
  // l.clear().
  [[nodiscard]] absl::Status clear() const { return CallStatus(NewOp(managerpb::CLEAR)); }
  // l[:] (a copy of the whole list, one round trip).
  [[nodiscard]] absl::StatusOr<std::vector<T>> to_vector() const {
    absl::StatusOr<managerpb::Result> r = Call(NewOp(managerpb::VALUES));
    if (!r.ok()) return r.status();
    return internal::DecodeStoredItems<T>(r->items(), "list copy", client_);
  }

 private:
  friend class Manager;
  friend struct internal::ProxyAccess;
  using BaseProxy::BaseProxy;
};

// A Namespace in the manager: attributes by name, each of any encodable type
// (`manager.Namespace()`). A missing attribute is NotFound (AttributeError).
//
// As in Python, a name that starts with '_' is the proxy's own, not the
// manager's: it is stored in this proxy (and the copies made from it), never
// sent, never seen by other processes, and not listed by names().
//
//   absl::StatusOr<conc::NamespaceProxy> ns = m.Namespace();
//   absl::Status s = ns->set("workers", 4);
//   absl::StatusOr<int> w = ns->get<int>("workers");  // 4
//   s = ns->set("_cache", 1);                          // this process only
class NamespaceProxy : public BaseProxy {
 public:
  // The manager kind this proxy names (what a stored proxy is checked against).
  static constexpr std::string_view kKind = "Namespace";

  // ns.name.
  template <Encodable T>
  [[nodiscard]] absl::StatusOr<T> get(const std::string& name) const {
    if (IsLocal(name)) {
      internal::MutexLock lock(local_->mu);
      auto it = local_->attributes.find(name);
      if (it == local_->attributes.end()) return NoAttribute(name);
      return internal::DecodeManagerValue<T>(it->second, "Namespace." + name);
    }
    managerpb::Op op = NewOp(managerpb::GET);
    op.set_key(name);
    absl::StatusOr<managerpb::Result> r = Call(std::move(op));
    if (!r.ok()) return r.status();
    return internal::DecodeManagerValue<T>(r->value(), "Namespace." + name);
  }
  // ns.name = value.
  template <Encodable T>
  [[nodiscard]] absl::Status set(const std::string& name, const T& value) const {
    if (IsLocal(name)) {
      internal::MutexLock lock(local_->mu);
      local_->attributes[name] = Encode(value);
      return absl::OkStatus();
    }
    managerpb::Op op = NewOp(managerpb::SET);
    op.set_key(name);
    op.set_value(Encode(value));
    return CallStatus(std::move(op));
  }
  // hasattr(ns, name).
  [[nodiscard]] absl::StatusOr<bool> has(const std::string& name) const {
    if (IsLocal(name)) {
      internal::MutexLock lock(local_->mu);
      return local_->attributes.count(name) != 0;
    }
    managerpb::Op op = NewOp(managerpb::CONTAINS);
    op.set_key(name);
    absl::StatusOr<int64_t> n = CallNumber(std::move(op));
    if (!n.ok()) return n.status();
    return *n != 0;
  }
  // del ns.name.
  [[nodiscard]] absl::Status del(const std::string& name) const {
    if (IsLocal(name)) {
      internal::MutexLock lock(local_->mu);
      if (local_->attributes.erase(name) == 0) return NoAttribute(name);
      return absl::OkStatus();
    }
    managerpb::Op op = NewOp(managerpb::DEL);
    op.set_key(name);
    return CallStatus(std::move(op));
  }
  // The manager's attribute names, in the order they were first set
  // (Namespace's repr); the proxy's own '_' names are not among them.
  [[nodiscard]] absl::StatusOr<std::vector<std::string>> names() const {
    absl::StatusOr<managerpb::Result> r = Call(NewOp(managerpb::KEYS));
    if (!r.ok()) return r.status();
    return std::vector<std::string>(r->items().begin(), r->items().end());
  }

 private:
  friend class Manager;
  friend struct internal::ProxyAccess;
  using BaseProxy::BaseProxy;

  static bool IsLocal(const std::string& name) { return !name.empty() && name[0] == '_'; }
  static absl::Status NoAttribute(const std::string& name) {
    return absl::NotFoundError(
        absl::StrCat("AttributeError: 'NamespaceProxy' object has no attribute '", name, "'"));
  }

  // The '_' attributes: shared by the copies of one proxy, guarded for use
  // from several threads.
  struct Local {
    internal::Mutex mu;
    std::map<std::string, std::string> attributes ABSL_GUARDED_BY(mu);  // name -> encoded value
  };
  std::shared_ptr<Local> local_ = std::make_shared<Local>();
};

// A queue.Queue in the manager (`manager.Queue(maxsize)`). Timeouts follow the
// project's convention; an infinite wait is sent in slices (manager_client.h).
//
//   absl::StatusOr<conc::QueueProxy<std::string>> q = m.Queue<std::string>();
//   absl::Status s = q->put("job");
//   absl::StatusOr<std::string> job = q->get(absl::Seconds(1));
template <Encodable T>
class QueueProxy : public BaseProxy {
 public:
  // The manager kind this proxy names (what a stored proxy is checked against).
  static constexpr std::string_view kKind = "Queue";

  // q.put(item, timeout=timeout): DeadlineExceeded (queue.Full) if still full.
  [[nodiscard]] absl::Status put(const T& item,
                                 std::optional<absl::Duration> timeout = std::nullopt) const {
    managerpb::Op op = NewOp(managerpb::PUT);
    op.set_value(Encode(item));
    return CallBlocking(std::move(op), timeout).status();
  }
  // q.get(timeout=timeout): DeadlineExceeded (queue.Empty) if still empty.
  [[nodiscard]] absl::StatusOr<T> get(std::optional<absl::Duration> timeout = std::nullopt) const {
    absl::StatusOr<managerpb::Result> r = CallBlocking(NewOp(managerpb::TAKE), timeout);
    if (!r.ok()) return r.status();
    return internal::DecodeManagerValue<T>(r->value(), "Queue get");
  }
  // q.qsize().
  [[nodiscard]] absl::StatusOr<size_t> qsize() const {
    absl::StatusOr<int64_t> n = CallNumber(NewOp(managerpb::LEN));
    if (!n.ok()) return n.status();
    return static_cast<size_t>(*n);
  }
  // q.empty(): qsize() == 0, a snapshot (stale at once, as in Python).
  [[nodiscard]] absl::StatusOr<bool> empty() const {
    absl::StatusOr<size_t> n = qsize();
    if (!n.ok()) return n.status();
    return *n == 0;
  }
  // q.full(): a bounded queue holding maxsize items; never for an unbounded
  // one. A snapshot, as in Python.
  [[nodiscard]] absl::StatusOr<bool> full() const {
    absl::StatusOr<int64_t> n = CallNumber(NewOp(managerpb::QUEUE_FULL));
    if (!n.ok()) return n.status();
    return *n != 0;
  }

 private:
  friend class Manager;
  friend struct internal::ProxyAccess;
  using BaseProxy::BaseProxy;
};

// A threading.Lock in the manager (`manager.Lock()`). Any process may release
// it, as threading.Lock. A process that dies holding it leaves it locked (as in
// Python): unlike conc::mp::Lock there is no owner-died recovery.
//
//   absl::StatusOr<conc::LockProxy> lock = m.Lock();
//   if (absl::StatusOr<bool> got = lock->acquire(); got.ok() && *got) {
//     ...;
//     absl::Status s = lock->release();
//   }
class LockProxy : public BaseProxy {
 public:
  // The manager kind this proxy names (what a stored proxy is checked against).
  static constexpr std::string_view kKind = "Lock";

  // lock.acquire(timeout=timeout): true if acquired, false when the timeout
  // expired (zero polls once). Unavailable if the manager is gone.
  [[nodiscard]] absl::StatusOr<bool> acquire(
      std::optional<absl::Duration> timeout = std::nullopt) const {
    // A timeout too large for the clock (1000 years) is forever, as everywhere
    // in conc (Deadline::FromTimeout): one slice would give up after a call timeout.
    if (!Deadline::FromTimeout(timeout).is_infinite()) {
      absl::StatusOr<managerpb::Result> r = CallBlocking(NewOp(managerpb::ACQUIRE), timeout);
      if (!r.ok()) return r.status();
      return r->number() != 0;
    }
    // Forever: slices that each answer "not yet" (false) until acquired.
    while (true) {
      absl::StatusOr<managerpb::Result> r =
          CallBlocking(NewOp(managerpb::ACQUIRE), client_->call_timeout());
      if (!r.ok()) return r.status();
      if (r->number() != 0) return true;
    }
  }
  // lock.release(): FailedPrecondition (RuntimeError) if not locked.
  [[nodiscard]] absl::Status release() const { return CallStatus(NewOp(managerpb::RELEASE)); }

 private:
  friend class Manager;
  friend struct internal::ProxyAccess;
  using BaseProxy::BaseProxy;
};

// A threading.Event in the manager (`manager.Event()`).
//
//   absl::StatusOr<conc::EventProxy> e = m.Event();
//   absl::Status s = e->set();
//   absl::StatusOr<bool> was_set = e->wait(absl::Seconds(1));  // true
class EventProxy : public BaseProxy {
 public:
  // The manager kind this proxy names (what a stored proxy is checked against).
  static constexpr std::string_view kKind = "Event";

  [[nodiscard]] absl::Status set() const { return CallStatus(NewOp(managerpb::EVENT_SET)); }
  [[nodiscard]] absl::Status clear() const { return CallStatus(NewOp(managerpb::EVENT_CLEAR)); }
  [[nodiscard]] absl::StatusOr<bool> is_set() const {
    absl::StatusOr<int64_t> n = CallNumber(NewOp(managerpb::EVENT_IS_SET));
    if (!n.ok()) return n.status();
    return *n != 0;
  }
  // e.wait(timeout): the flag at the end (false if the timeout expired).
  [[nodiscard]] absl::StatusOr<bool> wait(
      std::optional<absl::Duration> timeout = std::nullopt) const {
    // A timeout too large for the clock (1000 years) is forever, as everywhere
    // in conc (Deadline::FromTimeout): one slice would give up after a call timeout.
    if (!Deadline::FromTimeout(timeout).is_infinite()) {
      absl::StatusOr<managerpb::Result> r = CallBlocking(NewOp(managerpb::EVENT_WAIT), timeout);
      if (!r.ok()) return r.status();
      return r->number() != 0;
    }
    while (true) {
      absl::StatusOr<managerpb::Result> r =
          CallBlocking(NewOp(managerpb::EVENT_WAIT), client_->call_timeout());
      if (!r.ok()) return r.status();
      if (r->number() != 0) return true;
    }
  }

 private:
  friend class Manager;
  friend struct internal::ProxyAccess;
  using BaseProxy::BaseProxy;
};

// A Value in the manager (`manager.Value(typecode, value)`; the type is T).
// Like Python's, `v.set(v.get() + 1)` is not atomic: hold a manager Lock.
//
//   absl::StatusOr<conc::ValueProxy<int>> v = m.Value<int>(0);
//   absl::Status s = v->set(42);
//   absl::StatusOr<int> x = v->get();                  // 42
template <Encodable T>
class ValueProxy : public BaseProxy {
 public:
  // The manager kind this proxy names (what a stored proxy is checked against).
  static constexpr std::string_view kKind = "Value";

  [[nodiscard]] absl::StatusOr<T> get() const {
    absl::StatusOr<managerpb::Result> r = Call(NewOp(managerpb::GET));
    if (!r.ok()) return r.status();
    return internal::DecodeManagerValue<T>(r->value(), "Value get");
  }
  [[nodiscard]] absl::Status set(const T& value) const {
    managerpb::Op op = NewOp(managerpb::SET);
    op.set_value(Encode(value));
    return CallStatus(std::move(op));
  }

 private:
  friend class Manager;
  friend struct internal::ProxyAccess;
  using BaseProxy::BaseProxy;
};

}  // namespace conc

#endif  // MODULES_IPC_MANAGER_PROXIES_H_
