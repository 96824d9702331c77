// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// streams.cc: asyncio's selector transport and StreamReader, for one
// connection (StreamTransport), and asyncio.Server (ServerState).
//
// The reading side follows CPython's Lib/asyncio/streams.py: a buffer the loop
// appends to (_SelectorSocketTransport._read_ready -> StreamReader.feed_data),
// a waiter woken by each append (_wakeup_waiter), pause above 2 x limit and
// resume below limit (_maybe_resume_transport), and readuntil's two
// LimitOverrunError checks. The writing side is _SelectorSocketTransport.write
// and _write_ready: send at once, buffer the rest, flush when writable, close
// once flushed.
//
// Invariants of StreamTransport (loop thread only, nothing atomic):
//   * fd_ is valid until finish_close(); while it is, reading_ says whether the
//     loop watches it for reading and writing_ whether for writing. Both are
//     false once the loop is gone (loop_.lock() == nullptr): its watches went
//     with it.
//   * in_[in_head_, in_.size()) is the unread data; in_head_ <= in_.size().
//   * out_[out_head_, out_.size()) is the unsent data; writing_ is true iff it
//     is non-empty and the connection has not failed.
//   * eof_ is set by the peer's end of stream, a read error, or finish_close();
//     after it nothing is appended to in_.

#include "modules/generators/streams.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <exception>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "modules/common/fd.h"
#include "modules/common/internal/exception.h"
#include "modules/common/status.h"
#include "modules/generators/async_event.h"
#include "modules/generators/cancelled_error.h"
#include "modules/generators/event_loop.h"

namespace conc {
namespace internal {
namespace {

constexpr size_t kRecvChunk = 64 * 1024;  // asyncio's max_size for one recv

// One scratch buffer per thread (a loop runs on one thread): recv(2) lands
// here and only the bytes received are appended to the reader's buffer, so a
// connection costs no 64 KiB of its own.
char* RecvScratch() {
  thread_local char scratch[kRecvChunk];
  return scratch;
}

std::string DescribeAddress(const sockaddr* sa, socklen_t len) {
  char host[INET6_ADDRSTRLEN] = {};
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    return absl::StrCat(host, ":", ntohs(in->sin_port));
  }
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    return absl::StrCat("[", host, "]:", ntohs(in6->sin6_port));
  }
  if (sa->sa_family == AF_UNIX) {
    const auto* un = reinterpret_cast<const sockaddr_un*>(sa);
    const size_t n = len > offsetof(sockaddr_un, sun_path) ? len - offsetof(sockaddr_un, sun_path) : 0;
    if (n == 0) return "";
    if (un->sun_path[0] == '\0') return "@" + std::string(un->sun_path + 1, n - 1);
    return std::string(un->sun_path, strnlen(un->sun_path, n));
  }
  return "";
}

std::string PeerName(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "";
  return DescribeAddress(reinterpret_cast<sockaddr*>(&ss), len);
}

// host:port -> addresses, numeric first (no system call), then getaddrinfo.
absl::StatusOr<std::vector<sockaddr_storage>> Resolve(const std::string& host, int port,
                                                      bool passive, std::vector<socklen_t>* lens) {
  if (port < 0 || port > 65535) return ValueError(absl::StrCat("port out of range: ", port));
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = passive ? AI_PASSIVE : 0;
  const std::string service = std::to_string(port);
  const char* node = host.empty() ? nullptr : host.c_str();
  if (node == nullptr) hints.ai_family = AF_INET;  // "" means every IPv4 address, as asyncio
  addrinfo* res = nullptr;
  hints.ai_flags |= AI_NUMERICHOST;
  int rc = getaddrinfo(node, service.c_str(), &hints, &res);
  if (rc == EAI_NONAME && node != nullptr) {
    hints.ai_flags &= ~AI_NUMERICHOST;
    rc = getaddrinfo(node, service.c_str(), &hints, &res);
  }
  if (rc != 0) {
    const std::string what = absl::StrCat("getaddrinfo(", host, "): ", gai_strerror(rc));
    if (rc == EAI_NONAME) return absl::NotFoundError(what);
    if (rc == EAI_AGAIN) return absl::UnavailableError(what);
    return absl::InvalidArgumentError(what);
  }
  std::vector<sockaddr_storage> out;
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    sockaddr_storage ss{};
    std::memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
    out.push_back(ss);
    lens->push_back(ai->ai_addrlen);
  }
  freeaddrinfo(res);
  if (out.empty()) return absl::NotFoundError(absl::StrCat("getaddrinfo(", host, "): no address"));
  return out;
}

