// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/ipc/shared_memory.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pthread.h>

#include <cstdio>
#include <memory>
#include <mutex>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "modules/common/status.h"
#include "modules/ipc/internal/shm_watcher.h"

namespace conc {
namespace {

// The name without its optional leading '/'.
std::string_view StripSlash(std::string_view name) {
  if (!name.empty() && name.front() == '/') name.remove_prefix(1);
  return name;
}

std::string ShmPath(std::string_view bare) { return "/" + std::string(bare); }

// shm_open, retried on EINTR (PEP 475).
int ShmOpen(const std::string& path, int flags, mode_t mode) {
  for (;;) {
    int fd = ::shm_open(path.c_str(), flags | O_CLOEXEC, mode);
    if (fd >= 0 || errno != EINTR) return fd;
  }
}

// Reserves the blocks of a new segment. fallocate makes a full /dev/shm an
// ENOSPC now; ftruncate alone would succeed and the first write to a page with
// no backing would be a SIGBUS. Falls back to ftruncate where fallocate is
// unsupported.
int SizeSegment(int fd, int64_t size) {
  for (;;) {
    if (::fallocate(fd, 0, 0, size) == 0) return 0;
    if (errno == EINTR) continue;
    if (errno == EOPNOTSUPP || errno == ENOSYS) break;
    return -1;
  }
  for (;;) {
    if (::ftruncate(fd, size) == 0) return 0;
    if (errno != EINTR) return -1;
  }
}

// ---- The process's resource tracker: one ShmWatcher per process, started
// on the first tracked Create. ----

std::mutex& TrackerMutex() {
  static std::mutex* mu = new std::mutex;  // Never destroyed: used until exit.
  return *mu;
}

// This process's watcher, or a forked copy of the parent's (owner() differs
// from getpid()), or null. Never destroyed: at exit the kernel closes our
// socket end and the watcher unlinks what is still tracked.
internal::ShmWatcher* g_tracker = nullptr;  // Guarded by TrackerMutex().

// fork() while another thread holds TrackerMutex() would leave the child's
// copy locked forever: the fork handlers hold it across every fork. The
// thread that holds it may fork itself (ShmWatcher::Start): then the handlers
// leave it alone.
thread_local bool t_holds_tracker = false;
void PrepareFork() {
  if (!t_holds_tracker) TrackerMutex().lock();
}
void AfterFork() {
  if (!t_holds_tracker) TrackerMutex().unlock();
}

// TrackerMutex() held, and marked so for the fork handlers.
class TrackerLock {
 public:
  TrackerLock() {
    static std::once_flag atfork;
    std::call_once(atfork, [] { ::pthread_atfork(PrepareFork, AfterFork, AfterFork); });
    TrackerMutex().lock();
    t_holds_tracker = true;
  }
  ~TrackerLock() {
    t_holds_tracker = false;
    TrackerMutex().unlock();
  }
  TrackerLock(const TrackerLock&) = delete;
  TrackerLock& operator=(const TrackerLock&) = delete;
};

// The watcher of this process, started if needed; TrackerMutex() held.
absl::StatusOr<internal::ShmWatcher*> TrackerLocked() {
  if (g_tracker != nullptr && g_tracker->owner() == ::getpid()) return g_tracker;
  if (g_tracker != nullptr) {
    // Inherited through fork: closes only our copy of the parent's socket.
    delete g_tracker;
    g_tracker = nullptr;
  }
  absl::StatusOr<std::unique_ptr<internal::ShmWatcher>> started =
      internal::ShmWatcher::Start("SharedMemory resource tracker");
  if (!started.ok()) {
    return absl::Status(started.status().code(),
                        absl::StrCat("SharedMemory: starting the resource tracker (pass "
                                     "track=false to do without): ",
                                     started.status().message()));
  }
  g_tracker = started->release();
  return g_tracker;
}

// Registers `bare` before the segment exists, so that no SIGKILL between
// shm_open and the registration can leak it. A tracker that died (someone
// killed it) is replaced once.
absl::Status TrackName(const std::string& bare) {
  TrackerLock lock;
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<internal::ShmWatcher*> tracker = TrackerLocked();
    if (!tracker.ok()) return tracker.status();
    absl::Status s = (*tracker)->Track(bare);
    if (s.ok() || attempt > 0) return s;
    delete g_tracker;  // Its process is gone: reap it, start another.
    g_tracker = nullptr;
  }
}

// Removes one registration of `bare` from this process's tracker, if it has
// one (a no-op for a name it never tracked).
void UntrackName(const std::string& bare) {
  TrackerLock lock;
  if (g_tracker != nullptr && g_tracker->owner() == ::getpid()) (void)g_tracker->Untrack(bare);
}

}  // namespace

