// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Tests of conc::Process, after the cases of CPython's
// Lib/test/_test_multiprocessing.py (_TestProcess): exit codes, join with a
// timeout, is_alive, start twice, terminate/kill, current_process and
// parent_process in the child, active_children, daemonic children, both start
// methods. Children that must keep running block reading a pipe; nothing
// sleeps to synchronise. Waits are bounded generously (loaded 2-core VMs under
// the sanitizers).

#include "modules/threads/process.h"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/common/fd.h"
#include "modules/common/framed.h"

namespace {

constexpr absl::Duration kLong = absl::Seconds(60);

// --- Functions the children run (registered below, at global scope). ---

void do_nothing() {}

void exit_with(int code) { std::exit(code); }

void throw_error(std::string message) { throw std::runtime_error(message); }

// Blocks until the other end of `fd` is closed: a child that "keeps running".
void wait_for_eof(int fd) {
  char c;
  while (::read(fd, &c, 1) > 0 || errno == EINTR) {
  }
}

// What a child reports about itself.
struct Identity {
  int64_t pid = 0;
  std::string name;
  int64_t parent_pid = 0;
  std::string parent_name;
  bool parent_alive = false;
  bool daemon = false;
  CONC_CODEC_FIELDS(pid, name, parent_pid, parent_name, parent_alive, daemon);
};

Identity Describe() {
  Identity id;
  id.pid = ::getpid();
  id.name = conc::current_process().name();
  id.daemon = conc::current_process().daemon();
  if (std::optional<conc::Process> parent = conc::parent_process()) {
    id.parent_pid = parent->pid().value_or(0);
    id.parent_name = parent->name();
    id.parent_alive = parent->is_alive();
  }
  return id;
}

void report_identity(int fd) {
  conc::FrameWriter out(fd);
  if (!out.WriteMessage(Describe()).ok()) std::exit(2);
}

// Codec arguments of several types; the answer goes back through `fd`.
void sum_and_report(int fd, std::vector<int> xs, const std::string& label) {
  int64_t sum = 0;
  for (int x : xs) sum += x;
  conc::FrameWriter out(fd);
  if (!out.WriteMessage(label + "=" + std::to_string(sum)).ok()) std::exit(2);
}

void pause_forever() {
  for (;;) ::pause();
}

}  // namespace

CONC_PROCESS_FUNCTION(pause_forever);

namespace {

// Starts a daemonic grandchild, reports its pid through `fd`, then either
// returns (a normal exit: the atexit hook terminates the grandchild) or blocks
// until killed (PR_SET_PDEATHSIG kills the grandchild).
void start_daemon_grandchild(int fd, bool block) {
  conc::Process grandchild({.daemon = true}, conc::process_function<pause_forever>);
  if (!grandchild.start().ok()) std::exit(3);
  conc::FrameWriter out(fd);
  if (!out.WriteMessage(static_cast<int64_t>(*grandchild.pid())).ok()) std::exit(2);
  if (block) pause_forever();
}

void unregistered() {}

}  // namespace

CONC_PROCESS_FUNCTION(do_nothing);
CONC_PROCESS_FUNCTION(exit_with);
CONC_PROCESS_FUNCTION(throw_error);
CONC_PROCESS_FUNCTION(wait_for_eof);
CONC_PROCESS_FUNCTION(report_identity);
CONC_PROCESS_FUNCTION(sum_and_report);
CONC_PROCESS_FUNCTION(start_daemon_grandchild);

