// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// coroutine_server.cc: the coroutine models, kCoroutine (one event loop) and
// kCoroutineReusePort (one loop per CPU, each with its own SO_REUSEPORT
// listener), on the event loop's streams (modules/generators/streams.h).
//
// Each connection is one coroutine, written as a blocking server's loop would
// be (read, feed the session, write, drain), which is asyncio's model:
//
//   async def serve(reader, writer):            Task<void> Serve(StreamReader r, StreamWriter w)
//       while data := await reader.read(65536):   while (chunk = co_await r.read(64 KiB)) ...
//           writer.write(session.feed(data))        w.write(out); co_await w.drain();
//           await writer.drain()
//
// The limits of server.h, per loop, on the loop's thread:
//   * idle_timeout: one sweeper task per loop wakes every idle_timeout / 4 (at
//     most 250 ms) and closes every connection whose last complete request is
//     older than idle_timeout (a stalled half-line, a slowloris client, a
//     client that stops reading while we drain: drain returns once the writer
//     is closed; one that still has not read its answer a sweep later is
//     aborted). One timer per loop, not one per request: rescheduling a timer
//     on each request would fill the heap with cancelled ones.
//   * max_connections: counted across loops (an atomic); a connection over it
//     is closed at once and counted as rejected.
//   * graceful shutdown: shutdown() posts "stop" to every loop
//     (call_soon_threadsafe); each closes its listener, closes its idle
//     connections, lets those with a request in flight finish (they close after
//     their answer is drained), and after shutdown_grace closes the rest; then
//     its conc::run returns and the thread is joined.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "modules/common/internal/mutex.h"
#include "modules/common/status.h"
#include "modules/common/timeout.h"
#include "modules/generators/async_event.h"
#include "modules/generators/event_loop.h"
#include "modules/generators/run.h"
#include "modules/generators/sleep.h"
#include "modules/generators/streams.h"
#include "modules/generators/task.h"
#include "modules/generators/wait_for.h"
#include "modules/sockets/internal/server_core.h"
#include "modules/threads/thread_pool_executor.h"

namespace conc::internal {
namespace {

using Clock = Deadline::Clock;

constexpr int64_t kReadChunk = 64 * 1024;

struct Shared {
  std::shared_ptr<const Protocol> protocol;
  ServerOptions options;
  AtomicCounters counters;
};

// One loop's state. Everything but `mu`/`loop` is used on the loop's thread.
class LoopState {
 public:
  explicit LoopState(Shared& shared) : shared_(shared) {}

  // The thread's body: serves `listener` until stop().
  void Run(int listener, std::promise<absl::Status> ready) {
    // A failure to start goes to `ready`; run's own status only says the loop
    // ended, which shutdown() is waiting for anyway.
    (void)run(Main(listener, std::move(ready)));
  }

  // From the owning thread: asks the loop to shut down (no-op once it is gone).
  void Stop() {
    MutexLock lock(mu_);
    if (loop_ != nullptr) loop_->call_soon_threadsafe([this] { stop_.set(); });
  }

 private:
  struct Conn {
    StreamReader reader;
    StreamWriter writer;
    Clock::time_point last;  // of the last complete request (or the connect)
    bool in_flight = false;  // bytes of a request received, or an answer not drained
  };

  Task<void> Main(int listener, std::promise<absl::Status> ready) {
    StreamServerOptions options;
    options.backlog = shared_.options.backlog;
    absl::StatusOr<StreamServer> server = co_await start_server_on(
        [this](StreamReader r, StreamWriter w) { return Serve(std::move(r), std::move(w)); }, listener,
        options);
    if (!server.ok()) {
      ready.set_value(server.status());
      co_return;
    }
    {
      MutexLock lock(mu_);
      loop_ = EventLoop::current();
    }
    ready.set_value(absl::OkStatus());
    Task<void> sweeper = create_task(*EventLoop::current(), Sweep());

    co_await stop_.wait();
    stopping_ = true;
    server->close();  // new connections are refused from now on
    for (auto& [id, conn] : conns_) {
      // Idle: nothing of a request received, not even bytes this loop has not
      // read yet (closing over unread bytes would reset the connection).
      if (!conn->in_flight && conn->reader.pending() == 0) {
        conn->writer.close();
      } else {
        conn->in_flight = true;  // it closes itself after its answer
      }
    }
    absl::Status drained = co_await wait_for(server->wait_closed(), shared_.options.shutdown_grace);
    if (!drained.ok()) {  // the grace is over: the rest is closed
      for (auto& [id, conn] : conns_) conn->writer.abort();
      co_await server->wait_closed();
    }
    sweeper.cancel();
    {
      MutexLock lock(mu_);
      loop_ = nullptr;
    }
  }

