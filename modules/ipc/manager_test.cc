// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// conc::Manager: the proxies' Python behaviours and edge cases (as CPython's
// _TestContainers / _TestManagerRestart / _TestListener cases check them),
// several processes on one dict, authentication, a manager killed mid-use, a
// TCP manager reached from another process, and server-side concurrency.
//
// The binary has its own main(): the manager's server and the worker processes
// are spawned copies of it (conc::ProcessMain).
//
// Timing: the CI machine is a loaded 2-core VM, three times (plain, tsan,
// asan). Bounds on how long a failure may take are the call's deadline plus a
// wide margin (kMargin), so a slow machine does not fail them, while a hang
// (the bug they catch) still does.

#include "modules/ipc/manager.h"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <future>
#include <limits>
#include <fstream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "modules/common/framed.h"
#include "modules/common/timeout.h"
#include "modules/ipc/internal/manager_auth.h"
#include "modules/ipc/internal/manager_local.h"
#include "modules/ipc/internal/manager_wire.h"
#include "modules/ipc/manager.grpc.pb.h"
#include "modules/threads/process.h"

// --- Worker processes (spawned: they get everything they need as arguments) ---

// Adds 1 to d["counter"] `n` times under the manager's Lock, and records its
// own count under d["worker-<i>"], appending its index to the list each time.
void increment_worker(std::string address, std::string authkey, std::string dict_id,
                      std::string lock_id, std::string list_id, int worker, int n, int transport) {
  absl::StatusOr<conc::Manager> m = conc::Manager::connect(
      address, authkey, absl::Seconds(30), static_cast<conc::ManagerTransport>(transport));
  if (!m.ok()) std::exit(2);
  auto d = m->dict<std::string, int>(dict_id);
  auto lock = m->Lock(lock_id);
  auto l = m->list<int>(list_id);
  if (!d.ok() || !lock.ok() || !l.ok()) std::exit(3);
  for (int i = 0; i < n; ++i) {
    absl::StatusOr<bool> got = lock->acquire();
    if (!got.ok() || !*got) std::exit(4);
    absl::StatusOr<int> v = d->get("counter", 0);
    if (!v.ok() || !d->set("counter", *v + 1).ok()) std::exit(5);
    if (!lock->release().ok()) std::exit(6);
  }
  if (!d->set("worker-" + std::to_string(worker), n).ok()) std::exit(7);
  if (!l->append(worker).ok()) std::exit(8);
}
CONC_PROCESS_FUNCTION(increment_worker);

// Python's `d["evens"].append(x)` from a child: reads the list proxies the
// parent stored in the dict, appends to them, and stores a list of its own.
void nested_worker(std::string address, std::string authkey, std::string dict_id, int transport) {
  absl::StatusOr<conc::Manager> m = conc::Manager::connect(
      address, authkey, absl::Seconds(30), static_cast<conc::ManagerTransport>(transport));
  if (!m.ok()) std::exit(2);
  auto d = m->dict<std::string, conc::ListProxy<int>>(dict_id);
  if (!d.ok()) std::exit(3);
  absl::StatusOr<conc::ListProxy<int>> evens = d->get("evens");
  absl::StatusOr<conc::ListProxy<int>> odds = d->get("odds");
  if (!evens.ok() || !odds.ok()) std::exit(4);
  for (int i = 0; i < 10; ++i) {
    if (!(i % 2 == 0 ? evens->append(i) : odds->append(i)).ok()) std::exit(5);
  }
  auto mine = m->list<int>();
  if (!mine.ok() || !mine->append(42).ok() || !d->set("child", *mine).ok()) std::exit(6);
}
CONC_PROCESS_FUNCTION(nested_worker);

// Reaches a TCP manager and writes its pid into the named dict.
void tcp_client(std::string address, std::string authkey, int transport) {
  absl::StatusOr<conc::Manager> m = conc::Manager::connect(
      address, authkey, absl::Seconds(30), static_cast<conc::ManagerTransport>(transport));
  if (!m.ok()) std::exit(2);
  auto d = m->dict<std::string, std::string>("results");
  if (!d.ok()) std::exit(3);
  if (!d->set("from-child", "hello over TCP").ok()) std::exit(4);
  // And reads what the parent left for it.
  absl::StatusOr<std::string> note = d->get("from-parent");
  if (!note.ok() || *note != "hi child") std::exit(5);
}
CONC_PROCESS_FUNCTION(tcp_client);

// Tries a wrong key; exits 0 only if refused with Unauthenticated.
void wrong_key_client(std::string address, int transport) {
  absl::StatusOr<conc::Manager> m = conc::Manager::connect(
      address, "not the key", absl::Seconds(30), static_cast<conc::ManagerTransport>(transport));
  std::exit(absl::IsUnauthenticated(m.status()) ? 0 : 1);
}
CONC_PROCESS_FUNCTION(wrong_key_client);

// Sets the event, then blocks in a get on the queue until killed.
void blocked_getter(std::string address, std::string authkey, std::string queue_id,
                    std::string event_id) {
  absl::StatusOr<conc::Manager> m = conc::Manager::connect(address, authkey, absl::Seconds(30));
  if (!m.ok()) std::exit(2);
  auto q = m->Queue<int>(0, queue_id);
  auto e = m->Event(event_id);
  if (!q.ok() || !e.ok() || !e->set().ok()) std::exit(3);
  (void)q->get(absl::Seconds(120));
  std::exit(4);  // Not reached: the test kills this process first.
}
CONC_PROCESS_FUNCTION(blocked_getter);

namespace conc {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

// Slack for a loaded 2-core VM under a sanitizer; see the top of the file.
constexpr absl::Duration kMargin = absl::Seconds(10);

// True once /proc/PID/stat shows the process stopped ('T'), false after `limit`.
bool WaitUntilStopped(pid_t pid, absl::Duration limit) {
  const absl::Time give_up = absl::Now() + limit;
  while (absl::Now() < give_up) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    // "PID (comm) STATE ...": the state follows the last ')'.
    const size_t paren = line.rfind(')');
    if (paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'T') {
      return true;
    }
    absl::SleepFor(absl::Milliseconds(1));  // Polling /proc: there is nothing to wait on.
  }
  return false;
}

// Every test runs over both transports: the same-host socket (kAuto, on this
// host) and gRPC.
std::string TransportName(const ::testing::TestParamInfo<ManagerTransport>& info) {
  return info.param == ManagerTransport::kAuto ? "Unix" : "Grpc";
}
std::string_view ExpectedTransport(ManagerTransport t) {
  return t == ManagerTransport::kAuto ? "unix" : "grpc";
}

class ManagerTest : public ::testing::TestWithParam<ManagerTransport> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(m_.start().ok());
    // The transport asked for is the one in use (no silent fallback).
    ASSERT_EQ(m_.client()->transport(), ExpectedTransport(GetParam()));
  }
  // Another client of m_'s server, over the same transport.
  absl::StatusOr<Manager> Connect(const std::string& authkey) {
    return Manager::connect(m_.address(), authkey, absl::Seconds(5), GetParam());
  }
  int transport() const { return static_cast<int>(GetParam()); }
  // The gRPC target of m_ (raw gRPC clients).
  std::string GrpcTarget() const { return internal::ParseManagerAddress(m_.address()).grpc; }
  Manager m_{ManagerOptions{.transport = GetParam()}};
};
INSTANTIATE_TEST_SUITE_P(Transports, ManagerTest,
                         ::testing::Values(ManagerTransport::kAuto, ManagerTransport::kGrpc),
                         TransportName);

