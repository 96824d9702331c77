// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// shared_array.h: conc::mp::Array<T> and conc::mp::RawArray<T>, Python's
// multiprocessing.Array and multiprocessing.sharedctypes.RawArray: a fixed-size
// array of a plain C type in shared memory ("the shared memory equivalent of
// array.array": homogeneous and typed).
//
//   Python                                   C++
//   a = Array("i", 10)                       auto a = conc::mp::Array<int>::Create(10);          // zeros
//   a = Array("i", [3, 2, 6])                auto a = conc::mp::Array<int>::Create({3, 2, 6});
//   a = Array("d", some_list)                auto a = conc::mp::Array<double>::Create(std::span<const double>(v));
//   len(a)                                   a->size()
//   a[i]; a[i] = x                           absl::StatusOr<int> x = a->get(i); absl::Status s = a->set(i, x);
//   a[:]                                     std::vector<int> all = a->to_vector();
//   with a.get_lock(): a[0] += 1             (void)a->with_lock([](std::span<int> s) { ++s[0]; });
//   a[i] = 4.5  # TypeError                  a->set(i, 4.5);   // compile error (see shared_value.h, CONVERSIONS)
//   Array("i", 10, lock=False)               auto r = conc::mp::Array<int>::Create(10, conc::mp::no_lock);  // a RawArray<int>
//   RawArray("i", 10)                        auto r = conc::mp::RawArray<int>::Create(10);
//   Array("i", 10, lock=l)  (l an RLock)     auto a = conc::mp::Array<int>::Create(10, *l);  // shares l
//   s = Array("c", 8)  (a char array)        auto s = conc::mp::Array<char>::Create(8);
//   s.value = b"hi"; s.value                 absl::Status ok = s->set_value("hi"); std::string v = s->value();
//   s.raw = b"..."; s.raw                    absl::Status ok = s->set_raw("..."); std::string r = s->raw();
//
// CHAR ARRAYS (T = char only, as Python's typecode "c"), as ctypes' c_char
// arrays: value() is the bytes up to the first NUL (all of them if none);
// set_value(b) writes b and, if it is shorter than the array, one NUL after
// it (the rest is left as it was); raw() is all size() bytes, NULs included;
// set_raw(b) writes b at the start and nothing else. A b longer than the
// array is InvalidArgument, Python's ValueError "byte string too long", and
// nothing is written. On an Array each is one locked access (Python's
// synchronized string takes the lock for each too); on a RawArray, unlocked.
//
// BOUNDS. get(i), at(i) and set(i, x) check the index: one past the end (or
// more) is OutOfRange (Python's IndexError, as ShareableList and ListProxy
// say it) and nothing is read or written. Python's negative indexes have no counterpart (the index is a
// size_t). The one unchecked access is the std::span a caller gets inside
// with_lock (Array) or from span() (RawArray): it is the raw memory, for
// loops over many elements at C speed; its operator[] is as unchecked as any
// std::span's (size() tells the bound).
//
// LOCKING, as Python's synchronized array: get, set, to_vector each take the
// array's mp::RLock (Python's default) for their access; with_lock(f) runs f
// on the whole array with the lock held; get_lock() returns the lock for
// longer critical sections. A holder that died: get_lock().acquire() and
// with_lock() return OwnerDiedError (holding the lock); get/set/to_vector
// recover the lock silently, as Value's accessors do (shared_value.h).
// RawArray has no lock: each element load and store is a relaxed atomic for
// lock-free T (a racing reader sees old or new, never torn), nothing more.
//
// Conversions, the trivially-copyable requirement, crossing fork and spawn:
// as Value (shared_value.h). Attach with the same T; the size comes from the
// region.
//
// Thread-safety: every method may be called from any thread of any process.
//
// Example:
//
//   auto partial = conc::mp::Array<double>::Create(workers);      // one slot per worker
//   // worker k (another process): (void)partial->set(k, sum);
//   // parent, after join: for (double x : partial->to_vector()) pi += x;

