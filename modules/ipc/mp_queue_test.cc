// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Tests of conc::mp::Queue, JoinableQueue and SimpleQueue: the behaviours
// CPython's Lib/test/_test_multiprocessing.py checks (_TestQueue), the ring's
// edge cases, threads in one process (TSan-checked), processes (spawned and
// forked), and faults: processes killed while blocked or while holding a lock.

#include "modules/ipc/mp_queue.h"

#include <sched.h>
#include <signal.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/ipc/internal/asymmetric_fence.h"
#include "modules/ipc/internal/shm_ring.h"
#include "modules/ipc/testing/shm_ring_test_peer.h"
#include "modules/threads/process.h"

namespace {

using ::conc::mp::JoinableQueue;
using ::conc::mp::Queue;
using ::conc::mp::QueueHandle;
using ::conc::mp::QueueOptions;
using ::conc::mp::SimpleQueue;

// Every wait in these tests is bounded, generously: a 2-core VM under TSan.
constexpr absl::Duration kLong = absl::Seconds(60);

struct Task {
  int id = 0;
  std::string name;
  std::vector<double> args;
  std::map<std::string, int> opts;
  CONC_CODEC_FIELDS(id, name, args, opts);
  friend bool operator==(const Task&, const Task&) = default;
};

// A message of the stress test: who sent it, its sequence number, a payload
// of varying length and a checksum over all of it.
struct Msg {
  int32_t producer = 0;
  int64_t seq = 0;
  std::string payload;
  uint64_t checksum = 0;
  CONC_CODEC_FIELDS(producer, seq, payload, checksum);
};

uint64_t Checksum(int32_t producer, int64_t seq, const std::string& payload) {
  uint64_t h = 1469598103934665603ull ^ static_cast<uint64_t>(producer) ^
               (static_cast<uint64_t>(seq) << 8);
  for (unsigned char c : payload) h = (h ^ c) * 1099511628211ull;
  return h;
}

// What one consumer saw of one producer (the results of the stress test).
struct SeenBy {
  int32_t producer = 0;
  std::vector<int64_t> seqs;
  CONC_CODEC_FIELDS(producer, seqs);
};

Msg MakeMsg(int32_t producer, int64_t seq) {
  Msg m;
  m.producer = producer;
  m.seq = seq;
  m.payload.assign(static_cast<size_t>((seq * 7 + producer) % 61), static_cast<char>('a' + seq % 26));
  m.checksum = Checksum(producer, seq, m.payload);
  return m;
}

// ---- Process targets (spawned children run these by name) ----
// They take the queues' descriptor numbers and rebuild QueueHandle{fd}.

// Puts 0..n-1 into the queue.
void put_range(int fd, int n) {
  const QueueHandle h{fd};
  absl::StatusOr<Queue<int>> q = Queue<int>::Attach(h);
  if (!q.ok()) std::exit(2);
  for (int i = 0; i < n; ++i) {
    if (!q->put(i, absl::Seconds(60)).ok()) std::exit(3);
  }
}

// Gets n items and reports their sum on `out`.
void sum_items(int in_fd, int out_fd, int n) {
  const QueueHandle in{in_fd}, out{out_fd};
  absl::StatusOr<Queue<int>> q = Queue<int>::Attach(in);
  absl::StatusOr<Queue<int64_t>> r = Queue<int64_t>::Attach(out);
  if (!q.ok() || !r.ok()) std::exit(2);
  int64_t sum = 0;
  for (int i = 0; i < n; ++i) {
    absl::StatusOr<int> v = q->get(absl::Seconds(60));
    if (!v.ok()) std::exit(3);
    sum += *v;
  }
  if (!r->put(sum).ok()) std::exit(4);
}

// Signals `ready`, then never consumes anything (until killed).
void idle_consumer(int q_fd, int ready_fd) {
  const QueueHandle q_handle{q_fd}, ready{ready_fd};
  absl::StatusOr<Queue<int>> q = Queue<int>::Attach(q_handle);
  absl::StatusOr<Queue<int>> r = Queue<int>::Attach(ready);
  if (!q.ok() || !r.ok() || !r->put(1).ok()) std::exit(2);
  for (;;) ::pause();
}

// Gets every task of a JoinableQueue and marks it done, until the sentinel -1.
void joinable_worker(int fd) {
  const QueueHandle h{fd};
  absl::StatusOr<JoinableQueue<int>> q = JoinableQueue<int>::Attach(h);
  if (!q.ok()) std::exit(2);
  for (;;) {
    absl::StatusOr<int> v = q->get(absl::Seconds(60));
    if (!v.ok()) std::exit(3);
    if (!q->task_done().ok()) std::exit(4);
    if (*v < 0) return;
  }
}

// Dies holding the producer lock at `stage` (see ShmRing::DieDuringPut).
void die_during_put(int fd, std::string bytes, int stage) {
  const QueueHandle h{fd};
  absl::StatusOr<std::shared_ptr<conc::mp::internal::ShmRing>> ring =
      conc::mp::internal::ShmRing::Attach(h.fd);
  if (!ring.ok()) std::exit(2);
  conc::mp::internal::ShmRingTestPeer::DieDuringPut(**ring, bytes, stage);
}

void die_during_get(int fd) {
  const QueueHandle h{fd};
  absl::StatusOr<std::shared_ptr<conc::mp::internal::ShmRing>> ring =
      conc::mp::internal::ShmRing::Attach(h.fd);
  if (!ring.ok()) std::exit(2);
  conc::mp::internal::ShmRingTestPeer::DieDuringGet(**ring, 1);
}

// The far end of a ping-pong whose every wait sleeps (no spinning): gets a
// number on `ping`, puts it back on `pong`, `rounds` times.
void sleeping_echo(int ping_fd, int pong_fd, int rounds) {
  auto ping = conc::mp::internal::ShmRing::Attach(ping_fd);
  auto pong = conc::mp::internal::ShmRing::Attach(pong_fd);
  if (!ping.ok() || !pong.ok()) std::exit(2);
  conc::mp::internal::ShmRingTestPeer::NeverSpin(**ping);
  conc::mp::internal::ShmRingTestPeer::NeverSpin(**pong);
  for (int i = 0; i < rounds; ++i) {
    std::string got;
    absl::Status s = (*ping)->Get(conc::Deadline::FromTimeout(absl::Seconds(20)),
                                  [&](std::string_view b) {
                                    got = std::string(b);
                                    return absl::OkStatus();
                                  });
    if (!s.ok()) std::exit(3);  // A lost wake-up: the parent did put.
    if (!(*pong)->Put(got, conc::Deadline::FromTimeout(absl::Seconds(20)), false).ok()) {
      std::exit(4);
    }
  }
}

// Stress producer: `count` messages tagged with `producer`.
void stress_producer(int fd, int32_t producer, int64_t count) {
  const QueueHandle h{fd};
  absl::StatusOr<Queue<Msg>> q = Queue<Msg>::Attach(h);
  if (!q.ok()) std::exit(2);
  for (int64_t seq = 0; seq < count; ++seq) {
    if (!q->put(MakeMsg(producer, seq), absl::Seconds(120)).ok()) std::exit(3);
  }
}

// Stress consumer: gets until a sentinel (seq -1); checks every checksum and
// that each producer's sequence numbers arrive in increasing order; sends the
// sequence numbers it saw, per producer, on `out` (bad checksums as -2).
void stress_consumer(int fd, int out_fd) {
  const QueueHandle h{fd}, out{out_fd};
  absl::StatusOr<Queue<Msg>> q = Queue<Msg>::Attach(h);
  absl::StatusOr<Queue<SeenBy>> r = Queue<SeenBy>::Attach(out);
  if (!q.ok() || !r.ok()) std::exit(2);
  std::vector<int64_t> seen[2];
  for (;;) {
    absl::StatusOr<Msg> m = q->get(absl::Seconds(120));
    if (!m.ok()) std::exit(3);
    if (m->seq < 0) break;
    if (m->producer < 0 || m->producer > 1) std::exit(4);
    auto& v = seen[m->producer];
    if (m->checksum != Checksum(m->producer, m->seq, m->payload) ||
        m->payload != MakeMsg(m->producer, m->seq).payload) {
      v.push_back(-2);
      continue;
    }
    if (!v.empty() && v.back() >= m->seq) std::exit(5);  // Per-producer FIFO broken.
    v.push_back(m->seq);
  }
  for (int32_t p = 0; p < 2; ++p) {
    if (!r->put(SeenBy{p, seen[p]}, absl::Seconds(120)).ok()) std::exit(6);
  }
}

}  // namespace

