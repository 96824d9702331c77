// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Tests of conc::Pipe and conc::Connection. The edge cases follow CPython's
// _TestConnection (Lib/test/_test_multiprocessing.py); the fault and stress
// tests check what Python does not promise: several writers and readers on
// one end, and a writer killed in the middle of a message.

#include "modules/ipc/pipe.h"

#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/common/status.h"
#include "modules/threads/process.h"

namespace {

using ::testing::HasSubstr;

// Generous bounds: a 2-core VM under TSan/ASan, shared with other builds.
constexpr absl::Duration kLong = absl::Seconds(120);

using Ends = std::pair<conc::Connection, conc::Connection>;

Ends MakePipe(bool duplex = true) {
  absl::StatusOr<Ends> p = conc::Pipe(duplex);
  EXPECT_TRUE(p.ok()) << p.status();
  return *std::move(p);
}

std::span<const std::byte> Bytes(std::string_view s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

// Starts a forked child that runs `body` and exits with its result.
template <class Fn>
conc::Process Fork(Fn body) {
  conc::Process p(conc::kForkMethod, [body]() mutable { ::_exit(body()); });
  EXPECT_TRUE(p.start().ok());
  return p;
}

int JoinExitCode(conc::Process& p) {
  absl::Status s = p.join(kLong);
  EXPECT_TRUE(s.ok()) << s;
  if (!s.ok()) {
    (void)p.kill();
    (void)p.join();
    return -1000;
  }
  return p.exitcode().value_or(-1000);
}

// --- Round trips ---

struct Point {
  int x = 0;
  double y = 0;
  std::string label;
  CONC_CODEC_FIELDS(x, y, label);
  bool operator==(const Point&) const = default;
};

TEST(PipeTest, HelloWorld) {
  auto [r, w] = MakePipe();
  ASSERT_TRUE(w.send(std::string("Hello, world")).ok());
  absl::StatusOr<std::string> got = r.recv<std::string>();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, "Hello, world");
}

TEST(PipeTest, ValuesRoundTripBothWays) {
  auto [a, b] = MakePipe();
  ASSERT_TRUE(a.send(42).ok());
  ASSERT_TRUE(a.send(std::vector<int>{1, 2, 3}).ok());
  ASSERT_TRUE(b.send(Point{7, 2.5, "p"}).ok());
  ASSERT_TRUE(b.send(std::map<std::string, int>{{"age", 30}}).ok());
  EXPECT_EQ(*b.recv<int>(), 42);
  EXPECT_EQ(*b.recv<std::vector<int>>(), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(*a.recv<Point>(), (Point{7, 2.5, "p"}));
  EXPECT_EQ((*a.recv<std::map<std::string, int>>()).at("age"), 30);
}

TEST(PipeTest, WrongTypeIsDataLossAndStreamSurvives) {
  auto [a, b] = MakePipe();
  ASSERT_TRUE(a.send(std::string("not an int")).ok());
  ASSERT_TRUE(a.send(5).ok());
  EXPECT_EQ(b.recv<int>().status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(*b.recv<int>(), 5);
}

TEST(PipeTest, BytesRoundTripWithOffsetAndSize) {
  auto [a, b] = MakePipe();
  const std::string msg = "abcdefghijklmnopqrstuvwxyz";
  ASSERT_TRUE(a.send_bytes(Bytes(msg)).ok());
  ASSERT_TRUE(a.send_bytes(Bytes(msg), 8).ok());
  ASSERT_TRUE(a.send_bytes(Bytes(msg), 8, 4).ok());
  ASSERT_TRUE(a.send_bytes(Bytes(msg), 26).ok());  // Empty message at the end.
  ASSERT_TRUE(a.send_bytes(Bytes(msg), 0, 0).ok());
  EXPECT_EQ(*b.recv_bytes(), msg);
  EXPECT_EQ(*b.recv_bytes(), msg.substr(8));
  EXPECT_EQ(*b.recv_bytes(), "ijkl");
  EXPECT_EQ(*b.recv_bytes(), "");
  EXPECT_EQ(*b.recv_bytes(), "");
  EXPECT_FALSE(b.poll());
}

TEST(PipeTest, BytesOfEverySizeAroundTheSmallFrameCutOff) {
  auto [a, b] = MakePipe();
  std::string source(70000, '\0');
  for (size_t i = 0; i < source.size(); ++i) source[i] = static_cast<char>(i * 13 + 1);
  for (size_t n : {size_t{1}, size_t{255}, size_t{256}, size_t{257}, size_t{4096},
                   size_t{65535}, size_t{65536}, size_t{65537}}) {
    std::thread sender([&] { EXPECT_TRUE(a.send_bytes(Bytes(source), 3, n).ok()); });
    absl::StatusOr<std::string> got = b.recv_bytes();
    sender.join();
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_TRUE(*got == source.substr(3, n)) << "size " << n;
  }
}

TEST(PipeTest, SendBytesBadOffsetOrSizeIsInvalidArgument) {
  auto [a, b] = MakePipe();
  const std::string msg = "abc";
  EXPECT_EQ(a.send_bytes(Bytes(msg), 4).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(a.send_bytes(Bytes(msg), 1, 3).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(a.send_bytes(Bytes(msg), 0, 4).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(a.send_bytes(Bytes(msg), 3, 1).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(b.poll());  // Nothing was sent.
}

TEST(PipeTest, RecvBytesIntoWithOffset) {
  auto [a, b] = MakePipe();
  ASSERT_TRUE(a.send_bytes("hello").ok());
  std::vector<std::byte> buf(16, std::byte{'.'});
  absl::StatusOr<size_t> n = b.recv_bytes_into(buf, 3);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 5u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(buf.data()), 10), "...hello..");
  EXPECT_EQ(b.recv_bytes_into(buf, 17).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PipeTest, RecvBytesIntoTooSmallIsBufferTooShortWithTheMessage) {
  auto [a, b] = MakePipe();
  ASSERT_TRUE(a.send_bytes("a message of 26 characters").ok());
  ASSERT_TRUE(a.send_bytes("next").ok());
  std::vector<std::byte> buf(30);
  absl::StatusOr<size_t> n = b.recv_bytes_into(buf, 10);  // 20 bytes of room.
  ASSERT_EQ(n.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(conc::BufferTooShortMessage(n.status()), "a message of 26 characters");
  // The message was consumed; the next one is intact.
  n = b.recv_bytes_into(buf, 10);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(buf.data()) + 10, *n), "next");
}

TEST(PipeTest, RecvBytesAboveMaxlengthBreaksTheDirection) {
  auto [a, b] = MakePipe();
  ASSERT_TRUE(a.send_bytes("0123456789").ok());
  ASSERT_TRUE(a.send_bytes("x").ok());
  absl::StatusOr<std::string> got = b.recv_bytes(4);
  EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(got.status().message()), HasSubstr("bad message length: 10 bytes"));
  // As Python, the connection cannot be read any more: the payload is unread.
  EXPECT_EQ(b.recv_bytes().status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(b.poll());  // recv would not block: it reports the error.
  // The other direction is unaffected.
  ASSERT_TRUE(b.send(1).ok());
  EXPECT_EQ(*a.recv<int>(), 1);
}

// --- One-way pipes ---

TEST(PipeTest, OneWayFirstEndReceivesSecondSends) {
  auto [r, w] = MakePipe(/*duplex=*/false);
  EXPECT_TRUE(r.readable());
  EXPECT_FALSE(r.writable());
  EXPECT_FALSE(w.readable());
  EXPECT_TRUE(w.writable());
  ASSERT_TRUE(w.send(std::string("one way")).ok());
  EXPECT_EQ(*r.recv<std::string>(), "one way");
  absl::Status s = r.send(1);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("read-only"));
  s = w.recv<int>().status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("write-only"));
  EXPECT_FALSE(w.poll());  // Python raises OSError; we say "nothing to read".
}

TEST(PipeTest, DuplexEndsAreBothWays) {
  auto [a, b] = MakePipe();
  EXPECT_TRUE(a.readable() && a.writable() && b.readable() && b.writable());
  EXPECT_NE(a.fileno(), b.fileno());
}

// --- poll ---

TEST(PipeTest, PollZeroNegativeAndPositiveTimeouts) {
  auto [a, b] = MakePipe();
  EXPECT_FALSE(b.poll());
  EXPECT_FALSE(b.poll(absl::ZeroDuration()));
  EXPECT_FALSE(b.poll(absl::Seconds(-1)));  // Polls once, like zero.
  const absl::Time start = absl::Now();
  EXPECT_FALSE(b.poll(absl::Milliseconds(120)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(119));
  ASSERT_TRUE(a.send(1).ok());
  EXPECT_TRUE(b.poll());
  EXPECT_TRUE(b.poll(absl::Seconds(-1)));
  EXPECT_TRUE(b.poll(std::nullopt));  // Data waiting: returns at once.
  EXPECT_EQ(*b.recv<int>(), 1);
  EXPECT_FALSE(b.poll());
}

TEST(PipeTest, PollWaitsForAMessageFromAnotherThread) {
  auto [a, b] = MakePipe();
  std::thread sender([&a] { EXPECT_TRUE(a.send(std::string("late")).ok()); });
  EXPECT_TRUE(b.poll(kLong));
  sender.join();
  EXPECT_EQ(*b.recv<std::string>(), "late");
}

// --- EOF and closed peers ---

TEST(PipeTest, EofAfterEveryEarlierMessage) {
  for (bool duplex : {true, false}) {
    auto [r, w] = MakePipe(duplex);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(w.send(i).ok());
    ASSERT_TRUE(w.close().ok());
    EXPECT_TRUE(w.closed());
    for (int i = 0; i < 3; ++i) EXPECT_EQ(*r.recv<int>(), i);
    EXPECT_TRUE(r.poll());  // EOF is "readable".
    EXPECT_EQ(r.recv<int>().status().code(), absl::StatusCode::kOutOfRange);
    EXPECT_EQ(r.recv_bytes().status().code(), absl::StatusCode::kOutOfRange);  // Not sticky.
  }
}

TEST(PipeTest, EofFromAChildThatSendsAndExits) {
  auto [r, w] = MakePipe(false);
  conc::Process child = Fork([&w] {
    for (int i = 0; i < 100; ++i) {
      if (!w.send(i).ok()) return 1;
    }
    return 0;
  });
  ASSERT_TRUE(w.close().ok());  // The child's copy is the last writer.
  for (int i = 0; i < 100; ++i) {
    absl::StatusOr<int> got = r.recv<int>();
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, i);
  }
  EXPECT_EQ(r.recv<int>().status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(JoinExitCode(child), 0);
}

TEST(PipeTest, SendToClosedPeerIsUnavailableNotSigpipe) {
  for (bool duplex : {true, false}) {
    auto [r, w] = MakePipe(duplex);
    ASSERT_TRUE(r.close().ok());
    absl::Status s = w.send(std::string("nobody listens"));
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
    // Big enough that it would block on a live peer.
    std::string big(1 << 20, 'x');
    EXPECT_EQ(w.send_bytes(big).code(), absl::StatusCode::kUnavailable);
  }
}

TEST(PipeTest, ClosedConnectionIsFailedPrecondition) {
  auto [a, b] = MakePipe();
  ASSERT_TRUE(a.close().ok());
  ASSERT_TRUE(a.close().ok());  // Twice is fine.
  EXPECT_EQ(a.fileno(), -1);
  EXPECT_EQ(a.send(1).code(), absl::StatusCode::kFailedPrecondition);
  absl::Status s = a.recv<int>().status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("handle is closed"));
  EXPECT_FALSE(a.poll());
  conc::Connection moved_from = std::move(b);
  EXPECT_TRUE(b.closed());  // NOLINT(bugprone-use-after-move): documented state.
  EXPECT_FALSE(moved_from.closed());
}

// --- Frames: 64-bit lengths, the size limit, no allocation on a lying header ---

TEST(PipeTest, FrameHeaderIsA64BitLittleEndianLength) {
  auto [a, b] = MakePipe();
  ASSERT_TRUE(a.send_bytes("hey").ok());
  unsigned char raw[11];
  ASSERT_EQ(::read(b.fileno(), raw, sizeof raw), 11);
  const unsigned char want[11] = {3, 0, 0, 0, 0, 0, 0, 0, 'h', 'e', 'y'};
  EXPECT_EQ(std::memcmp(raw, want, sizeof raw), 0);
}

TEST(PipeTest, LengthAbove4GiBIsRefusedByTheLimit) {
  auto [a, b] = MakePipe();
  const uint64_t five_gib = uint64_t{5} << 30;
  ASSERT_EQ(::write(a.fileno(), &five_gib, 8), 8);
  absl::StatusOr<std::string> got = b.recv_bytes();
  EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(got.status().message()), HasSubstr("5368709120 bytes"));
}

// Bytes of address space this process has mapped (VmSize).
uint64_t AddressSpaceBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmSize:", 0) == 0) return std::stoull(line.substr(7)) * 1024;
  }
  return 0;
}

