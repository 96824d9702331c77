// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// local.h: `conc::Local<T>`, one `T` per thread per object, the counterpart of
// Python's `threading.local()`.
//
// Every thread that touches a `Local<T>` sees its own `T`, made on the
// thread's first access: default-constructed, or by the factory given to the
// constructor (Python: a `local` subclass whose `__init__` runs once per
// thread). The value lives until the thread exits or the `Local` is destroyed,
// whichever comes first, and is destroyed then.
//
// Why not `thread_local`? C++'s `thread_local` makes one value per thread per
// *variable*: it must be a static or namespace-scope variable, so two
// `Connection` objects cannot each have their own per-thread cache with it. A
// `Local<T>` is an object: a member of a class, one per instance, created and
// destroyed at run time, as many as needed, exactly like an instance of
// Python's `threading.local`. Use `thread_local` when one variable per thread
// is enough (it is faster: no lookup); use `Local<T>` for per-object data.
//
// Main operations:
//
//   T& get()  (also `*local`, `local->member`)   this thread's value, made on
//                                                first use.
//   bool has_value() const                       this thread has made its value.
//   void reset()                                 destroys this thread's value;
//                                                the next get() makes a new one
//                                                (Python: `del local.attr`).
//
// Lifetime:
//   * A thread's value is destroyed when the thread exits (by that thread),
//     or when the `Local` is destroyed (by the thread that destroys it, for
//     every thread that still has a value; Python frees the per-thread dicts
//     of a collected `local` in the same way).
//   * The factory runs in the thread that makes the value, without any lock
//     held: it may use other `Local`s (or even this one: a value made by a
//     recursive `get()` wins, and the outer one is discarded).
//   * `T`'s destructor may use other `Local`s, and create or destroy them.
//   * Not from the destructor of a C++ `thread_local` variable, though: it may
//     run after the thread's table of values is gone (C++ destroys
//     thread_locals in reverse order of construction).
//
// Requires:
//   * No thread uses the `Local` (or a reference obtained from it) while or
//     after it is destroyed.
//   * A reference from `get()` is used only by the thread that got it, or
//     with the caller's own synchronisation (it is an ordinary `T&`).
// Guarantees:
//   * Each value is constructed once and destroyed exactly once; nothing
//     leaks, whether the thread or the `Local` goes first.
//   * Values of different threads never alias; `Local`s are independent.
//
// Memory ordering: each value is private to its thread; the library adds no
// ordering between threads except that destroying the `Local` happens-after
// each thread's creation of its value (a per-thread mutex protects the table
// of values). Anything else is the caller's to synchronise.
//
// Cost: a lookup is an uncontended mutex and an index into a per-thread
// vector (tens of nanoseconds); for a hot loop, keep the reference.
//
// Example:
//
//   conc::Local<std::string> name;          // Python: data = threading.local()
//   std::jthread t([&] {
//     name.get() = "worker";                // data.name = "worker"
//     std::printf("%s\n", name->c_str());  // This thread's "worker".
//   });
//   name.get() = "main";                    // Unaffected by the other thread.

#ifndef MODULES_SYNC_LOCAL_H_
#define MODULES_SYNC_LOCAL_H_

#include <concepts>
#include <cstddef>
#include <functional>
#include <utility>

namespace conc {
namespace local_internal {

using Destroyer = void (*)(void*);

// Slot numbers are reused once their `Local` is gone. All functions are
// thread-safe; see local.cc for the locking.
std::size_t AcquireSlot();
// Destroys every thread's value in `slot`, then frees the slot number.
void ReleaseSlot(std::size_t slot);
// The calling thread's value in `slot`, or nullptr.
void* Find(std::size_t slot);
// Stores `value` as the calling thread's value in `slot` and returns it; if
// the slot got a value meanwhile (a recursive get()), destroys `value` and
// returns the one already there.
void* Install(std::size_t slot, void* value, Destroyer destroy);
// Destroys the calling thread's value in `slot`, if any.
void Erase(std::size_t slot);

}  // namespace local_internal

template <typename T>
class Local {
 public:
  // Each thread's value is `T()`.
  Local()
    requires std::default_initializable<T>
      : factory_([] { return T(); }), slot_(local_internal::AcquireSlot()) {}

  // Each thread's value is `factory()`, called in that thread on its first
  // access. `factory` must not be empty.
  explicit Local(std::function<T()> factory)
      : factory_(std::move(factory)), slot_(local_internal::AcquireSlot()) {}

  // Destroys every thread's value (see "Lifetime" above).
  ~Local() { local_internal::ReleaseSlot(slot_); }

  Local(const Local&) = delete;
  Local& operator=(const Local&) = delete;

  // The calling thread's value, made on first use.
  [[nodiscard]] T& get() {
    if (void* value = local_internal::Find(slot_)) {
      return *static_cast<T*>(value);
    }
    T* made = new T(factory_());
    return *static_cast<T*>(
        local_internal::Install(slot_, made, &Destroy));
  }

  T& operator*() { return get(); }
  T* operator->() { return &get(); }

  // True if the calling thread has made its value (and not reset it).
  [[nodiscard]] bool has_value() const {
    return local_internal::Find(slot_) != nullptr;
  }

  // Destroys the calling thread's value, if any; the next get() in this
  // thread makes a new one.
  void reset() { local_internal::Erase(slot_); }

 private:
  static void Destroy(void* value) { delete static_cast<T*>(value); }

  const std::function<T()> factory_;
  const std::size_t slot_;
};

}  // namespace conc

#endif  // MODULES_SYNC_LOCAL_H_