CONC_PROCESS_FUNCTION(put_range);
CONC_PROCESS_FUNCTION(sum_items);
CONC_PROCESS_FUNCTION(idle_consumer);
CONC_PROCESS_FUNCTION(joinable_worker);
CONC_PROCESS_FUNCTION(die_during_put);
CONC_PROCESS_FUNCTION(die_during_get);
CONC_PROCESS_FUNCTION(sleeping_echo);
CONC_PROCESS_FUNCTION(stress_producer);
CONC_PROCESS_FUNCTION(stress_consumer);

namespace {

template <class Q>
Q Make(absl::StatusOr<Q> q) {
  EXPECT_TRUE(q.ok()) << q.status();
  return *std::move(q);
}

void StartAndJoinOk(conc::Process& p) {
  ASSERT_TRUE(p.start().ok());
  ASSERT_TRUE(p.join(kLong).ok());
  EXPECT_EQ(p.exitcode(), 0);
}

// ---- Python's _TestQueue behaviours ----

TEST(MpQueueTest, PutGetInOrder) {
  Queue<int> q = Make(Queue<int>::Create());
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(q.put(i).ok());
  EXPECT_EQ(q.qsize(), 100);
  for (int i = 0; i < 100; ++i) {
    absl::StatusOr<int> v = q.get();
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(*v, i);
  }
  EXPECT_TRUE(q.empty());
}

TEST(MpQueueTest, GetOnEmptyWithZeroNegativeAndPositiveTimeouts) {
  Queue<int> q = Make(Queue<int>::Create());
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.get_nowait().status()));
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.get(false).status()));
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.get(absl::ZeroDuration()).status()));
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.get(absl::Seconds(-1)).status()));
  const absl::Time start = absl::Now();
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.get(absl::Milliseconds(100)).status()));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(99));
  // block=false ignores the timeout, as Python's.
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.get(false, absl::Seconds(10)).status()));
}

