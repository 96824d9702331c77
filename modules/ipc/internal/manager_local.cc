// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/ipc/internal/manager_local.h"

#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "modules/common/framed.h"
#include "modules/common/internal/spin.h"
#include "modules/common/status.h"
#include "modules/common/timeout.h"
#include "modules/ipc/internal/manager_auth.h"
#include "modules/ipc/internal/manager_wire.h"

namespace conc::internal {
namespace {

constexpr char kLocalMarker[] = "#local=";

// An abstract socket address: sun_path[0] is NUL, the name follows (not
// NUL-terminated; the length says where it ends).
absl::StatusOr<std::pair<sockaddr_un, socklen_t>> AbstractAddress(const std::string& name) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (name.empty() || name.size() + 1 > sizeof addr.sun_path) {
    return absl::InvalidArgumentError(
        absl::StrCat("manager: abstract socket name of ", name.size(), " bytes (1 to ",
                     sizeof addr.sun_path - 1, ")"));
  }
  std::memcpy(addr.sun_path + 1, name.data(), name.size());
  return std::make_pair(addr,
                        static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size()));
}

// SO_RCVTIMEO/SO_SNDTIMEO of `d` (zero: none), at least 1 ms if positive.
void SetIoTimeouts(int fd, absl::Duration d) {
  timeval tv{};
  if (d > absl::ZeroDuration()) {
    d = std::max(d, absl::Milliseconds(1));
    d = std::min(d, absl::Hours(24 * 365));  // Saturate well inside time_t.
    tv = absl::ToTimeval(d);
  }
  (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

template <typename Message>
absl::Status WriteProto(int fd, const Message& message) {
  FrameWriter writer(fd);
  return writer.Write(message.SerializeAsString());
}

template <typename Message>
absl::Status ReadProto(int fd, uint64_t max_bytes, Message* message) {
  FrameReader reader(fd, max_bytes);
  absl::StatusOr<std::string> payload = reader.Read();
  if (!payload.ok()) return payload.status();
  if (!message->ParseFromString(*payload)) {
    return absl::DataLossError(
        absl::StrCat("manager: a frame that is not a ", message->GetTypeName()));
  }
  return absl::OkStatus();
}

// Waits up to `limit` for `fd` to become readable without sleeping: polls it
// (zero timeout) and yields the CPU between polls, so a peer that answers
// within a few microseconds is seen without a wake-up on either side, and a
// peer that shares this CPU gets it at once. On an oversubscribed machine a
// yield can hand the CPU to somebody else for a time slice instead; then
// internal::YieldCpu() says stop (rule 5 of common/internal/spin.h) and we
// block at once. True if readable (or hung up); false after `limit` or when
// yielding stopped, and the caller then blocks as before.
bool SpinUntilReadable(int fd, std::chrono::nanoseconds limit) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 0) > 0) return true;
    if (std::chrono::steady_clock::now() >= give_up) return false;
    if (!internal::YieldCpu()) return false;
  }
}

// How long each side spins before it sleeps (see SpinUntilReadable): the
// client for its reply, the server for the next request on a connection. A
// proxy call's server work is a few microseconds; the spin is bounded so that
// an idle connection costs nothing after it.
constexpr std::chrono::microseconds kClientSpin{50};
constexpr std::chrono::microseconds kServerSpin{50};

// Frames of framed.h's format read with as few system calls as possible:
// one recv(2) usually brings a whole small frame (FrameReader makes two
// calls per frame, header then payload). The reader's table is FrameReader's:
// EOF between frames is OutOfRange, EOF inside one DataLoss, a header above
// `max_bytes` InvalidArgument before anything is allocated for it.
class SocketFrames {
 public:
  SocketFrames(int fd, uint64_t max_bytes) : fd_(fd), max_bytes_(max_bytes) {}

