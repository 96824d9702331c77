// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/ipc/shared_memory.h"
#include "modules/ipc/testing/mp_test_util.h"

#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/threads/process.h"

// A spawned child: attaches by name, checks that the block starts with
// `expect`, then overwrites it with `reply`. Exit codes say what failed.
void attach_check_reply(std::string name, std::string expect, std::string reply) {
  absl::StatusOr<conc::SharedMemory> shm = conc::SharedMemory::Attach(name);
  if (!shm.ok()) std::exit(2);
  if (shm->size() < expect.size() ||
      std::memcmp(shm->buf().data(), expect.data(), expect.size()) != 0) {
    std::exit(3);
  }
  std::memcpy(shm->buf().data(), reply.data(), reply.size());
  if (!shm->close().ok()) std::exit(4);
}
CONC_PROCESS_FUNCTION(attach_check_reply);

namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

// Names unique to this test process: pid and 64 random bits, because tests
// run in PID namespaces (the same pid in concurrent runs) and /dev/shm is shared.
const std::string& Prefix() {
  static const std::string* prefix =
      new std::string(conc::SharedMemory::UniqueName(absl::StrCat("conc_shmtest_", ::getpid(), "_")) + "_");
  return *prefix;
}
std::string Name(const std::string& what) { return Prefix() + what; }

std::vector<std::string> Leftovers() { return conc::mp::testing::DevShmNamesStartingWith(Prefix()); }

bool Exists(const std::string& name) {
  struct stat st;
  return ::stat(("/dev/shm/" + name).c_str(), &st) == 0;
}

class SharedMemoryTest : public ::testing::Test {
 protected:
  void TearDown() override {
    std::vector<std::string> left = Leftovers();
    EXPECT_THAT(left, IsEmpty());
    for (const std::string& n : left) ::unlink(("/dev/shm/" + n).c_str());
  }
};

TEST_F(SharedMemoryTest, CreateIsZeroFilledAndAttachSeesTheSameBytes) {
  absl::StatusOr<conc::SharedMemory> a = conc::SharedMemory::Create(Name("same"), 10000);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->name(), Name("same"));
  EXPECT_EQ(a->size(), 10000u);
  ASSERT_EQ(a->buf().size(), 10000u);
  for (std::byte b : a->buf()) ASSERT_EQ(b, std::byte{0});
  std::memcpy(a->buf().data() + 9990, "0123456789", 10);

  absl::StatusOr<conc::SharedMemory> b = conc::SharedMemory::Attach(Name("same"));
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->size(), 10000u);
  EXPECT_NE(b->buf().data(), a->buf().data());  // A second mapping...
  EXPECT_EQ(std::memcmp(b->buf().data() + 9990, "0123456789", 10), 0);  // ...of the same memory.
  b->buf()[0] = std::byte{42};
  EXPECT_EQ(a->buf()[0], std::byte{42});
  EXPECT_TRUE(a->unlink().ok());
}

TEST_F(SharedMemoryTest, CreatedOwnerOnly) {
  absl::StatusOr<conc::SharedMemory> a = conc::SharedMemory::Create(Name("mode"), 64);
  ASSERT_TRUE(a.ok()) << a.status();
  struct stat st;
  ASSERT_EQ(::stat(("/dev/shm/" + Name("mode")).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE(a->unlink().ok());
}

TEST_F(SharedMemoryTest, EmptyNameGeneratesAUniqueOne) {
  absl::StatusOr<conc::SharedMemory> a = conc::SharedMemory::Create("", 16);
  absl::StatusOr<conc::SharedMemory> b = conc::SharedMemory::Open("", /*create=*/true, 16);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_THAT(a->name(), StartsWith("psm_"));
  EXPECT_EQ(a->name().size(), 20u);
  EXPECT_NE(a->name(), b->name());
  EXPECT_TRUE(Exists(a->name()));
  EXPECT_TRUE(a->unlink().ok());
  EXPECT_TRUE(b->unlink().ok());
  EXPECT_FALSE(Exists(a->name()));
  EXPECT_THAT(conc::SharedMemory::UniqueName("x_"), StartsWith("x_"));
}

TEST_F(SharedMemoryTest, GeneratedNamesDifferBetweenAForkedChildAndItsParent) {
  // A random generator copied by fork would give both the same next name.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  conc::Process child(conc::kForkMethod, [fd = fds[1]] {
    std::string name = conc::SharedMemory::UniqueName();
    if (::write(fd, name.data(), name.size()) != static_cast<ssize_t>(name.size())) std::_Exit(2);
  });
  ASSERT_TRUE(child.start().ok());
  std::string mine = conc::SharedMemory::UniqueName();
  ASSERT_TRUE(child.join(absl::Seconds(60)).ok());
  ::close(fds[1]);
  char buf[64] = {};
  ASSERT_EQ(::read(fds[0], buf, sizeof buf), 20);
  ::close(fds[0]);
  EXPECT_NE(std::string(buf, 20), mine);
}