#ifndef MODULES_IPC_SHARED_ARRAY_H_
#define MODULES_IPC_SHARED_ARRAY_H_

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "modules/common/codec.h"
#include "modules/common/status.h"
#include "modules/ipc/internal/mp_lock_core.h"
#include "modules/ipc/internal/mp_lock_data.h"
#include "modules/ipc/mp_lock.h"

namespace conc::mp {

// What a spawned child needs to attach an Array or RawArray. Encodable.
struct ArrayHandle {
  int fd = -1;
  // An Array created with `lock=` an existing RLock: that lock's handle
  // (lock_fd -1: the Array's lock is in its own region).
  int lock_fd = -1;
  uint64_t lock_offset = 0;
  CONC_CODEC_FIELDS(fd, lock_fd, lock_offset);
};

namespace internal {

template <class T>
conc::internal::MpLayout ArrayLayout(bool locked, size_t n) {
  return {conc::internal::MpKind::kArray,
          locked ? conc::internal::MpLockKind::kRLock : conc::internal::MpLockKind::kNone,
          sizeof(T), alignof(T), n, conc::internal::TypeTag<T>()};
}

inline absl::Status ArrayIndexError(size_t i, size_t n) {
  return conc::IndexError(absl::StrCat("array index ", i, " out of range (size ", n, ")"));
}

// The element storage both array kinds share: region, pointer, size, and the
// unlocked element operations.
template <class T>
class ArrayStorage {
 public:
  [[nodiscard]] size_t size() const { return size_; }

 protected:
  ArrayStorage(std::shared_ptr<conc::internal::SharedRegion> region, T* data, size_t n)
      : region_(std::move(region)), data_(data), size_(n) {}

  static absl::StatusOr<conc::internal::MpRegion> Make(bool locked, std::span<const T> init,
                                                       size_t n) {
    absl::StatusOr<conc::internal::MpRegion> r =
        conc::internal::CreateMpRegion(ArrayLayout<T>(locked, n), "conc-mp-array");
    if (!r.ok()) return r.status();
    T* data = reinterpret_cast<T*>(r->data);
    for (size_t i = 0; i < init.size(); ++i) StoreElement(data + i, init[i]);
    return r;
  }

  static absl::StatusOr<conc::internal::MpRegion> Map(bool locked, int fd) {
    return conc::internal::AttachMpRegion(fd, ArrayLayout<T>(locked, 0));
  }

  T LoadAt(size_t i) const { return LoadElement(data_ + i); }
  void StoreAt(size_t i, const T& v) { StoreElement(data_ + i, v); }
  std::vector<T> Copy() const {
    std::vector<T> out;
    out.reserve(size_);
    for (size_t i = 0; i < size_; ++i) out.push_back(LoadAt(i));
    return out;
  }

  // The char-array views (see CHAR ARRAYS above); the caller locks.
  std::string CharValue() const
    requires std::is_same_v<T, char>
  {
    std::string out;
    for (size_t i = 0; i < size_; ++i) {
      const char c = LoadAt(i);
      if (c == '\0') break;
      out.push_back(c);
    }
    return out;
  }
  std::string CharRaw() const
    requires std::is_same_v<T, char>
  {
    std::string out(size_, '\0');
    for (size_t i = 0; i < size_; ++i) out[i] = LoadAt(i);
    return out;
  }
  absl::Status CheckCharLength(std::string_view bytes) const
    requires std::is_same_v<T, char>
  {
    if (bytes.size() > size_) {
      return absl::InvalidArgumentError(absl::StrCat("ValueError: byte string too long (",
                                                     bytes.size(), " bytes for a char array of ",
                                                     size_, ")"));
    }
    return absl::OkStatus();
  }
  // Requires CheckCharLength(bytes).ok().
  void StoreChars(std::string_view bytes, bool terminate)
    requires std::is_same_v<T, char>
  {
    for (size_t i = 0; i < bytes.size(); ++i) StoreAt(i, bytes[i]);
    if (terminate && bytes.size() < size_) StoreAt(bytes.size(), '\0');
  }

