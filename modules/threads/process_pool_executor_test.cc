// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Tests of conc::ProcessPoolExecutor, after CPython's
// Lib/test/test_concurrent_futures/ (test_process_pool.py, test_shutdown.py,
// executor.py): results, map order, exceptions, worker reuse, a killed worker
// breaking the pool (test_killed_child), shutdown and cancel_futures.
// Tasks that must keep running block on a FIFO or in pause(); nothing sleeps to
// synchronise; every wait is bounded generously.

#include "modules/threads/process_pool_executor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <list>
#include <map>
#include <numeric>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/common/codec.h"
#include "modules/threads/process.h"

// A value that encodes but never decodes: its Decode says DataLoss, as a
// value that arrives damaged would (pickle's "cannot unpickle").
struct Undecodable {
  int x = 0;
};
template <>
struct conc::Codec<Undecodable> {
  static constexpr size_t kMinEncodedSize = sizeof(int);
  static void Encode(conc::Encoder& out, const Undecodable& u) { out.Write(u.x); }
  static absl::Status Decode(conc::Decoder&, Undecodable*) {
    return absl::DataLossError("Undecodable: this value never decodes");
  }
};

namespace {

constexpr absl::Duration kLong = absl::Seconds(60);

int square(int x) { return x * x; }
int takes_undecodable(Undecodable u) { return u.x; }
Undecodable returns_undecodable(int x) { return Undecodable{x}; }

std::string greet(const std::string& who, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += "hello " + who + "; ";
  return out;
}

void nothing() {}

std::string echo(std::string s) { return s; }

int64_t worker_pid() { return ::getpid(); }
int64_t pid_of(int) { return ::getpid(); }
int64_t weighted_sum(int a, int64_t b, double c) { return a + 10 * b + static_cast<int64_t>(100 * c); }

int fail(std::string message) { throw std::runtime_error(message); }

int exit_with(int code) { std::exit(code); }

int pause_forever() {
  for (;;) ::pause();
}

// Rendezvous through two FIFOs: opening `ready` for writing blocks until the
// test opens it for reading (so the test knows the task runs); reading
// `release` blocks until the test opens and closes it.
int wait_for_release(std::string ready, std::string release) {
  int r = ::open(ready.c_str(), O_WRONLY);
  if (r < 0) return -1;
  ::close(r);
  int fd = ::open(release.c_str(), O_RDONLY);
  if (fd < 0) return -2;
  char c;
  while (::read(fd, &c, 1) > 0) {
  }
  ::close(fd);
  return 1;
}

// Initializers: record_init counts its calls in the worker and appends the
// worker's pid to `path` (O_APPEND: one write per line, no interleaving).
int g_init_calls = 0;
void record_init(std::string path, int64_t tag) {
  ++g_init_calls;
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0600);
  if (fd < 0) return;
  const std::string line = std::to_string(::getpid()) + " " + std::to_string(tag) + "\n";
  (void)!::write(fd, line.data(), line.size());
  ::close(fd);
}
// Signals `ready` (one byte), then blocks until the test closes its end of
// `release` (the test holds it open O_RDWR; once it is closed, a task that
// opens it reads EOF at once).
int hold_until_released(std::string ready, std::string release, int value) {
  int fd = ::open(release.c_str(), O_RDONLY | O_NONBLOCK);
  if (fd < 0) return -1;
  ::fcntl(fd, F_SETFL, 0);  // Blocking reads from now on.
  int r = ::open(ready.c_str(), O_WRONLY | O_NONBLOCK);
  if (r >= 0) {
    (void)!::write(r, "x", 1);
    ::close(r);
  }
  char c;
  while (::read(fd, &c, 1) > 0) {
  }
  ::close(fd);
  return value;
}

std::vector<int64_t> init_report() { return {static_cast<int64_t>(::getpid()), g_init_calls}; }
void failing_init(std::string why) { throw std::runtime_error(why); }
// An initializer that reports failure as a status, without throwing.
absl::Status status_init(bool ok) {
  if (ok) return absl::OkStatus();
  return absl::UnavailableError("no database at db:5432");
}
// Tasks that report failure as a status.
absl::Status check_even(int x) {
  if (x % 2 == 0) return absl::OkStatus();
  return absl::InvalidArgumentError(std::to_string(x) + " is odd");
}
absl::StatusOr<int> half(int x) {
  if (x % 2 != 0) return absl::OutOfRangeError(std::to_string(x) + " has no half");
  return x / 2;
}

}  // namespace