namespace {

// What a daemonic process finds when it tries to have children.
struct DaemonRules {
  bool self_daemon = false;
  bool default_daemon = false;  // A Process created without .daemon.
  int default_start_code = 0;
  std::string default_start_message;
  bool explicit_daemon = true;  // A Process created with .daemon = false.
  int explicit_start_code = 0;
  CONC_CODEC_FIELDS(self_daemon, default_daemon, default_start_code, default_start_message,
                    explicit_daemon, explicit_start_code);
};

DaemonRules TryToHaveChildren() {
  DaemonRules rules;
  rules.self_daemon = conc::current_process().daemon();
  conc::Process by_default(conc::process_function<do_nothing>);
  rules.default_daemon = by_default.daemon();
  absl::Status s = by_default.start();
  rules.default_start_code = static_cast<int>(s.code());
  rules.default_start_message = std::string(s.message());
  conc::Process not_daemonic({.daemon = false}, conc::process_function<do_nothing>);
  rules.explicit_daemon = not_daemonic.daemon();
  rules.explicit_start_code = static_cast<int>(not_daemonic.start().code());
  // Had a start succeeded (it must not), the exit hook joins the child.
  return rules;
}

void report_daemon_rules(int fd) {
  conc::FrameWriter out(fd);
  if (!out.WriteMessage(TryToHaveChildren()).ok()) std::exit(2);
}

}  // namespace

CONC_PROCESS_FUNCTION(report_daemon_rules);

namespace {

using ::testing::HasSubstr;

// Closures and unregistered functions cannot be spawned: a compile error.
auto closure = [] {};
static_assert(!std::is_constructible_v<conc::Process, decltype(closure)>);
static_assert(!conc::RegisteredProcessFunction<unregistered>);
static_assert(conc::RegisteredProcessFunction<do_nothing>);
// The fork method takes any callable.
static_assert(std::is_constructible_v<conc::Process, conc::ForkMethod, decltype(closure)>);
// Arguments must convert to the parameters.
static_assert(
    !std::is_constructible_v<conc::Process, conc::ProcessFunction<exit_with>, std::string>);
static_assert(!std::is_constructible_v<conc::Process, conc::ProcessFunction<exit_with>>);

// A pipe whose read end a child keeps (pass_fds); the test keeps the write end.
struct Pipe {
  conc::FileDescriptor r, w;
};
Pipe MakeTestPipe() {
  auto p = conc::MakePipe();
  EXPECT_TRUE(p.ok()) << p.status();
  return Pipe{std::move(p->first), std::move(p->second)};
}

// Waits until `pid` (not necessarily our child) has ended.
bool WaitGone(pid_t pid, absl::Duration timeout) {
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return errno == ESRCH;
  pollfd p{fd, POLLIN, 0};
  int r;
  do {
    r = ::poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout)));
  } while (r < 0 && errno == EINTR);
  ::close(fd);
  return r == 1;
}

TEST(ProcessTest, ReturnGivesExitCodeZero) {
  conc::Process p(conc::process_function<do_nothing>);
  EXPECT_FALSE(p.is_alive());
  EXPECT_EQ(p.pid(), std::nullopt);
  EXPECT_EQ(p.exitcode(), std::nullopt);
  EXPECT_EQ(p.start_method(), conc::StartMethod::kSpawn);
  ASSERT_TRUE(p.start().ok());
  EXPECT_TRUE(p.pid().has_value());
  ASSERT_TRUE(p.join(kLong).ok());
  EXPECT_EQ(p.exitcode(), 0);
  EXPECT_FALSE(p.is_alive());
}

TEST(ProcessTest, ExitGivesItsCode) {
  conc::Process p(conc::process_function<exit_with>, 3);
  ASSERT_TRUE(p.start().ok());
  ASSERT_TRUE(p.join(kLong).ok());
  EXPECT_EQ(p.exitcode(), 3);
}

TEST(ProcessTest, ExceptionGivesExitCodeOne) {
  conc::Process p(conc::process_function<throw_error>, "boom");
  ASSERT_TRUE(p.start().ok());
  ASSERT_TRUE(p.join(kLong).ok());
  EXPECT_EQ(p.exitcode(), 1);
}