  std::shared_ptr<conc::internal::SharedRegion> region_;
  T* data_;
  size_t size_;
};

}  // namespace internal

// Python's multiprocessing.sharedctypes.RawArray: no lock.
template <class T>
class RawArray : public internal::ArrayStorage<T> {
  static_assert(std::is_trivially_copyable_v<T>, CONC_MP_TRIVIALLY_COPYABLE_MESSAGE);
  using Base = internal::ArrayStorage<T>;

 public:
  // `n` zero-filled elements (Python's RawArray("i", 10)). InvalidArgument if
  // the array would exceed 1 GiB; the errno's status otherwise.
  [[nodiscard]] static absl::StatusOr<RawArray> Create(size_t n) {
    return From(Base::Make(false, {}, n));
  }
  // The elements of `init` (Python's RawArray("i", [3, 2, 6])).
  [[nodiscard]] static absl::StatusOr<RawArray> Create(std::initializer_list<T> init) {
    return Create(std::span<const T>(init.begin(), init.size()));
  }
  [[nodiscard]] static absl::StatusOr<RawArray> Create(std::span<const T> init) {
    return From(Base::Make(false, init, init.size()));
  }

  // The RawArray<T> a parent passed. InvalidArgument if it holds something else.
  [[nodiscard]] static absl::StatusOr<RawArray> Attach(ArrayHandle handle) {
    return From(Base::Map(false, handle.fd));
  }

  // Python's `a[i]`: OutOfRange (IndexError) if i >= size().
  [[nodiscard]] absl::StatusOr<T> get(size_t i) const {
    if (i >= this->size_) return internal::ArrayIndexError(i, this->size_);
    return this->LoadAt(i);
  }
  [[nodiscard]] absl::StatusOr<T> at(size_t i) const { return get(i); }

  // Python's `a[i] = x`, x converted to T: OutOfRange (IndexError) if i >= size()
  // (nothing written).
  template <class U>
    requires internal::StorableAs<U, T>
  [[nodiscard]] absl::Status set(size_t i, const U& x) {
    if (i >= this->size_) return internal::ArrayIndexError(i, this->size_);
    this->StoreAt(i, static_cast<T>(x));
    return absl::OkStatus();
  }

  // Python's `a[:]`: a copy of every element (element by element: a writer
  // racing with it may show in some elements and not others).
  [[nodiscard]] std::vector<T> to_vector() const { return this->Copy(); }

  // The raw memory, unchecked and unsynchronised (Python's memoryview of a
  // RawArray): for a process that owns its slice of the array, or for
  // reading after the writers are joined. Concurrent plain writes through it
  // and reads elsewhere are a data race: use get/set then.
  [[nodiscard]] std::span<T> span() { return {this->data_, this->size_}; }

  // A char array's views (see CHAR ARRAYS), unlocked.
  [[nodiscard]] std::string value() const
    requires std::is_same_v<T, char>
  {
    return this->CharValue();
  }
  [[nodiscard]] std::string raw() const
    requires std::is_same_v<T, char>
  {
    return this->CharRaw();
  }
  [[nodiscard]] absl::Status set_value(std::string_view bytes)
    requires std::is_same_v<T, char>
  {
    if (absl::Status s = this->CheckCharLength(bytes); !s.ok()) return s;
    this->StoreChars(bytes, /*terminate=*/true);
    return absl::OkStatus();
  }
  [[nodiscard]] absl::Status set_raw(std::string_view bytes)
    requires std::is_same_v<T, char>
  {
    if (absl::Status s = this->CheckCharLength(bytes); !s.ok()) return s;
    this->StoreChars(bytes, /*terminate=*/false);
    return absl::OkStatus();
  }

  [[nodiscard]] ArrayHandle handle() const { return {.fd = this->region_->handle().fd}; }
  [[nodiscard]] std::vector<int> fds_to_pass() const { return this->region_->fds_to_pass(); }