CONC_PROCESS_FUNCTION(record_init);
CONC_PROCESS_FUNCTION(hold_until_released);
CONC_PROCESS_FUNCTION(init_report);
CONC_PROCESS_FUNCTION(failing_init);
CONC_PROCESS_FUNCTION(status_init);
CONC_PROCESS_FUNCTION(check_even);
CONC_PROCESS_FUNCTION(half);
CONC_PROCESS_FUNCTION(square);
CONC_PROCESS_FUNCTION(takes_undecodable);
CONC_PROCESS_FUNCTION(returns_undecodable);
CONC_PROCESS_FUNCTION(greet);
CONC_PROCESS_FUNCTION(nothing);
CONC_PROCESS_FUNCTION(echo);
CONC_PROCESS_FUNCTION(worker_pid);
CONC_PROCESS_FUNCTION(pid_of);
CONC_PROCESS_FUNCTION(weighted_sum);
CONC_PROCESS_FUNCTION(fail);
CONC_PROCESS_FUNCTION(exit_with);
CONC_PROCESS_FUNCTION(pause_forever);
CONC_PROCESS_FUNCTION(wait_for_release);

namespace {

using ::testing::HasSubstr;

// A lambda is not a registered process function: submit does not compile.
template <class E, class F>
concept CanSubmit = requires(E& e, F f) { e.submit(f); };
static_assert(!CanSubmit<conc::ProcessPoolExecutor, decltype([] { return 1; })>);
static_assert(CanSubmit<conc::ProcessPoolExecutor, conc::ProcessFunction<nothing>>);

TEST(ProcessPoolExecutorTest, SubmitReturnsResults) {
  conc::ProcessPoolExecutor pool(2);
  conc::Future<int> a = pool.submit(conc::process_function<square>, 7);
  conc::Future<std::string> b = pool.submit(conc::process_function<greet>, "pool", 2);
  conc::Future<void> c = pool.submit(conc::process_function<nothing>);
  absl::StatusOr<int> ra = a.result(kLong);
  ASSERT_TRUE(ra.ok()) << ra.status();
  EXPECT_EQ(*ra, 49);
  absl::StatusOr<std::string> rb = b.result(kLong);
  ASSERT_TRUE(rb.ok()) << rb.status();
  EXPECT_EQ(*rb, "hello pool; hello pool; ");
  EXPECT_TRUE(c.result(kLong).ok());
  EXPECT_FALSE(pool.broken());
}

TEST(ProcessPoolExecutorTest, MapYieldsResultsInOrder) {
  conc::ProcessPoolExecutor pool(2);
  std::vector<int> xs;
  for (int i = 0; i < 50; ++i) xs.push_back(i);
  std::vector<int> got;
  for (absl::StatusOr<int> r : pool.map(conc::process_function<square>, xs, kLong)) {
    ASSERT_TRUE(r.ok()) << r.status();
    got.push_back(*r);
  }
  ASSERT_EQ(got.size(), xs.size());
  for (int i = 0; i < 50; ++i) EXPECT_EQ(got[i], i * i);
}

TEST(ProcessPoolExecutorTest, TaskExceptionFailsItsFutureOnly) {
  conc::ProcessPoolExecutor pool(1);
  conc::Future<int> bad = pool.submit(conc::process_function<fail>, "boom");
  conc::Future<int> good = pool.submit(conc::process_function<square>, 3);
  absl::StatusOr<int> r = bad.result(kLong);
  EXPECT_TRUE(absl::IsUnknown(r.status())) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("std::runtime_error: boom"));
  EXPECT_EQ(good.result(kLong).value_or(-1), 9);
  EXPECT_FALSE(pool.broken());
}

// A status made on the worker's side (its arguments do not decode there)
// keeps its code and message across the process boundary: DataLoss, not
// Internal with "DATA_LOSS: ..." folded into the text. The bug: the code
// reached the future only as text.
TEST(ProcessPoolExecutorTest, WorkerSideStatusKeepsItsCode) {
  conc::ProcessPoolExecutor pool(1);
  absl::StatusOr<int> r = pool.submit(conc::process_function<takes_undecodable>, Undecodable{7})
                              .result(kLong);
  EXPECT_TRUE(absl::IsDataLoss(r.status())) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("this value never decodes"));
  EXPECT_THAT(r.status().message(), ::testing::Not(HasSubstr("DATA_LOSS")));
  // The same through map's chunks (each item's status travels on its own).
  std::vector<Undecodable> inputs = {{1}, {2}};
  int n = 0;
  for (absl::StatusOr<int> item :
       pool.map(conc::process_function<takes_undecodable>, inputs, kLong, 2)) {
    EXPECT_TRUE(absl::IsDataLoss(item.status())) << item.status();
    EXPECT_THAT(item.status().message(), HasSubstr("this value never decodes"));
    ++n;
  }
  EXPECT_EQ(n, 1);  // map ends at its first error.
  EXPECT_FALSE(pool.broken());
}

