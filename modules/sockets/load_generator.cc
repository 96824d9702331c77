// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// One `Worker` per thread: an epoll instance and its connections. Each
// connection is a small state machine:
//
//   connecting --EPOLLOUT, SO_ERROR 0--> waiting (request sent, reading the answer)
//   waiting --whole answer--> waiting (the next request sent at once)
//   any --error, EOF, wrong answer--> closed (counted, never reopened)
//
// Interest set: EPOLLOUT while connecting or while a request is partly sent,
// EPOLLIN otherwise (level-triggered: one read per readiness, which is all a
// ping-pong answer needs). After the window, each connection closes once its
// answer in flight is in (at most a second), so the server sees clean closes
// rather than resets. The window's bounds are published by RunLoad's
// thread in two atomics; workers read them once per loop turn.

#include "modules/sockets/load_generator.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "modules/common/fd.h"
#include "modules/common/status.h"

namespace conc {
namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// A resolved numeric loopback address.
struct Target {
  sockaddr_storage addr{};
  socklen_t len = 0;
  int family = AF_INET;
};

absl::StatusOr<Target> Resolve(std::string_view host, int port) {
  Target t;
  const std::string h = host == "localhost" ? "127.0.0.1" : std::string(host);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&t.addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&t.addr);
  if (::inet_pton(AF_INET, h.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    t.len = sizeof(sockaddr_in);
    t.family = AF_INET;
  } else if (::inet_pton(AF_INET6, h.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    t.len = sizeof(sockaddr_in6);
    t.family = AF_INET6;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("'", Absl(host), "' is not a numeric address"));
  }
  return t;
}

// What the workers and RunLoad's thread share.
struct Shared {
  std::atomic<int64_t> window_start{0};  // steady ns; 0 until every connect is done
  std::atomic<int64_t> window_end{0};
  std::atomic<bool> stop{false};
  std::atomic<int> connecting{0};  // Connections whose connect has not finished.
};

// Counters a worker publishes for the progress line (relaxed: statistics).
struct alignas(64) LiveCounters {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> open{0};
  std::atomic<uint64_t> errors{0};
};

// How long a worker waits, after the window, for the answers in flight.
constexpr int64_t kDrainNs = 1'000'000'000;

class Worker {
 public:
  Worker(const LoadOptions& options, const Target& target, int connections, Shared& shared)
      : options_(options), target_(target), connections_(connections), shared_(shared) {
    if (options.protocol == LoadProtocol::kLine) {
      request_.reserve(options.message_size);
      for (size_t i = 0; i + 1 < options.message_size; ++i) request_ += static_cast<char>('a' + i % 26);
      request_ += '\n';
    } else {
      request_ = absl::StrCat("GET / HTTP/1.1\r\nHost: ", options.host, "\r\nUser-Agent: conc-load\r\n\r\n");
    }
  }

  absl::Status Init() {
    epoll_ = FileDescriptor(::epoll_create1(EPOLL_CLOEXEC));
    if (!epoll_.valid()) return ErrnoToStatus(errno, "epoll_create1");
    return absl::OkStatus();
  }