 private:
  using Base::Base;
  static absl::StatusOr<RawArray> From(absl::StatusOr<conc::internal::MpRegion> r) {
    if (!r.ok()) return r.status();
    return RawArray(std::move(r->region), reinterpret_cast<T*>(r->data), r->header->count);
  }
};

// Python's multiprocessing.Array: an array guarded by an mp::RLock.
template <class T>
class Array : public internal::ArrayStorage<T> {
  static_assert(std::is_trivially_copyable_v<T>, CONC_MP_TRIVIALLY_COPYABLE_MESSAGE);
  using Base = internal::ArrayStorage<T>;

 public:
  // As RawArray::Create, with a lock.
  [[nodiscard]] static absl::StatusOr<Array> Create(size_t n) {
    return From(Base::Make(true, {}, n));
  }
  [[nodiscard]] static absl::StatusOr<Array> Create(std::initializer_list<T> init) {
    return Create(std::span<const T>(init.begin(), init.size()));
  }
  [[nodiscard]] static absl::StatusOr<Array> Create(std::span<const T> init) {
    return From(Base::Make(true, init, init.size()));
  }
  // Python's `Array(typecode, n, lock=False)`: a RawArray<T>.
  [[nodiscard]] static absl::StatusOr<RawArray<T>> Create(size_t n, NoLock) {
    return RawArray<T>::Create(n);
  }
  [[nodiscard]] static absl::StatusOr<RawArray<T>> Create(std::initializer_list<T> init, NoLock) {
    return RawArray<T>::Create(init);
  }

  // The Array<T> a parent passed. InvalidArgument if it holds something else.
  // Python's `Array(typecode, n_or_init, lock=lock)`: guarded by an existing
  // RLock instead of one of its own (see Value's, shared_value.h: the same
  // rules, the same difference from Python).
  [[nodiscard]] static absl::StatusOr<Array> Create(size_t n, const RLock& lock) {
    return FromShared(Base::Make(false, {}, n), lock);
  }
  [[nodiscard]] static absl::StatusOr<Array> Create(std::initializer_list<T> init, const RLock& lock) {
    return Create(std::span<const T>(init.begin(), init.size()), lock);
  }
  [[nodiscard]] static absl::StatusOr<Array> Create(std::span<const T> init, const RLock& lock) {
    return FromShared(Base::Make(false, init, init.size()), lock);
  }

  [[nodiscard]] static absl::StatusOr<Array> Attach(ArrayHandle handle) {
    if (handle.lock_fd < 0) return From(Base::Map(true, handle.fd));
    absl::StatusOr<RLock> lock = RLock::Attach({handle.lock_fd, handle.lock_offset});
    if (!lock.ok()) return lock.status();
    return FromShared(Base::Map(false, handle.fd), *lock);
  }

  // Python's `a[i]`, under the lock. OutOfRange (IndexError) if i >= size().
  [[nodiscard]] absl::StatusOr<T> get(size_t i) const {
    if (i >= this->size_) return internal::ArrayIndexError(i, this->size_);
    const bool held = Lock();
    T v = this->LoadAt(i);
    if (held) (void)lock_.release();
    return v;
  }
  [[nodiscard]] absl::StatusOr<T> at(size_t i) const { return get(i); }

  // Python's `a[i] = x`, under the lock. OutOfRange (IndexError) if i >= size()
  // (nothing written).
  template <class U>
    requires internal::StorableAs<U, T>
  [[nodiscard]] absl::Status set(size_t i, const U& x) {
    if (i >= this->size_) return internal::ArrayIndexError(i, this->size_);
    const bool held = Lock();
    this->StoreAt(i, static_cast<T>(x));
    if (held) (void)lock_.release();
    return absl::OkStatus();
  }

  // Python's `a[:]` (under the lock: a consistent snapshot).
  [[nodiscard]] std::vector<T> to_vector() const {
    const bool held = Lock();
    std::vector<T> v = this->Copy();
    if (held) (void)lock_.release();
    return v;
  }

