// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// EventLoop: callback order, timers, cancellation of handles, the threadsafe
// wake-up, readers and writers. Every run is bounded (a bug fails, never hangs).

#include "modules/generators/event_loop.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/common/fd.h"
#include "modules/generators/task.h"

namespace conc {
namespace {

using ::testing::ElementsAre;

// A bound for runs that should end at once: generous (a loaded 2-core CI VM
// under TSan), since only a hang reaches it.
constexpr absl::Duration kBound = absl::Seconds(30);

std::unique_ptr<EventLoop> NewLoop() {
  absl::StatusOr<std::unique_ptr<EventLoop>> loop = EventLoop::Create();
  EXPECT_TRUE(loop.ok()) << loop.status();
  return std::move(*loop);
}

TEST(EventLoopTest, CallSoonRunsInFifoOrder) {
  auto loop = NewLoop();
  std::vector<int> order;
  for (int i = 0; i < 5; ++i) loop->call_soon([&order, i] { order.push_back(i); });
  loop->call_soon([&] { loop->stop(); });
  ASSERT_TRUE(loop->run_forever(kBound).ok());
  EXPECT_THAT(order, ElementsAre(0, 1, 2, 3, 4));
}

TEST(EventLoopTest, CallbacksScheduledByCallbacksRunInTheNextIteration) {
  auto loop = NewLoop();
  std::vector<std::string> order;
  loop->call_soon([&] {
    order.push_back("a");
    loop->call_soon([&] { order.push_back("c"); });
  });
  loop->call_soon([&] { order.push_back("b"); });
  loop->call_soon([&] { loop->call_soon([&] { loop->stop(); }); });
  ASSERT_TRUE(loop->run_forever(kBound).ok());
  EXPECT_THAT(order, ElementsAre("a", "b", "c"));
}

TEST(EventLoopTest, CallLaterRunsInDeadlineOrder) {
  auto loop = NewLoop();
  std::vector<int> order;
  // Scheduled out of order; 5 ms apart is enough since the loop runs them by
  // deadline, not by when it wakes (several may be due in one iteration).
  loop->call_later(absl::Milliseconds(30), [&] { order.push_back(3); });
  loop->call_later(absl::Milliseconds(10), [&] { order.push_back(1); });
  loop->call_later(absl::Milliseconds(20), [&] { order.push_back(2); });
  // Scheduled after the first 10 ms timer, so due no earlier: runs after it.
  loop->call_later(absl::Milliseconds(10), [&] { order.push_back(11); });
  loop->call_later(absl::Milliseconds(40), [&] { loop->stop(); });
  ASSERT_TRUE(loop->run_forever(kBound).ok());
  ASSERT_EQ(order.size(), 4u);
  EXPECT_EQ(order[0], 1);
  EXPECT_EQ(order[1], 11);
  EXPECT_EQ(order[2], 2);
  EXPECT_EQ(order[3], 3);
}

TEST(EventLoopTest, EqualDeadlinesRunInSchedulingOrder) {
  auto loop = NewLoop();
  std::vector<int> order;
  const Deadline when = Deadline::FromTimeout(absl::Milliseconds(5));
  for (int i = 0; i < 10; ++i) loop->call_at(when, [&order, i] { order.push_back(i); });
  loop->call_at(when, [&] { loop->stop(); });
  ASSERT_TRUE(loop->run_forever(kBound).ok());
  EXPECT_THAT(order, ElementsAre(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
}

TEST(EventLoopTest, CallLaterWaitsAtLeastItsDelay) {
  auto loop = NewLoop();
  const auto start = EventLoop::time();
  Deadline::Clock::time_point ran{};
  loop->call_later(absl::Milliseconds(20), [&] {
    ran = EventLoop::time();
    loop->stop();
  });
  ASSERT_TRUE(loop->run_forever(kBound).ok());
  EXPECT_GE(ran - start, std::chrono::milliseconds(20));
}

TEST(EventLoopTest, CancelledHandlesDoNotRun) {
  auto loop = NewLoop();
  std::vector<int> ran;
  Handle soon = loop->call_soon([&] { ran.push_back(1); });
  Handle later = loop->call_later(absl::Milliseconds(1), [&] { ran.push_back(2); });
  loop->call_soon([&] { ran.push_back(3); });
  // Cancelled from a callback, before it is due.
  Handle later2 = loop->call_later(absl::Milliseconds(5), [&] { ran.push_back(4); });
  loop->call_soon([&] { later2.cancel(); });
  loop->call_later(absl::Milliseconds(20), [&] { loop->stop(); });
  soon.cancel();
  later.cancel();
  EXPECT_TRUE(soon.cancelled());
  EXPECT_TRUE(later.cancelled());
  ASSERT_TRUE(loop->run_forever(kBound).ok());
  EXPECT_THAT(ran, ElementsAre(3));
  EXPECT_TRUE(later2.cancelled());
}

TEST(EventLoopTest, CancelReleasesTheCallbackAtOnce) {
  auto loop = NewLoop();
  auto token = std::make_shared<int>(1);
  Handle h = loop->call_later(absl::Hours(1), [token] {});
  EXPECT_EQ(token.use_count(), 2);
  h.cancel();
  EXPECT_EQ(token.use_count(), 1);
}

TEST(EventLoopTest, StopBeforeRunStopsAfterOneIteration) {
  auto loop = NewLoop();
  int ran = 0;
  loop->call_soon([&] { ++ran; });
  loop->stop();
  ASSERT_TRUE(loop->run_forever(kBound).ok());
  EXPECT_EQ(ran, 1);
}

TEST(EventLoopTest, RunForeverTimesOut) {
  auto loop = NewLoop();
  absl::Status s = loop->run_forever(absl::Milliseconds(10));
  EXPECT_TRUE(absl::IsDeadlineExceeded(s)) << s;
}

TEST(EventLoopTest, RunningTwiceIsRefused) {
  auto loop = NewLoop();
  auto other = NewLoop();
  absl::Status inner, inner_other;
  loop->call_soon([&] {
    inner = loop->run_forever(kBound);
    inner_other = other->run_forever(kBound);
    loop->stop();
  });
  ASSERT_TRUE(loop->run_forever(kBound).ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(inner)) << inner;
  EXPECT_THAT(std::string(inner.message()), ::testing::HasSubstr("already running"));
  EXPECT_TRUE(absl::IsFailedPrecondition(inner_other)) << inner_other;
}

TEST(EventLoopTest, CurrentIsTheRunningLoop) {
  auto loop = NewLoop();
  EXPECT_EQ(EventLoop::current(), nullptr);
  EventLoop* seen = nullptr;
  loop->call_soon([&] {
    seen = EventLoop::current();
    loop->stop();
  });
  ASSERT_TRUE(loop->run_forever(kBound).ok());
  EXPECT_EQ(seen, loop.get());
  EXPECT_EQ(EventLoop::current(), nullptr);
}

// True once thread `tid` of this process is asleep in epoll_wait: its state
// is 'S' and, where /proc shows it, its current system call is epoll_wait or
// epoll_pwait.
bool BlockedInEpollWait(pid_t tid) {
  const std::string dir = "/proc/self/task/" + std::to_string(tid);
  std::ifstream stat(dir + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const size_t paren = line.rfind(')');
  if (paren == std::string::npos || paren + 2 >= line.size() || line[paren + 2] != 'S') return false;
  std::ifstream sc(dir + "/syscall");
  long nr = -1;
  if (!(sc >> nr)) return true;  // not readable here: the state must do
  return nr == SYS_epoll_wait || nr == SYS_epoll_pwait;
}

TEST(EventLoopTest, CallSoonThreadsafeWakesALoopBlockedInEpollWait) {
  auto loop = NewLoop();
  std::atomic<pid_t> loop_tid{0};
  std::atomic<bool> ran{false};
  loop->call_soon([&] { loop_tid = static_cast<pid_t>(syscall(SYS_gettid)); });
  std::thread other([&] {
    // Poll (bounded) until the loop thread sleeps in epoll_wait with nothing
    // scheduled; then only the eventfd can wake it before kBound.
    const Deadline give_up = Deadline::FromTimeout(absl::Seconds(20));
    while (!give_up.expired() && (loop_tid == 0 || !BlockedInEpollWait(loop_tid))) {
      std::this_thread::yield();
    }
    loop->call_soon_threadsafe([&] {
      ran = true;
      loop->stop();
    });
  });
  const absl::Time start = absl::Now();
  absl::Status s = loop->run_forever(kBound);  // nothing else would end it
  other.join();
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_TRUE(ran);
  EXPECT_LT(absl::Now() - start, kBound);
}

TEST(EventLoopTest, CallSoonThreadsafeFromManyThreadsRunsEverything) {
  auto loop = NewLoop();
  constexpr int kThreads = 4, kEach = 1000;
  int count = 0;  // loop thread only
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        loop->call_soon_threadsafe([&] {
          if (++count == kThreads * kEach) loop->stop();
        });
      }
    });
  }
  absl::Status s = loop->run_forever(kBound);
  for (auto& t : threads) t.join();
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(count, kThreads * kEach);
}

TEST(EventLoopTest, AddReaderOnAPipeFiresWhenWritten) {
  auto loop = NewLoop();
  auto pipe = MakePipe();
  ASSERT_TRUE(pipe.ok()) << pipe.status();
  const int rfd = pipe->first.get(), wfd = pipe->second.get();
  std::string got;
  int fired_before_write = 0;
  bool written = false;
  ASSERT_TRUE(loop->add_reader(rfd, [&] {
                    if (!written) ++fired_before_write;
                    char buf[16];
                    ssize_t n = read(rfd, buf, sizeof buf);
                    if (n > 0) got.append(buf, static_cast<size_t>(n));
                    EXPECT_TRUE(loop->remove_reader(rfd));
                    loop->stop();
                  }).ok());
  // The write happens from a timer, after several idle iterations.
  loop->call_later(absl::Milliseconds(5), [&] {
    written = true;
    ASSERT_EQ(write(wfd, "hi", 2), 2);
  });
  ASSERT_TRUE(loop->run_forever(kBound).ok());
  EXPECT_EQ(got, "hi");
  EXPECT_EQ(fired_before_write, 0);
  EXPECT_FALSE(loop->remove_reader(rfd));
}

TEST(EventLoopTest, AddWriterFiresWhenWritable) {
  auto loop = NewLoop();
  auto pipe = MakePipe();
  ASSERT_TRUE(pipe.ok()) << pipe.status();
  const int wfd = pipe->second.get();
  int fired = 0;
  ASSERT_TRUE(loop->add_writer(wfd, [&] {
                    ++fired;
                    EXPECT_TRUE(loop->remove_writer(wfd));
                    loop->stop();
                  }).ok());
  ASSERT_TRUE(loop->run_forever(kBound).ok());
  EXPECT_EQ(fired, 1);
}

TEST(EventLoopTest, ReaderAndWriterOnOneFdAreIndependent) {
  auto loop = NewLoop();
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  FileDescriptor a(sv[0]), b(sv[1]);
  int reads = 0, writes = 0;
  ASSERT_TRUE(loop->add_reader(a.get(), [&] {
                    char c;
                    ASSERT_EQ(read(a.get(), &c, 1), 1);
                    ++reads;
                    EXPECT_TRUE(loop->remove_reader(a.get()));
                    loop->stop();
                  }).ok());
  ASSERT_TRUE(loop->add_writer(a.get(), [&] {
                    ++writes;
                    EXPECT_TRUE(loop->remove_writer(a.get()));
                    ASSERT_EQ(write(b.get(), "x", 1), 1);  // makes a readable
                  }).ok());
  ASSERT_TRUE(loop->run_forever(kBound).ok());
  EXPECT_EQ(writes, 1);
  EXPECT_EQ(reads, 1);
}

TEST(EventLoopTest, AddReaderOnARegularFileIsRefused) {
  auto loop = NewLoop();
  FILE* f = tmpfile();
  ASSERT_NE(f, nullptr);
  absl::Status s = loop->add_reader(fileno(f), [] {});
  fclose(f);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("EPERM"));
}

