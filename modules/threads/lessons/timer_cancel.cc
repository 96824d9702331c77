// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// timer_cancel: threading.Timer (Module 1). A Timer is a thread that calls a
// function after an interval, unless cancel() comes first.
//   t = Timer(0.5, hello); t.start()            -> "hello, world" half a second later
//   t = Timer(30, hello); t.start(); t.cancel()  -> nothing, and no 30 s wait

#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/threads/timer.h"

ABSL_FLAG(bool, quick, false, "Fire after 50 ms instead of 500 ms (for the tour and tests).");

void hello() { std::printf("hello, world\n"); }

const char* yes_no(bool b) { return b ? "yes" : "no"; }

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "threading.Timer: run a function later, or cancel it first.");
  const absl::Duration interval = absl::Milliseconds(absl::GetFlag(FLAGS_quick) ? 50 : 500);

  conc::Heading("t = Timer(interval, hello); t.start()");
  conc::Timer t(interval, hello);
  absl::Time start = absl::Now();
  conc::CheckOk(t.start(), "t.start()");
  conc::CheckOk(t.join(), "t.join()");
  std::printf("fired after at least %s: %s\n\n", absl::FormatDuration(interval).c_str(),
              yes_no(absl::Now() - start >= interval));

  conc::Heading("t = Timer(30, hello); t.start(); t.cancel()");
  conc::Timer late(absl::Seconds(30), hello);
  start = absl::Now();
  conc::CheckOk(late.start(), "t.start()");
  late.cancel();  // Before it fires: hello never runs.
  conc::CheckOk(late.join(), "t.join()");
  std::printf("cancelled: hello did not run, and join returned in under 30 s: %s\n",
              yes_no(absl::Now() - start < absl::Seconds(30)));

  conc::Heading("a Timer is a Thread");
  conc::Timer named({.name = "alarm"}, absl::ZeroDuration(), [] {
    std::printf("%s fired\n", conc::current_thread().name().c_str());
  });
  conc::CheckOk(named.start(), "named.start()");
  conc::CheckOk(named.join(), "named.join()");
  return 0;
}