// The tests that build their own managers.
class ManagerFaultTest : public ::testing::TestWithParam<ManagerTransport> {};
INSTANTIATE_TEST_SUITE_P(Transports, ManagerFaultTest,
                         ::testing::Values(ManagerTransport::kAuto, ManagerTransport::kGrpc),
                         TransportName);

TEST_P(ManagerTest, DictBehavesLikePythonDict) {
  absl::StatusOr<DictProxy<std::string, int>> d = m_.dict<std::string, int>();
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(*d->len(), 0u);
  ASSERT_TRUE(d->set("b", 2).ok());
  ASSERT_TRUE(d->set("a", 1).ok());
  ASSERT_TRUE(d->set("b", 20).ok());  // Overwriting keeps the position.
  EXPECT_EQ(*d->get("b"), 20);
  EXPECT_EQ(*d->len(), 2u);
  // Insertion order, as Python's dict.
  EXPECT_THAT(*d->keys(), ElementsAre("b", "a"));
  EXPECT_THAT(*d->values(), ElementsAre(20, 1));
  EXPECT_THAT(*d->items(), ElementsAre(Pair("b", 20), Pair("a", 1)));
  EXPECT_TRUE(*d->contains("a"));
  EXPECT_FALSE(*d->contains("zzz"));

  // d["missing"] is KeyError; d.get("missing", 7) is the default.
  absl::StatusOr<int> missing = d->get("missing");
  EXPECT_TRUE(absl::IsNotFound(missing.status())) << missing.status();
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("KeyError"));
  EXPECT_EQ(*d->get("missing", 7), 7);
  EXPECT_FALSE(*d->contains("missing"));  // get with a default does not insert.

  ASSERT_TRUE(d->update({{"c", 3}, {"a", 10}}).ok());
  EXPECT_THAT(*d->items(), ElementsAre(Pair("b", 20), Pair("a", 10), Pair("c", 3)));

  EXPECT_EQ(*d->pop("c"), 3);
  EXPECT_TRUE(absl::IsNotFound(d->pop("c").status()));
  EXPECT_EQ(*d->pop("c", -1), -1);
  ASSERT_TRUE(d->del("b").ok());
  EXPECT_TRUE(absl::IsNotFound(d->del("b")));
  EXPECT_THAT(*d->keys(), ElementsAre("a"));

  // get_many: one round trip, nullopt for the absent keys.
  EXPECT_THAT(*d->get_many({"a", "nope", "a"}),
              ElementsAre(Optional(10), std::nullopt, Optional(10)));
  EXPECT_TRUE(d->get_many({})->empty());

  ASSERT_TRUE(d->clear().ok());
  EXPECT_EQ(*d->len(), 0u);
}

TEST_P(ManagerTest, DictKeysMayBeAnyEncodableType) {
  auto d = m_.dict<std::pair<int, int>, std::vector<std::string>>();
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(d->set({1, 2}, {"x", "y"}).ok());
  EXPECT_THAT(*d->get({1, 2}), ElementsAre("x", "y"));
  EXPECT_TRUE(absl::IsNotFound(d->get({2, 1}).status()));
}

TEST_P(ManagerTest, ListBehavesLikePythonList) {
  absl::StatusOr<ListProxy<int>> l = m_.list<int>();
  ASSERT_TRUE(l.ok()) << l.status();
  // Everything on an empty list: IndexError.
  EXPECT_TRUE(absl::IsOutOfRange(l->get(0).status()));
  EXPECT_TRUE(absl::IsOutOfRange(l->get(-1).status()));
  absl::StatusOr<int> popped = l->pop();
  EXPECT_TRUE(absl::IsOutOfRange(popped.status()));
  EXPECT_THAT(std::string(popped.status().message()), HasSubstr("pop from empty list"));

  ASSERT_TRUE(l->append(1).ok());
  ASSERT_TRUE(l->extend({2, 3, 4}).ok());
  ASSERT_TRUE(l->extend({}).ok());
  EXPECT_EQ(*l->len(), 4u);
  EXPECT_EQ(*l->get(0), 1);
  EXPECT_EQ(*l->get(-1), 4);
  EXPECT_EQ(*l->get(-4), 1);
  EXPECT_TRUE(absl::IsOutOfRange(l->get(4).status()));
  EXPECT_TRUE(absl::IsOutOfRange(l->get(-5).status()));

  ASSERT_TRUE(l->set(-1, 40).ok());
  EXPECT_EQ(*l->get(3), 40);
  absl::Status bad_set = l->set(4, 0);
  EXPECT_TRUE(absl::IsOutOfRange(bad_set));
  EXPECT_THAT(std::string(bad_set.message()), HasSubstr("assignment index out of range"));

  EXPECT_EQ(*l->pop(), 40);  // pop() takes the last.
  EXPECT_EQ(*l->pop(0), 1);
  EXPECT_TRUE(absl::IsOutOfRange(l->pop(5).status()));
  EXPECT_THAT(*l->to_vector(), ElementsAre(2, 3));

  // insert clamps, as Python's.
  ASSERT_TRUE(l->insert(-100, 0).ok());
  ASSERT_TRUE(l->insert(100, 9).ok());
  ASSERT_TRUE(l->insert(-1, 8).ok());
  EXPECT_THAT(*l->to_vector(), ElementsAre(0, 2, 3, 8, 9));
  ASSERT_TRUE(l->del(-2).ok());
  EXPECT_TRUE(absl::IsOutOfRange(l->del(10)));
  EXPECT_THAT(*l->to_vector(), ElementsAre(0, 2, 3, 9));
  ASSERT_TRUE(l->clear().ok());
  EXPECT_EQ(*l->len(), 0u);
}

TEST_P(ManagerTest, NamespaceAttributesOfMixedTypes) {
  absl::StatusOr<NamespaceProxy> ns = m_.Namespace();
  ASSERT_TRUE(ns.ok()) << ns.status();
  ASSERT_TRUE(ns->set("workers", 4).ok());
  ASSERT_TRUE(ns->set("mode", std::string("fast")).ok());
  EXPECT_EQ(*ns->get<int>("workers"), 4);
  EXPECT_EQ(*ns->get<std::string>("mode"), "fast");
  absl::StatusOr<int> missing = ns->get<int>("nope");
  EXPECT_TRUE(absl::IsNotFound(missing.status()));
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("'Namespace' object has no attribute 'nope'"));
  EXPECT_TRUE(*ns->has("mode"));
  EXPECT_THAT(*ns->names(), ElementsAre("workers", "mode"));
  ASSERT_TRUE(ns->del("mode").ok());
  EXPECT_TRUE(absl::IsNotFound(ns->del("mode")));
  EXPECT_FALSE(*ns->has("mode"));
  // Reading an attribute as the wrong type is DataLoss, never garbage.
  EXPECT_TRUE(absl::IsDataLoss(ns->get<std::string>("workers").status()));
}

// Python's NamespaceProxy keeps names that start with '_' on the proxy: they
// never reach the manager, so another client does not see them.
TEST_P(ManagerTest, NamespaceUnderscoreNamesStayOnTheProxy) {
  absl::StatusOr<NamespaceProxy> ns = m_.Namespace("shared_ns");
  ASSERT_TRUE(ns.ok()) << ns.status();
  auto other = Connect(m_.authkey());
  ASSERT_TRUE(other.ok()) << other.status();
  absl::StatusOr<NamespaceProxy> ns2 = other->Namespace("shared_ns");
  ASSERT_TRUE(ns2.ok()) << ns2.status();

  ASSERT_TRUE(ns->set("_cache", 7).ok());
  ASSERT_TRUE(ns->set("public", 1).ok());
  EXPECT_EQ(*ns->get<int>("_cache"), 7);
  EXPECT_TRUE(*ns->has("_cache"));
  EXPECT_EQ(*ns2->get<int>("public"), 1);  // the manager's: seen by both
  EXPECT_FALSE(*ns2->has("_cache"));       // the proxy's own: not
  absl::StatusOr<int> missing = ns2->get<int>("_cache");
  EXPECT_TRUE(absl::IsNotFound(missing.status()));
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("'NamespaceProxy' object has no attribute '_cache'"));
  EXPECT_THAT(*ns->names(), ElementsAre("public"));
  const NamespaceProxy copy = *ns;  // copies share the proxy's own names
  EXPECT_EQ(*copy.get<int>("_cache"), 7);
  ASSERT_TRUE(ns->del("_cache").ok());
  EXPECT_TRUE(absl::IsNotFound(ns->del("_cache")));
  EXPECT_FALSE(*copy.has("_cache"));
}

