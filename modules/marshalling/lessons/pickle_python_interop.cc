// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// pickle_python_interop: a C++ program and /usr/bin/python3 exchanging pickles.
//
//   import pickle
//   with open("data.pkl", "wb") as f: pickle.dump(record, f)     # Python writes
//   absl::StatusOr<conc::PyValue> v = conc::PickleLoads(bytes);  // C++ reads
//   std::string out = *conc::PickleDumps(*v, 4);                 // C++ writes
//   with open("data.pkl", "rb") as f: pickle.load(f)              # Python reads
//
// Python writes the notebook's kind of record; C++ reads it, adds a reading, and
// writes it back; Python reads that and compares. Then the reason the C++ reader
// exists at all: a pickle that would run a shell command when Python loads it is
// refused here by name, and nothing runs.

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/marshalling/pickle.h"
#include "modules/profiling/run_command.h"

namespace {

constexpr char kPython[] = "/usr/bin/python3";
constexpr char kScript[] = "modules/marshalling/lessons/pickle_python_interop.py";

std::string Scratch(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

std::string RunPython(const std::string& script, const std::string& verb, const std::string& file) {
  const conc::CommandResult r =
      conc::ValueOrDie(conc::RunCommand({kPython, script, verb, file}, absl::Minutes(1)), "python3 " + verb);
  if (r.exit_code != 0) conc::CheckOk(absl::InternalError(r.output), "python3 " + verb);
  return r.output;
}

}  // namespace

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "Python's pickle read and written by C++, and a hostile pickle refused.");
  const std::optional<std::string> script = conc::RunfilePath(kScript);
  if (!script) conc::CheckOk(absl::NotFoundError(kScript), "finding the lesson's Python half");
  const std::string file = Scratch("interop.pkl");

  conc::Heading("Python: pickle.dump(record, f, protocol=4)");
  std::printf("%s", RunPython(*script, "write", file).c_str());

  conc::Heading("C++: conc::PickleLoads, add a reading, conc::PickleDumps");
  std::ifstream in(file, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  conc::PyValue record = conc::ValueOrDie(conc::PickleLoads(bytes.str()), "PickleLoads");
  std::printf("C++ read    %s\n", record.Repr().c_str());
  for (auto& [key, value] : record.pairs()) {
    if (key == conc::PyValue::Str("readings")) value.items().push_back(conc::PyValue::Float(22.25));
  }
  const std::string out = conc::ValueOrDie(conc::PickleDumps(record, 4), "PickleDumps");
  std::ofstream(file, std::ios::binary | std::ios::trunc) << out;
  std::printf("C++ wrote   %s (%zu bytes)\n", record.Repr().c_str(), out.size());

  conc::Heading("Python: pickle.load(f)");
  std::printf("%s", RunPython(*script, "read", file).c_str());

  conc::Heading("a pickle that runs a command when Python loads it");
  // What pickle.dumps of an object whose __reduce__ returns (os.system, ("echo pwned",)) is:
  const std::string evil = std::string("\x80\x04", 2) + "cos\nsystem\nX\x0a\x00\x00\x00" + "echo pwned" +
                           std::string("\x85R.", 3);
  const absl::StatusOr<conc::PyValue> refused = conc::PickleLoads(evil);
  std::printf("conc::PickleLoads(evil) -> %s\n", refused.status().ToString().c_str());
  std::printf("nothing ran: %s\n", refused.ok() ? "no" : "yes");
  return 0;
}
