// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// udp_exchange: the notes' UDP cell (Module 4, "An overview of the socket
// module"): datagrams, no connection, message boundaries kept.
//
//   srv = socket.socket(AF_INET, SOCK_DGRAM); srv.bind(("127.0.0.1", 0))
//   cli.sendto(b"ping", srv_addr); data, addr = srv.recvfrom(1024)
//   srv.sendto(b"pong", addr)

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/sockets/socket.h"

ABSL_FLAG(bool, quick, false, "Accepted for the tour; the lesson is quick anyway.");

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "A UDP exchange: sendto, recvfrom, datagram boundaries (Module 4).");

  conc::Heading("srv = socket(AF_INET, SOCK_DGRAM); srv.bind(('127.0.0.1', 0))");
  conc::Socket srv = conc::ValueOrDie(conc::Socket::Create(AF_INET, SOCK_DGRAM), "socket()");
  conc::CheckOk(srv.bind(conc::ValueOrDie(conc::SocketAddress::Inet("127.0.0.1", 0), "address")), "srv.bind");
  conc::CheckOk(srv.settimeout(absl::Seconds(5)), "srv.settimeout(5)");  // A lost datagram must not hang us.
  const conc::SocketAddress srv_addr = conc::ValueOrDie(srv.getsockname(), "srv.getsockname()");

  conc::Socket cli = conc::ValueOrDie(conc::Socket::Create(AF_INET, SOCK_DGRAM), "socket()");
  conc::CheckOk(cli.settimeout(absl::Seconds(5)), "cli.settimeout(5)");

  conc::Heading("cli.sendto(b'ping'); srv.recvfrom(1024); srv.sendto(b'pong', addr)");
  conc::ValueOrDie(cli.sendto("ping", srv_addr), "cli.sendto");
  auto [data, addr] = conc::ValueOrDie(srv.recvfrom(1024), "srv.recvfrom");
  std::printf("server got '%s' from %s\n", data.c_str(), addr.host().c_str());
  conc::ValueOrDie(srv.sendto("pong", addr), "srv.sendto");
  std::printf("client got '%s'\n", conc::ValueOrDie(cli.recvfrom(1024), "cli.recvfrom").first.c_str());

  conc::Heading("three datagrams stay three messages (a TCP stream would not)");
  for (const char* m : {"one", "two", "three"}) conc::ValueOrDie(cli.sendto(m, srv_addr), "cli.sendto");
  for (int i = 0; i < 3; ++i) {
    std::printf("recvfrom -> '%s'\n", conc::ValueOrDie(srv.recvfrom(1024), "srv.recvfrom").first.c_str());
  }

  conc::Heading("nothing to receive: TimeoutError");
  conc::CheckOk(srv.settimeout(absl::Milliseconds(50)), "srv.settimeout(0.05)");
  absl::StatusOr<std::pair<std::string, conc::SocketAddress>> none = srv.recvfrom(1024);
  std::printf("recvfrom -> %s\n", none.ok() ? "data?!" : std::string(none.status().message()).c_str());
  return 0;
}