// What breaks the pool (the header's "What breaks the pool"): a value that
// does not decode, on either side, fails only its own future; Python's pool
// breaks on a result or argument that cannot be unpickled, this one goes on.
TEST(ProcessPoolExecutorTest, UndecodableValuesDoNotBreakThePool) {
  conc::ProcessPoolExecutor pool(1);
  // An argument the worker cannot decode...
  absl::StatusOr<int> arg = pool.submit(conc::process_function<takes_undecodable>, Undecodable{1})
                                .result(kLong);
  EXPECT_TRUE(absl::IsDataLoss(arg.status())) << arg.status();
  // ...and a result the parent cannot decode.
  absl::StatusOr<Undecodable> result =
      pool.submit(conc::process_function<returns_undecodable>, 2).result(kLong);
  EXPECT_TRUE(absl::IsDataLoss(result.status())) << result.status();
  EXPECT_FALSE(pool.broken());
  EXPECT_EQ(pool.submit(conc::process_function<square>, 5).result(kLong).value_or(-1), 25);
}

TEST(ProcessPoolExecutorTest, MapStopsAtTheFirstError) {
  conc::ProcessPoolExecutor pool(2);
  std::vector<std::string> inputs = {"a", "b"};
  int n = 0;
  for (absl::StatusOr<int> r : pool.map(conc::process_function<fail>, inputs, kLong)) {
    EXPECT_TRUE(absl::IsUnknown(r.status()));
    ++n;
  }
  EXPECT_EQ(n, 1);
}

TEST(ProcessPoolExecutorTest, WorkersAreReused) {
  conc::ProcessPoolExecutor pool(2);
  std::vector<conc::Future<int64_t>> fs;
  for (int i = 0; i < 40; ++i) fs.push_back(pool.submit(conc::process_function<worker_pid>));
  std::set<int64_t> pids;
  for (auto& f : fs) {
    absl::StatusOr<int64_t> pid = f.result(kLong);
    ASSERT_TRUE(pid.ok()) << pid.status();
    pids.insert(*pid);
  }
  EXPECT_LE(pids.size(), 2u);
  std::vector<pid_t> workers = pool.worker_pids();
  EXPECT_EQ(workers.size(), 2u);
  for (int64_t pid : pids) EXPECT_THAT(workers, ::testing::Contains(static_cast<pid_t>(pid)));
  EXPECT_THAT(workers, ::testing::Not(::testing::Contains(::getpid())));
}

// The Must show of the issue: SIGKILL a worker, every pending future fails with
// the broken-pool status naming that worker's pid.
TEST(ProcessPoolExecutorTest, KilledWorkerBreaksThePool) {
  conc::ProcessPoolExecutor pool(2);
  absl::StatusOr<int64_t> victim = pool.submit(conc::process_function<worker_pid>).result(kLong);
  ASSERT_TRUE(victim.ok()) << victim.status();
  std::vector<conc::Future<int>> pending;
  for (int i = 0; i < 8; ++i) pending.push_back(pool.submit(conc::process_function<pause_forever>));
  ASSERT_EQ(::kill(static_cast<pid_t>(*victim), SIGKILL), 0);
  const std::string pid_text = "worker process " + std::to_string(*victim) + " ";
  for (conc::Future<int>& f : pending) {
    absl::StatusOr<int> r = f.result(kLong);
    EXPECT_TRUE(absl::IsAborted(r.status())) << r.status();
    EXPECT_THAT(r.status().message(), HasSubstr(pid_text));
    EXPECT_THAT(r.status().message(), HasSubstr("signal 9 (SIGKILL)"));
    EXPECT_THAT(r.status().message(), HasSubstr("BrokenProcessPool"));
  }
  EXPECT_TRUE(pool.broken());
  absl::StatusOr<int> later = pool.submit(conc::process_function<square>, 2).result(kLong);
  EXPECT_TRUE(absl::IsAborted(later.status())) << later.status();
  EXPECT_THAT(later.status().message(), HasSubstr(pid_text));
}

TEST(ProcessPoolExecutorTest, ExitInATaskBreaksThePool) {
  conc::ProcessPoolExecutor pool(1);
  absl::StatusOr<int> r = pool.submit(conc::process_function<exit_with>, 3).result(kLong);
  EXPECT_TRUE(absl::IsAborted(r.status())) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("exited with code 3"));
  EXPECT_TRUE(pool.broken());
}

