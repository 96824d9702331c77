// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// The load generator against conc::Server in this process: counts agree with
// the server's, errors of every kind are counted and never fatal, bounds hold.

#include "modules/sockets/load_generator.h"

#include <atomic>
#include <memory>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "modules/sockets/http.h"
#include "modules/sockets/line_protocol.h"
#include "modules/sockets/server.h"
#include "modules/sockets/socket.h"

namespace conc {
namespace {

std::unique_ptr<Server> Start(ServerModel model, std::shared_ptr<const Protocol> protocol, ServerOptions options = {}) {
  absl::StatusOr<std::unique_ptr<Server>> s = Server::Create(model, std::move(protocol), options);
  EXPECT_TRUE(s.ok()) << s.status();
  if (!s.ok()) return nullptr;
  EXPECT_TRUE((*s)->start().ok());
  return *std::move(s);
}

LoadOptions Options(int port, int connections, absl::Duration duration) {
  LoadOptions o;
  o.port = port;
  o.connections = connections;
  o.duration = duration;
  return o;
}

TEST(LoadGeneratorTest, LineEchoForOneSecondCountsWhatTheServerAnswered) {
  std::unique_ptr<Server> server = Start(ServerModel::kReactor, std::make_shared<LineProtocol>());
  ASSERT_NE(server, nullptr);
  LoadOptions o = Options(server->port(), 8, absl::Seconds(1));
  o.threads = 2;
  std::atomic<int> progress_calls{0};
  o.progress = [&](const LoadProgress& p) {
    EXPECT_EQ(p.open, 8u);
    progress_calls.fetch_add(1);
  };
  const absl::Time before = absl::Now();
  absl::StatusOr<LoadReport> r = RunLoad(o);
  const absl::Duration took = absl::Now() - before;
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->connected, 8u);
  EXPECT_EQ(r->errors(), 0u);
  EXPECT_EQ(r->open_at_end, 8u);
  EXPECT_GT(r->requests, 100u);  // Thousands in practice; a loaded 2-core VM still does hundreds.
  EXPECT_EQ(r->latency.count(), r->requests);
  EXPECT_GT(r->latency.percentile(50), 0);
  EXPECT_LE(r->latency.percentile(50), r->latency.percentile(99));
  EXPECT_NEAR(absl::ToDoubleSeconds(r->window), 1.0, 0.2);
  EXPECT_GT(r->requests_per_second(), 0.0);
  EXPECT_LT(took, absl::Seconds(15));
  server->shutdown();
  // The server answered every counted request, and a few more outside the window.
  EXPECT_GE(server->counters().requests, r->requests);
  EXPECT_EQ(server->counters().errors, 0u);
  EXPECT_LE(progress_calls.load(), 1);
}

TEST(LoadGeneratorTest, HttpKeepAliveAndProgressOnceASecond) {
  std::unique_ptr<Server> server = Start(ServerModel::kReactor, std::make_shared<HttpProtocol>());
  ASSERT_NE(server, nullptr);
  LoadOptions o = Options(server->port(), 4, absl::Milliseconds(2500));
  o.protocol = LoadProtocol::kHttp;
  std::atomic<int> progress_calls{0};
  o.progress = [&](const LoadProgress&) { progress_calls.fetch_add(1); };
  absl::StatusOr<LoadReport> r = RunLoad(o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->connected, 4u);
  EXPECT_EQ(r->errors(), 0u);
  EXPECT_GT(r->requests, 100u);
  EXPECT_GE(progress_calls.load(), 1);
  EXPECT_LE(progress_calls.load(), 2);
  server->shutdown();
  EXPECT_GE(server->counters().requests, r->requests);
  EXPECT_EQ(server->counters().connections, 4u);
}

TEST(LoadGeneratorTest, WrongAnswersAreCountedAndCloseTheConnection) {
  // A line server whose lines are shorter than the requests: every answer is
  // "ERR line too long", which is not the echo.
  std::unique_ptr<Server> server = Start(ServerModel::kReactor, std::make_shared<LineProtocol>(16));
  ASSERT_NE(server, nullptr);
  LoadOptions o = Options(server->port(), 3, absl::Seconds(5));
  absl::StatusOr<LoadReport> r = RunLoad(o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->requests, 0u);
  EXPECT_EQ(r->connected, 3u);
  // Each connection ends once: a wrong answer, or the close that follows it.
  EXPECT_EQ(r->bad_responses + r->server_closes + r->resets, 3u);
  EXPECT_GE(r->bad_responses, 1u);
  EXPECT_EQ(r->open_at_end, 0u);
  EXPECT_LT(r->window, absl::Seconds(4));  // Ended early: no connection left.
}

TEST(LoadGeneratorTest, ServerThatClosesAtOnceIsCounted) {
  ServerOptions options;
  options.max_connections = 2;  // The other three are accepted and closed at once.
  std::unique_ptr<Server> server = Start(ServerModel::kReactor, std::make_shared<LineProtocol>(), options);
  ASSERT_NE(server, nullptr);
  absl::StatusOr<LoadReport> r = RunLoad(Options(server->port(), 5, absl::Seconds(1)));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->connected, 5u);  // TCP connects before the server's accept decides.
  EXPECT_EQ(r->server_closes + r->resets, 3u);
  EXPECT_EQ(r->open_at_end, 2u);
  EXPECT_GT(r->requests, 0u);
}

