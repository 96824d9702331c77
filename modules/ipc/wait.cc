// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/ipc/wait.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>

#include "absl/strings/str_cat.h"
#include "modules/common/status.h"
#include "modules/common/timeout.h"

namespace conc {

namespace internal {
// Connection's private readiness check, for wait() only.
struct ConnectionWaitAccess {
  static bool ReadyWithoutDescriptor(const Connection& c) { return c.ReadyWithoutDescriptor(); }
};
}  // namespace internal

// WaitObject's private fields, for wait() only.
struct WaitAccess {
  using Kind = WaitObject::Kind;
  static Kind kind(const WaitObject& o) { return o.kind_; }
  static const Connection& connection(const WaitObject& o) { return *o.connection_; }
  static const Process& process(const WaitObject& o) { return *o.process_; }
  static int fd(const WaitObject& o) { return o.fd_; }
};

namespace {

// The longest a wait with a Connection in it sleeps in poll(2) before looking
// at the Connections' shared pages again (as Connection::poll does).
constexpr int kSharedPageSliceMs = 50;

absl::Status WithIndex(const absl::Status& s, size_t i) {
  return absl::Status(s.code(), absl::StrCat("conc::wait: object ", i, ": ", s.message()));
}

}  // namespace

absl::StatusOr<std::vector<size_t>> wait(std::span<const WaitObject> objects,
                                          std::optional<absl::Duration> timeout) {
  const Deadline deadline = Deadline::FromTimeout(timeout);
  std::vector<pollfd> fds(objects.size());
  bool any_connection = false;
  for (size_t i = 0; i < objects.size(); ++i) {
    const WaitObject& o = objects[i];
    int fd = -1;
    switch (WaitAccess::kind(o)) {
      case WaitAccess::Kind::kConnection: {
        const Connection& c = WaitAccess::connection(o);
        if (c.closed()) return WithIndex(MisuseError("handle is closed"), i);
        if (!c.readable()) return WithIndex(MisuseError("connection is write-only"), i);
        fd = c.fileno();
        any_connection = true;
        break;
      }
      case WaitAccess::Kind::kProcess: {
        absl::StatusOr<int> sentinel = WaitAccess::process(o).sentinel();
        if (!sentinel.ok()) return WithIndex(sentinel.status(), i);
        fd = *sentinel;
        break;
      }
      case WaitAccess::Kind::kFd:
        fd = WaitAccess::fd(o);
        if (fd < 0) return WithIndex(ValueError(absl::StrCat("invalid file descriptor: ", fd)), i);
        break;
    }
    fds[i] = pollfd{fd, POLLIN, 0};
  }

  std::vector<size_t> ready;
  for (;;) {
    // Connections ready in their shared page (poll(2) cannot see it).
    ready.clear();
    for (size_t i = 0; i < objects.size(); ++i) {
      if (WaitAccess::kind(objects[i]) == WaitAccess::Kind::kConnection &&
          internal::ConnectionWaitAccess::ReadyWithoutDescriptor(
              WaitAccess::connection(objects[i]))) {
        ready.push_back(i);
      }
    }
    // Then the descriptors: without sleeping if something is ready already.
    int ms = ready.empty() ? deadline.remaining_poll_milliseconds() : 0;
    if (any_connection && (ms < 0 || ms > kSharedPageSliceMs)) ms = kSharedPageSliceMs;
    const int r = ::poll(fds.data(), static_cast<nfds_t>(fds.size()), ms);
    if (r < 0 && errno != EINTR) return ErrnoToStatus(errno, "conc::wait: poll");
    if (r > 0) {
      for (size_t i = 0; i < fds.size(); ++i) {
        if (fds[i].revents != 0) ready.push_back(i);
      }
    }
    if (!ready.empty()) {
      std::sort(ready.begin(), ready.end());
      ready.erase(std::unique(ready.begin(), ready.end()), ready.end());
      return ready;
    }
    if (deadline.expired()) return ready;  // Empty: the timeout passed.
  }
}

}  // namespace conc
