// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// manager_tcp_authkey: a manager on TCP with an authkey, the way Python's
// BaseManager serves another host:
//
//   m = BaseManager(address=("127.0.0.1", 0), authkey=b"secret"); m.start()
//   c = BaseManager(address=m.address, authkey=b"secret"); c.connect()
//   BaseManager(address=m.address, authkey=b"wrong").connect()  # AuthenticationError
//
// A client process with the right key puts a message on a shared queue; one
// with a wrong key is refused. The key never crosses the wire: each side
// proves it knows it with an HMAC of the other's random nonce. Use any
// interface address (e.g. "0.0.0.0:50000") to serve other hosts.

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "modules/common/lesson.h"
#include "modules/ipc/manager.h"
#include "modules/threads/process.h"

// Exit codes tell the parent what happened: 0 connected, 10 refused, 11 other error.
void client(std::string address, std::string authkey) {
  absl::StatusOr<conc::Manager> m = conc::Manager::connect(address, authkey);
  if (absl::IsUnauthenticated(m.status())) std::exit(10);
  if (!m.ok()) std::exit(11);
  auto q = m->Queue<std::string>(0, "inbox");
  if (!q.ok() || !q->put("hello from a client process over TCP").ok()) std::exit(11);
}
CONC_PROCESS_FUNCTION(client);

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);
  conc::InitLesson(argc, argv, "A Manager on TCP with an authkey; a wrong key is refused.");

  conc::Heading("m = BaseManager(address=('127.0.0.1', 0), authkey=b'secret')");
  conc::Manager m({.address = "127.0.0.1:0", .authkey = "secret"});
  if (absl::Status s = m.start(); !s.ok()) {
    std::printf("start: %s\n", s.ToString().c_str());
    return 1;
  }
  // The port varies from run to run; show only that one was chosen.
  std::printf("listening on 127.0.0.1:<port chosen by the kernel> (%s)\n",
              absl::StartsWith(m.address(), "127.0.0.1:") ? "yes" : "no");
  auto inbox = m.Queue<std::string>(0, "inbox");
  if (!inbox.ok()) return 1;

  conc::Heading("a client process with the right key");
  conc::Process good(conc::process_function<client>, m.address(), std::string("secret"));
  if (!good.start().ok() || !good.join().ok()) return 1;
  std::printf("client exit code: %d\n", *good.exitcode());
  absl::StatusOr<std::string> message = inbox->get(absl::Seconds(10));
  if (!message.ok()) return 1;
  std::printf("inbox.get() -> %s\n", message->c_str());

  conc::Heading("a client process with a wrong key");
  conc::Process bad(conc::process_function<client>, m.address(), std::string("guess"));
  if (!bad.start().ok() || !bad.join().ok()) return 1;
  std::printf("client exit code: %d (%s)\n", *bad.exitcode(),
              *bad.exitcode() == 10 ? "refused: AuthenticationError" : "NOT refused");
  // The same from here, to see the status.
  absl::StatusOr<conc::Manager> refused = conc::Manager::connect(m.address(), "guess");
  std::printf("connect with a wrong key: %s\n",
              absl::StatusCodeToString(refused.status().code()).c_str());
  // The message starts with the address (its port varies); show the reason.
  const std::string why(refused.status().message());
  const size_t reason = why.rfind("AuthenticationError:");
  std::printf("reason: %s\n", why.substr(reason == std::string::npos ? 0 : reason).c_str());
  return 0;
}
