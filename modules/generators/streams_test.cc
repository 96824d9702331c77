// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// streams: echo over TCP and Unix sockets; readline's limit (the long line is
// skipped and the connection survives); end of stream in each read; the
// errors (refused, reset, misuse); a cancelled read loses nothing; drain's
// back-pressure; the server's close, wait_closed and serve_forever; 1,000
// clients at once. Every run is bounded by kBound; no sleeps synchronise.

#include "modules/generators/streams.h"

#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/generators/async_event.h"
#include "modules/generators/gather.h"
#include "modules/generators/run.h"
#include "modules/generators/sleep.h"
#include "modules/generators/task.h"
#include "modules/generators/wait_for.h"

namespace conc {
namespace {

using ::testing::HasSubstr;

constexpr absl::Duration kBound = absl::Seconds(120);  // only a hang reaches it

// Echoes lines until end of stream or an error.
Task<void> Echo(StreamReader r, StreamWriter w) {
  for (;;) {
    absl::StatusOr<std::string> line = co_await r.readline();
    if (!line.ok() || line->empty()) break;
    if (!w.write(*line).ok()) break;
    if (!(co_await w.drain()).ok()) break;
  }
  w.close();
}

TEST(StreamsTest, EchoOverTcp) {
  auto main_task = []() -> Task<absl::Status> {
    absl::StatusOr<StreamServer> server = co_await start_server(Echo, "127.0.0.1", 0);
    if (!server.ok()) co_return server.status();
    EXPECT_GT(server->port(), 0);
    EXPECT_THAT(server->address(), HasSubstr("127.0.0.1:"));
    absl::StatusOr<Stream> conn = co_await open_connection("127.0.0.1", server->port());
    if (!conn.ok()) co_return conn.status();
    auto& [reader, writer] = *conn;
    EXPECT_THAT(writer.peername(), HasSubstr("127.0.0.1:"));
    for (const char* msg : {"one\n", "two\n", "three\n"}) {
      EXPECT_TRUE(writer.write(msg).ok());
      absl::StatusOr<std::string> back = co_await reader.readline();
      EXPECT_TRUE(back.ok()) << back.status();
      if (back.ok()) {
        EXPECT_EQ(*back, msg);
      }
    }
    writer.close();
    co_await writer.wait_closed();
    EXPECT_TRUE(writer.is_closing());
    EXPECT_EQ(server->accepted(), 1u);
    server->close();
    co_await server->wait_closed();  // the echo handler has returned too
    EXPECT_EQ(server->active_connections(), 0);
    co_return absl::OkStatus();
  };
  absl::Status r = run(main_task(), kBound);
  EXPECT_TRUE(r.ok()) << r;
}

TEST(StreamsTest, EchoOverAnAbstractUnixSocket) {
  auto main_task = []() -> Task<absl::Status> {
    const std::string path = "@conc-streams-test-" + std::to_string(getpid());
    absl::StatusOr<StreamServer> server = co_await start_unix_server(Echo, path);
    if (!server.ok()) co_return server.status();
    EXPECT_EQ(server->port(), 0);
    absl::StatusOr<Stream> conn = co_await open_unix_connection(path);
    if (!conn.ok()) co_return conn.status();
    EXPECT_TRUE(conn->writer.write("over unix\n").ok());
    absl::StatusOr<std::string> back = co_await conn->reader.readline();
    EXPECT_TRUE(back.ok() && *back == "over unix\n") << back.status();
    co_return absl::OkStatus();
  };
  absl::Status r = run(main_task(), kBound);
  EXPECT_TRUE(r.ok()) << r;
}

// The must-show case: a line longer than the limit gives a clear status, the
// long line is skipped (10 MB of it, arriving in many recv calls), and the
// connection goes on with the next line.
TEST(StreamsTest, ALineLongerThanTheLimitIsSkippedAndTheConnectionSurvives) {
  auto handler = [](StreamReader r, StreamWriter w) -> Task<void> {
    for (int i = 0; i < 4; ++i) {
      absl::StatusOr<std::string> line = co_await r.readline();
      std::string verdict;
      if (line.ok()) {
        verdict = "ok " + std::to_string(line->size());
      } else if (absl::IsResourceExhausted(line.status())) {
        verdict = "overrun";
        EXPECT_THAT(line.status().message(), HasSubstr("longer than the limit (1024 bytes)"));
      } else {
        verdict = "error " + line.status().ToString();
      }
      (void)w.write(verdict + "\n");
    }
    (void)co_await w.drain();
    w.close();
  };
  auto main_task = [&]() -> Task<absl::Status> {
    StreamServerOptions options;
    options.stream.limit = 1024;
    absl::StatusOr<StreamServer> server = co_await start_server(handler, "127.0.0.1", 0, options);
    if (!server.ok()) co_return server.status();
    absl::StatusOr<Stream> conn = co_await open_connection("127.0.0.1", server->port());
    if (!conn.ok()) co_return conn.status();
    auto& [reader, writer] = *conn;
    // A line of exactly the limit is accepted; 10 MB is not; then two more.
    (void)writer.write(std::string(1024, 'a') + "\n");
    const std::string chunk(64 * 1024, 'x');
    for (int i = 0; i < 160; ++i) {  // 10 MB, drained as we go (bounded memory on both sides)
      (void)writer.write(chunk);
      if (absl::Status s = co_await writer.drain(); !s.ok()) co_return s;
    }
    (void)writer.write("\nafter\nlast\n");
    std::vector<std::string> verdicts;
    for (int i = 0; i < 4; ++i) {
      absl::StatusOr<std::string> v = co_await reader.readline();
      if (!v.ok()) co_return v.status();
      verdicts.push_back(*v);
    }
    EXPECT_THAT(verdicts, ::testing::ElementsAre("ok 1025\n", "overrun\n", "ok 6\n", "ok 5\n"));
    co_return absl::OkStatus();
  };
  absl::Status r = run(main_task(), kBound);
  EXPECT_TRUE(r.ok()) << r;
}

// A pair of connected streams for the read tests: `client` talks to a raw
// socket `peer` that the test writes to directly.
struct RawPair {
  int peer = -1;
  absl::StatusOr<Stream> stream = absl::UnknownError("unset");
  ~RawPair() {
    if (peer >= 0) close(peer);
  }
};

RawPair MakeRawPair(StreamOptions options = {}) {
  RawPair p;
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return p;
  p.peer = fds[1];
  p.stream = Stream::Adopt(fds[0], options);
  return p;
}

void PeerSend(int fd, std::string_view data) {
  ASSERT_EQ(send(fd, data.data(), data.size(), MSG_NOSIGNAL), static_cast<ssize_t>(data.size()));
}

TEST(StreamsTest, EndOfStreamInEachRead) {
  auto main_task = []() -> Task<void> {
    {
      RawPair p = MakeRawPair();
      EXPECT_TRUE(p.stream.ok()) << p.stream.status();
      if (!p.stream.ok()) co_return;
      PeerSend(p.peer, "first\nlast without newline");
      shutdown(p.peer, SHUT_WR);
      StreamReader& r = p.stream->reader;
      EXPECT_EQ(*co_await r.readline(), "first\n");
      EXPECT_EQ(*co_await r.readline(), "last without newline");
      EXPECT_EQ(*co_await r.readline(), "");  // and "" for ever
      EXPECT_EQ(*co_await r.read(10), "");
      EXPECT_TRUE(r.at_eof());
    }
    {
      RawPair p = MakeRawPair();
      if (!p.stream.ok()) co_return;
      PeerSend(p.peer, "abc");
      shutdown(p.peer, SHUT_WR);
      absl::StatusOr<std::string> got = co_await p.stream->reader.readexactly(5);
      EXPECT_TRUE(absl::IsOutOfRange(got.status())) << got.status();
      EXPECT_THAT(got.status().message(), HasSubstr("after 3 of 5 bytes"));
      EXPECT_TRUE(p.stream->reader.at_eof());  // the partial data was consumed
    }
    {
      RawPair p = MakeRawPair();
      if (!p.stream.ok()) co_return;
      PeerSend(p.peer, "no separator here");
      shutdown(p.peer, SHUT_WR);
      absl::StatusOr<std::string> got = co_await p.stream->reader.readuntil(";");
      EXPECT_TRUE(absl::IsOutOfRange(got.status())) << got.status();
    }
    {
      RawPair p = MakeRawPair();
      if (!p.stream.ok()) co_return;
      PeerSend(p.peer, "everything ");
      PeerSend(p.peer, "until the end");
      shutdown(p.peer, SHUT_WR);
      EXPECT_EQ(*co_await p.stream->reader.read(), "everything until the end");
    }
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
}

TEST(StreamsTest, ReadSizesAndSeparators) {
  auto main_task = []() -> Task<void> {
    StreamOptions options;
    options.limit = 8;
    RawPair p = MakeRawPair(options);
    if (!p.stream.ok()) co_return;
    StreamReader& r = p.stream->reader;
    PeerSend(p.peer, "12345678;abcdefghijkl;rest");
    EXPECT_EQ(*co_await r.read(0), "");
    EXPECT_EQ(*co_await r.readuntil(";"), "12345678;");  // the separator at exactly the limit
    // Not within the limit: a status, and the data stays for read().
    absl::StatusOr<std::string> over = co_await r.readuntil(";");
    EXPECT_TRUE(absl::IsResourceExhausted(over.status())) << over.status();
    EXPECT_EQ(*co_await r.readexactly(4), "abcd");
    EXPECT_EQ(*co_await r.read(100), "efghijkl;rest");
    // Bad arguments.
    EXPECT_TRUE(absl::IsInvalidArgument((co_await r.readexactly(-1)).status()));
    EXPECT_TRUE(absl::IsInvalidArgument((co_await r.readuntil("")).status()));
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
}

TEST(StreamsTest, ReadToEndOfStreamIsBounded) {
  auto main_task = []() -> Task<void> {
    StreamOptions options;
    options.max_read_all = 1000;
    options.limit = 256;
    RawPair p = MakeRawPair(options);
    if (!p.stream.ok()) co_return;
    PeerSend(p.peer, std::string(5000, 'z'));  // no end of stream, more than max_read_all
    absl::StatusOr<std::string> all = co_await p.stream->reader.read();
    EXPECT_TRUE(absl::IsResourceExhausted(all.status())) << all.status();
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
}

// A read cancelled by a timeout loses nothing: the bytes that came before and
// after the cancellation make the next line.
TEST(StreamsTest, ACancelledReadLosesNoData) {
  auto main_task = []() -> Task<void> {
    RawPair p = MakeRawPair();
    if (!p.stream.ok()) co_return;
    StreamReader r = p.stream->reader;
    PeerSend(p.peer, "par");
    absl::StatusOr<absl::StatusOr<std::string>> timed_out =
        co_await wait_for(r.readline(), absl::Milliseconds(20));
    EXPECT_TRUE(absl::IsDeadlineExceeded(timed_out.status())) << timed_out.status();
    PeerSend(p.peer, "tial\n");
    absl::StatusOr<std::string> line = co_await r.readline();
    EXPECT_TRUE(line.ok() && *line == "partial\n") << line.status();
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
}

TEST(StreamsTest, TwoTasksReadingOneStreamIsMisuse) {
  auto main_task = []() -> Task<void> {
    RawPair p = MakeRawPair();
    if (!p.stream.ok()) co_return;
    StreamReader r = p.stream->reader;
    Task<absl::StatusOr<std::string>> first = create_task(*EventLoop::current(), r.readline());
    co_await sleep(absl::ZeroDuration());  // first is now waiting for data
    absl::StatusOr<std::string> second = co_await r.readline();
    EXPECT_TRUE(absl::IsFailedPrecondition(second.status())) << second.status();
    EXPECT_THAT(second.status().message(), HasSubstr("already waiting for incoming data"));
    PeerSend(p.peer, "for the first\n");
    absl::StatusOr<std::string> got = co_await first;
    EXPECT_TRUE(got.ok() && *got == "for the first\n");
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
}

// drain() waits while the peer does not read, and returns once it has read;
// every byte arrives in order.
TEST(StreamsTest, DrainIsBackPressure) {
  // More than loopback TCP buffers hold (autotuned, up to ~4 MiB sent + ~6 MiB received).
  constexpr size_t kTotal = 64 * 1024 * 1024;
  AsyncEvent start_reading;
  auto handler = [&](StreamReader r, StreamWriter w) -> Task<void> {
    co_await start_reading.wait();
    absl::StatusOr<std::string> all = co_await r.readexactly(kTotal);
    bool intact = all.ok();
    for (size_t i = 0; intact && i < kTotal; ++i) intact = (*all)[i] == static_cast<char>('a' + i % 26);
    (void)w.write(intact ? "intact\n" : "damaged\n");
    (void)co_await w.drain();
  };
  auto main_task = [&]() -> Task<absl::Status> {
    absl::StatusOr<StreamServer> server = co_await start_server(handler, "127.0.0.1", 0);
    if (!server.ok()) co_return server.status();
    absl::StatusOr<Stream> conn = co_await open_connection("127.0.0.1", server->port());
    if (!conn.ok()) co_return conn.status();
    auto& [reader, writer] = *conn;
    std::string data(kTotal, '\0');
    for (size_t i = 0; i < kTotal; ++i) data[i] = static_cast<char>('a' + i % 26);
    EXPECT_TRUE(writer.write(data).ok());
    EXPECT_GT(writer.buffered(), 64u * 1024);  // more than the kernel's buffers took
    // Nobody reads: drain cannot finish (50 ms: the peer is blocked on an event, so
    // no timing makes it finish early).
    absl::Status blocked = co_await wait_for(writer.drain(), absl::Milliseconds(50));
    EXPECT_TRUE(absl::IsDeadlineExceeded(blocked)) << blocked;
    EXPECT_GT(writer.buffered(), 64u * 1024);
    start_reading.set();
    EXPECT_TRUE((co_await writer.drain()).ok());
    absl::StatusOr<std::string> verdict = co_await reader.readline();
    EXPECT_TRUE(verdict.ok() && *verdict == "intact\n") << verdict.status();
    co_return absl::OkStatus();
  };
  absl::Status r = run(main_task(), kBound);
  EXPECT_TRUE(r.ok()) << r;
}

TEST(StreamsTest, WritingToAPeerThatWentAwayIsUnavailable) {
  auto main_task = []() -> Task<void> {
    RawPair p = MakeRawPair();
    if (!p.stream.ok()) co_return;
    close(p.peer);
    p.peer = -1;
    StreamWriter w = p.stream->writer;
    absl::Status s;
    for (int i = 0; i < 1000 && s.ok(); ++i) {  // the first send may still succeed
      s = w.write(std::string(4096, 'q'));
      if (s.ok()) s = co_await w.drain();
    }
    EXPECT_TRUE(absl::IsUnavailable(s)) << s;
    EXPECT_TRUE(w.is_closing());
    // The reader sees the end too (or the reset).
    absl::StatusOr<std::string> line = co_await p.stream->reader.readline();
    EXPECT_TRUE(!line.ok() || line->empty());
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
}

TEST(StreamsTest, ErrorsAreClearStatuses) {
  auto main_task = []() -> Task<void> {
    // A port nobody listens on: a server's, closed.
    int port = 0;
    {
      absl::StatusOr<StreamServer> server = co_await start_server(Echo, "127.0.0.1", 0);
      EXPECT_TRUE(server.ok());
      if (!server.ok()) co_return;
      port = server->port();
      server->close();
    }
    absl::StatusOr<Stream> refused = co_await open_connection("127.0.0.1", port);
    EXPECT_TRUE(absl::IsUnavailable(refused.status())) << refused.status();
    EXPECT_THAT(refused.status().message(), HasSubstr("connect(127.0.0.1:"));
    EXPECT_TRUE(absl::IsInvalidArgument((co_await open_connection("127.0.0.1", 70000)).status()));
    EXPECT_TRUE(absl::IsInvalidArgument((co_await open_connection("not a host!", 80)).status()) ||
                absl::IsNotFound((co_await open_connection("not a host!", 80)).status()));
    EXPECT_TRUE(
        absl::IsInvalidArgument((co_await open_unix_connection("@" + std::string(200, 'p'))).status()));
    absl::StatusOr<Stream> no_server = co_await open_unix_connection("@conc-streams-nobody-here");
    EXPECT_FALSE(no_server.ok());
    // The same port twice, without SO_REUSEPORT.
    absl::StatusOr<StreamServer> a = co_await start_server(Echo, "127.0.0.1", 0);
    if (!a.ok()) co_return;
    absl::StatusOr<StreamServer> b = co_await start_server(Echo, "127.0.0.1", a->port());
    EXPECT_FALSE(b.ok());
    EXPECT_THAT(b.status().message(), HasSubstr("bind(127.0.0.1:"));
    // Writing after close.
    RawPair p = MakeRawPair();
    if (!p.stream.ok()) co_return;
    p.stream->writer.close();
    EXPECT_TRUE(absl::IsFailedPrecondition(p.stream->writer.write("late")));
    EXPECT_EQ(*co_await p.stream->reader.readline(), "");  // closing ends reading
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
}

TEST(StreamsTest, WriteEofHalfCloses) {
  auto handler = [](StreamReader r, StreamWriter w) -> Task<void> {
    absl::StatusOr<std::string> all = co_await r.read();  // until the client's write_eof
    (void)w.write(all.ok() ? "got " + std::to_string(all->size()) + "\n" : "error\n");
    (void)co_await w.drain();
    w.close();
  };
  auto main_task = [&]() -> Task<void> {
    absl::StatusOr<StreamServer> server = co_await start_server(handler, "127.0.0.1", 0);
    if (!server.ok()) co_return;
    absl::StatusOr<Stream> conn = co_await open_connection("127.0.0.1", server->port());
    if (!conn.ok()) co_return;
    (void)conn->writer.write("12345");
    EXPECT_TRUE(conn->writer.write_eof().ok());
    absl::StatusOr<std::string> reply = co_await conn->reader.readline();
    EXPECT_TRUE(reply.ok() && *reply == "got 5\n") << reply.status();
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
}

TEST(StreamsTest, ServeForeverEndsWithCloseAndACancelClosesTheServer) {
  auto main_task = []() -> Task<void> {
    absl::StatusOr<StreamServer> server = co_await start_server(Echo, "127.0.0.1", 0);
    if (!server.ok()) co_return;
    StreamServer srv = *server;
    Task<absl::Status> serving = create_task(*EventLoop::current(), srv.serve_forever());
    co_await sleep(absl::ZeroDuration());
    EXPECT_TRUE(absl::IsFailedPrecondition(co_await srv.serve_forever()));  // one waiter only
    srv.close();
    EXPECT_TRUE((co_await serving).ok());
    EXPECT_FALSE(srv.is_serving());

    absl::StatusOr<StreamServer> second = co_await start_server(Echo, "127.0.0.1", 0);
    if (!second.ok()) co_return;
    Task<absl::Status> forever = create_task(*EventLoop::current(), second->serve_forever());
    co_await sleep(absl::ZeroDuration());
    forever.cancel();
    bool cancelled = false;
    try {
      (void)co_await forever;
    } catch (const CancelledError&) {
      cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    EXPECT_FALSE(second->is_serving());
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
}

// wait_closed() returns only once every handler has returned; a handler that
// throws is reported and the server goes on serving.
TEST(StreamsTest, WaitClosedWaitsForTheHandlersAndAFailingHandlerIsReported) {
  AsyncEvent release;
  int finished = 0;
  auto handler = [&](StreamReader r, StreamWriter w) -> Task<void> {
    absl::StatusOr<std::string> line = co_await r.readline();
    if (line.ok() && *line == "throw\n") throw std::runtime_error("handler failed on purpose");
    (void)w.write("held\n");
    co_await release.wait();
    ++finished;
  };
  auto main_task = [&]() -> Task<void> {
    absl::StatusOr<StreamServer> server = co_await start_server(handler, "127.0.0.1", 0);
    if (!server.ok()) co_return;
    absl::StatusOr<Stream> bad = co_await open_connection("127.0.0.1", server->port());
    if (!bad.ok()) co_return;
    (void)bad->writer.write("throw\n");
    EXPECT_EQ(*co_await bad->reader.readline(), "");  // the handler's end closed it
    absl::StatusOr<Stream> good = co_await open_connection("127.0.0.1", server->port());
    if (!good.ok()) co_return;
    (void)good->writer.write("hold\n");
    EXPECT_EQ(*co_await good->reader.readline(), "held\n");  // still serving
    server->close();
    Task<void> closed = create_task(*EventLoop::current(), server->wait_closed());
    co_await sleep(absl::Milliseconds(5));
    EXPECT_FALSE(closed.done());  // a handler is still running
    release.set();
    co_await closed;
    EXPECT_EQ(finished, 1);
  };
  testing::internal::CaptureStderr();
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_THAT(testing::internal::GetCapturedStderr(),
              HasSubstr("unhandled exception in a start_server callback"));
}

// A stream whose last handle outlives its loop: its socket is closed without
// touching the loop (ASan would see a use after free).
TEST(StreamsTest, AStreamMayOutliveItsLoop) {
  StreamWriter kept;
  auto main_task = [&]() -> Task<void> {
    RawPair p = MakeRawPair();
    if (!p.stream.ok()) co_return;
    kept = p.stream->writer;
    (void)kept.write(std::string(1 << 20, 'k'));  // leaves the writer watched by the loop
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
  EXPECT_TRUE(kept);
  kept = StreamWriter();
}

TEST(StreamsTest, AThousandClientsAtOnce) {
  // Each connection is two descriptors here (client and server side).
  rlimit rl{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0);
  constexpr int kClients = 1000;
  if (rl.rlim_cur < 2 * kClients + 100) {
    rl.rlim_cur = std::min<rlim_t>(rl.rlim_max, 2 * kClients + 100);
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &rl), 0);
  }
  if (rl.rlim_cur < 2 * kClients + 100) GTEST_SKIP() << "the file limit allows too few descriptors";
  auto client = [](int port, int id) -> Task<int> {
    absl::StatusOr<Stream> conn = co_await open_connection("127.0.0.1", port);
    if (!conn.ok()) co_return -1;
    int good = 0;
    for (int i = 0; i < 5; ++i) {
      const std::string msg = std::to_string(id) + ":" + std::to_string(i) + "\n";
      (void)conn->writer.write(msg);
      absl::StatusOr<std::string> back = co_await conn->reader.readline();
      if (back.ok() && *back == msg) ++good;
    }
    conn->writer.close();
    co_return good;
  };
  auto main_task = [&]() -> Task<int> {
    absl::StatusOr<StreamServer> server = co_await start_server(Echo, "127.0.0.1", 0);
    if (!server.ok()) co_return -1;
    std::vector<Task<int>> clients;
    for (int i = 0; i < kClients; ++i) clients.push_back(client(server->port(), i));
    std::vector<int> results = co_await gather(std::move(clients));
    int total = 0;
    for (int r : results) total += r;
    co_return total;
  };
  absl::StatusOr<int> total = run(main_task(), kBound);
  ASSERT_TRUE(total.ok()) << total.status();
  EXPECT_EQ(*total, kClients * 5);
}

}  // namespace
}  // namespace conc

namespace conc {
namespace {

// close() flushes even when the handler drops its handles at once; abort()
// drops what is buffered.
TEST(StreamsCloseTest, CloseFlushesAfterTheLastHandleAndAbortDrops) {
  constexpr size_t kSize = 16 * 1024 * 1024;  // more than the socket buffers take at once
  auto flusher = [](StreamReader, StreamWriter w) -> Task<void> {
    (void)w.write(std::string(kSize, 'f'));
    w.close();  // returns at once; the handles go with this task
    co_return;
  };
  auto aborter = [](StreamReader, StreamWriter w) -> Task<void> {
    (void)w.write(std::string(kSize, 'a'));
    w.abort();
    co_return;
  };
  auto main_task = [&]() -> Task<void> {
    for (bool abort : {false, true}) {
      absl::StatusOr<StreamServer> server =
          co_await start_server(abort ? ClientConnected(aborter) : ClientConnected(flusher), "127.0.0.1", 0);
      if (!server.ok()) co_return;
      absl::StatusOr<Stream> conn = co_await open_connection("127.0.0.1", server->port());
      if (!conn.ok()) co_return;
      absl::StatusOr<std::string> all = co_await conn->reader.read();
      if (abort) {
        EXPECT_TRUE(!all.ok() || all->size() < kSize);
      } else {
        EXPECT_TRUE(all.ok() && all->size() == kSize) << all.status();
      }
    }
  };
  ASSERT_TRUE(run(main_task(), kBound).ok());
}

}  // namespace
}  // namespace conc