TEST(ProcessTest, TerminateGivesMinusSigterm) {
  Pipe pipe = MakeTestPipe();
  conc::Process p({.pass_fds = {pipe.r.get()}}, conc::process_function<wait_for_eof>, pipe.r.get());
  ASSERT_TRUE(p.start().ok());
  EXPECT_TRUE(p.is_alive());
  ASSERT_TRUE(p.terminate().ok());
  ASSERT_TRUE(p.join(kLong).ok());
  EXPECT_EQ(p.exitcode(), -SIGTERM);
  EXPECT_FALSE(p.is_alive());
  EXPECT_TRUE(p.terminate().ok());  // Already ended: nothing to do.
}

TEST(ProcessTest, KillGivesMinusSigkill) {
  Pipe pipe = MakeTestPipe();
  conc::Process p({.pass_fds = {pipe.r.get()}}, conc::process_function<wait_for_eof>, pipe.r.get());
  ASSERT_TRUE(p.start().ok());
  ASSERT_TRUE(p.kill().ok());
  ASSERT_TRUE(p.join(kLong).ok());
  EXPECT_EQ(p.exitcode(), -SIGKILL);
  EXPECT_EQ(conc::internal::DescribeExitCode(*p.exitcode()), "was killed by signal 9 (SIGKILL)");
}

TEST(ProcessTest, JoinTimesOutOnARunningChild) {
  Pipe pipe = MakeTestPipe();
  conc::Process p({.pass_fds = {pipe.r.get()}}, conc::process_function<wait_for_eof>, pipe.r.get());
  ASSERT_TRUE(p.start().ok());
  pipe.r.reset();
  EXPECT_TRUE(absl::IsDeadlineExceeded(p.join(absl::Milliseconds(50))));
  EXPECT_TRUE(absl::IsDeadlineExceeded(p.join(absl::ZeroDuration())));
  EXPECT_TRUE(p.is_alive());
  EXPECT_EQ(p.exitcode(), std::nullopt);
  // Closing a running process is refused (Python's ValueError).
  EXPECT_TRUE(absl::IsInvalidArgument(p.close()));
  pipe.w.reset();  // The child reads EOF and returns.
  ASSERT_TRUE(p.join(kLong).ok());
  EXPECT_EQ(p.exitcode(), 0);
  EXPECT_FALSE(p.is_alive());
}

// Python's test_many_processes: many children, half terminated, half killed.
TEST(ProcessTest, ManyProcesses) {
  Pipe pipe = MakeTestPipe();
  std::vector<conc::Process> ps;
  for (int i = 0; i < 10; ++i) {
    ps.emplace_back(conc::ProcessOptions{.pass_fds = {pipe.r.get()}},
                    conc::process_function<wait_for_eof>, pipe.r.get());
    ASSERT_TRUE(ps.back().start().ok());
  }
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(ps[i].is_alive());
    ASSERT_TRUE((i % 2 == 0 ? ps[i].terminate() : ps[i].kill()).ok());
  }
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(ps[i].join(kLong).ok());
    EXPECT_EQ(ps[i].exitcode(), i % 2 == 0 ? -SIGTERM : -SIGKILL);
  }
}

TEST(ProcessTest, MisuseIsReported) {
  conc::Process p(conc::process_function<do_nothing>);
  EXPECT_TRUE(absl::IsFailedPrecondition(p.join()));
  EXPECT_TRUE(absl::IsFailedPrecondition(p.terminate()));
  ASSERT_TRUE(p.start().ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(p.start()));  // Start twice.
  EXPECT_TRUE(absl::IsFailedPrecondition(p.set_daemon(true)));
  ASSERT_TRUE(p.join(kLong).ok());
  ASSERT_TRUE(p.close().ok());
  EXPECT_TRUE(absl::IsInvalidArgument(p.start()));
  EXPECT_TRUE(absl::IsInvalidArgument(p.join()));
  EXPECT_TRUE(p.close().ok());  // Twice is fine, as in Python.
  // The current process is not a child of itself.
  EXPECT_TRUE(absl::IsFailedPrecondition(conc::current_process().join()));
  EXPECT_TRUE(absl::IsFailedPrecondition(conc::current_process().start()));
}