absl::StatusOr<socklen_t> UnixAddress(const std::string& path, sockaddr_un* un) {
  *un = sockaddr_un{};
  un->sun_family = AF_UNIX;
  if (path.empty()) return ValueError("Unix socket path is empty");
  if (path.size() >= sizeof un->sun_path) {
    return ValueError(absl::StrCat("Unix socket path is ", path.size(), " bytes; at most ",
                                   sizeof un->sun_path - 1, " fit"));
  }
  std::memcpy(un->sun_path, path.data(), path.size());
  if (path[0] == '@') un->sun_path[0] = '\0';  // the abstract namespace
  const socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() +
                                               (path[0] == '@' ? 0 : 1));
  return len;
}

absl::Status SetNonBlocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
    return ErrnoToStatus(errno, "fcntl(O_NONBLOCK)");
  }
  return absl::OkStatus();
}

}  // namespace

class StreamTransport : public std::enable_shared_from_this<StreamTransport> {
 public:
  StreamTransport(EventLoop& loop, FileDescriptor fd, StreamOptions options)
      : loop_(loop.weak()), fd_(std::move(fd)), options_(options), peer_(PeerName(fd_.get())) {
    if (options_.write_low_water > options_.write_high_water) {
      options_.write_low_water = options_.write_high_water;
    }
  }
  StreamTransport(const StreamTransport&) = delete;
  StreamTransport& operator=(const StreamTransport&) = delete;
  ~StreamTransport() { finish_close(); }

  // Starts watching the socket for reading. Fails like add_reader.
  absl::Status start() { return resume_reading(); }

  // --- reading ---

  size_t buffered_in() const { return in_.size() - in_head_; }
  size_t pending_in() const {
    int queued = 0;
    if (fd_.valid() && ioctl(fd_.get(), FIONREAD, &queued) != 0) queued = 0;
    return buffered_in() + static_cast<size_t>(std::max(queued, 0));
  }
  std::string_view unread() const { return std::string_view(in_).substr(in_head_); }
  bool eof() const { return eof_; }
  const absl::Status& read_error() const { return read_error_; }
  const StreamOptions& options() const { return options_; }

  // Takes n bytes from the front of the buffer (n <= buffered_in()).
  std::string take(size_t n) {
    std::string out(in_.data() + in_head_, n);
    drop(n);
    return out;
  }
  void drop(size_t n) {
    in_head_ += n;
    if (in_head_ == in_.size()) {
      in_.clear();
      in_head_ = 0;
    } else if (in_head_ > kRecvChunk && in_head_ > in_.size() / 2) {
      in_.erase(0, in_head_);
      in_head_ = 0;
    }
    // _maybe_resume_transport: below the limit, read again.
    if (paused_ && buffered_in() <= options_.limit) (void)resume_reading();
  }

  // A task waits for more data (or end of stream). FailedPrecondition if
  // another task already waits. The caller co_awaits a FutureWaiter on
  // read_waiters() inside a ReadWaitScope.
  absl::Status begin_wait(const char* what) {
    if (waiting_) {
      return MisuseError(absl::StrCat(
          what, "() called while another coroutine is already waiting for incoming data"));
    }
    if (paused_) (void)resume_reading();  // the buffer is full but the caller needs more
    return absl::OkStatus();
  }
  WaiterList* read_waiters() { return &read_waiters_; }
  bool& waiting_flag() { return waiting_; }

  // Skipping the rest of an over-long line (readline's overrun).
  bool skipping_line = false;

  // --- writing ---

