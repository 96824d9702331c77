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
  conc::Connection r = conc::ValueOrDie(conc::Connection::FromHandle(handle), "Connection(r)");
  const std::string greeting = conc::ValueOrDie(r.recv<std::string>(), "r.recv()");
  conc::CheckOk(r.send("child got: " + greeting), "r.send(...)");
}
CONC_PROCESS_FUNCTION(answer);

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // A spawned child runs its target here and exits.
  conc::InitLesson(argc, argv, "Pipe(): send(\"Hello, world\") and recv().");

  conc::Heading("r, w = Pipe(); w.send(\"Hello, world\"); r.recv()");
  auto [r, w] = conc::ValueOrDie(conc::Pipe(), "Pipe()");
  std::printf("r: Connection fileno=%d, w: Connection fileno=%d\n", r.fileno(), w.fileno());
  conc::CheckOk(w.send(std::string("Hello, world")), "w.send(\"Hello, world\")");
  const std::string got = conc::ValueOrDie(r.recv<std::string>(), "r.recv()");
  std::printf("r.recv() -> '%s'\n\n", got.c_str());

  conc::Heading("the same, with the r end in a child process");
  // A spawned child inherits the descriptors in pass_fds and rebuilds the end.
  conc::Process child({.pass_fds = r.fds_to_pass()}, conc::process_function<answer>, r.handle());
  conc::CheckOk(child.start(), "child.start()");
  conc::CheckOk(w.send(std::string("Hello, world")), "w.send(\"Hello, world\")");
  const std::string reply = conc::ValueOrDie(w.recv<std::string>(), "w.recv()");
  conc::CheckOk(child.join(), "child.join()");
  std::printf("w.recv() -> '%s'\n", reply.c_str());
  return 0;
}