TEST(ProcessTest, CurrentProcessInTheParent) {
  conc::Process me = conc::current_process();
  EXPECT_EQ(me.name(), "MainProcess");
  EXPECT_EQ(me.pid(), ::getpid());
  EXPECT_TRUE(me.is_alive());
  EXPECT_TRUE(me == conc::current_process());
  EXPECT_EQ(conc::parent_process(), std::nullopt);
}

TEST(ProcessTest, ChildSeesItsNameAndParent) {
  Pipe pipe = MakeTestPipe();
  conc::Process p({.name = "reporter", .daemon = true, .pass_fds = {pipe.w.get()}},
                  conc::process_function<report_identity>, pipe.w.get());
  EXPECT_EQ(p.name(), "reporter");
  EXPECT_TRUE(p.daemon());
  ASSERT_TRUE(p.start().ok());
  pipe.w.reset();
  conc::FrameReader in(pipe.r.get());
  absl::StatusOr<Identity> id = in.ReadMessage<Identity>();
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->pid, *p.pid());
  EXPECT_EQ(id->name, "reporter");
  EXPECT_TRUE(id->daemon);
  EXPECT_EQ(id->parent_pid, ::getpid());
  EXPECT_EQ(id->parent_name, "MainProcess");
  EXPECT_TRUE(id->parent_alive);
  ASSERT_TRUE(p.join(kLong).ok());
  EXPECT_EQ(p.exitcode(), 0);
}

TEST(ProcessTest, DefaultNamesCount) {
  conc::Process a(conc::process_function<do_nothing>);
  conc::Process b(conc::process_function<do_nothing>);
  EXPECT_THAT(a.name(), ::testing::StartsWith("Process-"));
  EXPECT_NE(a.name(), b.name());
}

TEST(ProcessTest, SpawnCarriesCodecArguments) {
  Pipe pipe = MakeTestPipe();
  conc::Process p({.pass_fds = {pipe.w.get()}}, conc::process_function<sum_and_report>,
                  pipe.w.get(), std::vector<int>{1, 2, 3, 4}, "sum");
  ASSERT_TRUE(p.start().ok());
  pipe.w.reset();
  conc::FrameReader in(pipe.r.get());
  absl::StatusOr<std::string> got = in.ReadMessage<std::string>();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, "sum=10");
  ASSERT_TRUE(p.join(kLong).ok());
  EXPECT_EQ(p.exitcode(), 0);
}

TEST(ProcessTest, ActiveChildrenListsRunningAndReapsEnded) {
  Pipe pipe = MakeTestPipe();
  conc::Process running({.pass_fds = {pipe.r.get()}}, conc::process_function<wait_for_eof>,
                        pipe.r.get());
  conc::Process quick(conc::process_function<do_nothing>);
  ASSERT_TRUE(running.start().ok());
  ASSERT_TRUE(quick.start().ok());
  // Wait for `quick` to end without reaping it (WNOWAIT), so that
  // active_children() is the one that notices.
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(*quick.pid()), &info, WEXITED | WNOWAIT), 0);
  std::vector<conc::Process> children = conc::active_children();
  EXPECT_THAT(children, ::testing::Contains(running));
  EXPECT_THAT(children, ::testing::Not(::testing::Contains(quick)));
  EXPECT_EQ(quick.exitcode(), 0);
  pipe.w.reset();
  ASSERT_TRUE(running.join(kLong).ok());
  EXPECT_THAT(conc::active_children(), ::testing::Not(::testing::Contains(running)));
}