  absl::Status write(std::string_view data) {
    if (!write_error_.ok()) return write_error_;
    if (closing_ || eof_pending_) return MisuseError("write: the writer is closing");
    if (data.empty()) return absl::OkStatus();
    if (out_head_ == out_.size()) {  // nothing queued: try to send now
      ssize_t n;
      do {
        n = send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
      } while (n < 0 && errno == EINTR);
      if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK) return fail_write(errno);
        n = 0;
      }
      data.remove_prefix(static_cast<size_t>(n));
      if (data.empty()) return absl::OkStatus();
    }
    out_.append(data);
    return start_writing();
  }

  size_t buffered_out() const { return out_.size() - out_head_; }
  bool over_high_water() const {
    return write_error_.ok() && buffered_out() > options_.write_high_water;
  }
  const absl::Status& write_error() const { return write_error_; }
  WaiterList* drain_waiters() { return &drain_waiters_; }

  absl::Status write_eof() {
    if (closing_) return MisuseError("write_eof: the writer is closing");
    if (eof_pending_) return absl::OkStatus();
    eof_pending_ = true;
    if (buffered_out() == 0 && fd_.valid()) shutdown(fd_.get(), SHUT_WR);
    return absl::OkStatus();
  }

  void close() {
    if (closing_) return;
    closing_ = true;
    if (buffered_out() == 0 || !write_error_.ok()) {
      finish_close();
      return;
    }
    // The rest is still sent when every handle is gone (Python's transport
    // lives on in its loop the same way): the loop's watch now owns the
    // transport until the flush, an error, abort() or the loop's end.
    if (std::shared_ptr<EventLoop> loop = loop_.lock()) {
      (void)loop->add_writer(fd_.get(), [self = shared_from_this()] { self->on_writable(); });
    }
  }
  void abort() { finish_close(); }
  bool closing() const { return closing_ || !write_error_.ok(); }
  bool closed() const { return !fd_.valid(); }
  WaiterList* closed_waiters() { return &closed_waiters_; }
  const std::string& peer() const { return peer_; }

 private:
  absl::Status resume_reading() {
    std::shared_ptr<EventLoop> loop = loop_.lock();
    if (!loop || !fd_.valid() || eof_) return absl::OkStatus();
    paused_ = false;
    if (reading_) return absl::OkStatus();
    absl::Status s = loop->add_reader(fd_.get(), [this] { on_readable(); });
    if (s.ok()) reading_ = true;
    return s;
  }
  void stop_reading() {
    if (!reading_) return;
    reading_ = false;
    if (std::shared_ptr<EventLoop> loop = loop_.lock()) loop->remove_reader(fd_.get());
  }

  // _read_ready + feed_data: one recv, appended; wakes the reader.
  void on_readable() {
    ssize_t n;
    do {
      n = recv(fd_.get(), RecvScratch(), kRecvChunk, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      read_error_ = ErrnoToStatus(errno, "recv");
      eof_ = true;
      stop_reading();
    } else if (n == 0) {
      eof_ = true;  // the peer shut down its side; our side may still write
      stop_reading();
    } else if (skipping_line) {
      // The rest of an over-long line: discard up to and including '\n'.
      std::string_view got(RecvScratch(), static_cast<size_t>(n));
      const size_t nl = got.find('\n');
      if (nl == std::string_view::npos) return;  // still inside the long line
      skipping_line = false;
      in_.append(got.substr(nl + 1));
    } else {
      in_.append(RecvScratch(), static_cast<size_t>(n));
      if (buffered_in() > 2 * options_.limit) {  // pause_reading
        paused_ = true;
        stop_reading();
      }
    }
    read_waiters_.wake_all();
  }

  absl::Status start_writing() {
    if (writing_) return absl::OkStatus();
    std::shared_ptr<EventLoop> loop = loop_.lock();
    if (!loop) return absl::FailedPreconditionError("write: the stream's event loop is gone");
    absl::Status s = loop->add_writer(fd_.get(), [this] { on_writable(); });
    if (s.ok()) writing_ = true;
    return s;
  }
  void stop_writing() {
    if (!writing_) return;
    writing_ = false;
    if (std::shared_ptr<EventLoop> loop = loop_.lock()) loop->remove_writer(fd_.get());
  }

  // _write_ready: flush what the socket takes.
  void on_writable() {
    while (buffered_out() > 0) {
      ssize_t n = send(fd_.get(), out_.data() + out_head_, buffered_out(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        (void)fail_write(errno);
        return;
      }
      out_head_ += static_cast<size_t>(n);
    }
    if (buffered_out() <= options_.write_low_water) drain_waiters_.wake_all();
    if (buffered_out() > 0) return;
    out_.clear();
    out_head_ = 0;
    stop_writing();
    if (eof_pending_) shutdown(fd_.get(), SHUT_WR);
    if (closing_) finish_close();
  }

  absl::Status fail_write(int err) {
    write_error_ = ErrnoToStatus(err, "send");
    out_.clear();
    out_head_ = 0;
    stop_writing();
    drain_waiters_.wake_all();
    if (closing_) finish_close();
    return write_error_;
  }

  // The socket goes: unwatched (while the loop lives), closed; readers see end
  // of stream, drain() and wait_closed() return.
  void finish_close() {
    if (!fd_.valid()) return;
    stop_reading();
    stop_writing();
    fd_.reset();
    eof_ = true;
    out_.clear();
    out_head_ = 0;
    read_waiters_.wake_all();
    drain_waiters_.wake_all();
    closed_waiters_.wake_all();
  }

  std::weak_ptr<EventLoop> loop_;
  FileDescriptor fd_;
  StreamOptions options_;
  std::string peer_;

  std::string in_;
  size_t in_head_ = 0;
  bool reading_ = false;
  bool paused_ = false;
  bool eof_ = false;
  bool waiting_ = false;
  absl::Status read_error_;
  WaiterList read_waiters_;

  std::string out_;
  size_t out_head_ = 0;
  bool writing_ = false;
  bool eof_pending_ = false;
  bool closing_ = false;
  absl::Status write_error_;
  WaiterList drain_waiters_;
  WaiterList closed_waiters_;
};

namespace {

// Marks the reader as waiting for the duration of one co_await (also when
// CancelledError leaves it).
class ReadWaitScope {
 public:
  explicit ReadWaitScope(StreamTransport& t) : flag_(t.waiting_flag()) { flag_ = true; }
  ~ReadWaitScope() { flag_ = false; }
  ReadWaitScope(const ReadWaitScope&) = delete;
  ReadWaitScope& operator=(const ReadWaitScope&) = delete;

 private:
  bool& flag_;
};

// Waits for data, end of stream or an error. The body of every read: callers
// loop "check the buffer; if not enough, WaitForData".
#define CONC_STREAM_WAIT(t, what)                                         \
  do {                                                                    \
    if (absl::Status wait_status = (t)->begin_wait(what); !wait_status.ok()) \
      co_return wait_status;                                              \
    ReadWaitScope wait_scope(*(t));                                       \
    FutureWaiter wait_for_data((t)->read_waiters());                      \
    co_await wait_for_data;                                               \
  } while (0)

Task<absl::StatusOr<std::string>> Read(std::shared_ptr<StreamTransport> t, int64_t n) {
  if (n == 0) co_return std::string();
  if (n < 0) {  // everything until end of stream
    while (!t->eof()) {
      if (t->buffered_in() > t->options().max_read_all) {
        co_return absl::ResourceExhaustedError(absl::StrCat(
            "read: more than max_read_all (", t->options().max_read_all, " bytes) before end of stream"));
      }
      CONC_STREAM_WAIT(t, "read");
    }
    if (t->buffered_in() == 0 && !t->read_error().ok()) co_return t->read_error();
    co_return t->take(t->buffered_in());
  }
  while (t->buffered_in() == 0 && !t->eof()) CONC_STREAM_WAIT(t, "read");
  t->skipping_line = false;
  if (t->buffered_in() == 0) {
    if (!t->read_error().ok()) co_return t->read_error();
    co_return std::string();  // end of stream
  }
  co_return t->take(std::min(static_cast<size_t>(n), t->buffered_in()));
}

Task<absl::StatusOr<std::string>> ReadExactly(std::shared_ptr<StreamTransport> t, int64_t n) {
  if (n < 0) co_return ValueError("readexactly size can not be less than zero");
  const size_t want = static_cast<size_t>(n);
  t->skipping_line = false;
  while (t->buffered_in() < want && !t->eof()) CONC_STREAM_WAIT(t, "readexactly");
  if (t->buffered_in() < want) {
    if (!t->read_error().ok()) co_return t->read_error();
    const size_t got = t->buffered_in();
    t->drop(got);  // IncompleteReadError.partial: consumed
    co_return EofError(absl::StrCat("readexactly: end of stream after ", got, " of ", want, " bytes"));
  }
  co_return t->take(want);
}

// readuntil's core (Python's StreamReader.readuntil): the index just past the
// separator, or an overrun / end-of-stream status. `readline` picks what an
// overrun and end of stream mean.
Task<absl::StatusOr<std::string>> ReadUntil(std::shared_ptr<StreamTransport> t,
                                            std::string separator, bool readline) {
  if (separator.empty()) co_return ValueError("Separator should be at least one-byte string");
  const char* what = readline ? "readline" : "readuntil";
  const size_t limit = t->options().limit;
  // The rest of a line that overran before: skip it first.
  while (t->skipping_line) {
    const size_t nl = t->unread().find('\n');
    if (nl != std::string_view::npos) {
      t->drop(nl + 1);
      t->skipping_line = false;
    } else {
      t->drop(t->buffered_in());
      if (t->eof()) {
        t->skipping_line = false;
        break;
      }
      CONC_STREAM_WAIT(t, what);
    }
  }
  size_t offset = 0;  // where the search resumes (no rescanning of a long buffer)
  for (;;) {
    const std::string_view data = t->unread();
    const size_t at = data.find(separator, offset);
    if (at != std::string_view::npos) {
      if (at > limit) {  // "Separator is found, but chunk is longer than limit"
        if (readline) {
          t->drop(at + separator.size());
          co_return absl::ResourceExhaustedError(
              absl::StrCat("readline: line longer than the limit (", limit, " bytes); skipped"));
        }
        co_return absl::ResourceExhaustedError(
            absl::StrCat("readuntil: separator found, but chunk is longer than the limit (", limit, " bytes)"));
      }
      co_return t->take(at + separator.size());
    }
    if (data.size() + 1 > limit + separator.size()) {  // "Separator is not found, and chunk exceed the limit"
      if (readline) {
        t->drop(t->buffered_in());
        t->skipping_line = true;  // the rest of the line is discarded as it comes
        co_return absl::ResourceExhaustedError(
            absl::StrCat("readline: line longer than the limit (", limit, " bytes); skipped"));
      }
      co_return absl::ResourceExhaustedError(
          absl::StrCat("readuntil: separator not found within the limit (", limit, " bytes)"));
    }
    if (t->eof()) {
      if (!t->read_error().ok() && data.empty()) co_return t->read_error();
      if (readline) co_return t->take(t->buffered_in());  // the last line, unterminated, or ""
      const size_t got = t->buffered_in();
      t->drop(got);
      co_return EofError(absl::StrCat("readuntil: end of stream after ", got,
                                      " bytes, before the separator"));
    }
    offset = data.size() >= separator.size() ? data.size() + 1 - separator.size() : 0;
    CONC_STREAM_WAIT(t, what);
  }
}

#undef CONC_STREAM_WAIT

Task<absl::Status> Drain(std::shared_ptr<StreamTransport> t) {
  while (t->over_high_water() && !t->closed()) {
    FutureWaiter w(t->drain_waiters());
    co_await w;
  }
  if (!t->write_error().ok()) co_return t->write_error();
  co_return absl::OkStatus();
}

Task<void> WaitClosed(std::shared_ptr<StreamTransport> t) {
  while (!t->closed()) {
    FutureWaiter w(t->closed_waiters());
    co_await w;
  }
}

}  // namespace

// The one place that makes readers, writers and servers (their constructors
// are private: users get them from open_connection and start_server).
struct StreamAccess {
  static StreamReader Reader(std::shared_ptr<StreamTransport> t) { return StreamReader(std::move(t)); }
  static StreamWriter Writer(std::shared_ptr<StreamTransport> t) { return StreamWriter(std::move(t)); }
  static StreamServer Server(std::shared_ptr<ServerState> s) { return StreamServer(std::move(s)); }

  // A connected non-blocking socket becomes a stream of the running loop.
  static absl::StatusOr<Stream> Make(FileDescriptor fd, const StreamOptions& options) {
    EventLoop* loop = EventLoop::current();
    if (loop == nullptr) return MisuseError("streams need a running event loop (conc::run)");
    auto t = std::make_shared<StreamTransport>(*loop, std::move(fd), options);
    if (absl::Status s = t->start(); !s.ok()) return s;
    return Stream{Reader(t), Writer(t)};
  }
};

Task<void> RunClient(std::shared_ptr<ServerState> server, Stream stream);

// asyncio.Server's state: the listening socket, the callback, the count of
// live connections. Owned by the loop's watch on the listener (the callback
// holds it), by the handles, and by each connection's task; close() drops
// the watch.
struct ServerState : std::enable_shared_from_this<ServerState> {
  std::weak_ptr<EventLoop> loop;
  FileDescriptor listener;
  ClientConnected on_client;
  StreamServerOptions options;
  std::string address;
  int port = 0;
  bool tcp = true;
  bool listening = false;  // the loop watches `listener`
  bool serving_forever = false;
  int active = 0;
  uint64_t accepted = 0;
  WaiterList closed_waiters;  // close() and each connection's end wake them
  Handle retry_accept;        // after EMFILE: accepting resumes later

  ~ServerState() { close(); }

  absl::Status listen() {
    std::shared_ptr<EventLoop> l = loop.lock();
    if (!l || !listener.valid()) return absl::FailedPreconditionError("the server is closed");
    absl::Status s = l->add_reader(listener.get(), [self = shared_from_this()] { self->on_acceptable(); });
    if (s.ok()) listening = true;
    return s;
  }

  void stop_listening() {
    if (!listening) return;
    listening = false;
    if (std::shared_ptr<EventLoop> l = loop.lock()) l->remove_reader(listener.get());
  }

  void close() {
    retry_accept.cancel();
    if (!listener.valid()) return;
    stop_listening();
    listener.reset();
    closed_waiters.wake_all();
  }

  // _accept_connection: up to a backlog's worth of accepts per readiness.
  void on_acceptable() {
    std::shared_ptr<EventLoop> l = loop.lock();
    if (!l) return;
    for (int i = 0; i < options.backlog && listener.valid(); ++i) {
      const int fd = accept4(listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          // Out of descriptors: stop watching for a moment, or the loop spins
          // on a listener it cannot serve (asyncio waits a second; so do we).
          std::fprintf(stderr, "conc: start_server on %s: accept: %s; retrying in 1 s\n",
                       address.c_str(), std::strerror(errno));
          stop_listening();
          retry_accept = l->call_later(absl::Seconds(1), [self = shared_from_this()] {
            if (self->listener.valid()) (void)self->listen();
          });
        }
        return;  // EAGAIN: everything pending is accepted
      }
      FileDescriptor conn(fd);
      if (tcp) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      }
      absl::StatusOr<Stream> stream = StreamAccess::Make(std::move(conn), options.stream);
      if (!stream.ok()) continue;  // the descriptor went with it
      ++accepted;
      ++active;
      (void)l->create_task(RunClient(shared_from_this(), *std::move(stream)));
    }
  }
};