TEST_P(ManagerTest, WrongTypeOnDecodeIsDataLoss) {
  auto d = m_.dict<std::string, int>("typed");
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(d->set("k", 1).ok());
  auto as_strings = m_.dict<std::string, std::string>("typed");
  ASSERT_TRUE(as_strings.ok());
  absl::StatusOr<std::string> v = as_strings->get("k");
  EXPECT_TRUE(absl::IsDataLoss(v.status())) << v.status();
  // The stored value is untouched.
  EXPECT_EQ(*d->get("k"), 1);
}

TEST_P(ManagerTest, NamedObjectsAreSharedAndKindsChecked) {
  auto a = m_.dict<std::string, int>("config");
  auto b = m_.dict<std::string, int>("config");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->id(), b->id());
  ASSERT_TRUE(a->set("x", 1).ok());
  EXPECT_EQ(*b->get("x"), 1);
  // The same name as another kind: InvalidArgument (TypeError).
  EXPECT_TRUE(absl::IsInvalidArgument(m_.list<int>("config").status()));
  // An anonymous object reached by its id; an unknown id is NotFound.
  auto anon = m_.list<int>();
  ASSERT_TRUE(anon.ok());
  EXPECT_THAT(anon->id(), ::testing::StartsWith("#"));
  auto again = m_.list<int>(anon->id());
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(anon->append(5).ok());
  EXPECT_EQ(*again->get(0), 5);
  EXPECT_TRUE(absl::IsNotFound(m_.list<int>("#999999").status()));
}

TEST_P(ManagerTest, QueuePutGetAndTimeouts) {
  absl::StatusOr<QueueProxy<std::string>> q = m_.Queue<std::string>(/*maxsize=*/2);
  ASSERT_TRUE(q.ok()) << q.status();
  // get on an empty queue: queue.Empty after the timeout, and not much before.
  const absl::Time start = absl::Now();
  absl::StatusOr<std::string> empty = q->get(absl::Milliseconds(200));
  EXPECT_TRUE(absl::IsDeadlineExceeded(empty.status())) << empty.status();
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(190));
  EXPECT_TRUE(absl::IsDeadlineExceeded(q->get(absl::ZeroDuration()).status()));

  ASSERT_TRUE(q->put("a").ok());
  ASSERT_TRUE(q->put("b", absl::ZeroDuration()).ok());
  EXPECT_EQ(*q->qsize(), 2u);
  // Full: put_nowait and put with a timeout are queue.Full.
  EXPECT_TRUE(absl::IsDeadlineExceeded(q->put("c", absl::ZeroDuration())));
  EXPECT_TRUE(absl::IsDeadlineExceeded(q->put("c", absl::Milliseconds(100))));
  EXPECT_EQ(*q->get(), "a");  // FIFO.
  EXPECT_EQ(*q->get(absl::Seconds(1)), "b");
  EXPECT_EQ(*q->qsize(), 0u);
}

// q.empty() and q.full(), as Python's proxies: a bounded queue is full at
// maxsize items, an unbounded one never.
TEST_P(ManagerTest, QueueEmptyAndFull) {
  absl::StatusOr<QueueProxy<int>> bounded = m_.Queue<int>(/*maxsize=*/2);
  absl::StatusOr<QueueProxy<int>> unbounded = m_.Queue<int>();
  ASSERT_TRUE(bounded.ok() && unbounded.ok());
  EXPECT_TRUE(*bounded->empty());
  EXPECT_FALSE(*bounded->full());
  ASSERT_TRUE(bounded->put(1).ok());
  EXPECT_FALSE(*bounded->empty());
  EXPECT_FALSE(*bounded->full());
  ASSERT_TRUE(bounded->put(2).ok());
  EXPECT_TRUE(*bounded->full());
  ASSERT_TRUE(bounded->get().ok());
  EXPECT_FALSE(*bounded->full());
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(unbounded->put(i).ok());
  EXPECT_FALSE(*unbounded->full());
  EXPECT_FALSE(*unbounded->empty());
}

TEST_P(ManagerTest, BlockedGetIsWokenByAnotherClientsPut) {
  auto q = m_.Queue<int>();
  ASSERT_TRUE(q.ok());
  auto other = Connect(m_.authkey());
  ASSERT_TRUE(other.ok()) << other.status();
  auto q2 = other->Queue<int>(0, q->id());
  ASSERT_TRUE(q2.ok());
  absl::StatusOr<int> got;
  std::thread getter([&] { got = q->get(absl::Seconds(60)); });
  ASSERT_TRUE(q2->put(42).ok());
  getter.join();
  EXPECT_EQ(*got, 42);
}

// A timeout too large for the clock is forever, as everywhere in conc. The
// bug: client and server added it to now() and overflowed, so the get failed
// at once (and under UBSan the overflow killed the process).
TEST_P(ManagerTest, ThousandYearTimeoutWaitsForThePut) {
  const absl::Duration thousand_years = absl::Hours(24 * 365 * 1000);
  auto q = m_.Queue<int>();
  ASSERT_TRUE(q.ok()) << q.status();
  std::promise<void> getting;
  std::future<absl::StatusOr<int>> got = std::async(std::launch::async, [&] {
    getting.set_value();
    return q->get(thousand_years);
  });
  getting.get_future().wait();
  // Not synchronisation: the put may come before or after the get reaches the
  // server, and either way the get must return it. The pause gives the bug
  // (a get failing at once) time to show before the item is there.
  absl::SleepFor(absl::Milliseconds(500));
  ASSERT_TRUE(q->put(42).ok());
  // kMargin: the get returns within one round trip of the put; a loaded VM
  // under a sanitizer is slow, a hang is forever.
  ASSERT_EQ(got.wait_for(absl::ToChronoSeconds(kMargin)), std::future_status::ready);
  absl::StatusOr<int> value = got.get();
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(*value, 42);

  // The same for a lock and an event: a free lock is taken, a set event seen.
  auto lock = m_.Lock();
  auto e = m_.Event();
  ASSERT_TRUE(lock.ok() && e.ok());
  absl::StatusOr<bool> acquired = lock->acquire(thousand_years);
  ASSERT_TRUE(acquired.ok()) << acquired.status();
  EXPECT_TRUE(*acquired);
  ASSERT_TRUE(e->set().ok());
  absl::StatusOr<bool> was_set = e->wait(thousand_years);
  ASSERT_TRUE(was_set.ok()) << was_set.status();
  EXPECT_TRUE(*was_set);
  // A finite timeout beyond system_clock's range (250 years: past 2262) but
  // within steady_clock's is one call with no gRPC deadline.
  ASSERT_TRUE(q->put(7).ok());
  EXPECT_EQ(*q->get(absl::Hours(24 * 365 * 250)), 7);
}

