// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// release_guard.h: the `async with` of AsyncLock and AsyncSemaphore: a movable
// guard that calls `release()` on what it holds when it goes out of scope, once.
// Only `Owner` (the lock or semaphore) makes a holding guard; a default one
// holds nothing.

#ifndef MODULES_GENERATORS_INTERNAL_RELEASE_GUARD_H_
#define MODULES_GENERATORS_INTERNAL_RELEASE_GUARD_H_

#include <utility>

namespace conc::internal {

template <typename Owner>
class [[nodiscard]] ReleaseGuard {
 public:
  ReleaseGuard() = default;
  ReleaseGuard(ReleaseGuard&& o) noexcept : held_(std::exchange(o.held_, nullptr)) {}
  ReleaseGuard& operator=(ReleaseGuard&& o) noexcept {
    if (this != &o) {
      reset();
      held_ = std::exchange(o.held_, nullptr);
    }
    return *this;
  }
  ~ReleaseGuard() { reset(); }
  // Releases now (idempotent).
  void reset() {
    if (held_ != nullptr) (void)std::exchange(held_, nullptr)->release();
  }

 private:
  friend Owner;
  explicit ReleaseGuard(Owner* held) : held_(held) {}
  Owner* held_ = nullptr;
};

}  // namespace conc::internal

#endif  // MODULES_GENERATORS_INTERNAL_RELEASE_GUARD_H_