TEST_F(SharedMemoryTest, DuplicateNameIsAlreadyExistsAndLeavesTheOriginal) {
  absl::StatusOr<conc::SharedMemory> a = conc::SharedMemory::Create(Name("dup"), 64);
  ASSERT_TRUE(a.ok());
  a->buf()[3] = std::byte{7};
  absl::StatusOr<conc::SharedMemory> b = conc::SharedMemory::Create(Name("dup"), 128);
  EXPECT_TRUE(absl::IsAlreadyExists(b.status())) << b.status();
  EXPECT_THAT(b.status().message(), HasSubstr(Name("dup")));
  // Nothing lost: same size, same bytes.
  absl::StatusOr<conc::SharedMemory> c = conc::SharedMemory::Attach(Name("dup"));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->size(), 64u);
  EXPECT_EQ(c->buf()[3], std::byte{7});
  EXPECT_TRUE(a->unlink().ok());
}

TEST_F(SharedMemoryTest, AttachToAMissingNameIsNotFound) {
  absl::StatusOr<conc::SharedMemory> a = conc::SharedMemory::Attach(Name("missing"));
  EXPECT_TRUE(absl::IsNotFound(a.status())) << a.status();
  EXPECT_TRUE(absl::IsNotFound(conc::SharedMemory::Open(Name("missing")).status()));
  EXPECT_FALSE(Exists(Name("missing")));  // Attach never creates.
}

TEST_F(SharedMemoryTest, BadSizesAreInvalidArgument) {
  EXPECT_TRUE(absl::IsInvalidArgument(conc::SharedMemory::Create(Name("z"), 0).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(conc::SharedMemory::Create(Name("z"), -1).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(conc::SharedMemory::Open(Name("z"), true, 0).status()));
  // Python checks size >= 0 even when attaching; the name is needed to attach.
  EXPECT_TRUE(absl::IsInvalidArgument(conc::SharedMemory::Open(Name("z"), false, -5).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(conc::SharedMemory::Open("", false, 0).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(conc::SharedMemory::Attach("").status()));
  EXPECT_FALSE(Exists(Name("z")));
}

TEST_F(SharedMemoryTest, BadNamesAreInvalidArgument) {
  const std::string too_long(256, 'n');
  for (const std::string& bad : {too_long, std::string("a/b"), std::string("/"),
                                 std::string("//x"), std::string("."), std::string(".."),
                                 std::string("a\0b", 3)}) {
    absl::StatusOr<conc::SharedMemory> c = conc::SharedMemory::Create(bad, 8);
    EXPECT_TRUE(absl::IsInvalidArgument(c.status())) << bad << ": " << c.status();
    EXPECT_TRUE(absl::IsInvalidArgument(conc::SharedMemory::Attach(bad).status())) << bad;
  }
  // The limits themselves are fine: 255 bytes, and a leading slash (dropped).
  std::string longest = Prefix() + std::string(255 - Prefix().size(), 'L');
  absl::StatusOr<conc::SharedMemory> a = conc::SharedMemory::Create(longest, 8);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(a->unlink().ok());
  absl::StatusOr<conc::SharedMemory> b = conc::SharedMemory::Create("/" + Name("slash"), 8);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->name(), Name("slash"));
  EXPECT_TRUE(conc::SharedMemory::Attach(Name("slash")).ok());
  EXPECT_TRUE(conc::SharedMemory::Attach("/" + Name("slash")).ok());
  EXPECT_TRUE(b->unlink().ok());
}

TEST_F(SharedMemoryTest, DataCrossesToASpawnedProcessAndBack) {
  absl::StatusOr<conc::SharedMemory> shm = conc::SharedMemory::Create(Name("child"), 4096);
  ASSERT_TRUE(shm.ok());
  std::memcpy(shm->buf().data(), "from parent", 11);
  conc::Process child(conc::process_function<attach_check_reply>, shm->name(),
                      std::string("from parent"), std::string("FROM CHILD!"));
  ASSERT_TRUE(child.start().ok());
  ASSERT_TRUE(child.join(absl::Seconds(60)).ok());
  ASSERT_EQ(child.exitcode(), 0);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(shm->buf().data()), 11), "FROM CHILD!");
  EXPECT_TRUE(shm->unlink().ok());
}

TEST_F(SharedMemoryTest, UnlinkWhileAttachedKeepsTheMemoryAndDropsTheName) {
  absl::StatusOr<conc::SharedMemory> a = conc::SharedMemory::Create(Name("unl"), 64);
  absl::StatusOr<conc::SharedMemory> b = conc::SharedMemory::Attach(Name("unl"));
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(b->unlink().ok());  // Any process may unlink, not only the creator.
  EXPECT_FALSE(Exists(Name("unl")));
  EXPECT_TRUE(absl::IsNotFound(conc::SharedMemory::Attach(Name("unl")).status()));
  a->buf()[10] = std::byte{99};  // Still mapped and shared.
  EXPECT_EQ(b->buf()[10], std::byte{99});
  EXPECT_TRUE(absl::IsNotFound(a->unlink()));  // Python: FileNotFoundError.
  // The name is free again: a new segment, not the old memory.
  absl::StatusOr<conc::SharedMemory> c = conc::SharedMemory::Create(Name("unl"), 64);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->buf()[10], std::byte{0});
  EXPECT_TRUE(c->unlink().ok());
}

