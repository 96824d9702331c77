// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Tests of conc::Thread and the threading helpers, after the edge cases of
// CPython's Lib/test/test_threading.py. Waits are bounded generously (CI runs on
// a loaded 2-core VM under TSan/ASan); no sleep is used to synchronise.

#include "modules/threads/thread.h"

#include <cstdio>
#include <cstdlib>
#include <latch>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace conc {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

constexpr absl::Duration kLong = absl::Seconds(60);  // "Never" on a healthy machine.

bool Contains(const std::vector<Thread>& threads, const Thread& t) {
  for (const Thread& x : threads) {
    if (x == t) return true;
  }
  return false;
}

TEST(ThreadTest, RunsTargetWithDecayCopiedArguments) {
  std::string seen;
  int sum = 0;
  std::string text = "hello";
  Thread t([&seen, &sum](std::string s, std::unique_ptr<int> p, int x) {
    seen = s;
    sum = *p + x;
  }, text, std::make_unique<int>(40), 2);
  text = "changed after construction";
  ASSERT_TRUE(t.start().ok());
  ASSERT_TRUE(t.join(kLong).ok());
  EXPECT_EQ(seen, "hello");
  EXPECT_EQ(sum, 42);
}

TEST(ThreadTest, StartTwiceIsFailedPrecondition) {
  Thread t([] {});
  ASSERT_TRUE(t.start().ok());
  absl::Status again = t.start();
  EXPECT_TRUE(absl::IsFailedPrecondition(again)) << again;
  EXPECT_THAT(std::string(again.message()), HasSubstr("only be started once"));
  ASSERT_TRUE(t.join(kLong).ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(t.start()));
}

TEST(ThreadTest, JoinBeforeStartIsFailedPrecondition) {
  Thread t([] {});
  EXPECT_TRUE(absl::IsFailedPrecondition(t.join()));
  EXPECT_TRUE(absl::IsFailedPrecondition(t.join(absl::ZeroDuration())));
  EXPECT_FALSE(t.is_alive());
}

TEST(ThreadTest, JoinSelfIsFailedPrecondition) {
  absl::Status inside;
  Thread t;
  t = Thread([&inside] { inside = current_thread().join(absl::Seconds(1)); });
  ASSERT_TRUE(t.start().ok());
  ASSERT_TRUE(t.join(kLong).ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(inside)) << inside;
  EXPECT_TRUE(absl::IsFailedPrecondition(main_thread().join(absl::ZeroDuration())));
}

TEST(ThreadTest, JoinTimesOutOnABlockedThread) {
  std::latch release(1);
  Thread t([&release] { release.wait(); });
  ASSERT_TRUE(t.start().ok());
  EXPECT_TRUE(t.is_alive());
  absl::Status s = t.join(absl::Milliseconds(20));
  EXPECT_TRUE(absl::IsDeadlineExceeded(s)) << s;
  EXPECT_TRUE(absl::IsDeadlineExceeded(t.join(absl::ZeroDuration())));
  EXPECT_TRUE(absl::IsDeadlineExceeded(t.join(absl::Seconds(-1))));
  EXPECT_TRUE(t.is_alive());
  release.count_down();
  ASSERT_TRUE(t.join(kLong).ok());
  EXPECT_FALSE(t.is_alive());
  EXPECT_TRUE(t.join(absl::ZeroDuration()).ok());  // Joining twice is fine.
}