TEST(MpQueueTest, PutOnFullWithZeroNegativeAndPositiveTimeouts) {
  Queue<int> q = Make(Queue<int>::Create(/*maxsize=*/2));
  EXPECT_EQ(q.maxsize(), 2);
  EXPECT_FALSE(q.full());
  ASSERT_TRUE(q.put(1).ok());
  ASSERT_TRUE(q.put_nowait(2).ok());
  EXPECT_TRUE(q.full());
  EXPECT_EQ(q.qsize(), 2);
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.put_nowait(3)));
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.put(3, false)));
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.put(3, absl::ZeroDuration())));
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.put(3, absl::Seconds(-1))));
  const absl::Time start = absl::Now();
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.put(3, absl::Milliseconds(100))));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(99));
  EXPECT_EQ(*q.get(), 1);
  EXPECT_FALSE(q.full());
  ASSERT_TRUE(q.put(3).ok());
  EXPECT_EQ(*q.get(), 2);
  EXPECT_EQ(*q.get(), 3);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.qsize(), 0);
}

TEST(MpQueueTest, NegativeMaxsizeMeansNoItemLimit) {
  Queue<int> q = Make(Queue<int>::Create(-5));
  EXPECT_EQ(q.maxsize(), 0);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(q.put_nowait(i).ok());
  EXPECT_EQ(q.qsize(), 1000);
}

TEST(MpQueueTest, BlockedGetWakesWhenAnotherThreadPuts) {
  Queue<int> q = Make(Queue<int>::Create());
  std::thread t([&] { ASSERT_TRUE(q.put(42).ok()); });
  absl::StatusOr<int> v = q.get(kLong);
  t.join();
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 42);
}

TEST(MpQueueTest, BlockedPutWakesWhenAnotherThreadGets) {
  Queue<int> q = Make(Queue<int>::Create(1));
  ASSERT_TRUE(q.put(1).ok());
  std::thread t([&] { EXPECT_TRUE(q.put(2, kLong).ok()); });
  EXPECT_EQ(*q.get(kLong), 1);
  EXPECT_EQ(*q.get(kLong), 2);
  t.join();
}

TEST(MpQueueTest, CloseThenPutOrGetIsInvalidArgument) {
  Queue<int> q = Make(Queue<int>::Create());
  ASSERT_TRUE(q.put(1).ok());
  Queue<int> other = Make(Queue<int>::Attach(q.handle()));  // Another handle, as another process.
  q.close();
  q.close();  // Idempotent.
  absl::Status s = q.put(2);
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("closed"));
  EXPECT_TRUE(absl::IsInvalidArgument(q.get().status()));
  q.join_thread();  // Returns at once: nothing is buffered in this process.
  q.cancel_join_thread();
  // Other handles keep working, and the item put before close is there.
  EXPECT_EQ(*other.get(absl::Seconds(1)), 1);
}

TEST(MpQueueTest, CodecTypes) {
  Queue<Task> q = Make(Queue<Task>::Create());
  Task t{7, "fib", {30, 2.5}, {{"depth", 3}}};
  ASSERT_TRUE(q.put(t).ok());
  ASSERT_TRUE(q.put(Task{}).ok());
  EXPECT_EQ(*q.get(), t);
  EXPECT_EQ(*q.get(), Task{});

  Queue<std::vector<std::string>> qs = Make(Queue<std::vector<std::string>>::Create());
  ASSERT_TRUE(qs.put({"a", "", std::string(1000, 'z')}).ok());
  absl::StatusOr<std::vector<std::string>> v = qs.get();
  ASSERT_TRUE(v.ok());
  EXPECT_THAT(*v, ::testing::ElementsAre("a", "", std::string(1000, 'z')));
}

// A type that can be moved but not copied: get() hands it over by move.
struct MoveOnly {
  std::string text;
  std::vector<int> numbers;
  MoveOnly() = default;
  MoveOnly(std::string t, std::vector<int> n) : text(std::move(t)), numbers(std::move(n)) {}
  MoveOnly(MoveOnly&&) = default;
  MoveOnly& operator=(MoveOnly&&) = default;
  MoveOnly(const MoveOnly&) = delete;
  MoveOnly& operator=(const MoveOnly&) = delete;
  CONC_CODEC_FIELDS(text, numbers);
};