TEST_F(SharedMemoryTest, CloseTwiceAndUseAfterClose) {
  absl::StatusOr<conc::SharedMemory> a = conc::SharedMemory::Create(Name("close"), 64);
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->closed());
  EXPECT_TRUE(a->buffer().ok());
  EXPECT_TRUE(a->close().ok());
  EXPECT_TRUE(a->close().ok());  // Idempotent, as Python's.
  EXPECT_TRUE(a->closed());
  EXPECT_TRUE(a->buf().empty());
  EXPECT_TRUE(absl::IsFailedPrecondition(a->buffer().status())) << a->buffer().status();
  EXPECT_EQ(a->size(), 64u);  // Python keeps reporting the size.
  EXPECT_TRUE(Exists(Name("close")));  // close() never unlinks...
  EXPECT_TRUE(a->unlink().ok());       // ...and unlink works after close.
  EXPECT_FALSE(Exists(Name("close")));
}

TEST_F(SharedMemoryTest, CloseIsRefusedWhileAViewOfTheBufferLives) {
  // Python: shm.close() with a live memoryview raises BufferError ("cannot
  // close exported pointers exist"). Here close() is FailedPrecondition and
  // the view keeps reading the mapping; before this was fixed close() unmapped
  // and the read below was a SIGSEGV.
  absl::StatusOr<conc::SharedMemory> a = conc::SharedMemory::Create(Name("view"), 4096);
  ASSERT_TRUE(a.ok());
  {
    auto view = a->buf();
    view[100] = std::byte{42};
    absl::Status refused = a->close();
    EXPECT_TRUE(absl::IsFailedPrecondition(refused)) << refused;
    EXPECT_FALSE(a->closed());
    EXPECT_EQ(view[100], std::byte{42});  // Still mapped.
    auto copy = view;                      // Copies count too.
    { auto drop = std::move(view); }
    EXPECT_TRUE(absl::IsFailedPrecondition(a->close()));
    EXPECT_EQ(copy[100], std::byte{42});
  }
  EXPECT_TRUE(a->close().ok());  // The last view is gone: close works.
  EXPECT_TRUE(a->closed());
  EXPECT_TRUE(a->unlink().ok());
}

TEST_F(SharedMemoryTest, AViewOutlivingItsSharedMemoryKeepsTheMappingAlive) {
  // The destructor cannot refuse: it drops its share of the mapping, which is
  // unmapped when the last view goes (as Python's mmap outlives the
  // SharedMemory object while a memoryview exports it).
  absl::StatusOr<conc::SharedMemory> a = conc::SharedMemory::Create(Name("outlive"), 4096);
  ASSERT_TRUE(a.ok());
  a->buf()[4095] = std::byte{7};
  auto view = a->buf();
  ASSERT_TRUE(a->unlink().ok());
  a = absl::StatusOr<conc::SharedMemory>(absl::CancelledError("gone"));  // Destroys the object.
  ASSERT_EQ(view.size(), 4096u);
  EXPECT_EQ(view[4095], std::byte{7});
  view[0] = std::byte{1};
  EXPECT_EQ(view.data()[0], std::byte{1});
}

