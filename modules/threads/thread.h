// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// thread.h: conc::Thread, Python's `threading.Thread`, and the helper functions
// of the `threading` module (`current_thread`, `main_thread`, `active_count`,
// `enumerate`, `get_ident`, `get_native_id`, `excepthook`).
//
// A Thread is made with a target and its arguments (decay-copied, as
// std::thread does) and, optionally, a name and the daemon flag; `start()` runs
// the target on a new OS thread (1:1 threading), `join()` waits for it.
//
//   Python                                         C++
//   t = Thread(target=f, args=(1, 2))              conc::Thread t(f, 1, 2);
//   t = Thread(target=f, name="w", daemon=True)    conc::Thread t({.name = "w", .daemon = true}, f);
//   t.start()                                      auto s = t.start();
//   t.join(); t.join(timeout=0.5)                  auto s = t.join(); t.join(absl::Milliseconds(500));
//   t.is_alive(), t.name, t.ident, t.native_id     t.is_alive(), t.name(), t.ident(), t.native_id()
//   t.daemon = True                                auto s = t.set_daemon(true);
//
// A Thread is a *handle*, like a Python reference to a Thread object: copies
// refer to the same thread and compare equal, and `current_thread()` and
// `enumerate()` hand out handles to threads they did not create.
//
// Python's exit rule holds. When the program exits (`return` from `main` or
// `std::exit`), an exit hook registered with `std::atexit` the first time a
// Thread is started joins every non-daemon Thread; daemon threads are not waited
// for and die with the process. So:
//   * destroying the last handle of a running Thread does nothing to it (unlike
//     std::thread, nothing calls std::terminate): it keeps running, stays in
//     `enumerate()`, and the exit rule still applies to it;
//   * objects with static storage duration constructed before the first Thread
//     started are still alive while the hook joins; those constructed later (a
//     function-local static first used afterwards) are destroyed before it runs
//     (atexit order), so a non-daemon thread must not use them at exit;
//   * a daemon thread still running at exit must not touch objects with static
//     storage duration at all: they are being destroyed around it;
//   * `std::quick_exit`, `_exit` and a fatal signal skip the hook, as
//     `os._exit` skips Python's.
//
// An exception escaping a target never reaches std::terminate: it goes to
// `excepthook` (settable with `set_excepthook`); the default prints
//
//   Exception in thread Thread-1:
//   std::runtime_error: boom
//
// to stderr, as Python's does with the traceback.
//
// Where it differs from Python:
//   * Default names are "Thread-1", "Thread-2", ... (Python 3.10+ appends the
//     target's name: "Thread-1 (worker)"; C++ has no portable name for a callable).
//     Threads the library did not start get "Dummy-N" from the same counter,
//     and the main thread is "MainThread", as in Python.
//   * `join` returns a status: OK once the thread has ended, DeadlineExceeded if
//     the timeout expired first (Python returns None and you ask is_alive()),
//     FailedPrecondition for joining a thread that was never started or the
//     calling thread itself (Python's RuntimeError). `start` twice is
//     FailedPrecondition too; a failed pthread_create is ResourceExhausted.
//   * `ident()` and `native_id()` are 0 before start (Python: None).
//   * No subclassing with run(): pass the target (a lambda capturing `this` is
//     the C++ spelling of an overridden run()).
//   * A dummy thread leaves `enumerate()` when its OS thread ends (Python keeps
//     it forever).
//
// Thread-safety: every method may be called from any thread. Memory ordering:
// everything the target did happens-before a `join` that returns OK (and an
// `is_alive()` that returns false); everything before `start()` happens-before
// the target runs.
//
// Example:
//
//   void worker(int n) { std::printf("%s got %d\n", conc::current_thread().name().c_str(), n); }
//
//   conc::Thread t({.name = "worker"}, worker, 42);
//   if (absl::Status s = t.start(); !s.ok()) return s;
//   if (absl::Status s = t.join(absl::Seconds(5)); !s.ok()) return s;  // still running?

#ifndef MODULES_THREADS_THREAD_H_
#define MODULES_THREADS_THREAD_H_

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "modules/threads/internal/unique_function.h"

namespace conc {

namespace internal {
struct ThreadState;
}  // namespace internal

// Python's keyword arguments of Thread(): name=, daemon=.
struct ThreadOptions {
  // Empty: "Thread-N", N counting every Thread (and dummy thread) created so far.
  std::string name = {};
  // nullopt: inherit the creating thread's flag, as Python does (the main thread
  // is not a daemon, so threads are non-daemon unless said otherwise).
  std::optional<bool> daemon = std::nullopt;
};

class Thread {
 public:
  // A thread with no target: start() runs nothing (Python's Thread()).
  Thread();
  explicit Thread(ThreadOptions options);

  // Thread(target=f, args=(args...)): f and args are decay-copied now and
  // invoked as rvalues on the new thread.
  template <class F, class... Args>
    requires std::is_invocable_v<std::decay_t<F>, std::decay_t<Args>...>
  explicit Thread(F&& target, Args&&... args)
      : Thread(ThreadOptions{},
               internal::UniqueFunction(internal::BindOnce(std::forward<F>(target),
                                                           std::forward<Args>(args)...))) {}