  absl::StatusOr<std::string> Read() {
    while (true) {
      const size_t have = buffer_.size() - offset_;
      if (have >= kFrameHeaderSize) {
        uint64_t size = 0;
        std::memcpy(&size, buffer_.data() + offset_, sizeof size);  // Little-endian.
        if (size > max_bytes_) {
          return absl::InvalidArgumentError(absl::StrCat(
              "frame of ", size, " bytes is above the limit of ", max_bytes_, " bytes"));
        }
        if (have - kFrameHeaderSize >= size) {
          std::string payload = buffer_.substr(offset_ + kFrameHeaderSize, size);
          offset_ += kFrameHeaderSize + size;
          if (offset_ == buffer_.size()) {
            buffer_.clear();
            offset_ = 0;
          }
          return payload;
        }
      }
      if (offset_ > 0) {
        buffer_.erase(0, offset_);
        offset_ = 0;
      }
      char chunk[16 * 1024];
      const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoToStatus(errno, "read frame");
      if (n == 0) {
        if (buffer_.empty()) return absl::OutOfRangeError("EOF");
        return absl::DataLossError(
            absl::StrCat("truncated frame: the stream ended after ", buffer_.size(), " bytes"));
      }
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

 private:
  const int fd_;
  const uint64_t max_bytes_;
  std::string buffer_;
  size_t offset_ = 0;
};

// A positive budget in µs, saturating (an infinite one is INT64_MAX).
int64_t BudgetMicros(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return 0;
  if (d == absl::InfiniteDuration()) return std::numeric_limits<int64_t>::max();
  return absl::ToInt64Microseconds(d);  // Saturates.
}

// The server side of one call on a connection.
class LocalCallContext final : public CallContext {
 public:
  LocalCallContext(int fd, int64_t budget_us)
      // absl::Time + Duration saturates: INT64_MAX µs is ~292,000 years.
      : fd_(fd), deadline_(absl::Now() + absl::Microseconds(std::max<int64_t>(budget_us, 0))) {}
  absl::Time deadline() const override { return deadline_; }
  // The client has closed or died: its end of the socket is shut.
  bool cancelled() const override {
    pollfd p{fd_, POLLRDHUP, 0};
    if (poll(&p, 1, 0) <= 0) return false;
    return (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
  }

 private:
  const int fd_;
  const absl::Time deadline_;
};

}  // namespace

ManagerAddress ParseManagerAddress(std::string_view address) {
  ManagerAddress out;
  const size_t at = address.rfind(kLocalMarker);
  if (at == std::string_view::npos) {
    out.grpc = std::string(address);
    return out;
  }
  out.grpc = std::string(address.substr(0, at));
  std::string_view local = address.substr(at + std::string_view(kLocalMarker).size());
  const size_t slash = local.find('/');
  if (slash == std::string_view::npos) return out;  // Malformed: gRPC only.
  out.local_host = std::string(local.substr(0, slash));
  out.local_name = std::string(local.substr(slash + 1));
  if (out.local_host.empty() || out.local_name.empty()) out.local_host.clear();
  return out;
}

std::string FormatManagerAddress(const ManagerAddress& address) {
  if (address.local_host.empty()) return address.grpc;
  return absl::StrCat(address.grpc, kLocalMarker, address.local_host, "/", address.local_name);
}

std::string LocalHostName() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "";
  return name;
}

// --- Client ---

absl::StatusOr<std::unique_ptr<LocalManagerClient>> LocalManagerClient::Connect(
    const std::string& name, const std::string& authkey, absl::Duration call_timeout,
    std::string display) {
  std::unique_ptr<LocalManagerClient> client(
      new LocalManagerClient(name, authkey, call_timeout, std::move(display)));
  absl::StatusOr<FileDescriptor> first = client->Open();
  if (!first.ok()) return first.status();
  internal::MutexLock lock(client->mu_);
  client->idle_.push_back(*std::move(first));
  return client;
}

absl::Status LocalManagerClient::Broken(std::string_view what, const absl::Status& why) const {
  return absl::UnavailableError(absl::StrCat(std::string(what), " (manager at ", display_,
                                             ", same-host socket): ", why.ToString()));
}

absl::StatusOr<FileDescriptor> LocalManagerClient::Open() const {
  absl::StatusOr<std::pair<sockaddr_un, socklen_t>> addr = AbstractAddress(name_);
  if (!addr.ok()) return addr.status();
  FileDescriptor fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Broken("connect", ErrnoToStatus(errno, "socket"));
  // Bounds connect(2) (a full backlog), every read and write below.
  SetIoTimeouts(fd.get(), call_timeout_);
  int rc;
  do {
    rc = ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr->first), addr->second);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return Broken("connect", ErrnoToStatus(errno, "connect"));