TEST(MpQueueTest, MoveOnlyType) {
  Queue<MoveOnly> q = Make(Queue<MoveOnly>::Create());
  ASSERT_TRUE(q.put(MoveOnly("moved", {1, 2, 3})).ok());
  absl::StatusOr<MoveOnly> m = q.get_nowait();
  ASSERT_TRUE(m.ok()) << m.status();
  MoveOnly taken = *std::move(m);
  EXPECT_EQ(taken.text, "moved");
  EXPECT_THAT(taken.numbers, ::testing::ElementsAre(1, 2, 3));
}

TEST(MpQueueTest, ZeroByteMessages) {
  // std::monostate encodes to no bytes at all: a record is just its header.
  Queue<std::monostate> q = Make(Queue<std::monostate>::Create(0, QueueOptions{.capacity = 4096}));
  for (int i = 0; i < 1000; ++i) {  // Goes round the 4 KiB ring twice.
    ASSERT_TRUE(q.put(std::monostate{}).ok());
    ASSERT_TRUE(q.get_nowait().ok());
  }
  for (int i = 0; i < 512; ++i) ASSERT_TRUE(q.put_nowait(std::monostate{}).ok());
  EXPECT_TRUE(q.full());  // 512 records of 8 bytes fill 4096 bytes.
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.put_nowait(std::monostate{})));
  EXPECT_EQ(q.qsize(), 512);
}

TEST(MpQueueTest, NearCapacityMessageFitsAndTooLargeIsRefused) {
  Queue<std::string> q = Make(Queue<std::string>::Create(0, QueueOptions{.capacity = 4096}));
  EXPECT_EQ(q.capacity(), 4096u);
  EXPECT_EQ(q.max_message_size(), 4088u);
  // A std::string encodes as an 8-byte length and its characters.
  const std::string biggest(4088 - 8, 'x');
  ASSERT_TRUE(q.put_nowait("a").ok());
  ASSERT_TRUE(q.get_nowait().ok());  // Now head and tail are mid-ring: the record wraps.
  ASSERT_TRUE(q.put_nowait(biggest).ok());
  EXPECT_TRUE(q.full());
  EXPECT_EQ(*q.get_nowait(), biggest);
  absl::Status s = q.put(biggest + "y");
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("4089 bytes"));
  EXPECT_TRUE(q.empty());
}

TEST(MpQueueTest, CapacityIsRoundedToPagesAndBounded) {
  Queue<int> q = Make(Queue<int>::Create(0, QueueOptions{.capacity = 1}));
  EXPECT_EQ(q.capacity(), static_cast<size_t>(::sysconf(_SC_PAGESIZE)));
  absl::StatusOr<Queue<int>> huge = Queue<int>::Create(0, QueueOptions{.capacity = size_t{1} << 40});
  EXPECT_TRUE(absl::IsInvalidArgument(huge.status()));
}

TEST(MpQueueTest, AttachRejectsWhatIsNotAQueue) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  EXPECT_TRUE(absl::IsInvalidArgument(Queue<int>::Attach(QueueHandle{fds[0]}).status()));
  ::close(fds[0]);
  ::close(fds[1]);
  const int memfd = ::memfd_create("not-a-queue", MFD_CLOEXEC);
  ASSERT_GE(memfd, 0);
  ASSERT_EQ(::ftruncate(memfd, 4096 * 2), 0);
  EXPECT_TRUE(absl::IsInvalidArgument(Queue<int>::Attach(QueueHandle{memfd}).status()));
  ::close(memfd);
  EXPECT_FALSE(Queue<int>::Attach(QueueHandle{-1}).ok());
}

// The ring's locks name their holders by pid, which means another process in
// another pid namespace: Attach there must refuse (FailedPrecondition), or a
// live holder would look dead and have its lock taken over.
TEST(MpQueueTest, AttachInAnotherPidNamespaceIsRefused) {
  Queue<int> q = Make(Queue<int>::Create());
  ASSERT_TRUE(q.put(7).ok());
  const QueueHandle h = q.handle();
  // unshare(CLONE_NEWPID) puts the caller's later children in a new
  // namespace: done in a child, so that this test process is unaffected.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::unshare(CLONE_NEWPID) != 0) ::_exit(77);  // Not permitted here.
    const pid_t inner = ::fork();                    // Pid 1 of the new namespace.
    if (inner < 0) ::_exit(3);
    if (inner == 0) {
      absl::StatusOr<Queue<int>> attached = Queue<int>::Attach(h);
      if (attached.ok()) ::_exit(1);
      ::_exit(absl::IsFailedPrecondition(attached.status()) ? 0 : 2);
    }
    int status = 0;
    if (::waitpid(inner, &status, 0) != inner || !WIFEXITED(status)) ::_exit(4);
    ::_exit(WEXITSTATUS(status));
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 77) GTEST_SKIP() << "unshare(CLONE_NEWPID) is not permitted";
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "1: attached in another pid namespace; 2: another error; 3, 4: fork or wait failed";
  // This process's namespace is unchanged: the queue still works here.
  absl::StatusOr<int> got = q.get(absl::Seconds(10));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, 7);
}