// One connection's task: the user's callback, a failure reported (asyncio's
// loop exception handler logs it), the count kept for wait_closed().
Task<void> RunClient(std::shared_ptr<ServerState> server, Stream stream) {
  std::exception_ptr failure;
  try {
    co_await server->on_client(stream.reader, stream.writer);
  } catch (const CancelledError&) {
    // The loop is shutting down (asyncio.run's cleanup): nothing to report.
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    std::fprintf(stderr, "conc: unhandled exception in a start_server callback (peer %s): %s\n",
                 stream.writer.peername().c_str(), DescribeException(failure).c_str());
  }
  --server->active;
  server->closed_waiters.wake_all();
}

Task<void> WaitServerClosed(std::shared_ptr<ServerState> s) {
  while (s->listener.valid() || s->active > 0) {
    FutureWaiter w(&s->closed_waiters);
    co_await w;
  }
}

Task<absl::Status> ServeForever(std::shared_ptr<ServerState> s) {
  if (!s->listener.valid()) co_return MisuseError("serve_forever: the server is closed");
  if (s->serving_forever) {
    co_return MisuseError("serve_forever: the server is already being awaited on serve_forever()");
  }
  s->serving_forever = true;
  try {
    while (s->listener.valid()) {
      FutureWaiter w(&s->closed_waiters);
      co_await w;
    }
  } catch (const CancelledError&) {
    s->serving_forever = false;
    s->close();  // asyncio: a cancelled serve_forever closes the server
    throw;
  }
  s->serving_forever = false;
  co_return absl::OkStatus();
}

