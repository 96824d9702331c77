// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// stop_signals.h: how the chapter's server binaries (serve, work_queue_serve)
// wait for SIGINT or SIGTERM. StopSignals blocks both in the calling thread;
// construct it first in main, before any thread starts, so that every thread
// inherits the mask and only Wait() receives them (no handler runs on an
// arbitrary thread).
//
//   conc::internal::StopSignals stop;   // first thing in main
//   ... start the server, print `listening on ...` ...
//   const int signal_number = stop.Wait();
//   server->shutdown();

#ifndef MODULES_SOCKETS_INTERNAL_STOP_SIGNALS_H_
#define MODULES_SOCKETS_INTERNAL_STOP_SIGNALS_H_

#include <pthread.h>
#include <signal.h>

namespace conc::internal {

class StopSignals {
 public:
  StopSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Blocks until SIGINT or SIGTERM arrives; returns which.
  int Wait() const {
    int signal_number = 0;
    sigwait(&set_, &signal_number);
    return signal_number;
  }

 private:
  sigset_t set_;
};

}  // namespace conc::internal

#endif  // MODULES_SOCKETS_INTERNAL_STOP_SIGNALS_H_
