// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// python_parent_cpp_worker: a Python parent hands work to a C++ worker over
// multiprocessing.connection, and gets the results back.
//
//   # Python, the parent (python_parent_cpp_worker.py)
//   worker = subprocess.Popen([cpp_worker, "worker"], ...)
//   with Client(("127.0.0.1", port), authkey=authkey) as conn:
//       conn.send(("fib", 90)); conn.recv()
//
//   // C++, the worker (this program with the argument "worker")
//   auto listener = conc::PyListener::Open(conc::PyAddress::Tcp("127.0.0.1", 0), authkey);
//   conc::PyConnection conn = *listener->accept();
//   conc::PyValue job = *conn.recv();        // what Python pickled
//   conn.send(conc::PyValue::Int(...));      // what Python unpickles
//
// The parent is real Python (/usr/bin/python3) with its own
// multiprocessing.connection: the C++ side speaks its wire format, answers and
// delivers its HMAC authkey challenge, and reads and writes its pickles. Run
// without arguments, this program starts the Python parent and prints what
// both sides say.

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/marshalling/mp_connection.h"
#include "modules/marshalling/pickle.h"
#include "modules/profiling/run_command.h"

namespace {

constexpr char kPython[] = "/usr/bin/python3";
constexpr char kParent[] = "modules/marshalling/lessons/python_parent_cpp_worker.py";

// One job: (name, argument) -> result, as Python values.
conc::PyValue Run(const conc::PyValue& job) {
  const std::string& name = job.items().at(0).s();
  const conc::PyValue& arg = job.items().at(1);
  if (name == "primes_below") {
    conc::PyList primes;
    for (int64_t n = 2; n < arg.i; ++n) {
      bool prime = true;
      for (int64_t d = 2; d * d <= n && prime; ++d) prime = n % d != 0;
      if (prime) primes.push_back(conc::PyValue::Int(n));
    }
    return conc::PyValue::List(std::move(primes));
  }
  if (name == "fib") {
    int64_t a = 0, b = 1;
    for (int64_t k = 0; k < arg.i; ++k) {
      const int64_t next = a + b;
      a = b;
      b = next;
    }
    return conc::PyValue::Int(a);
  }
  if (name == "word_count") {
    std::map<std::string, int64_t> counts;
    std::vector<std::string> order;
    for (absl::string_view w : absl::StrSplit(arg.s(), ' ', absl::SkipEmpty())) {
      if (counts[std::string(w)]++ == 0) order.emplace_back(w);
    }
    conc::PyDict dict;  // In first-seen order, as a Python dict would be built.
    for (const std::string& w : order) dict.emplace_back(conc::PyValue::Str(w), conc::PyValue::Int(counts[w]));
    return conc::PyValue::Dict(std::move(dict));
  }
  if (name == "mean") {
    double sum = 0;
    for (const conc::PyValue& v : arg.items()) sum += v.f;
    return conc::PyValue::Float(sum / static_cast<double>(arg.items().size()));
  }
  return conc::PyValue::Str("unknown job " + name);
}

// The worker: reads the authkey from stdin, listens, serves one parent.
int Worker() {
  std::string hex;
  std::getline(std::cin, hex);
  const std::string authkey = absl::HexStringToBytes(hex);
  conc::PyListener listener = conc::ValueOrDie(
      conc::PyListener::Open(conc::PyAddress::Tcp("127.0.0.1", 0), authkey), "Listener(('127.0.0.1', 0))");
  std::printf("%d\n", listener.address().port);
  std::fflush(stdout);
  conc::PyConnection conn = conc::ValueOrDie(listener.accept(absl::Minutes(1)), "listener.accept()");
  listener.close();
  int served = 0;
  while (true) {
    conc::PyValue job = conc::ValueOrDie(conn.recv(), "conn.recv()");
    if (job.kind == conc::PyValue::Kind::kNone) break;
    conc::CheckOk(conn.send(Run(job)), "conn.send(result)");
    ++served;
  }
  std::printf("C++ worker: served %d jobs, authenticated with HMAC-MD5, pickles both ways\n", served);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<char*> args =
      conc::InitLesson(argc, argv, "A Python parent hands jobs to a C++ worker over multiprocessing.connection.");
  if (args.size() > 1 && std::string(args[1]) == "worker") return Worker();

  conc::Heading("python parent -> C++ worker (multiprocessing.connection.Client)");
  const std::optional<std::string> parent = conc::RunfilePath(kParent);
  if (!parent) conc::CheckOk(absl::NotFoundError(kParent), "finding the Python parent");
  char self[4096] = {};
  if (::readlink("/proc/self/exe", self, sizeof self - 1) <= 0) {
    conc::CheckOk(absl::InternalError("readlink /proc/self/exe"), "finding this program");
  }
  const conc::CommandResult r =
      conc::ValueOrDie(conc::RunCommand({kPython, *parent, self}, absl::Minutes(2)), "python3 parent");
  std::printf("%s", r.output.c_str());
  if (r.exit_code != 0) conc::CheckOk(absl::InternalError("the Python parent failed"), "python3 parent");
  return 0;
}