namespace {

// A non-blocking, close-on-exec socket.
absl::StatusOr<FileDescriptor> NewSocket(int family) {
  const int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoToStatus(errno, "socket");
  return FileDescriptor(fd);
}

// connect(2) on a non-blocking socket: EINPROGRESS, then wait until the loop
// sees it writable and read SO_ERROR.
Task<absl::Status> Connect(int fd, const sockaddr* addr, socklen_t len, std::string what) {
  int rc;
  do {
    rc = connect(fd, addr, len);
  } while (rc != 0 && errno == EINTR);
  if (rc == 0) co_return absl::OkStatus();
  if (errno != EINPROGRESS && errno != EAGAIN) co_return ErrnoToStatus(errno, what);
  EventLoop* loop = EventLoop::current();
  WaiterList writable;
  if (absl::Status s = loop->add_writer(fd, [&writable] { writable.wake_all(); }); !s.ok()) {
    co_return s;
  }
  struct Unwatch {  // also when CancelledError leaves the co_await
    EventLoop* loop;
    int fd;
    ~Unwatch() { loop->remove_writer(fd); }
  } unwatch{loop, fd};
  FutureWaiter w(&writable);
  co_await w;
  int err = 0;
  socklen_t err_len = sizeof err;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0) err = errno;
  if (err != 0) co_return ErrnoToStatus(err, what);
  co_return absl::OkStatus();
}

}  // namespace
}  // namespace internal