// get() decodes straight from the ring: bytes that are not a T (here a
// string read as an int32) are DataLoss, the record is consumed all the same,
// and the next record decodes normally.
TEST(MpQueueTest, UndecodableItemIsDataLossAndConsumed) {
  Queue<std::string> q = Make(Queue<std::string>::Create());
  Queue<int32_t> as_int = Make(Queue<int32_t>::Attach(q.handle()));
  ASSERT_TRUE(q.put("abc").ok());  // 11 bytes: a length and 3 characters.
  ASSERT_TRUE(as_int.put(7).ok());
  absl::StatusOr<int32_t> bad = as_int.get_nowait();
  EXPECT_TRUE(absl::IsDataLoss(bad.status())) << bad.status();
  EXPECT_EQ(q.qsize(), 1);
  absl::StatusOr<int32_t> good = as_int.get_nowait();
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_EQ(*good, 7);
  EXPECT_TRUE(q.empty());
}

TEST(MpQueueTest, WrapAroundWithOddSizes) {
  // A small ring and messages of odd sizes: records straddle the end of the
  // ring in every possible position; a thread consumes while the other puts.
  Queue<std::string> q = Make(Queue<std::string>::Create(0, QueueOptions{.capacity = 4096}));
  constexpr int kCount = 20000;
  auto message = [](int i) { return std::string(static_cast<size_t>(i * 37 % 301), static_cast<char>(i)); };
  std::thread producer([&] {
    for (int i = 0; i < kCount; ++i) ASSERT_TRUE(q.put(message(i), kLong).ok());
  });
  for (int i = 0; i < kCount; ++i) {
    absl::StatusOr<std::string> s = q.get(kLong);
    ASSERT_TRUE(s.ok()) << s.status();
    ASSERT_EQ(*s, message(i)) << i;
  }
  producer.join();
  EXPECT_TRUE(q.empty());
}

TEST(MpQueueTest, ThreadsAsProducersAndConsumers) {
  // Four producer and four consumer threads of one process: every item once.
  Queue<int> q = Make(Queue<int>::Create(64, QueueOptions{.capacity = 4096}));
  constexpr int kPerProducer = 5000;
  constexpr int kProducers = 4;
  std::vector<std::vector<int>> got(4);
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) ASSERT_TRUE(q.put(p * kPerProducer + i, kLong).ok());
    });
  }
  for (int c = 0; c < 4; ++c) {
    threads.emplace_back([&, c] {
      for (;;) {
        absl::StatusOr<int> v = q.get(kLong);
        ASSERT_TRUE(v.ok()) << v.status();
        if (*v < 0) return;
        got[c].push_back(*v);
      }
    });
  }
  for (int p = 0; p < kProducers; ++p) threads[p].join();
  for (int c = 0; c < 4; ++c) ASSERT_TRUE(q.put(-1).ok());
  for (size_t i = kProducers; i < threads.size(); ++i) threads[i].join();
  std::vector<int> all;
  for (auto& g : got) all.insert(all.end(), g.begin(), g.end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(kProducers * kPerProducer));
  for (int i = 0; i < kProducers * kPerProducer; ++i) ASSERT_EQ(all[i], i);
}

// ---- Across processes ----

TEST(MpQueueTest, SpawnedProducerAndConsumer) {
  Queue<int> q = Make(Queue<int>::Create(10, QueueOptions{.capacity = 4096}));
  Queue<int64_t> result = Make(Queue<int64_t>::Create());
  std::vector<int> fds = q.fds_to_pass();
  fds.push_back(result.handle().fd);
  conc::Process producer({.pass_fds = q.fds_to_pass()}, conc::process_function<put_range>,
                         q.handle().fd, 1000);
  conc::Process consumer({.pass_fds = fds}, conc::process_function<sum_items>, q.handle().fd,
                         result.handle().fd, 1000);
  ASSERT_TRUE(producer.start().ok());
  ASSERT_TRUE(consumer.start().ok());
  ASSERT_TRUE(producer.join(kLong).ok());
  ASSERT_TRUE(consumer.join(kLong).ok());
  EXPECT_EQ(producer.exitcode(), 0);
  EXPECT_EQ(consumer.exitcode(), 0);
  EXPECT_EQ(*result.get(absl::Seconds(1)), 999 * 1000 / 2);
}

TEST(MpQueueTest, ForkedChildUsesTheSameQueue) {
  Queue<std::string> q = Make(Queue<std::string>::Create());
  conc::Process p(conc::kForkMethod, [q]() mutable {
    if (!q.put("from the child").ok()) std::_Exit(2);
  });
  StartAndJoinOk(p);
  EXPECT_EQ(*q.get(absl::Seconds(1)), "from the child");
}

