// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// The five models. Shared: the counters, the stop event (an eventfd that every
// waiting thread polls beside its socket), and `ServeBlocking`, the loop of one
// connection in the three blocking models. The reactor is in
// internal/reactor.cc.

#include "modules/sockets/server.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <list>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "modules/common/internal/mutex.h"
#include "modules/common/status.h"
#include "modules/common/timeout.h"
#include "modules/sockets/internal/server_core.h"
#include "modules/sockets/socket.h"
#include "modules/threads/thread_pool_executor.h"

namespace conc {

std::string_view ServerModelName(ServerModel model) {
  switch (model) {
    case ServerModel::kIterative:
      return "iterative";
    case ServerModel::kThread:
      return "thread";
    case ServerModel::kPool:
      return "pool";
    case ServerModel::kReactor:
      return "reactor";
    case ServerModel::kReusePort:
      return "reuseport";
    case ServerModel::kCoroutine:
      return "coroutine";
    case ServerModel::kCoroutineReusePort:
      return "coroutine_reuseport";
  }
  return "?";
}

absl::StatusOr<ServerModel> ParseServerModel(std::string_view name) {
  for (ServerModel m : {ServerModel::kIterative, ServerModel::kThread, ServerModel::kPool, ServerModel::kReactor,
                        ServerModel::kReusePort, ServerModel::kCoroutine, ServerModel::kCoroutineReusePort}) {
    if (ServerModelName(m) == name) return m;
  }
  return ValueError(absl::StrCat("unknown server model '", absl::string_view(name.data(), name.size()),
                                 "' (iterative, thread, pool, reactor, reuseport, coroutine, coroutine_reuseport)"));
}

namespace internal {

ServerCounters AtomicCounters::Snapshot() const {
  ServerCounters c;
  c.connections = connections.load(std::memory_order_relaxed);
  c.active = active.load(std::memory_order_relaxed);
  c.requests = requests.load(std::memory_order_relaxed);
  c.errors = errors.load(std::memory_order_relaxed);
  c.timeouts = timeouts.load(std::memory_order_relaxed);
  c.rejected = rejected.load(std::memory_order_relaxed);
  return c;
}

absl::StatusOr<StopEvent> StopEvent::Create() {
  const int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) return ErrnoToStatus(errno, "eventfd");
  return StopEvent(FileDescriptor(fd));
}

void StopEvent::Set() {
  // Never read back: the eventfd stays readable for every poller, for good.
  const uint64_t one = 1;
  ssize_t r;
  do {
    r = ::write(fd_.get(), &one, sizeof(one));
  } while (r < 0 && errno == EINTR);
}

bool StopEvent::is_set() const {
  pollfd p{fd_.get(), POLLIN, 0};
  return ::poll(&p, 1, 0) > 0;
}

void ServeBlocking(Socket conn, const Protocol& protocol, const ServerOptions& options, const StopEvent& stop,
                   AtomicCounters& counters) {
  std::unique_ptr<Session> session = protocol.NewSession();
  // Writes are bounded by the idle timeout too: a client that never reads.
  (void)conn.settimeout(options.idle_timeout);
  std::string input;
  std::string output;
  std::string buffer(64 * 1024, '\0');
  Deadline idle = Deadline::FromTimeout(options.idle_timeout);
  std::optional<Deadline> grace;  // Set once the stop event is seen.
  bool failed = false;
  for (;;) {
    pollfd fds[2] = {{conn.fileno(), POLLIN, 0}, {stop.fd(), POLLIN, 0}};
    const Deadline& limit = grace.has_value() && grace->remaining() < idle.remaining() ? *grace : idle;
    const int n = ::poll(fds, grace.has_value() ? 1 : 2, limit.remaining_poll_milliseconds());
    if (n < 0) {
      if (errno == EINTR) continue;
      failed = true;
      break;
    }
    if (n == 0) {
      if (!limit.expired()) continue;
      if (grace.has_value() && grace->expired()) break;  // Shutdown: out of grace.
      counters.timeouts.fetch_add(1, std::memory_order_relaxed);
      break;
    }
    if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
      // Only the stop event: close if no request is in flight, else finish it.
      grace = Deadline::FromTimeout(options.shutdown_grace);
      if (input.empty()) break;
      continue;
    }
    absl::StatusOr<size_t> got =
        conn.recv_into(std::span<std::byte>(reinterpret_cast<std::byte*>(buffer.data()), buffer.size()));
    if (!got.ok()) {
      failed = !absl::IsDeadlineExceeded(got.status());
      break;
    }
    if (*got == 0) break;  // The client closed.
    input.append(buffer.data(), *got);
    const Session::Result r = session->feed(input, output);
    input.erase(0, r.consumed);
    counters.requests.fetch_add(static_cast<uint64_t>(r.requests), std::memory_order_relaxed);
    if (!output.empty()) {
      if (!conn.sendall(output).ok()) {
        failed = true;
        break;
      }
      output.clear();
    }
    if (r.error) failed = true;
    if (r.close) break;
    if (grace.has_value() && input.empty()) break;  // The in-flight request is done.
    // The idle clock restarts on a complete request only, so a client that
    // trickles bytes (slowloris) is closed as one that sends none.
    if (r.requests > 0) idle = Deadline::FromTimeout(options.idle_timeout);
  }
  if (failed) counters.errors.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace internal

namespace {

using internal::AtomicCounters;
using internal::ServeBlocking;
using internal::StopEvent;

// The three blocking models: one accepting thread; `Dispatch` decides where a
// connection runs.
class BlockingServer : public Server {
 public:
  BlockingServer(ServerModel model, std::shared_ptr<const Protocol> protocol, ServerOptions options)
      : model_(model), protocol_(std::move(protocol)), options_(std::move(options)) {}