// ---- StreamReader / StreamWriter ----

Task<absl::StatusOr<std::string>> StreamReader::read(int64_t n) const { return internal::Read(t_, n); }
Task<absl::StatusOr<std::string>> StreamReader::readline() const {
  return internal::ReadUntil(t_, "\n", /*readline=*/true);
}
Task<absl::StatusOr<std::string>> StreamReader::readexactly(int64_t n) const {
  return internal::ReadExactly(t_, n);
}
Task<absl::StatusOr<std::string>> StreamReader::readuntil(std::string separator) const {
  return internal::ReadUntil(t_, std::move(separator), /*readline=*/false);
}
bool StreamReader::at_eof() const { return t_->eof() && t_->buffered_in() == 0; }
size_t StreamReader::pending() const { return t_->pending_in(); }

absl::Status StreamWriter::write(std::string_view data) const { return t_->write(data); }
Task<absl::Status> StreamWriter::drain() const { return internal::Drain(t_); }
absl::Status StreamWriter::write_eof() const { return t_->write_eof(); }
void StreamWriter::close() const { t_->close(); }
void StreamWriter::abort() const { t_->abort(); }
bool StreamWriter::is_closing() const { return t_->closing(); }
Task<void> StreamWriter::wait_closed() const { return internal::WaitClosed(t_); }
std::string StreamWriter::peername() const { return t_->peer(); }
size_t StreamWriter::buffered() const { return t_->buffered_out(); }

