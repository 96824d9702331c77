// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// The HTTP protocol on its own (feed), then against every server model: curl,
// keep-alive, the error statuses, and the hostile HTTP clients (a slowloris,
// a 10 MB header).

#include "modules/sockets/http.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "modules/sockets/server.h"
#include "modules/sockets/socket.h"
#include "modules/sockets/testing/clients.h"

namespace conc {
namespace {

using testing::Connect;
using testing::ReadUntilClosed;

std::string Page() { return std::string(HttpProtocol::IndexPage()); }

std::string Feed(std::string_view input, Session::Result* result = nullptr, HttpLimits limits = {}) {
  auto s = HttpProtocol(limits).NewSession();
  std::string out;
  Session::Result r = s->feed(input, out);
  if (result != nullptr) *result = r;
  return out;
}

TEST(HttpProtocolTest, GetKeepAliveAndPipelining) {
  Session::Result r;
  const std::string out = Feed("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /nope HTTP/1.1\r\n\r\nGET / HT", &r);
  EXPECT_EQ(r.requests, 2);
  EXPECT_FALSE(r.close);
  EXPECT_TRUE(absl::StartsWith(out, "HTTP/1.1 200 OK\r\n")) << out;
  EXPECT_TRUE(absl::StrContains(out, absl::StrCat("Content-Length: ", HttpProtocol::IndexPage().size(), "\r\n")));
  EXPECT_TRUE(absl::StrContains(out, "HTTP/1.1 404 Not Found\r\n"));
  EXPECT_TRUE(absl::StrContains(out, "Connection: keep-alive"));
}

TEST(HttpProtocolTest, CloseAndHttp10) {
  Session::Result r;
  EXPECT_TRUE(absl::StrContains(Feed("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", &r), "Connection: close"));
  EXPECT_TRUE(r.close);
  Feed("GET / HTTP/1.0\r\n\r\n", &r);
  EXPECT_TRUE(r.close);
  Feed("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &r);
  EXPECT_FALSE(r.close);
}

TEST(HttpProtocolTest, BodyIsReadAndIgnoredOnceComplete) {
  Session::Result r;
  EXPECT_EQ(Feed("GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabc", &r), "");
  EXPECT_EQ(r.requests, 0);  // Waits for the rest of the body.
  EXPECT_TRUE(absl::StartsWith(Feed("GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabcde", &r), "HTTP/1.1 200"));
  EXPECT_EQ(r.consumed, 42u);  // 16 + 19 + 2 + 5.
}

TEST(HttpProtocolTest, BadInputStatuses) {
  const struct {
    std::string request;
    std::string status;
  } cases[] = {
      {"garbage\r\n\r\n", "400"},
      {"GET / HTTP/2.0\r\n\r\n", "400"},
      {"GET /  HTTP/1.1\r\n\r\n", "400"},
      {"GET / HTTP/1.1\r\nNo colon here\r\n\r\n", "400"},
      {"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", "400"},
      {"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "400"},
      {"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", "400"},
      {"GET / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", "400"},
      {"GET / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n", "413"},
      {"POST / HTTP/1.1\r\n\r\n", "405"},
      {"GET / HTTP/1.1\r\nX: " + std::string(9000, 'a') + "\r\n\r\n", "431"},
      {"GET / HTTP/1.1\r\nX: " + std::string(9000, 'a'), "431"},  // No blank line yet: refused already.
  };
  for (const auto& c : cases) {
    Session::Result r;
    const std::string out = Feed(c.request, &r);
    EXPECT_TRUE(absl::StartsWith(out, "HTTP/1.1 " + c.status)) << c.request.substr(0, 60) << " -> " << out;
    EXPECT_TRUE(r.close) << c.request.substr(0, 60);
  }
}

class HttpServerTest : public ::testing::TestWithParam<ServerModel> {
 protected:
  void StartServer(ServerOptions options = {}) {
    testing::RaiseFileLimit(1024);
    absl::StatusOr<std::unique_ptr<Server>> s = Server::Create(GetParam(), std::make_shared<HttpProtocol>(), options);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = *std::move(s);
    ASSERT_TRUE(server_->start().ok());
  }
  std::unique_ptr<Server> server_;
};

// Runs a command and returns its stdout (and its exit status in `status`).
std::string RunCommand(const std::string& command, int* status) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = ::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  *status = ::pclose(p);
  return out;
}

TEST_P(HttpServerTest, CurlFetchesThePageTwiceOnOneConnection) {
  const char* curl = "/usr/bin/curl";
  if (::access(curl, X_OK) != 0) GTEST_SKIP() << "curl not found at /usr/bin/curl: run tools/setup.sh";
  StartServer();
  const std::string url = absl::StrCat("http://127.0.0.1:", server_->port(), "/");
  int status = -1;
  // Two URLs in one curl run: the second reuses the connection (keep-alive).
  // --max-time bounds the run on a loaded CI machine; --noproxy keeps it local.
  const std::string out = RunCommand(absl::StrCat(curl, " --silent --show-error --fail --noproxy '*' --max-time 30 ", url,
                                           " ", url),
                              &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_EQ(out, Page() + Page());
  server_->shutdown();
  EXPECT_EQ(server_->counters().requests, 2u);
  EXPECT_EQ(server_->counters().connections, 1u);  // Keep-alive: one connection.
  const std::string missing = RunCommand(absl::StrCat(curl, " --silent --noproxy '*' --max-time 30 -o /dev/null -w '%{http_code}' ",
                                               url, "x"),
                                  &status);
  EXPECT_NE(missing, "200");  // The server is gone now: curl reports 000.
}

TEST_P(HttpServerTest, NotFoundKeepsTheConnectionAndBadRequestCloses) {
  StartServer();
  absl::StatusOr<Socket> c = Connect(server_->port());
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c->sendall("GET /missing HTTP/1.1\r\nHost: x\r\n\r\nBAD REQUEST LINE HERE\r\n\r\n").ok());
  absl::StatusOr<std::string> all = ReadUntilClosed(*c);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_TRUE(absl::StartsWith(*all, "HTTP/1.1 404 Not Found\r\n")) << *all;
  EXPECT_TRUE(absl::StrContains(*all, "HTTP/1.1 400 Bad Request\r\n")) << *all;
}

TEST_P(HttpServerTest, SlowlorisAndHugeHeadersCostOnlyTheirConnection) {
  ServerOptions options;
  options.idle_timeout = absl::Seconds(1);  // As in server_test: wide for a loaded VM; the slowloris outlasts it.
  StartServer(options);
  const int port = server_->port();
  // Slowloris: a header byte every 100 ms, each well inside the idle timeout;
  // the timeout counts from the last complete request, so it is closed anyway.
  {
    absl::StatusOr<Socket> c = Connect(port);
    ASSERT_TRUE(c.ok());
    const std::string request = "GET / HTTP/1.1\r\nX-Slow: " + std::string(200, 'z');
    bool closed = false;
    const absl::Time start = absl::Now();
    for (char ch : request) {
      if (!c->sendall(std::string(1, ch)).ok()) {
        closed = true;
        break;
      }
      absl::SleepFor(absl::Milliseconds(100));  // The attack's own pace: this sleep is the client.
      if (absl::Now() - start > absl::Seconds(30)) break;
    }
    // Closed while still trickling: sending it all would take 22.5 s, and a
    // clock restarted by every byte would never fire. (A send fails once the
    // server's close has come back as a reset: a byte or two after it.)
    EXPECT_TRUE(closed);
    EXPECT_LT(absl::Now() - start, absl::Seconds(15));
  }
  // A 10 MB header: 431 after 8 KiB, then closed.
  {
    absl::StatusOr<Socket> c = Connect(port);
    ASSERT_TRUE(c.ok());
    std::thread sender([&c] { (void)c->sendall("GET / HTTP/1.1\r\nX-Big: " + std::string(10 << 20, 'b')); });
    absl::StatusOr<std::string> got = ReadUntilClosed(*c);
    sender.join();
    if (got.ok()) EXPECT_TRUE(absl::StartsWith(*got, "HTTP/1.1 431")) << got->substr(0, 80);
    else EXPECT_TRUE(absl::IsUnavailable(got.status())) << got.status();  // Reset: unread bytes at close.
  }
  // Others are still served.
  absl::StatusOr<Socket> c = Connect(port);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c->sendall("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").ok());
  absl::StatusOr<std::string> page = ReadUntilClosed(*c);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(absl::EndsWith(*page, Page()));
  server_->shutdown();
  EXPECT_GE(server_->counters().timeouts, 1u);
  EXPECT_GE(server_->counters().errors, 1u);
}

INSTANTIATE_TEST_SUITE_P(AllModels, HttpServerTest,
                         ::testing::Values(ServerModel::kIterative, ServerModel::kThread, ServerModel::kPool,
                                           ServerModel::kReactor, ServerModel::kReusePort, ServerModel::kCoroutine,
                                           ServerModel::kCoroutineReusePort),
                         [](const ::testing::TestParamInfo<ServerModel>& info) {
                           return std::string(ServerModelName(info.param));
                         });

}  // namespace
}  // namespace conc
