// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// shareable_list.h: conc::ShareableList, Python's
// `multiprocessing.shared_memory.ShareableList`: a fixed-length list of
// int, float, bool, str, bytes and None items stored in a SharedMemory
// segment, readable and writable by every process that attaches by name.
//
//   Python                                          C++
//   sl = ShareableList([1, 2.5, True, "hi", b"\0", None])
//                                                   auto sl = conc::ShareableList::Create(
//                                                       {int64_t{1}, 2.5, true, "hi", conc::Bytes{"\0"}, conc::None{}});
//   sl = ShareableList(name="blk")                  auto sl = conc::ShareableList::Attach("blk");
//   sl[0]; sl[-1]                                   sl->get(0); (*sl)[-1]   // StatusOr<ShareableItem>
//   sl[3] = "hello"                                 auto s = sl->set(3, "hello");
//   len(sl), sl.count(2), sl.index("hi")            sl->size(), sl->count(2), sl->index("hi")
//   sl.format, sl.shm.name                          sl->format(), sl->shm().name()
//
// Items: `ShareableItem` is a std::variant of None (std::monostate), int64_t,
// double, bool, std::string (Python str; stored as its bytes, UTF-8 expected)
// and conc::Bytes (Python bytes).
//
// Slots (the exact rule, which is Python's): the length and every slot's
// capacity are fixed at creation. An int, float, bool or None takes an 8-byte
// slot; a str or bytes of n bytes takes 8 * (n / 8 + 1) bytes (so "abc" gets 8,
// an 8-byte string 16). Any item may later be replaced by any item of any type
// whose encoded size fits the slot: every slot fits a number, a bool or None,
// and a str/bytes fits if its byte length <= the slot's capacity; otherwise
// set() is InvalidArgument (ValueError "exceeds available storage") and the
// old item stays. Limits: at most 2^32 items and 2^40 bytes of item data;
// str items are not checked for valid UTF-8.
//
// Indices follow Python: 0..size-1 from the front, -1..-size from the end.
// Anything else is OutOfRange (IndexError), for negative indices too: CPython
// (through 3.13) reads whatever lies before the list for an index below -size;
// this returns an error instead.
//
// Where it differs from Python:
//   * Trailing NUL bytes survive: each slot records its length, where CPython
//     strips b"\0" from the end of str/bytes items when reading them back.
//   * The layout is conc's own (a header with a magic number, a slot table,
//     then the data), so a CPython process cannot attach to it, nor the other
//     way round. Attach checks the header and refuses (InvalidArgument) a
//     segment that is not a ShareableList instead of returning garbage; a slot
//     whose type or length was torn by unsynchronized writers reads as DataLoss.
//   * Python's `sl.count`/`sl.index` compare with ==, so 1 == 1.0 == True:
//     count and index here do the same (numbers compare by value, str never
//     equals bytes, None equals only None).
//
// Thread-safety and processes: like Python's, a ShareableList is not
// synchronized. One item is read or written with plain memory copies; readers
// racing a writer of the same item may see the old or the new value, or a
// DataLoss, but never memory outside that item's slot. Guard concurrent
// writers with an mp::Lock. The slot table itself is untrusted: another
// process may rewrite it at any moment, so get(), set() and format() load
// each field of a slot once, check that copy against the segment's size and
// use only the copy; a garbled slot is DataLoss, never an access outside the
// segment. After shm().close() every access is
// FailedPrecondition.
//
// Example:
//
//   auto sl = conc::ShareableList::Create({int64_t{1}, "two", conc::None{}});
//   if (!sl.ok()) return sl.status();
//   // A child: auto mine = conc::ShareableList::Attach(name); (void)mine->set(0, 42.5);
//   absl::StatusOr<conc::ShareableItem> first = (*sl)[0];  // 42.5 after the child ran
//   (void)sl->shm().close();
//   return sl->shm().unlink();

#ifndef MODULES_IPC_SHAREABLE_LIST_H_
#define MODULES_IPC_SHAREABLE_LIST_H_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "modules/ipc/shared_memory.h"

