// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/sockets/socket.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <unistd.h>

#include <array>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace conc {
namespace {

using std::chrono::steady_clock;

// A connected TCP pair over 127.0.0.1: {client, server side}.
std::pair<Socket, Socket> TcpPair() {
  absl::StatusOr<Socket> server = create_server("127.0.0.1", 0);
  EXPECT_TRUE(server.ok()) << server.status();
  const int port = server->getsockname()->port();
  absl::StatusOr<Socket> client = create_connection("127.0.0.1", port, absl::Seconds(10));
  EXPECT_TRUE(client.ok()) << client.status();
  auto accepted = server->accept();
  EXPECT_TRUE(accepted.ok()) << accepted.status();
  return {std::move(*client), std::move(accepted->first)};
}

TEST(SocketTest, TcpEchoWithReadline) {
  auto [client, conn] = TcpPair();
  ASSERT_TRUE(client.sendall("hello\nworld\n").ok());
  SocketReader reader(conn);
  EXPECT_EQ(*reader.readline(), "hello\n");
  EXPECT_EQ(*reader.readline(), "world\n");
  ASSERT_TRUE(conn.sendall("pong\n").ok());
  SocketReader client_reader(client);
  EXPECT_EQ(*client_reader.readline(), "pong\n");
  EXPECT_EQ(client.getpeername()->port(), conn.getsockname()->port());
  EXPECT_EQ(conn.getsockname()->host(), "127.0.0.1");
}

TEST(SocketTest, PortZeroPicksAFreePort) {
  absl::StatusOr<Socket> server = create_server("127.0.0.1", 0);
  ASSERT_TRUE(server.ok());
  EXPECT_GT(server->getsockname()->port(), 0);
  EXPECT_EQ(server->getsockname()->ToString(), absl::StrCat("127.0.0.1:", server->getsockname()->port()));
}

TEST(SocketTest, ConnectionRefusedIsUnavailable) {
  int port;
  {
    absl::StatusOr<Socket> server = create_server("127.0.0.1", 0);
    ASSERT_TRUE(server.ok());
    port = server->getsockname()->port();
  }  // Closed: nothing listens on `port` now.
  absl::StatusOr<Socket> client = create_connection("127.0.0.1", port, absl::Seconds(10));
  ASSERT_FALSE(client.ok());
  EXPECT_TRUE(absl::IsUnavailable(client.status())) << client.status();
  EXPECT_NE(client.status().message().find("ECONNREFUSED"), std::string_view::npos) << client.status();
  // The blocking connect says the same.
  Socket s = *Socket::Create();
  absl::Status st = s.connect(*SocketAddress::Inet("127.0.0.1", port));
  EXPECT_TRUE(absl::IsUnavailable(st)) << st;
}

TEST(SocketTest, ConnectTimesOutWhenTheBacklogIsFull) {
  // Linux drops SYNs while a listener's accept queue is full (backlog 0 holds
  // one connection), so a further connect waits: the only way to see a connect
  // time out without a network. Connections are made until one times out (at
  // most 16), so the exact queue length does not matter.
  absl::StatusOr<Socket> server = create_server("127.0.0.1", 0, /*backlog=*/0);
  ASSERT_TRUE(server.ok());
  const int port = server->getsockname()->port();
  std::vector<Socket> queued;
  absl::Status last;
  for (int i = 0; i < 16; ++i) {
    const auto start = steady_clock::now();
    absl::StatusOr<Socket> c = create_connection("127.0.0.1", port, absl::Milliseconds(200));
    if (!c.ok()) {
      last = c.status();
      EXPECT_GE(steady_clock::now() - start, std::chrono::milliseconds(190));
      break;
    }
    queued.push_back(*std::move(c));
  }
  EXPECT_TRUE(absl::IsDeadlineExceeded(last)) << last;
}

TEST(SocketTest, RecvTimeoutIsDeadlineExceeded) {
  auto [a, b] = *socketpair();
  ASSERT_TRUE(a.settimeout(absl::Milliseconds(50)).ok());
  EXPECT_EQ(a.gettimeout(), absl::Milliseconds(50));
  const auto start = steady_clock::now();
  absl::StatusOr<std::string> got = a.recv(10);
  EXPECT_TRUE(absl::IsDeadlineExceeded(got.status())) << got.status();
  EXPECT_EQ(got.status().message(), "recv: timed out");
  EXPECT_GE(steady_clock::now() - start, std::chrono::milliseconds(50));
}

TEST(SocketTest, ZeroAndNegativeTimeoutsNeverBlock) {
  auto [a, b] = *socketpair();
  for (absl::Duration t : {absl::ZeroDuration(), absl::Seconds(-1)}) {
    ASSERT_TRUE(a.settimeout(t).ok());
    const auto start = steady_clock::now();
    absl::StatusOr<std::string> got = a.recv(10);
    EXPECT_TRUE(absl::IsDeadlineExceeded(got.status())) << got.status();
    // Generous: a loaded CI VM may deschedule us, but a poll is not a wait.
    EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(2));
  }
  ASSERT_TRUE(a.setblocking(true).ok());
  EXPECT_EQ(a.gettimeout(), std::nullopt);
  ASSERT_TRUE(b.sendall("x").ok());
  EXPECT_EQ(*a.recv(10), "x");
}

