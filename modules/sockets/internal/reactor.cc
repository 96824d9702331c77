// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// The epoll models: `Loop` is one reactor thread (selectors.DefaultSelector's
// loop in the notes, without the callbacks); kReactor runs one, kReusePort one
// per CPU, each with its own listening socket bound to the same port with
// SO_REUSEPORT, so the kernel hashes each new connection to one loop and no
// lock or queue is shared between them (only the relaxed counters).
//
// Level-triggered (server.h says why). Per connection, the interest set is:
//   EPOLLIN   while nothing is waiting to be sent;
//   EPOLLOUT  while an answer is partly sent (reading stops: back-pressure, so a
//             client that pipelines and never reads cannot grow our buffers);
//   nothing   never: a connection is either read or written.
// Invariants: every fd in `conns_` is registered in `epoll_`, with the set
// above; a connection leaves `conns_` and epoll together, in Close().

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "modules/common/status.h"
#include "modules/common/timeout.h"
#include "modules/sockets/internal/server_core.h"
#include "modules/threads/thread_pool_executor.h"

namespace conc::internal {
namespace {

using Clock = std::chrono::steady_clock;

class Loop {
 public:
  Loop(const Protocol& protocol, const ServerOptions& options, const StopEvent& stop, AtomicCounters& counters,
       Socket listener)
      : protocol_(protocol), options_(options), stop_(stop), counters_(counters), listener_(std::move(listener)) {
    const absl::Duration tick = std::clamp(options_.idle_timeout / 4, absl::Milliseconds(1), absl::Milliseconds(100));
    tick_ = std::chrono::milliseconds(absl::ToInt64Milliseconds(tick));
    idle_ = std::chrono::nanoseconds(absl::ToInt64Nanoseconds(std::min(options_.idle_timeout, TIMEOUT_MAX)));
  }

  absl::Status Init() {
    epoll_ = FileDescriptor(::epoll_create1(EPOLL_CLOEXEC));
    if (!epoll_.valid()) return ErrnoToStatus(errno, "epoll_create1");
    if (absl::Status s = listener_.setblocking(false); !s.ok()) return s;
    if (absl::Status s = Register(listener_.fileno(), EPOLLIN, EPOLL_CTL_ADD); !s.ok()) return s;
    return Register(stop_.fd(), EPOLLIN, EPOLL_CTL_ADD);
  }

