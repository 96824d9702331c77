// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// One protocol suite, run against every server model (a parameterized test).

#include "modules/sockets/server.h"

#include <sys/socket.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "modules/sockets/line_protocol.h"
#include "modules/sockets/socket.h"
#include "modules/sockets/testing/clients.h"

namespace conc {
namespace {

using testing::Connect;
using testing::ReadUntilClosed;

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
// TSan and ASan make each thread and each descriptor dearer (shadow memory,
// 1,000 threads of the thread model under TSan take minutes on 2 cores).
constexpr int kConcurrentClients = 250;
#else
constexpr int kConcurrentClients = 1000;
#endif

class ServerTest : public ::testing::TestWithParam<ServerModel> {
 protected:
  void StartServer(ServerOptions options = {}, size_t max_line = 64 * 1024) {
    ASSERT_GE(testing::RaiseFileLimit(4 * kConcurrentClients + 256), 2u * kConcurrentClients + 64);
    absl::StatusOr<std::unique_ptr<Server>> s =
        Server::Create(GetParam(), std::make_shared<LineProtocol>(max_line), options);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = *std::move(s);
    ASSERT_TRUE(server_->start().ok());
    ASSERT_GT(server_->port(), 0);
  }

  std::unique_ptr<Server> server_;
};

// Sends `request` on a new connection and reads one line back.
std::string Ask(int port, const std::string& request) {
  absl::StatusOr<Socket> c = Connect(port);
  if (!c.ok()) return c.status().ToString();
  if (absl::Status s = c->sendall(request); !s.ok()) return s.ToString();
  absl::StatusOr<std::string> line = SocketReader(*c).readline();
  return line.ok() ? *line : line.status().ToString();
}

TEST_P(ServerTest, EchoAndCommands) {
  StartServer();
  absl::StatusOr<Socket> c = Connect(server_->port());
  ASSERT_TRUE(c.ok()) << c.status();
  SocketReader r(*c);
  ASSERT_TRUE(c->sendall("hello\r\n").ok());
  EXPECT_EQ(*r.readline(), "hello\n");
  ASSERT_TRUE(c->sendall("SUM 2 3 -10\n").ok());
  EXPECT_EQ(*r.readline(), "-5\n");
  ASSERT_TRUE(c->sendall("SUM 9223372036854775807 1\nSUM x\n").ok());
  EXPECT_EQ(*r.readline(), "ERR overflow\n");
  EXPECT_EQ(*r.readline(), "ERR bad number\n");
  ASSERT_TRUE(c->sendall("TIME\n").ok());
  int64_t ns;
  std::string t = *r.readline();
  ASSERT_TRUE(absl::SimpleAtoi(absl::StripTrailingAsciiWhitespace(t), &ns)) << t;
  EXPECT_NEAR(static_cast<double>(ns), static_cast<double>(absl::ToUnixNanos(absl::Now())), 60e9);
  ASSERT_TRUE(c->sendall("QUIT\n").ok());
  EXPECT_EQ(*r.readline(), "BYE\n");
  EXPECT_EQ(*r.readline(), "");  // The server closed.
}

TEST_P(ServerTest, PipelinedLinesAreAnsweredInOrder) {
  StartServer();
  absl::StatusOr<Socket> c = Connect(server_->port());
  ASSERT_TRUE(c.ok());
  std::string all;
  for (int i = 0; i < 500; ++i) absl::StrAppend(&all, "line ", i, "\n");
  ASSERT_TRUE(c->sendall(all + "QUIT\n").ok());
  EXPECT_EQ(*ReadUntilClosed(*c), all + "BYE\n");
  server_->shutdown();
  EXPECT_EQ(server_->counters().requests, 501u);
}

TEST_P(ServerTest, ConcurrentClients) {
  StartServer();
  std::vector<Socket> clients;
  for (int i = 0; i < kConcurrentClients; ++i) {
    absl::StatusOr<Socket> c = Connect(server_->port());
    ASSERT_TRUE(c.ok()) << i << ": " << c.status();
    clients.push_back(*std::move(c));
  }
  for (int i = 0; i < kConcurrentClients; ++i) ASSERT_TRUE(clients[i].sendall(absl::StrCat("SUM ", i, " 1\n")).ok());
  // Read and close in connect order: the iterative model serves them one after
  // the other, each once the one before it has closed.
  for (int i = 0; i < kConcurrentClients; ++i) {
    SocketReader r(clients[i]);
    ASSERT_EQ(*r.readline(), absl::StrCat(i + 1, "\n")) << i;
    ASSERT_TRUE(clients[i].close().ok());
  }
  server_->shutdown();
  const ServerCounters counters = server_->counters();
  EXPECT_EQ(counters.connections, static_cast<uint64_t>(kConcurrentClients));
  EXPECT_EQ(counters.requests, static_cast<uint64_t>(kConcurrentClients));
  EXPECT_EQ(counters.errors, 0u);
  EXPECT_EQ(counters.active, 0u);
}

TEST_P(ServerTest, HostileClientsCostOnlyTheirConnection) {
  ServerOptions options;
  // The stalled client's fate. Wide enough that a good client, which sends at
  // once, is never closed for being slow on a loaded CI VM (a pause of 1 s
  // between its connect and its send would be needed).
  options.idle_timeout = absl::Seconds(1);
  StartServer(options);
  const int port = server_->port();
  // Garbage bytes: refused, closed.
  {
    absl::StatusOr<Socket> c = Connect(port);
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c->sendall(std::string("\x00\xff\x01garbage\n", 11)).ok());
    absl::StatusOr<std::string> got = ReadUntilClosed(*c);
    ASSERT_TRUE(got.ok()) << "garbage: " << got.status();
    EXPECT_EQ(*got, "ERR bad bytes\n");
  }
  EXPECT_EQ(Ask(port, "after garbage\n"), "after garbage\n");
  // A 10 MB line: refused after the limit, closed; our send may fail (reset).
  {
    absl::StatusOr<Socket> c = Connect(port);
    ASSERT_TRUE(c.ok());
    std::thread sender([&c] { (void)c->sendall(std::string(10 << 20, 'x')); });
    absl::StatusOr<std::string> got = ReadUntilClosed(*c);
    sender.join();
    if (got.ok()) EXPECT_EQ(*got, "ERR line too long\n");
    else EXPECT_TRUE(absl::IsUnavailable(got.status())) << got.status();  // Reset with unread bytes.
  }
  EXPECT_EQ(Ask(port, "after a huge line\n"), "after a huge line\n");
  // Half a line, then a stall: the idle timeout closes it.
  {
    absl::StatusOr<Socket> c = Connect(port);
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c->sendall("half a li").ok());
    absl::StatusOr<std::string> got = ReadUntilClosed(*c);
    ASSERT_TRUE(got.ok()) << "stall: " << got.status();
    EXPECT_EQ(*got, "");
  }
  EXPECT_EQ(Ask(port, "after a stall\n"), "after a stall\n");
  // Connect and vanish, twice (once with a reset).
  {
    absl::StatusOr<Socket> c = Connect(port);
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c->sendall("SUM 1").ok());
  }
  {
    absl::StatusOr<Socket> c = Connect(port);
    ASSERT_TRUE(c.ok());
    linger l{1, 0};
    ::setsockopt(c->fileno(), SOL_SOCKET, SO_LINGER, &l, sizeof(l));
  }
  EXPECT_EQ(Ask(port, "after vanishing clients\n"), "after vanishing clients\n");
  server_->shutdown();
  const ServerCounters counters = server_->counters();
  EXPECT_GE(counters.errors, 2u);    // Garbage, the long line (a reset may add one).
  EXPECT_GE(counters.timeouts, 1u);  // The stall.
}