// In a forked child whose address space is capped at 256 MiB above what it
// already maps, a header that announces 1 TiB is refused (default limit), and
// with the limit raised, memory grows only with the bytes that really arrive.
TEST(PipeTest, OversizedHeaderIsRefusedWithoutAllocating) {
  auto [a, b] = MakePipe();
  const uint64_t one_tib = uint64_t{1} << 40;
  ASSERT_EQ(::write(a.fileno(), &one_tib, 8), 8);
  conc::Process refuser = Fork([&b] {
    const uint64_t cap = AddressSpaceBytes() + (uint64_t{256} << 20);
    rlimit limit{cap, cap};
    if (::setrlimit(RLIMIT_AS, &limit) != 0) return 10;
    absl::StatusOr<std::string> got = b.recv_bytes();
    return got.status().code() == absl::StatusCode::kInvalidArgument ? 0 : 1;
  });
  EXPECT_EQ(JoinExitCode(refuser), 0);

  auto [c, d] = MakePipe();
  ASSERT_EQ(::write(c.fileno(), &one_tib, 8), 8);
  ASSERT_EQ(::write(c.fileno(), "only 20 bytes follow", 20), 20);
  ASSERT_TRUE(c.close().ok());
  conc::Process grower = Fork([&d] {
    const uint64_t cap = AddressSpaceBytes() + (uint64_t{256} << 20);
    rlimit limit{cap, cap};
    if (::setrlimit(RLIMIT_AS, &limit) != 0) return 10;
    d.set_max_message_size(uint64_t{1} << 41);
    absl::StatusOr<std::string> got = d.recv_bytes();
    return got.status().code() == absl::StatusCode::kDataLoss ? 0 : 1;  // Truncated.
  });
  EXPECT_EQ(JoinExitCode(grower), 0);
}

