// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/marshalling/mp_connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "modules/common/status.h"

namespace conc {
namespace {

// connection.py's constants.
constexpr std::string_view kChallenge = "#CHALLENGE#";
constexpr std::string_view kWelcome = "#WELCOME#";
constexpr std::string_view kFailure = "#FAILURE#";
constexpr size_t kMessageLength = 20;  // MESSAGE_LENGTH: the random part of a challenge.
constexpr uint64_t kHandshakeLimit = 256;  // recv_bytes(256) in the handshake.
// Payloads grow by at least this much as they arrive.
constexpr size_t kReadChunk = size_t{64} << 10;

absl::Status Status(absl::StatusCode code, const std::string& message) {
  return absl::Status(code, absl::string_view(message.data(), message.size()));
}

std::string Quoted(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes.substr(0, 40)) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += absl::StrFormat("\\x%02x", c);
    }
  }
  if (bytes.size() > 40) out += "...";
  return out;
}

absl::StatusOr<std::string> RandomBytes(size_t n) {
  std::string out(n, '\0');
  size_t have = 0;
  while (have < n) {
    const ssize_t got = ::getrandom(out.data() + have, n - have, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, "getrandom");
    }
    have += static_cast<size_t>(got);
  }
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// A sockaddr for `address`: sockaddr_in or sockaddr_un, and its length.
struct SockAddr {
  sockaddr_storage storage{};
  socklen_t length = 0;
};

absl::StatusOr<SockAddr> ToSockAddr(const PyAddress& address) {
  SockAddr out;
  if (address.is_unix) {
    auto* un = reinterpret_cast<sockaddr_un*>(&out.storage);
    un->sun_family = AF_UNIX;
    if (address.path.empty() || address.path.size() >= sizeof un->sun_path) {
      return ValueError(absl::StrCat("AF_UNIX path of ", address.path.size(),
                                     " bytes (1 to ", sizeof un->sun_path - 1, " allowed)"));
    }
    std::memcpy(un->sun_path, address.path.data(), address.path.size());
    // An abstract name's length is exact; a path's includes its NUL.
    out.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.path.size() +
                                        (address.path[0] == '\0' ? 0 : 1));
    return out;
  }
  auto* in = reinterpret_cast<sockaddr_in*>(&out.storage);
  in->sin_family = AF_INET;
  in->sin_port = htons(address.port);
  const std::string host = address.host == "localhost" || address.host.empty() ? "127.0.0.1" : address.host;
  if (::inet_pton(AF_INET, host.c_str(), &in->sin_addr) != 1) {
    return ValueError("not an IPv4 address: " + address.host);
  }
  out.length = sizeof(sockaddr_in);
  return out;
}

absl::Status WaitFor(int fd, short events, const Deadline& deadline, std::string_view what) {
  while (true) {
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, deadline.remaining_poll_milliseconds());
    if (n > 0) return absl::OkStatus();
    if (n == 0) {
      if (deadline.expired()) {
        return absl::DeadlineExceededError(absl::StrCat(std::string(what), ": timed out"));
      }
      continue;
    }
    if (errno != EINTR) return ErrnoToStatus(errno, "poll");
  }
}

}  // namespace