  template <class F, class... Args>
    requires std::is_invocable_v<std::decay_t<F>, std::decay_t<Args>...>
  Thread(ThreadOptions options, F&& target, Args&&... args)
      : Thread(std::move(options),
               internal::UniqueFunction(internal::BindOnce(std::forward<F>(target),
                                                           std::forward<Args>(args)...))) {}

  // Copies are handles to the same thread. Destroying a handle never affects
  // the thread (see the exit rule above).
  Thread(const Thread&) = default;
  Thread& operator=(const Thread&) = default;
  ~Thread() = default;

  // Starts the thread. FailedPrecondition if it was already started (Python:
  // RuntimeError "threads can only be started once"), ResourceExhausted if the
  // OS refuses a new thread. Does not wait for the thread to run: on return it
  // is alive, has its ident and is in enumerate().
  [[nodiscard]] absl::Status start();

  // Waits until the thread ends, at most `timeout` (nullopt: forever; zero or
  // negative: just checks). OK: it has ended. DeadlineExceeded: still running.
  // FailedPrecondition: not started yet, the calling thread itself, or a dummy
  // thread. Joining the main thread from another thread waits until the
  // program's exit hook runs.
  [[nodiscard]] absl::Status join(std::optional<absl::Duration> timeout = std::nullopt) const;

  // True from start() until the target has returned (or thrown).
  [[nodiscard]] bool is_alive() const;

  // The name, for identification only (several threads may share one).
  [[nodiscard]] std::string name() const;
  void set_name(std::string name);

  // Python's Thread.ident: get_ident() of the thread (a pthread_t), 0 before
  // start. May be reused by a later thread once this one has ended.
  [[nodiscard]] uint64_t ident() const;

  // Python's Thread.native_id: the kernel's thread id (gettid), 0 before start.
  // Right after start() it may wait a moment for the new thread to publish it.
  [[nodiscard]] int64_t native_id() const;

  [[nodiscard]] bool daemon() const;
  // FailedPrecondition once started (Python: RuntimeError).
  [[nodiscard]] absl::Status set_daemon(bool daemon);

  friend bool operator==(const Thread& a, const Thread& b) { return a.state_ == b.state_; }

 protected:
  // For Timer and other wrappers: a target already bound to its arguments.
  Thread(ThreadOptions options, internal::UniqueFunction target);

 private:
  friend Thread current_thread();
  friend Thread main_thread();
  friend std::vector<Thread> enumerate();
  friend struct internal::ThreadState;
  explicit Thread(std::shared_ptr<internal::ThreadState> state) : state_(std::move(state)) {}

  std::shared_ptr<internal::ThreadState> state_;  // Never null.
};

// The Thread of the caller: a conc::Thread's own handle, "MainThread" on the
// main thread, or a "Dummy-N" (daemon, alive, cannot be joined) on a thread
// the library did not start (std::thread, another library's pool).
[[nodiscard]] Thread current_thread();

// The thread that ran main() ("MainThread").
[[nodiscard]] Thread main_thread();

// The number of alive threads: enumerate().size().
[[nodiscard]] int active_count();

// A snapshot of every alive thread: started conc::Threads that have not ended,
// the main thread, and dummy threads, in the order they became known.
[[nodiscard]] std::vector<Thread> enumerate();

// Python's threading.get_ident(): an opaque nonzero id of the calling thread
// (its pthread_t), equal to current_thread().ident().
[[nodiscard]] uint64_t get_ident();

// Python's threading.get_native_id(): the kernel's id of the calling thread.
[[nodiscard]] int64_t get_native_id();

// What excepthook receives (Python's ExceptHookArgs without the traceback).
struct ExceptHookArgs {
  std::exception_ptr exc_value;  // Never null.
  Thread thread;                 // The thread whose target threw.
};

using ExceptHook = std::function<void(const ExceptHookArgs&)>;

// Python's threading.__excepthook__: prints "Exception in thread NAME:" and the
// exception's type and what() to stderr.
void default_excepthook(const ExceptHookArgs& args);

// Python's `threading.excepthook = hook`: installs `hook` for every thread
// (an empty function restores the default) and returns the previous one (the
// default as `default_excepthook`). The hook runs on the thread whose target
// threw, before join() returns; if it throws itself, that is printed to stderr.
ExceptHook set_excepthook(ExceptHook hook);

// Calls the current hook, as the library does for an escaping exception.
void excepthook(const ExceptHookArgs& args);

namespace internal {
// Python's threading._register_atexit: `fn` runs at exit, before the non-daemon
// threads are joined (executors use it to let their workers finish). Returns an
// id for UnregisterAtexit. Hooks run in reverse order of registration, one at
// a time (one registered while they run runs too).
int RegisterAtexit(std::function<void()> fn);
// Removes the callback; if the exit hook is running it on another thread right
// now, waits until it has returned (what it captured may then be destroyed).
void UnregisterAtexit(int id);
}  // namespace internal

}  // namespace conc

#endif  // MODULES_THREADS_THREAD_H_