TEST(PipeTest, LargeMessagesInBothDirections) {
  auto [a, b] = MakePipe();
  std::string big(16 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
  // 16 MiB does not fit the socket buffer: send from a thread.
  std::thread sender([&] { EXPECT_TRUE(a.send_bytes(big).ok()); });
  absl::StatusOr<std::string> got = b.recv_bytes();
  sender.join();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(*got == big);
  std::vector<std::byte> into(big.size());
  std::thread back([&] { EXPECT_TRUE(b.send_bytes(big).ok()); });
  absl::StatusOr<size_t> n = a.recv_bytes_into(into);
  back.join();
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, big.size());
  EXPECT_EQ(std::memcmp(into.data(), big.data(), big.size()), 0);
}

// --- Spawned children: handle() + fds_to_pass() + FromHandle ---

void echo_doubled(conc::ConnectionHandle h, int count) {
  absl::StatusOr<conc::Connection> c = conc::Connection::FromHandle(h);
  if (!c.ok()) std::exit(2);
  for (int i = 0; i < count; ++i) {
    absl::StatusOr<int> v = c->recv<int>();
    if (!v.ok() || !c->send(2 * *v).ok()) std::exit(3);
  }
}

}  // namespace

CONC_PROCESS_FUNCTION(echo_doubled);

