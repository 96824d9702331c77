// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// process.h: conc::Process, Python's `multiprocessing.Process`, and the helper
// functions `current_process()`, `parent_process()`, `active_children()`
// (`cpu_count()` is in thread_pool_executor.h).
//
//   Python                                          C++
//   def worker(n, s): ...                           void worker(int n, std::string s) {...}
//                                                   CONC_PROCESS_FUNCTION(worker);  // at global scope
//   if __name__ == "__main__":                      int main(int argc, char** argv) {
//                                                     conc::ProcessMain(argc, argv);  // first!
//   p = Process(target=worker, args=(3, "x"))       conc::Process p(conc::process_function<worker>, 3, "x");
//   p = Process(target=worker, name="w", daemon=1)  conc::Process p({.name = "w", .daemon = true},
//                                                                   conc::process_function<worker>, 3, "x");
//   get_context("fork").Process(target=lambda: 0)   conc::Process p(conc::kForkMethod, [] { ... });
//   p.start(); p.join(); p.join(timeout=0.5)        auto s = p.start(); s = p.join(); p.join(absl::Milliseconds(500));
//   p.is_alive(), p.pid, p.exitcode, p.name         p.is_alive(), p.pid(), p.exitcode(), p.name()
//   p.terminate(); p.kill(); p.close()              auto s = p.terminate(); s = p.kill(); s = p.close();
//   p.sentinel                                      absl::StatusOr<int> fd = p.sentinel();
//
// START METHODS. Python on Linux has three; conc has two:
//
//   * spawn (the default, `StartMethod::kSpawn`): the child is a fresh copy of
//     the program: fork() immediately followed by exec of /proc/self/exe with a
//     marker argument. `ProcessMain(argc, argv)` — which main() must call before
//     anything else — sees the marker, reads the function's registered name and
//     its codec-encoded arguments from a pipe, runs it and exits; in the parent
//     it records argv[0] and returns. Between fork and exec the child only calls
//     async-signal-safe functions, so spawning is safe from a program that
//     already runs threads (and is TSan-clean: the child is a new TSan process).
//     Only functions registered with CONC_PROCESS_FUNCTION can be spawned: a
//     closure's captures do not exist in a fresh program, so passing a lambda or
//     an unregistered function is a compile error, not a runtime surprise.
//     Arguments are encoded with modules/common/codec.h (Python pickles them).
//   * fork (`kForkMethod`, `StartMethod::kFork`): the child is a copy of the
//     parent and runs any callable, captures included. DANGEROUS in a program
//     that runs threads: only the forking thread exists in the child, and a lock
//     another thread held at the fork (in malloc, stdio, your own code) stays
//     locked forever there; TSan reports it, and Python 3.12 warns
//     (DeprecationWarning) and 3.14 stopped making fork the default on Linux for
//     this reason. Use it in single-threaded programs, or for a child that only
//     calls async-signal-safe functions.
//
// Exit codes, as Python: a target that returns gives 0; an exception escaping
// it prints "Process NAME:" and the exception's type and what() to stderr and
// gives 1 (Python prints the traceback); `std::exit(n)` in the target gives n;
// a child killed by signal S gives -S (`terminate()` → -15, `kill()` → -9).
//
// Daemonic children (daemon = true) end when their parent ends: at normal exit
// the parent terminates them (an `std::atexit` hook, as Python's
// `util._exit_function`), and if the parent dies abnormally the kernel sends
// them SIGKILL (PR_SET_PDEATHSIG, which Python does not do). Caveat of the
// kernel: that signal comes when the *thread* that called start() ends, so start
// daemonic processes from a thread that outlives them (the main thread). At
// normal exit the parent also joins its non-daemonic children, as Python does.
// As in Python, a Process is daemonic by default if the process creating it
// is (ProcessOptions::daemon unset), and a daemonic process cannot start
// children at all: start() there is FailedPrecondition "daemonic processes
// are not allowed to have children" (Python's AssertionError), whatever the
// new Process's own flag.
//
// Where it differs from Python:
//   * `join`, `start`, `terminate`, `kill`, `close` return a status where Python
//     raises: start twice, start in a daemonic process, or join/terminate
//     before start is FailedPrecondition (AssertionError); using a closed process, or closing a running one, is
//     InvalidArgument (ValueError); join that times out is DeadlineExceeded
//     (Python returns None and you ask exitcode).
//   * The spawned target's return value is discarded, as in Python; a
//     ProcessPoolExecutor returns it.
//   * `pass_fds` (from `subprocess`) keeps descriptors open in a spawned child
//     under the same numbers: how a child gets a pipe (Python pickles
//     Connection objects instead).
//   * `sentinel()` is a pidfd owned by the Process (Python: the read end of a
//     pipe whose write end the child holds), so it needs Linux 5.3+ and fires
//     on the child's exit even if a grandchild inherited its descriptors.
//   * Nothing reaps children behind conc's back: do not waitpid(-1) or ignore
//     SIGCHLD in a program that uses conc::Process.
//
// A Process is a handle: copies refer to the same process and compare equal.
//
// Thread-safety: every method may be called from any thread.
//
// Example:
//
//   void greet(std::string who) { std::printf("hello %s\n", who.c_str()); }
//   CONC_PROCESS_FUNCTION(greet);
//
//   int main(int argc, char** argv) {
//     conc::ProcessMain(argc, argv);
//     conc::Process p(conc::process_function<greet>, "world");
//     if (!p.start().ok() || !p.join().ok()) return 1;
//     return *p.exitcode();  // 0
//   }