TEST(ProcessPoolExecutorTest, ShutdownWaitsThenRefuses) {
  conc::ProcessPoolExecutor pool(2);
  std::vector<conc::Future<int>> fs;
  for (int i = 0; i < 10; ++i) fs.push_back(pool.submit(conc::process_function<square>, i));
  pool.shutdown(/*wait=*/true);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(fs[i].done());
    EXPECT_EQ(fs[i].result(absl::ZeroDuration()).value_or(-1), i * i);
  }
  absl::StatusOr<int> late = pool.submit(conc::process_function<square>, 1).result(kLong);
  EXPECT_TRUE(absl::IsFailedPrecondition(late.status())) << late.status();
  pool.shutdown();  // Twice is fine.
}

TEST(ProcessPoolExecutorTest, ShutdownCancelsQueuedFutures) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir = tmp ? tmp : "/tmp";
  const std::string ready = dir + "/ready." + std::to_string(::getpid());
  const std::string release = dir + "/release." + std::to_string(::getpid());
  ASSERT_EQ(::mkfifo(ready.c_str(), 0600), 0);
  ASSERT_EQ(::mkfifo(release.c_str(), 0600), 0);
  conc::ProcessPoolExecutor pool(1);
  conc::Future<int> blocker = pool.submit(conc::process_function<wait_for_release>, ready, release);
  // Blocks until the task runs.
  int r = ::open(ready.c_str(), O_RDONLY);
  ASSERT_GE(r, 0);
  ::close(r);
  std::vector<conc::Future<int>> queued;
  for (int i = 0; i < 20; ++i) queued.push_back(pool.submit(conc::process_function<square>, i));
  pool.shutdown(/*wait=*/false, /*cancel_futures=*/true);
  // Let the blocker finish: open and close the release FIFO.
  int w = ::open(release.c_str(), O_WRONLY);
  ASSERT_GE(w, 0);
  ::close(w);
  pool.shutdown(/*wait=*/true);
  EXPECT_EQ(blocker.result(kLong).value_or(0), 1);
  // One worker takes at most kMaxInFlightPerWorker tasks, the blocker included.
  int cancelled = 0;
  for (auto& f : queued) {
    ASSERT_TRUE(f.done());
    if (f.cancelled()) ++cancelled;
  }
  EXPECT_GE(cancelled, 20 - (conc::ProcessPoolExecutor::kMaxInFlightPerWorker - 1));
  ::unlink(ready.c_str());
  ::unlink(release.c_str());
}

std::string TempPath(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  return std::string(tmp ? tmp : "/tmp") + "/" + name + "." + std::to_string(::getpid());
}

TEST(ProcessPoolExecutorTest, InitializerRunsOnceInEveryWorkerBeforeItsTasks) {
  const std::string path = TempPath("init");
  ::unlink(path.c_str());
  std::vector<conc::Future<std::vector<int64_t>>> fs;
  std::vector<pid_t> workers;
  {
    conc::ProcessPoolExecutor pool(3, conc::process_function<record_init>, path, 42);
    for (int i = 0; i < 30; ++i) fs.push_back(pool.submit(conc::process_function<init_report>));
    for (auto& f : fs) {
      absl::StatusOr<std::vector<int64_t>> r = f.result(kLong);
      ASSERT_TRUE(r.ok()) << r.status();
      ASSERT_EQ(r->size(), 2u);
      EXPECT_EQ((*r)[1], 1) << "in worker " << (*r)[0];  // Ran once, before this task.
    }
    EXPECT_FALSE(pool.broken());
    workers = pool.worker_pids();
  }  // Every worker has exited: all lines are written.
  ASSERT_EQ(workers.size(), 3u);
  FILE* in = std::fopen(path.c_str(), "r");
  ASSERT_NE(in, nullptr);
  std::vector<pid_t> lines;
  long pid = 0, tag = 0;
  while (std::fscanf(in, "%ld %ld", &pid, &tag) == 2) {
    EXPECT_EQ(tag, 42);
    lines.push_back(static_cast<pid_t>(pid));
  }
  std::fclose(in);
  ::unlink(path.c_str());
  EXPECT_THAT(lines, ::testing::UnorderedElementsAreArray(workers));  // Once in each worker.
}

TEST(ProcessPoolExecutorTest, FailingInitializerBreaksThePool) {
  conc::ProcessPoolExecutor pool(2, conc::process_function<failing_init>, "no database");
  std::vector<conc::Future<int>> fs;
  for (int i = 0; i < 10; ++i) fs.push_back(pool.submit(conc::process_function<square>, i));
  for (auto& f : fs) {
    absl::StatusOr<int> r = f.result(kLong);
    EXPECT_TRUE(absl::IsAborted(r.status())) << r.status();
    EXPECT_THAT(r.status().message(), HasSubstr("BrokenProcessPool"));
    EXPECT_THAT(r.status().message(), HasSubstr("initializer"));
    EXPECT_THAT(r.status().message(), HasSubstr("std::runtime_error: no database"));
  }
  EXPECT_TRUE(pool.broken());
  absl::StatusOr<int> later = pool.submit(conc::process_function<square>, 2).result(kLong);
  EXPECT_TRUE(absl::IsAborted(later.status())) << later.status();
  EXPECT_THAT(later.status().message(), HasSubstr("initializer"));
}