TEST(LoadGeneratorTest, RefusedConnectionsAreCountedAndTheRunEndsEarly) {
  int port = 0;
  {
    absl::StatusOr<Socket> s = create_server("127.0.0.1", 0);
    ASSERT_TRUE(s.ok());
    port = s->getsockname()->port();
  }  // Closed: nothing listens there now.
  const absl::Time before = absl::Now();
  absl::StatusOr<LoadReport> r = RunLoad(Options(port, 4, absl::Seconds(30)));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->connect_errors, 4u);
  EXPECT_EQ(r->connected, 0u);
  EXPECT_EQ(r->requests, 0u);
  EXPECT_LT(absl::Now() - before, absl::Seconds(10));
}

TEST(LoadGeneratorTest, RefusesOtherHostsAndOutOfBoundOptions) {
  for (const char* host : {"10.0.0.1", "192.168.1.1", "8.8.8.8", "::2", "example.com", ""}) {
    LoadOptions o = Options(9, 1, absl::Seconds(1));
    o.host = host;
    absl::StatusOr<LoadReport> r = RunLoad(o);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << host;
  }
  EXPECT_NE(RunLoad([] { auto o = Options(9, 1, absl::Seconds(1)); o.host = "10.1.2.3"; return o; }())
                .status()
                .message()
                .find("only loopback"),
            std::string_view::npos);
  for (const char* host : {"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1", "localhost"}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  }
  EXPECT_EQ(RunLoad(Options(9, 0, absl::Seconds(1))).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunLoad(Options(9, LoadOptions::kMaxConnections + 1, absl::Seconds(1))).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunLoad(Options(9, 1, absl::Seconds(601))).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunLoad(Options(9, 1, absl::ZeroDuration())).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunLoad(Options(0, 1, absl::Seconds(1))).status().code(), absl::StatusCode::kInvalidArgument);
  LoadOptions tiny = Options(9, 1, absl::Seconds(1));
  tiny.message_size = 1;
  EXPECT_EQ(RunLoad(tiny).status().code(), absl::StatusCode::kInvalidArgument);
  LoadOptions many = Options(9, 1, absl::Seconds(1));
  many.threads = LoadOptions::kMaxThreads + 1;
  EXPECT_EQ(RunLoad(many).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(LoadGeneratorTest, ParsesHostPortAndProtocol) {
  EXPECT_EQ(*ParseHostPort("127.0.0.1:8080"), std::make_pair(std::string("127.0.0.1"), 8080));
  EXPECT_EQ(*ParseHostPort("[::1]:99"), std::make_pair(std::string("::1"), 99));
  EXPECT_EQ(*ParseHostPort("localhost:1"), std::make_pair(std::string("localhost"), 1));
  for (const char* bad : {"127.0.0.1", "127.0.0.1:", ":80", "127.0.0.1:0", "127.0.0.1:65536", "::1:80", "[::1]80",
                          "host:port"}) {
    EXPECT_FALSE(ParseHostPort(bad).ok()) << bad;
  }
  EXPECT_EQ(*ParseLoadProtocol("http"), LoadProtocol::kHttp);
  EXPECT_FALSE(ParseLoadProtocol("grpc").ok());
}

}  // namespace
}  // namespace conc