TEST_P(ServerTest, GracefulShutdownFinishesTheRequestInFlight) {
  StartServer();
  absl::StatusOr<Socket> busy = Connect(server_->port());
  ASSERT_TRUE(busy.ok());
  ASSERT_TRUE(busy->sendall("in fl").ok());
  std::optional<Socket> idle;
  if (GetParam() != ServerModel::kIterative) {  // Iterative serves one connection at a time.
    absl::StatusOr<Socket> c = Connect(server_->port());
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c->sendall("ping\n").ok());
    ASSERT_EQ(*SocketReader(*c).readline(), "ping\n");  // Served, now idle.
    idle = *std::move(c);
  } else {
    for (int i = 0; i < 2000 && server_->counters().connections == 0; ++i) absl::SleepFor(absl::Milliseconds(5));
  }
  std::thread stopper([this] { server_->shutdown(); });
  if (idle.has_value()) {
    // The idle connection is closed at once: that is how we know the server is stopping.
    EXPECT_EQ(*ReadUntilClosed(*idle), "");
  }
  ASSERT_TRUE(busy->sendall("ight\n").ok());
  EXPECT_EQ(*SocketReader(*busy).readline(), "in flight\n");
  stopper.join();
  EXPECT_EQ(server_->counters().active, 0u);
  // The listener is closed.
  EXPECT_FALSE(Connect(server_->port(), absl::Seconds(2)).ok());
}

