// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/sockets/socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "modules/common/status.h"
#include "modules/common/timeout.h"

namespace conc {
namespace {

// Debian's Abseil has its own absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW
// is 0): convert explicitly for StrCat.
absl::string_view Absl(std::string_view text) { return absl::string_view(text.data(), text.size()); }

absl::Status SetNonBlocking(int fd, bool on) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) return ErrnoToStatus(errno, "fcntl(F_GETFL)");
  const int wanted = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  if (wanted != flags && ::fcntl(fd, F_SETFL, wanted) < 0) return ErrnoToStatus(errno, "fcntl(F_SETFL)");
  return absl::OkStatus();
}

// Waits until `fd` is ready for `events` or `deadline` passes. OK when ready
// (or on an error/hang-up condition, which the next call reports), else
// DeadlineExceeded "timed out".
absl::Status WaitReady(int fd, short events, const Deadline& deadline, const char* what) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, deadline.remaining_poll_milliseconds());
    if (r > 0) return absl::OkStatus();
    if (r == 0) {
      if (deadline.expired()) return absl::DeadlineExceededError(absl::StrCat(what, ": timed out"));
      continue;  // poll rounds down on some kernels; ask again.
    }
    if (errno == EINTR) continue;
    return ErrnoToStatus(errno, "poll");
  }
}

}  // namespace

// --- SocketAddress ---

absl::StatusOr<SocketAddress> SocketAddress::Inet(std::string_view host, int port) {
  if (port < 0 || port > 65535) return ValueError(absl::StrCat("port out of range 0-65535: ", port));
  SocketAddress a;
  const std::string h(host);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage_);
  if (::inet_pton(AF_INET, h.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    a.size_ = sizeof(sockaddr_in);
    return a;
  }
  a.storage_ = {};
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage_);
  if (::inet_pton(AF_INET6, h.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    a.size_ = sizeof(sockaddr_in6);
    return a;
  }
  return ValueError(absl::StrCat("not a numeric address: '", Absl(host), "' (use getaddrinfo for names)"));
}

absl::StatusOr<SocketAddress> SocketAddress::Unix(std::string_view path) {
  SocketAddress a;
  auto* un = reinterpret_cast<sockaddr_un*>(&a.storage_);
  if (path.empty() || path.size() >= sizeof(un->sun_path)) {
    return ValueError(absl::StrCat("AF_UNIX path must be 1 to ", sizeof(un->sun_path) - 1,
                                   " bytes, got ", path.size()));
  }
  un->sun_family = AF_UNIX;
  std::memcpy(un->sun_path, path.data(), path.size());
  a.size_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (path[0] == '\0' ? 0 : 1));
  return a;
}

SocketAddress SocketAddress::FromRaw(const sockaddr* addr, socklen_t len) {
  SocketAddress a;
  if (len > sizeof(a.storage_)) len = sizeof(a.storage_);
  std::memcpy(&a.storage_, addr, len);
  a.size_ = len;
  return a;
}

std::string SocketAddress::host() const {
  char text[INET6_ADDRSTRLEN] = {};
  switch (storage_.ss_family) {
    case AF_INET:
      ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, text, sizeof(text));
      return text;
    case AF_INET6:
      ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, text, sizeof(text));
      return text;
    case AF_UNIX: {
      const auto* un = reinterpret_cast<const sockaddr_un*>(&storage_);
      const size_t n = size_ > offsetof(sockaddr_un, sun_path) ? size_ - offsetof(sockaddr_un, sun_path) : 0;
      std::string path(un->sun_path, n);
      if (!path.empty() && path[0] != '\0') path = path.c_str();  // Drop the NUL terminator.
      return path;
    }
    default:
      return "";
  }
}

int SocketAddress::port() const {
  switch (storage_.ss_family) {
    case AF_INET:
      return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
    case AF_INET6:
      return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
    default:
      return 0;
  }
}

std::string SocketAddress::ToString() const {
  switch (storage_.ss_family) {
    case AF_INET:
      return absl::StrCat(host(), ":", port());
    case AF_INET6:
      return absl::StrCat("[", host(), "]:", port());
    default:
      return host();
  }
}

