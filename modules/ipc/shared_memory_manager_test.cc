// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/ipc/shared_memory_manager.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/ipc/shareable_list.h"
#include "modules/ipc/shared_memory.h"
#include "modules/ipc/testing/mp_test_util.h"
#include "modules/threads/process.h"

// A spawned child that attaches to a segment and a list by name, writes to
// both, and then dies by abort() while still attached.
void attach_then_abort(std::string shm_name, std::string list_name) {
  absl::StatusOr<conc::SharedMemory> shm = conc::SharedMemory::Attach(shm_name);
  absl::StatusOr<conc::ShareableList> sl = conc::ShareableList::Attach(list_name);
  if (!shm.ok() || !sl.ok()) std::exit(2);
  shm->buf()[0] = std::byte{'!'};
  if (!sl->set(0, "crash").ok()) std::exit(3);
  std::abort();
}
CONC_PROCESS_FUNCTION(attach_then_abort);

// A spawned child that attaches and exits normally.
void attach_and_leave(std::string shm_name) {
  absl::StatusOr<conc::SharedMemory> shm = conc::SharedMemory::Attach(shm_name);
  if (!shm.ok()) std::exit(2);
  shm->buf()[1] = std::byte{'?'};
}
CONC_PROCESS_FUNCTION(attach_and_leave);

// The owner of a manager, run as a spawned process so that the test can kill
// it. It makes two segments and a list, lets a grandchild attach and crash,
// optionally forks a child that keeps a copy of the watcher socket alive
// (blocked reading `hold_fd`), then reports on `ready_fd` and, depending on
// `how`: waits to be killed ("kill"), or exits without shutdown ("exit").
void manager_owner(std::string prefix, int ready_fd, int hold_fd, std::string how) {
  auto* smm = new conc::SharedMemoryManager({.name_prefix = prefix});  // Never deleted.
  if (!smm->start().ok()) std::exit(2);
  absl::StatusOr<conc::SharedMemory> a = smm->SharedMemory(4096);
  absl::StatusOr<conc::SharedMemory> b = smm->SharedMemory(1 << 20);
  absl::StatusOr<conc::ShareableList> sl = smm->ShareableList({int64_t{1}, "two", 3.0});
  if (!a.ok() || !b.ok() || !sl.ok()) std::exit(3);
  conc::Process crasher(conc::process_function<attach_then_abort>, a->name(), sl->shm().name());
  if (!crasher.start().ok() || !crasher.join(absl::Seconds(60)).ok()) std::exit(4);
  if (crasher.exitcode() != -SIGABRT) std::exit(5);
  if (a->buf()[0] != std::byte{'!'}) std::exit(6);
  if (hold_fd >= 0) {
    conc::Process holder(conc::kForkMethod, [hold_fd] {
      char c;
      while (::read(hold_fd, &c, 1) < 0 && errno == EINTR) {
      }
    });
    if (!holder.start().ok()) std::exit(7);
  }
  if (::write(ready_fd, "R", 1) != 1) std::exit(8);
  if (how == "exit") std::_Exit(0);  // No destructors, no shutdown().
  for (;;) ::pause();                // Until SIGKILL.
}
CONC_PROCESS_FUNCTION(manager_owner);

