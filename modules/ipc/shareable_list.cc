// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/ipc/shareable_list.h"

#include <atomic>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "modules/common/status.h"

namespace conc {
namespace {

// The layout of the segment (all fields native-endian uint64):
//
//   [0, 32)                 Header {magic, count, reserved, reserved}
//   [32, 32 + 32 * count)   Slot {offset, capacity, length, tag} per item;
//                           offset is from the start of the data area
//   [32 + 32 * count, ...)  the data area: each item at its slot's offset,
//                           8-byte aligned, `capacity` bytes
//
// Slot offsets and capacities never change after creation; tag and length
// change with set(). But any process that maps the segment can write any of
// them at any time, so every field is loaded from shared memory exactly once
// (an atomic load into a local), checked against the segment's size, and only
// the checked copy is used: a corrupt or torn slot is an error, never an
// access outside the segment, and a slot rewritten between the check and the
// use cannot redirect it.
constexpr uint64_t kMagic = 0x314c53434e4f43ULL;  // "CONCSL1" little-endian.
constexpr size_t kHeaderSize = 32;
constexpr size_t kSlotSize = 32;
constexpr uint64_t kMaxItems = uint64_t{1} << 32;
constexpr uint64_t kMaxData = uint64_t{1} << 40;

enum Tag : uint64_t { kNone = 0, kInt = 1, kFloat = 2, kBool = 3, kStr = 4, kBytes = 5 };

struct Slot {
  uint64_t offset;
  uint64_t capacity;
  uint64_t length;  // str/bytes only.
  uint64_t tag;
};

// One load of a metadata word another process may be writing (8-byte
// aligned: the mapping is page-aligned and every field is at a multiple of 8).
uint64_t Load(const std::byte* p, std::memory_order order = std::memory_order_relaxed) {
  return std::atomic_ref<uint64_t>(*reinterpret_cast<uint64_t*>(const_cast<std::byte*>(p))).load(order);
}

void Store(std::byte* p, uint64_t v, std::memory_order order = std::memory_order_relaxed) {
  std::atomic_ref<uint64_t>(*reinterpret_cast<uint64_t*>(p)).store(v, order);
}

size_t DataStart(size_t count) { return kHeaderSize + kSlotSize * count; }

// The slot an item needs at creation: Python's rule (see the header).
uint64_t CapacityFor(const ShareableItem& item) {
  if (const auto* s = std::get_if<std::string>(&item)) return 8 * (s->size() / 8 + 1);
  if (const auto* b = std::get_if<Bytes>(&item)) return 8 * (b->value.size() / 8 + 1);
  return 8;
}

Tag TagOf(const ShareableItem& item) {
  switch (item.index()) {
    case 0: return kNone;
    case 1: return kInt;
    case 2: return kFloat;
    case 3: return kBool;
    case 4: return kStr;
    default: return kBytes;
  }
}

std::string_view BytesOf(const ShareableItem& item) {
  if (const auto* s = std::get_if<std::string>(&item)) return *s;
  if (const auto* b = std::get_if<Bytes>(&item)) return b->value;
  return {};
}

// A slot table entry as loaded once from shared memory.
struct SlotCopy {
  uint64_t offset, capacity, length, tag;
};

// Loads slot `slot_pos`'s fields, each once; the tag first with acquire, so
// that length (and the data) are at least as new as the tag (WriteItem stores
// the tag last, with release).
SlotCopy LoadSlot(const std::byte* base, size_t slot_pos) {
  const std::byte* slot = base + slot_pos;
  SlotCopy c;
  c.tag = Load(slot + 24, std::memory_order_acquire);
  c.length = Load(slot + 16);
  c.offset = Load(slot + 0);
  c.capacity = Load(slot + 8);
  return c;
}

// Whether the copy's data range [data_start + offset, + capacity) lies inside
// a segment of `size` bytes (no sums that could wrap) and holds at least a number.
bool SlotFits(const SlotCopy& c, size_t data_start, size_t size) {
  return c.capacity >= 8 && data_start <= size && c.offset <= size - data_start &&
         c.capacity <= size - data_start - c.offset;
}

// Writes `item` at `data` (the checked start of its slot's data, which the
// caller checked has room), then the slot's length and tag, the tag last with
// release, so that a reader that sees the new tag sees the new bytes.
void WriteItem(std::byte* slot, std::byte* data, const ShareableItem& item) {
  uint64_t length = 0;
  switch (TagOf(item)) {
    case kNone:
      break;
    case kInt: {
      int64_t v = std::get<int64_t>(item);
      std::memcpy(data, &v, sizeof v);
      break;
    }
    case kFloat: {
      double v = std::get<double>(item);
      std::memcpy(data, &v, sizeof v);
      break;
    }
    case kBool:
      data[0] = std::byte{std::get<bool>(item) ? uint8_t{1} : uint8_t{0}};
      break;
    case kStr:
    case kBytes: {
      std::string_view bytes = BytesOf(item);
      if (!bytes.empty()) std::memcpy(data, bytes.data(), bytes.size());
      length = bytes.size();
      break;
    }
  }
  Store(slot + 16, length);
  Store(slot + 24, TagOf(item), std::memory_order_release);
}

// Python's repr of a float: the shortest form that reads back the same.
std::string FloatRepr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s = buf;
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

std::string QuotedRepr(std::string_view text, bool bytes) {
  // Python quotes with ' unless the text has a ' and no ".
  const char quote =
      text.find('\'') != std::string_view::npos && text.find('"') == std::string_view::npos ? '"'
                                                                                         : '\'';
  std::string out = bytes ? "b" : "";
  out += quote;
  for (unsigned char c : text) {
    if (c == static_cast<unsigned char>(quote) || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f || (bytes && c >= 0x80)) {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += quote;
  return out;
}

// The numeric value of a number or bool, for Python's 1 == 1.0 == True.
std::optional<double> NumberOf(const ShareableItem& item) {
  if (const auto* i = std::get_if<int64_t>(&item)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&item)) return *d;
  if (const auto* b = std::get_if<bool>(&item)) return *b ? 1.0 : 0.0;
  return std::nullopt;
}

std::optional<int64_t> IntegerOf(const ShareableItem& item) {
  if (const auto* i = std::get_if<int64_t>(&item)) return *i;
  if (const auto* b = std::get_if<bool>(&item)) return *b ? 1 : 0;
  return std::nullopt;
}

}  // namespace

std::string ItemRepr(const ShareableItem& item) {
  switch (TagOf(item)) {
    case kNone: return "None";
    case kInt: return absl::StrCat(std::get<int64_t>(item));
    case kFloat: return FloatRepr(std::get<double>(item));
    case kBool: return std::get<bool>(item) ? "True" : "False";
    case kStr: return QuotedRepr(std::get<std::string>(item), false);
    case kBytes: return QuotedRepr(std::get<Bytes>(item).value, true);
  }
  return "?";
}

bool ItemsEqual(const ShareableItem& a, const ShareableItem& b) {
  // Two integers (or bools) compare exactly; a float involved compares as
  // Python does for these magnitudes, by value.
  if (auto ia = IntegerOf(a), ib = IntegerOf(b); ia && ib) return *ia == *ib;
  if (auto na = NumberOf(a), nb = NumberOf(b); na && nb) return *na == *nb;
  return a == b;  // Same alternative and equal value; None == None.
}

absl::StatusOr<int64_t> ShareableList::StorageSize(std::span<const ShareableItem> items) {
  if (items.size() >= kMaxItems) {
    return ValueError(absl::StrCat("ShareableList: ", items.size(), " items; the limit is ", kMaxItems - 1));
  }
  uint64_t data = 0;
  for (const ShareableItem& item : items) {
    data += CapacityFor(item);
    if (data > kMaxData) {
      return ValueError(absl::StrCat("ShareableList: more than ", kMaxData, " bytes of items"));
    }
  }
  return static_cast<int64_t>(DataStart(items.size()) + data);
}

absl::StatusOr<ShareableList> ShareableList::Format(SharedMemory shm,
                                                    std::span<const ShareableItem> items) {
  absl::StatusOr<int64_t> need = StorageSize(items);
  if (!need.ok()) return need.status();
  if (shm.closed()) return MisuseError("ShareableList: the segment is closed");
  if (shm.size() < static_cast<size_t>(*need)) {
    return ValueError(absl::StrCat("ShareableList: the segment has ", shm.size(), " bytes; ", *need,
                                   " are needed"));
  }
  SharedMemory::View view = shm.buf();
  std::byte* base = view.data();
  const size_t data_start = DataStart(items.size());
  uint64_t offset = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    std::byte* slot = base + kHeaderSize + kSlotSize * i;
    const uint64_t capacity = CapacityFor(items[i]);
    Store(slot + 0, offset);
    Store(slot + 8, capacity);
    // Our own locals, not re-read from the segment: an attacher could
    // already be scribbling on it (the size was checked above).
    WriteItem(slot, base + data_start + offset, items[i]);
    offset += capacity;
  }
  Store(base + 8, items.size());
  // Last: an attacher that sees it sees a complete table.
  Store(base + 0, kMagic, std::memory_order_release);
  return ShareableList(std::move(shm), items.size());
}

absl::StatusOr<ShareableList> ShareableList::Create(std::span<const ShareableItem> items,
                                                    std::string_view name) {
  absl::StatusOr<int64_t> need = StorageSize(items);
  if (!need.ok()) return need.status();
  absl::StatusOr<SharedMemory> shm = SharedMemory::Create(name, *need);
  if (!shm.ok()) return shm.status();
  absl::StatusOr<ShareableList> list = Format(std::move(*shm), items);
  if (!list.ok()) return list.status();  // Not reached: sizes were checked above.
  return list;
}

absl::StatusOr<ShareableList> ShareableList::Attach(std::string_view name) {
  absl::StatusOr<SharedMemory> shm = SharedMemory::Attach(name);
  if (!shm.ok()) return shm.status();
  SharedMemory::View view = shm->buf();
  const std::byte* base = view.data();
  const size_t size = view.size();
  auto not_a_list = [&](const std::string& why) {
    return ValueError(absl::StrCat("ShareableList: segment '", shm->name(),
                                   "' does not hold a ShareableList (", why, ")"));
  };
  if (size < kHeaderSize || Load(base, std::memory_order_acquire) != kMagic) {
    return not_a_list("no header");
  }
  // Loaded once and kept: the list's length is this copy, never re-read.
  const uint64_t count = Load(base + 8);
  if (count >= kMaxItems || DataStart(count) > size) return not_a_list("bad length");
  const size_t data_start = DataStart(count);
  for (uint64_t i = 0; i < count; ++i) {
    // A first sanity check only: get() and set() check each slot again.
    if (!SlotFits(LoadSlot(base, kHeaderSize + kSlotSize * i), data_start, size)) {
      return not_a_list(absl::StrCat("bad slot ", i));
    }
  }
  view = {};
  return ShareableList(std::move(*shm), count);
}

absl::StatusOr<size_t> ShareableList::Resolve(int64_t index, const char* op) const {
  if (shm_.closed()) return MisuseError(absl::StrCat("ShareableList ", op, ": the segment is closed"));
  const int64_t n = static_cast<int64_t>(count_);
  const int64_t i = index < 0 ? index + n : index;
  if (i < 0 || i >= n) {
    return absl::OutOfRangeError(
        absl::StrCat("ShareableList ", op, ": index ", index, " out of range for length ", n));
  }
  return kHeaderSize + kSlotSize * static_cast<size_t>(i);
}

absl::StatusOr<ShareableItem> ShareableList::get(int64_t index) const {
  absl::StatusOr<size_t> pos = Resolve(index, "get");
  if (!pos.ok()) return pos.status();
  // Held for the call: a close() from another thread is refused meanwhile.
  const SharedMemory::View view = shm_.buf();
  const std::byte* base = view.data();
  const size_t size = view.size();
  const SlotCopy c = LoadSlot(base, *pos);
  const size_t data_start = DataStart(count_);
  if (!SlotFits(c, data_start, size) || c.tag > kBytes || c.length > c.capacity) {
    return DataLossError(absl::StrCat("ShareableList get: slot ", index, " is corrupt"));
  }
  const std::byte* data = base + data_start + c.offset;
  const uint64_t length = c.length;
  switch (static_cast<Tag>(c.tag)) {
    case kNone: return ShareableItem(None{});
    case kInt: {
      int64_t v;
      std::memcpy(&v, data, sizeof v);
      return ShareableItem(v);
    }
    case kFloat: {
      double v;
      std::memcpy(&v, data, sizeof v);
      return ShareableItem(v);
    }
    case kBool: return ShareableItem(data[0] != std::byte{0});
    case kStr: return ShareableItem(std::string(reinterpret_cast<const char*>(data), length));
    case kBytes: return ShareableItem(Bytes{std::string(reinterpret_cast<const char*>(data), length)});
  }
  return DataLossError("ShareableList get: unknown item type");
}

absl::Status ShareableList::set(int64_t index, ShareableItem value) {
  absl::StatusOr<size_t> pos = Resolve(index, "set");
  if (!pos.ok()) return pos.status();
  const SharedMemory::View view = shm_.buf();
  std::byte* base = view.data();
  const size_t size = view.size();
  const SlotCopy c = LoadSlot(base, *pos);
  const size_t data_start = DataStart(count_);
  if (!SlotFits(c, data_start, size)) {
    return DataLossError(absl::StrCat("ShareableList set: slot ", index, " is corrupt"));
  }
  const size_t need = BytesOf(value).size();
  if (need > c.capacity) {
    return ValueError(absl::StrCat("ShareableList set: a ", need, "-byte ",
                                   TagOf(value) == kStr ? "str" : "bytes", " item exceeds the ",
                                   c.capacity, " bytes available at index ", index));
  }
  // The checked copy of the offset, never a second load.
  WriteItem(base + *pos, base + data_start + c.offset, value);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ShareableItem>> ShareableList::items() const {
  std::vector<ShareableItem> out;
  out.reserve(count_);
  for (size_t i = 0; i < count_; ++i) {
    absl::StatusOr<ShareableItem> item = get(static_cast<int64_t>(i));
    if (!item.ok()) return item.status();
    out.push_back(std::move(*item));
  }
  return out;
}

absl::StatusOr<size_t> ShareableList::count(const ShareableItem& value) const {
  absl::StatusOr<std::vector<ShareableItem>> all = items();
  if (!all.ok()) return all.status();
  size_t n = 0;
  for (const ShareableItem& item : *all) n += ItemsEqual(item, value) ? 1 : 0;
  return n;
}

absl::StatusOr<size_t> ShareableList::index(const ShareableItem& value) const {
  for (size_t i = 0; i < count_; ++i) {
    absl::StatusOr<ShareableItem> item = get(static_cast<int64_t>(i));
    if (!item.ok()) return item.status();
    if (ItemsEqual(*item, value)) return i;
  }
  return ValueError(absl::StrCat("ShareableList index: ", ItemRepr(value), " not in this container"));
}

absl::StatusOr<std::string> ShareableList::format() const {
  if (shm_.closed()) return MisuseError("ShareableList format: the segment is closed");
  const SharedMemory::View view = shm_.buf();
  const size_t data_start = DataStart(count_);
  std::string out;
  for (size_t i = 0; i < count_; ++i) {
    const SlotCopy c = LoadSlot(view.data(), kHeaderSize + kSlotSize * i);
    if (!SlotFits(c, data_start, view.size())) {
      return DataLossError(absl::StrCat("ShareableList format: slot ", i, " is corrupt"));
    }
    switch (c.tag) {
      case kNone: out += "xxxxxx?x"; break;
      case kInt: out += "q"; break;
      case kFloat: out += "d"; break;
      case kBool: out += "xxxxxxx?"; break;
      case kStr:
      case kBytes: absl::StrAppend(&out, c.capacity, "s"); break;
      default: return DataLossError(absl::StrCat("ShareableList format: slot ", i, " is corrupt"));
    }
  }
  return out;
}

}  // namespace conc