// Zero and negative timeouts poll once: queue.Empty at once on an empty queue.
TEST_P(ManagerTest, ZeroAndNegativeTimeoutsPollOnce) {
  auto q = m_.Queue<int>();
  ASSERT_TRUE(q.ok()) << q.status();
  for (absl::Duration timeout : {absl::ZeroDuration(), absl::Milliseconds(-1),
                                 absl::Hours(-24 * 365 * 1000), -absl::InfiniteDuration()}) {
    const absl::Time start = absl::Now();
    absl::StatusOr<int> got = q->get(timeout);
    EXPECT_TRUE(absl::IsDeadlineExceeded(got.status())) << timeout << ": " << got.status();
    // A poll is one round trip; kMargin only absorbs a loaded VM.
    EXPECT_LT(absl::Now() - start, kMargin) << timeout;
  }
  ASSERT_TRUE(q->put(5).ok());
  EXPECT_EQ(*q->get(absl::Milliseconds(-1)), 5);  // A poll that finds an item takes it.
}

// A raw, authenticated call whose timeout_us is INT64_MAX or INT64_MIN: the
// server saturates instead of overflowing (under --config=asan, UBSan killed
// the server here), waits for the item, and the next call still works.
TEST_P(ManagerTest, RawCallWithExtremeTimeoutDoesNotKillTheServer) {
  auto q = m_.Queue<int>();
  ASSERT_TRUE(q.ok()) << q.status();
  auto channel = grpc::CreateChannel(GrpcTarget(), grpc::InsecureChannelCredentials());
  auto stub = managerpb::ManagerService::NewStub(channel);
  managerpb::ChallengeReply challenge;
  {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    ASSERT_TRUE(stub->Challenge(&context, managerpb::ChallengeRequest(), &challenge).ok());
  }
  const std::string token =
      internal::ToHex(internal::HmacSha256(m_.authkey(), "call" + challenge.server_nonce()));
  auto take = [&](int64_t timeout_us, absl::Duration call_deadline) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         absl::ToChronoMilliseconds(call_deadline));
    context.AddMetadata("conc-manager-token", token);
    managerpb::ExecuteRequest request;
    managerpb::Op* op = request.add_ops();
    op->set_kind(managerpb::TAKE);
    op->set_object(q->id());
    op->set_timeout_us(timeout_us);
    managerpb::ExecuteReply reply;
    grpc::Status status = stub->Execute(&context, request, &reply);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return reply;
  };

  // INT64_MIN polls once: queue.Empty.
  managerpb::ExecuteReply polled = take(std::numeric_limits<int64_t>::min(), kMargin);
  ASSERT_EQ(polled.results_size(), 1);
  EXPECT_EQ(polled.results(0).code(), static_cast<int>(absl::StatusCode::kDeadlineExceeded));

  // INT64_MAX waits (until the call's deadline at most) for the put.
  std::promise<void> calling;
  std::future<managerpb::ExecuteReply> waited =
      std::async(std::launch::async, [&] {
        calling.set_value();
        return take(std::numeric_limits<int64_t>::max(), 3 * kMargin);
      });
  calling.get_future().wait();
  absl::SleepFor(absl::Milliseconds(500));  // As in ThousandYearTimeoutWaitsForThePut.
  ASSERT_TRUE(q->put(9).ok());
  ASSERT_EQ(waited.wait_for(absl::ToChronoSeconds(4 * kMargin)), std::future_status::ready);
  managerpb::ExecuteReply reply = waited.get();
  ASSERT_EQ(reply.results_size(), 1);
  EXPECT_EQ(reply.results(0).code(), 0) << reply.results(0).message();
  EXPECT_EQ(reply.results(0).value(), Encode(9));

  // Still alive.
  absl::StatusOr<size_t> left = q->qsize();
  ASSERT_TRUE(left.ok()) << left.status();
  EXPECT_EQ(*left, 0u);
  EXPECT_TRUE((m_.dict<int, int>().ok()));
}

TEST_P(ManagerFaultTest, SlicesWaitWithoutTimeoutOutlastsTheCallDeadline) {
  // A 300 ms call timeout: a get() without timeout is sent in 300 ms slices.
  Manager m({.call_timeout = absl::Milliseconds(300), .transport = GetParam()});
  ASSERT_TRUE(m.start().ok());
  auto q = m.Queue<int>();
  auto e = m.Event();
  auto lock = m.Lock();
  ASSERT_TRUE(q.ok() && e.ok() && lock.ok());
  ASSERT_TRUE(*lock->acquire());
  absl::StatusOr<int> got;
  absl::StatusOr<bool> waited, acquired;
  std::thread getter([&] { got = q->get(); });
  std::thread waiter([&] { waited = e->wait(); });
  std::thread locker([&] { acquired = lock->acquire(); });
  // Sleep on purpose: the three must wait through several slices (three call
  // timeouts) before being released, which is what this test checks.
  absl::SleepFor(absl::Milliseconds(1000));
  ASSERT_TRUE(q->put(7).ok());
  ASSERT_TRUE(e->set().ok());
  ASSERT_TRUE(lock->release().ok());
  getter.join();
  waiter.join();
  locker.join();
  EXPECT_EQ(*got, 7);
  EXPECT_TRUE(*waited);
  EXPECT_TRUE(*acquired);
}

TEST_P(ManagerTest, LockAcquireReleaseAndMisuse) {
  absl::StatusOr<LockProxy> lock = m_.Lock();
  ASSERT_TRUE(lock.ok()) << lock.status();
  // Releasing an unlocked lock: RuntimeError → FailedPrecondition.
  EXPECT_TRUE(absl::IsFailedPrecondition(lock->release()));
  EXPECT_TRUE(*lock->acquire());
  EXPECT_FALSE(*lock->acquire(absl::ZeroDuration()));  // Non-blocking: false.
  const absl::Time start = absl::Now();
  EXPECT_FALSE(*lock->acquire(absl::Milliseconds(200)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(190));
  // Another thread may release it (threading.Lock has no owner).
  std::thread releaser([&] { EXPECT_TRUE(lock->release().ok()); });
  releaser.join();
  EXPECT_TRUE(*lock->acquire(absl::Seconds(5)));
  EXPECT_TRUE(lock->release().ok());
}

TEST_P(ManagerTest, EventSetClearWait) {
  absl::StatusOr<EventProxy> e = m_.Event();
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_FALSE(*e->is_set());
  EXPECT_FALSE(*e->wait(absl::Milliseconds(100)));
  EXPECT_FALSE(*e->wait(absl::ZeroDuration()));
  absl::StatusOr<bool> woken;
  std::thread waiter([&] { woken = e->wait(absl::Seconds(60)); });
  ASSERT_TRUE(e->set().ok());
  waiter.join();
  EXPECT_TRUE(*woken);
  EXPECT_TRUE(*e->is_set());
  EXPECT_TRUE(*e->wait());  // Already set: returns at once.
  ASSERT_TRUE(e->clear().ok());
  EXPECT_FALSE(*e->is_set());
}

TEST_P(ManagerTest, ValueGetSet) {
  absl::StatusOr<ValueProxy<double>> v = m_.Value<double>(1.5);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v->get(), 1.5);
  ASSERT_TRUE(v->set(-2.25).ok());
  EXPECT_EQ(*v->get(), -2.25);
  // A named Value keeps its first value when attached with another initial.
  auto named = m_.Value<int>(10, "counter");
  auto attached = m_.Value<int>(99, "counter");
  ASSERT_TRUE(named.ok() && attached.ok());
  EXPECT_EQ(*attached->get(), 10);
  // The wrong kind of op on an object is InvalidArgument.
  auto as_dict = m_.dict<int, int>();
  ASSERT_TRUE(as_dict.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(m_.Value<int>(0, as_dict->id()).status()));
}

