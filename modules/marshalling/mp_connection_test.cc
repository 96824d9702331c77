// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// multiprocessing.connection's wire: the header's two forms, HMAC-MD5, hostile
// lengths refused before anything is allocated, the handshake both ways; then
// against Debian's /usr/bin/python3: a C++ Listener serving Python's Client
// and a C++ client of Python's Listener, over TCP and an abstract Unix socket,
// with the right authkey, the wrong one (refused on both sides) and none.

#include "modules/marshalling/mp_connection.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/common/fd.h"
#include "modules/marshalling/pickle.h"
#include "modules/marshalling/testing/python_peer.h"

namespace conc {
namespace {

using ::testing::HasSubstr;
using testing::PythonPeer;

constexpr char kPeer[] = "modules/marshalling/testing/mp_peer.py";
constexpr absl::Duration kWait = absl::Seconds(60);  // Generous: a loaded 2-core machine.
const std::string kKey = "secret authkey";

std::pair<PyConnection, PyConnection> SocketPair() {
  int fds[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  return {PyConnection(FileDescriptor(fds[0])), PyConnection(FileDescriptor(fds[1]))};
}

void WriteRaw(int fd, std::string_view bytes) {
  ASSERT_TRUE(WriteFull(fd, std::as_bytes(std::span(bytes.data(), bytes.size()))).ok());
}

std::string BigEndian64(uint64_t v) {
  std::string out;
  for (int i = 7; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
  return out;
}

// The serve() of mp_peer.py: (op, arg) -> result.
PyValue Serve(const PyValue& request) {
  const std::string& op = request.items()[0].s();
  const PyValue& arg = request.items()[1];
  if (op == "square") return PyValue::Int(arg.i * arg.i);
  if (op == "upper") {
    std::string s = arg.s();
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
    return PyValue::Str(s);
  }
  if (op == "sum") {
    bool any_float = false;
    double f = 0;
    int64_t i = 0;
    for (const PyValue& v : arg.items()) {
      any_float |= v.kind == PyValue::Kind::kFloat;
      f += v.kind == PyValue::Kind::kFloat ? v.f : static_cast<double>(v.i);
      i += v.kind == PyValue::Kind::kInt ? v.i : 0;
    }
    return any_float ? PyValue::Float(f) : PyValue::Int(i);
  }
  return arg;
}

// mp_peer.py's REQUESTS, for the C++ client.
std::vector<PyValue> Requests() {
  auto req = [](const char* op, PyValue arg) { return PyValue::Tuple({PyValue::Str(op), std::move(arg)}); };
  PyList range;
  for (int k = 0; k < 3000; ++k) range.push_back(PyValue::Int(k));
  return {req("square", PyValue::Int(7)), req("upper", PyValue::Str("abc")),
          req("sum", PyValue::List({PyValue::Int(1), PyValue::Int(2), PyValue::Float(3.5)})),
          req("echo", PyValue::Dict({{PyValue::Str("k"), PyValue::Tuple({PyValue::Int(1), PyValue::Bytes("\x01\xff"),
                                                                          PyValue::None(), PyValue::Bool(true)})}})),
          req("echo", PyValue::Str(std::string(100000, 'x'))), req("echo", PyValue::List(range))};
}

// --- the wire, locally ---------------------------------------------------------

TEST(MpConnectionTest, TheHeaderHasTwoForms) {
  EXPECT_EQ(internal::PyMessageHeader(5), std::string("\0\0\0\x05", 4));
  EXPECT_EQ(internal::PyMessageHeader(0x7fffffff), "\x7f\xff\xff\xff");
  EXPECT_EQ(internal::PyMessageHeader(0x80000000u), std::string("\xff\xff\xff\xff\0\0\0\0\x80\0\0\0", 12));
}

TEST(MpConnectionTest, HmacMd5IsRfc2202s) {
  EXPECT_EQ(absl::BytesToHexString(internal::HmacMd5(std::string(16, '\x0b'), "Hi There")),
            "9294727a3638bb1c13f48ef8158bfc9d");
  EXPECT_EQ(absl::BytesToHexString(internal::HmacMd5("Jefe", "what do ya want for nothing?")),
            "750c783e6ab0b503eaa86e310a5db738");
}

TEST(MpConnectionTest, MessagesAndPicklesOverASocketPair) {
  auto [a, b] = SocketPair();
  ASSERT_TRUE(a.send_bytes("hello").ok());
  ASSERT_TRUE(a.send_bytes("").ok());
  EXPECT_EQ(*b.recv_bytes(), "hello");
  EXPECT_EQ(*b.recv_bytes(), "");
  const PyValue v = PyValue::Dict({{PyValue::Str("n"), PyValue::List({PyValue::Int(1), PyValue::Float(2.5)})}});
  ASSERT_TRUE(a.send(v).ok());
  EXPECT_TRUE(*b.poll(absl::Seconds(10)));
  EXPECT_EQ(*b.recv(), v);
  EXPECT_FALSE(*b.poll());
  // The long form, even for a short message, is read too.
  WriteRaw(a.fileno(), "\xff\xff\xff\xff" + BigEndian64(5) + "world");
  EXPECT_EQ(*b.recv_bytes(), "world");
  a.close();
  absl::StatusOr<std::string> eof = b.recv_bytes();
  EXPECT_EQ(eof.status().code(), absl::StatusCode::kOutOfRange) << eof.status();  // EOFError
  EXPECT_TRUE(b.closed());
  EXPECT_EQ(b.recv_bytes().status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(MpConnectionTest, EndOfFileInsideAMessageIsDataLoss) {
  for (const std::string& partial : {std::string("\0\0", 2), std::string("\0\0\0\x0a" "abc", 7),
                                     std::string("\xff\xff\xff\xff\0\0", 6)}) {
    auto [a, b] = SocketPair();
    WriteRaw(a.fileno(), partial);
    a.close();
    absl::StatusOr<std::string> got = b.recv_bytes();
    EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss) << got.status();
    EXPECT_THAT(got.status().message(), HasSubstr("got end of file during message"));
  }
}

TEST(MpConnectionTest, HostileLengthsAreRefusedWithoutAllocating) {
  const Deadline soon = Deadline::FromTimeout(absl::Seconds(20));
  {
    // 2^31 in the long form: over the 1 GiB limit. Nothing follows the header,
    // so a reader that went on to read (or allocate) the payload would block.
    auto [a, b] = SocketPair();
    WriteRaw(a.fileno(), "\xff\xff\xff\xff" + BigEndian64(uint64_t{1} << 31));
    absl::StatusOr<std::string> got = b.recv_bytes_until(std::nullopt, soon);
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument) << got.status();
    EXPECT_THAT(got.status().message(), HasSubstr("bad message length: 2147483648 bytes"));
    EXPECT_TRUE(b.closed());  // As Python's _bad_message_length.
  }
  {
    // 2^31 in the short form is negative as "!i".
    auto [a, b] = SocketPair();
    WriteRaw(a.fileno(), std::string("\x80\0\0\0", 4));
    absl::StatusOr<std::string> got = b.recv_bytes_until(std::nullopt, soon);
    EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss) << got.status();
    EXPECT_THAT(got.status().message(), HasSubstr("negative"));
  }
  {
    // 2^64 - 1 in the long form.
    auto [a, b] = SocketPair();
    WriteRaw(a.fileno(), "\xff\xff\xff\xff" + BigEndian64(~uint64_t{0}));
    EXPECT_EQ(b.recv_bytes_until(std::nullopt, soon).status().code(), absl::StatusCode::kInvalidArgument);
  }
  {
    // recv_bytes(maxlength) as the handshake uses it.
    auto [a, b] = SocketPair();
    ASSERT_TRUE(a.send_bytes(std::string(300, 'x')).ok());
    absl::StatusOr<std::string> got = b.recv_bytes(256);
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(got.status().message(), HasSubstr("(maxlength)"));
  }
  {
    // Under the limit but never sent: memory grows with what arrives, and the
    // end of the stream is DataLoss.
    auto [a, b] = SocketPair();
    WriteRaw(a.fileno(), std::string("\x20\0\0\0", 4) + "ten bytes!");  // Says 512 MiB.
    a.close();
    absl::StatusOr<std::string> got = b.recv_bytes();
    EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(got.status().message(), HasSubstr("10 of 536870912 bytes"));
  }
}

TEST(MpConnectionTest, TheHandshakeAcceptsTheKeyAndRefusesAnother) {
  for (const bool same : {true, false}) {
    auto [server, client] = SocketPair();
    absl::Status server_status, client_status;
    std::thread t([&server = server, &server_status, same] {
      server_status = deliver_challenge(server, same ? kKey : "other key");
      if (server_status.ok()) server_status = answer_challenge(server, kKey);
    });
    client_status = answer_challenge(client, kKey);
    if (client_status.ok()) client_status = deliver_challenge(client, kKey);
    t.join();
    if (same) {
      EXPECT_TRUE(server_status.ok()) << server_status;
      EXPECT_TRUE(client_status.ok()) << client_status;
    } else {
      EXPECT_EQ(server_status.code(), absl::StatusCode::kPermissionDenied);
      EXPECT_THAT(server_status.message(), HasSubstr("digest received was wrong"));
      EXPECT_EQ(client_status.code(), absl::StatusCode::kPermissionDenied);
      EXPECT_THAT(client_status.message(), HasSubstr("digest sent was rejected"));
    }
  }
}

TEST(MpConnectionTest, AHandshakeThatIsNotOneIsRefused) {
  auto [a, b] = SocketPair();
  ASSERT_TRUE(a.send_bytes("GET / HTTP/1.1").ok());
  absl::Status s = answer_challenge(b, kKey, Deadline::FromTimeout(absl::Seconds(20)));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("expected #CHALLENGE#, got 'GET / HTTP/1.1'"));
}

TEST(MpConnectionTest, NobodyListeningIsConnectionRefused) {
  uint16_t port = 0;
  {
    absl::StatusOr<PyListener> l = PyListener::Open(PyAddress::Tcp("127.0.0.1", 0), kKey);
    ASSERT_TRUE(l.ok());
    port = l->address().port;
  }  // Closed: nobody listens there now.
  absl::StatusOr<PyConnection> c = PyClient(PyAddress::Tcp("127.0.0.1", port), kKey, absl::Seconds(20));
  EXPECT_EQ(c.status().code(), absl::StatusCode::kUnavailable) << c.status();  // ConnectionRefusedError
  EXPECT_EQ(PyClient(PyAddress::Unix(std::string(1, '\0') + "conc-nobody-here"), std::nullopt).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(PyClient(PyAddress::Tcp("not-an-address", 1), kKey).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// --- against /usr/bin/python3 -------------------------------------------------

std::string KeyArg(const std::optional<std::string>& key) {
  return key ? absl::BytesToHexString(*key) : "-";
}

std::string AbstractName() {
  static int n = 0;
  return absl::StrCat("conc-mp-test-", ::getpid(), "-", n++);
}

// Serves one Python client: replies with Serve(), the long form on request,
// echoes raw bytes, stops at None.
void ServePythonClient(PyConnection& conn) {
  while (true) {
    absl::StatusOr<PyValue> request = conn.recv();
    ASSERT_TRUE(request.ok()) << request.status();
    if (request->kind == PyValue::Kind::kNone) return;
    if (request->items()[0].s() == "long-form") {
      const std::string pickle = *PickleDumps(PyValue::Str("sent in the long form"), 4);
      WriteRaw(conn.fileno(), "\xff\xff\xff\xff" + BigEndian64(pickle.size()) + pickle);
      absl::StatusOr<std::string> raw = conn.recv_bytes();
      ASSERT_TRUE(raw.ok()) << raw.status();
      ASSERT_TRUE(conn.send_bytes(*raw).ok());
      continue;
    }
    ASSERT_TRUE(conn.send(Serve(*request)).ok());
  }
}

void CppListenerServesPython(const PyAddress& where, const std::optional<std::string>& key) {
  absl::StatusOr<PyListener> listener = PyListener::Open(where, key);
  ASSERT_TRUE(listener.ok()) << listener.status();
  std::vector<std::string> args = {kPeer, "client"};
  if (where.is_unix) {
    args.insert(args.end(), {"unix", where.path.substr(1)});
  } else {
    args.insert(args.end(), {"tcp", absl::StrCat(listener->address().port)});
  }
  args.push_back(KeyArg(key));
  absl::StatusOr<PythonPeer> py = PythonPeer::Start(args);
  ASSERT_TRUE(py.ok()) << py.status();
  absl::StatusOr<PyConnection> conn = listener->accept(kWait);
  ASSERT_TRUE(conn.ok()) << conn.status();
  ServePythonClient(*conn);
  absl::StatusOr<PythonPeer::Exit> done = py->Finish(kWait);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->code, 0) << done->output;
  EXPECT_THAT(done->output, HasSubstr("long form: sent in the long form"));
  EXPECT_THAT(done->output, HasSubstr("raw bytes echoed: True"));
  EXPECT_THAT(done->output, HasSubstr("all replies match"));
}

TEST(MpConnectionPythonTest, CppListenerServesPythonClientOverTcp) {
  CppListenerServesPython(PyAddress::Tcp("127.0.0.1", 0), kKey);
}

TEST(MpConnectionPythonTest, CppListenerServesPythonClientOverAbstractUnixWithoutKey) {
  CppListenerServesPython(PyAddress::Unix(std::string(1, '\0') + AbstractName()), std::nullopt);
}

TEST(MpConnectionPythonTest, PythonClientWithTheWrongKeyIsRefused) {
  absl::StatusOr<PyListener> listener = PyListener::Open(PyAddress::Tcp("127.0.0.1", 0), kKey);
  ASSERT_TRUE(listener.ok());
  absl::StatusOr<PythonPeer> py = PythonPeer::Start(
      {kPeer, "client", "tcp", absl::StrCat(listener->address().port), KeyArg("wrong key")});
  ASSERT_TRUE(py.ok());
  absl::StatusOr<PyConnection> conn = listener->accept(kWait);
  EXPECT_EQ(conn.status().code(), absl::StatusCode::kPermissionDenied) << conn.status();
  EXPECT_THAT(conn.status().message(), HasSubstr("digest received was wrong"));
  absl::StatusOr<PythonPeer::Exit> done = py->Finish(kWait);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->code, 3) << done->output;
  EXPECT_THAT(done->output, HasSubstr("AuthenticationError: digest sent was rejected"));
}

void CppClientOfPythonListener(bool unix_socket, const std::optional<std::string>& key) {
  const std::string name = AbstractName();
  std::vector<std::string> args = {kPeer, "listener"};
  if (unix_socket) {
    args.insert(args.end(), {"unix", name});
  } else {
    args.push_back("tcp");
  }
  args.push_back(KeyArg(key));
  absl::StatusOr<PythonPeer> py = PythonPeer::Start(args);
  ASSERT_TRUE(py.ok()) << py.status();
  absl::StatusOr<std::string> first = py->ReadLine(kWait);  // The port, or "ready": it listens.
  ASSERT_TRUE(first.ok()) << first.status();
  const PyAddress where = unix_socket ? PyAddress::Unix(std::string(1, '\0') + name)
                                      : PyAddress::Tcp("127.0.0.1", static_cast<uint16_t>(std::stoi(*first)));
  absl::StatusOr<PyConnection> conn = PyClient(where, key, kWait);
  ASSERT_TRUE(conn.ok()) << conn.status();
  const std::vector<PyValue> requests = Requests();
  for (const PyValue& request : requests) {
    ASSERT_TRUE(conn->send(request).ok());
    absl::StatusOr<PyValue> reply = conn->recv();
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(*reply, Serve(request)) << reply->Repr().substr(0, 200);
  }
  ASSERT_TRUE(conn->send(PyValue::None()).ok());
  absl::StatusOr<PythonPeer::Exit> done = py->Finish(kWait);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->code, 0) << done->output;
  EXPECT_THAT(done->output, HasSubstr(absl::StrCat("served ", requests.size())));
}

TEST(MpConnectionPythonTest, CppClientOfPythonListenerOverTcp) { CppClientOfPythonListener(false, kKey); }

TEST(MpConnectionPythonTest, CppClientOfPythonListenerOverAbstractUnix) {
  CppClientOfPythonListener(true, kKey);
}

TEST(MpConnectionPythonTest, CppClientWithTheWrongKeyIsRefused) {
  absl::StatusOr<PythonPeer> py = PythonPeer::Start({kPeer, "listener", "tcp", KeyArg(kKey)});
  ASSERT_TRUE(py.ok());
  absl::StatusOr<std::string> port = py->ReadLine(kWait);
  ASSERT_TRUE(port.ok()) << port.status();
  absl::StatusOr<PyConnection> conn =
      PyClient(PyAddress::Tcp("127.0.0.1", static_cast<uint16_t>(std::stoi(*port))), "wrong key", kWait);
  EXPECT_EQ(conn.status().code(), absl::StatusCode::kPermissionDenied) << conn.status();
  EXPECT_THAT(conn.status().message(), HasSubstr("digest sent was rejected"));
  absl::StatusOr<PythonPeer::Exit> done = py->Finish(kWait);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->code, 3) << done->output;
  EXPECT_THAT(done->output, HasSubstr("AuthenticationError: digest received was wrong"));
}

}  // namespace
}  // namespace conc