namespace {

using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAreArray;

// Names unique to this test process: pid and 64 random bits, because tests
// run in PID namespaces (the same pid in concurrent runs) and /dev/shm is shared.
const std::string& Prefix() {
  static const std::string* prefix =
      new std::string(conc::SharedMemory::UniqueName(absl::StrCat("conc_smmtest_", ::getpid(), "_")) + "_");
  return *prefix;
}

std::vector<std::string> Ours(const std::string& prefix = Prefix()) {
  return conc::mp::testing::DevShmNamesStartingWith(prefix);
}

// Waits (at most `limit`) until /dev/shm holds no name with `prefix`. The
// watcher is another process that reports to no one, so this polls; 10 s is
// far more than unlinking a few names takes even on a loaded machine.
std::vector<std::string> WaitUntilGone(const std::string& prefix, absl::Duration limit) {
  const absl::Time deadline = absl::Now() + limit;
  for (;;) {
    std::vector<std::string> left = Ours(prefix);
    if (left.empty() || absl::Now() >= deadline) return left;
    absl::SleepFor(absl::Milliseconds(10));
  }
}

class SharedMemoryManagerTest : public ::testing::Test {
 protected:
  void TearDown() override {
    std::vector<std::string> left = Ours();
    EXPECT_THAT(left, IsEmpty());
    for (const std::string& n : left) ::unlink(("/dev/shm/" + n).c_str());
  }
};

TEST_F(SharedMemoryManagerTest, ShutdownUnlinksWhatItMadeAndHandlesStayUsable) {
  conc::SharedMemoryManager smm({.name_prefix = Prefix()});
  ASSERT_TRUE(smm.start().ok());
  absl::StatusOr<conc::SharedMemory> shm = smm.SharedMemory(128);
  absl::StatusOr<conc::ShareableList> sl = smm.ShareableList({int64_t{0}, int64_t{1}, "two"});
  ASSERT_TRUE(shm.ok() && sl.ok()) << shm.status() << sl.status();
  EXPECT_EQ(shm->size(), 128u);
  EXPECT_EQ(*sl->get(2), conc::ShareableItem(std::string("two")));
  std::vector<std::string> made = {shm->name(), sl->shm().name()};
  EXPECT_THAT(smm.segment_names(), UnorderedElementsAreArray(made));
  EXPECT_THAT(Ours(), UnorderedElementsAreArray(made));

  ASSERT_TRUE(smm.shutdown().ok());
  EXPECT_THAT(Ours(), IsEmpty());  // shutdown() waited for the watcher.
  shm->buf()[5] = std::byte{5};    // Still mapped...
  EXPECT_EQ(shm->buf()[5], std::byte{5});
  EXPECT_TRUE(sl->set(0, "still").ok());
  EXPECT_TRUE(absl::IsNotFound(conc::SharedMemory::Attach(made[0]).status()));  // ...name gone.
  EXPECT_TRUE(smm.shutdown().ok());  // Idempotent.
}

TEST_F(SharedMemoryManagerTest, MisuseAndBadArguments) {
  conc::SharedMemoryManager smm({.name_prefix = Prefix()});
  EXPECT_TRUE(absl::IsFailedPrecondition(smm.SharedMemory(8).status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(smm.ShareableList({int64_t{1}}).status()));
  ASSERT_TRUE(smm.start().ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(smm.start()));
  EXPECT_TRUE(absl::IsInvalidArgument(smm.SharedMemory(0).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(smm.SharedMemory(-1).status()));
  EXPECT_THAT(smm.segment_names(), IsEmpty());
  ASSERT_TRUE(smm.shutdown().ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(smm.SharedMemory(8).status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(smm.start()));

  conc::SharedMemoryManager bad({.name_prefix = "a/b"});
  EXPECT_TRUE(absl::IsInvalidArgument(bad.start()));
  conc::SharedMemoryManager unstarted;
  EXPECT_TRUE(unstarted.shutdown().ok());
}

TEST_F(SharedMemoryManagerTest, TheDestructorShutsDown) {
  std::string name;
  {
    conc::SharedMemoryManager smm({.name_prefix = Prefix()});
    ASSERT_TRUE(smm.start().ok());
    absl::StatusOr<conc::SharedMemory> shm = smm.SharedMemory(64);
    ASSERT_TRUE(shm.ok());
    name = shm->name();
    EXPECT_THAT(Ours(), SizeIs(1));
  }
  EXPECT_THAT(Ours(), IsEmpty());
}

TEST_F(SharedMemoryManagerTest, AttachersNeverUnlink) {
  conc::SharedMemoryManager smm({.name_prefix = Prefix()});
  ASSERT_TRUE(smm.start().ok());
  absl::StatusOr<conc::SharedMemory> shm = smm.SharedMemory(64);
  absl::StatusOr<conc::ShareableList> sl = smm.ShareableList({"x"});
  ASSERT_TRUE(shm.ok() && sl.ok());
  conc::Process leaver(conc::process_function<attach_and_leave>, shm->name());
  conc::Process crasher(conc::process_function<attach_then_abort>, shm->name(), sl->shm().name());
  ASSERT_TRUE(leaver.start().ok() && crasher.start().ok());
  ASSERT_TRUE(leaver.join(absl::Seconds(60)).ok() && crasher.join(absl::Seconds(60)).ok());
  EXPECT_EQ(leaver.exitcode(), 0);
  EXPECT_EQ(crasher.exitcode(), -SIGABRT);
  // Both wrote, neither unlinked.
  EXPECT_EQ(shm->buf()[0], std::byte{'!'});
  EXPECT_EQ(shm->buf()[1], std::byte{'?'});
  EXPECT_EQ(*sl->get(0), conc::ShareableItem(std::string("crash")));
  EXPECT_THAT(Ours(), SizeIs(2));
  ASSERT_TRUE(smm.shutdown().ok());
  EXPECT_THAT(Ours(), IsEmpty());
}

TEST_F(SharedMemoryManagerTest, StartsSafelyWhileAnotherThreadHoldsLocksAndAllocates) {
  // A fork child that called malloc or took a lock held by another thread at
  // the fork would hang: the watcher calls neither.
  std::mutex held;
  std::atomic<bool> stop{false};
  std::unique_lock<std::mutex> lock(held);
  std::thread busy([&] {
    while (!stop.load()) {
      std::vector<std::string> garbage(64, std::string(100, 'g'));
      if (held.try_lock()) held.unlock();
    }
  });
  for (int i = 0; i < 5; ++i) {
    conc::SharedMemoryManager smm({.name_prefix = Prefix()});
    ASSERT_TRUE(smm.start().ok());
    ASSERT_TRUE(smm.SharedMemory(64).ok());
    ASSERT_TRUE(smm.shutdown().ok());
    EXPECT_THAT(Ours(), IsEmpty());
  }
  stop = true;
  busy.join();
}

// The owner dies (SIGKILL, or exit without shutdown) after a child crashed
// while attached: the watcher unlinks everything anyway.
void RunOwner(const std::string& how, bool fork_holder) {
  const std::string prefix = absl::StrCat(Prefix(), how, fork_holder ? "_h_" : "_");
  int ready[2], hold[2];
  ASSERT_EQ(::pipe2(ready, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(hold, O_CLOEXEC), 0);
  std::vector<int> pass = {ready[1]};
  if (fork_holder) pass.push_back(hold[0]);
  conc::Process owner({.pass_fds = pass}, conc::process_function<manager_owner>, prefix, ready[1],
                      fork_holder ? hold[0] : -1, how);
  ASSERT_TRUE(owner.start().ok());
  ::close(ready[1]);
  ::close(hold[0]);
  struct pollfd p = {ready[0], POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 60000), 1) << "the owner never got ready";
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1) << "owner exit code " << owner.exitcode().value_or(999);
  ::close(ready[0]);
  if (how == "kill") {
    EXPECT_THAT(Ours(prefix), SizeIs(3));
    ASSERT_TRUE(owner.kill().ok());
  }
  ASSERT_TRUE(owner.join(absl::Seconds(60)).ok());
  EXPECT_EQ(owner.exitcode(), how == "kill" ? -SIGKILL : 0);
  EXPECT_THAT(WaitUntilGone(prefix, absl::Seconds(10)), IsEmpty());
  ::close(hold[1]);  // Lets the forked holder, if any, exit.
}

TEST_F(SharedMemoryManagerTest, OwnerKilledAfterAChildCrashedLeavesNothing) {
  RunOwner("kill", /*fork_holder=*/false);
}

TEST_F(SharedMemoryManagerTest, OwnerKilledWhileAForkedChildHoldsItsSocketLeavesNothing) {
  RunOwner("kill", /*fork_holder=*/true);
}

TEST_F(SharedMemoryManagerTest, OwnerExitingWithoutShutdownLeavesNothing) {
  RunOwner("exit", /*fork_holder=*/false);
}

}  // namespace

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // In a spawned child: runs its function, exits.
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