absl::StatusOr<Stream> Stream::Adopt(int fd, StreamOptions options) {
  FileDescriptor owned(fd);
  if (absl::Status s = internal::SetNonBlocking(fd); !s.ok()) return s;
  return internal::StreamAccess::Make(std::move(owned), options);
}

// ---- open_connection ----

Task<absl::StatusOr<Stream>> open_connection(std::string host, int port, StreamOptions options) {
  std::vector<socklen_t> lens;
  absl::StatusOr<std::vector<sockaddr_storage>> addrs = internal::Resolve(host, port, false, &lens);
  if (!addrs.ok()) co_return addrs.status();
  absl::Status last;
  for (size_t i = 0; i < addrs->size(); ++i) {  // each address in turn, as asyncio
    const sockaddr* sa = reinterpret_cast<const sockaddr*>(&(*addrs)[i]);
    absl::StatusOr<FileDescriptor> fd = internal::NewSocket(sa->sa_family);
    if (!fd.ok()) co_return fd.status();
    const std::string what = absl::StrCat("connect(", internal::DescribeAddress(sa, lens[i]), ")");
    last = co_await internal::Connect(fd->get(), sa, lens[i], what);
    if (!last.ok()) continue;
    int one = 1;
    setsockopt(fd->get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    co_return internal::StreamAccess::Make(*std::move(fd), options);
  }
  co_return last;
}

Task<absl::StatusOr<Stream>> open_unix_connection(std::string path, StreamOptions options) {
  sockaddr_un un;
  absl::StatusOr<socklen_t> len = internal::UnixAddress(path, &un);
  if (!len.ok()) co_return len.status();
  absl::StatusOr<FileDescriptor> fd = internal::NewSocket(AF_UNIX);
  if (!fd.ok()) co_return fd.status();
  absl::Status s = co_await internal::Connect(fd->get(), reinterpret_cast<sockaddr*>(&un), *len,
                                             absl::StrCat("connect(", path, ")"));
  if (!s.ok()) co_return s;
  co_return internal::StreamAccess::Make(*std::move(fd), options);
}

// ---- StreamServer ----

namespace internal {
namespace {

absl::StatusOr<StreamServer> Listen(ClientConnected on_client, FileDescriptor fd, bool tcp,
                                    StreamServerOptions options, std::string what) {
  EventLoop* loop = EventLoop::current();
  if (loop == nullptr) return MisuseError("start_server needs a running event loop (conc::run)");
  if (!on_client) return ValueError("start_server: no client_connected callback");
  if (::listen(fd.get(), std::max(1, options.backlog)) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("listen(", what, ")"));
  }
  auto state = std::make_shared<ServerState>();
  state->loop = loop->weak();
  state->on_client = std::move(on_client);
  state->options = options;
  state->options.backlog = std::max(1, options.backlog);
  state->tcp = tcp;
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd.get(), reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    state->address = DescribeAddress(reinterpret_cast<sockaddr*>(&ss), len);
    if (ss.ss_family == AF_INET) state->port = ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    if (ss.ss_family == AF_INET6) state->port = ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  }
  state->listener = std::move(fd);
  if (absl::Status s = state->listen(); !s.ok()) return s;
  return StreamAccess::Server(std::move(state));
}

}  // namespace
}  // namespace internal