absl::StatusOr<std::vector<SocketAddress>> getaddrinfo(std::string_view host, int port, int family, int type) {
  if (port < 0 || port > 65535) return ValueError(absl::StrCat("port out of range 0-65535: ", port));
  addrinfo hints{};
  hints.ai_family = family;
  hints.ai_socktype = type;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* result = nullptr;
  const std::string h(host);
  const std::string service = std::to_string(port);
  const int rc = ::getaddrinfo(h.empty() ? nullptr : h.c_str(), service.c_str(), &hints, &result);
  if (rc != 0) {
    const std::string message = absl::StrCat("getaddrinfo('", Absl(host), "'): ", ::gai_strerror(rc));
    if (rc == EAI_NONAME || rc == EAI_NODATA) return absl::NotFoundError(message);
    if (rc == EAI_AGAIN) return absl::UnavailableError(message);
    if (rc == EAI_SYSTEM) return ErrnoToStatus(errno, message);
    return absl::InvalidArgumentError(message);
  }
  std::vector<SocketAddress> out;
  for (addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
    out.push_back(SocketAddress::FromRaw(ai->ai_addr, ai->ai_addrlen));
  }
  ::freeaddrinfo(result);
  return out;
}

// --- Socket ---

absl::StatusOr<Socket> Socket::Create(int family, int type) {
  const int fd = ::socket(family, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoToStatus(errno, "socket");
  return Socket(FileDescriptor(fd), family, type);
}

Socket::Socket(FileDescriptor fd, int family, int type) : fd_(std::move(fd)), family_(family), type_(type) {
  if (fd_.valid()) {
    const int flags = ::fcntl(fd_.get(), F_GETFL);
    if (flags >= 0 && (flags & O_NONBLOCK) != 0) timeout_ = absl::ZeroDuration();
  }
}

absl::Status Socket::CheckOpen(const char* what) const {
  if (!fd_.valid()) return absl::FailedPreconditionError(absl::StrCat(what, ": socket is closed"));
  return absl::OkStatus();
}

template <class Op>
absl::StatusOr<ssize_t> Socket::Call(const char* what, short events, Op op) {
  if (absl::Status s = CheckOpen(what); !s.ok()) return s;
  const bool timed = timeout_.has_value() && *timeout_ > absl::ZeroDuration();
  const Deadline deadline = timed ? Deadline::FromTimeout(timeout_) : Deadline::Infinite();
  for (;;) {
    const ssize_t r = op();
    if (r >= 0) return r;
    const int err = errno;
    if (err == EINTR) continue;
    if ((err == EAGAIN || err == EWOULDBLOCK) && timed) {
      if (absl::Status s = WaitReady(fd_.get(), events, deadline, what); !s.ok()) return s;
      continue;
    }
    return ErrnoToStatus(err, what);
  }
}

absl::Status Socket::setsockopt(int level, int name, int value) {
  if (absl::Status s = CheckOpen("setsockopt"); !s.ok()) return s;
  if (::setsockopt(fd_.get(), level, name, &value, sizeof(value)) < 0) return ErrnoToStatus(errno, "setsockopt");
  return absl::OkStatus();
}

absl::StatusOr<int> Socket::getsockopt(int level, int name) const {
  if (absl::Status s = CheckOpen("getsockopt"); !s.ok()) return s;
  int value = 0;
  socklen_t len = sizeof(value);
  if (::getsockopt(fd_.get(), level, name, &value, &len) < 0) return ErrnoToStatus(errno, "getsockopt");
  return value;
}

absl::Status Socket::set_reuse_address(bool on) { return setsockopt(SOL_SOCKET, SO_REUSEADDR, on ? 1 : 0); }
absl::Status Socket::set_reuse_port(bool on) { return setsockopt(SOL_SOCKET, SO_REUSEPORT, on ? 1 : 0); }
absl::Status Socket::set_nodelay(bool on) { return setsockopt(IPPROTO_TCP, TCP_NODELAY, on ? 1 : 0); }
absl::Status Socket::set_keepalive(bool on) { return setsockopt(SOL_SOCKET, SO_KEEPALIVE, on ? 1 : 0); }

absl::Status Socket::settimeout(std::optional<absl::Duration> timeout) {
  if (absl::Status s = CheckOpen("settimeout"); !s.ok()) return s;
  if (timeout.has_value() && *timeout > TIMEOUT_MAX) timeout = std::nullopt;  // Saturates to forever.
  if (absl::Status s = SetNonBlocking(fd_.get(), timeout.has_value()); !s.ok()) return s;
  timeout_ = timeout;
  return absl::OkStatus();
}

absl::Status Socket::setblocking(bool blocking) {
  return settimeout(blocking ? std::nullopt : std::optional<absl::Duration>(absl::ZeroDuration()));
}

absl::Status Socket::bind(const SocketAddress& address) {
  if (absl::Status s = CheckOpen("bind"); !s.ok()) return s;
  if (::bind(fd_.get(), address.raw(), address.raw_size()) < 0) {
    return ErrnoToStatus(errno, absl::StrCat("bind(", address.ToString(), ")"));
  }
  return absl::OkStatus();
}

absl::Status Socket::listen(int backlog) {
  if (absl::Status s = CheckOpen("listen"); !s.ok()) return s;
  if (::listen(fd_.get(), backlog) < 0) return ErrnoToStatus(errno, "listen");
  return absl::OkStatus();
}

absl::StatusOr<SocketAddress> Socket::getsockname() const {
  if (absl::Status s = CheckOpen("getsockname"); !s.ok()) return s;
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&ss), &len) < 0) return ErrnoToStatus(errno, "getsockname");
  return SocketAddress::FromRaw(reinterpret_cast<sockaddr*>(&ss), len);
}