// The block itself. Owned jointly by the SharedMemory and its Views; the
// last owner unmaps it.
struct SharedMemory::Mapping {
  Mapping(std::byte* d, size_t n) : data(d), size(n) {}
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() { (void)Unmap(); }

  // munmap once; 0 or the errno.
  int Unmap() const {
    std::byte* p = std::exchange(data, nullptr);
    if (p == nullptr || ::munmap(p, size) == 0) return 0;
    return errno;
  }

  mutable std::byte* data;  // nullptr once unmapped (only by the last owner).
  size_t size;
};

SharedMemory::View::View(std::shared_ptr<const Mapping> mapping) : mapping_(std::move(mapping)) {
  if (mapping_ != nullptr) {
    data_ = mapping_->data;
    size_ = mapping_->size;
  }
}

SharedMemory::SharedMemory(std::string name, std::byte* data, size_t size, int fd)
    : name_(std::move(name)), mapping_(std::make_shared<const Mapping>(data, size)), size_(size), fd_(fd) {}

SharedMemory::View SharedMemory::buf() const { return View(mapping_); }

absl::Status SharedMemory::ValidateName(std::string_view name) {
  std::string_view bare = StripSlash(name);
  if (bare.empty()) return ValueError("SharedMemory: the name is empty");
  if (bare.size() > kMaxNameLength) {
    return ValueError(absl::StrCat("SharedMemory: the name is ", bare.size(),
                                   " bytes long; the limit is ", kMaxNameLength));
  }
  if (bare.find('/') != std::string_view::npos) {
    return ValueError("SharedMemory: a name may not contain '/' after its first character");
  }
  if (bare.find('\0') != std::string_view::npos) {
    return ValueError("SharedMemory: a name may not contain a NUL byte");
  }
  if (bare == "." || bare == "..") return ValueError("SharedMemory: '.' and '..' are not names");
  return absl::OkStatus();
}

std::string SharedMemory::UniqueName(std::string_view prefix) {
  // Fresh bits from the kernel for every name (Python: secrets.token_hex): a
  // generator's state would be copied by fork, and parent and child would
  // then draw the same names.
  uint64_t bits = 0;
  if (::getrandom(&bits, sizeof bits, 0) != static_cast<ssize_t>(sizeof bits)) {
    bits = (uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(bits));
  return std::string(prefix) + hex;
}

absl::StatusOr<SharedMemory> SharedMemory::Create(std::string_view name, int64_t size, bool track) {
  if (size <= 0) {
    return ValueError(
        absl::StrCat("SharedMemory: 'size' must be a positive number on create, not ", size));
  }
  const bool generated = name.empty();
  if (!generated) {
    if (absl::Status s = ValidateName(name); !s.ok()) return s;
  }
  // Python retries generated names on FileExistsError; so do we, a few times.
  for (int attempt = 0;; ++attempt) {
    std::string bare = generated ? UniqueName() : std::string(StripSlash(name));
    std::string path = ShmPath(bare);
    if (track) {
      if (absl::Status s = TrackName(bare); !s.ok()) return s;
    }
    int fd = ShmOpen(path, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0) {
      int err = errno;
      if (track) UntrackName(bare);  // Not made by us: never ours to unlink.
      if (err == EEXIST && generated && attempt < 16) continue;
      if (err == EEXIST) {
        return absl::AlreadyExistsError(
            absl::StrCat("SharedMemory: a segment named '", bare, "' already exists"));
      }
      return ErrnoToStatus(err, absl::StrCat("shm_open('", bare, "', O_CREAT|O_EXCL)"));
    }
    if (SizeSegment(fd, size) != 0) {
      int err = errno;
      ::close(fd);
      ::shm_unlink(path.c_str());  // Ours: made above with O_EXCL.
      if (track) UntrackName(bare);
      return ErrnoToStatus(err, absl::StrCat("SharedMemory: sizing '", bare, "' to ", size, " bytes"));
    }
    void* p = ::mmap(nullptr, static_cast<size_t>(size), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      ::shm_unlink(path.c_str());
      if (track) UntrackName(bare);
      return ErrnoToStatus(err, absl::StrCat("SharedMemory: mmap of '", bare, "'"));
    }
    SharedMemory shm(std::move(bare), static_cast<std::byte*>(p), static_cast<size_t>(size), fd);
    shm.tracked_ = track;
    return shm;
  }
}

absl::StatusOr<SharedMemory> SharedMemory::Attach(std::string_view name) {
  if (name.empty()) {
    return ValueError("SharedMemory: a name is needed to attach ('name' can only be empty on create)");
  }
  if (absl::Status s = ValidateName(name); !s.ok()) return s;
  std::string bare(StripSlash(name));
  int fd = ShmOpen(ShmPath(bare), O_RDWR, 0600);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) {
      return absl::NotFoundError(absl::StrCat("SharedMemory: no segment named '", bare, "'"));
    }
    return ErrnoToStatus(err, absl::StrCat("shm_open('", bare, "')"));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return ErrnoToStatus(err, "SharedMemory: fstat");
  }
  if (st.st_size <= 0) {
    ::close(fd);
    // Also what an attacher sees between its creator's shm_open and fallocate.
    return ValueError(absl::StrCat("SharedMemory: segment '", bare, "' is empty (size 0)"));
  }
  const size_t size = static_cast<size_t>(st.st_size);
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    int err = errno;
    ::close(fd);
    return ErrnoToStatus(err, absl::StrCat("SharedMemory: mmap of '", bare, "'"));
  }
  return SharedMemory(std::move(bare), static_cast<std::byte*>(p), size, fd);
}

