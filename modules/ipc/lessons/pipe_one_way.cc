// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// pipe_one_way: Pipe(False) (the article: "con1 can only be used to receive
// data and con2 to transmit data"). conc::Pipe(false) is a pipe(2): the first
// end only receives, the second only sends. Using an end the wrong way is a
// FailedPrecondition status where Python raises OSError.

#include <cstdio>
#include <string>
#include <utility>

#include "modules/common/lesson.h"
#include "modules/ipc/pipe.h"

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "Pipe(False): a one-way pipe, receive end first.");

  conc::Heading("r, w = Pipe(False)");
  absl::StatusOr<std::pair<conc::Connection, conc::Connection>> p = conc::Pipe(false);
  if (!p.ok()) return 1;
  auto& [r, w] = *p;
  std::printf("r: readable=%s writable=%s\n", r.readable() ? "true" : "false",
              r.writable() ? "true" : "false");
  std::printf("w: readable=%s writable=%s\n\n", w.readable() ? "true" : "false",
              w.writable() ? "true" : "false");

  conc::Heading("w.send(...) then r.recv()");
  for (int i = 1; i <= 3; ++i) {
    if (!w.send("message " + std::to_string(i)).ok()) return 1;
  }
  for (int i = 1; i <= 3; ++i) {
    absl::StatusOr<std::string> got = r.recv<std::string>();
    if (!got.ok()) return 1;
    std::printf("r.recv() -> %s\n", got->c_str());
  }

  conc::Heading("the wrong way round");
  std::printf("r.send(1): %s\n", r.send(1).ToString().c_str());
  std::printf("w.recv(): %s\n", w.recv<int>().status().ToString().c_str());

  conc::Heading("w.close(): r gets what was sent, then EOF");
  if (!w.send(std::string("last words")).ok() || !w.close().ok()) return 1;
  std::printf("r.recv() -> %s\n", r.recv<std::string>().value_or("?").c_str());
  std::printf("r.recv(): %s   (EOFError)\n", r.recv<std::string>().status().ToString().c_str());
  return 0;
}