#ifndef MODULES_THREADS_PROCESS_H_
#define MODULES_THREADS_PROCESS_H_

#include <sys/types.h>

#include <concepts>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/common/codec.h"
#include "modules/threads/internal/process_registry.h"

namespace conc {

// The name a function was registered under: specialised by
// CONC_PROCESS_FUNCTION, undefined otherwise.
template <auto F>
struct ProcessFunctionName;

// A function registered with CONC_PROCESS_FUNCTION whose arguments and result
// the codec can carry.
template <auto F>
concept RegisteredProcessFunction =
    requires { ProcessFunctionName<F>::value; } && internal::CodecFunction<F>;

// The target of a spawned process or a process-pool task: `process_function<f>`.
template <auto F>
  requires RegisteredProcessFunction<F>
struct ProcessFunction {
  static constexpr std::string_view name = ProcessFunctionName<F>::value;
  using Traits = internal::FunctionTraits<decltype(F)>;
};

template <auto F>
  requires RegisteredProcessFunction<F>
inline constexpr ProcessFunction<F> process_function{};

namespace internal {
// True if F takes exactly these arguments (converted to its parameter types).
template <auto F, class... Args>
concept CallableWith =
    sizeof...(Args) == std::tuple_size_v<typename ProcessFunction<F>::Traits::ArgsTuple> &&
    std::constructible_from<typename ProcessFunction<F>::Traits::ArgsTuple, Args&&...>;
}  // namespace internal

#define CONC_INTERNAL_PROCESS_CONCAT2(a, b) a##b
#define CONC_INTERNAL_PROCESS_CONCAT(a, b) CONC_INTERNAL_PROCESS_CONCAT2(a, b)

// Registers the function `fn` (a plain or namespace-qualified function name,
// not overloaded) as a process target under the name #fn. Use it once, at
// global scope (outside any namespace), in a .cc file of the binary. Its
// parameters (by value or const reference) and its result must be encodable
// (codec.h). A library that registers functions nothing else references must
// be `alwayslink = True`, or the linker drops the registration.
//
// The macro also instantiates ProcessFunction<&fn> at once: g++ 12 otherwise
// may first instantiate it in the middle of a Process constructor's
// CallableWith check and fail with "satisfaction of atomic constraint ...
// depends on itself" (it came and went with unrelated edits and flags).
#define CONC_PROCESS_FUNCTION(fn)                                                         \
  template <>                                                                             \
  struct conc::ProcessFunctionName<&fn> {                                                 \
    static constexpr std::string_view value = #fn;                                        \
  };                                                                                      \
  [[maybe_unused]] static const bool CONC_INTERNAL_PROCESS_CONCAT(conc_process_function_, \
                                                                  __LINE__) =             \
      ::conc::internal::RegisterProcessFunction(#fn, &::conc::internal::Thunk<&fn>);      \
  static_assert(sizeof(::conc::ProcessFunction<&fn>) > 0, "instantiated here, see above")

// How a process is started (see the top of this file).
enum class StartMethod { kSpawn, kFork };

// The tag that selects the fork start method: conc::Process(conc::kForkMethod, fn).
struct ForkMethod {};
inline constexpr ForkMethod kForkMethod{};

// Python's Process(name=, daemon=) keywords, plus subprocess's pass_fds.
struct ProcessOptions {
  std::string name = {};      // "" gives "Process-N" ("Process-1:N" in Process-1).
  // nullopt: the creating process's own flag (false in the main process), as
  // Python. See "Daemonic children" above.
  std::optional<bool> daemon = std::nullopt;
  std::vector<int> pass_fds = {};  // Spawn only: kept open in the child, same numbers.
};

namespace internal {
struct ProcessState;
std::shared_ptr<ProcessState> NewSpawnState(ProcessOptions options, std::string_view function,
                                            std::string encoded_args);
std::shared_ptr<ProcessState> NewForkState(ProcessOptions options, std::function<void()> body);
// "exited with code 3", "was killed by signal 9 (SIGKILL)".
std::string DescribeExitCode(int exitcode);
}  // namespace internal

class Process {
 public:
  // Spawn `target(args...)` in a fresh copy of the program. The arguments are
  // converted to the function's parameter types and encoded now.
  template <auto F, class... Args>
    requires internal::CallableWith<F, Args...>
  explicit Process(ProcessFunction<F> target, Args&&... args)
      : Process(ProcessOptions{}, target, std::forward<Args>(args)...) {}

  template <auto F, class... Args>
    requires internal::CallableWith<F, Args...>
  Process(ProcessOptions options, ProcessFunction<F>, Args&&... args)
      : state_(internal::NewSpawnState(
            std::move(options), ProcessFunction<F>::name,
            Encode(typename ProcessFunction<F>::Traits::ArgsTuple(std::forward<Args>(args)...)))) {}

  // Fork a copy of this program that runs `fn(args...)` (any callable; the
  // arguments are decay-copied). See the danger above.
  template <class Fn, class... Args>
    requires std::invocable<std::decay_t<Fn>&, std::decay_t<Args>&...>
  Process(ForkMethod, Fn&& fn, Args&&... args)
      : Process(kForkMethod, ProcessOptions{}, std::forward<Fn>(fn), std::forward<Args>(args)...) {}

  template <class Fn, class... Args>
    requires std::invocable<std::decay_t<Fn>&, std::decay_t<Args>&...>
  Process(ForkMethod, ProcessOptions options, Fn&& fn, Args&&... args)
      : state_(internal::NewForkState(
            std::move(options),
            [bound = std::make_shared<std::tuple<std::decay_t<Fn>, std::decay_t<Args>...>>(
                 std::forward<Fn>(fn), std::forward<Args>(args)...)] {
              std::apply([](auto& f, auto&... a) { (void)std::invoke(f, a...); }, *bound);
            })) {}

  // Starts the child. FailedPrecondition if started before, if this is not a
  // child of the caller (current_process(), parent_process()), if the caller
  // is itself a daemonic process, or for spawn if main() did not call
  // ProcessMain; InvalidArgument once closed;
  // ResourceExhausted or the errno's status if fork/pipe fail.
  [[nodiscard]] absl::Status start();

  // Waits for the child to end, at most `timeout` (nullopt: forever; zero
  // polls). OK once it has ended (exitcode() is then set); DeadlineExceeded if
  // the timeout expired first; FailedPrecondition if never started or not a
  // child; InvalidArgument once closed.
  [[nodiscard]] absl::Status join(std::optional<absl::Duration> timeout = std::nullopt);

  // True from start() until the child ends. Reaps an ended child (as Python
  // does). current_process() is alive; parent_process() is alive while the
  // parent runs.
  [[nodiscard]] bool is_alive() const;

  // nullopt until the child has ended (and before start); then its exit code,
  // or -S if signal S killed it. Reaps an ended child.
  [[nodiscard]] std::optional<int> exitcode() const;

  // The child's process id once started (nullopt before, as Python's None).
  [[nodiscard]] std::optional<pid_t> pid() const;

  // Python's `p.sentinel`: a descriptor that becomes readable when the child
  // ends and stays readable, for poll(2) or conc::wait (modules/ipc/wait.h).
  // It is a pidfd (pidfd_open(2), Linux 5.3+), not Python's pipe: nothing is
  // put into the child, so a grandchild that inherits the child's descriptors
  // and outlives it cannot hold the sentinel back, and it fires on the exit
  // itself, not when the child happens to close descriptors. It works before
  // and after the child is reaped (join, is_alive), until close(). The Process
  // owns it: do not close it or read from it. Errors: InvalidArgument before
  // start ("process not started", Python's ValueError) or once closed;
  // FailedPrecondition for current_process()/parent_process(); the errno's
  // status (Unimplemented for ENOSYS) if the kernel refused the pidfd.
  [[nodiscard]] absl::StatusOr<int> sentinel() const;

  [[nodiscard]] const std::string& name() const;
  [[nodiscard]] bool daemon() const;
  // Python's `p.daemon = flag`: FailedPrecondition after start.
  [[nodiscard]] absl::Status set_daemon(bool daemon);
  [[nodiscard]] StartMethod start_method() const;

  // Send SIGTERM / SIGKILL to a started child; OK (nothing sent) if it has
  // already ended. FailedPrecondition before start or for a non-child.
  [[nodiscard]] absl::Status terminate();
  [[nodiscard]] absl::Status kill();

  // Releases the resources of an ended (or never started) child; afterwards
  // start and join are InvalidArgument. InvalidArgument if still running.
  [[nodiscard]] absl::Status close();

  friend bool operator==(const Process& a, const Process& b) { return a.state_ == b.state_; }

 private:
  friend Process current_process();
  friend std::optional<Process> parent_process();
  friend std::vector<Process> active_children();
  explicit Process(std::shared_ptr<internal::ProcessState> state) : state_(std::move(state)) {}

  std::shared_ptr<internal::ProcessState> state_;  // Never null.
};

// The process entry hook. Call it first in main(). In a child started by the
// spawn method it runs the requested function and exits (never returns); in
// any other process it records argv[0] and returns.
void ProcessMain(int argc, char** argv);

// Python's multiprocessing.current_process(): "MainProcess" in the program
// started by the user, the child's name in a child.
[[nodiscard]] Process current_process();

// Python's multiprocessing.parent_process(): nullopt in the main process; in a
// child, a handle with the parent's pid and name (is_alive() only).
[[nodiscard]] std::optional<Process> parent_process();

// Python's multiprocessing.active_children(): the started children of this
// process that are still running; reaps (and forgets) those that ended.
[[nodiscard]] std::vector<Process> active_children();

}  // namespace conc

#endif  // MODULES_THREADS_PROCESS_H_