absl::StatusOr<SharedMemory> SharedMemory::Open(std::string_view name, bool create, int64_t size,
                                                bool track) {
  if (size < 0) return ValueError(absl::StrCat("SharedMemory: 'size' must be a positive integer, not ", size));
  if (create) return Create(name, size, track);
  return Attach(name);
}

SharedMemory::SharedMemory(SharedMemory&& other) noexcept
    : name_(std::move(other.name_)),
      mapping_(std::move(other.mapping_)),
      size_(other.size_),
      fd_(std::exchange(other.fd_, -1)),
      tracked_(std::exchange(other.tracked_, false)) {
  other.mapping_ = nullptr;
}

SharedMemory& SharedMemory::operator=(SharedMemory&& other) noexcept {
  if (this != &other) {
    Release();
    name_ = std::move(other.name_);
    mapping_ = std::move(other.mapping_);
    other.mapping_ = nullptr;
    size_ = other.size_;
    fd_ = std::exchange(other.fd_, -1);
    tracked_ = std::exchange(other.tracked_, false);
  }
  return *this;
}

SharedMemory::~SharedMemory() { Release(); }

void SharedMemory::Release() {
  // Views that outlive us keep the block mapped; the last one unmaps it.
  mapping_ = nullptr;
  if (fd_ >= 0) {
    // close() is not retried on EINTR: on Linux the descriptor is gone anyway.
    ::close(fd_);
    fd_ = -1;
  }
}

absl::StatusOr<SharedMemory::View> SharedMemory::buffer() const {
  if (mapping_ == nullptr) {
    return MisuseError(absl::StrCat("SharedMemory '", name_, "' is closed"));
  }
  return View(mapping_);
}

absl::Status SharedMemory::close() {
  absl::Status status;
  if (mapping_ != nullptr) {
    // No View can appear while we look: buf() must not race with close(),
    // and copying a View needs one to exist, which makes the count above 1.
    const long views = mapping_.use_count() - 1;
    if (views > 0) {
      return MisuseError(absl::StrCat("SharedMemory '", name_, "': cannot close, ", views,
                                      " view(s) of its buffer exist (Python's BufferError)"));
    }
    if (int err = mapping_->Unmap(); err != 0) status = ErrnoToStatus(err, "SharedMemory: munmap");
  }
  Release();
  return status;
}

absl::Status SharedMemory::unlink() {
  if (name_.empty()) return MisuseError("SharedMemory: unlink of a moved-from object");
  // Untracked first: once the name is gone another process may create a new
  // segment under it, which this process's tracker must never unlink. (Also
  // when this object merely attached: the name may be tracked by another
  // object of this process; untracking a name not tracked does nothing.)
  UntrackName(name_);
  if (::shm_unlink(ShmPath(name_).c_str()) != 0) {
    int err = errno;
    // Still there (EACCES, say): keep it tracked if we were tracking it.
    if (err != ENOENT && tracked_) (void)TrackName(name_);
    if (err == ENOENT) {
      return absl::NotFoundError(absl::StrCat("SharedMemory: no segment named '", name_, "'"));
    }
    return ErrnoToStatus(err, absl::StrCat("shm_unlink('", name_, "')"));
  }
  return absl::OkStatus();
}

}  // namespace conc