TEST(SocketTest, HugeTimeoutMeansForever) {
  auto [a, b] = *socketpair();
  ASSERT_TRUE(a.settimeout(absl::InfiniteDuration()).ok());
  EXPECT_EQ(a.gettimeout(), std::nullopt);
  ASSERT_TRUE(a.settimeout(absl::Hours(24 * 365 * 1000)).ok());
  EXPECT_EQ(a.gettimeout(), std::nullopt);
}

TEST(SocketTest, PeerCloseIsEmptyRecvAndSendIsUnavailableWithoutSigpipe) {
  auto [a, b] = *socketpair();
  ASSERT_TRUE(b.close().ok());
  EXPECT_EQ(*a.recv(10), "");
  // No SIGPIPE handler is installed: a signal would kill the test.
  absl::Status st = a.sendall(std::string(1 << 20, 'x'));
  EXPECT_TRUE(absl::IsUnavailable(st)) << st;
}

TEST(SocketTest, ResetIsUnavailable) {
  auto [client, conn] = TcpPair();
  // SO_LINGER with a zero timeout: close sends RST instead of FIN.
  linger l{1, 0};
  ASSERT_EQ(::setsockopt(conn.fileno(), SOL_SOCKET, SO_LINGER, &l, sizeof(l)), 0);
  ASSERT_TRUE(conn.close().ok());
  ASSERT_TRUE(client.settimeout(absl::Seconds(10)).ok());
  absl::StatusOr<std::string> got = client.recv(10);
  EXPECT_TRUE(absl::IsUnavailable(got.status())) << got.status();
  EXPECT_NE(got.status().message().find("ECONNRESET"), std::string_view::npos) << got.status();
}

TEST(SocketTest, ShutdownWriteIsEndOfStreamForThePeer) {
  auto [client, conn] = TcpPair();
  ASSERT_TRUE(client.sendall("last").ok());
  ASSERT_TRUE(client.shutdown(SHUT_WR).ok());
  SocketReader reader(conn);
  EXPECT_EQ(*reader.readline(), "last");  // No newline: what was left at EOF.
  EXPECT_EQ(*reader.readline(), "");      // Then Python's b"".
  ASSERT_TRUE(conn.sendall("still open the other way\n").ok());
  EXPECT_EQ(*SocketReader(client).readline(), "still open the other way\n");
}

TEST(SocketTest, SendallOfALargeBufferWithAConcurrentReader) {
  auto [a, b] = *socketpair();
  const std::string big(8 << 20, 'z');
  std::string got;
  std::thread reader([&b, &got, n = big.size()] {
    while (got.size() < n) {
      absl::StatusOr<std::string> chunk = b.recv(1 << 16);
      if (!chunk.ok() || chunk->empty()) return;
      got += *chunk;
    }
  });
  ASSERT_TRUE(a.settimeout(absl::Seconds(60)).ok());  // One budget for the whole buffer.
  EXPECT_TRUE(a.sendall(big).ok());
  reader.join();
  EXPECT_EQ(got.size(), big.size());
  EXPECT_EQ(got, big);
}