  // Python's `get_lock()`: the RLock guarding the array.
  [[nodiscard]] RLock& get_lock() const { return lock_; }

  // A char array's views (see CHAR ARRAYS), each one locked access.
  [[nodiscard]] std::string value() const
    requires std::is_same_v<T, char>
  {
    const bool held = Lock();
    std::string v = this->CharValue();
    if (held) (void)lock_.release();
    return v;
  }
  [[nodiscard]] std::string raw() const
    requires std::is_same_v<T, char>
  {
    const bool held = Lock();
    std::string v = this->CharRaw();
    if (held) (void)lock_.release();
    return v;
  }
  [[nodiscard]] absl::Status set_value(std::string_view bytes)
    requires std::is_same_v<T, char>
  {
    return SetChars(bytes, /*terminate=*/true);
  }
  [[nodiscard]] absl::Status set_raw(std::string_view bytes)
    requires std::is_same_v<T, char>
  {
    return SetChars(bytes, /*terminate=*/false);
  }

  // Runs `f(std::span<T>)` over the whole array with the lock held: the
  // view is unchecked raw memory (see BOUNDS) and valid only inside f.
  // OK; OwnerDiedError if the previous holder died (f ran anyway: repair
  // what it may have left half-written); another error (f not run) only on a
  // broken system.
  template <class F>
    requires std::is_invocable_v<F&, std::span<T>>
  [[nodiscard]] absl::Status with_lock(F&& f) {
    absl::StatusOr<bool> got = lock_.acquire();
    if (!got.ok() && !IsOwnerDied(got.status())) return got.status();
    std::invoke(f, std::span<T>(this->data_, this->size_));
    (void)lock_.release();
    return got.ok() ? absl::OkStatus() : got.status();
  }

  [[nodiscard]] ArrayHandle handle() const {
    return internal::WithLockHandle(ArrayHandle{.fd = this->region_->handle().fd}, lock_, shared_lock_);
  }
  [[nodiscard]] std::vector<int> fds_to_pass() const {
    return internal::FdsWithLock(this->region_->fds_to_pass(), lock_, shared_lock_);
  }

 private:
  Array(RLock lock, std::shared_ptr<conc::internal::SharedRegion> region, T* data, size_t n,
        bool shared_lock = false)
      : Base(std::move(region), data, n), lock_(std::move(lock)), shared_lock_(shared_lock) {}

  static absl::StatusOr<Array> FromShared(absl::StatusOr<conc::internal::MpRegion> r, const RLock& lock) {
    if (!r.ok()) return r.status();
    T* data = reinterpret_cast<T*>(r->data);
    const size_t n = r->header->count;
    return Array(lock, std::move(r->region), data, n, /*shared_lock=*/true);
  }

  static absl::StatusOr<Array> From(absl::StatusOr<conc::internal::MpRegion> r) {
    if (!r.ok()) return r.status();
    RLock lock(r->region, r->lock);
    T* data = reinterpret_cast<T*>(r->data);
    const size_t n = r->header->count;
    return Array(std::move(lock), std::move(r->region), data, n);
  }

  // As Value's: takes the lock unless the caller holds it; true if the
  // access must release it afterwards.
  absl::Status SetChars(std::string_view bytes, bool terminate)
    requires std::is_same_v<T, char>
  {
    if (absl::Status s = this->CheckCharLength(bytes); !s.ok()) return s;
    const bool held = Lock();
    this->StoreChars(bytes, terminate);
    if (held) (void)lock_.release();
    return absl::OkStatus();
  }

  bool Lock() const {
    if (lock_.is_owned()) return false;  // already ours (get_lock() held): no re-entry needed
    absl::StatusOr<bool> got = lock_.acquire();
    return got.ok() || IsOwnerDied(got.status());
  }

  mutable RLock lock_;
  bool shared_lock_;  // lock_ is another object's (lock=), not in the region.
};

}  // namespace conc::mp

#endif  // MODULES_IPC_SHARED_ARRAY_H_