  // One connection.
  Task<void> Serve(StreamReader reader, StreamWriter writer) {
    AtomicCounters& counters = shared_.counters;
    if (stopping_ || counters.active.load(std::memory_order_relaxed) >=
                         static_cast<uint64_t>(shared_.options.max_connections)) {
      counters.rejected.fetch_add(1, std::memory_order_relaxed);
      writer.close();
      co_return;
    }
    counters.connections.fetch_add(1, std::memory_order_relaxed);
    counters.active.fetch_add(1, std::memory_order_relaxed);
    const uint64_t id = next_id_++;
    Conn conn{reader, writer, Clock::now()};
    conns_[id] = &conn;
    struct Leave {  // also when the loop's end cancels this task
      LoopState* self;
      uint64_t id;
      ~Leave() {
        self->conns_.erase(id);
        self->shared_.counters.active.fetch_sub(1, std::memory_order_relaxed);
      }
    } leave{this, id};

    std::unique_ptr<Session> session = shared_.protocol->NewSession();
    std::string in, out;
    for (;;) {
      absl::StatusOr<std::string> chunk = co_await reader.read(kReadChunk);
      if (!chunk.ok()) {  // reset by the peer
        counters.errors.fetch_add(1, std::memory_order_relaxed);
        break;
      }
      if (chunk->empty()) break;  // end of stream, or closed by the sweeper or shutdown
      in.append(*chunk);
      const Session::Result r = session->feed(in, out);
      in.erase(0, r.consumed);
      if (r.requests > 0) {
        counters.requests.fetch_add(static_cast<uint64_t>(r.requests), std::memory_order_relaxed);
        conn.last = Clock::now();
      }
      if (r.error) counters.errors.fetch_add(1, std::memory_order_relaxed);
      if (!out.empty()) {
        conn.in_flight = true;
        absl::Status s = writer.write(out);
        out.clear();
        if (s.ok()) s = co_await writer.drain();
        if (!s.ok()) {
          if (!writer.is_closing() || absl::IsUnavailable(s)) {
            counters.errors.fetch_add(1, std::memory_order_relaxed);
          }
          break;
        }
      }
      conn.in_flight = !in.empty();
      if (r.close) break;
      if (stopping_ && !conn.in_flight) break;  // shutdown: the request in flight is done
    }
    writer.close();  // what is buffered is still sent; the sweeper aborts it if it never is
  }

  // The idle timeout, for every connection of this loop.
  Task<void> Sweep() {
    const absl::Duration idle = shared_.options.idle_timeout;
    const absl::Duration period = std::clamp(idle / 4, absl::Milliseconds(5), absl::Milliseconds(250));
    const auto idle_chrono = absl::ToChronoNanoseconds(idle);
    for (;;) {
      co_await sleep(period);
      const Clock::time_point now = Clock::now();
      for (auto& [id, conn] : conns_) {
        if (now - conn->last <= idle_chrono) continue;
        if (!conn->writer.is_closing()) {
          shared_.counters.timeouts.fetch_add(1, std::memory_order_relaxed);
          conn->writer.close();
        } else {
          conn->writer.abort();  // closed a sweep ago and still not flushed: a peer that does not read
        }
      }
    }
  }

  Shared& shared_;
  Mutex mu_;
  EventLoop* loop_ ABSL_GUARDED_BY(mu_) = nullptr;  // set while the loop serves
  AsyncEvent stop_;
  bool stopping_ = false;
  uint64_t next_id_ = 0;
  std::unordered_map<uint64_t, Conn*> conns_;
};

class CoroutineServer final : public Server {
 public:
  CoroutineServer(ServerModel model, std::shared_ptr<const Protocol> protocol, ServerOptions options)
      : model_(model) {
    shared_.protocol = std::move(protocol);
    shared_.options = std::move(options);
  }
  ~CoroutineServer() override { shutdown(); }

  absl::Status start() override {
    if (started_) return absl::FailedPreconditionError("Server.start: already started");
    started_ = true;
    const ServerOptions& o = shared_.options;
    const bool reuse_port = model_ == ServerModel::kCoroutineReusePort;
    const int loops = !reuse_port ? 1 : o.workers > 0 ? o.workers : std::max(2, cpu_count());
    // The listeners are bound here, as the reactor's are, so that a port in
    // use fails start() and every loop joins the port the first one got.
    std::vector<int> listeners;
    int port = o.port;
    for (int i = 0; i < loops; ++i) {
      absl::StatusOr<Socket> listener = create_server(o.host, port, o.backlog, reuse_port);
      if (!listener.ok()) {
        for (int fd : listeners) close(fd);
        return listener.status();
      }
      if (i == 0) port = listener->getsockname()->port();
      const int fd = fcntl(listener->fileno(), F_DUPFD_CLOEXEC, 0);  // the loop owns the copy
      if (fd < 0) {
        for (int l : listeners) close(l);
        return ErrnoToStatus(errno, "fcntl(F_DUPFD_CLOEXEC)");
      }
      listeners.push_back(fd);
    }
    absl::Status result = absl::OkStatus();
    for (int fd : listeners) {
      auto state = std::make_unique<LoopState>(shared_);
      std::promise<absl::Status> ready;
      std::future<absl::Status> started = ready.get_future();
      threads_.emplace_back([s = state.get(), fd, r = std::move(ready)]() mutable { s->Run(fd, std::move(r)); });
      loops_.push_back(std::move(state));
      if (absl::Status s = started.get(); !s.ok() && result.ok()) result = s;
    }
    if (!result.ok()) {
      shutdown();
      return result;
    }
    port_.store(port, std::memory_order_release);
    return absl::OkStatus();
  }

  int port() const override { return port_.load(std::memory_order_acquire); }
  ServerCounters counters() const override { return shared_.counters.Snapshot(); }
  ServerModel model() const override { return model_; }

  void shutdown() override {
    if (!started_ || stopped_) return;
    stopped_ = true;
    for (auto& loop : loops_) loop->Stop();
    for (std::thread& t : threads_) t.join();
    loops_.clear();
  }

 private:
  const ServerModel model_;
  Shared shared_;
  std::vector<std::unique_ptr<LoopState>> loops_;
  std::vector<std::thread> threads_;
  std::atomic<int> port_{0};
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> MakeCoroutineServer(ServerModel model,
                                                            std::shared_ptr<const Protocol> protocol,
                                                            ServerOptions options) {
  return std::unique_ptr<Server>(new CoroutineServer(model, std::move(protocol), std::move(options)));
}

}  // namespace conc::internal