TEST(ThreadTest, IdentAndNativeId) {
  Thread t([] {});
  EXPECT_EQ(t.ident(), 0u);
  EXPECT_EQ(t.native_id(), 0);
  uint64_t ident_inside = 0;
  int64_t native_inside = 0;
  uint64_t current_ident_inside = 0;
  t = Thread([&] {
    ident_inside = get_ident();
    native_inside = get_native_id();
    current_ident_inside = current_thread().ident();
  });
  ASSERT_TRUE(t.start().ok());
  EXPECT_NE(t.ident(), 0u);
  EXPECT_NE(t.native_id(), 0);
  ASSERT_TRUE(t.join(kLong).ok());
  EXPECT_EQ(t.ident(), ident_inside);
  EXPECT_EQ(current_ident_inside, ident_inside);
  EXPECT_EQ(t.native_id(), native_inside);
  EXPECT_NE(native_inside, get_native_id());
  EXPECT_NE(ident_inside, get_ident());
  EXPECT_EQ(main_thread().ident(), get_ident());
  EXPECT_EQ(main_thread().native_id(), get_native_id());
}

TEST(ThreadTest, Names) {
  Thread a;
  Thread b;
  EXPECT_THAT(a.name(), MatchesRegex("Thread-[0-9]+"));
  EXPECT_EQ(std::stoi(b.name().substr(7)), std::stoi(a.name().substr(7)) + 1);
  Thread named({.name = "worker"}, [] {});
  EXPECT_EQ(named.name(), "worker");
  named.set_name("renamed");
  std::string inside;
  Thread c({.name = "inside"}, [&inside] { inside = current_thread().name(); });
  ASSERT_TRUE(c.start().ok());
  ASSERT_TRUE(c.join(kLong).ok());
  EXPECT_EQ(inside, "inside");
  EXPECT_EQ(named.name(), "renamed");
}

TEST(ThreadTest, MainThread) {
  EXPECT_EQ(main_thread().name(), "MainThread");
  EXPECT_TRUE(current_thread() == main_thread());
  EXPECT_TRUE(main_thread().is_alive());
  EXPECT_FALSE(main_thread().daemon());
  bool main_is_current_inside = true;
  Thread t([&] { main_is_current_inside = current_thread() == main_thread(); });
  ASSERT_TRUE(t.start().ok());
  ASSERT_TRUE(t.join(kLong).ok());
  EXPECT_FALSE(main_is_current_inside);
}

TEST(ThreadTest, ForeignThreadsAreDummies) {
  std::string name;
  bool daemon = false, alive = false, listed = false;
  absl::Status join;
  Thread dummy;
  std::thread foreign([&] {
    dummy = current_thread();
    name = dummy.name();
    daemon = dummy.daemon();
    alive = dummy.is_alive();
    listed = Contains(enumerate(), dummy);
    join = dummy.join(absl::ZeroDuration());
  });
  foreign.join();
  EXPECT_THAT(name, MatchesRegex("Dummy-[0-9]+"));
  EXPECT_TRUE(daemon);
  EXPECT_TRUE(alive);
  EXPECT_TRUE(listed);
  EXPECT_TRUE(absl::IsFailedPrecondition(join));
  EXPECT_FALSE(Contains(enumerate(), dummy));  // Left when its OS thread ended.
}

TEST(ThreadTest, EnumerateAndActiveCountFollowThreads) {
  const int before = active_count();
  EXPECT_TRUE(Contains(enumerate(), main_thread()));
  std::latch release(1);
  Thread t([&release] { release.wait(); });
  EXPECT_FALSE(Contains(enumerate(), t));
  ASSERT_TRUE(t.start().ok());
  EXPECT_EQ(active_count(), before + 1);
  EXPECT_TRUE(Contains(enumerate(), t));
  release.count_down();
  ASSERT_TRUE(t.join(kLong).ok());
  EXPECT_EQ(active_count(), before);
  EXPECT_FALSE(Contains(enumerate(), t));
}

