// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/ipc/internal/pipe_shared_page.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <new>

#include "absl/strings/str_cat.h"
#include "modules/common/status.h"

namespace conc::internal {
namespace {

constexpr uint64_t kMagic = 0x636f6e6370697065;  // "concpipe"
constexpr size_t kPageBytes = (sizeof(PipeSharedLayout) + 4095) / 4096 * 4096;

absl::StatusOr<PipeSharedLayout*> Map(int fd) {
  void* addr = ::mmap(nullptr, kPageBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (addr == MAP_FAILED) return ErrnoToStatus(errno, "mmap pipe page");
  return static_cast<PipeSharedLayout*>(addr);
}

}  // namespace

absl::StatusOr<std::shared_ptr<PipeSharedPage>> PipeSharedPage::Create() {
  FileDescriptor memfd(::memfd_create("conc-pipe", MFD_CLOEXEC));
  if (!memfd.valid()) return ErrnoToStatus(errno, "memfd_create");
  if (::ftruncate(memfd.get(), kPageBytes) != 0) return ErrnoToStatus(errno, "ftruncate");
  absl::StatusOr<PipeSharedLayout*> layout = Map(memfd.get());
  if (!layout.ok()) return layout.status();
  PipeSharedLayout* page = new (*layout) PipeSharedLayout;
  std::shared_ptr<PipeSharedPage> result(new PipeSharedPage(std::move(memfd), page));
  for (DirectionState& d : page->direction) {
    if (absl::Status s = d.write_lock.Init(); !s.ok()) return s;
    if (absl::Status s = d.read_lock.Init(); !s.ok()) return s;
  }
  page->magic = kMagic;
  return result;
}

absl::StatusOr<std::shared_ptr<PipeSharedPage>> PipeSharedPage::Attach(int fd) {
  FileDescriptor memfd(fd);
  struct stat st;
  if (::fstat(memfd.get(), &st) != 0) return ErrnoToStatus(errno, "fstat pipe page");
  if (static_cast<size_t>(st.st_size) != kPageBytes) {
    return ValueError(absl::StrCat("descriptor ", fd, " is not a conc pipe page (size ",
                                   st.st_size, ")"));
  }
  absl::StatusOr<PipeSharedLayout*> layout = Map(memfd.get());
  if (!layout.ok()) return layout.status();
  std::shared_ptr<PipeSharedPage> result(new PipeSharedPage(std::move(memfd), *layout));
  if ((*layout)->magic != kMagic) {
    return ValueError(absl::StrCat("descriptor ", fd, " is not a conc pipe page"));
  }
  return result;
}

PipeSharedPage::~PipeSharedPage() { ::munmap(layout_, kPageBytes); }

void PipeSharedPage::MarkBroken(int d, BrokenReason reason, uint64_t bad_length) {
  DirectionState& state = layout_->direction[d];
  if (reason == BrokenReason::kBadLength) state.bad_length.store(bad_length);
  uint32_t expected = 0;
  state.broken.compare_exchange_strong(expected, static_cast<uint32_t>(reason),
                                       std::memory_order_acq_rel);
}

absl::Status PipeSharedPage::BrokenStatus(int d) const {
  const DirectionState& state = layout_->direction[d];
  switch (static_cast<BrokenReason>(state.broken.load(std::memory_order_acquire))) {
    case BrokenReason::kNone:
      return absl::OkStatus();
    case BrokenReason::kWriterDied:
      return DataLossError("connection broken: a writer died in the middle of a message");
    case BrokenReason::kReaderDied:
      return DataLossError("connection broken: a reader died in the middle of a message");
    case BrokenReason::kTruncated:
      return DataLossError("connection broken: the stream ended inside a message");
    case BrokenReason::kBadLength:
      return DataLossError(absl::StrCat("connection broken: a message of ",
                                        state.bad_length.load(),
                                        " bytes was refused and its bytes are still unread "
                                        "(Python: bad message length)"));
    case BrokenReason::kReadError:
      return DataLossError("connection broken: a read failed in the middle of a message");
  }
  return DataLossError("connection broken");
}

}  // namespace conc::internal