TEST_P(ManagerTest, BlockedCallsDoNotStarveOtherClients) {
  // Four calls blocked in the server (queue get, lock acquire, event wait)...
  auto q = m_.Queue<int>();
  auto lock = m_.Lock();
  auto e = m_.Event();
  auto d = m_.dict<int, int>();
  ASSERT_TRUE(q.ok() && lock.ok() && e.ok() && d.ok());
  ASSERT_TRUE(*lock->acquire());
  std::vector<std::thread> blocked;
  std::vector<absl::StatusOr<int>> gets(2);
  absl::StatusOr<bool> acquired, waited;
  for (auto& g : gets) blocked.emplace_back([&g, &q] { g = q->get(absl::Seconds(60)); });
  blocked.emplace_back([&] { acquired = lock->acquire(absl::Seconds(60)); });
  blocked.emplace_back([&] { waited = e->wait(absl::Seconds(60)); });
  // ...while another client does 100 round trips, each answered promptly.
  const absl::Time start = absl::Now();
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(d->set(i, i).ok());
  EXPECT_EQ(*d->len(), 100u);
  EXPECT_LT(absl::Now() - start, kMargin);  // Far below the blocked calls' 60 s.
  ASSERT_TRUE(q->put(1).ok());
  ASSERT_TRUE(q->put(2).ok());
  ASSERT_TRUE(lock->release().ok());
  ASSERT_TRUE(e->set().ok());
  for (std::thread& t : blocked) t.join();
  EXPECT_THAT((std::vector<int>{*gets[0], *gets[1]}), UnorderedElementsAre(1, 2));
  EXPECT_TRUE(*acquired);
  EXPECT_TRUE(*waited);
}

// The lost-update problem, solved with the manager's Lock: four processes add
// 1 each 100 times; nothing is lost.
// Python: d = m.dict(); d["evens"] = m.list(); d["odds"] = m.list(); a child
// appends to d["evens"] and d["odds"]; the parent sees the appends.
TEST_P(ManagerTest, DictOfListProxiesIsSharedAcrossProcesses) {
  auto d = m_.dict<std::string, ListProxy<int>>();
  auto evens = m_.list<int>();
  auto odds = m_.list<int>();
  ASSERT_TRUE(d.ok() && evens.ok() && odds.ok());
  ASSERT_TRUE(d->set("evens", *evens).ok());
  ASSERT_TRUE(d->update({{"odds", *odds}}).ok());
  Process child(process_function<nested_worker>, m_.address(), m_.authkey(), d->id(), transport());
  ASSERT_TRUE(child.start().ok());
  ASSERT_TRUE(child.join(absl::Seconds(300)).ok());
  ASSERT_EQ(child.exitcode(), 0);
  // The lists the parent holds, and the ones read back from the dict, are one object each.
  EXPECT_THAT(*evens->to_vector(), ElementsAre(0, 2, 4, 6, 8));
  absl::StatusOr<ListProxy<int>> read_back = d->get("odds");
  ASSERT_TRUE(read_back.ok()) << read_back.status();
  EXPECT_EQ(read_back->id(), odds->id());
  EXPECT_THAT(*read_back->to_vector(), ElementsAre(1, 3, 5, 7, 9));
  // The child's own list, stored by the child, reached from the parent.
  absl::StatusOr<ListProxy<int>> childs = d->get("child");
  ASSERT_TRUE(childs.ok()) << childs.status();
  EXPECT_THAT(*childs->to_vector(), ElementsAre(42));
  // values() and items() rebuild every proxy.
  absl::StatusOr<std::vector<ListProxy<int>>> all = d->values();
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->size(), 3u);
}

TEST_P(ManagerTest, ListOfDictProxiesAndNesting) {
  auto rows = m_.list<DictProxy<std::string, int>>();
  auto row = m_.dict<std::string, int>();
  ASSERT_TRUE(rows.ok() && row.ok());
  ASSERT_TRUE(row->set("x", 1).ok());
  ASSERT_TRUE(rows->append(*row).ok());
  ASSERT_TRUE(rows->extend({*row, *row}).ok());
  absl::StatusOr<DictProxy<std::string, int>> first = rows->get(0);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(first->set("y", 2).ok());
  EXPECT_EQ(*row->get("y"), 2);  // The same dict.
  EXPECT_EQ(*rows->len(), 3u);
  absl::StatusOr<DictProxy<std::string, int>> last = rows->pop();
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(last->id(), row->id());
}

TEST_P(ManagerTest, ForgedAndWrongStoredProxiesAreClearStatuses) {
  // What a hostile (or mistaken) client can store under a key that the reader
  // takes for a list proxy: a reference to no object, to an object of another
  // kind, or bytes that are no reference at all.
  auto raw = m_.dict<std::string, std::tuple<std::string, std::string>>("refs");
  auto plain = m_.dict<std::string, int>("refs");
  auto other = m_.dict<std::string, int>();
  ASSERT_TRUE(raw.ok() && plain.ok() && other.ok());
  ASSERT_TRUE(raw->set("missing", {"conc.proxy", "#999999"}).ok());
  ASSERT_TRUE(raw->set("named-missing", {"conc.proxy", "never-made"}).ok());
  ASSERT_TRUE(raw->set("a-dict", {"conc.proxy", other->id()}).ok());
  ASSERT_TRUE(raw->set("bad-tag", {"not.a.proxy", other->id()}).ok());
  ASSERT_TRUE(plain->set("an-int", 7).ok());
  auto as_lists = m_.dict<std::string, ListProxy<int>>("refs");
  ASSERT_TRUE(as_lists.ok());
  absl::StatusOr<ListProxy<int>> r = as_lists->get("missing");
  EXPECT_TRUE(absl::IsNotFound(r.status())) << r.status();
  r = as_lists->get("named-missing");
  EXPECT_TRUE(absl::IsNotFound(r.status())) << r.status();  // ATTACH never creates.
  r = as_lists->get("a-dict");
  EXPECT_TRUE(absl::IsInvalidArgument(r.status())) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("is a dict, not a list"));
  r = as_lists->get("bad-tag");
  EXPECT_TRUE(absl::IsDataLoss(r.status())) << r.status();
  r = as_lists->get("an-int");
  EXPECT_TRUE(absl::IsDataLoss(r.status())) << r.status();
  // The stored bytes are untouched and the manager serves on.
  EXPECT_EQ(*plain->get("an-int"), 7);
}

TEST_P(ManagerTest, AProxyOfAnotherManagerIsRefused) {
  Manager second{ManagerOptions{.transport = GetParam()}};
  ASSERT_TRUE(second.start().ok());
  auto foreign = second.list<int>();
  auto d = m_.dict<std::string, ListProxy<int>>();
  ASSERT_TRUE(foreign.ok() && d.ok());
  absl::Status s = d->set("x", *foreign);
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("cannot be stored"));
  EXPECT_TRUE(absl::IsNotFound(d->get("x").status()));  // Nothing was stored.
  ASSERT_TRUE(second.shutdown().ok());
}

TEST_P(ManagerTest, FourProcessesUpdateOneDictWithoutLostUpdates) {
  auto d = m_.dict<std::string, int>();
  auto lock = m_.Lock();
  auto l = m_.list<int>();
  ASSERT_TRUE(d.ok() && lock.ok() && l.ok());
  constexpr int kWorkers = 4, kIncrements = 100;
  std::vector<Process> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back(process_function<increment_worker>, m_.address(), m_.authkey(), d->id(),
                         lock->id(), l->id(), w, kIncrements, transport());
  }
  for (Process& p : workers) ASSERT_TRUE(p.start().ok());
  for (Process& p : workers) {
    ASSERT_TRUE(p.join(absl::Seconds(300)).ok());
    EXPECT_EQ(p.exitcode(), 0);
  }
  EXPECT_EQ(*d->get("counter"), kWorkers * kIncrements);
  for (int w = 0; w < kWorkers; ++w) EXPECT_EQ(*d->get("worker-" + std::to_string(w)), kIncrements);
  EXPECT_THAT(*l->to_vector(), UnorderedElementsAre(0, 1, 2, 3));
}

