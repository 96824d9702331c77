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

// The exit code tells the parent what happened: 0 connected, 10 refused (any
// other failure prints what failed and exits 1).
void client(std::string address, std::string authkey) {
  absl::StatusOr<conc::Manager> m = conc::Manager::connect(address, authkey);
  if (absl::IsUnauthenticated(m.status())) std::exit(10);  // AuthenticationError
  conc::CheckOk(m.status(), "c.connect()");
  auto q = conc::ValueOrDie(m->Queue<std::string>(0, "inbox"), "c.Queue('inbox')");
  conc::CheckOk(q.put("hello from a client process over TCP"), "q.put(...)");
}
CONC_PROCESS_FUNCTION(client);

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);
  conc::InitLesson(argc, argv, "A Manager on TCP with an authkey; a wrong key is refused.");

  conc::Heading("m = BaseManager(address=('127.0.0.1', 0), authkey=b'secret')");
  conc::Manager m({.address = "127.0.0.1:0", .authkey = "secret"});
  conc::CheckOk(m.start(), "m.start()");
  // The port varies from run to run; show only that one was chosen.
  std::printf("listening on 127.0.0.1:<port chosen by the kernel> (%s)\n",
              absl::StartsWith(m.address(), "127.0.0.1:") ? "yes" : "no");
  auto inbox = conc::ValueOrDie(m.Queue<std::string>(0, "inbox"), "m.Queue('inbox')");

  conc::Heading("a client process with the right key");
  conc::Process good(conc::process_function<client>, m.address(), std::string("secret"));
  conc::CheckOk(good.start(), "good.start()");
  conc::CheckOk(good.join(), "good.join()");
  std::printf("client exit code: %d\n", *good.exitcode());
  const std::string message = conc::ValueOrDie(inbox.get(absl::Seconds(10)), "inbox.get()");
  std::printf("inbox.get() -> %s\n", message.c_str());

  conc::Heading("a client process with a wrong key");
  conc::Process bad(conc::process_function<client>, m.address(), std::string("guess"));
  conc::CheckOk(bad.start(), "bad.start()");
  conc::CheckOk(bad.join(), "bad.join()");
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