absl::StatusOr<SocketAddress> Socket::getpeername() const {
  if (absl::Status s = CheckOpen("getpeername"); !s.ok()) return s;
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (::getpeername(fd_.get(), reinterpret_cast<sockaddr*>(&ss), &len) < 0) return ErrnoToStatus(errno, "getpeername");
  return SocketAddress::FromRaw(reinterpret_cast<sockaddr*>(&ss), len);
}

absl::StatusOr<std::pair<Socket, SocketAddress>> Socket::accept() {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  absl::StatusOr<ssize_t> fd = Call("accept", POLLIN, [&] {
    len = sizeof(ss);
    return static_cast<ssize_t>(::accept4(fd_.get(), reinterpret_cast<sockaddr*>(&ss), &len, SOCK_CLOEXEC));
  });
  if (!fd.ok()) return fd.status();
  return std::make_pair(Socket(FileDescriptor(static_cast<int>(*fd)), family_, type_),
                        SocketAddress::FromRaw(reinterpret_cast<sockaddr*>(&ss), len));
}

absl::Status Socket::connect(const SocketAddress& address) {
  if (absl::Status s = CheckOpen("connect"); !s.ok()) return s;
  const std::string what = absl::StrCat("connect(", address.ToString(), ")");
  const bool timed = timeout_.has_value() && *timeout_ > absl::ZeroDuration();
  const bool nonblocking = timeout_.has_value() && !timed;
  if (::connect(fd_.get(), address.raw(), address.raw_size()) == 0) return absl::OkStatus();
  const int err = errno;
  // Timed: the descriptor is non-blocking, so EINPROGRESS; wait for writability.
  // Blocking and interrupted by a signal (EINTR): the connect goes on in the
  // kernel; wait for it the same way (CPython's internal_connect does too).
  // Non-blocking: report at once (Python's BlockingIOError for EINPROGRESS).
  const bool wait = (timed && err == EINPROGRESS) || (!nonblocking && err == EINTR);
  if (!wait) return ErrnoToStatus(err, what);
  const Deadline deadline = timed ? Deadline::FromTimeout(timeout_) : Deadline::Infinite();
  if (absl::Status s = WaitReady(fd_.get(), POLLOUT, deadline, what.c_str()); !s.ok()) return s;
  absl::StatusOr<int> so_error = getsockopt(SOL_SOCKET, SO_ERROR);
  if (!so_error.ok()) return so_error.status();
  if (*so_error != 0) return ErrnoToStatus(*so_error, what);
  return absl::OkStatus();
}

