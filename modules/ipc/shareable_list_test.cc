// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/ipc/shareable_list.h"

#include <dirent.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/ipc/shared_memory.h"
#include "modules/ipc/testing/mp_test_util.h"
#include "modules/threads/process.h"

// A spawned child: attaches to the list by name, checks what the parent put
// there (including that an index below -len is an error), changes three
// items. Exit codes say what failed.
void edit_list(std::string name) {
  absl::StatusOr<conc::ShareableList> sl = conc::ShareableList::Attach(name);
  if (!sl.ok()) std::exit(2);
  if (sl->size() != 3) std::exit(3);
  absl::StatusOr<conc::ShareableItem> first = sl->get(-3);
  if (!first.ok() || *first != conc::ShareableItem(int64_t{1})) std::exit(4);
  if (!absl::IsOutOfRange(sl->get(-4).status())) std::exit(5);
  if (!sl->set(0, "child").ok()) std::exit(6);
  if (!sl->set(1, conc::None{}).ok()) std::exit(7);
  if (!sl->set(-1, int64_t{-7}).ok()) std::exit(8);
}
CONC_PROCESS_FUNCTION(edit_list);

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using Item = conc::ShareableItem;

// Names unique to this test process: pid and 64 random bits, because tests
// run in PID namespaces (the same pid in concurrent runs) and /dev/shm is shared.
const std::string& Prefix() {
  static const std::string* prefix =
      new std::string(conc::SharedMemory::UniqueName(absl::StrCat("conc_sltest_", ::getpid(), "_")) + "_");
  return *prefix;
}
std::string Name(const std::string& what) { return Prefix() + what; }

std::vector<std::string> Leftovers() { return conc::mp::testing::DevShmNamesStartingWith(Prefix()); }

class ShareableListTest : public ::testing::Test {
 protected:
  void TearDown() override {
    std::vector<std::string> left = Leftovers();
    EXPECT_THAT(left, IsEmpty());
    for (const std::string& n : left) ::unlink(("/dev/shm/" + n).c_str());
  }
};

// CPython's test_shared_memory_ShareableList_basics list.
std::vector<Item> PythonList() {
  return {std::string("howdy"), conc::Bytes{"HoWdY"}, -273.154, int64_t{100}, conc::None{}, true,
          int64_t{42}};
}

TEST_F(ShareableListTest, EveryTypeRoundTripsWithPythonsFormat) {
  std::vector<Item> items = PythonList();
  absl::StatusOr<conc::ShareableList> sl = conc::ShareableList::Create(items, Name("basic"));
  ASSERT_TRUE(sl.ok()) << sl.status();
  EXPECT_EQ(sl->size(), 7u);
  EXPECT_EQ(sl->shm().name(), Name("basic"));
  EXPECT_EQ(*sl->format(), "8s8sdqxxxxxx?xxxxxxxx?q");  // What CPython prints.
  absl::StatusOr<std::vector<Item>> all = sl->items();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, items);
  std::vector<std::string> reprs;
  for (const Item& i : *all) reprs.push_back(conc::ItemRepr(i));
  EXPECT_THAT(reprs, ElementsAre("'howdy'", "b'HoWdY'", "-273.154", "100", "None", "True", "42"));
  EXPECT_TRUE(sl->shm().unlink().ok());
}

TEST_F(ShareableListTest, IndicesArePythonsAndOutOfRangeIsAnErrorNeverGarbage) {
  absl::StatusOr<conc::ShareableList> sl = conc::ShareableList::Create(PythonList(), Name("idx"));
  ASSERT_TRUE(sl.ok());
  EXPECT_EQ(*sl->get(-1), Item(int64_t{42}));
  EXPECT_EQ(*(*sl)[-7], Item(std::string("howdy")));
  EXPECT_EQ(*(*sl)[6], Item(int64_t{42}));
  // CPython 3.13 returns garbage for sl[-8] .. sl[-14]; we refuse them all.
  for (int64_t bad : {int64_t{7}, int64_t{8}, int64_t{-8}, int64_t{-9}, int64_t{-14}, int64_t{-100},
                      std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}) {
    absl::StatusOr<Item> got = sl->get(bad);
    EXPECT_TRUE(absl::IsOutOfRange(got.status())) << bad << ": " << got.status();
    EXPECT_TRUE(absl::IsOutOfRange(sl->set(bad, int64_t{0}))) << bad;
  }
  EXPECT_EQ(*sl->items(), PythonList());  // Failed sets changed nothing.
  EXPECT_TRUE(sl->shm().unlink().ok());
}