TEST_P(ServerTest, ConnectionLimitRejectsTheExtraClient) {
  if (GetParam() == ServerModel::kIterative) GTEST_SKIP() << "iterative serves one connection at a time";
  ServerOptions options;
  options.max_connections = 2;
  options.workers = 4;
  StartServer(options);
  std::vector<Socket> held;
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<Socket> c = Connect(server_->port());
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c->sendall("hi\n").ok());
    ASSERT_EQ(*SocketReader(*c).readline(), "hi\n");
    held.push_back(*std::move(c));
  }
  absl::StatusOr<Socket> extra = Connect(server_->port());
  ASSERT_TRUE(extra.ok());
  absl::StatusOr<std::string> got = ReadUntilClosed(*extra);
  EXPECT_TRUE(!got.ok() || got->empty());
  EXPECT_EQ(server_->counters().rejected, 1u);
  held.clear();
  // Room again once they are gone (active drops as the server sees them close).
  for (int i = 0; i < 2000 && server_->counters().active > 0; ++i) absl::SleepFor(absl::Milliseconds(5));
  EXPECT_EQ(Ask(server_->port(), "room\n"), "room\n");
}

TEST_P(ServerTest, StartTwiceIsFailedPreconditionAndPortInUseFails) {
  StartServer();
  EXPECT_TRUE(absl::IsFailedPrecondition(server_->start()));
  ServerOptions taken;
  taken.port = server_->port();
  auto other = Server::Create(GetParam(), std::make_shared<LineProtocol>(), taken);
  ASSERT_TRUE(other.ok());
  if (GetParam() == ServerModel::kReusePort || GetParam() == ServerModel::kCoroutineReusePort) {
    // SO_REUSEPORT lets any socket of the same user with the option join the
    // port (and take a share of its connections): the model's price.
    EXPECT_TRUE((*other)->start().ok());
  } else {
    EXPECT_FALSE((*other)->start().ok());
  }
}

INSTANTIATE_TEST_SUITE_P(AllModels, ServerTest,
                         ::testing::Values(ServerModel::kIterative, ServerModel::kThread, ServerModel::kPool,
                                           ServerModel::kReactor, ServerModel::kReusePort, ServerModel::kCoroutine,
                                           ServerModel::kCoroutineReusePort),
                         [](const ::testing::TestParamInfo<ServerModel>& info) {
                           return std::string(ServerModelName(info.param));
                         });

TEST(ServerModelTest, NamesRoundTrip) {
  for (auto m : {ServerModel::kIterative, ServerModel::kThread, ServerModel::kPool, ServerModel::kReactor,
                 ServerModel::kReusePort, ServerModel::kCoroutine, ServerModel::kCoroutineReusePort}) {
    EXPECT_EQ(*ParseServerModel(ServerModelName(m)), m);
  }
  EXPECT_TRUE(absl::IsInvalidArgument(ParseServerModel("forking").status()));
}

}  // namespace
}  // namespace conc
