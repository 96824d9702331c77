// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// pipe_pseudo: the notebook's pseudo-implementation of Pipe() (Module 5): two
// Connection objects sharing one deque. It shows the shape of the API, and
// what it gets wrong: both ends read the same deque, so an end can receive
// its own message, and nothing crosses a process boundary. Then the real
// conc::Pipe(): each end receives what the OTHER end sent, through the OS.

#include <cstdio>
#include <deque>
#include <memory>
#include <string>
#include <utility>

#include "modules/common/lesson.h"
#include "modules/ipc/pipe.h"

// class Connection: def __init__(self, queue): self.queue = queue
class PseudoConnection {
 public:
  explicit PseudoConnection(std::shared_ptr<std::deque<std::string>> queue)
      : queue_(std::move(queue)) {}
  void send(std::string data) { queue_->push_back(std::move(data)); }  // queue.append
  std::string recv() {                                                 // queue.popleft
    std::string front = std::move(queue_->front());
    queue_->pop_front();
    return front;
  }

 private:
  std::shared_ptr<std::deque<std::string>> queue_;
};

// class Pipe: def __new__(cls): queue = deque(); return Connection(queue), Connection(queue)
std::pair<PseudoConnection, PseudoConnection> PseudoPipe() {
  auto queue = std::make_shared<std::deque<std::string>>();
  return {PseudoConnection(queue), PseudoConnection(queue)};
}

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "The seed's pseudo-implementation of Pipe(), then the real one.");

  conc::Heading("pseudo: r, w = Pipe(); w.send(\"Hello world\"); print(r.recv())");
  auto [pr, pw] = PseudoPipe();
  pw.send("Hello world");
  std::printf("pseudo r.recv() -> %s\n", pr.recv().c_str());
  pw.send("to myself");
  std::printf("pseudo w.recv() -> %s   (one shared deque: an end hears itself)\n\n",
              pw.recv().c_str());

  conc::Heading("real: conc::Pipe() is a socketpair; each end hears the other");
  auto [r, w] = conc::ValueOrDie(conc::Pipe(), "Pipe()");
  conc::CheckOk(w.send(std::string("Hello world")), "w.send(\"Hello world\")");
  std::printf("w.poll() after w.send: %s   (w does not hear itself)\n",
              w.poll() ? "true" : "false");
  std::printf("real r.recv() -> %s\n", conc::ValueOrDie(r.recv<std::string>(), "r.recv()").c_str());
  return 0;
}