TEST(ThreadTest, DaemonFlag) {
  Thread t([] {});
  EXPECT_FALSE(t.daemon());  // Inherited from the main thread.
  ASSERT_TRUE(t.set_daemon(true).ok());
  EXPECT_TRUE(t.daemon());
  ASSERT_TRUE(t.start().ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(t.set_daemon(false)));
  ASSERT_TRUE(t.join(kLong).ok());
  // A thread made by a daemon thread is a daemon too, unless told otherwise.
  bool inherited = false, overridden = true;
  Thread parent({.daemon = true}, [&] {
    inherited = Thread([] {}).daemon();
    overridden = Thread({.daemon = false}, [] {}).daemon();
  });
  ASSERT_TRUE(parent.start().ok());
  ASSERT_TRUE(parent.join(kLong).ok());
  EXPECT_TRUE(inherited);
  EXPECT_FALSE(overridden);
}

TEST(ThreadTest, DroppingTheHandleLeavesTheThreadRunning) {
  std::latch release(1);
  {
    Thread t({.name = "orphan"}, [&release] { release.wait(); });
    ASSERT_TRUE(t.start().ok());
  }  // Unlike std::thread, no std::terminate.
  Thread found;
  bool present = false;
  for (const Thread& x : enumerate()) {
    if (x.name() == "orphan") {
      found = x;
      present = true;
    }
  }
  ASSERT_TRUE(present);
  EXPECT_TRUE(found.is_alive());
  release.count_down();
  EXPECT_TRUE(found.join(kLong).ok());
}

TEST(ThreadTest, ExcepthookReceivesTheException) {
  std::string what, thread_name;
  ExceptHook previous = set_excepthook([&](const ExceptHookArgs& args) {
    thread_name = args.thread.name();
    try {
      std::rethrow_exception(args.exc_value);
    } catch (const std::exception& e) {
      what = e.what();
    }
  });
  Thread t({.name = "thrower"}, [] { throw std::runtime_error("boom"); });
  ASSERT_TRUE(t.start().ok());
  ASSERT_TRUE(t.join(kLong).ok());  // The hook ran before join returned.
  set_excepthook(previous);
  EXPECT_EQ(what, "boom");
  EXPECT_EQ(thread_name, "thrower");
}

TEST(ThreadTest, DefaultExcepthookPrintsNameAndException) {
  testing::internal::CaptureStderr();
  Thread t({.name = "loud"}, [] { throw std::invalid_argument("bad value"); });
  ASSERT_TRUE(t.start().ok());
  ASSERT_TRUE(t.join(kLong).ok());
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_THAT(err, HasSubstr("Exception in thread loud:\nstd::invalid_argument: bad value\n"));
}

TEST(ThreadTest, ThrowingExcepthookIsReported) {
  ExceptHook previous = set_excepthook([](const ExceptHookArgs&) { throw 7; });
  testing::internal::CaptureStderr();
  Thread t([] { throw std::runtime_error("first"); });
  ASSERT_TRUE(t.start().ok());
  ASSERT_TRUE(t.join(kLong).ok());
  const std::string err = testing::internal::GetCapturedStderr();
  set_excepthook(previous);
  EXPECT_THAT(err, HasSubstr("Exception in threading.excepthook:\nint"));
}

// Runs exit_rule_helper with `mode` and returns what it printed.
std::string RunHelper(const char* mode) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const std::string cmd = std::string(srcdir ? srcdir : ".") + "/conc/modules/threads/testing/exit_rule_helper " + mode;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return "popen failed";
  std::string out;
  char buf[256];
  while (size_t n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  const int rc = pclose(pipe);
  return out + "rc=" + std::to_string(rc);
}

TEST(ExitRuleTest, NonDaemonThreadIsJoinedAtExit) {
  EXPECT_EQ(RunHelper("nondaemon"), "main returns\nworker done\nrc=0");
}

TEST(ExitRuleTest, DaemonThreadIsNotWaitedFor) {
  EXPECT_EQ(RunHelper("daemon"), "main returns\nrc=0");
}

TEST(ExitRuleTest, UnregisteringAnExitCallbackWaitsWhileTheHookRunsIt) {
  EXPECT_EQ(RunHelper("unregister"), "main returns\ncallback done\nrc=0");
}

}  // namespace
}  // namespace conc