namespace {

TEST(PipeTest, SpawnedChildUsesAnEndThroughItsHandle) {
  auto [a, b] = MakePipe();
  conc::Process child({.pass_fds = b.fds_to_pass()}, conc::process_function<echo_doubled>,
                      b.handle(), 50);
  ASSERT_TRUE(child.start().ok());
  ASSERT_TRUE(b.close().ok());
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(a.send(i).ok());
    absl::StatusOr<int> got = a.recv<int>();
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, 2 * i);
  }
  EXPECT_EQ(a.recv<int>().status().code(), absl::StatusCode::kOutOfRange);  // Child exited.
  EXPECT_EQ(JoinExitCode(child), 0);
}

TEST(PipeTest, FromFdWrapsAnInheritedDescriptor) {
  auto [a, b] = MakePipe();
  absl::StatusOr<conc::Connection> c = conc::Connection::FromFd(::dup(b.fileno()));
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE(a.send(std::string("via dup")).ok());
  EXPECT_EQ(*c->recv<std::string>(), "via dup");
  EXPECT_EQ(conc::Connection::FromFd(-1).status().code(), absl::StatusCode::kInvalidArgument);
}

// --- Several writers, several readers, and faults ---

struct Msg {
  uint32_t writer = 0;
  uint32_t seq = 0;
  std::string payload;
  uint64_t checksum = 0;
  CONC_CODEC_FIELDS(writer, seq, payload, checksum);
};
constexpr uint32_t kSentinel = UINT32_MAX;