  void Run() {
    conns_.resize(static_cast<size_t>(connections_));
    for (size_t i = 0; i < conns_.size(); ++i) Connect(i);
    std::vector<epoll_event> events(512);
    std::vector<char> buffer(64 * 1024);
    for (;;) {
      if (open_ == 0) break;
      const int64_t now = NowNs();
      if (!draining_ && (shared_.stop.load(std::memory_order_relaxed) ||
                         (end_ != 0 && now >= end_))) {
        // The window is closed: no new request; each connection closes once its
        // answer is in, so the server sees clean closes, not resets.
        draining_ = true;
        report_.open_at_end = open_;
        drain_deadline_ = now + kDrainNs;
        for (size_t i = 0; i < conns_.size(); ++i) {
          if (conns_[i].state == State::kConnecting) Close(i);
        }
        if (open_ == 0) break;
      }
      if (draining_ && now >= drain_deadline_) break;
      const int n = ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), 20);
      if (n < 0 && errno != EINTR) break;
      start_ = shared_.window_start.load(std::memory_order_acquire);
      end_ = shared_.window_end.load(std::memory_order_acquire);
      for (int i = 0; i < n; ++i) {
        const size_t index = events[i].data.u64;
        Conn& c = conns_[index];
        if (c.fd.get() < 0) continue;
        if (c.state == State::kConnecting) {
          OnConnected(index);
        } else if (c.writing) {
          SendRest(index);
        } else {
          OnReadable(index, buffer);
        }
      }
      // Connects that never finish are given up at the connect timeout.
      if (connecting_ > 0 && NowNs() >= connect_deadline_) {
        for (size_t i = 0; i < conns_.size(); ++i) {
          if (conns_[i].state == State::kConnecting && conns_[i].fd.valid()) Fail(i, report_.connect_errors);
        }
      }
    }
    if (!draining_) report_.open_at_end = open_;
    conns_.clear();  // Whatever is left (an answer that never came) closes here.
  }

  const LoadReport& report() const { return report_; }
  LiveCounters& live() { return live_; }

 private:
  enum class State { kConnecting, kWaiting, kClosed };
  struct Conn {
    FileDescriptor fd;
    State state = State::kClosed;
    int64_t sent_at = 0;
    size_t out_off = 0;   // Bytes of the request sent.
    bool writing = false; // Registered for EPOLLOUT: the request is partly sent.
    size_t got = 0;       // line: bytes of the answer so far.
    std::string answer;   // http: the answer so far.
  };

  void Set(size_t index, uint32_t events, int op) {
    epoll_event e{};
    e.events = events;
    e.data.u64 = index;
    (void)::epoll_ctl(epoll_.get(), op, conns_[index].fd.get(), &e);
  }

  void Connect(size_t index) {
    Conn& c = conns_[index];
    if (connect_deadline_ == 0) connect_deadline_ = NowNs() + absl::ToInt64Nanoseconds(options_.connect_timeout);
    c.fd = FileDescriptor(::socket(target_.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!c.fd.valid()) {
      ++report_.connect_errors;
      live_.errors.fetch_add(1, std::memory_order_relaxed);
      ConnectDone();
      return;
    }
    const int one = 1;
    (void)::setsockopt(c.fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    ++open_;
    live_.open.fetch_add(1, std::memory_order_relaxed);
    c.state = State::kConnecting;
    ++connecting_;
    if (::connect(c.fd.get(), reinterpret_cast<const sockaddr*>(&target_.addr), target_.len) == 0 ||
        errno == EINPROGRESS) {
      Set(index, EPOLLOUT, EPOLL_CTL_ADD);
      return;
    }
    Fail(index, report_.connect_errors);
  }

  void ConnectDone() { shared_.connecting.fetch_sub(1, std::memory_order_acq_rel); }

  void OnConnected(size_t index) {
    Conn& c = conns_[index];
    int error = 0;
    socklen_t len = sizeof(error);
    if (::getsockopt(c.fd.get(), SOL_SOCKET, SO_ERROR, &error, &len) < 0 || error != 0) {
      Fail(index, report_.connect_errors);
      return;
    }
    c.state = State::kWaiting;
    --connecting_;
    ++report_.connected;
    ConnectDone();
    Set(index, EPOLLIN, EPOLL_CTL_MOD);
    Send(index);
  }

  // Closes a connection, counting why in `counter`.
  void Fail(size_t index, uint64_t& counter) {
    Close(index);
    ++counter;
    live_.errors.fetch_add(1, std::memory_order_relaxed);
  }

  void Close(size_t index) {
    Conn& c = conns_[index];
    if (c.state == State::kConnecting) {
      --connecting_;
      ConnectDone();
    }
    (void)::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, c.fd.get(), nullptr);
    c.fd.reset();
    c.state = State::kClosed;
    c.answer.clear();
    --open_;
    live_.open.fetch_sub(1, std::memory_order_relaxed);
  }

  // `now`: the caller's clock reading, when it has one (an answer's arrival).
  void Send(size_t index, int64_t now = 0) {
    Conn& c = conns_[index];
    c.sent_at = now != 0 ? now : NowNs();
    c.out_off = 0;
    c.got = 0;
    SendRest(index);
  }

  void SendRest(size_t index) {
    Conn& c = conns_[index];
    while (c.out_off < request_.size()) {
      const ssize_t n = ::send(c.fd.get(), request_.data() + c.out_off, request_.size() - c.out_off, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          if (!c.writing) Set(index, EPOLLOUT, EPOLL_CTL_MOD);
          c.writing = true;
          return;
        }
        Fail(index, report_.resets);
        return;
      }
      c.out_off += static_cast<size_t>(n);
    }
    if (c.writing) Set(index, EPOLLIN, EPOLL_CTL_MOD);
    c.writing = false;
  }

  void OnReadable(size_t index, std::vector<char>& buffer) {
    Conn& c = conns_[index];
    const ssize_t n = ::recv(c.fd.get(), buffer.data(), buffer.size(), 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      Fail(index, report_.resets);
      return;
    }
    if (n == 0) {
      Fail(index, report_.server_closes);
      return;
    }
    const std::string_view data(buffer.data(), static_cast<size_t>(n));
    const int verdict = options_.protocol == LoadProtocol::kLine ? LineAnswer(c, data) : HttpAnswer(c, data);
    if (verdict < 0) {
      Fail(index, report_.bad_responses);
    } else if (verdict > 0) {
      Answered(index);
    }
  }

  // 1: the answer is complete and right; 0: not complete yet; -1: wrong.
  int LineAnswer(Conn& c, std::string_view data) {
    const size_t nl = data.find('\n');
    if (nl == std::string_view::npos) {
      c.got += data.size();
      return c.got < request_.size() ? 0 : -1;
    }
    // Exactly our line back, and nothing after it (one request in flight).
    return c.got + nl + 1 == request_.size() && nl + 1 == data.size() ? 1 : -1;
  }

  int HttpAnswer(Conn& c, std::string_view data) {
    c.answer.append(data.data(), data.size());
    const size_t end = c.answer.find("\r\n\r\n");
    if (end == std::string::npos) return c.answer.size() > 16 * 1024 ? -1 : 0;
    const std::string_view head(c.answer.data(), end);
    if (!absl::StartsWith(Absl(head), "HTTP/1.1 200 ") && !absl::StartsWith(Absl(head), "HTTP/1.0 200 ")) return -1;
    size_t length = 0;
    bool has_length = false;
    for (size_t pos = head.find("\r\n"); pos != std::string_view::npos;) {
      const size_t next = head.find("\r\n", pos + 2);
      const std::string_view line = head.substr(pos + 2, next == std::string_view::npos ? next : next - pos - 2);
      const size_t colon = line.find(':');
      if (colon != std::string_view::npos &&
          absl::EqualsIgnoreCase(Absl(line.substr(0, colon)), "content-length")) {
        has_length = absl::SimpleAtoi(absl::StripAsciiWhitespace(Absl(line.substr(colon + 1))), &length);
        if (!has_length) return -1;
      }
      pos = next;
    }
    if (!has_length) return -1;
    const size_t total = end + 4 + length;
    if (c.answer.size() < total) return 0;
    if (c.answer.size() > total) return -1;
    c.answer.clear();
    return 1;
  }

  void Answered(size_t index) {
    Conn& c = conns_[index];
    const int64_t now = NowNs();
    if (start_ != 0 && c.sent_at >= start_ && now <= end_) {
      report_.latency.record(now - c.sent_at);
      ++report_.requests;
      live_.requests.fetch_add(1, std::memory_order_relaxed);
    }
    if (draining_) {
      Close(index);
    } else {
      Send(index, now);
    }
  }

  const LoadOptions& options_;
  const Target& target_;
  const int connections_;
  Shared& shared_;
  std::string request_;
  FileDescriptor epoll_;
  std::vector<Conn> conns_;
  LoadReport report_;
  LiveCounters live_;
  int64_t start_ = 0;
  int64_t end_ = 0;
  int64_t connect_deadline_ = 0;
  bool draining_ = false;
  int64_t drain_deadline_ = 0;
  int connecting_ = 0;
  uint64_t open_ = 0;
};

