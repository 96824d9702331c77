// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// pipe_hello: the notebook's first Pipe cell (Module 5):
//
//   r, w = Pipe()
//   print(r, w)
//   w.send("Hello, world")
//   r.recv()        # 'Hello, world'
//
// and the same message crossing into a child process and back.

#include <cstdio>
#include <string>
#include <utility>

#include "modules/common/lesson.h"
#include "modules/ipc/pipe.h"
#include "modules/threads/process.h"

// The child: receives a greeting on its end and answers it.
void answer(conc::ConnectionHandle handle) {
  absl::StatusOr<conc::Connection> conn = conc::Connection::FromHandle(handle);
  if (!conn.ok()) std::exit(1);
  absl::StatusOr<std::string> greeting = conn->recv<std::string>();
  if (!greeting.ok()) std::exit(1);
  if (!conn->send("child got: " + *greeting).ok()) std::exit(1);
}
CONC_PROCESS_FUNCTION(answer);

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // A spawned child runs its target here and exits.
  conc::InitLesson(argc, argv, "Pipe(): send(\"Hello, world\") and recv().");

  conc::Heading("r, w = Pipe(); w.send(\"Hello, world\"); r.recv()");
  absl::StatusOr<std::pair<conc::Connection, conc::Connection>> p = conc::Pipe();
  if (!p.ok()) return 1;
  auto& [r, w] = *p;
  std::printf("r: Connection fileno=%d, w: Connection fileno=%d\n", r.fileno(), w.fileno());
  if (!w.send(std::string("Hello, world")).ok()) return 1;
  absl::StatusOr<std::string> got = r.recv<std::string>();
  if (!got.ok()) return 1;
  std::printf("r.recv() -> '%s'\n\n", got->c_str());

  conc::Heading("the same, with the r end in a child process");
  // A spawned child inherits the descriptors in pass_fds and rebuilds the end.
  conc::Process child({.pass_fds = r.fds_to_pass()}, conc::process_function<answer>, r.handle());
  if (!child.start().ok()) return 1;
  if (!w.send(std::string("Hello, world")).ok()) return 1;
  absl::StatusOr<std::string> reply = w.recv<std::string>();
  if (!reply.ok() || !child.join().ok()) return 1;
  std::printf("w.recv() -> '%s'\n", reply->c_str());
  return 0;
}
