// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// shared_memory.h: conc::SharedMemory, Python's
// `multiprocessing.shared_memory.SharedMemory`: a named block of POSIX shared
// memory (shm_open, a file in /dev/shm) that any process can attach to by name.
//
//   Python                                          C++
//   shm = SharedMemory(create=True, size=1024)      auto shm = conc::SharedMemory::Create("", 1024);
//   shm = SharedMemory("blk", create=True, size=8)  auto shm = conc::SharedMemory::Create("blk", 8);
//   shm = SharedMemory("blk")                       auto shm = conc::SharedMemory::Attach("blk");
//   SharedMemory(name, create, size)                conc::SharedMemory::Open(name, create, size)
//   shm.buf[0] = 7                                  shm->buf()[0] = std::byte{7};
//   shm.name, shm.size                              shm->name(), shm->size()
//   shm.close(); shm.unlink()                       auto s = shm->close(); s = shm->unlink();
//
// Contract:
//   * Create makes a new segment with O_CREAT|O_EXCL and mode 0600 (owner-only,
//     as Python), sized and zero-filled; an existing name is AlreadyExists
//     (FileExistsError), never a silent attach. An empty name generates a
//     unique one ("psm_" + 16 random hex digits; Python: "psm_" + 8), retrying
//     on the unlikely collision. The space is reserved with fallocate, so a full
//     /dev/shm is ResourceExhausted here, not a SIGBUS at the first write.
//   * Attach maps an existing segment at its current size: NotFound
//     (FileNotFoundError) if no segment has that name.
//   * Names: an optional leading '/' (ignored, as glibc's shm_open does), then
//     1 to 255 bytes (NAME_MAX) without '/' or NUL, and not "." or "..";
//     anything else is InvalidArgument (Python lets shm_open fail with EINVAL).
//     name() is the name without the slash, as Python's `shm.name`.
//   * size <= 0 on create is InvalidArgument (ValueError); Open(name, false,
//     size) ignores a non-negative size as Python does (the segment's own size
//     wins) and refuses a negative one.
//   * buf() returns a SharedMemory::View: a counted view of the mapping
//     (data(), size(), operator[], begin()/end(), span()), as Python's
//     `shm.buf` is a memoryview that exports the mmap. While any View lives,
//     close() is refused with FailedPrecondition (Python: BufferError "cannot
//     close exported pointers exist") and changes nothing; the view keeps
//     reading and writing the mapping. Drop the views, then close.
//   * close() unmaps the block and closes the descriptor; it is idempotent.
//     Afterwards buf() is an empty View (Python: `shm.buf` is None) and
//     buffer() is FailedPrecondition. The destructor (and move-assignment
//     over an open object) cannot refuse: it drops the object's share of the
//     mapping, and the block is unmapped when the last View goes, as Python's
//     mmap outlives a SharedMemory that a memoryview still exports. The
//     destructor never unlinks.
//   * A raw pointer or std::span taken out of a View (data(), span()) is valid
//     only while some View of the mapping lives: keep the View, not the
//     pointer.
//   * unlink() removes the name (shm_unlink); processes that have the block
//     mapped keep using it, the memory is freed when the last one closes. A
//     second unlink (by anyone) is NotFound. unlink works after close(), as in
//     Python.
//
// Where it differs from Python: a View counts as an export only while it
// lives, so `auto v = shm.buf(); ... ; v = {};` releases it, where Python needs
// `del v` or `v.release()`. Each buf() call copies a shared_ptr (an atomic
// increment and decrement): keep one View in a local for a loop over bytes.
//
// Tracking: nothing is tracked behind your back. Python
// 3.8-3.12 registers every SharedMemory, even one that merely attaches, with
// the resource tracker, which unlinks it when that process exits (bpo-39959);
// 3.13 added track=False. Here a segment is unlinked only by unlink() or by the
// SharedMemoryManager that made it (shared_memory_manager.h), which also
// covers a crashed owner.
//
// Thread-safety: the object is a handle; const methods may be called from
// several threads, but close() and moving must not race with other calls on
// the same object. The bytes themselves are plain shared memory: processes and
// threads writing them concurrently need their own synchronization (an
// mp::Lock, a pipe message), as in Python.
//
// Memory ordering: none beyond what the kernel gives a MAP_SHARED mapping;
// bytes written before a synchronizing operation (a pipe write, a process-
// shared lock release) are visible to a process after the matching operation.
//
// Example:
//
//   absl::StatusOr<conc::SharedMemory> shm = conc::SharedMemory::Create("", 4096);
//   if (!shm.ok()) return shm.status();
//   std::memcpy(shm->buf().data(), "hello", 5);
//   // ...a child attaches with conc::SharedMemory::Attach(shm->name())...
//   (void)shm->close();
//   return shm->unlink();

#ifndef MODULES_IPC_SHARED_MEMORY_H_
#define MODULES_IPC_SHARED_MEMORY_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace conc {

class SharedMemory {
 private:
  struct Mapping;  // The mmap'ed block; unmapped by its destructor.