TEST(ProcessPoolExecutorTest, InitializerReturningAStatusBreaksThePoolWithIt) {
  conc::ProcessPoolExecutor pool(2, conc::process_function<status_init>, false);
  absl::StatusOr<int> r = pool.submit(conc::process_function<square>, 3).result(kLong);
  EXPECT_TRUE(absl::IsAborted(r.status())) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("BrokenProcessPool: the initializer failed"));
  EXPECT_THAT(r.status().message(), HasSubstr("UNAVAILABLE: no database at db:5432"));
  EXPECT_TRUE(pool.broken());
}

TEST(ProcessPoolExecutorTest, InitializerReturningOkStatusLetsThePoolServe) {
  conc::ProcessPoolExecutor pool(2, conc::process_function<status_init>, true);
  absl::StatusOr<int> r = pool.submit(conc::process_function<square>, 3).result(kLong);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 9);
  EXPECT_FALSE(pool.broken());
}

TEST(ProcessPoolExecutorTest, TasksReturningStatusesFailOnlyTheirOwnFutures) {
  conc::ProcessPoolExecutor pool(2);
  conc::Future<void> even = pool.submit(conc::process_function<check_even>, 4);
  conc::Future<void> odd = pool.submit(conc::process_function<check_even>, 5);
  conc::Future<int> halved = pool.submit(conc::process_function<half>, 8);
  conc::Future<int> no_half = pool.submit(conc::process_function<half>, 7);
  EXPECT_TRUE(even.result(kLong).ok());
  absl::Status s = odd.result(kLong);
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;  // The code crosses the process.
  EXPECT_EQ(s.message(), "5 is odd");
  absl::StatusOr<int> h = halved.result(kLong);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(*h, 4);
  absl::StatusOr<int> n = no_half.result(kLong);
  EXPECT_TRUE(absl::IsOutOfRange(n.status())) << n.status();
  EXPECT_EQ(n.status().message(), "7 has no half");
  EXPECT_FALSE(pool.broken());
  // map over a StatusOr function yields the values, then the first error.
  std::vector<int> got;
  absl::Status first_error;
  for (absl::StatusOr<int> r : pool.map(conc::process_function<half>, std::vector<int>{2, 4, 5, 6})) {
    if (!r.ok()) {
      first_error = r.status();
      break;
    }
    got.push_back(*r);
  }
  EXPECT_EQ(got, (std::vector<int>{1, 2}));
  EXPECT_TRUE(absl::IsOutOfRange(first_error)) << first_error;
}

TEST(ProcessPoolExecutorTest, MapChunksizeKeepsOrderAndCompleteness) {
  conc::ProcessPoolExecutor pool(3);
  std::vector<int> xs;
  for (int i = 0; i < 50; ++i) xs.push_back(i);
  for (int chunksize : {1, 7, 50, 1000}) {
    std::vector<int> got;
    for (absl::StatusOr<int> r : pool.map(conc::process_function<square>, xs, kLong, chunksize)) {
      ASSERT_TRUE(r.ok()) << r.status() << " chunksize " << chunksize;
      got.push_back(*r);
    }
    ASSERT_EQ(got.size(), xs.size()) << "chunksize " << chunksize;
    for (int i = 0; i < 50; ++i) EXPECT_EQ(got[i], i * i) << "chunksize " << chunksize;
  }
  // Without a timeout; an empty input.
  int n = 0;
  for (absl::StatusOr<int> r : pool.map(conc::process_function<square>, xs, 7)) n += r.ok() ? 1 : 0;
  EXPECT_EQ(n, 50);
  for (absl::StatusOr<int> r : pool.map(conc::process_function<square>, std::vector<int>{}, 7)) {
    ADD_FAILURE() << "a result from no input: " << r.status();
  }
}

TEST(ProcessPoolExecutorTest, MapChunksSentAsOneMessage) {
  // Two workers, each given chunks of 10: the 10 items of one chunk run in one
  // worker process.
  conc::ProcessPoolExecutor pool(2);
  std::vector<int> dummy(40, 0);
  std::vector<int64_t> pids;
  for (absl::StatusOr<int64_t> r : pool.map(conc::process_function<pid_of>, dummy, kLong, 10)) {
    ASSERT_TRUE(r.ok()) << r.status();
    pids.push_back(*r);
  }
  ASSERT_EQ(pids.size(), 40u);
  for (int c = 0; c < 4; ++c) {
    for (int i = 1; i < 10; ++i) EXPECT_EQ(pids[c * 10 + i], pids[c * 10]) << "chunk " << c;
  }
}