uint64_t Fnv1a(uint32_t writer, uint32_t seq, std::string_view payload) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](unsigned char c) { h = (h ^ c) * 1099511628211ull; };
  for (int i = 0; i < 4; ++i) mix(static_cast<unsigned char>(writer >> (8 * i)));
  for (int i = 0; i < 4; ++i) mix(static_cast<unsigned char>(seq >> (8 * i)));
  for (char c : payload) mix(static_cast<unsigned char>(c));
  return h;
}

Msg MakeMsg(uint32_t writer, uint32_t seq) {
  Msg m{writer, seq, std::string(seq % 300, static_cast<char>('a' + (seq + writer) % 26)), 0};
  m.checksum = Fnv1a(m.writer, m.seq, m.payload);
  return m;
}

// What a reader reports: the (writer, seq) pairs it received, in order.
struct ReaderReport {
  std::vector<uint64_t> ids;  // writer << 32 | seq.
  uint32_t corrupt = 0;
  std::string error;  // The status that ended it, "" after a sentinel.
  CONC_CODEC_FIELDS(ids, corrupt, error);
};

TEST(PipeTest, TwoWritersTwoReadersMove100000MessagesExactlyOnce) {
  constexpr uint32_t kPerWriter = 50'000;
  auto [in, out] = MakePipe();            // Writers send on `in`, readers read `out`.
  auto [report_r, report_w] = MakePipe(false);  // Readers report here (two writers again).
  std::vector<conc::Process> writers, readers;
  for (uint32_t w = 0; w < 2; ++w) {
    writers.push_back(Fork([&in, w] {
      for (uint32_t seq = 0; seq < kPerWriter; ++seq) {
        if (!in.send(MakeMsg(w, seq)).ok()) return 1;
      }
      return 0;
    }));
  }
  for (int r = 0; r < 2; ++r) {
    readers.push_back(Fork([&out, &report_w] {
      ReaderReport report;
      for (;;) {
        absl::StatusOr<Msg> m = out.recv<Msg>();
        if (!m.ok()) {
          report.error = m.status().ToString();
          break;
        }
        if (m->writer == kSentinel) break;
        if (m->checksum != Fnv1a(m->writer, m->seq, m->payload) ||
            m->payload != MakeMsg(m->writer, m->seq).payload) {
          ++report.corrupt;
        }
        report.ids.push_back(uint64_t{m->writer} << 32 | m->seq);
      }
      return report_w.send(report).ok() ? 0 : 1;
    }));
  }
  for (conc::Process& w : writers) EXPECT_EQ(JoinExitCode(w), 0);
  // One sentinel per reader, after every writer is done.
  for (int r = 0; r < 2; ++r) ASSERT_TRUE(in.send(Msg{kSentinel, 0, "", 0}).ok());
  std::vector<uint64_t> all;
  for (int r = 0; r < 2; ++r) {
    ASSERT_TRUE(report_r.poll(kLong));
    absl::StatusOr<ReaderReport> report = report_r.recv<ReaderReport>();
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_EQ(report->error, "");
    EXPECT_EQ(report->corrupt, 0u);
    // Each reader sees each writer's messages in the order they were sent.
    uint64_t last[2] = {0, 0};
    bool first[2] = {true, true};
    for (uint64_t id : report->ids) {
      const uint32_t w = static_cast<uint32_t>(id >> 32);
      ASSERT_LT(w, 2u);
      EXPECT_TRUE(first[w] || id > last[w]);
      first[w] = false;
      last[w] = id;
    }
    all.insert(all.end(), report->ids.begin(), report->ids.end());
  }
  for (conc::Process& r : readers) EXPECT_EQ(JoinExitCode(r), 0);
  ASSERT_EQ(all.size(), 2 * kPerWriter);  // None lost, none duplicated...
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
  EXPECT_EQ(all.front(), 0u);
  EXPECT_EQ(all.back(), (uint64_t{1} << 32) | (kPerWriter - 1));
}

// Bytes waiting in a pipe or socket (FIONREAD).
int Pending(int fd) {
  int n = 0;
  return ::ioctl(fd, FIONREAD, &n) == 0 ? n : -1;
}