  managerpb::ChallengeReply challenge;
  if (absl::Status s = ReadProto(fd.get(), kLocalHandshakeBytes, &challenge); !s.ok()) {
    return Broken("connect", s);
  }
  const std::string client_nonce = RandomBytes(kNonceBytes);
  managerpb::LocalRequest request;
  request.mutable_authenticate()->set_client_nonce(client_nonce);
  request.mutable_authenticate()->set_client_digest(
      HmacSha256(authkey_, "client" + challenge.server_nonce()));
  if (absl::Status s = WriteProto(fd.get(), request); !s.ok()) return Broken("connect", s);
  managerpb::LocalReply reply;
  if (absl::Status s = ReadProto(fd.get(), kLocalHandshakeBytes, &reply); !s.ok()) {
    return Broken("AuthenticationError", s);
  }
  if (reply.code() == static_cast<int>(absl::StatusCode::kUnauthenticated)) {
    return absl::UnauthenticatedError(
        absl::StrCat(reply.message(), " (manager at ", display_, ")"));
  }
  if (reply.code() != 0 ||
      !ConstantTimeEquals(reply.authenticate().server_digest(),
                          HmacSha256(authkey_, "server" + client_nonce))) {
    return absl::UnauthenticatedError(
        absl::StrCat("AuthenticationError: the manager at ", display_,
                     " could not prove it knows the authkey (digest sent was rejected)"));
  }
  return fd;
}

absl::StatusOr<managerpb::LocalReply> LocalManagerClient::RoundTrip(
    const managerpb::LocalRequest& request, absl::Duration budget) {
  const Deadline deadline = Deadline::FromTimeout(budget);
  FileDescriptor fd;
  {
    internal::MutexLock lock(mu_);
    if (!idle_.empty()) {
      fd = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!fd.valid()) {
    absl::StatusOr<FileDescriptor> opened = Open();
    if (!opened.ok()) {
      // A server that is gone refuses the connection: Unavailable, as gRPC's.
      if (absl::IsUnauthenticated(opened.status())) return opened.status();
      return absl::UnavailableError(opened.status().message());
    }
    fd = *std::move(opened);
  }
  if (absl::Status s = WriteProto(fd.get(), request); !s.ok()) return Broken("manager call", s);
  // Wait for the reply until the call's deadline: EOF (a dead server) wakes
  // the poll at once; silence (a stopped one) runs into the deadline. A short
  // spin first catches a prompt reply without sleeping.
  while (!SpinUntilReadable(fd.get(), kClientSpin)) {
    pollfd p{fd.get(), POLLIN, 0};
    const int ready = poll(&p, 1, deadline.remaining_poll_milliseconds());
    if (ready > 0) break;
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return Broken("manager call", ErrnoToStatus(errno, "poll"));
    return absl::UnavailableError(absl::StrCat("manager call (manager at ", display_,
                                               "): no reply within the deadline"));
  }
  // One request in flight per connection, so nothing follows the reply:
  // a reader of our own per call loses no buffered bytes.
  SocketFrames frames(fd.get(), static_cast<uint64_t>(kMaxMessageBytes));
  absl::StatusOr<std::string> payload = frames.Read();
  if (!payload.ok()) return Broken("manager call", payload.status());
  managerpb::LocalReply reply;
  if (!reply.ParseFromString(*payload)) {
    return Broken("manager call", absl::DataLossError("a reply that is not a LocalReply"));
  }
  if (reply.code() != 0) {
    return absl::Status(static_cast<absl::StatusCode>(reply.code()), reply.message());
  }
  internal::MutexLock lock(mu_);
  idle_.push_back(std::move(fd));
  return reply;
}

absl::StatusOr<managerpb::ExecuteReply> LocalManagerClient::Execute(
    managerpb::ExecuteRequest request, absl::Duration wait) {
  const absl::Duration budget = call_timeout_ + wait;  // Saturates at infinity.
  managerpb::LocalRequest local;
  *local.mutable_execute() = std::move(request);
  local.set_budget_us(BudgetMicros(budget));
  absl::StatusOr<managerpb::LocalReply> reply = RoundTrip(local, budget);
  if (!reply.ok()) return reply.status();
  return std::move(*reply->mutable_execute());
}

absl::Status LocalManagerClient::Shutdown() {
  managerpb::LocalRequest local;
  local.set_shutdown(true);
  local.set_budget_us(BudgetMicros(call_timeout_));
  return RoundTrip(local, call_timeout_).status();
}

// --- Server ---

absl::StatusOr<std::unique_ptr<LocalManagerServer>> LocalManagerServer::Listen(
    const std::string& name, ManagerDispatch* dispatch) {
  absl::StatusOr<std::pair<sockaddr_un, socklen_t>> addr = AbstractAddress(name);
  if (!addr.ok()) return addr.status();
  FileDescriptor fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return ErrnoToStatus(errno, "manager: socket");
  if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr->first), addr->second) != 0) {
    return absl::UnavailableError(absl::StrCat("manager: cannot listen on the abstract socket '",
                                               name, "': ", std::strerror(errno)));
  }
  if (listen(fd.get(), 128) != 0) return ErrnoToStatus(errno, "manager: listen");
  std::unique_ptr<LocalManagerServer> server(new LocalManagerServer(std::move(fd), dispatch));
  server->acceptor_ = std::thread([s = server.get()] { s->AcceptLoop(); });
  return server;
}