TEST(ProcessPoolExecutorTest, MapChunkItemThatThrowsFailsItsResult) {
  conc::ProcessPoolExecutor pool(2);
  std::vector<std::string> inputs = {"a", "b", "c"};
  int n = 0;
  for (absl::StatusOr<int> r : pool.map(conc::process_function<fail>, inputs, kLong, 2)) {
    EXPECT_TRUE(absl::IsUnknown(r.status())) << r.status();
    EXPECT_THAT(r.status().message(), HasSubstr("std::runtime_error: a"));
    ++n;
  }
  EXPECT_EQ(n, 1);
}

TEST(ProcessPoolExecutorTest, ShutdownCancelFuturesCancelsTheItemsOfQueuedChunks) {
  const std::string ready = TempPath("chunk_ready");
  const std::string release = TempPath("chunk_release");
  ASSERT_EQ(::mkfifo(ready.c_str(), 0600), 0);
  ASSERT_EQ(::mkfifo(release.c_str(), 0600), 0);
  conc::ProcessPoolExecutor pool(1);
  conc::Future<int> blocker = pool.submit(conc::process_function<wait_for_release>, ready, release);
  int r = ::open(ready.c_str(), O_RDONLY);  // Blocks until the blocker runs.
  ASSERT_GE(r, 0);
  ::close(r);
  // Four chunks; the worker takes at most kMaxInFlightPerWorker tasks, the
  // blocker included, so at least one chunk is still queued at shutdown.
  static_assert(conc::ProcessPoolExecutor::kMaxInFlightPerWorker <= 4);
  std::vector<int> xs(20, 3);
  auto results = pool.map(conc::process_function<square>, xs, kLong, 5);
  pool.shutdown(/*wait=*/false, /*cancel_futures=*/true);
  int w = ::open(release.c_str(), O_WRONLY);
  ASSERT_GE(w, 0);
  ::close(w);
  std::vector<absl::Status> got;
  for (absl::StatusOr<int> v : results) {
    got.push_back(v.status());
    if (v.ok()) {
      EXPECT_EQ(*v, 9);
    }
  }
  // The items of a cancelled chunk are cancelled (not left pending until the timeout).
  ASSERT_FALSE(got.empty());
  EXPECT_LE(got.size(), 16u);
  EXPECT_TRUE(absl::IsCancelled(got.back())) << got.back();
  for (std::size_t i = 0; i + 1 < got.size(); ++i) EXPECT_TRUE(got[i].ok()) << got[i];
  EXPECT_EQ(blocker.result(kLong).value_or(0), 1);
  ::unlink(ready.c_str());
  ::unlink(release.c_str());
}