TEST(MpQueueTest, ItemsSurviveTheProducersExit) {
  // No feeder thread: once put() returned, the item is in shared memory.
  Queue<int> q = Make(Queue<int>::Create());
  conc::Process p({.pass_fds = q.fds_to_pass()}, conc::process_function<put_range>, q.handle().fd, 50);
  StartAndJoinOk(p);
  EXPECT_EQ(q.qsize(), 50);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(*q.get_nowait(), i);
}

TEST(SimpleQueueTest, PutGetEmptyCloseAcrossProcesses) {
  SimpleQueue<int> q = Make(SimpleQueue<int>::Create());
  EXPECT_TRUE(q.empty());
  conc::Process p({.pass_fds = q.fds_to_pass()}, conc::process_function<put_range>, q.handle().fd, 3);
  StartAndJoinOk(p);
  EXPECT_FALSE(q.empty());
  EXPECT_EQ(*q.get(), 0);
  EXPECT_EQ(*q.get(), 1);
  ASSERT_TRUE(q.put(7).ok());
  EXPECT_EQ(*q.get(), 2);
  EXPECT_EQ(*q.get(), 7);
  EXPECT_TRUE(q.empty());
  q.close();
  EXPECT_TRUE(absl::IsInvalidArgument(q.put(1)));
  EXPECT_TRUE(absl::IsInvalidArgument(q.get().status()));
}

TEST(JoinableQueueTest, TaskDoneTooOftenIsFailedPrecondition) {
  JoinableQueue<int> q = Make(JoinableQueue<int>::Create());
  EXPECT_TRUE(absl::IsFailedPrecondition(q.task_done()));
  ASSERT_TRUE(q.put(1).ok());
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.join(absl::Milliseconds(10))));
  EXPECT_EQ(*q.get(), 1);
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.join(absl::ZeroDuration())));
  ASSERT_TRUE(q.task_done().ok());
  EXPECT_TRUE(q.join(absl::ZeroDuration()).ok());
  EXPECT_TRUE(q.join().ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(q.task_done()));
}

TEST(JoinableQueueTest, FailedPutCountsNoTask) {
  JoinableQueue<int> q = Make(JoinableQueue<int>::Create(1));
  ASSERT_TRUE(q.put(1).ok());
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.put_nowait(2)));
  EXPECT_EQ(*q.get(), 1);
  ASSERT_TRUE(q.task_done().ok());
  EXPECT_TRUE(q.join(absl::ZeroDuration()).ok());
}

TEST(JoinableQueueTest, JoinAcrossProcesses) {
  // Python's test_task_done: workers in other processes call task_done(); the
  // parent's join() returns once every item is done.
  JoinableQueue<int> q = Make(JoinableQueue<int>::Create());
  std::vector<conc::Process> workers;
  for (int i = 0; i < 2; ++i) {
    workers.emplace_back(conc::ProcessOptions{.pass_fds = q.fds_to_pass()},
                         conc::process_function<joinable_worker>, q.handle().fd);
    ASSERT_TRUE(workers.back().start().ok());
  }
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(q.put(i).ok());
  EXPECT_TRUE(q.join(kLong).ok());
  EXPECT_TRUE(q.empty());
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(q.put(-1).ok());
  for (conc::Process& w : workers) {
    ASSERT_TRUE(w.join(kLong).ok());
    EXPECT_EQ(w.exitcode(), 0);
  }
  EXPECT_TRUE(q.join(kLong).ok());
}

// ---- Faults ----

TEST(MpQueueFaultTest, ProducerOnFullQueueReturnsAfterConsumerIsKilled) {
  Queue<int> q = Make(Queue<int>::Create(1));
  Queue<int> ready = Make(Queue<int>::Create());
  ASSERT_TRUE(q.put(0).ok());  // Full.
  std::vector<int> fds = q.fds_to_pass();
  fds.push_back(ready.handle().fd);
  conc::Process consumer({.pass_fds = fds}, conc::process_function<idle_consumer>, q.handle().fd,
                         ready.handle().fd);
  ASSERT_TRUE(consumer.start().ok());
  ASSERT_TRUE(ready.get(kLong).ok());
  // A producer thread blocks on the full queue; the consumer is killed meanwhile.
  absl::Status put_status;
  absl::Duration put_took;
  std::thread producer([&] {
    const absl::Time start = absl::Now();
    put_status = q.put(1, absl::Seconds(2));
    put_took = absl::Now() - start;
  });
  ASSERT_TRUE(consumer.kill().ok());
  ASSERT_TRUE(consumer.join(kLong).ok());
  EXPECT_EQ(consumer.exitcode(), -SIGKILL);
  producer.join();
  EXPECT_TRUE(absl::IsDeadlineExceeded(put_status)) << put_status;
  EXPECT_GE(put_took, absl::Seconds(2) - absl::Milliseconds(1));
  EXPECT_LT(put_took, kLong);
  // The queue still works.
  EXPECT_EQ(*q.get_nowait(), 0);
  EXPECT_TRUE(q.put_nowait(1).ok());
}