// Python's test_daemon_terminated_at_exit, and PR_SET_PDEATHSIG for a parent
// that dies without running its exit hooks.
void CheckDaemonGrandchildDies(bool parent_blocks) {
  Pipe pipe = MakeTestPipe();
  conc::Process middle({.pass_fds = {pipe.w.get()}},
                       conc::process_function<start_daemon_grandchild>, pipe.w.get(),
                       parent_blocks);
  ASSERT_TRUE(middle.start().ok());
  pipe.w.reset();
  conc::FrameReader in(pipe.r.get());
  absl::StatusOr<int64_t> grandchild = in.ReadMessage<int64_t>();
  ASSERT_TRUE(grandchild.ok()) << grandchild.status();
  if (parent_blocks) {
    ASSERT_TRUE(middle.kill().ok());
    ASSERT_TRUE(middle.join(kLong).ok());
    EXPECT_EQ(middle.exitcode(), -SIGKILL);
  } else {
    ASSERT_TRUE(middle.join(kLong).ok());
    EXPECT_EQ(middle.exitcode(), 0);
  }
  EXPECT_TRUE(WaitGone(static_cast<pid_t>(*grandchild), kLong));
}

TEST(ProcessTest, DaemonicChildIsTerminatedWhenItsParentExits) { CheckDaemonGrandchildDies(false); }

TEST(ProcessTest, DaemonicChildIsKilledWhenItsParentIsKilled) { CheckDaemonGrandchildDies(true); }

void ExpectDaemonRules(const DaemonRules& rules) {
  EXPECT_TRUE(rules.self_daemon);
  EXPECT_TRUE(rules.default_daemon);  // The creator's flag, as in Python.
  EXPECT_EQ(rules.default_start_code, static_cast<int>(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(rules.default_start_message,
              HasSubstr("daemonic processes are not allowed to have children"));
  EXPECT_FALSE(rules.explicit_daemon);  // An explicit flag wins ...
  // ... but the rule is about the creator: refused all the same.
  EXPECT_EQ(rules.explicit_start_code, static_cast<int>(absl::StatusCode::kFailedPrecondition));
}

TEST(ProcessTest, DaemonDefaultsToTheCreatorsFlag) {
  // The main process is not daemonic: neither are its children by default.
  conc::Process spawned(conc::process_function<do_nothing>);
  conc::Process forked(conc::kForkMethod, [] {});
  EXPECT_FALSE(spawned.daemon());
  EXPECT_FALSE(forked.daemon());
  EXPECT_FALSE(conc::current_process().daemon());
}

TEST(ProcessTest, DaemonicSpawnedProcessCannotHaveChildren) {
  Pipe pipe = MakeTestPipe();
  conc::Process p({.daemon = true, .pass_fds = {pipe.w.get()}},
                  conc::process_function<report_daemon_rules>, pipe.w.get());
  ASSERT_TRUE(p.start().ok());
  pipe.w.reset();
  conc::FrameReader in(pipe.r.get());
  absl::StatusOr<DaemonRules> rules = in.ReadMessage<DaemonRules>();
  ASSERT_TRUE(rules.ok()) << rules.status();
  ExpectDaemonRules(*rules);
  ASSERT_TRUE(p.join(kLong).ok());
  EXPECT_EQ(p.exitcode(), 0);
}

TEST(ProcessTest, DaemonicForkedProcessCannotHaveChildren) {
  Pipe pipe = MakeTestPipe();
  const int w = pipe.w.get();
  conc::Process p(conc::kForkMethod, {.daemon = true}, [w] { report_daemon_rules(w); });
  ASSERT_TRUE(p.start().ok());
  pipe.w.reset();
  conc::FrameReader in(pipe.r.get());
  absl::StatusOr<DaemonRules> rules = in.ReadMessage<DaemonRules>();
  ASSERT_TRUE(rules.ok()) << rules.status();
  ExpectDaemonRules(*rules);
  ASSERT_TRUE(p.join(kLong).ok());
  EXPECT_EQ(p.exitcode(), 0);
}

TEST(ProcessTest, ForkRunsAClosure) {
  Pipe pipe = MakeTestPipe();
  std::string captured = "hello from the fork";
  conc::Process p(conc::kForkMethod, {.name = "forked"}, [&captured, &pipe] {
    conc::FrameWriter out(pipe.w.get());
    Identity id = Describe();
    if (!out.WriteMessage(captured).ok() || !out.WriteMessage(id).ok()) std::exit(2);
  });
  EXPECT_EQ(p.start_method(), conc::StartMethod::kFork);
  ASSERT_TRUE(p.start().ok());
  pipe.w.reset();
  conc::FrameReader in(pipe.r.get());
  absl::StatusOr<std::string> got = in.ReadMessage<std::string>();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, "hello from the fork");
  absl::StatusOr<Identity> id = in.ReadMessage<Identity>();
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->name, "forked");
  EXPECT_EQ(id->pid, *p.pid());
  EXPECT_EQ(id->parent_name, "MainProcess");
  EXPECT_EQ(id->parent_pid, ::getpid());
  ASSERT_TRUE(p.join(kLong).ok());
  EXPECT_EQ(p.exitcode(), 0);
}