TEST_P(ManagerTest, WrongAuthkeyIsRefused) {
  // From this process...
  absl::StatusOr<Manager> bad = Connect("wrong key");
  EXPECT_TRUE(absl::IsUnauthenticated(bad.status())) << bad.status();
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("digest received was wrong"));
  // ...and from another one.
  Process p(process_function<wrong_key_client>, m_.address(), transport());
  ASSERT_TRUE(p.start().ok());
  ASSERT_TRUE(p.join(absl::Seconds(120)).ok());
  EXPECT_EQ(p.exitcode(), 0);
  // The right key works.
  absl::StatusOr<Manager> good = Connect(m_.authkey());
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_TRUE((good->dict<int, int>().ok()));
}

TEST_P(ManagerTest, ServerRefusesCallsWithoutTheToken) {
  // A raw gRPC client that skips the handshake: every call is refused, so
  // knowing the address alone gives nothing.
  auto channel = grpc::CreateChannel(GrpcTarget(), grpc::InsecureChannelCredentials());
  auto stub = managerpb::ManagerService::NewStub(channel);
  for (const char* token : {"", "00", "not-a-token"}) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (*token != '\0') context.AddMetadata("conc-manager-token", token);
    managerpb::ExecuteRequest request;
    request.add_ops()->set_kind(managerpb::CREATE);
    managerpb::ExecuteReply reply;
    grpc::Status status = stub->Execute(&context, request, &reply);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << token;
  }
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  managerpb::ShutdownReply reply;
  EXPECT_EQ(stub->Shutdown(&context, managerpb::ShutdownRequest(), &reply).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // Still alive.
  EXPECT_TRUE((m_.dict<int, int>().ok()));
}

TEST_P(ManagerFaultTest, KilledManagerFailsEveryCallWithinItsDeadline) {
  const absl::Duration call_timeout = absl::Seconds(2);
  Manager m({.call_timeout = call_timeout, .transport = GetParam()});
  ASSERT_TRUE(m.start().ok());
  auto d = m.dict<std::string, int>();
  auto q = m.Queue<int>();
  ASSERT_TRUE(d.ok() && q.ok());
  ASSERT_TRUE(d->set("a", 1).ok());
  // A call blocked in the server when it dies.
  absl::StatusOr<int> blocked;
  absl::Time blocked_end;
  std::thread getter([&] {
    blocked = q->get(absl::Seconds(120));
    blocked_end = absl::Now();
  });
  // Whether the get is already blocked in the server or still on its way when
  // the server dies, it must fail with Unavailable: no need to synchronise.
  ASSERT_TRUE(m.pid().has_value());
  const absl::Time killed = absl::Now();
  ASSERT_EQ(::kill(*m.pid(), SIGKILL), 0);
  getter.join();
  EXPECT_TRUE(absl::IsUnavailable(blocked.status())) << blocked.status();
  EXPECT_LT(blocked_end - killed, call_timeout + kMargin);

  // Every later call fails with Unavailable within its deadline.
  for (int i = 0; i < 3; ++i) {
    const absl::Time start = absl::Now();
    absl::StatusOr<int> v = d->get("a");
    EXPECT_TRUE(absl::IsUnavailable(v.status())) << v.status();
    EXPECT_TRUE(absl::IsUnavailable(q->put(1)));
    EXPECT_TRUE(absl::IsUnavailable(m.Lock().status()));
    EXPECT_LT(absl::Now() - start, 3 * call_timeout + kMargin);
  }
  // shutdown() reaps the dead server and returns promptly.
  const absl::Time start = absl::Now();
  EXPECT_TRUE(m.shutdown().ok());
  EXPECT_LT(absl::Now() - start, call_timeout + kMargin);
}

TEST_P(ManagerFaultTest, HungManagerFailsCallsWithinTheirDeadline) {
  // A server that stops answering (SIGSTOP: alive, connection open, silent) is
  // the case only a deadline catches.
  const absl::Duration call_timeout = absl::Seconds(1);
  Manager m({.call_timeout = call_timeout, .transport = GetParam()});
  ASSERT_TRUE(m.start().ok());
  auto d = m.dict<int, int>();
  auto e = m.Event();
  ASSERT_TRUE(d.ok() && e.ok());
  ASSERT_TRUE(d->set(1, 1).ok());
  ASSERT_EQ(::kill(*m.pid(), SIGSTOP), 0);
  // kill() returns before every thread of the target has stopped; a call sent
  // now could still be answered. Wait (bounded) until the kernel reports it
  // stopped.
  ASSERT_TRUE(WaitUntilStopped(*m.pid(), kMargin));
  absl::Time start = absl::Now();
  EXPECT_TRUE(absl::IsUnavailable(d->get(1).status()));
  EXPECT_GE(absl::Now() - start, call_timeout - absl::Milliseconds(50));
  EXPECT_LT(absl::Now() - start, call_timeout + kMargin);
  // A wait without timeout is sent in slices: it fails after one slice plus
  // one call timeout, not never.
  start = absl::Now();
  EXPECT_TRUE(absl::IsUnavailable(e->wait().status()));
  EXPECT_LT(absl::Now() - start, 2 * call_timeout + kMargin);
  ASSERT_EQ(::kill(*m.pid(), SIGCONT), 0);
  EXPECT_EQ(*d->get(1), 1);  // Answers again once resumed.
}

TEST_P(ManagerFaultTest, ShutdownEndsTheServerAndProxiesFail) {
  Manager m({.transport = GetParam()});
  ASSERT_TRUE(m.start().ok());
  auto d = m.dict<int, int>();
  ASSERT_TRUE(d.ok());
  const pid_t pid = *m.pid();
  EXPECT_TRUE(m.shutdown().ok());
  EXPECT_FALSE(m.pid().has_value());
  EXPECT_NE(::kill(pid, 0), 0);  // Reaped: the pid is gone.
  EXPECT_TRUE(absl::IsUnavailable(d->set(1, 1)));
  EXPECT_TRUE(m.shutdown().ok());  // Twice is fine.
  EXPECT_TRUE(absl::IsFailedPrecondition(m.start()));
}

TEST_P(ManagerFaultTest, StartErrors) {
  Manager m({.transport = GetParam()});
  ASSERT_TRUE(m.start().ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(m.start()));
  // A second server on the same address cannot listen: Unavailable, and no
  // process is left behind.
  Manager clash({.address = m.address(), .transport = GetParam()});
  absl::Status s = clash.start();
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_FALSE(clash.pid().has_value());
  // Nothing listens there: connect gives up within its deadline.
  const absl::Time start = absl::Now();
  absl::StatusOr<Manager> nobody =
      Manager::connect("unix-abstract:conc-manager-nobody-here", "k", absl::Seconds(1), GetParam());
  EXPECT_TRUE(absl::IsUnavailable(nobody.status())) << nobody.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(1) + kMargin);
  // Factories before start.
  Manager idle;
  EXPECT_TRUE(absl::IsFailedPrecondition(idle.dict<int, int>().status()));
}

