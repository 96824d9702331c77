// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/ipc/shared_memory_manager.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "modules/common/status.h"
#include "modules/ipc/internal/shm_watcher.h"

namespace conc {

SharedMemoryManager::SharedMemoryManager() : SharedMemoryManager(SharedMemoryManagerOptions{}) {}

SharedMemoryManager::SharedMemoryManager(SharedMemoryManagerOptions options)
    : options_(std::move(options)) {}

SharedMemoryManager::~SharedMemoryManager() { (void)shutdown(); }

absl::Status SharedMemoryManager::start() {
  internal::MutexLock lock(mu_);
  if (state_ != State::kInitial) {
    return MisuseError(state_ == State::kStarted ? "SharedMemoryManager: already started"
                                                 : "SharedMemoryManager: already shut down");
  }
  // The prefix must leave room for the 16 random digits within NAME_MAX.
  if (absl::Status s = conc::SharedMemory::ValidateName(absl::StrCat(options_.name_prefix, "x"));
      !s.ok() || options_.name_prefix.size() + 16 > conc::SharedMemory::kMaxNameLength ||
      (!options_.name_prefix.empty() && options_.name_prefix.front() == '/')) {
    return ValueError(absl::StrCat("SharedMemoryManager: bad name_prefix '", options_.name_prefix, "'"));
  }
  absl::StatusOr<std::unique_ptr<internal::ShmWatcher>> watcher = internal::ShmWatcher::Start();
  if (!watcher.ok()) return watcher.status();
  watcher_ = std::move(*watcher);
  state_ = State::kStarted;
  return absl::OkStatus();
}

absl::StatusOr<conc::SharedMemory> SharedMemoryManager::CreateTracked(int64_t size) {
  if (size <= 0) {
    return ValueError(absl::StrCat("SharedMemoryManager: 'size' must be a positive number, not ", size));
  }
  internal::MutexLock lock(mu_);
  if (state_ != State::kStarted) {
    return MisuseError(state_ == State::kInitial ? "SharedMemoryManager: not started"
                                                 : "SharedMemoryManager: shut down");
  }
  for (int attempt = 0;; ++attempt) {
    std::string name = conc::SharedMemory::UniqueName(options_.name_prefix);
    // Tracked before it exists: see "Race-freedom" in the header.
    if (absl::Status s = watcher_->Track(name); !s.ok()) return s;
    // Untracked by the process's tracker: the manager's watcher owns it.
    absl::StatusOr<conc::SharedMemory> shm = conc::SharedMemory::Create(name, size, /*track=*/false);
    if (shm.ok()) {
      names_.push_back(name);
      return shm;
    }
    // Not ours (a collision) or not made: the watcher must not unlink it.
    (void)watcher_->Untrack(name);
    if (!absl::IsAlreadyExists(shm.status()) || attempt >= 16) return shm.status();
  }
}

absl::StatusOr<conc::SharedMemory> SharedMemoryManager::SharedMemory(int64_t size) {
  return CreateTracked(size);
}

absl::StatusOr<conc::ShareableList> SharedMemoryManager::ShareableList(
    std::span<const ShareableItem> items) {
  absl::StatusOr<int64_t> need = conc::ShareableList::StorageSize(items);
  if (!need.ok()) return need.status();
  absl::StatusOr<conc::SharedMemory> shm = CreateTracked(*need);
  if (!shm.ok()) return shm.status();
  return conc::ShareableList::Format(std::move(*shm), items);
}

std::vector<std::string> SharedMemoryManager::segment_names() const {
  internal::MutexLock lock(mu_);
  return names_;
}

absl::Status SharedMemoryManager::shutdown() {
  internal::MutexLock lock(mu_);
  if (state_ != State::kStarted) return absl::OkStatus();
  state_ = State::kShutDown;
  absl::Status s = watcher_->Stop(absl::Seconds(10));
  watcher_.reset();
  return s;
}

}  // namespace conc