  void Run() {
    std::vector<epoll_event> events(256);
    bool stopping = false;
    Deadline grace = Deadline::Infinite();
    Clock::time_point next_sweep = Clock::now() + tick_;
    for (;;) {
      if (stopping && (conns_.empty() || grace.expired())) break;
      int wait_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(tick_).count());
      if (stopping) wait_ms = std::min(wait_ms, grace.remaining_poll_milliseconds());
      const int n = ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), wait_ms);
      if (n < 0 && errno != EINTR) break;
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        const uint32_t ev = events[i].events;
        if (fd == listener_.fileno()) {
          Accept();
        } else if (fd == stop_.fd()) {
          stopping = true;
          grace = Deadline::FromTimeout(options_.shutdown_grace);
          (void)::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, stop_.fd(), nullptr);
          (void)::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, listener_.fileno(), nullptr);
          (void)listener_.close();  // New connections are refused from now on.
          CloseIdleForShutdown();
        } else {
          auto it = conns_.find(fd);
          if (it == conns_.end()) continue;
          Conn& c = *it->second;
          if ((ev & EPOLLOUT) != 0) {
            OnWritable(c);
          } else if ((ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) {
            OnReadable(c);
          }
          if (stopping) {
            auto again = conns_.find(fd);
            if (again != conns_.end() && again->second->input.empty() && again->second->output.empty()) {
              Close(fd, /*error=*/false);
            }
          }
        }
      }
      const Clock::time_point now = Clock::now();
      if (now >= next_sweep) {
        Sweep(now);
        next_sweep = now + tick_;
      }
    }
    // Out of grace (or epoll failed): whatever is left is closed now.
    std::vector<int> left;
    for (auto& [fd, c] : conns_) left.push_back(fd);
    for (int fd : left) Close(fd, /*error=*/false);
  }

 private:
  struct Conn {
    Socket sock;
    std::unique_ptr<Session> session;
    std::string input;
    std::string output;
    size_t sent = 0;           // Bytes of `output` already sent.
    bool close_after = false;  // Close once `output` is sent.
    bool failed = false;       // Counted as an error when closed.
    Clock::time_point last_active;
  };

  absl::Status Register(int fd, uint32_t events, int op) {
    epoll_event e{};
    e.events = events;
    e.data.fd = fd;
    if (::epoll_ctl(epoll_.get(), op, fd, &e) < 0) return ErrnoToStatus(errno, "epoll_ctl");
    return absl::OkStatus();
  }

  void Accept() {
    // At most a batch per turn, so that a storm of connections does not starve
    // the connections already open.
    for (int i = 0; i < 256; ++i) {
      const int fd = ::accept4(listener_.fileno(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          // Out of descriptors: stop watching the listener until the next
          // sweep, or level-triggered epoll would wake us at once, forever.
          (void)Register(listener_.fileno(), 0, EPOLL_CTL_MOD);
          accept_paused_ = true;
        }
        return;
      }
      Socket sock(FileDescriptor(fd), listener_.family(), SOCK_STREAM);
      if (counters_.active.load(std::memory_order_relaxed) >= static_cast<uint64_t>(options_.max_connections)) {
        counters_.rejected.fetch_add(1, std::memory_order_relaxed);
        continue;  // `sock` closes here.
      }
      if (!Register(fd, EPOLLIN, EPOLL_CTL_ADD).ok()) continue;
      auto c = std::make_unique<Conn>();
      c->sock = std::move(sock);
      c->session = protocol_.NewSession();
      c->last_active = Clock::now();
      conns_.emplace(fd, std::move(c));
      counters_.connections.fetch_add(1, std::memory_order_relaxed);
      counters_.active.fetch_add(1, std::memory_order_relaxed);
    }
  }

  void OnReadable(Conn& c) {
    char buffer[64 * 1024];
    const ssize_t n = ::recv(c.sock.fileno(), buffer, sizeof(buffer), 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      Close(c.sock.fileno(), /*error=*/true);
      return;
    }
    if (n == 0) {  // The client closed.
      Close(c.sock.fileno(), c.failed);
      return;
    }
    c.input.append(buffer, static_cast<size_t>(n));
    const Session::Result r = c.session->feed(c.input, c.output);
    c.input.erase(0, r.consumed);
    counters_.requests.fetch_add(static_cast<uint64_t>(r.requests), std::memory_order_relaxed);
    // The idle clock restarts on a complete request only (slowloris: server.h).
    if (r.requests > 0) c.last_active = Clock::now();
    if (r.error) c.failed = true;
    if (r.close) {
      c.close_after = true;
      c.input.clear();  // Nothing after the last answer is read.
    }
    Flush(c);
  }

  void OnWritable(Conn& c) {
    c.last_active = Clock::now();
    Flush(c);
  }

  // Sends what it can of c.output, then sets the interest set for what is left.
  void Flush(Conn& c) {
    const int fd = c.sock.fileno();
    const bool was_writing = c.sent < c.output.size() && wants_out_.count(fd) != 0;
    while (c.sent < c.output.size()) {
      const ssize_t n = ::send(fd, c.output.data() + c.sent, c.output.size() - c.sent, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        Close(fd, /*error=*/true);
        return;
      }
      c.sent += static_cast<size_t>(n);
    }
    if (c.sent == c.output.size()) {
      c.output.clear();
      c.sent = 0;
      if (c.close_after) {
        Close(fd, c.failed);
        return;
      }
      if (was_writing || wants_out_.count(fd) != 0) {
        wants_out_.erase(fd);
        (void)Register(fd, EPOLLIN, EPOLL_CTL_MOD);
      }
    } else if (wants_out_.insert(fd).second) {
      (void)Register(fd, EPOLLOUT, EPOLL_CTL_MOD);
    }
  }

  void Close(int fd, bool error) {
    auto it = conns_.find(fd);
    if (it == conns_.end()) return;
    (void)::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
    wants_out_.erase(fd);
    conns_.erase(it);  // Closes the socket.
    if (error) counters_.errors.fetch_add(1, std::memory_order_relaxed);
    counters_.active.fetch_sub(1, std::memory_order_relaxed);
  }

  void CloseIdleForShutdown() {
    std::vector<int> idle;
    for (auto& [fd, c] : conns_) {
      if (c->input.empty() && c->output.empty()) idle.push_back(fd);
    }
    for (int fd : idle) Close(fd, /*error=*/false);
  }

  // Closes the connections idle for longer than the idle timeout; re-enables
  // accepting after EMFILE.
  void Sweep(Clock::time_point now) {
    std::vector<int> expired;
    for (auto& [fd, c] : conns_) {
      if (now - c->last_active >= idle_) expired.push_back(fd);
    }
    for (int fd : expired) {
      counters_.timeouts.fetch_add(1, std::memory_order_relaxed);
      Close(fd, /*error=*/false);
    }
    if (accept_paused_ && listener_.is_open()) {
      accept_paused_ = false;
      (void)Register(listener_.fileno(), EPOLLIN, EPOLL_CTL_MOD);
    }
  }

  const Protocol& protocol_;
  const ServerOptions& options_;
  const StopEvent& stop_;
  AtomicCounters& counters_;
  Socket listener_;
  FileDescriptor epoll_;
  std::unordered_map<int, std::unique_ptr<Conn>> conns_;
  std::unordered_set<int> wants_out_;  // Connections registered for EPOLLOUT.
  bool accept_paused_ = false;
  Clock::duration tick_;
  Clock::duration idle_;
};