  absl::Status start() override {
    if (started_) return absl::FailedPreconditionError("Server.start: already started");
    absl::StatusOr<StopEvent> stop = StopEvent::Create();
    if (!stop.ok()) return stop.status();
    stop_ = *std::move(stop);
    absl::StatusOr<Socket> listener = create_server(options_.host, options_.port, options_.backlog);
    if (!listener.ok()) return listener.status();
    listener_ = *std::move(listener);
    port_.store(listener_.getsockname()->port(), std::memory_order_release);
    if (absl::Status s = StartWorkers(); !s.ok()) return s;
    started_ = true;
    acceptor_ = std::thread([this] { AcceptLoop(); });
    return absl::OkStatus();
  }

  int port() const override { return port_.load(std::memory_order_acquire); }
  ServerCounters counters() const override { return counters_.Snapshot(); }
  ServerModel model() const override { return model_; }

  void shutdown() override {
    if (!started_ || stopped_) return;
    stopped_ = true;
    stop_.Set();
    acceptor_.join();
    (void)listener_.close();
    JoinWorkers();
  }

 protected:
  virtual absl::Status StartWorkers() { return absl::OkStatus(); }
  virtual void Dispatch(Socket conn) = 0;
  virtual void JoinWorkers() {}

  // Runs one connection to its end and keeps the counters.
  void Serve(Socket conn) {
    ServeBlocking(std::move(conn), *protocol_, options_, stop_, counters_);
    counters_.active.fetch_sub(1, std::memory_order_relaxed);
  }

  const ServerModel model_;
  const std::shared_ptr<const Protocol> protocol_;
  const ServerOptions options_;
  StopEvent stop_;
  AtomicCounters counters_;

 private:
  void AcceptLoop() {
    for (;;) {
      pollfd fds[2] = {{listener_.fileno(), POLLIN, 0}, {stop_.fd(), POLLIN, 0}};
      const int n = ::poll(fds, 2, -1);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 || (fds[1].revents & POLLIN) != 0) return;
      absl::StatusOr<std::pair<Socket, SocketAddress>> accepted = listener_.accept();
      if (!accepted.ok()) {
        // EMFILE and friends: back off a little instead of spinning on a
        // listener that stays readable.
        if (absl::IsResourceExhausted(accepted.status())) {
          pollfd s{stop_.fd(), POLLIN, 0};
          (void)::poll(&s, 1, 10);
        }
        continue;
      }
      if (counters_.active.load(std::memory_order_relaxed) >= static_cast<uint64_t>(options_.max_connections)) {
        counters_.rejected.fetch_add(1, std::memory_order_relaxed);
        continue;  // The socket closes here.
      }
      counters_.connections.fetch_add(1, std::memory_order_relaxed);
      counters_.active.fetch_add(1, std::memory_order_relaxed);
      Dispatch(std::move(accepted->first));
    }
  }