TEST_F(SharedMemoryTest, DestructorClosesButNeverUnlinks) {
  { ASSERT_TRUE(conc::SharedMemory::Create(Name("dtor"), 64).ok()); }
  EXPECT_TRUE(Exists(Name("dtor")));
  absl::StatusOr<conc::SharedMemory> a = conc::SharedMemory::Attach(Name("dtor"));
  ASSERT_TRUE(a.ok());
  conc::SharedMemory moved = std::move(*a);
  EXPECT_TRUE(a->closed());  // Moved from.
  EXPECT_FALSE(moved.closed());
  EXPECT_TRUE(moved.unlink().ok());
}

// Forks a child that creates `names` (tracked or not) and, as a sentinel
// telling the test that its tracker has done its work, one more tracked
// segment `sentinel` (if not empty); reports on a pipe that all exist, then
// waits to be killed. Also `unlink_again`: a tracked segment it creates,
// closes and unlinks before reporting.

void RunCreatorChild(const std::vector<std::string>& names, bool track, const std::string& sentinel,
                     const std::string& unlink_again, int ready, int hold, pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // Never outlives a crashed test.
  if (::getppid() != parent) std::_Exit(9);
  for (const std::string& n : names) {
    absl::StatusOr<conc::SharedMemory> shm = conc::SharedMemory::Create(n, 4096, track);
    if (!shm.ok()) std::_Exit(2);
    shm->buf()[0] = std::byte{1};
  }
  if (!unlink_again.empty()) {
    // Made, closed and unlinked on purpose: the tracker must forget it.
    absl::StatusOr<conc::SharedMemory> shm = conc::SharedMemory::Create(unlink_again, 64);
    if (!shm.ok() || !shm->close().ok() || !shm->unlink().ok()) std::_Exit(3);
  }
  if (!sentinel.empty() && !conc::SharedMemory::Create(sentinel, 64).ok()) std::_Exit(4);
  if (::write(ready, "r", 1) != 1) std::_Exit(5);
  char c;
  if (::read(hold, &c, 1) < 0) {}  // Nobody writes: blocks until SIGKILL (or EOF).
  std::_Exit(0);
}

// Reads the child's "ready" byte, bounded by a wide limit (a loaded 2-core VM
// under TSan forks slowly, and the child forks its tracker too).
bool WaitReady(int fd) {
  struct pollfd p = {fd, POLLIN, 0};
  if (::poll(&p, 1, 120000) != 1) return false;
  char c;
  return ::read(fd, &c, 1) == 1;
}

std::vector<std::string> Names(const std::string& what, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(Name(absl::StrCat(what, i)));
  return out;
}

// Forks the creator, waits until it is ready, SIGKILLs it and reaps it.
void CreateThenGetKilled(const std::vector<std::string>& names, bool track, const std::string& sentinel,
                         const std::string& unlink_again = "") {
  int ready[2], hold[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(hold), 0);
  const pid_t parent = ::getpid();
  conc::Process child(conc::kForkMethod, [&, r = ready[1], h = hold[0]] {
    RunCreatorChild(names, track, sentinel, unlink_again, r, h, parent);
  });
  ASSERT_TRUE(child.start().ok());
  ::close(ready[1]);
  ::close(hold[0]);
  const bool ok = WaitReady(ready[0]);
  ::close(ready[0]);
  ASSERT_TRUE(child.kill().ok());
  ASSERT_TRUE(child.join(absl::Seconds(60)).ok());
  ::close(hold[1]);
  ASSERT_TRUE(ok) << "the creator did not get ready; exit code " << child.exitcode().value_or(0);
  EXPECT_EQ(child.exitcode(), -SIGKILL);
}

// How long a killed creator's tracker may take to notice and unlink: it is
// woken by the kernel (pidfd / EOF) at once, but a loaded 2-core VM under
// TSan can delay any process by seconds; a minute is far beyond that.
constexpr absl::Duration kTrackerLimit = absl::Seconds(60);