absl::Status Validate(const LoadOptions& o) {
  if (!IsLoopbackHost(o.host)) {
    return absl::InvalidArgumentError(
        absl::StrCat("refusing host '", o.host,
                     "': only loopback addresses (127.0.0.0/8, ::1, localhost) may be loaded from here"));
  }
  if (o.port < 1 || o.port > 65535) return absl::InvalidArgumentError(absl::StrCat("bad port ", o.port));
  if (o.connections < 1 || o.connections > LoadOptions::kMaxConnections) {
    return absl::InvalidArgumentError(
        absl::StrCat("connections must be 1..", LoadOptions::kMaxConnections, ", not ", o.connections));
  }
  if (o.duration <= absl::ZeroDuration() || o.duration > LoadOptions::kMaxDuration) {
    return absl::InvalidArgumentError(absl::StrCat("the duration must be in (0, ",
                                                   absl::FormatDuration(LoadOptions::kMaxDuration), "], not ",
                                                   absl::FormatDuration(o.duration)));
  }
  if (o.message_size < 2 || o.message_size > 64 * 1024) {
    return absl::InvalidArgumentError(absl::StrCat("message size must be 2..65536, not ", o.message_size));
  }
  if (o.threads < 1 || o.threads > LoadOptions::kMaxThreads) {
    return absl::InvalidArgumentError(
        absl::StrCat("threads must be 1..", LoadOptions::kMaxThreads, ", not ", o.threads));
  }
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
      limit.rlim_cur < static_cast<rlim_t>(o.connections) + 64) {
    return absl::FailedPreconditionError(absl::StrCat(o.connections, " connections need ",
                                                      o.connections + 64, " descriptors; RLIMIT_NOFILE is ",
                                                      limit.rlim_cur, " (raise it: ulimit -n)"));
  }
  return absl::OkStatus();
}

}  // namespace

double LoadReport::requests_per_second() const {
  const double seconds = absl::ToDoubleSeconds(window);
  return seconds > 0 ? static_cast<double>(requests) / seconds : 0.0;
}