TEST_F(ShareableListTest, AnItemIsReplacedByAnyTypeThatFitsItsSlot) {
  absl::StatusOr<conc::ShareableList> sl = conc::ShareableList::Create(PythonList(), Name("fit"));
  ASSERT_TRUE(sl.ok());
  // 'howdy' got 8 bytes: 8 fit, 12 do not (and the old item stays).
  absl::Status too_long = sl->set(0, "encyclopedia");
  EXPECT_TRUE(absl::IsInvalidArgument(too_long)) << too_long;
  EXPECT_THAT(too_long.message(), HasSubstr("exceeds"));
  EXPECT_EQ(*sl->get(0), Item(std::string("howdy")));
  EXPECT_TRUE(sl->set(0, "HOWDY!!!").ok());
  EXPECT_EQ(*sl->get(0), Item(std::string("HOWDY!!!")));
  // Any slot takes a number, a bool or None; a float's 8 bytes take a str of 8.
  EXPECT_TRUE(sl->set(0, 3.75).ok());
  EXPECT_TRUE(sl->set(2, "stringy").ok());
  EXPECT_TRUE(sl->set(3, conc::Bytes{"12345678"}).ok());
  EXPECT_TRUE(absl::IsInvalidArgument(sl->set(4, conc::Bytes{"123456789"})));
  EXPECT_TRUE(sl->set(5, conc::None{}).ok());
  EXPECT_TRUE(sl->set(6, false).ok());
  EXPECT_EQ(*sl->format(), "d8s8s8s" "xxxxxx?x" "xxxxxx?x" "xxxxxxx?");
  EXPECT_THAT(*sl->items(),
              ElementsAre(Item(3.75), Item(conc::Bytes{"HoWdY"}), Item(std::string("stringy")),
                          Item(conc::Bytes{"12345678"}), Item(conc::None{}), Item(conc::None{}),
                          Item(false)));
  EXPECT_TRUE(sl->shm().unlink().ok());
}

TEST_F(ShareableListTest, SlotSizesFollowPythonsRule) {
  // n bytes get 8 * (n / 8 + 1): 0 -> 8, 7 -> 8, 8 -> 16, 17 -> 24.
  absl::StatusOr<conc::ShareableList> sl = conc::ShareableList::Create(
      {std::string(), std::string(7, 'a'), std::string(8, 'b'), conc::Bytes{std::string(17, 'c')}},
      Name("slots"));
  ASSERT_TRUE(sl.ok());
  EXPECT_EQ(*sl->format(), "8s8s16s24s");
  EXPECT_TRUE(sl->set(2, std::string(16, 'x')).ok());
  EXPECT_TRUE(absl::IsInvalidArgument(sl->set(2, std::string(17, 'x'))));
  EXPECT_TRUE(sl->shm().unlink().ok());
}

TEST_F(ShareableListTest, TrailingNulsAndUtf8Survive) {
  // CPython strips trailing NULs on read (and sized str slots by characters,
  // not bytes, before 3.12); lengths are recorded here.
  const std::string utf8 = "h\xc3\xa9llo w\xc3\xb6rld";  // 11 characters, 13 bytes.
  absl::StatusOr<conc::ShareableList> sl = conc::ShareableList::Create(
      {conc::Bytes{std::string("ab\0\0", 4)}, std::string("x\0", 2), utf8}, Name("nul"));
  ASSERT_TRUE(sl.ok());
  EXPECT_EQ(*sl->get(0), Item(conc::Bytes{std::string("ab\0\0", 4)}));
  EXPECT_EQ(*sl->get(1), Item(std::string("x\0", 2)));
  EXPECT_EQ(*sl->get(2), Item(utf8));
  EXPECT_EQ(conc::ItemRepr(*sl->get(0)), "b'ab\\x00\\x00'");
  EXPECT_TRUE(sl->shm().unlink().ok());
}