TEST_F(SharedMemoryTest, TrackedSegmentsAreUnlinkedWhenTheirCreatorIsKilled) {
  // Python's resource tracker unlinks a SIGKILLed creator's segments; before
  // this was fixed all five stayed in /dev/shm.
  const std::vector<std::string> names = Names("killed", 5);
  CreateThenGetKilled(names, /*track=*/true, /*sentinel=*/"");
  EXPECT_TRUE(conc::mp::testing::Eventually(
      [&] {
        for (const std::string& n : names) {
          if (Exists(n)) return false;
        }
        return true;
      },
      kTrackerLimit))
      << "left: " << ::testing::PrintToString(Leftovers());
}

TEST_F(SharedMemoryTest, UntrackedSegmentsOutliveTheirKilledCreator) {
  const std::vector<std::string> names = Names("kept", 3);
  const std::string sentinel = Name("kept_sentinel");
  CreateThenGetKilled(names, /*track=*/false, sentinel);
  // The tracked sentinel gone means the tracker has finished its cleanup.
  ASSERT_TRUE(conc::mp::testing::Eventually([&] { return !Exists(sentinel); }, kTrackerLimit));
  for (const std::string& n : names) {
    EXPECT_TRUE(Exists(n)) << n;
    absl::StatusOr<conc::SharedMemory> shm = conc::SharedMemory::Attach(n);
    ASSERT_TRUE(shm.ok()) << shm.status();
    EXPECT_EQ(shm->buf()[0], std::byte{1});  // The creator's data, intact.
    EXPECT_TRUE(shm->unlink().ok());
  }
}

TEST_F(SharedMemoryTest, AnUnlinkedTrackedNameIsNeverUnlinkedAgain) {
  // The child creates, closes and unlinks `reused`, then this process makes a
  // new segment under that name: the child's tracker must leave it alone.
  const std::string reused = Name("reused");
  const std::string sentinel = Name("reused_sentinel");
  int ready[2], hold[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(hold), 0);
  const pid_t parent = ::getpid();
  conc::Process child(conc::kForkMethod, [&, r = ready[1], h = hold[0]] {
    RunCreatorChild({}, true, sentinel, reused, r, h, parent);
  });
  ASSERT_TRUE(child.start().ok());
  ::close(ready[1]);
  ::close(hold[0]);
  ASSERT_TRUE(WaitReady(ready[0]));
  ::close(ready[0]);
  EXPECT_FALSE(Exists(reused));
  absl::StatusOr<conc::SharedMemory> mine = conc::SharedMemory::Create(reused, 64, /*track=*/false);
  ASSERT_TRUE(mine.ok()) << mine.status();
  mine->buf()[0] = std::byte{5};
  ASSERT_TRUE(child.kill().ok());
  ASSERT_TRUE(child.join(absl::Seconds(60)).ok());
  ::close(hold[1]);
  ASSERT_TRUE(conc::mp::testing::Eventually([&] { return !Exists(sentinel); }, kTrackerLimit));
  EXPECT_TRUE(Exists(reused));
  EXPECT_EQ(mine->buf()[0], std::byte{5});
  EXPECT_TRUE(mine->unlink().ok());
}

TEST_F(SharedMemoryTest, CloseThenUnlinkOfATrackedSegmentIsCleanAndForgotten) {
  // In this process: the usual life of a tracked segment raises no error and
  // leaves nothing (TearDown checks /dev/shm); a second create of the name
  // after the unlink is a new, tracked segment.
  for (int round = 0; round < 2; ++round) {
    absl::StatusOr<conc::SharedMemory> shm = conc::SharedMemory::Create(Name("clean"), 128);
    ASSERT_TRUE(shm.ok()) << shm.status();
    EXPECT_TRUE(shm->close().ok());
    EXPECT_TRUE(shm->unlink().ok());
    EXPECT_FALSE(Exists(Name("clean")));
  }
  absl::StatusOr<conc::SharedMemory> dup = conc::SharedMemory::Create(Name("clean2"), 64);
  ASSERT_TRUE(dup.ok());
  // A failed create (the name is taken) must not take the name off the list
  // for good, nor leave an extra entry: unlink, then nothing is left.
  EXPECT_TRUE(absl::IsAlreadyExists(conc::SharedMemory::Create(Name("clean2"), 64).status()));
  EXPECT_TRUE(dup->unlink().ok());
}

}  // namespace

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // In a spawned child: runs its function, exits.
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
