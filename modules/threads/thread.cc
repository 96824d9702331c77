// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/threads/thread.h"

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "modules/common/internal/mutex.h"
#include "modules/common/timeout.h"
#include "modules/sync/event.h"
#include "modules/common/internal/exception.h"

namespace conc {
namespace internal {

// The shared state of one thread, owned by its handles, by the registry while
// it is alive and by the running thread itself.
//
// State machine (guarded by mu; `finished` is set on reaching kFinished):
//
//   kNew --start()--> kStarted --target returned/threw--> kFinished
//
// The main thread and dummy threads are born kStarted; the main thread becomes
// kFinished in the exit hook, dummy threads never do.
struct ThreadState {
  enum class Phase { kNew, kStarted, kFinished };
  enum class Kind { kOrdinary, kMain, kDummy };

  explicit ThreadState(Kind k) : kind(k) {}

  const Kind kind;
  mutable internal::Mutex mu;
  // Set once the thread has finished (phase kFinished): what join() waits on.
  // An Event rather than `cv`: a wait on a condition variable re-takes `mu`
  // marked contended, so every join paid one more futex call; and the Event
  // spins briefly before it sleeps.
  Event finished;
  std::string name ABSL_GUARDED_BY(mu);
  bool daemon ABSL_GUARDED_BY(mu) = false;
  Phase phase ABSL_GUARDED_BY(mu) = Phase::kNew;
  // Atomics, not guarded by `mu`: the creating thread and the new thread both
  // publish `ident` (the same value: whichever comes first lets ident() answer
  // right after start()), and a lock there made the two threads collide on
  // `mu` at every start (futex sleeps and wake-ups; ~15 us per thread here).
  // native_id() waits on `native_id` itself (std::atomic::wait).
  std::atomic<uint64_t> ident{0};
  std::atomic<int64_t> native_id{0};
  // Touched by the creating thread before start() and by the new thread
  // after (pthread_create orders the two), never by both: no lock.
  UniqueFunction target;

  // A handle for code that is not a friend of Thread.
  static Thread Handle(std::shared_ptr<ThreadState> state) { return Thread(std::move(state)); }
};

}  // namespace internal

namespace {

using internal::ThreadState;
using Phase = internal::ThreadState::Phase;
using Kind = internal::ThreadState::Kind;

std::atomic<int> g_name_counter{0};  // Python's threading._counter.

std::string NewName(const char* prefix) { return absl::StrCat(prefix, ++g_name_counter); }

uint64_t SelfIdent() { return static_cast<uint64_t>(pthread_self()); }

bool OnMainThread() { return gettid() == getpid(); }

// Every alive thread (Python's threading._active), the non-daemon count the
// exit hook waits on, and the exit callbacks. Allocated once and never
// destroyed, so daemon threads and dummy threads ending during exit can still
// unregister.
struct Registry {
  Registry() : main(std::make_shared<ThreadState>(Kind::kMain)) {
    internal::MutexLock state_lock(main->mu);
    main->name = "MainThread";
    main->phase = Phase::kStarted;
    main->native_id.store(getpid(), std::memory_order_relaxed);
    // The registry is made by a static initializer of this file (below), so
    // on the main thread, before main(): pthread_self() is the main thread's.
    if (OnMainThread()) main->ident.store(SelfIdent(), std::memory_order_relaxed);
    active.push_back(main);
  }

