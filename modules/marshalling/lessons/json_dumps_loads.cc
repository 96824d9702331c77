// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// json_dumps_loads: Module 4's json cells, then a small JSON file.
//
//   json.dumps(b)                       # '{"name": "Alice", "age": 30}'
//   json.loads('{"name": "Alice", "age": 30}')
//   t = 10, 20, 30, 40
//   json.loads(json.dumps(t))           # [10, 20, 30, 40]: a list now
//
// The same calls on conc::PyValue, the tree of Python values the chapter's
// formats share: the text is Python's byte for byte, and the tuple comes back as a
// list for the same reason as in Python: JSON has one sequence type. Where C++
// differs: a C++ program usually knows its types statically (a struct, a
// std::tuple<int, int, int, int>), and then the decoder, not the file, says what
// a sequence becomes; a value tree such as PyValue only knows what the file says.

#include <cstdio>
#include <optional>
#include <string>

#include "modules/common/lesson.h"
#include "modules/marshalling/json.h"

namespace {

constexpr char kStation[] = "modules/marshalling/lessons/data/station.json";

const char* KindName(conc::PyValue::Kind kind) {
  switch (kind) {
    case conc::PyValue::Kind::kList:
      return "list";
    case conc::PyValue::Kind::kTuple:
      return "tuple";
    case conc::PyValue::Kind::kDict:
      return "dict";
    case conc::PyValue::Kind::kStr:
      return "str";
    default:
      return "other";
  }
}

}  // namespace

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv,
                   "json.dumps and json.loads on Python's values, and a JSON file (Module 4).");

  conc::Heading("json.dumps(b) and json.loads(...)");
  // b = {"name": "Alice", "age": 30}
  conc::PyValue b = conc::PyValue::Dict({{conc::PyValue::Str("name"), conc::PyValue::Str("Alice")},
                                         {conc::PyValue::Str("age"), conc::PyValue::Int(30)}});
  std::string text = conc::ValueOrDie(conc::JsonDumps(b), "JsonDumps(b)");
  std::printf("json.dumps(b) -> %s\n", text.c_str());
  conc::PyValue back = conc::ValueOrDie(conc::JsonLoads(text), "JsonLoads");
  std::printf("json.loads(...) -> %s, the same as b: %s\n", back.Repr().c_str(),
              back == b ? "True" : "False");

  conc::Heading("a tuple goes out as a JSON array and comes back a list");
  // t = 10, 20, 30, 40
  conc::PyValue t = conc::PyValue::Tuple({conc::PyValue::Int(10), conc::PyValue::Int(20),
                                          conc::PyValue::Int(30), conc::PyValue::Int(40)});
  std::string r = conc::ValueOrDie(conc::JsonDumps(t), "JsonDumps(t)");
  conc::PyValue r1 = conc::ValueOrDie(conc::JsonLoads(r), "JsonLoads(r)");
  std::printf("%s <class '%s'>\n", t.Repr().c_str(), KindName(t.kind));
  std::printf("%s <class 'str'>\n", r.c_str());
  std::printf("%s <class '%s'>\n", r1.Repr().c_str(), KindName(r1.kind));

  conc::Heading("json.load(open('station.json'))");
  std::optional<std::string> path = conc::RunfilePath(kStation);
  if (!path) conc::CheckOk(absl::NotFoundError(kStation), "finding station.json");
  conc::PyValue station = conc::ValueOrDie(conc::JsonLoadFile(*path), "JsonLoadFile");
  for (const auto& [key, value] : station.pairs()) {
    // The serial is beyond 64 bits: a big int, as in Python; its text is JsonDumps'.
    std::string shown =
        value.kind == conc::PyValue::Kind::kBigInt ? *conc::JsonDumps(value) : value.Repr();
    std::printf("  %-10s %s\n", key.s().c_str(), shown.c_str());
  }

  conc::Heading("a broken file says where");
  absl::StatusOr<conc::PyValue> bad =
      conc::JsonLoads("{\"station\": \"lab-north\",\n \"readings\": [21.5, 21.75,]}");
  std::printf("%s\n", std::string(bad.status().message()).c_str());
  return 0;
}