namespace internal {

std::string PyMessageHeader(uint64_t size) {
  std::string out;
  auto put = [&out](uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
  };
  if (size > 0x7fffffffu) {
    put(0xFFFFFFFFu, 4);  // struct.pack("!i", -1)
    put(size, 8);         // struct.pack("!Q", n)
  } else {
    put(size, 4);  // struct.pack("!i", n)
  }
  return out;
}

std::string HmacMd5(std::string_view key, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // One-shot HMAC() with EVP_md5 cannot fail for in-memory inputs.
  ::HMAC(EVP_md5(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

}  // namespace internal

std::string PyAddress::ToString() const {
  if (!is_unix) return absl::StrCat(host, ":", port);
  if (!path.empty() && path[0] == '\0') return "@" + path.substr(1);
  return path;
}

// ---------------------------------------------------------------------------
// PyConnection

PyConnection::PyConnection(FileDescriptor fd, uint64_t max_message_size)
    : read_fd_(std::move(fd)), max_message_size_(max_message_size) {
  IgnoreSigpipe();
}

PyConnection::PyConnection(FileDescriptor read, FileDescriptor write, uint64_t max_message_size)
    : read_fd_(std::move(read)), write_fd_(std::move(write)), max_message_size_(max_message_size) {
  IgnoreSigpipe();
}

void PyConnection::close() {
  read_fd_.reset();
  write_fd_.reset();
}

absl::Status PyConnection::Fail(absl::Status status) {
  close();
  return status;
}

absl::Status PyConnection::send_bytes(std::string_view bytes) {
  if (closed()) return MisuseError("PyConnection: handle is closed");
  const int fd = write_fd_.get() >= 0 ? write_fd_.get() : read_fd_.get();
  // Header and payload in one write for small messages (Python: Nagle, issue 20540).
  std::string header = internal::PyMessageHeader(bytes.size());
  if (bytes.size() <= 16384) {
    header.append(bytes.data(), bytes.size());
    return WriteFull(fd, std::as_bytes(std::span(header)));
  }
  if (absl::Status s = WriteFull(fd, std::as_bytes(std::span(header))); !s.ok()) return s;
  return WriteFull(fd, std::as_bytes(std::span(bytes.data(), bytes.size())));
}

absl::Status PyConnection::ReadExact(size_t size, std::string* out, const Deadline& deadline,
                                     size_t* got) {
  const size_t start = out->size();
  size_t have = 0;
  while (have < size) {
    if (out->size() == start + have) {
      // Grow with what arrives, never with what the header claims.
      out->resize(start + std::min(size, std::max(kReadChunk, 2 * have)));
    }
    if (!deadline.is_infinite()) {
      if (absl::Status s = WaitFor(read_fd_.get(), POLLIN, deadline, "recv_bytes"); !s.ok()) {
        out->resize(start + have);
        *got = have;
        return s;
      }
    }
    const ssize_t n = ::read(read_fd_.get(), out->data() + start + have, out->size() - start - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      out->resize(start + have);
      *got = have;
      return ErrnoToStatus(errno, "read");
    }
    if (n == 0) break;
    have += static_cast<size_t>(n);
  }
  out->resize(start + have);
  *got = have;
  return absl::OkStatus();
}

absl::StatusOr<std::string> PyConnection::recv_bytes_until(std::optional<uint64_t> maxlength,
                                                           const Deadline& deadline) {
  if (closed()) return MisuseError("PyConnection: handle is closed");
  std::string header;
  size_t got = 0;
  if (absl::Status s = ReadExact(4, &header, deadline, &got); !s.ok()) return Fail(s);
  if (got == 0) return Fail(EofError("EOF"));
  if (got < 4) return Fail(DataLossError("got end of file during message (in its length)"));
  const auto byte = [&header](size_t i) { return static_cast<uint64_t>(static_cast<unsigned char>(header[i])); };
  const int32_t short_size = static_cast<int32_t>(static_cast<uint32_t>(byte(0) << 24 | byte(1) << 16 |
                                                                        byte(2) << 8 | byte(3)));
  uint64_t size = 0;
  if (short_size == -1) {
    header.clear();
    if (absl::Status s = ReadExact(8, &header, deadline, &got); !s.ok()) return Fail(s);
    if (got < 8) return Fail(DataLossError("got end of file during message (in its 8-byte length)"));
    for (size_t i = 0; i < 8; ++i) size = size << 8 | byte(i);
  } else if (short_size < 0) {
    return Fail(DataLossError(absl::StrCat("bad message length ", short_size, ": negative")));
  } else {
    size = static_cast<uint64_t>(short_size);
  }
  const uint64_t limit = std::min(maxlength.value_or(max_message_size_), max_message_size_);
  if (size > limit) {
    return Fail(ValueError(absl::StrCat("bad message length: ", size, " bytes, more than the ",
                                        limit, " allowed (", maxlength ? "maxlength" : "max_message_size",
                                        ")")));
  }
  std::string payload;
  if (absl::Status s = ReadExact(size, &payload, deadline, &got); !s.ok()) return Fail(s);
  if (got < size) {
    return Fail(DataLossError(absl::StrCat("got end of file during message (", got, " of ", size,
                                           " bytes)")));
  }
  return payload;
}

absl::StatusOr<std::string> PyConnection::recv_bytes(std::optional<uint64_t> maxlength) {
  return recv_bytes_until(maxlength, Deadline::Infinite());
}

absl::Status PyConnection::send(const PyValue& value, int protocol) {
  absl::StatusOr<std::string> bytes = PickleDumps(value, protocol);
  if (!bytes.ok()) return bytes.status();
  return send_bytes(*bytes);
}

absl::StatusOr<PyValue> PyConnection::recv(const PickleLimits& limits) {
  absl::StatusOr<std::string> bytes = recv_bytes();
  if (!bytes.ok()) return bytes.status();
  return PickleLoads(*bytes, limits);
}

absl::StatusOr<bool> PyConnection::poll(std::optional<absl::Duration> timeout) {
  if (closed()) return MisuseError("PyConnection: handle is closed");
  const Deadline deadline = Deadline::FromTimeout(timeout);
  absl::Status s = WaitFor(read_fd_.get(), POLLIN, deadline, "poll");
  if (s.ok()) return true;
  if (absl::IsDeadlineExceeded(s)) return false;
  return s;
}

// ---------------------------------------------------------------------------
// The handshake

absl::Status deliver_challenge(PyConnection& conn, std::string_view authkey, const Deadline& deadline) {
  absl::StatusOr<std::string> message = RandomBytes(kMessageLength);
  if (!message.ok()) return message.status();
  if (absl::Status s = conn.send_bytes(std::string(kChallenge) + *message); !s.ok()) return s;
  const std::string digest = internal::HmacMd5(authkey, *message);
  absl::StatusOr<std::string> response = conn.recv_bytes_until(kHandshakeLimit, deadline);
  if (!response.ok()) return response.status();
  if (ConstantTimeEquals(*response, digest)) return conn.send_bytes(kWelcome);
  (void)conn.send_bytes(kFailure);
  return absl::PermissionDeniedError("AuthenticationError: digest received was wrong");
}

absl::Status answer_challenge(PyConnection& conn, std::string_view authkey, const Deadline& deadline) {
  absl::StatusOr<std::string> message = conn.recv_bytes_until(kHandshakeLimit, deadline);
  if (!message.ok()) return message.status();
  if (message->substr(0, kChallenge.size()) != kChallenge) {
    return ValueError("answer_challenge: expected #CHALLENGE#, got '" + Quoted(*message) + "'");
  }
  const std::string digest = internal::HmacMd5(authkey, std::string_view(*message).substr(kChallenge.size()));
  if (absl::Status s = conn.send_bytes(digest); !s.ok()) return s;
  absl::StatusOr<std::string> response = conn.recv_bytes_until(kHandshakeLimit, deadline);
  if (!response.ok()) return response.status();
  if (*response != kWelcome) {
    return Status(absl::StatusCode::kPermissionDenied,
                  std::string("AuthenticationError: digest sent was rejected") +
                      (*response == kFailure ? "" : " (the answer was '" + Quoted(*response) + "')"));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// PyListener and PyClient

absl::StatusOr<PyListener> PyListener::Open(const PyAddress& address, std::optional<std::string> authkey,
                                            int backlog) {
  absl::StatusOr<SockAddr> addr = ToSockAddr(address);
  if (!addr.ok()) return addr.status();
  FileDescriptor fd(::socket(address.is_unix ? AF_UNIX : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return ErrnoToStatus(errno, "socket");
  if (!address.is_unix) {
    const int one = 1;  // Python's SocketListener sets SO_REUSEADDR too.
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  }
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr->storage), addr->length) != 0) {
    return ErrnoToStatus(errno, "bind " + address.ToString());
  }
  if (::listen(fd.get(), backlog) != 0) return ErrnoToStatus(errno, "listen");
  PyAddress bound = address;
  if (!address.is_unix) {
    sockaddr_in in{};
    socklen_t len = sizeof in;
    if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&in), &len) != 0) {
      return ErrnoToStatus(errno, "getsockname");
    }
    bound.port = ntohs(in.sin_port);
  }
  return PyListener(std::move(fd), std::move(bound), std::move(authkey));
}

PyListener::~PyListener() { close(); }

void PyListener::close() {
  if (fd_.get() < 0) return;
  fd_.reset();
  if (address_.is_unix && !address_.path.empty() && address_.path[0] != '\0') {
    ::unlink(address_.path.c_str());
  }
}

absl::StatusOr<PyConnection> PyListener::accept(std::optional<absl::Duration> timeout) {
  if (fd_.get() < 0) return MisuseError("PyListener: listener is closed");
  const Deadline deadline = Deadline::FromTimeout(timeout);
  if (absl::Status s = WaitFor(fd_.get(), POLLIN, deadline, "accept"); !s.ok()) return s;
  FileDescriptor client;
  while (true) {
    client = FileDescriptor(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (client.get() >= 0) break;
    if (errno != EINTR) return ErrnoToStatus(errno, "accept");
  }
  if (!address_.is_unix) {
    const int one = 1;
    ::setsockopt(client.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  PyConnection conn(std::move(client));
  if (authkey_.has_value() && !authkey_->empty()) {
    if (absl::Status s = deliver_challenge(conn, *authkey_, deadline); !s.ok()) return s;
    if (absl::Status s = answer_challenge(conn, *authkey_, deadline); !s.ok()) return s;
  }
  return conn;
}

absl::StatusOr<PyConnection> PyClient(const PyAddress& address, std::optional<std::string> authkey,
                                      std::optional<absl::Duration> timeout) {
  const Deadline deadline = Deadline::FromTimeout(timeout);
  absl::StatusOr<SockAddr> addr = ToSockAddr(address);
  if (!addr.ok()) return addr.status();
  FileDescriptor fd(::socket(address.is_unix ? AF_UNIX : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return ErrnoToStatus(errno, "socket");
  // Connect without blocking past the deadline, then back to blocking mode.
  const int flags = ::fcntl(fd.get(), F_GETFL);
  ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr->storage), addr->length) != 0) {
    if (errno != EINPROGRESS && errno != EINTR && errno != EAGAIN) {
      return ErrnoToStatus(errno, "connect " + address.ToString());
    }
    if (absl::Status s = WaitFor(fd.get(), POLLOUT, deadline, "connect " + address.ToString()); !s.ok()) {
      return s;
    }
    int error = 0;
    socklen_t len = sizeof error;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &len);
    if (error != 0) return ErrnoToStatus(error, "connect " + address.ToString());
  }
  ::fcntl(fd.get(), F_SETFL, flags);
  if (!address.is_unix) {
    const int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  PyConnection conn(std::move(fd));
  if (authkey.has_value()) {
    if (absl::Status s = answer_challenge(conn, *authkey, deadline); !s.ok()) return s;
    if (absl::Status s = deliver_challenge(conn, *authkey, deadline); !s.ok()) return s;
  }
  return conn;
}

}  // namespace conc