TEST(SocketTest, RecvIntoAndZeroSizedBuffers) {
  auto [a, b] = *socketpair();
  ASSERT_TRUE(b.sendall("abcdef").ok());
  std::array<std::byte, 4> buf;
  EXPECT_EQ(*a.recv_into(buf), 4u);
  EXPECT_EQ(static_cast<char>(buf[0]), 'a');
  EXPECT_EQ(*a.recv(0), "");  // bufsize 0 returns at once, as in Python.
  EXPECT_EQ(*a.recv(10), "ef");
}

TEST(SocketTest, UdpExchangeAndTruncation) {
  Socket server = *Socket::Create(AF_INET, SOCK_DGRAM);
  ASSERT_TRUE(server.bind(*SocketAddress::Inet("127.0.0.1", 0)).ok());
  const SocketAddress server_address = *server.getsockname();
  Socket client = *Socket::Create(AF_INET, SOCK_DGRAM);
  ASSERT_TRUE(client.settimeout(absl::Seconds(10)).ok());
  ASSERT_TRUE(server.settimeout(absl::Seconds(10)).ok());
  EXPECT_EQ(*client.sendto("ping", server_address), 4u);
  auto [data, from] = *server.recvfrom(1024);
  EXPECT_EQ(data, "ping");
  EXPECT_EQ(from.host(), "127.0.0.1");
  EXPECT_EQ(*server.sendto("pong", from), 4u);
  EXPECT_EQ(client.recvfrom(1024)->first, "pong");
  // A datagram longer than the buffer is cut, and the rest is lost (as in Python).
  ASSERT_TRUE(client.sendto("0123456789", server_address).ok());
  EXPECT_EQ(server.recvfrom(4)->first, "0123");
  ASSERT_TRUE(client.sendto("next", server_address).ok());
  EXPECT_EQ(server.recvfrom(1024)->first, "next");
}

TEST(SocketTest, UnixDomainAbstractNamespace) {
  const std::string name = absl::StrCat(std::string(1, '\0'), "conc-socket-test-", ::getpid());
  Socket server = *Socket::Create(AF_UNIX, SOCK_STREAM);
  ASSERT_TRUE(server.bind(*SocketAddress::Unix(name)).ok());
  ASSERT_TRUE(server.listen().ok());
  Socket client = *Socket::Create(AF_UNIX, SOCK_STREAM);
  ASSERT_TRUE(client.connect(*SocketAddress::Unix(name)).ok());
  auto [conn, peer] = *server.accept();
  ASSERT_TRUE(client.sendall("over unix\n").ok());
  EXPECT_EQ(*SocketReader(conn).readline(), "over unix\n");
  EXPECT_EQ(server.getsockname()->host(), name);
}

TEST(SocketTest, UnixPathTooLongIsValueError) {
  absl::StatusOr<SocketAddress> a = SocketAddress::Unix(std::string(200, 'p'));
  EXPECT_TRUE(absl::IsInvalidArgument(a.status())) << a.status();
}

TEST(SocketTest, DatagramSocketpair) {
  auto [a, b] = *socketpair(AF_UNIX, SOCK_DGRAM);
  ASSERT_TRUE(a.sendall("one").ok());
  ASSERT_TRUE(a.sendall("two").ok());
  EXPECT_EQ(*b.recv(100), "one");  // Message boundaries are kept.
  EXPECT_EQ(*b.recv(100), "two");
}