// Python's Process.sentinel: readable once the child has ended, and after.
void CheckSentinel(conc::Process& p, Pipe& pipe) {
  absl::StatusOr<int> before = p.sentinel();
  EXPECT_EQ(before.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(before.status().message(), HasSubstr("process not started"));
  ASSERT_TRUE(p.start().ok());
  pipe.r.reset();
  absl::StatusOr<int> sentinel = p.sentinel();
  ASSERT_TRUE(sentinel.ok()) << sentinel.status();
  pollfd fd{*sentinel, POLLIN, 0};
  EXPECT_EQ(::poll(&fd, 1, 0), 0);  // Running (it waits for our EOF).
  pipe.w.reset();                   // Now it returns.
  int r;
  do {
    r = ::poll(&fd, 1, static_cast<int>(absl::ToInt64Milliseconds(kLong)));
  } while (r < 0 && errno == EINTR);
  EXPECT_EQ(r, 1);
  EXPECT_TRUE(fd.revents & POLLIN);
  ASSERT_TRUE(p.join(absl::ZeroDuration()).ok());  // Ended: no wait.
  EXPECT_EQ(p.exitcode(), 0);
  fd.revents = 0;
  EXPECT_EQ(::poll(&fd, 1, 0), 1);  // Still readable once reaped.
  EXPECT_EQ(*p.sentinel(), *sentinel);
  ASSERT_TRUE(p.close().ok());
  EXPECT_EQ(p.sentinel().status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(conc::current_process().sentinel().status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(ProcessTest, SentinelIsReadableOnceASpawnedChildEnds) {
  Pipe pipe = MakeTestPipe();
  conc::Process p({.pass_fds = {pipe.r.get()}}, conc::process_function<wait_for_eof>,
                  pipe.r.get());
  CheckSentinel(p, pipe);
}

TEST(ProcessTest, SentinelIsReadableOnceAForkedChildEnds) {
  Pipe pipe = MakeTestPipe();
  const int r = pipe.r.get(), w = pipe.w.get();
  conc::Process p(conc::kForkMethod, [r, w] {
    ::close(w);  // The forked copy of the write end.
    wait_for_eof(r);
  });
  CheckSentinel(p, pipe);
}

TEST(ProcessTest, ForkExitCodes) {
  conc::Process thrower(
      conc::kForkMethod, [](int n) { throw std::out_of_range(std::to_string(n)); }, 7);
  conc::Process exiter(conc::kForkMethod, [] { ::_exit(5); });
  ASSERT_TRUE(thrower.start().ok());
  ASSERT_TRUE(exiter.start().ok());
  ASSERT_TRUE(thrower.join(kLong).ok());
  ASSERT_TRUE(exiter.join(kLong).ok());
  EXPECT_EQ(thrower.exitcode(), 1);
  EXPECT_EQ(exiter.exitcode(), 5);
}

}  // namespace

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // In a spawned child: runs its function, exits.
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
