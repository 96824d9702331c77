// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// dill_named_functions: C++ cannot serialise a closure; it sends a function's
// registered name and its arguments instead.
//
//   import pickle, dill
//   def square(x): return x * x
//   pickle.dumps(square)            # b'...\x8c\x08__main__\x94\x8c\x06square\x94\x93...': the NAME
//   scale = lambda x: 3 * x
//   pickle.dumps(scale)             # PicklingError: a lambda has no importable name
//   dill.dumps(scale)               # works: dill pickles the code object and the captured 3
//
// Python's pickle already sends functions by name: the receiver imports
// `__main__.square` and calls its own copy. dill goes further and ships the
// bytecode and the closure's cells, which works because both sides run the
// same interpreter. A C++ closure is machine code at an address of this
// process plus an unnamed struct of captures: there is nothing portable to
// send. So conc does what pickle does, by design: a function registered under
// a name (CONC_PROCESS_FUNCTION), the name and the codec-encoded arguments
// over the pipe, and the worker, the same program, looks the name up. What a
// closure would have captured becomes an argument. Passing a lambda to
// conc::Process or ProcessPoolExecutor::submit is a compile error, not a
// runtime PicklingError.

#include <cstdio>
#include <string>
#include <tuple>

#include "absl/strings/escaping.h"
#include "modules/common/codec.h"
#include "modules/common/lesson.h"
#include "modules/threads/process.h"
#include "modules/threads/process_pool_executor.h"

int square(int x) { return x * x; }
CONC_PROCESS_FUNCTION(square);

// lambda x: factor * x, with the capture made a parameter.
int scale(int factor, int x) { return factor * x; }
CONC_PROCESS_FUNCTION(scale);

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // The pool's workers run the registered functions here.
  conc::InitLesson(argc, argv, "Registered named functions instead of serialised closures.");

  conc::Heading("pickle.dumps(square): a function travels as its name");
  std::printf("conc::process_function<square>.name = \"%s\"\n",
              std::string(conc::process_function<square>.name).c_str());
  std::printf("conc::process_function<scale>.name  = \"%s\"\n",
              std::string(conc::process_function<scale>.name).c_str());

  conc::Heading("a closure: [factor](int x) { return factor * x; }");
  const int factor = 3;
  auto closure = [factor](int x) { return factor * x; };
  std::printf("in this process: closure(14) = %d; its type has no name and its code is an\n"
              "address in this program's memory: nothing to send. (Passing it to submit()\n"
              "does not compile.) Instead: scale(factor, x), the capture as an argument.\n",
              closure(14));
  const std::string args = conc::Encode(std::tuple<int, int>(factor, 14));
  std::printf("what crosses the pipe: the name \"scale\" and the arguments %s (%zu bytes)\n",
              absl::BytesToHexString(args).c_str(), args.size());

  conc::Heading("ProcessPoolExecutor: the worker looks the name up and calls its own copy");
  conc::ProcessPoolExecutor pool(2);
  conc::Future<int> sq = pool.submit(conc::process_function<square>, 12);
  conc::Future<int> sc = pool.submit(conc::process_function<scale>, factor, 14);
  std::printf("square(12) in a worker = %d\n", conc::ValueOrDie(sq.result(), "square(12)"));
  std::printf("scale(3, 14) in a worker = %d (the closure gave %d)\n",
              conc::ValueOrDie(sc.result(), "scale(3, 14)"), closure(14));
  pool.shutdown();
  return 0;
}