// Python's shutdown(cancel_futures=True) cancels only the futures no worker
// was given yet (process.py: the work items already in the call queue are
// RUNNING and cannot be cancelled). Here a worker is given up to
// kMaxInFlightPerWorker tasks: once shutdown returns, every future is either
// RUNNING (sent: it will run) or CANCELLED, none PENDING, and the ones sent
// are the first ones submitted.
TEST(ProcessPoolExecutorTest, ShutdownCancelFuturesRunsTheSentTasksCancelsTheQueued) {
  constexpr int kWorkers = 5, kTasks = 50;
  const std::string ready = TempPath("hold_ready");
  const std::string release = TempPath("hold_release");
  ASSERT_EQ(::mkfifo(ready.c_str(), 0600), 0);
  ASSERT_EQ(::mkfifo(release.c_str(), 0600), 0);
  const int ready_fd = ::open(ready.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(ready_fd, 0);
  // O_RDWR never blocks on Linux; O_CLOEXEC keeps the workers from holding it open.
  const int release_fd = ::open(release.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(release_fd, 0);
  conc::ProcessPoolExecutor pool(kWorkers);
  std::vector<conc::Future<int>> fs;
  for (int i = 0; i < kTasks; ++i) {
    fs.push_back(pool.submit(conc::process_function<hold_until_released>, ready, release, i));
  }
  // Wait (bounded) until all workers run a task.
  int signals = 0;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (signals < kWorkers && std::chrono::steady_clock::now() < give_up) {
    pollfd p{ready_fd, POLLIN, 0};
    if (::poll(&p, 1, 1000) <= 0) continue;
    char buf[16];
    const ssize_t n = ::read(ready_fd, buf, sizeof buf);
    if (n > 0) signals += static_cast<int>(n);
  }
  ASSERT_EQ(signals, kWorkers);
  pool.shutdown(/*wait=*/false, /*cancel_futures=*/true);
  int sent = 0;
  for (int i = 0; i < kTasks; ++i) {
    const bool running = fs[i].running(), cancelled = fs[i].cancelled();
    EXPECT_TRUE(running != cancelled) << i << ": running " << running << ", cancelled " << cancelled;
    if (running) {
      EXPECT_EQ(sent, i) << "the tasks sent are the first ones submitted";
      ++sent;
    }
  }
  EXPECT_GE(sent, kWorkers);
  EXPECT_LE(sent, kWorkers * conc::ProcessPoolExecutor::kMaxInFlightPerWorker);
  ::close(release_fd);  // Releases the tasks.
  pool.shutdown(/*wait=*/true);
  for (int i = 0; i < kTasks; ++i) {
    if (i < sent) {
      EXPECT_EQ(fs[i].result(kLong).value_or(-1), i);
    } else {
      EXPECT_TRUE(absl::IsCancelled(fs[i].result(kLong).status())) << i;
    }
  }
  ::close(ready_fd);
  ::unlink(ready.c_str());
  ::unlink(release.c_str());
}

TEST(ProcessPoolExecutorTest, MapChunksizeBelowOneIsInvalidArgument) {
  conc::ProcessPoolExecutor pool(1);
  std::vector<int> xs = {1, 2, 3};
  for (int chunksize : {0, -1}) {
    int n = 0;
    for (absl::StatusOr<int> r : pool.map(conc::process_function<square>, xs, kLong, chunksize)) {
      EXPECT_TRUE(absl::IsInvalidArgument(r.status())) << r.status();
      EXPECT_THAT(r.status().message(), HasSubstr("chunksize"));
      ++n;
    }
    EXPECT_EQ(n, 1);
  }
}

// Frames far larger than a pipe's buffer, both ways, several at once.
TEST(ProcessPoolExecutorTest, LargeArgumentsAndResults) {
  conc::ProcessPoolExecutor pool(2);
  std::vector<conc::Future<std::string>> fs;
  for (int i = 0; i < 6; ++i) {
    fs.push_back(pool.submit(conc::process_function<echo>,
                             std::string(1 << 20, static_cast<char>('a' + i))));
  }
  for (int i = 0; i < 6; ++i) {
    absl::StatusOr<std::string> r = fs[i].result(kLong);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(*r, std::string(1 << 20, static_cast<char>('a' + i)));
  }
}

// A done-callback runs on the manager thread and may submit more work.
TEST(ProcessPoolExecutorTest, CallbackMaySubmit) {
  conc::ProcessPoolExecutor pool(1);
  conc::Future<int> second;
  std::mutex mu;
  std::condition_variable cv;
  bool submitted = false;
  conc::Future<int> first = pool.submit(conc::process_function<square>, 3);
  first.add_done_callback([&](const conc::Future<int>& f) {
    conc::Future<int> next = pool.submit(conc::process_function<square>, f.result().value_or(0));
    std::lock_guard<std::mutex> lock(mu);
    second = next;
    submitted = true;
    cv.notify_all();
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(60), [&] { return submitted; }));
  }
  EXPECT_EQ(second.result(kLong).value_or(-1), 81);
}

// Python's max_tasks_per_child: each worker runs at most N tasks, then a fresh
// process takes its slot. 2 workers, N = 3, 30 tasks: at least 10 processes
// ran them, none more than 3, and every task got its result.
TEST(ProcessPoolExecutorTest, MaxTasksPerChildReplacesSpentWorkers) {
  conc::ProcessPoolExecutor pool({.max_workers = 2, .max_tasks_per_child = 3});
  std::vector<conc::Future<int64_t>> fs;
  for (int i = 0; i < 30; ++i) fs.push_back(pool.submit(conc::process_function<worker_pid>));
  std::map<int64_t, int> tasks_per_pid;
  for (auto& f : fs) {
    absl::StatusOr<int64_t> pid = f.result(kLong);
    ASSERT_TRUE(pid.ok()) << pid.status();
    ++tasks_per_pid[*pid];
  }
  EXPECT_GE(tasks_per_pid.size(), 10u);
  for (const auto& [pid, n] : tasks_per_pid) EXPECT_LE(n, 3) << "worker " << pid;
  EXPECT_FALSE(pool.broken());
  const std::vector<pid_t> started = pool.worker_pids();
  EXPECT_GE(started.size(), tasks_per_pid.size());
  for (const auto& [pid, n] : tasks_per_pid) {
    EXPECT_THAT(started, ::testing::Contains(static_cast<pid_t>(pid)));
  }
}

// A map chunk counts as one task (as Python's call item does), and a worker
// replaced after every task still runs the initializer in each new process.
TEST(ProcessPoolExecutorTest, MaxTasksPerChildOneWithChunksAndInitializer) {
  const std::string path = TempPath("init_max_tasks");
  ::unlink(path.c_str());
  std::set<int64_t> pids;
  std::vector<pid_t> workers;
  {
    conc::ProcessPoolExecutor pool({.max_workers = 1, .max_tasks_per_child = 1},
                                   conc::process_function<record_init>, path, 7);
    std::vector<int> xs(12);
    std::iota(xs.begin(), xs.end(), 0);
    for (absl::StatusOr<int64_t> pid : pool.map(conc::process_function<pid_of>, xs, /*chunksize=*/4)) {
      ASSERT_TRUE(pid.ok()) << pid.status();
      pids.insert(*pid);
    }
    EXPECT_EQ(pids.size(), 3u);  // Three chunks, one process each.
    absl::StatusOr<std::vector<int64_t>> report =
        pool.submit(conc::process_function<init_report>).result(kLong);
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_EQ((*report)[1], 1) << "the initializer ran once in the new worker";
    EXPECT_FALSE(pids.contains((*report)[0]));
    pool.shutdown(/*wait=*/true);  // Every worker has exited: all lines are written.
    workers = pool.worker_pids();   // (A fifth may have started before the shutdown.)
  }
  EXPECT_GE(workers.size(), 4u);
  FILE* in = std::fopen(path.c_str(), "r");
  ASSERT_NE(in, nullptr);
  std::vector<pid_t> lines;
  long pid = 0, tag = 0;
  while (std::fscanf(in, "%ld %ld", &pid, &tag) == 2) lines.push_back(static_cast<pid_t>(pid));
  std::fclose(in);
  ::unlink(path.c_str());
  EXPECT_THAT(lines, ::testing::UnorderedElementsAreArray(workers));  // Once in every process.
}

// A worker that dies before its quota is spent still breaks the pool.
TEST(ProcessPoolExecutorTest, MaxTasksPerChildStillBreaksOnADeadWorker) {
  conc::ProcessPoolExecutor pool({.max_workers = 1, .max_tasks_per_child = 5});
  absl::Status died = pool.submit(conc::process_function<exit_with>, 3).result(kLong).status();
  EXPECT_TRUE(absl::IsAborted(died)) << died;
  EXPECT_TRUE(pool.broken());
}

TEST(ProcessPoolExecutorTest, MaxTasksPerChildBelowOneFailsSubmits) {
  for (int bad : {0, -1}) {
    conc::ProcessPoolExecutor pool({.max_workers = 1, .max_tasks_per_child = bad});
    absl::StatusOr<int> r = pool.submit(conc::process_function<square>, 2).result(kLong);
    EXPECT_TRUE(absl::IsInvalidArgument(r.status())) << r.status();
    EXPECT_THAT(std::string(r.status().message()), ::testing::HasSubstr("max_tasks_per_child"));
  }
}

// Python's map(fn, xs, ys, zs): the items in step, stopping at the shortest.
TEST(ProcessPoolExecutorTest, MapOverSeveralRangesStopsAtTheShortest) {
  conc::ProcessPoolExecutor pool(2);
  const std::vector<int> a = {1, 2, 3, 4, 5};
  const std::list<int64_t> b = {1, 2, 3};
  const std::vector<double> c = {1, 2, 3, 4};
  std::vector<int64_t> got;
  for (absl::StatusOr<int64_t> r : pool.map(conc::process_function<weighted_sum>, a, b, c)) {
    ASSERT_TRUE(r.ok()) << r.status();
    got.push_back(*r);
  }
  EXPECT_THAT(got, ::testing::ElementsAre(111, 222, 333));
  // With a timeout last, and an empty range: nothing to yield.
  int n = 0;
  for (absl::StatusOr<int64_t> r :
       pool.map(conc::process_function<weighted_sum>, a, std::vector<int64_t>{}, c, kLong)) {
    (void)r;
    ++n;
  }
  EXPECT_EQ(n, 0);
  got.clear();
  for (absl::StatusOr<int64_t> r : pool.map(conc::process_function<weighted_sum>, a, b, c, kLong)) {
    ASSERT_TRUE(r.ok()) << r.status();
    got.push_back(*r);
  }
  EXPECT_THAT(got, ::testing::ElementsAre(111, 222, 333));
}

TEST(ProcessPoolExecutorTest, BadMaxWorkersFailsSubmits) {
  conc::ProcessPoolExecutor pool(0);
  absl::StatusOr<int> r = pool.submit(conc::process_function<square>, 2).result(kLong);
  EXPECT_TRUE(absl::IsInvalidArgument(r.status())) << r.status();
}

}  // namespace

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // In a spawned worker: runs the worker loop, exits.
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