TEST(EventLoopTest, DestroyingTheLoopDropsPendingCallbacks) {
  auto token = std::make_shared<int>(1);
  {
    auto loop = NewLoop();
    loop->call_soon([token] {});
    loop->call_later(absl::Hours(1), [token] {});
    loop->call_soon_threadsafe([token] {});
    EXPECT_EQ(token.use_count(), 4);
  }
  EXPECT_EQ(token.use_count(), 1);
}

}  // namespace
}  // namespace conc

namespace conc {
namespace {

// Debug mode names a slow task step on stderr; a fast one is not reported.
TEST(EventLoopDebugTest, ASlowCallbackIsReportedWithItsTaskName) {
  auto loop = EventLoop::Create();
  ASSERT_TRUE(loop.ok());
  EXPECT_FALSE((*loop)->get_debug());  // CONC_ASYNCIO_DEBUG is not set under bazel test
  (*loop)->set_debug(true);
  (*loop)->set_slow_callback_duration(absl::Milliseconds(20));
  auto slow = []() -> Task<void> {
    // Blocks the loop for 50 ms on purpose (what debug mode is there to catch).
    absl::SleepFor(absl::Milliseconds(50));
    co_return;
  };
  testing::internal::CaptureStderr();
  (*loop)->call_soon([] {});  // fast: not reported
  absl::Status s = (*loop)->run_until_complete(slow(), absl::Seconds(30));
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_THAT(err, ::testing::MatchesRegex("conc: Executing <Task Task-[0-9]+> took 0\\.[0-9]+ seconds\n"));
}

TEST(EventLoopSignalTest, AHandlerRunsOnTheLoopAndTheOldDispositionComesBack) {
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction saved {};
  ASSERT_EQ(sigaction(SIGUSR2, &ignore, &saved), 0);
  auto loop = EventLoop::Create();
  ASSERT_TRUE(loop.ok());
  EventLoop& l = **loop;
  int delivered = 0;
  ASSERT_TRUE(l.add_signal_handler(SIGUSR1, [&] {
    ++delivered;
    l.stop();
  }).ok());
  ASSERT_TRUE(l.add_signal_handler(SIGUSR2, [] {}).ok());
  l.call_soon([] { raise(SIGUSR1); });
  ASSERT_TRUE(l.run_forever(absl::Seconds(30)).ok());  // stopped by the handler
  EXPECT_EQ(delivered, 1);
  // Errors.
  EXPECT_TRUE(absl::IsInvalidArgument(l.add_signal_handler(SIGKILL, [] {})));
  EXPECT_TRUE(absl::IsInvalidArgument(l.add_signal_handler(0, [] {})));
  EXPECT_TRUE(absl::IsInvalidArgument(l.add_signal_handler(100000, [] {})));
  auto other = EventLoop::Create();
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition((*other)->add_signal_handler(SIGUSR1, [] {})));
  // Removal restores what was there (SIG_IGN for SIGUSR2).
  EXPECT_TRUE(l.remove_signal_handler(SIGUSR2));
  EXPECT_FALSE(l.remove_signal_handler(SIGUSR2));
  struct sigaction now {};
  ASSERT_EQ(sigaction(SIGUSR2, nullptr, &now), 0);
  EXPECT_EQ(now.sa_handler, SIG_IGN);
  loop->reset();  // removes SIGUSR1's too: the other loop may take signals now
  EXPECT_TRUE((*other)->add_signal_handler(SIGUSR1, [] {}).ok());
  ASSERT_EQ(sigaction(SIGUSR2, &saved, nullptr), 0);
}

}  // namespace
}  // namespace conc