LocalManagerServer::~LocalManagerServer() {
  stopping_.store(true);
  if (acceptor_.joinable()) acceptor_.join();
  std::map<int64_t, std::thread> threads;
  {
    internal::MutexLock lock(mu_);
    // Wakes every thread blocked reading or writing its connection; each
    // closes its own descriptor (so none is reused under another's feet).
    for (int fd : live_) (void)::shutdown(fd, SHUT_RDWR);
    threads.swap(threads_);
  }
  for (auto& [id, t] : threads) t.join();
}

void LocalManagerServer::ReapFinished() {
  std::vector<std::thread> done;
  {
    internal::MutexLock lock(mu_);
    for (int64_t id : finished_) {
      auto it = threads_.find(id);
      if (it == threads_.end()) continue;
      done.push_back(std::move(it->second));
      threads_.erase(it);
    }
    finished_.clear();
  }
  for (std::thread& t : done) t.join();  // Each has returned, or is about to.
}

void LocalManagerServer::AcceptLoop() {
  while (!stopping_.load()) {
    pollfd p{listener_.get(), POLLIN, 0};
    // Wakes every 100 ms to notice stopping_.
    const int ready = poll(&p, 1, 100);
    ReapFinished();
    if (ready <= 0) continue;
    const int fd = accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;  // EAGAIN, ECONNABORTED, EMFILE: try again later.
    internal::MutexLock lock(mu_);
    live_.insert(fd);
    const int64_t id = next_thread_++;
    threads_.emplace(id, std::thread([this, fd, id] {
                       Serve(fd);
                       internal::MutexLock done(mu_);
                       live_.erase(fd);
                       ::close(fd);
                       finished_.push_back(id);
                     }));
  }
}

void LocalManagerServer::Serve(int fd) {
  // The handshake: a silent or slow peer does not hold this thread longer than
  // kLocalHandshakeTimeout per read.
  SetIoTimeouts(fd, kLocalHandshakeTimeout);
  managerpb::ChallengeReply challenge;
  challenge.set_server_nonce(dispatch_->server_nonce());
  if (!WriteProto(fd, challenge).ok()) return;
  managerpb::LocalRequest hello;
  if (!ReadProto(fd, kLocalHandshakeBytes, &hello).ok() || !hello.has_authenticate()) return;
  absl::StatusOr<std::string> digest = dispatch_->Authenticate(
      hello.authenticate().client_digest(), hello.authenticate().client_nonce());
  managerpb::LocalReply welcome;
  if (!digest.ok()) {
    welcome.set_code(static_cast<int>(digest.status().code()));
    welcome.set_message(std::string(digest.status().message()));
    (void)WriteProto(fd, welcome);
    return;
  }
  welcome.mutable_authenticate()->set_server_digest(*digest);
  if (!WriteProto(fd, welcome).ok()) return;

  // Authenticated: reads wait as long as the client stays idle; a write of a
  // reply the client does not read gives up after a minute.
  timeval none{};
  (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
  const timeval minute{.tv_sec = 60, .tv_usec = 0};
  (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &minute, sizeof minute);
  // The handshake used one-frame reads, so nothing is buffered past it.
  SocketFrames reader(fd, static_cast<uint64_t>(kMaxMessageBytes));
  FrameWriter writer(fd);
  managerpb::LocalRequest request;
  managerpb::LocalReply reply;
  while (!stopping_.load()) {
    // The next request usually follows the last reply at once (a loop of
    // proxy calls): spin briefly before the blocking read sleeps.
    (void)SpinUntilReadable(fd, kServerSpin);
    absl::StatusOr<std::string> payload = reader.Read();
    if (!payload.ok()) return;  // EOF, torn or oversized frame: drop this peer.
    request.Clear();
    if (!request.ParseFromString(*payload)) return;  // Garbage: drop this peer.
    reply.Clear();
    if (request.shutdown()) {
      dispatch_->RequestShutdown();
    } else if (request.has_execute()) {
      LocalCallContext context(fd, request.budget_us());
      dispatch_->Execute(request.execute(), context, reply.mutable_execute());
    } else {
      return;  // A second handshake, or nothing: out of turn.
    }
    if (!writer.Write(reply.SerializeAsString()).ok()) return;
  }
}

}  // namespace conc::internal
