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
//   SharedMemory("blk", True, 8, track=False)       conc::SharedMemory::Create("blk", 8, /*track=*/false)
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
// Tracking (Python 3.13's `track`, on by default): a segment this process
// creates with track=true is registered with the process's resource tracker,
// a watcher process (internal/shm_watcher.h, the one SharedMemoryManager
// uses) started lazily on the first tracked Create, one per process (a forked
// child that creates starts its own). The name is registered before
// shm_open creates it and unregistered by unlink() (before shm_unlink, so a
// new segment of the same name made afterwards by anyone is never touched).
// When the process ends, however it ends (exit, a crash, SIGKILL), the
// tracker unlinks every segment it still holds and prints a warning to
// stderr, as CPython's resource tracker does. So:
//   * a segment that must outlive its creator (handed to another process
//     that will unlink it) needs track=false: then only an explicit unlink()
//     removes it, and it leaks if nobody calls one;
//   * unlink() through any object of the creating process untracks the name;
//     an unlink() done by another process does not reach the creator's
//     tracker, which will try the name again at its end (a same-named segment
//     created in between by a third party would then be removed): unlink in
//     the creating process, or create with track=false.
// Where it differs: Python 3.8-3.12 (and 3.13 with track=True) also registers
// a segment that merely attaches, so a child that attaches and exits can
// unlink its parent's segment (bpo-39959); here Attach never tracks. The
// tracker costs a fork on the first tracked Create and one message per
// create and unlink. SIGKILL of the tracker itself (it ignores SIGINT, SIGTERM,
// SIGHUP) leaves the segments; a later tracked Create starts a new one for
// new segments. SharedMemoryManager creates untracked and relies on its own
// watcher.
//
// Shrinking: a segment made smaller (ftruncate) by another process while this
// one has it mapped kills this process with SIGBUS at its next access past
// the new end, as in CPython; nothing here can turn that into an error. Only
// share segments with processes you trust.
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
  // generated unique name if `name` is empty. With `track` (the default, as
  // Python 3.13) this process's resource tracker unlinks it when the process
  // ends unless unlink() ran first (see "Tracking" above); the first tracked
  // Create forks the tracker. Never blocks beyond system calls. AlreadyExists
  // if the name is taken; InvalidArgument for a bad name or size <= 0;
  // ResourceExhausted if /dev/shm has no room (or the tracker's fork failed
  // for lack of memory); another errno's status if shm_open/mmap, or starting
  // or telling the tracker, fail (nothing is left behind then).
  [[nodiscard]] static absl::StatusOr<SharedMemory> Create(std::string_view name, int64_t size,
                                                           bool track = true);

  // Attaches to the existing segment `name`. NotFound if there is none;
  // InvalidArgument for a bad name or an empty (size 0) segment.
  [[nodiscard]] static absl::StatusOr<SharedMemory> Attach(std::string_view name);

  // Python's SharedMemory(name, create, size, track=track): Create(name,
  // size, track) if `create`, else Attach(name) (an empty name is then
  // InvalidArgument, Python's "'name' can only be None if create=True";
  // `track` is then ignored: attaching never tracks). A negative size is
  // InvalidArgument.
  [[nodiscard]] static absl::StatusOr<SharedMemory> Open(std::string_view name, bool create = false,
                                                         int64_t size = 0, bool track = true);

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

  // Removes the name from /dev/shm and from this process's resource tracker
  // (see "Tracking"). Never blocks beyond system calls. NotFound if it is
  // already gone; FailedPrecondition on a moved-from object.
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
  bool tracked_ = false;     // Created with track=true (by this object).
};

}  // namespace conc

#endif  // MODULES_IPC_SHARED_MEMORY_H_