TEST_P(ManagerFaultTest, TcpReachedFromASecondProcessOverTcp) {
  Manager m({.address = "127.0.0.1:0", .authkey = "tcp secret", .transport = GetParam()});
  ASSERT_TRUE(m.start().ok());
  // The kernel-chosen port is reported back.
  EXPECT_TRUE(absl::StartsWith(m.address(), "127.0.0.1:")) << m.address();
  EXPECT_NE(m.address(), "127.0.0.1:0");
  auto d = m.dict<std::string, std::string>("results");
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(d->set("from-parent", "hi child").ok());
  Process p(process_function<tcp_client>, m.address(), m.authkey(), static_cast<int>(GetParam()));
  ASSERT_TRUE(p.start().ok());
  ASSERT_TRUE(p.join(absl::Seconds(120)).ok());
  EXPECT_EQ(p.exitcode(), 0);
  EXPECT_EQ(*d->get("from-child"), "hello over TCP");
  // A connect()ed client does not own the server.
  absl::StatusOr<Manager> client = Manager::connect(m.address(), "tcp secret", absl::Seconds(5), GetParam());
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_TRUE(absl::IsFailedPrecondition(client->shutdown()));
  auto via_client = client->dict<std::string, std::string>("results");
  ASSERT_TRUE(via_client.ok());
  EXPECT_EQ(*via_client->get("from-child"), "hello over TCP");
}

TEST_P(ManagerFaultTest, ScopeDestructorShutsDownAndReaps) {
  pid_t pid = 0;
  std::optional<DictProxy<int, int>> d;
  {
    Manager m({.transport = GetParam()});
    ASSERT_TRUE(m.start().ok());
    pid = *m.pid();
    d = *m.dict<int, int>();
    ASSERT_TRUE(d->set(1, 1).ok());
    Manager moved = std::move(m);  // Ownership moves; only `moved` shuts down.
    EXPECT_FALSE(m.pid().has_value());
    EXPECT_EQ(moved.pid(), pid);
  }
  EXPECT_NE(::kill(pid, 0), 0);
  // The proxy outlives its manager and fails cleanly.
  EXPECT_TRUE(absl::IsUnavailable(d->set(2, 2)));
}

// --- The same-host socket against hostile and dying peers ---

// A raw connection to a manager's same-host socket, for speaking the protocol
// wrongly on purpose.
class RawLocalPeer {
 public:
  explicit RawLocalPeer(const std::string& address) {
    const internal::ManagerAddress parsed = internal::ParseManagerAddress(address);
    EXPECT_FALSE(parsed.local_name.empty()) << address;
    fd_.reset(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    // Bounds every read below: a server that neither answers nor closes fails
    // the test instead of hanging it.
    const timeval limit = absl::ToTimeval(kMargin);
    setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path + 1, parsed.local_name.data(), parsed.local_name.size());
    const socklen_t len =
        static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + parsed.local_name.size());
    connected_ = ::connect(fd_.get(), reinterpret_cast<const sockaddr*>(&addr), len) == 0;
  }
  bool connected() const { return connected_; }
  int fd() const { return fd_.get(); }

  absl::StatusOr<std::string> ReadFrame() {
    FrameReader reader(fd_.get());
    return reader.Read();
  }
  absl::Status WriteFrame(std::string_view payload) {
    FrameWriter writer(fd_.get());
    return writer.Write(payload);
  }
  absl::Status WriteRaw(std::string_view bytes) {
    return WriteFull(fd_.get(), std::as_bytes(std::span(bytes.data(), bytes.size())));
  }
  // True once the server has closed its end (EOF), within kMargin.
  bool ClosedByServer() {
    char byte;
    while (true) {
      const ssize_t n = read(fd_.get(), &byte, 1);
      if (n == 0) return true;
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == ECONNRESET) return true;
      return false;  // Data, or the SO_RCVTIMEO ran out.
    }
  }
  // Reads the challenge and answers it with `authkey`; returns the reply.
  absl::StatusOr<managerpb::LocalReply> Handshake(const std::string& authkey) {
    absl::StatusOr<std::string> frame = ReadFrame();
    if (!frame.ok()) return frame.status();
    managerpb::ChallengeReply challenge;
    if (!challenge.ParseFromString(*frame)) return absl::DataLossError("challenge");
    managerpb::LocalRequest hello;
    hello.mutable_authenticate()->set_client_nonce("nonce");
    hello.mutable_authenticate()->set_client_digest(
        internal::HmacSha256(authkey, "client" + challenge.server_nonce()));
    if (absl::Status s = WriteFrame(hello.SerializeAsString()); !s.ok()) return s;
    frame = ReadFrame();
    if (!frame.ok()) return frame.status();
    managerpb::LocalReply reply;
    if (!reply.ParseFromString(*frame)) return absl::DataLossError("reply");
    return reply;
  }
  absl::StatusOr<managerpb::LocalReply> Call(const managerpb::LocalRequest& request) {
    if (absl::Status s = WriteFrame(request.SerializeAsString()); !s.ok()) return s;
    absl::StatusOr<std::string> frame = ReadFrame();
    if (!frame.ok()) return frame.status();
    managerpb::LocalReply reply;
    if (!reply.ParseFromString(*frame)) return absl::DataLossError("reply");
    return reply;
  }

 private:
  FileDescriptor fd_;
  bool connected_ = false;
};

// A little-endian frame header announcing `size` bytes.
std::string FrameHeader(uint64_t size) {
  std::string header(kFrameHeaderSize, '\0');
  for (size_t i = 0; i < kFrameHeaderSize; ++i) header[i] = static_cast<char>(size >> (8 * i));
  return header;
}

class ManagerLocalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(m_.start().ok());
    ASSERT_EQ(m_.client()->transport(), "unix");
    auto d = m_.dict<int, int>("alive");
    ASSERT_TRUE(d.ok()) << d.status();
    d_ = *d;
  }
  // The manager still serves its well-behaved client.
  void ExpectAlive(int i) {
    ASSERT_TRUE(d_->set(i, i).ok());
    EXPECT_EQ(*d_->get(i), i);
  }
  Manager m_;
  std::optional<DictProxy<int, int>> d_;
};

TEST_F(ManagerLocalTest, AddressNamesBothTransports) {
  const internal::ManagerAddress a = internal::ParseManagerAddress(m_.address());
  EXPECT_TRUE(absl::StartsWith(a.grpc, "unix-abstract:conc-manager-")) << m_.address();
  EXPECT_EQ(a.local_host, internal::LocalHostName());
  EXPECT_FALSE(a.local_name.empty());
  // The same address, forced to gRPC, reaches the same objects.
  absl::StatusOr<Manager> grpc =
      Manager::connect(m_.address(), m_.authkey(), absl::Seconds(5), ManagerTransport::kGrpc);
  ASSERT_TRUE(grpc.ok()) << grpc.status();
  EXPECT_EQ(grpc->client()->transport(), "grpc");
  ASSERT_TRUE(d_->set(1, 10).ok());
  auto d = grpc->dict<int, int>("alive");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d->get(1), 10);
  // Another host's name in the address: gRPC, not this host's socket.
  internal::ManagerAddress elsewhere = a;
  elsewhere.local_host = "not-" + a.local_host;
  absl::StatusOr<Manager> remote =
      Manager::connect(internal::FormatManagerAddress(elsewhere), m_.authkey());
  ASSERT_TRUE(remote.ok()) << remote.status();
  EXPECT_EQ(remote->client()->transport(), "grpc");
}

