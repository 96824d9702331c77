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
  auto [r, w] = conc::ValueOrDie(conc::Pipe(false), "Pipe(False)");
  std::printf("r: readable=%s writable=%s\n", r.readable() ? "true" : "false",
              r.writable() ? "true" : "false");
  std::printf("w: readable=%s writable=%s\n\n", w.readable() ? "true" : "false",
              w.writable() ? "true" : "false");

  conc::Heading("w.send(...) then r.recv()");
  for (int i = 1; i <= 3; ++i) conc::CheckOk(w.send("message " + std::to_string(i)), "w.send(...)");
  for (int i = 1; i <= 3; ++i) {
    std::printf("r.recv() -> %s\n", conc::ValueOrDie(r.recv<std::string>(), "r.recv()").c_str());
  }

  conc::Heading("the wrong way round");
  std::printf("r.send(1): %s\n", r.send(1).ToString().c_str());
  std::printf("w.recv(): %s\n", w.recv<int>().status().ToString().c_str());

  conc::Heading("w.close(): r gets what was sent, then EOF");
  conc::CheckOk(w.send(std::string("last words")), "w.send(\"last words\")");
  conc::CheckOk(w.close(), "w.close()");
  std::printf("r.recv() -> %s\n", conc::ValueOrDie(r.recv<std::string>(), "r.recv()").c_str());
  std::printf("r.recv(): %s   (EOFError)\n", r.recv<std::string>().status().ToString().c_str());
  return 0;
}