namespace conc {

// Python's None.
using None = std::monostate;

// Python's bytes, distinct from str (std::string).
struct Bytes {
  std::string value;
  friend bool operator==(const Bytes&, const Bytes&) = default;
};

// One item of a ShareableList.
using ShareableItem = std::variant<None, int64_t, double, bool, std::string, Bytes>;

// Python's repr() of an item: 42, 2.5, True, 'hi', b'\x00', None.
std::string ItemRepr(const ShareableItem& item);

// Python's == between two items (1 == 1.0 == True; 'a' != b'a').
bool ItemsEqual(const ShareableItem& a, const ShareableItem& b);

class ShareableList {
 public:
  // Creates the list in a new segment named `name` (empty: a generated name).
  // The segment is tracked (SharedMemory's default, see "Tracking" in
  // shared_memory.h): it is unlinked when this process ends unless unlinked
  // before. For a list that must outlive its creator, Format a
  // SharedMemory::Create(name, *StorageSize(items), /*track=*/false).
  // Errors are SharedMemory::Create's; InvalidArgument beyond the limits above.
  [[nodiscard]] static absl::StatusOr<ShareableList> Create(std::span<const ShareableItem> items,
                                                            std::string_view name = "");
  [[nodiscard]] static absl::StatusOr<ShareableList> Create(
      std::initializer_list<ShareableItem> items, std::string_view name = "") {
    return Create(std::span<const ShareableItem>(items.begin(), items.size()), name);
  }

  // Attaches to the list in segment `name`: SharedMemory::Attach's errors, or
  // InvalidArgument if the segment does not hold a ShareableList.
  [[nodiscard]] static absl::StatusOr<ShareableList> Attach(std::string_view name);

  // Lays a new list out in `shm` (which must be freshly created, zero-filled,
  // and at least StorageSize(items) bytes). Used by SharedMemoryManager.
  [[nodiscard]] static absl::StatusOr<ShareableList> Format(SharedMemory shm,
                                                            std::span<const ShareableItem> items);
  // The segment size a list of these items needs; InvalidArgument beyond the limits.
  [[nodiscard]] static absl::StatusOr<int64_t> StorageSize(std::span<const ShareableItem> items);

  ShareableList(ShareableList&&) noexcept = default;
  ShareableList& operator=(ShareableList&&) noexcept = default;

  // len(sl): fixed at creation.
  [[nodiscard]] size_t size() const { return count_; }

  // sl[index]. OutOfRange if index is not in [-size, size); FailedPrecondition
  // once shm() is closed; DataLoss if the slot was torn by racing writers.
  [[nodiscard]] absl::StatusOr<ShareableItem> get(int64_t index) const;
  [[nodiscard]] absl::StatusOr<ShareableItem> operator[](int64_t index) const { return get(index); }

  // sl[index] = value. OutOfRange / FailedPrecondition as get; InvalidArgument
  // if a str/bytes value is longer than the slot (the item is unchanged).
  [[nodiscard]] absl::Status set(int64_t index, ShareableItem value);

  // sl.count(value): how many items == value.
  [[nodiscard]] absl::StatusOr<size_t> count(const ShareableItem& value) const;

  // sl.index(value): the first position of an item == value; InvalidArgument
  // (ValueError "not in this container") if there is none.
  [[nodiscard]] absl::StatusOr<size_t> index(const ShareableItem& value) const;

  // list(sl): every item, in order.
  [[nodiscard]] absl::StatusOr<std::vector<ShareableItem>> items() const;

  // sl.format: the struct-module format Python would use for the current
  // items, e.g. "q8sdxxxxxxx?" ('q' int, 'd' float, 'xxxxxxx?' bool,
  // 'xxxxxx?x' None, '<capacity>s' str and bytes).
  [[nodiscard]] absl::StatusOr<std::string> format() const;

  // sl.shm: the segment (close and unlink it through this).
  [[nodiscard]] SharedMemory& shm() { return shm_; }
  [[nodiscard]] const SharedMemory& shm() const { return shm_; }

 private:
  explicit ShareableList(SharedMemory shm, size_t count) : shm_(std::move(shm)), count_(count) {}

  // The byte offset of slot `i`'s table entry, after bounds and closed checks.
  absl::StatusOr<size_t> Resolve(int64_t index, const char* op) const;

  SharedMemory shm_;
  size_t count_ = 0;
};

}  // namespace conc

#endif  // MODULES_IPC_SHAREABLE_LIST_H_
