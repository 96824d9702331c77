// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// internal/shared_region.h: a block of anonymous shared memory (a memfd mapped
// MAP_SHARED) that a forked child inherits and a spawned child maps again from
// the descriptor it was passed. The storage under the process-shared
// primitives (mp::Lock, mp::Event, ..., Value, Array) of modules/ipc.
//
// Why a memfd and not shm_open: it has no name, so nothing can be left behind
// in /dev/shm when a process crashes; the memory is freed when the last
// descriptor and mapping are gone. (Named segments are SharedMemory's job.)
//
// Crossing a process boundary:
//
//   fork     the child inherits the mapping: use the same objects.
//   spawn    the parent passes `fds_to_pass()` in ProcessOptions::pass_fds and
//            `handle()` as a process argument; the child calls
//            `SharedRegion::Attach(handle)`, which maps the same pages.
//
// Example:
//
//   absl::StatusOr<std::shared_ptr<SharedRegion>> r = SharedRegion::Create(sizeof(State), "conc-x");
//   if (!r.ok()) return r.status();
//   auto* state = new ((*r)->data()) State;  // construct before sharing it
//
// Thread-safety: the object is immutable after creation; what is stored in the
// region is the caller's business (use atomics and process-shared locks).

#ifndef MODULES_COMMON_INTERNAL_SHARED_REGION_H_
#define MODULES_COMMON_INTERNAL_SHARED_REGION_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "modules/common/codec.h"
#include "modules/common/fd.h"

namespace conc::internal {

// What a spawned child needs to map a region: the number of the memfd it
// received through ProcessOptions::pass_fds. Encodable, so it can be a process
// argument.
struct SharedRegionHandle {
  int fd = -1;
  CONC_CODEC_FIELDS(fd);
};

class SharedRegion {
 public:
  // Creates a zero-filled region of `size` bytes (rounded up to whole pages)
  // named `debug_name` in /proc/<pid>/maps. InvalidArgument for a size of 0;
  // the errno's status if memfd_create, ftruncate or mmap fail.
  [[nodiscard]] static absl::StatusOr<std::shared_ptr<SharedRegion>> Create(
      size_t size, const char* debug_name);

  // Maps the region of `handle.fd` (duplicated: the caller keeps its own
  // descriptor). The size is the memfd's. InvalidArgument if the descriptor is
  // not open or the region is smaller than `min_size`; the errno's status if
  // dup, fstat or mmap fail.
  [[nodiscard]] static absl::StatusOr<std::shared_ptr<SharedRegion>> Attach(
      SharedRegionHandle handle, size_t min_size = 1);

  SharedRegion(const SharedRegion&) = delete;
  SharedRegion& operator=(const SharedRegion&) = delete;
  ~SharedRegion();  // Unmaps; the memory lives on while others map it.

  std::byte* data() const { return data_; }
  size_t size() const { return size_; }

  // For spawning: pass fds_to_pass() with ProcessOptions::pass_fds and
  // handle() as an argument.
  SharedRegionHandle handle() const { return {fd_.get()}; }
  std::vector<int> fds_to_pass() const { return {fd_.get()}; }

 private:
  SharedRegion(FileDescriptor fd, std::byte* data, size_t size)
      : fd_(std::move(fd)), data_(data), size_(size) {}

  FileDescriptor fd_;
  std::byte* data_;
  size_t size_;
};

}  // namespace conc::internal

#endif  // MODULES_COMMON_INTERNAL_SHARED_REGION_H_