TEST(SocketTest, ReadlineLimitsAndEof) {
  auto [a, b] = *socketpair();
  ASSERT_TRUE(b.sendall("short\n" + std::string(100, 'x') + "\n").ok());
  SocketReader reader(a, 16);  // A small buffer grows as needed.
  EXPECT_EQ(*reader.readline(10), "short\n");
  absl::StatusOr<std::string> longline = reader.readline(50);
  EXPECT_TRUE(absl::IsResourceExhausted(longline.status())) << longline.status();
  // The bytes are still there for a larger limit.
  EXPECT_EQ(reader.readline(200)->size(), 101u);
  ASSERT_TRUE(b.close().ok());
  EXPECT_EQ(*reader.readline(), "");
  EXPECT_EQ(*reader.read(10), "");
}

TEST(SocketTest, ReadExactlyN) {
  auto [a, b] = *socketpair();
  std::thread writer([&b] {
    for (char c : std::string("abcdefgh")) (void)b.sendall(std::string(1, c));
    (void)b.close();
  });
  SocketReader reader(a);
  EXPECT_EQ(*reader.read(5), "abcde");
  EXPECT_EQ(*reader.read(5), "fgh");  // Fewer only at end of stream.
  writer.join();
}

TEST(SocketTest, ClosedSocketIsFailedPrecondition) {
  auto [a, b] = *socketpair();
  ASSERT_TRUE(a.close().ok());
  EXPECT_TRUE(a.close().ok());  // Twice is fine.
  EXPECT_TRUE(absl::IsFailedPrecondition(a.recv(1).status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(a.sendall("x")));
  EXPECT_TRUE(absl::IsFailedPrecondition(Socket().listen()));
}

TEST(SocketTest, OptionsReadBack) {
  Socket s = *Socket::Create();
  ASSERT_TRUE(s.set_nodelay(true).ok());
  EXPECT_NE(*s.getsockopt(IPPROTO_TCP, TCP_NODELAY), 0);
  ASSERT_TRUE(s.set_keepalive(true).ok());
  EXPECT_NE(*s.getsockopt(SOL_SOCKET, SO_KEEPALIVE), 0);
  ASSERT_TRUE(s.set_reuse_address(true).ok());
  EXPECT_NE(*s.getsockopt(SOL_SOCKET, SO_REUSEADDR), 0);
}

TEST(SocketTest, ReusePortLetsTwoListenersShareAPort) {
  absl::StatusOr<Socket> first = create_server("127.0.0.1", 0, 16, /*reuse_port=*/true);
  ASSERT_TRUE(first.ok());
  const int port = first->getsockname()->port();
  absl::StatusOr<Socket> second = create_server("127.0.0.1", port, 16, /*reuse_port=*/true);
  EXPECT_TRUE(second.ok()) << second.status();
  // Without SO_REUSEPORT the port is taken.
  absl::StatusOr<Socket> third = create_server("127.0.0.1", port, 16, /*reuse_port=*/false);
  EXPECT_FALSE(third.ok());
}

TEST(SocketTest, GetaddrinfoResolvesLocalhostAndRejectsBadNames) {
  absl::StatusOr<std::vector<SocketAddress>> v4 = getaddrinfo("127.0.0.1", 80, AF_INET);
  ASSERT_TRUE(v4.ok()) << v4.status();
  ASSERT_FALSE(v4->empty());
  EXPECT_EQ((*v4)[0].ToString(), "127.0.0.1:80");
  absl::StatusOr<std::vector<SocketAddress>> local = getaddrinfo("localhost", 8080, AF_INET);
  ASSERT_TRUE(local.ok()) << local.status();  // From /etc/hosts: no network needed.
  EXPECT_EQ((*local)[0].host(), "127.0.0.1");
  // A reserved name (RFC 6761) never resolves; offline the resolver may say
  // "try again" instead of "no such name".
  absl::StatusOr<std::vector<SocketAddress>> bad = getaddrinfo("no-such-host.invalid", 80);
  EXPECT_TRUE(absl::IsNotFound(bad.status()) || absl::IsUnavailable(bad.status())) << bad.status();
  EXPECT_TRUE(absl::IsInvalidArgument(getaddrinfo("127.0.0.1", 70000).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(SocketAddress::Inet("localhost", 1).status()));
  EXPECT_EQ(SocketAddress::Inet("::1", 9)->ToString(), "[::1]:9");
}

}  // namespace
}  // namespace conc
