// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/common/internal/shared_region.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fcntl.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "modules/common/status.h"

namespace conc::internal {
namespace {

size_t RoundUpToPages(size_t size) {
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  return (size + page - 1) / page * page;
}

absl::StatusOr<std::byte*> Map(int fd, size_t size) {
  void* addr = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (addr == MAP_FAILED) return ErrnoToStatus(errno, "mmap shared region");
  return static_cast<std::byte*>(addr);
}

}  // namespace

absl::StatusOr<std::shared_ptr<SharedRegion>> SharedRegion::Create(size_t size,
                                                                   const char* debug_name) {
  if (size == 0) return absl::InvalidArgumentError("shared region of 0 bytes");
  const size_t bytes = RoundUpToPages(size);
  FileDescriptor fd(::memfd_create(debug_name, MFD_CLOEXEC));
  if (!fd.valid()) return ErrnoToStatus(errno, "memfd_create");
  if (::ftruncate(fd.get(), static_cast<off_t>(bytes)) != 0) {
    return ErrnoToStatus(errno, "ftruncate shared region");
  }
  absl::StatusOr<std::byte*> data = Map(fd.get(), bytes);
  if (!data.ok()) return data.status();
  return std::shared_ptr<SharedRegion>(new SharedRegion(std::move(fd), *data, bytes));
}

absl::StatusOr<std::shared_ptr<SharedRegion>> SharedRegion::Attach(SharedRegionHandle handle,
                                                                   size_t min_size) {
  if (handle.fd < 0 || ::fcntl(handle.fd, F_GETFD) < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("shared region handle: descriptor ", handle.fd, " is not open"));
  }
  FileDescriptor fd(::fcntl(handle.fd, F_DUPFD_CLOEXEC, 0));
  if (!fd.valid()) return ErrnoToStatus(errno, "dup shared region");
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoToStatus(errno, "fstat shared region");
  const size_t bytes = static_cast<size_t>(st.st_size);
  if (bytes < min_size || bytes == 0) {
    return absl::InvalidArgumentError(absl::StrCat("shared region handle: descriptor ", handle.fd,
                                                   " holds ", bytes, " bytes, expected at least ",
                                                   min_size));
  }
  absl::StatusOr<std::byte*> data = Map(fd.get(), bytes);
  if (!data.ok()) return data.status();
  return std::shared_ptr<SharedRegion>(new SharedRegion(std::move(fd), *data, bytes));
}

SharedRegion::~SharedRegion() { ::munmap(data_, size_); }

}  // namespace conc::internal