  Socket listener_;
  std::thread acceptor_;
  std::atomic<int> port_{0};
  bool started_ = false;
  bool stopped_ = false;
};

// socketserver.TCPServer: the accepting thread serves each connection itself.
class IterativeServer final : public BlockingServer {
 public:
  using BlockingServer::BlockingServer;
  ~IterativeServer() override { shutdown(); }

 protected:
  void Dispatch(Socket conn) override { Serve(std::move(conn)); }
};

// socketserver.ThreadingMixIn: a thread per connection, joined when it ends
// (the finished ones are reaped at the next accept) or at shutdown.
class ThreadServer final : public BlockingServer {
 public:
  using BlockingServer::BlockingServer;
  ~ThreadServer() override { shutdown(); }

 protected:
  void Dispatch(Socket conn) override {
    internal::MutexLock lock(mu_);
    for (std::thread& t : finished_) t.join();
    finished_.clear();
    threads_.emplace_front();
    auto it = threads_.begin();
    *it = std::thread([this, it, c = std::move(conn)]() mutable {
      Serve(std::move(c));
      internal::MutexLock lock(mu_);
      finished_.push_back(std::move(*it));
      threads_.erase(it);
      all_done_.notify_all();
    });
  }

  void JoinWorkers() override {
    internal::MutexLock lock(mu_);
    // Each connection is bounded by shutdown_grace once the stop event is set.
    all_done_.wait(lock.native(), [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return threads_.empty(); });
    for (std::thread& t : finished_) t.join();
    finished_.clear();
  }

 private:
  internal::Mutex mu_;
  std::condition_variable all_done_;  // Signalled when a thread leaves threads_.
  std::list<std::thread> threads_ ABSL_GUARDED_BY(mu_);     // Running; each erases itself when done.
  std::vector<std::thread> finished_ ABSL_GUARDED_BY(mu_);  // Done, waiting to be joined.
};

// A pool: each connection is a task of the threads chapter's executor. With
// more clients than workers, connections wait in the pool's queue (the kernel
// keeps their bytes).
class PoolServer final : public BlockingServer {
 public:
  using BlockingServer::BlockingServer;
  ~PoolServer() override { shutdown(); }

 protected:
  absl::Status StartWorkers() override {
    pool_ = std::make_unique<ThreadPoolExecutor>(options_.workers > 0 ? options_.workers : 32, "conc-server");
    return absl::OkStatus();
  }
  void Dispatch(Socket conn) override {
    auto task = std::make_shared<Socket>(std::move(conn));
    (void)pool_->submit([this, task] { Serve(std::move(*task)); });
  }
  void JoinWorkers() override { pool_.reset(); }  // shutdown(wait=true).

 private:
  std::unique_ptr<ThreadPoolExecutor> pool_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Create(ServerModel model, std::shared_ptr<const Protocol> protocol,
                                                       ServerOptions options) {
  if (protocol == nullptr) return ValueError("Server::Create: no protocol");
  if (options.max_connections < 1) return ValueError("Server::Create: max_connections must be >= 1");
  switch (model) {
    case ServerModel::kIterative:
      return std::unique_ptr<Server>(new IterativeServer(model, std::move(protocol), std::move(options)));
    case ServerModel::kThread:
      return std::unique_ptr<Server>(new ThreadServer(model, std::move(protocol), std::move(options)));
    case ServerModel::kPool:
      return std::unique_ptr<Server>(new PoolServer(model, std::move(protocol), std::move(options)));
    case ServerModel::kReactor:
    case ServerModel::kReusePort:
      return internal::MakeReactorServer(model, std::move(protocol), std::move(options));
    case ServerModel::kCoroutine:
    case ServerModel::kCoroutineReusePort:
      return internal::MakeCoroutineServer(model, std::move(protocol), std::move(options));
  }
  return ValueError("Server::Create: unknown model");
}

}  // namespace conc