TEST(MpQueueFaultTest, ProducerKilledMidRecordLosesOnlyItsItem) {
  Queue<std::string> q = Make(Queue<std::string>::Create());
  ASSERT_TRUE(q.put("before").ok());
  conc::Process p({.pass_fds = q.fds_to_pass()}, conc::process_function<die_during_put>,
                  q.handle().fd, conc::Encode(std::string(1000, 't')), 1);
  StartAndJoinOk(p);  // It exited holding the producer lock.
  // The consumer does not hang and sees no torn item.
  EXPECT_EQ(*q.get(absl::Seconds(5)), "before");
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.get(absl::Milliseconds(50)).status()));
  EXPECT_EQ(q.qsize(), 0);
  // The next producer repairs the lock and carries on.
  ASSERT_TRUE(q.put("after", absl::Seconds(5)).ok());
  EXPECT_EQ(q.qsize(), 1);
  EXPECT_EQ(*q.get(absl::Seconds(5)), "after");
}

TEST(MpQueueFaultTest, ProducerKilledAfterPublishingKeepsItsItem) {
  Queue<std::string> q = Make(Queue<std::string>::Create());
  conc::Process p({.pass_fds = q.fds_to_pass()}, conc::process_function<die_during_put>,
                  q.handle().fd, conc::Encode(std::string("published")), 2);
  StartAndJoinOk(p);
  EXPECT_EQ(*q.get(absl::Seconds(5)), "published");
  ASSERT_TRUE(q.put("after", absl::Seconds(5)).ok());  // Repairs put_count from the journal.
  EXPECT_EQ(q.qsize(), 1);
  EXPECT_EQ(*q.get(absl::Seconds(5)), "after");
  EXPECT_EQ(q.qsize(), 0);
  EXPECT_TRUE(q.empty());
}

TEST(MpQueueFaultTest, ConsumerKilledMidGetLeavesTheItemForTheNext) {
  Queue<std::string> q = Make(Queue<std::string>::Create());
  ASSERT_TRUE(q.put("one").ok());
  ASSERT_TRUE(q.put("two").ok());
  conc::Process p({.pass_fds = q.fds_to_pass()}, conc::process_function<die_during_get>, q.handle().fd);
  StartAndJoinOk(p);
  EXPECT_EQ(*q.get(absl::Seconds(5)), "one");
  EXPECT_EQ(*q.get(absl::Seconds(5)), "two");
  EXPECT_EQ(q.qsize(), 0);
}

// The near end of those ping-pongs: puts 0, 1, 2... on `ping` and expects
// each back on `pong` within 20 s. Returns the number of round trips lost
// (0 or 1: it stops at the first).
int PingSide(conc::mp::internal::ShmRing& ping, conc::mp::internal::ShmRing& pong, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    const std::string msg = std::to_string(i);
    EXPECT_TRUE(ping.Put(msg, conc::Deadline::FromTimeout(kLong), false).ok());
    std::string got;
    absl::Status s = pong.Get(conc::Deadline::FromTimeout(absl::Seconds(20)),
                              [&](std::string_view b) {
                                got = std::string(b);
                                return absl::OkStatus();
                              });
    if (!s.ok()) return 1;
    EXPECT_EQ(got, msg);
  }
  return 0;
}

// Every get on both sides goes to sleep on the futex before the other side
// puts (no spinning), so each round trip runs the sleeper/waker handshake
// twice: a wake-up lost in it leaves a get waiting out its 20 s deadline and
// fails the test.
TEST(MpQueueStressTest, PingPongWhereEveryWaitSleepsLosesNoWakeUp) {
  constexpr int kRounds = 3000;
  auto ping = conc::mp::internal::ShmRing::Create(0, 4096);
  auto pong = conc::mp::internal::ShmRing::Create(0, 4096);
  ASSERT_TRUE(ping.ok() && pong.ok());
  conc::mp::internal::ShmRingTestPeer::NeverSpin(**ping);
  conc::mp::internal::ShmRingTestPeer::NeverSpin(**pong);
  conc::Process echo({.pass_fds = {(*ping)->fd(), (*pong)->fd()}},
                     conc::process_function<sleeping_echo>, (*ping)->fd(), (*pong)->fd(), kRounds);
  ASSERT_TRUE(echo.start().ok());
  const int lost = PingSide(**ping, **pong, kRounds);
  EXPECT_EQ(lost, 0);
  ASSERT_TRUE(echo.join(kLong).ok());
  EXPECT_EQ(echo.exitcode(), 0);
}

