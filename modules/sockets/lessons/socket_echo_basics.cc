// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// socket_echo_basics: the notes' first socket cells (Module 4, "Creating network
// servers and clients using socket module"), server and client in one process:
//
//   srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
//   srv.bind(("127.0.0.1", 0)); srv.listen()
//   conn, addr = srv.accept()          # in the server thread
//   data = conn.recv(1024); conn.sendall(data)
//
//   cli = socket.create_connection(("127.0.0.1", port), timeout=5)
//   cli.sendall(b"hello"); cli.recv(1024)

#include <cstdio>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/sockets/socket.h"

ABSL_FLAG(bool, quick, false, "Accepted for the tour; the lesson is quick anyway.");

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "A TCP echo server and client in one process: bind, listen, accept, "
                               "connect, sendall, recv, readline (Module 4).");

  conc::Heading("srv = socket(AF_INET, SOCK_STREAM); srv.bind(('127.0.0.1', 0)); srv.listen()");
  conc::Socket srv = conc::ValueOrDie(conc::Socket::Create(AF_INET, SOCK_STREAM), "socket()");
  conc::CheckOk(srv.set_reuse_address(true), "srv.setsockopt(SO_REUSEADDR)");
  conc::CheckOk(srv.bind(conc::ValueOrDie(conc::SocketAddress::Inet("127.0.0.1", 0), "address")), "srv.bind");
  conc::CheckOk(srv.listen(), "srv.listen()");
  const int port = conc::ValueOrDie(srv.getsockname(), "srv.getsockname()").port();
  std::printf("server listening on 127.0.0.1, port %s\n", port > 0 ? "chosen by the kernel (port 0)" : "?");

  // The server: one connection, echo every line until the client closes.
  std::thread server([&srv] {
    auto [conn, addr] = conc::ValueOrDie(srv.accept(), "srv.accept()");
    conc::Say("server: accepted a connection from " + addr.host());
    conc::SocketReader reader(conn);
    for (;;) {
      const std::string line = conc::ValueOrDie(reader.readline(), "conn.readline()");
      if (line.empty()) break;  // b"": the client closed.
      conc::CheckOk(conn.sendall(line), "conn.sendall(line)");
    }
    conc::Say("server: client closed, closing too");
  });

  conc::Heading("cli = create_connection(('127.0.0.1', port), timeout=5)");
  conc::Socket cli = conc::ValueOrDie(conc::create_connection("127.0.0.1", port, absl::Seconds(5)), "connect");
  conc::SocketReader replies(cli);
  for (const char* text : {"hello\n", "sockets are byte streams\n"}) {
    conc::CheckOk(cli.sendall(text), "cli.sendall");
    const std::string echoed = conc::ValueOrDie(replies.readline(), "cli.readline()");
    conc::Say("client got: " + echoed.substr(0, echoed.size() - 1));
  }
  conc::CheckOk(cli.shutdown(SHUT_WR), "cli.shutdown(SHUT_WR)");  // The server's readline sees EOF.
  server.join();

  conc::Heading("a closed port: ConnectionRefusedError");
  conc::CheckOk(srv.close(), "srv.close()");
  absl::StatusOr<conc::Socket> refused = conc::create_connection("127.0.0.1", port, absl::Seconds(5));
  std::printf("connect after close -> %s\n", refused.ok() ? "connected?!" : absl::StatusCodeToString(refused.status().code()).c_str());
  return 0;
}
