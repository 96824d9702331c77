// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/ipc/internal/shm_watcher.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "modules/common/status.h"

namespace conc::internal {
namespace {

constexpr size_t kMaxName = 255;
constexpr size_t kEntry = 256;  // One length byte, then the name.
constexpr int kSockFd = 3;      // The watcher's descriptors after it rearranged them.
constexpr int kOwnerFd = 4;

// ---- The watcher process: async-signal-safe code only below this line. ----

// The tracked names, in memory obtained with mmap (malloc is off limits
// after fork in a threaded program).
struct NameTable {
  char* entries = nullptr;
  size_t size = 0;
  size_t capacity = 0;

  bool Add(const char* name, size_t len) {
    if (size == capacity) {
      size_t grown = capacity == 0 ? 64 : capacity * 2;
      void* p = entries == nullptr
                    ? ::mmap(nullptr, grown * kEntry, PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                    : ::mremap(entries, capacity * kEntry, grown * kEntry, MREMAP_MAYMOVE);
      if (p == MAP_FAILED) return false;
      entries = static_cast<char*>(p);
      capacity = grown;
    }
    char* e = entries + size * kEntry;
    e[0] = static_cast<char>(len);
    std::memcpy(e + 1, name, len);
    ++size;
    return true;
  }

  void Remove(const char* name, size_t len) {
    for (size_t i = 0; i < size; ++i) {
      char* e = entries + i * kEntry;
      if (static_cast<unsigned char>(e[0]) == len && std::memcmp(e + 1, name, len) == 0) {
        std::memcpy(e, entries + (size - 1) * kEntry, kEntry);
        --size;
        return;
      }
    }
  }
};

void WriteAll(int fd, const char* s, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, s, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    s += w;
    n -= static_cast<size_t>(w);
  }
}

// Formats an unsigned number without stdio.
size_t FormatNumber(char* out, unsigned long v) {
  char tmp[24];
  size_t n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  for (size_t i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
  return n;
}

// Handles one message; returns false for "S" (stop now).
bool Apply(NameTable& names, const char* msg, ssize_t n) {
  if (n < 1) return true;
  const size_t len = static_cast<size_t>(n - 1);
  if (msg[0] == 'S') return false;
  if (len == 0 || len > kMaxName) return true;
  if (msg[0] == 'T') names.Add(msg + 1, len);
  if (msg[0] == 'U') names.Remove(msg + 1, len);
  return true;
}

[[noreturn]] void WatcherMain(int sock, int owner_pidfd, pid_t owner, const char* label) {
  // Signals that would end it before it cleaned up stay pending instead.
  sigset_t blocked;
  sigemptyset(&blocked);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE}) sigaddset(&blocked, sig);
  ::sigprocmask(SIG_BLOCK, &blocked, nullptr);
  // Out of the owner's process group: a Ctrl-C or a group kill is not ours.
  ::setsid();

  // Keep exactly: 0 and 1 on /dev/null, 2 (warnings), the socket as 3, the
  // owner's pidfd as 4. F_DUPFD to >= 10 first so that the dup2s below cannot
  // overwrite one another.
  int s = ::fcntl(sock, F_DUPFD, 10);
  int p = owner_pidfd >= 0 ? ::fcntl(owner_pidfd, F_DUPFD, 10) : -1;
  if (s < 0) ::_exit(1);
  ::dup2(s, kSockFd);
  if (p >= 0) ::dup2(p, kOwnerFd);
  int null = ::open("/dev/null", O_RDWR);
  if (null >= 0) {
    ::dup2(null, 0);
    ::dup2(null, 1);
  }
  if (::syscall(SYS_close_range, 5u, ~0u, 0u) != 0) {
    for (int fd = 5; fd < 4096; ++fd) ::close(fd);
  }
  if (p < 0) ::close(kOwnerFd);