class ReactorServer final : public Server {
 public:
  ReactorServer(ServerModel model, std::shared_ptr<const Protocol> protocol, ServerOptions options)
      : model_(model), protocol_(std::move(protocol)), options_(std::move(options)) {}
  ~ReactorServer() override { shutdown(); }

  absl::Status start() override {
    if (started_) return absl::FailedPreconditionError("Server.start: already started");
    absl::StatusOr<StopEvent> stop = StopEvent::Create();
    if (!stop.ok()) return stop.status();
    stop_ = *std::move(stop);
    const bool reuse_port = model_ == ServerModel::kReusePort;
    const int loops = !reuse_port ? 1 : options_.workers > 0 ? options_.workers : std::max(2, cpu_count());
    int port = options_.port;
    for (int i = 0; i < loops; ++i) {
      absl::StatusOr<Socket> listener = create_server(options_.host, port, options_.backlog, reuse_port);
      if (!listener.ok()) return listener.status();
      if (i == 0) port = listener->getsockname()->port();  // The others join the chosen port.
      auto loop = std::make_unique<Loop>(*protocol_, options_, stop_, counters_, *std::move(listener));
      if (absl::Status s = loop->Init(); !s.ok()) return s;
      loops_.push_back(std::move(loop));
    }
    port_.store(port, std::memory_order_release);
    started_ = true;
    for (auto& loop : loops_) threads_.emplace_back([l = loop.get()] { l->Run(); });
    return absl::OkStatus();
  }

  int port() const override { return port_.load(std::memory_order_acquire); }
  ServerCounters counters() const override { return counters_.Snapshot(); }
  ServerModel model() const override { return model_; }

  void shutdown() override {
    if (!started_ || stopped_) return;
    stopped_ = true;
    stop_.Set();
    for (std::thread& t : threads_) t.join();
    loops_.clear();
  }

 private:
  const ServerModel model_;
  const std::shared_ptr<const Protocol> protocol_;
  const ServerOptions options_;
  StopEvent stop_;
  AtomicCounters counters_;
  std::vector<std::unique_ptr<Loop>> loops_;
  std::vector<std::thread> threads_;
  std::atomic<int> port_{0};
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> MakeReactorServer(ServerModel model, std::shared_ptr<const Protocol> protocol,
                                                          ServerOptions options) {
  return std::unique_ptr<Server>(new ReactorServer(model, std::move(protocol), std::move(options)));
}

}  // namespace conc::internal