TEST_F(ManagerLocalTest, WrongKeyIsRefusedAndTheConnectionClosed) {
  RawLocalPeer peer(m_.address());
  ASSERT_TRUE(peer.connected());
  absl::StatusOr<managerpb::LocalReply> reply = peer.Handshake("wrong key");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->code(), static_cast<int>(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(reply->message(), HasSubstr("digest received was wrong"));
  EXPECT_TRUE(peer.ClosedByServer());
  ExpectAlive(1);
}

TEST_F(ManagerLocalTest, RequestsBeforeTheHandshakeAreRefused) {
  // An Execute instead of the handshake: closed, nothing run.
  RawLocalPeer peer(m_.address());
  ASSERT_TRUE(peer.connected());
  ASSERT_TRUE(peer.ReadFrame().ok());  // The challenge.
  managerpb::LocalRequest request;
  managerpb::Op* op = request.mutable_execute()->add_ops();
  op->set_kind(managerpb::CREATE);
  op->set_key("dict");
  op->set_object("intruder");
  ASSERT_TRUE(peer.WriteFrame(request.SerializeAsString()).ok());
  EXPECT_TRUE(peer.ClosedByServer());
  // A frame above the handshake limit: closed before it is read.
  RawLocalPeer big(m_.address());
  ASSERT_TRUE(big.connected());
  ASSERT_TRUE(big.ReadFrame().ok());
  ASSERT_TRUE(big.WriteRaw(FrameHeader(internal::kLocalHandshakeBytes + 1)).ok());
  EXPECT_TRUE(big.ClosedByServer());
  ExpectAlive(2);
  // "intruder" was never created: a client's get-or-create makes a fresh dict.
  auto d = m_.dict<int, int>("intruder");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d->len(), 0u);
}

TEST_F(ManagerLocalTest, GarbageAndOversizedFramesDropOnlyThatConnection) {
  // After a correct handshake: a frame of garbage, a header announcing more
  // than the limit (1 TiB: nothing is allocated for it), a torn frame.
  const std::vector<std::string> attacks = {
      FrameHeader(5) + std::string("\xff\xff\xff\xff\xff", 5),
      FrameHeader(uint64_t{1} << 40),
      FrameHeader(static_cast<uint64_t>(internal::kMaxMessageBytes) + 1),
  };
  int i = 10;
  for (const std::string& attack : attacks) {
    RawLocalPeer peer(m_.address());
    ASSERT_TRUE(peer.connected());
    absl::StatusOr<managerpb::LocalReply> welcome = peer.Handshake(m_.authkey());
    ASSERT_TRUE(welcome.ok()) << welcome.status();
    ASSERT_EQ(welcome->code(), 0) << welcome->message();
    ASSERT_TRUE(peer.WriteRaw(attack).ok());
    EXPECT_TRUE(peer.ClosedByServer()) << i;
    ExpectAlive(i++);
  }
  // Half a frame, then the peer vanishes: the server's read ends at EOF.
  {
    RawLocalPeer peer(m_.address());
    ASSERT_TRUE(peer.connected());
    ASSERT_TRUE(peer.Handshake(m_.authkey()).ok());
    ASSERT_TRUE(peer.WriteRaw(FrameHeader(100) + "half").ok());
  }
  ExpectAlive(i++);
  // Bytes that are not even a frame header, before the handshake.
  {
    RawLocalPeer peer(m_.address());
    ASSERT_TRUE(peer.connected());
    ASSERT_TRUE(peer.ReadFrame().ok());
    ASSERT_TRUE(peer.WriteRaw("GET / HTTP/1.1\r\n\r\n").ok());
    EXPECT_TRUE(peer.ClosedByServer());
  }
  ExpectAlive(i++);
}

TEST_F(ManagerLocalTest, ExtremeBudgetsAndTimeoutsSaturate) {
  auto q = m_.Queue<int>();
  ASSERT_TRUE(q.ok());
  RawLocalPeer peer(m_.address());
  ASSERT_TRUE(peer.connected());
  ASSERT_TRUE(peer.Handshake(m_.authkey()).ok());
  auto take = [&](int64_t budget_us, int64_t timeout_us) {
    managerpb::LocalRequest request;
    request.set_budget_us(budget_us);
    managerpb::Op* op = request.mutable_execute()->add_ops();
    op->set_kind(managerpb::TAKE);
    op->set_object(q->id());
    op->set_timeout_us(timeout_us);
    return peer.Call(request);
  };
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  // A poll with any budget, and any wait with a budget already spent (INT64_MIN,
  // 0): queue.Empty at once, never an overflow.
  for (auto [budget, timeout] : {std::pair{kMax, kMin}, std::pair{kMin, kMax}, std::pair{int64_t{0}, kMax},
                                 std::pair{kMin, kMin}}) {
    const absl::Time start = absl::Now();
    absl::StatusOr<managerpb::LocalReply> r = take(budget, timeout);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->execute().results_size(), 1);
    EXPECT_EQ(r->execute().results(0).code(), static_cast<int>(absl::StatusCode::kDeadlineExceeded));
    EXPECT_LT(absl::Now() - start, kMargin);
  }
  // INT64_MAX budget and timeout: waits for the item.
  ASSERT_TRUE(q->put(5).ok());
  absl::StatusOr<managerpb::LocalReply> r = take(kMax, kMax);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->execute().results(0).value(), Encode(5));
  ExpectAlive(1);
}

// A client killed while its get waits in the server: the server ends that
// wait (it sees the connection hang up), so the dead client takes nothing and
// everyone else goes on.
TEST_F(ManagerLocalTest, ClientKilledMidCall) {
  auto q = m_.Queue<int>();
  auto e = m_.Event();
  ASSERT_TRUE(q.ok() && e.ok());
  Process child(process_function<blocked_getter>, m_.address(), m_.authkey(), q->id(), e->id());
  ASSERT_TRUE(child.start().ok());
  absl::StatusOr<bool> ready = e->wait(kMargin);
  ASSERT_TRUE(ready.ok() && *ready);
  // The child is in (or about to send) its get; a pause lets it reach the
  // server, though the test holds either way.
  absl::SleepFor(absl::Milliseconds(200));
  ASSERT_TRUE(child.kill().ok());
  ASSERT_TRUE(child.join(kMargin).ok());
  ExpectAlive(1);
  // The server notices a hung-up waiter within 100 ms; 2 s is 20 of those
  // (there is no event to wait on inside the server). Had the dead get still
  // been waiting, it would take this item and ours would time out.
  absl::SleepFor(absl::Seconds(2));
  ASSERT_TRUE(q->put(9).ok());
  absl::StatusOr<int> got = q->get(kMargin);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, 9);
}

// The server killed while a client's call waits: a clear Unavailable within
// the call's deadline, never a hang (KilledManagerFailsEveryCallWithinItsDeadline
// covers more, over both transports); here a wait without a timeout.
TEST(ManagerLocalFaultTest, ServerKilledWhileAClientWaits) {
  Manager m({.call_timeout = absl::Seconds(2)});
  ASSERT_TRUE(m.start().ok());
  ASSERT_EQ(m.client()->transport(), "unix");
  auto e = m.Event();
  ASSERT_TRUE(e.ok());
  std::promise<void> waiting;
  std::future<absl::StatusOr<bool>> waited = std::async(std::launch::async, [&] {
    waiting.set_value();
    return e->wait();  // Forever, in slices.
  });
  waiting.get_future().wait();
  absl::SleepFor(absl::Milliseconds(200));  // Let the wait reach the server (either way is fine).
  const absl::Time killed = absl::Now();
  ASSERT_EQ(::kill(*m.pid(), SIGKILL), 0);
  ASSERT_EQ(waited.wait_for(absl::ToChronoSeconds(kMargin)), std::future_status::ready);
  absl::StatusOr<bool> r = waited.get();
  EXPECT_TRUE(absl::IsUnavailable(r.status())) << r.status();
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("same-host socket"));
  EXPECT_LT(absl::Now() - killed, absl::Seconds(2) + kMargin);
  EXPECT_TRUE(m.shutdown().ok());
}

}  // namespace
}  // namespace conc

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // Spawned servers and workers run here.
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