// Installs a seccomp filter that makes membarrier(2) fail with EPERM in this
// process and its later children, as a kernel or container that refuses it.
bool RefuseMembarrier() {
  struct sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_membarrier, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {static_cast<unsigned short>(sizeof code / sizeof code[0]), code};
  return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
         ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
}

// The same ping-pong with the far end in a process where membarrier is
// refused: there the light half of the fence is a real fence and every sleep
// is cut to 1 ms re-checks (asymmetric_fence.h). Every round trip must still
// arrive, in order, well within its deadline.
TEST(MpQueueStressTest, PingPongWithoutMembarrierInOneProcessLosesNothing) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "the filter is written for x86-64";
#endif
  constexpr int kRounds = 1000;
  auto ping = conc::mp::internal::ShmRing::Create(0, 4096);
  auto pong = conc::mp::internal::ShmRing::Create(0, 4096);
  ASSERT_TRUE(ping.ok() && pong.ok());
  conc::mp::internal::ShmRingTestPeer::NeverSpin(**ping);
  conc::mp::internal::ShmRingTestPeer::NeverSpin(**pong);
  const int ping_fd = (*ping)->fd();
  const int pong_fd = (*pong)->fd();
  // The filter goes into a child; the echo runs in its child, which
  // registers for membarrier when fork() returns there, and is refused.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (!RefuseMembarrier()) ::_exit(77);
    const pid_t echo = ::fork();
    if (echo < 0) ::_exit(6);
    if (echo == 0) {
      if (conc::mp::internal::RegisterThisProcess() ||
          !conc::mp::internal::g_light_fence_is_full.load()) {
        ::_exit(5);  // The fallback did not engage.
      }
      sleeping_echo(ping_fd, pong_fd, kRounds);
      ::_exit(0);
    }
    int status = 0;
    if (::waitpid(echo, &status, 0) != echo || !WIFEXITED(status)) ::_exit(7);
    ::_exit(WEXITSTATUS(status));
  }
  const int lost = PingSide(**ping, **pong, kRounds);
  int status = 0;
  if (lost != 0) ::kill(child, SIGKILL);  // Its echo waits for a put that never comes.
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 77) GTEST_SKIP() << "seccomp filters are not permitted here";
  EXPECT_EQ(lost, 0);
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "5: membarrier was not refused; 3, 4: the echo lost a message; 6, 7: fork or wait";
}

TEST(MpQueueStressTest, TwoProducersTwoConsumersMove100000Messages) {
  constexpr int64_t kPerProducer = 50000;
  // A 64 KiB ring: it wraps hundreds of times and producers often find it full.
  Queue<Msg> q = Make(Queue<Msg>::Create(0, QueueOptions{.capacity = 64 * 1024}));
  Queue<SeenBy> results = Make(Queue<SeenBy>::Create(0, QueueOptions{.capacity = 8 << 20}));
  std::vector<int> fds = q.fds_to_pass();
  fds.push_back(results.handle().fd);
  std::vector<conc::Process> procs;
  for (int c = 0; c < 2; ++c) {
    procs.emplace_back(conc::ProcessOptions{.pass_fds = fds},
                       conc::process_function<stress_consumer>, q.handle().fd, results.handle().fd);
  }
  for (int32_t p = 0; p < 2; ++p) {
    procs.emplace_back(conc::ProcessOptions{.pass_fds = q.fds_to_pass()},
                       conc::process_function<stress_producer>, q.handle().fd, p, kPerProducer);
  }
  for (conc::Process& p : procs) ASSERT_TRUE(p.start().ok());
  for (int i = 2; i < 4; ++i) {
    ASSERT_TRUE(procs[i].join(absl::Seconds(300)).ok());
    ASSERT_EQ(procs[i].exitcode(), 0);
  }
  Msg sentinel;
  sentinel.seq = -1;
  for (int c = 0; c < 2; ++c) ASSERT_TRUE(q.put(sentinel, kLong).ok());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(procs[i].join(absl::Seconds(300)).ok());
    ASSERT_EQ(procs[i].exitcode(), 0);
  }
  std::vector<int64_t> per_producer[2];
  for (int i = 0; i < 4; ++i) {  // Two reports from each consumer, in any order.
    absl::StatusOr<SeenBy> v = results.get(kLong);
    ASSERT_TRUE(v.ok()) << v.status();
    ASSERT_TRUE(v->producer == 0 || v->producer == 1);
    auto& into = per_producer[v->producer];
    into.insert(into.end(), v->seqs.begin(), v->seqs.end());
  }
  for (auto& v : per_producer) {
    std::sort(v.begin(), v.end());
    ASSERT_EQ(v.size(), static_cast<size_t>(kPerProducer));  // None lost or duplicated...
    EXPECT_GE(v.front(), 0);                                  // ...or torn (-2)...
    for (int64_t i = 0; i < kPerProducer; ++i) ASSERT_EQ(v[i], i);  // ...each exactly once.
  }
  EXPECT_TRUE(q.empty());
}

}  // namespace

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // In a spawned child: runs its function, exits.
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