absl::StatusOr<LoadProtocol> ParseLoadProtocol(std::string_view name) {
  if (name == "line") return LoadProtocol::kLine;
  if (name == "http") return LoadProtocol::kHttp;
  return absl::InvalidArgumentError(absl::StrCat("unknown protocol '", Absl(name), "' (line, http)"));
}

std::string_view LoadProtocolName(LoadProtocol protocol) {
  return protocol == LoadProtocol::kLine ? "line" : "http";
}

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost") return true;
  const std::string h(host);
  in_addr v4{};
  if (::inet_pton(AF_INET, h.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, h.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

absl::StatusOr<std::pair<std::string, int>> ParseHostPort(std::string_view server) {
  std::string_view host, port;
  if (!server.empty() && server.front() == '[') {
    const size_t close = server.find("]:");
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("'", Absl(server), "' is not [V6ADDRESS]:PORT"));
    }
    host = server.substr(1, close - 1);
    port = server.substr(close + 2);
  } else {
    const size_t colon = server.rfind(':');
    if (colon == std::string_view::npos || server.find(':') != colon) {
      return absl::InvalidArgumentError(absl::StrCat("'", Absl(server), "' is not HOST:PORT"));
    }
    host = server.substr(0, colon);
    port = server.substr(colon + 1);
  }
  int p = 0;
  if (host.empty() || !absl::SimpleAtoi(Absl(port), &p) || p < 1 || p > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("'", Absl(server), "' is not HOST:PORT with a port 1..65535"));
  }
  return std::make_pair(std::string(host), p);
}

absl::StatusOr<LoadReport> RunLoad(const LoadOptions& options) {
  if (absl::Status s = Validate(options); !s.ok()) return s;
  absl::StatusOr<Target> target = Resolve(options.host, options.port);
  if (!target.ok()) return target.status();

  Shared shared;
  shared.connecting.store(options.connections);
  const int threads = std::min(options.threads, options.connections);
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < threads; ++i) {
    const int share = options.connections / threads + (i < options.connections % threads ? 1 : 0);
    workers.push_back(std::make_unique<Worker>(options, *target, share, shared));
    if (absl::Status s = workers.back()->Init(); !s.ok()) return s;
  }
  std::vector<std::thread> running;
  for (auto& w : workers) running.emplace_back([w = w.get()] { w->Run(); });

  auto sum = [&](std::atomic<uint64_t> LiveCounters::*field) {
    uint64_t total = 0;
    for (auto& w : workers) total += (w->live().*field).load(std::memory_order_relaxed);
    return total;
  };

  // Every connect done (or given up at the connect timeout, plus a margin for
  // the workers to notice): the window opens.
  const int64_t connect_limit = NowNs() + absl::ToInt64Nanoseconds(options.connect_timeout) + 500'000'000;
  while (shared.connecting.load(std::memory_order_acquire) > 0 && NowNs() < connect_limit) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const int64_t start = NowNs();
  const int64_t end = start + absl::ToInt64Nanoseconds(options.duration);
  shared.window_end.store(end, std::memory_order_release);
  shared.window_start.store(start, std::memory_order_release);

  // Progress once a second until the window closes or no connection is left.
  int64_t next = start + 1'000'000'000;
  uint64_t last_requests = 0;
  int64_t last_time = start;
  for (;;) {
    const int64_t now = NowNs();
    if (now >= end || sum(&LiveCounters::open) == 0) break;
    if (now >= next) {
      const uint64_t requests = sum(&LiveCounters::requests);
      if (options.progress) {
        LoadProgress p;
        p.elapsed = absl::Nanoseconds(now - start);
        p.requests = requests;
        p.requests_per_second = static_cast<double>(requests - last_requests) * 1e9 / static_cast<double>(now - last_time);
        p.open = sum(&LiveCounters::open);
        p.errors = sum(&LiveCounters::errors);
        options.progress(p);
      }
      last_requests = requests;
      last_time = now;
      next += 1'000'000'000;
    }
    std::this_thread::sleep_for(std::chrono::nanoseconds(std::min({end - now, next - now, int64_t{20'000'000}})));
  }
  const int64_t closed = std::min(NowNs(), end);
  shared.stop.store(true, std::memory_order_relaxed);
  for (std::thread& t : running) t.join();

  LoadReport report;
  report.window = absl::Nanoseconds(closed - start);
  for (auto& w : workers) {
    const LoadReport& r = w->report();
    report.requests += r.requests;
    report.latency.merge(r.latency);
    report.connected += r.connected;
    report.connect_errors += r.connect_errors;
    report.resets += r.resets;
    report.server_closes += r.server_closes;
    report.bad_responses += r.bad_responses;
    report.open_at_end += r.open_at_end;
  }
  return report;
}

}  // namespace conc