TEST_F(ShareableListTest, EmptyList) {
  absl::StatusOr<conc::ShareableList> sl = conc::ShareableList::Create({}, Name("empty"));
  ASSERT_TRUE(sl.ok()) << sl.status();
  EXPECT_EQ(sl->size(), 0u);
  EXPECT_EQ(*sl->format(), "");
  EXPECT_TRUE(absl::IsOutOfRange(sl->get(0).status()));
  EXPECT_TRUE(absl::IsOutOfRange(sl->get(-1).status()));
  absl::StatusOr<conc::ShareableList> again = conc::ShareableList::Attach(Name("empty"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->size(), 0u);
  EXPECT_TRUE(sl->shm().unlink().ok());
}

TEST_F(ShareableListTest, CountAndIndexUsePythonsEquality) {
  absl::StatusOr<conc::ShareableList> sl = conc::ShareableList::Create(
      {int64_t{1}, 1.0, true, std::string("1"), conc::Bytes{"1"}, conc::None{}, int64_t{2}, false},
      Name("count"));
  ASSERT_TRUE(sl.ok());
  EXPECT_EQ(*sl->count(1), 3u);  // 1 == 1.0 == True
  EXPECT_EQ(*sl->count(true), 3u);
  EXPECT_EQ(*sl->count(0.0), 1u);  // False
  EXPECT_EQ(*sl->count("1"), 1u);  // 'a' != b'a'
  EXPECT_EQ(*sl->count(conc::None{}), 1u);
  EXPECT_EQ(*sl->count(99), 0u);
  EXPECT_EQ(*sl->index(2.0), 6u);
  EXPECT_EQ(*sl->index(conc::Bytes{"1"}), 4u);
  EXPECT_EQ(*sl->index(conc::None{}), 5u);
  absl::StatusOr<size_t> missing = sl->index("nope");
  EXPECT_TRUE(absl::IsInvalidArgument(missing.status()));
  EXPECT_THAT(missing.status().message(), HasSubstr("'nope' not in this container"));
  EXPECT_TRUE(sl->shm().unlink().ok());
}

TEST_F(ShareableListTest, AChildAttachesByNameAndTheParentSeesItsChanges) {
  absl::StatusOr<conc::ShareableList> sl =
      conc::ShareableList::Create({int64_t{1}, 2.5, "three"}, Name("child"));
  ASSERT_TRUE(sl.ok());
  conc::Process child(conc::process_function<edit_list>, sl->shm().name());
  ASSERT_TRUE(child.start().ok());
  ASSERT_TRUE(child.join(absl::Seconds(60)).ok());
  ASSERT_EQ(child.exitcode(), 0);
  EXPECT_THAT(*sl->items(),
              ElementsAre(Item(std::string("child")), Item(conc::None{}), Item(int64_t{-7})));
  EXPECT_EQ(*sl->format(), "8sxxxxxx?xq");
  EXPECT_TRUE(sl->shm().unlink().ok());
}

TEST_F(ShareableListTest, AttachErrors) {
  EXPECT_TRUE(absl::IsNotFound(conc::ShareableList::Attach(Name("missing")).status()));
  absl::StatusOr<conc::SharedMemory> raw = conc::SharedMemory::Create(Name("raw"), 64);
  ASSERT_TRUE(raw.ok());
  absl::StatusOr<conc::ShareableList> not_a_list = conc::ShareableList::Attach(Name("raw"));
  EXPECT_TRUE(absl::IsInvalidArgument(not_a_list.status())) << not_a_list.status();
  EXPECT_TRUE(raw->unlink().ok());
  absl::StatusOr<conc::ShareableList> a = conc::ShareableList::Create({int64_t{1}}, Name("dup"));
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(absl::IsAlreadyExists(conc::ShareableList::Create({int64_t{2}}, Name("dup")).status()));
  EXPECT_EQ(*a->get(0), Item(int64_t{1}));
  EXPECT_TRUE(a->shm().unlink().ok());
}

TEST_F(ShareableListTest, ACorruptSlotIsDataLossNotAStrayRead) {
  absl::StatusOr<conc::ShareableList> sl =
      conc::ShareableList::Create({"abc", int64_t{5}, "xyz"}, Name("corrupt"));
  ASSERT_TRUE(sl.ok());
  absl::StatusOr<conc::SharedMemory> raw = conc::SharedMemory::Attach(Name("corrupt"));
  ASSERT_TRUE(raw.ok());
  // Slot table entries are 32 bytes after a 32-byte header: {offset, capacity, length, tag}.
  const uint64_t bad_tag = 99, bad_length = 1 << 20;
  std::memcpy(raw->buf().data() + 32 + 24, &bad_tag, 8);
  std::memcpy(raw->buf().data() + 32 + 64 + 16, &bad_length, 8);
  EXPECT_TRUE(absl::IsDataLoss(sl->get(0).status())) << sl->get(0).status();
  EXPECT_EQ(*sl->get(1), Item(int64_t{5}));
  EXPECT_TRUE(absl::IsDataLoss(sl->get(2).status()));
  EXPECT_TRUE(absl::IsDataLoss(sl->format().status()));
  EXPECT_TRUE(sl->set(2, "ok").ok());  // A set rewrites tag and length.
  EXPECT_EQ(*sl->get(2), Item(std::string("ok")));
  EXPECT_TRUE(raw->unlink().ok());
}

TEST_F(ShareableListTest, AProcessRewritingTheSlotTableNeverSendsASetOutsideTheSegment) {
  // Another process owns the slot table as much as we do: between set()'s
  // check of a slot's offset and its write, the offset may change. A forked
  // child flips slot 0's offset between its true value and two bad ones (8
  // bytes before the end of the segment, and 1 TiB away) and scribbles on
  // slot 1's tag and length, while this process calls set() and get(). Every
  // call must be OK or a clear error, and nothing may land past the segment's
  // last byte: before the fix set() loaded the offset twice and wrote through
  // the second, unchecked copy (past the end, or SIGSEGV).
  const std::string item16 = "0123456789abcdef";  // 16 bytes: a 24-byte slot.
  absl::StatusOr<conc::ShareableList> sl =
      conc::ShareableList::Create({item16, int64_t{5}, int64_t{6}}, Name("race"));
  ASSERT_TRUE(sl.ok()) << sl.status();
  conc::SharedMemory::View view = sl->shm().buf();
  const size_t size = view.size();
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  ASSERT_NE(size % page, 0u);  // The rest of the last page is our guard area.
  std::byte* base = view.data();
  // Header 32 bytes, then {offset, capacity, length, tag} slots of 32 bytes.
  constexpr size_t kHeader = 32, kSlot = 32, kCount = 3;
  const size_t data_start = kHeader + kSlot * kCount;
  auto field = [&](size_t slot, size_t word) {
    return std::atomic_ref<uint64_t>(*reinterpret_cast<uint64_t*>(base + kHeader + kSlot * slot + 8 * word));
  };
  const uint64_t good_offset = field(0, 0).load();
  const uint64_t near_end = size - data_start - 8;     // A 16-byte write would pass the end by 8.
  const uint64_t far_away = uint64_t{1} << 40;         // Unmapped: SIGSEGV.

  // Shared with the child (MAP_SHARED survives fork): flips done, stop flag.
  void* shared = ::mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(shared, MAP_FAILED);
  auto* flips = new (shared) std::atomic<uint64_t>(0);
  auto* stop = new (static_cast<char*>(shared) + 64) std::atomic<bool>(false);
  const pid_t parent = ::getpid();
  conc::Process corruptor(conc::kForkMethod, [&] {
    // Should this test crash (as it did before the fix), do not spin on.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) return;
    for (uint64_t i = 0; !stop->load(std::memory_order_relaxed); ++i) {
      field(0, 0).store(good_offset, std::memory_order_relaxed);
      field(0, 0).store(i % 2 == 0 ? near_end : far_away, std::memory_order_relaxed);
      field(1, 2).store(i * 0x9e3779b97f4a7c15ULL, std::memory_order_relaxed);
      field(1, 3).store(i % 7, std::memory_order_relaxed);
      flips->fetch_add(1, std::memory_order_relaxed);
    }
  });
  ASSERT_TRUE(corruptor.start().ok());

  // Run until both sides did plenty (the old code crashed after a few
  // thousand racing sets), bounded by a wide deadline: a loaded 2-core VM
  // under TSan may run the child only now and then.
  const absl::Time deadline = absl::Now() + absl::Seconds(120);
  uint64_t calls = 0, ok = 0, errors = 0;
  while ((calls < 200000 || flips->load(std::memory_order_relaxed) < 200000) &&
         absl::Now() < deadline) {
    absl::Status set = sl->set(0, item16);
    if (set.ok()) {
      ++ok;
    } else {
      ASSERT_TRUE(absl::IsDataLoss(set)) << set;
      ++errors;
    }
    absl::StatusOr<Item> got = sl->get(calls % 2 == 0 ? 0 : 1);
    if (!got.ok()) {
      ASSERT_TRUE(absl::IsDataLoss(got.status())) << got.status();
    }
    absl::StatusOr<std::string> format = sl->format();
    if (!format.ok()) {
      ASSERT_TRUE(absl::IsDataLoss(format.status())) << format.status();
    }
    ++calls;
  }
  stop->store(true);
  ASSERT_TRUE(corruptor.join(absl::Seconds(60)).ok());
  EXPECT_EQ(corruptor.exitcode(), 0);
  EXPECT_GT(calls, 0u);
  EXPECT_GT(errors, 0u) << "the corruptor never raced a set()";
  // Nothing was written past the segment's end (the tail of its last page).
  for (size_t i = size; i < (size + page - 1) / page * page; ++i) {
    ASSERT_EQ(base[i], std::byte{0}) << "a write landed " << i - size << " bytes past the segment";
  }
  // The segment keeps its size, and with the table repaired the list works.
  field(0, 0).store(good_offset);
  field(1, 3).store(1);
  EXPECT_EQ(sl->shm().size(), size);
  EXPECT_TRUE(sl->set(0, item16).ok());
  EXPECT_EQ(*sl->get(0), Item(item16));
  ::munmap(shared, page);
  view = {};
  EXPECT_TRUE(sl->shm().unlink().ok());
}

TEST_F(ShareableListTest, UseAfterCloseIsFailedPrecondition) {
  absl::StatusOr<conc::ShareableList> sl = conc::ShareableList::Create({int64_t{1}}, Name("closed"));
  ASSERT_TRUE(sl.ok());
  EXPECT_TRUE(sl->shm().close().ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(sl->get(0).status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(sl->set(0, int64_t{2})));
  EXPECT_TRUE(absl::IsFailedPrecondition(sl->count(1).status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(sl->format().status()));
  EXPECT_EQ(sl->size(), 1u);
  EXPECT_TRUE(sl->shm().unlink().ok());
}

TEST(ItemReprTest, LooksLikePython) {
  EXPECT_EQ(conc::ItemRepr(0.1), "0.1");
  EXPECT_EQ(conc::ItemRepr(1.0), "1.0");
  EXPECT_EQ(conc::ItemRepr(1e300), "1e+300");
  EXPECT_EQ(conc::ItemRepr(false), "False");
  EXPECT_EQ(conc::ItemRepr("it's"), "\"it's\"");
  EXPECT_EQ(conc::ItemRepr("'\""), "'\\'\"'");
  EXPECT_EQ(conc::ItemRepr(conc::Bytes{"\xff"}), "b'\\xff'");
}

}  // namespace

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // In a spawned child: runs its function, exits.
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