  NameTable names;
  char msg[kMaxName + 2];
  bool orderly = false;
  for (;;) {
    struct pollfd fds[2] = {{kSockFd, POLLIN, 0}, {kOwnerFd, POLLIN, 0}};
    int r = ::poll(fds, p >= 0 ? 2 : 1, -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents != 0) {
      // Messages first: whatever the owner sent before dying is applied.
      ssize_t n = ::recv(kSockFd, msg, sizeof msg, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // EOF: every copy of the owner's end is closed.
      if (!Apply(names, msg, n)) {
        orderly = true;
        break;
      }
      continue;
    }
    if (p >= 0 && fds[1].revents != 0) {
      // The owner died while a copy of its end lives on (a forked child):
      // drain what it sent, then clean up.
      for (;;) {
        ssize_t n = ::recv(kSockFd, msg, sizeof msg, MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (!Apply(names, msg, n)) {
          orderly = true;
          break;
        }
      }
      break;
    }
  }

  size_t unlinked = 0;
  char path[16 + kMaxName] = "/dev/shm/";
  for (size_t i = 0; i < names.size; ++i) {
    const char* e = names.entries + i * kEntry;
    const size_t len = static_cast<unsigned char>(e[0]);
    std::memcpy(path + 9, e + 1, len);
    path[9 + len] = '\0';
    if (::unlink(path) == 0) ++unlinked;
  }
  if (!orderly && unlinked > 0) {
    // Python's resource tracker warns likewise about leaked segments.
    char line[256];
    size_t n = 0;
    auto put = [&](const char* s) {
      while (*s != '\0' && n < sizeof line - 1) line[n++] = *s++;
    };
    char name[65];
    size_t k = 0;
    for (; k < 64 && label[k] != '\0'; ++k) name[k] = label[k];
    name[k] = '\0';
    put("conc ");
    put(name);
    put(": owner ");
    n += FormatNumber(line + n, static_cast<unsigned long>(owner));
    put(" ended without unlinking them; unlinked ");
    n += FormatNumber(line + n, static_cast<unsigned long>(unlinked));
    put(" shared memory segment(s)\n");
    WriteAll(2, line, n);
  }
  ::_exit(0);
}

// ---- End of the watcher process's code. ----

int PidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

}  // namespace

absl::StatusOr<std::unique_ptr<ShmWatcher>> ShmWatcher::Start(const char* label) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    return ErrnoToStatus(errno, "SharedMemoryManager: socketpair");
  }
  const pid_t owner = ::getpid();
  // The owner's pidfd, opened while the owner is certainly alive, so the
  // watcher cannot confuse it with a later process of the same pid.
  int owner_pidfd = PidfdOpen(owner);
  if (owner_pidfd >= 0) ::fcntl(owner_pidfd, F_SETFD, FD_CLOEXEC);
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(sv[0]);
    ::close(sv[1]);
    if (owner_pidfd >= 0) ::close(owner_pidfd);
    return ErrnoToStatus(err == EAGAIN ? ENOMEM : err, "SharedMemoryManager: fork of the watcher");
  }
  if (pid == 0) WatcherMain(sv[1], owner_pidfd, owner, label);
  ::close(sv[1]);
  if (owner_pidfd >= 0) ::close(owner_pidfd);
  // Our child, not yet reaped: its pid cannot be reused before we wait.
  int watcher_pidfd = PidfdOpen(pid);
  if (watcher_pidfd >= 0) ::fcntl(watcher_pidfd, F_SETFD, FD_CLOEXEC);
  return std::unique_ptr<ShmWatcher>(new ShmWatcher(sv[0], pid, watcher_pidfd, owner));
}

ShmWatcher::~ShmWatcher() { (void)Stop(absl::Seconds(10)); }

absl::Status ShmWatcher::Send(char op, std::string_view name) {
  if (sock_ < 0) return MisuseError("SharedMemoryManager: the watcher is stopped");
  if (name.size() > kMaxName) return ValueError("SharedMemoryManager: name too long");
  char msg[kMaxName + 2];
  msg[0] = op;
  std::memcpy(msg + 1, name.data(), name.size());
  for (;;) {
    ssize_t n = ::send(sock_, msg, name.size() + 1, MSG_NOSIGNAL);
    if (n >= 0) return absl::OkStatus();
    if (errno == EINTR) continue;
    return ErrnoToStatus(errno, "SharedMemoryManager: message to the watcher");
  }
}

absl::Status ShmWatcher::Track(std::string_view name) { return Send('T', name); }
absl::Status ShmWatcher::Untrack(std::string_view name) { return Send('U', name); }

absl::Status ShmWatcher::Stop(absl::Duration timeout) {
  if (sock_ < 0) return absl::OkStatus();
  if (::getpid() != owner_) {
    // A forked copy of the owner: not ours to stop.
    ::close(sock_);
    sock_ = -1;
    if (pidfd_ >= 0) ::close(pidfd_);
    pidfd_ = -1;
    return absl::OkStatus();
  }
  absl::Status status = Send('S', "");
  ::close(sock_);  // Also EOF for the watcher, should "S" have failed.
  sock_ = -1;
  // Bounded wait for the watcher to finish unlinking.
  if (pidfd_ >= 0) {
    const absl::Time deadline = absl::Now() + timeout;
    for (;;) {
      struct pollfd fd = {pidfd_, POLLIN, 0};
      int64_t ms = absl::ToInt64Milliseconds(deadline - absl::Now());
      int r = ::poll(&fd, 1, static_cast<int>(ms < 0 ? 0 : ms > 1000000 ? 1000000 : ms));
      if (r > 0) break;
      if (r < 0 && errno == EINTR) continue;
      if (r == 0 && absl::Now() >= deadline) {
        ::close(pidfd_);
        pidfd_ = -1;
        return absl::DeadlineExceededError("SharedMemoryManager: the watcher did not finish in time");
      }
      if (r < 0) break;
    }
    ::close(pidfd_);
    pidfd_ = -1;
  }
  int wstatus;
  while (::waitpid(pid_, &wstatus, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace conc::internal