Task<absl::StatusOr<StreamServer>> start_server(ClientConnected on_client, std::string host,
                                                int port, StreamServerOptions options) {
  std::vector<socklen_t> lens;
  absl::StatusOr<std::vector<sockaddr_storage>> addrs = internal::Resolve(host, port, true, &lens);
  if (!addrs.ok()) co_return addrs.status();
  const sockaddr* sa = reinterpret_cast<const sockaddr*>(&addrs->front());
  const std::string what = internal::DescribeAddress(sa, lens.front());
  absl::StatusOr<FileDescriptor> fd = internal::NewSocket(sa->sa_family);
  if (!fd.ok()) co_return fd.status();
  int one = 1;
  setsockopt(fd->get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);  // as asyncio on Unix
  if (options.reuse_port && setsockopt(fd->get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    co_return ErrnoToStatus(errno, "setsockopt(SO_REUSEPORT)");
  }
  if (bind(fd->get(), sa, lens.front()) != 0) {
    co_return ErrnoToStatus(errno, absl::StrCat("bind(", what, ")"));
  }
  co_return internal::Listen(std::move(on_client), *std::move(fd), /*tcp=*/true, options, what);
}

Task<absl::StatusOr<StreamServer>> start_server_on(ClientConnected on_client, int listening_fd,
                                                   StreamServerOptions options) {
  FileDescriptor fd(listening_fd);
  if (absl::Status s = internal::SetNonBlocking(fd.get()); !s.ok()) co_return s;
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd.get(), reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    co_return ErrnoToStatus(errno, "getsockname");
  }
  const std::string what = internal::DescribeAddress(reinterpret_cast<sockaddr*>(&ss), len);
  co_return internal::Listen(std::move(on_client), std::move(fd), /*tcp=*/ss.ss_family != AF_UNIX,
                             options, what);
}

Task<absl::StatusOr<StreamServer>> start_unix_server(ClientConnected on_client, std::string path,
                                                     StreamServerOptions options) {
  sockaddr_un un;
  absl::StatusOr<socklen_t> len = internal::UnixAddress(path, &un);
  if (!len.ok()) co_return len.status();
  if (path[0] != '@') {  // a stale socket file from an earlier run goes, as in asyncio
    struct stat st;
    if (stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) unlink(path.c_str());
  }
  absl::StatusOr<FileDescriptor> fd = internal::NewSocket(AF_UNIX);
  if (!fd.ok()) co_return fd.status();
  if (bind(fd->get(), reinterpret_cast<sockaddr*>(&un), *len) != 0) {
    co_return ErrnoToStatus(errno, absl::StrCat("bind(", path, ")"));
  }
  absl::StatusOr<StreamServer> server =
      internal::Listen(std::move(on_client), *std::move(fd), /*tcp=*/false, options, path);
  co_return server;
}

int StreamServer::port() const { return s_->port; }
std::string StreamServer::address() const { return s_->address; }
int StreamServer::active_connections() const { return s_->active; }
uint64_t StreamServer::accepted() const { return s_->accepted; }
bool StreamServer::is_serving() const { return s_->listener.valid(); }
void StreamServer::close() const { s_->close(); }

Task<void> StreamServer::wait_closed() const { return internal::WaitServerClosed(s_); }
Task<absl::Status> StreamServer::serve_forever() const { return internal::ServeForever(s_); }

}  // namespace conc