  internal::Mutex mu;
  std::condition_variable cv;  // Notified when non_daemon_alive drops.
  std::vector<std::shared_ptr<ThreadState>> active ABSL_GUARDED_BY(mu);
  int non_daemon_alive ABSL_GUARDED_BY(mu) = 0;  // Started, not finished, not daemon.
  std::vector<std::pair<int, std::function<void()>>> atexit_fns ABSL_GUARDED_BY(mu);
  int next_atexit_id ABSL_GUARDED_BY(mu) = 0;
  // The exit callback the exit hook is running now (0: none) and on which
  // thread; UnregisterAtexit waits for it (cv is notified when it returns).
  int running_atexit_id ABSL_GUARDED_BY(mu) = 0;
  std::thread::id running_atexit_thread ABSL_GUARDED_BY(mu);
  const std::shared_ptr<ThreadState> main;
  std::once_flag hook_once;
};

Registry& GetRegistry() {
  static Registry* const registry = new Registry;  // Leaked on purpose (see above).
  return *registry;
}

// Makes the registry (and records the main thread's ident) before main().
[[maybe_unused]] const bool g_registry_made = (GetRegistry(), true);

void Unregister(const std::shared_ptr<ThreadState>& state, bool counted_non_daemon) {
  Registry& r = GetRegistry();
  internal::MutexLock lock(r.mu);
  auto it = std::find(r.active.begin(), r.active.end(), state);
  if (it != r.active.end()) r.active.erase(it);
  if (counted_non_daemon && --r.non_daemon_alive == 0) r.cv.notify_all();
}

// Per OS thread: the handle current_thread() returns. A dummy thread leaves
// the registry when its OS thread ends.
struct CurrentHolder {
  std::shared_ptr<ThreadState> state;
  ~CurrentHolder() {
    if (state && state->kind == Kind::kDummy) Unregister(state, false);
  }
};
thread_local CurrentHolder tls_current;
// The same thread's state as a plain pointer, for identity checks that may run
// after tls_current was destroyed (exit() destroys the calling thread's
// thread_locals before it runs the atexit hook). Trivially destructible.
thread_local ThreadState* tls_current_raw = nullptr;

// The exit hook (Python's threading._shutdown): exit callbacks, then the main
// thread counts as ended, then every non-daemon thread is joined.
void ShutdownAtExit() {
  Registry& r = GetRegistry();
  {
    // Newest first, one at a time, each marked as running so that an owner
    // unregistering it meanwhile (an executor destroyed on another thread)
    // waits until it has returned instead of freeing what it uses.
    internal::MutexLock lock(r.mu);
    while (!r.atexit_fns.empty()) {
      std::function<void()> fn = std::move(r.atexit_fns.back().second);
      r.running_atexit_id = r.atexit_fns.back().first;
      r.running_atexit_thread = std::this_thread::get_id();
      r.atexit_fns.pop_back();
      lock.unlock();
      fn();
      fn = nullptr;
      lock.lock();
      r.running_atexit_id = 0;
      r.cv.notify_all();
    }
  }
  {
    internal::MutexLock lock(r.main->mu);
    r.main->phase = Phase::kFinished;
  }
  r.main->finished.set();
  // If exit() was called from a non-daemon conc thread, do not wait for it.
  int self = 0;
  if (ThreadState* me = tls_current_raw; me && me->kind == Kind::kOrdinary) {
    internal::MutexLock lock(me->mu);
    if (!me->daemon && me->phase == Phase::kStarted) self = 1;
  }
  internal::MutexLock lock(r.mu);
  r.cv.wait(lock.native(), [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(r.mu) { return r.non_daemon_alive <= self; });
}

// What start() hands the new thread. `daemon` travels here rather than being
// read under the state's lock: it cannot change once started (set_daemon
// refuses), and a lock there would collide with the creator's join().
struct StartArg {
  std::shared_ptr<ThreadState> state;
  bool daemon;
};

void* Bootstrap(void* raw_arg) {
  std::unique_ptr<StartArg> arg(static_cast<StartArg*>(raw_arg));
  std::shared_ptr<ThreadState> self = std::move(arg->state);
  const bool daemon = arg->daemon;
  arg.reset();
  self->ident.store(SelfIdent(), std::memory_order_release);
  self->native_id.store(gettid(), std::memory_order_release);
  self->native_id.notify_all();
  tls_current.state = self;
  tls_current_raw = self.get();
  if (self->target) {
    try {
      self->target();
    } catch (...) {
      excepthook(ExceptHookArgs{std::current_exception(), ThreadState::Handle(self)});
    }
  }
  // Python's run() deletes target and args in a finally: whatever they own
  // is destroyed before join() returns.
  self->target = internal::UniqueFunction();
  Unregister(self, !daemon);
  {
    internal::MutexLock lock(self->mu);
    self->phase = Phase::kFinished;
  }
  self->finished.set();
  return nullptr;
}

// The installed excepthook. Never destroyed, so that a daemon thread throwing
// during exit still finds it.
internal::Mutex g_hook_mu;
ExceptHook& g_hook ABSL_GUARDED_BY(g_hook_mu) = *new ExceptHook;

}  // namespace

Thread::Thread() : Thread(ThreadOptions{}, internal::UniqueFunction()) {}

Thread::Thread(ThreadOptions options) : Thread(std::move(options), internal::UniqueFunction()) {}

Thread::Thread(ThreadOptions options, internal::UniqueFunction target)
    : state_(std::make_shared<ThreadState>(Kind::kOrdinary)) {
  const bool daemon = options.daemon.has_value() ? *options.daemon : current_thread().daemon();
  internal::MutexLock lock(state_->mu);
  state_->name = options.name.empty() ? NewName("Thread-") : std::move(options.name);
  state_->daemon = daemon;
  state_->target = std::move(target);
}

absl::Status Thread::start() {
  bool daemon;
  {
    internal::MutexLock lock(state_->mu);
    if (state_->kind != Kind::kOrdinary || state_->phase != Phase::kNew) {
      return absl::FailedPreconditionError("threads can only be started once");
    }
    state_->phase = Phase::kStarted;
    daemon = state_->daemon;
  }
  Registry& r = GetRegistry();
  std::call_once(r.hook_once, [] { std::atexit(ShutdownAtExit); });
  {
    internal::MutexLock lock(r.mu);
    r.active.push_back(state_);
    if (!daemon) ++r.non_daemon_alive;
  }
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  auto* arg = new StartArg{state_, daemon};
  pthread_t handle;
  const int err = pthread_create(&handle, &attr, Bootstrap, arg);
  pthread_attr_destroy(&attr);
  if (err != 0) {
    delete arg;
    Unregister(state_, !daemon);
    internal::MutexLock lock(state_->mu);
    state_->phase = Phase::kNew;
    return absl::ResourceExhaustedError(absl::StrCat("can't start new thread: ", std::strerror(err)));
  }
  state_->ident.store(static_cast<uint64_t>(handle), std::memory_order_release);
  return absl::OkStatus();
}

absl::Status Thread::join(std::optional<absl::Duration> timeout) const {
  if (state_->kind == Kind::kDummy) {
    return absl::FailedPreconditionError("cannot join a dummy thread");
  }
  const bool self = tls_current_raw == state_.get() ||
                    (state_->kind == Kind::kMain && tls_current_raw == nullptr && OnMainThread());
  if (self) {
    return absl::FailedPreconditionError("cannot join current thread");
  }
  internal::MutexLock lock(state_->mu);
  if (state_->phase == Phase::kNew) {
    return absl::FailedPreconditionError("cannot join thread before it is started");
  }
  lock.unlock();
  if (state_->finished.wait(timeout)) return absl::OkStatus();
  lock.lock();  // For the name.
  return absl::DeadlineExceededError(absl::StrCat("join: thread ", state_->name, " is still alive"));
}

bool Thread::is_alive() const {
  internal::MutexLock lock(state_->mu);
  return state_->phase == Phase::kStarted;
}

std::string Thread::name() const {
  internal::MutexLock lock(state_->mu);
  return state_->name;
}

void Thread::set_name(std::string name) {
  internal::MutexLock lock(state_->mu);
  state_->name = std::move(name);
}

uint64_t Thread::ident() const { return state_->ident.load(std::memory_order_acquire); }

int64_t Thread::native_id() const {
  {
    internal::MutexLock lock(state_->mu);
    if (state_->phase == Phase::kNew) return 0;
  }
  // Started: the new thread publishes its id first thing.
  state_->native_id.wait(0, std::memory_order_acquire);
  return state_->native_id.load(std::memory_order_acquire);
}

bool Thread::daemon() const {
  internal::MutexLock lock(state_->mu);
  return state_->daemon;
}

absl::Status Thread::set_daemon(bool daemon) {
  internal::MutexLock lock(state_->mu);
  if (state_->phase != Phase::kNew) {
    return absl::FailedPreconditionError("cannot set daemon status of active thread");
  }
  state_->daemon = daemon;
  return absl::OkStatus();
}

Thread current_thread() {
  if (tls_current.state) return Thread(tls_current.state);
  Registry& r = GetRegistry();
  if (OnMainThread()) {
    internal::MutexLock lock(r.main->mu);
    if (r.main->ident.load(std::memory_order_relaxed) == 0) {
      r.main->ident.store(SelfIdent(), std::memory_order_relaxed);
    }
    return Thread(r.main);
  }
  // A thread conc did not start: Python's _DummyThread.
  auto dummy = std::make_shared<ThreadState>(Kind::kDummy);
  {
    internal::MutexLock lock(dummy->mu);
    dummy->name = NewName("Dummy-");
    dummy->daemon = true;
    dummy->phase = Phase::kStarted;
    dummy->ident.store(SelfIdent(), std::memory_order_relaxed);
    dummy->native_id.store(gettid(), std::memory_order_relaxed);
  }
  {
    internal::MutexLock lock(r.mu);
    r.active.push_back(dummy);
  }
  tls_current.state = dummy;
  tls_current_raw = dummy.get();
  return Thread(std::move(dummy));
}

Thread main_thread() { return Thread(GetRegistry().main); }

std::vector<Thread> enumerate() {
  Registry& r = GetRegistry();
  internal::MutexLock lock(r.mu);
  std::vector<Thread> threads;
  threads.reserve(r.active.size());
  for (const auto& state : r.active) threads.push_back(Thread(state));
  return threads;
}

int active_count() {
  Registry& r = GetRegistry();
  internal::MutexLock lock(r.mu);
  return static_cast<int>(r.active.size());
}

uint64_t get_ident() { return SelfIdent(); }

int64_t get_native_id() { return gettid(); }

void default_excepthook(const ExceptHookArgs& args) {
  const std::string text = absl::StrCat("Exception in thread ", args.thread.name(), ":\n",
                                        internal::DescribeException(args.exc_value), "\n");
  std::fputs(text.c_str(), stderr);
  std::fflush(stderr);
}

ExceptHook set_excepthook(ExceptHook hook) {
  internal::MutexLock lock(g_hook_mu);
  ExceptHook previous = std::move(g_hook);
  g_hook = std::move(hook);
  if (!previous) previous = default_excepthook;
  return previous;
}

void excepthook(const ExceptHookArgs& args) {
  ExceptHook hook;
  {
    internal::MutexLock lock(g_hook_mu);
    hook = g_hook;
  }
  try {
    if (hook) {
      hook(args);
    } else {
      default_excepthook(args);
    }
  } catch (...) {
    const std::string text = absl::StrCat("Exception in threading.excepthook:\n",
                                          internal::DescribeException(std::current_exception()), "\n");
    std::fputs(text.c_str(), stderr);
  }
}

namespace internal {

int RegisterAtexit(std::function<void()> fn) {
  Registry& r = GetRegistry();
  internal::MutexLock lock(r.mu);
  const int id = ++r.next_atexit_id;
  r.atexit_fns.emplace_back(id, std::move(fn));
  return id;
}

void UnregisterAtexit(int id) {
  Registry& r = GetRegistry();
  internal::MutexLock lock(r.mu);
  std::erase_if(r.atexit_fns, [id](const auto& entry) { return entry.first == id; });
  // The exit hook may be running this very callback on another thread: wait
  // until it returns, so that the caller may destroy what it captured. (On the
  // hook's own thread, the callback is the caller: no wait.)
  r.cv.wait(lock.native(), [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(r.mu) {
    return r.running_atexit_id != id || r.running_atexit_thread == std::this_thread::get_id();
  });
}

}  // namespace internal
}  // namespace conc