 public:
  // A counted view of the mapped bytes (Python's `shm.buf` memoryview). While
  // one lives, close() is refused and the block stays mapped, even past the
  // SharedMemory's destruction. Cheap to copy (a shared_ptr); a
  // default-constructed or closed-object View is empty. Its methods never
  // block; a View may be used and copied from several threads (the bytes
  // need the caller's synchronization, see below).
  class View {
   public:
    View() = default;

    // The first byte, or nullptr if empty. Valid while a View of the mapping lives.
    [[nodiscard]] std::byte* data() const { return data_; }
    // The number of bytes (0 if empty).
    [[nodiscard]] size_t size() const { return size_; }
    [[nodiscard]] bool empty() const { return size_ == 0; }
    // Byte `i`, unchecked (i < size()), like std::span.
    std::byte& operator[](size_t i) const { return data_[i]; }
    [[nodiscard]] std::byte* begin() const { return data_; }
    [[nodiscard]] std::byte* end() const { return data_ + size_; }
    // The bytes as a span: valid while a View of the mapping lives.
    [[nodiscard]] std::span<std::byte> span() const { return {data_, size_}; }

   private:
    friend class SharedMemory;
    explicit View(std::shared_ptr<const Mapping> mapping);

    std::shared_ptr<const Mapping> mapping_;
    std::byte* data_ = nullptr;
    size_t size_ = 0;
  };

  // The longest name (without the leading '/'): NAME_MAX, the limit of a file
  // name in /dev/shm.
  static constexpr size_t kMaxNameLength = 255;

  // Creates a new segment of `size` bytes (zero-filled) named `name`, or a
  // generated unique name if `name` is empty. AlreadyExists if the name is
  // taken; InvalidArgument for a bad name or size <= 0; ResourceExhausted if
  // /dev/shm has no room; another errno's status if shm_open/mmap fail.
  [[nodiscard]] static absl::StatusOr<SharedMemory> Create(std::string_view name, int64_t size);

  // Attaches to the existing segment `name`. NotFound if there is none;
  // InvalidArgument for a bad name or an empty (size 0) segment.
  [[nodiscard]] static absl::StatusOr<SharedMemory> Attach(std::string_view name);

  // Python's SharedMemory(name, create, size): Create(name, size) if `create`,
  // else Attach(name) (an empty name is then InvalidArgument, Python's "'name'
  // can only be None if create=True"). A negative size is InvalidArgument.
  [[nodiscard]] static absl::StatusOr<SharedMemory> Open(std::string_view name, bool create = false,
                                                         int64_t size = 0);

  // A fresh random name: `prefix` + 16 hex digits. Tests use a prefix unique to
  // their process so that they can look for leftovers in /dev/shm.
  [[nodiscard]] static std::string UniqueName(std::string_view prefix = "psm_");

  // OK if `name` is acceptable (see the top of this file), else InvalidArgument.
  [[nodiscard]] static absl::Status ValidateName(std::string_view name);

  SharedMemory(SharedMemory&& other) noexcept;
  SharedMemory& operator=(SharedMemory&& other) noexcept;
  SharedMemory(const SharedMemory&) = delete;
  SharedMemory& operator=(const SharedMemory&) = delete;
  ~SharedMemory();  // close(); never unlinks.

  // A counted view of the mapped bytes (`shm.buf` in Python); an empty View
  // once closed. Never blocks. While it lives, close() is FailedPrecondition.
  [[nodiscard]] View buf() const;

  // The same View, or FailedPrecondition once closed: for code that wants the
  // use-after-close error spelled out.
  [[nodiscard]] absl::StatusOr<View> buffer() const;

  // The name without a leading '/' (Python's `shm.name`).
  [[nodiscard]] const std::string& name() const { return name_; }

  // The size in bytes: what Create was asked for, or the segment's size at
  // Attach. Still reported after close(), as in Python.
  [[nodiscard]] size_t size() const { return size_; }

  // True once closed (or moved from).
  [[nodiscard]] bool closed() const { return mapping_ == nullptr; }

  // Unmaps and closes the descriptor; OK when already closed (idempotent, as
  // Python's close). Never blocks. FailedPrecondition, with nothing changed,
  // while a View from buf()/buffer() lives (Python's BufferError); a munmap
  // failure's errno status otherwise (the object is closed anyway).
  absl::Status close();

  // Removes the name from /dev/shm. NotFound if it is already gone.
  [[nodiscard]] absl::Status unlink();

 private:
  SharedMemory(std::string name, std::byte* data, size_t size, int fd);
  // Drops this object's share of the mapping and closes the descriptor.
  void Release();

  std::string name_;  // Without the leading '/'.
  // The mapping, shared with every live View; null once closed or moved from.
  std::shared_ptr<const Mapping> mapping_;
  size_t size_ = 0;
  int fd_ = -1;              // Kept open while mapped, as Python keeps _fd.
};

}  // namespace conc

#endif  // MODULES_IPC_SHARED_MEMORY_H_