// A writer SIGKILLed in the middle of a 64 MiB frame, while the parent keeps
// the sending end open (so no EOF can come): both readers get the intact
// messages sent before it, then DataLoss; neither hangs nor gets a torn frame.
TEST(PipeTest, WriterKilledMidMessageGivesReadersDataLoss) {
  for (bool duplex : {false, true}) {
    auto [r, w] = MakePipe(duplex);
    constexpr int kGood = 10;
    conc::Process writer = Fork([&w] {
      for (uint32_t i = 0; i < kGood; ++i) {
        if (!w.send(MakeMsg(0, i)).ok()) return 1;
      }
      std::string big(64 << 20, 'x');
      (void)w.send_bytes(big);  // Blocks once the buffer is full: nobody reads yet.
      return 2;
    });
    // Wait until the big frame has started (more than the small messages are
    // buffered): the writer now holds the writer lock and cannot finish. There
    // is no event for "bytes arrived in a pipe nobody polls", so check often.
    int good_bytes = 0;
    for (uint32_t i = 0; i < kGood; ++i) {
      good_bytes += static_cast<int>(conc::kFrameHeaderSize + conc::Encode(MakeMsg(0, i)).size());
    }
    const int started = good_bytes + static_cast<int>(conc::kFrameHeaderSize) + 1;
    const absl::Time give_up = absl::Now() + kLong;
    while (Pending(r.fileno()) < started && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(1));  // Polling a condition, not synchronising.
    }
    ASSERT_GE(Pending(r.fileno()), started);
    ASSERT_TRUE(writer.kill().ok());
    EXPECT_EQ(JoinExitCode(writer), -9);
    auto [report_r, report_w] = MakePipe(false);
    std::vector<conc::Process> readers;
    for (int i = 0; i < 2; ++i) {
      readers.push_back(Fork([&r, &report_w] {
        ReaderReport report;
        for (;;) {
          absl::StatusOr<std::string> bytes = r.recv_bytes();
          if (!bytes.ok()) {
            report.error = std::string(absl::StatusCodeToString(bytes.status().code()));
            break;
          }
          absl::StatusOr<Msg> m = conc::Decode<Msg>(*bytes);
          if (!m.ok() || m->checksum != Fnv1a(m->writer, m->seq, m->payload)) {
            ++report.corrupt;
            continue;
          }
          report.ids.push_back(m->seq);
        }
        return report_w.send(report).ok() ? 0 : 1;
      }));
    }
    size_t good = 0;
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(report_r.poll(kLong));
      absl::StatusOr<ReaderReport> report = report_r.recv<ReaderReport>();
      ASSERT_TRUE(report.ok()) << report.status();
      EXPECT_EQ(report->corrupt, 0u);
      EXPECT_EQ(report->error, "DATA_LOSS");
      good += report->ids.size();
    }
    EXPECT_EQ(good, static_cast<size_t>(kGood));
    for (conc::Process& p : readers) EXPECT_EQ(JoinExitCode(p), 0);
    // The writers' side sees it too.
    EXPECT_EQ(w.send(1).code(), absl::StatusCode::kDataLoss);
  }
}

// A reader killed in the middle of a frame: the position in the stream is
// lost, so the next reader gets DataLoss rather than half a message.
TEST(PipeTest, ReaderKilledMidMessageGivesDataLoss) {
  auto [r, w] = MakePipe(false);
  conc::Process reader = Fork([&r] {
    (void)r.recv_bytes();  // A 64 MiB frame whose sender stalls half-way.
    return 0;
  });
  std::string half(1 << 20, 'y');
  const uint64_t announced = uint64_t{64} << 20;
  ASSERT_EQ(::write(w.fileno(), &announced, 8), 8);
  std::thread feeder([&] {
    // The reader drains it; how much was written is checked below through
    // what is left pending (a (void) cast does not silence glibc's
    // warn_unused_result in -c opt builds).
    [[maybe_unused]] const ssize_t written = ::write(w.fileno(), half.data(), half.size());
  });
  // Once the feeder's megabyte has been drained, the reader is inside the frame.
  feeder.join();
  const absl::Time give_up = absl::Now() + kLong;
  while (Pending(r.fileno()) > 0 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(1));  // Polling a condition, not synchronising.
  }
  ASSERT_TRUE(reader.kill().ok());
  EXPECT_EQ(JoinExitCode(reader), -9);
  EXPECT_EQ(r.recv_bytes().status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // In a spawned child: runs its function, exits.
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