absl::StatusOr<size_t> Socket::send(std::string_view data) {
  absl::StatusOr<ssize_t> n = Call("send", POLLOUT, [&] {
    return ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
  });
  if (!n.ok()) return n.status();
  return static_cast<size_t>(*n);
}

absl::Status Socket::sendall(std::string_view data) {
  if (absl::Status s = CheckOpen("sendall"); !s.ok()) return s;
  const bool timed = timeout_.has_value() && *timeout_ > absl::ZeroDuration();
  const Deadline deadline = timed ? Deadline::FromTimeout(timeout_) : Deadline::Infinite();
  while (!data.empty()) {
    const ssize_t r = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
    if (r >= 0) {
      data.remove_prefix(static_cast<size_t>(r));
      continue;
    }
    const int err = errno;
    if (err == EINTR) continue;
    if ((err == EAGAIN || err == EWOULDBLOCK) && timed) {
      if (absl::Status s = WaitReady(fd_.get(), POLLOUT, deadline, "sendall"); !s.ok()) return s;
      continue;
    }
    return ErrnoToStatus(err, "sendall");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Socket::recv(size_t bufsize) {
  std::string out(bufsize, '\0');
  absl::StatusOr<size_t> n = recv_into(std::span<std::byte>(reinterpret_cast<std::byte*>(out.data()), out.size()));
  if (!n.ok()) return n.status();
  out.resize(*n);
  return out;
}

absl::StatusOr<size_t> Socket::recv_into(std::span<std::byte> buffer) {
  if (buffer.empty()) {
    if (absl::Status s = CheckOpen("recv"); !s.ok()) return s;
    return 0;
  }
  absl::StatusOr<ssize_t> n = Call("recv", POLLIN, [&] { return ::recv(fd_.get(), buffer.data(), buffer.size(), 0); });
  if (!n.ok()) return n.status();
  return static_cast<size_t>(*n);
}

absl::StatusOr<size_t> Socket::sendto(std::string_view data, const SocketAddress& address) {
  absl::StatusOr<ssize_t> n = Call("sendto", POLLOUT, [&] {
    return ::sendto(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL, address.raw(), address.raw_size());
  });
  if (!n.ok()) return n.status();
  return static_cast<size_t>(*n);
}

absl::StatusOr<std::pair<std::string, SocketAddress>> Socket::recvfrom(size_t bufsize) {
  std::string out(bufsize, '\0');
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  absl::StatusOr<ssize_t> n = Call("recvfrom", POLLIN, [&] {
    len = sizeof(ss);
    return ::recvfrom(fd_.get(), out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&ss), &len);
  });
  if (!n.ok()) return n.status();
  out.resize(static_cast<size_t>(*n));
  return std::make_pair(std::move(out), SocketAddress::FromRaw(reinterpret_cast<sockaddr*>(&ss), len));
}

absl::Status Socket::shutdown(int how) {
  if (absl::Status s = CheckOpen("shutdown"); !s.ok()) return s;
  if (::shutdown(fd_.get(), how) < 0) return ErrnoToStatus(errno, "shutdown");
  return absl::OkStatus();
}

absl::Status Socket::close() { return fd_.Close(); }

// --- Free functions ---

absl::StatusOr<std::pair<Socket, Socket>> socketpair(int family, int type) {
  int fds[2];
  if (::socketpair(family, type | SOCK_CLOEXEC, 0, fds) < 0) return ErrnoToStatus(errno, "socketpair");
  return std::make_pair(Socket(FileDescriptor(fds[0]), family, type), Socket(FileDescriptor(fds[1]), family, type));
}

absl::StatusOr<Socket> create_connection(std::string_view host, int port, std::optional<absl::Duration> timeout) {
  const Deadline deadline = Deadline::FromTimeout(timeout);
  absl::StatusOr<std::vector<SocketAddress>> addresses = getaddrinfo(host, port, AF_UNSPEC, SOCK_STREAM);
  if (!addresses.ok()) return addresses.status();
  absl::Status last = absl::NotFoundError(absl::StrCat("create_connection: no address for '", Absl(host), "'"));
  for (const SocketAddress& address : *addresses) {
    absl::StatusOr<Socket> sock = Socket::Create(address.family(), SOCK_STREAM);
    if (!sock.ok()) return sock.status();
    std::optional<absl::Duration> left;
    if (!deadline.is_infinite()) left = deadline.remaining();
    if (left.has_value() && *left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(absl::StrCat("connect(", address.ToString(), "): timed out"));
    }
    if (absl::Status s = sock->settimeout(left); !s.ok()) return s;
    last = sock->connect(address);
    if (last.ok()) {
      if (absl::Status s = sock->settimeout(timeout); !s.ok()) return s;
      return sock;
    }
  }
  return last;
}

absl::StatusOr<Socket> create_server(std::string_view host, int port, int backlog, bool reuse_port) {
  absl::StatusOr<SocketAddress> address = SocketAddress::Inet(host, port);
  if (!address.ok()) return address.status();
  absl::StatusOr<Socket> sock = Socket::Create(address->family(), SOCK_STREAM);
  if (!sock.ok()) return sock.status();
  if (absl::Status s = sock->set_reuse_address(true); !s.ok()) return s;
  if (reuse_port) {
    if (absl::Status s = sock->set_reuse_port(true); !s.ok()) return s;
  }
  if (absl::Status s = sock->bind(*address); !s.ok()) return s;
  if (absl::Status s = sock->listen(backlog); !s.ok()) return s;
  return sock;
}

// --- SocketReader ---

SocketReader::SocketReader(Socket& socket, size_t buffer_size) : socket_(&socket), buffer_(buffer_size, '\0') {
  if (buffer_.empty()) buffer_.resize(1);
}

absl::StatusOr<size_t> SocketReader::Fill() {
  if (begin_ > 0 && begin_ == end_) begin_ = end_ = 0;
  if (end_ == buffer_.size()) {
    if (begin_ > 0) {  // Compact: move the unread bytes to the front.
      std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    } else {
      buffer_.resize(buffer_.size() * 2);
    }
  }
  absl::StatusOr<size_t> n = socket_->recv_into(
      std::span<std::byte>(reinterpret_cast<std::byte*>(buffer_.data()) + end_, buffer_.size() - end_));
  if (!n.ok()) return n.status();
  end_ += *n;
  return *n;
}

absl::StatusOr<std::string> SocketReader::readline(size_t limit) {
  size_t scanned = 0;
  for (;;) {
    const std::string_view unread(buffer_.data() + begin_, end_ - begin_);
    const size_t nl = unread.find('\n', scanned);
    if (nl != std::string_view::npos) {
      if (nl + 1 > limit) break;
      std::string line(unread.substr(0, nl + 1));
      begin_ += nl + 1;
      return line;
    }
    scanned = unread.size();
    if (scanned >= limit) break;
    absl::StatusOr<size_t> n = Fill();
    if (!n.ok()) return n.status();
    if (*n == 0) {  // End of stream: what is left, without a newline.
      std::string rest(buffer_.data() + begin_, end_ - begin_);
      begin_ = end_ = 0;
      return rest;
    }
  }
  return absl::ResourceExhaustedError(absl::StrCat("readline: no newline within ", limit, " bytes"));
}

absl::StatusOr<std::string> SocketReader::read(size_t n) {
  while (end_ - begin_ < n) {
    absl::StatusOr<size_t> got = Fill();
    if (!got.ok()) return got.status();
    if (*got == 0) break;
  }
  const size_t take = std::min(n, end_ - begin_);
  std::string out(buffer_.data() + begin_, take);
  begin_ += take;
  return out;
}

}  // namespace conc
