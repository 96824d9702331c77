// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// The machinery behind `conc::Local<T>`.
//
// Each thread that touches a `Local` gets one `ThreadTable` (a C++
// `thread_local`): a vector of slots indexed by slot number, each holding a
// type-erased value and the function that destroys it. The `Registry` (one per
// process) hands out slot numbers and knows every live table, so that a
// `Local`'s destructor can remove its slot from every thread.
//
// Locks:
//   * `Registry::mu` guards the slot numbers and the set of tables.
//   * `ThreadTable::mu` guards that table's slots. Its owning thread takes it
//     on every access; another thread takes it only while destroying a
//     `Local`, with `Registry::mu` held.
//   Order: Registry::mu, then ThreadTable::mu. No lock is held while a value
//   is constructed or destroyed (a factory or destructor may use Locals).
//
// Races, and why they are harmless:
//   * A thread exits while a `Local` is destroyed: the table removes itself
//     from the registry under `Registry::mu`. Either the `Local`'s destructor
//     saw the table first (and took its slot under `ThreadTable::mu`, before
//     the exiting thread took the rest), or it did not (and the exiting thread
//     destroys the value itself). Each value is taken out of a table exactly
//     once, under that table's mutex, by whoever destroys it.

#include "modules/sync/local.h"

#include <algorithm>
#include <mutex>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "modules/common/internal/mutex.h"

namespace conc {
namespace local_internal {
namespace {

struct Slot {
  void* value = nullptr;
  Destroyer destroy = nullptr;
};

void DestroyAll(const std::vector<Slot>& slots) {
  for (const Slot& s : slots) {
    if (s.value != nullptr) s.destroy(s.value);
  }
}

struct ThreadTable;

struct Registry {
  internal::Mutex mu;
  std::vector<ThreadTable*> tables ABSL_GUARDED_BY(mu);
  std::vector<std::size_t> free_slots ABSL_GUARDED_BY(mu);
  std::size_t next_slot ABSL_GUARDED_BY(mu) = 0;
};

// Never destroyed: threads may exit, and Locals may be destroyed, during
// static destruction.
Registry& GetRegistry() {
  static Registry* const registry = new Registry;
  return *registry;
}

struct ThreadTable {
  internal::Mutex mu;
  std::vector<Slot> slots ABSL_GUARDED_BY(mu);

  ThreadTable() {
    Registry& r = GetRegistry();
    internal::MutexLock lock(r.mu);
    r.tables.push_back(this);
  }

  // Runs at thread exit. Destroying a value may make new ones (a destructor
  // that uses another Local), hence the loop.
  ~ThreadTable() {
    for (;;) {
      std::vector<Slot> taken;
      {
        internal::MutexLock lock(mu);
        taken.swap(slots);
      }
      const bool any = std::any_of(taken.begin(), taken.end(), [](const Slot& s) {
        return s.value != nullptr;
      });
      if (!any) break;
      DestroyAll(taken);
    }
    Registry& r = GetRegistry();
    internal::MutexLock lock(r.mu);
    r.tables.erase(std::find(r.tables.begin(), r.tables.end(), this));
  }
};

ThreadTable& CurrentTable() {
  thread_local ThreadTable table;
  return table;
}

}  // namespace

std::size_t AcquireSlot() {
  Registry& r = GetRegistry();
  internal::MutexLock lock(r.mu);
  if (!r.free_slots.empty()) {
    const std::size_t slot = r.free_slots.back();
    r.free_slots.pop_back();
    return slot;
  }
  return r.next_slot++;
}

void ReleaseSlot(std::size_t slot) {
  std::vector<Slot> taken;
  Registry& r = GetRegistry();
  {
    internal::MutexLock lock(r.mu);
    for (ThreadTable* table : r.tables) {
      internal::MutexLock table_lock(table->mu);
      if (slot < table->slots.size() && table->slots[slot].value != nullptr) {
        taken.push_back(table->slots[slot]);
        table->slots[slot] = Slot{};
      }
    }
  }
  // Outside the locks: a destructor may use (or destroy) other Locals. The
  // slot number is freed only after its values are gone, so a new Local can
  // never find a stale value.
  DestroyAll(taken);
  internal::MutexLock lock(r.mu);
  r.free_slots.push_back(slot);
}

void* Find(std::size_t slot) {
  ThreadTable& table = CurrentTable();
  internal::MutexLock lock(table.mu);
  return slot < table.slots.size() ? table.slots[slot].value : nullptr;
}

void* Install(std::size_t slot, void* value, Destroyer destroy) {
  ThreadTable& table = CurrentTable();
  {
    internal::MutexLock lock(table.mu);
    if (slot >= table.slots.size()) table.slots.resize(slot + 1);
    Slot& s = table.slots[slot];
    if (s.value == nullptr) {
      s = Slot{value, destroy};
      return value;
    }
  }
  // A recursive get() from the factory installed a value first: keep it.
  destroy(value);
  return Find(slot);
}

void Erase(std::size_t slot) {
  ThreadTable& table = CurrentTable();
  Slot taken;
  {
    internal::MutexLock lock(table.mu);
    if (slot < table.slots.size()) std::swap(taken, table.slots[slot]);
  }
  if (taken.value != nullptr) taken.destroy(taken.value);
}

}  // namespace local_internal
}  // namespace conc
